"""Shared measures and their attribution (domain.attribution), for the benefit's page, the gate and the
dashboard: which benefits claim the same measure or budget line, and whether it is counted twice."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from changeauth import db
from changeauth.domain.attribution import Claim, MeasureClaims, claims_by_measure
from changeauth.models import Benefit, Improvement, Programme


@dataclass(frozen=True)
class Claimant:
    benefit_id: int
    title: str
    held_by: str  # the improvement's reference and title, or the programme's name
    improvement_id: int | None
    share_pct: Decimal | None


@dataclass(frozen=True)
class SharedMeasure:
    """A measure more than one improvement (or a programme and an improvement) claims."""

    name: str
    figures: MeasureClaims
    claimants: tuple[Claimant, ...]


def _claimants(keys: set[str] | None = None) -> list[SharedMeasure]:
    stmt = (
        select(
            Benefit.id,
            Benefit.title,
            Benefit.improvement_id,
            Benefit.shared_measure,
            Benefit.share_pct,
            Improvement.ref,
            Improvement.title,
            Programme.name,
        )
        .outerjoin(Improvement, Improvement.id == Benefit.improvement_id)
        .outerjoin(Programme, Programme.id == Benefit.programme_id)
        .where(Benefit.shared_measure_key.is_not(None), Benefit.closing_status.is_(None))
        .order_by(Benefit.id)
    )
    if keys is not None:
        stmt = stmt.where(Benefit.shared_measure_key.in_(keys))
    rows = db.session.execute(stmt).all()
    figures = claims_by_measure(
        (row.shared_measure, Claim(row.id, row.improvement_id, row.share_pct)) for row in rows
    )
    named: dict[str, str] = {}
    people: dict[str, list[Claimant]] = {}
    for row in rows:
        key = " ".join(row.shared_measure.split()).casefold()
        named.setdefault(key, " ".join(row.shared_measure.split()))
        held_by = f"{row.ref}: {row.title_1}" if row.ref else f"{row.name} (programme)"
        people.setdefault(key, []).append(
            Claimant(row.id, row.title, held_by, row.improvement_id, row.share_pct)
        )
    return [
        SharedMeasure(named[key], figures[key], tuple(people[key]))
        for key in sorted(figures)
        if figures[key].is_shared
    ]


def shared_with(benefit: Benefit) -> SharedMeasure | None:
    """The benefit's shared measure when another improvement claims it too; None otherwise."""
    if not benefit.shared_measure_key:
        return None
    found = _claimants({benefit.shared_measure_key})
    return found[0] if found else None


def shared_for_improvement(improvement_id: int) -> list[SharedMeasure]:
    """The shared measures the improvement's open benefits claim with other improvements (for its gate)."""
    keys: set[str] = {
        key
        for key in db.session.scalars(
            select(Benefit.shared_measure_key).where(
                Benefit.improvement_id == improvement_id, Benefit.shared_measure_key.is_not(None)
            )
        )
        if key
    }
    return _claimants(keys) if keys else []


def shared_measures() -> list[SharedMeasure]:
    """Every measure claimed by more than one improvement, double counts first (for the dashboard)."""
    return sorted(_claimants(), key=lambda m: (not m.figures.is_double_counted, m.name.casefold()))


def other_shares(benefit_id: int, key: str) -> list[Decimal | None]:
    """The shares the other open benefits claim of the measure ``key``."""
    return list(
        db.session.scalars(
            select(Benefit.share_pct).where(
                Benefit.shared_measure_key == key, Benefit.id != benefit_id, Benefit.closing_status.is_(None)
            )
        )
    )
