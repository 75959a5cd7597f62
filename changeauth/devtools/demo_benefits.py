"""Loading the worked example's benefits (with measurements), like-for-like adjustments and temporary
resources. Idempotent: rows are matched by natural key (seeds/README.md) and never duplicated.

Rows are written directly, as the other demo loaders do, because the example is history: measurements
from 2019 and resources that ended in 2021 would be refused by the everyday rules about who records
what and when. Each row still gets its audit event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from changeauth import db
from changeauth.domain.savings import AdjustmentRecurrence, AdjustmentStatus
from changeauth.models import (
    Benefit,
    BenefitAdjustment,
    BenefitDriver,
    BenefitMeasurement,
    BenefitYear,
    Improvement,
    Programme,
    Team,
    TemporaryResource,
    User,
)
from changeauth.services import benefit_years as year_service
from changeauth.services import benefits as benefit_service
from changeauth.services.audit import record_event
from changeauth.services.reference_data import UpsertCounts

PROGRAMME_SAVINGS_TITLE = "Recurring staff cost savings (77.3 FTE)"


def _improvement_ids() -> dict[str, int]:
    return dict(db.session.execute(select(Improvement.ref, Improvement.id)).all())


def _benefit_key(benefit: Benefit, refs_by_id: Mapping[int, str]) -> tuple[str | None, str]:
    return (refs_by_id.get(benefit.improvement_id) if benefit.improvement_id else None, benefit.title)


def load_benefits(
    rows: Iterable[Mapping[str, Any]], users: Mapping[str, User], programme: Programme, counts: UpsertCounts
) -> None:
    """Benefits keyed by (improvement ref or null for the programme, title), with their measurements."""
    drivers = dict(db.session.execute(select(BenefitDriver.code, BenefitDriver.id)).all())
    ids = _improvement_ids()
    refs_by_id = {id_: ref for ref, id_ in ids.items()}
    existing = {_benefit_key(b, refs_by_id): b for b in db.session.scalars(select(Benefit))}
    for row in rows:
        key = (row.get("improvement_ref"), row["title"])
        benefit = existing.get(key)
        if benefit is None:
            benefit = _create_benefit(row, users, programme, ids, drivers)
            existing[key] = benefit
            counts.add("benefit", "created")
        else:
            counts.add("benefit", "unchanged")
        _load_measurements(benefit, row.get("measurements") or [], users[row["owner"]], counts)
        if row.get("years"):
            _plan_years(benefit, row["years"], users, counts)
        handover = row.get("handed_over")
        if handover and not benefit.is_handed_over:
            _hand_over(benefit, handover, users)
            counts.add("benefit_handover", "created")


def _plan_years(
    benefit: Benefit, years: Mapping[str, Any], users: Mapping[str, User], counts: UpsertCounts
) -> None:
    """The saving's plan by financial year, through the service as the programme board planned it; a
    year already planned is left as it is."""
    planned = set(
        db.session.scalars(select(BenefitYear.financial_year).where(BenefitYear.benefit_id == benefit.id))
    )
    for plan in years["plan"]:
        if plan["financial_year"] in planned:
            counts.add("benefit_year", "unchanged")
            continue
        year_service.plan_year(
            benefit.id,
            actor=users[years["planned_by"]],
            financial_year=plan["financial_year"],
            planned_pence=plan["planned_pence"],
            one_off_cost_pence=plan.get("one_off_cost_pence", 0),
            expected_version=0,
        )
        counts.add("benefit_year", "created")


def _hand_over(benefit: Benefit, row: Mapping[str, Any], users: Mapping[str, User]) -> None:
    """Through the service, as the design authority did it, so the audit log and the new owner's
    notification tell it as it happened."""
    benefit_service.hand_over_benefit(
        benefit.id,
        actor=users[row["by"]],
        owner_id=users[row["to"]].id,
        handed_over_on=row["handed_over_on"],
        note=" ".join(str(row.get("note", "")).split()),
        expected_version=benefit.version,
    )


def _create_benefit(
    row: Mapping[str, Any],
    users: Mapping[str, User],
    programme: Programme,
    improvement_ids: Mapping[str, int],
    drivers: Mapping[str, int],
) -> Benefit:
    validator = users.get(row["validated_by"]) if row.get("validated_by") else None
    benefit = Benefit(
        improvement_id=improvement_ids[row["improvement_ref"]] if row.get("improvement_ref") else None,
        programme_id=None if row.get("improvement_ref") else programme.id,
        driver_id=drivers[row["driver"]],
        title=row["title"],
        cash_class=row["cash_class"],
        unit=row["unit"],
        direction=row["direction"],
        baseline_value=Decimal(str(row["baseline_value"])),
        baseline_date=row["baseline_date"],
        target_value=Decimal(str(row["target_value"])),
        target_date=row["target_date"],
        frequency=row["frequency"],
        owner_id=users[row["owner"]].id,
        closing_status=row.get("closing_status"),
        validated_by_id=validator.id if validator else None,
        # When the validation happened (the SWAP audit, November 2019), not when the example was loaded.
        validated_at=(
            datetime.combine(row["validated_on"], time(12, 0), tzinfo=UTC)
            if validator and row.get("validated_on")
            else (db.utcnow() if validator else None)
        ),
        validation_note=" ".join(str(row.get("validation_note", "")).split()),
    )
    benefit.reschedule(None)
    db.session.add(benefit)
    db.session.flush()
    record_event(
        actor_id=None,
        action="benefit.loaded",
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        after={
            "title": benefit.title,
            "improvement_id": benefit.improvement_id,
            "programme_id": benefit.programme_id,
        },
    )
    return benefit


def _load_measurements(
    benefit: Benefit, rows: Iterable[Mapping[str, Any]], recorder: User, counts: UpsertCounts
) -> None:
    have = set(
        db.session.scalars(
            select(BenefitMeasurement.period_end).where(BenefitMeasurement.benefit_id == benefit.id)
        )
    )
    added = False
    for row in rows:
        if row["period_end"] in have:
            counts.add("benefit_measurement", "unchanged")
            continue
        db.session.add(
            BenefitMeasurement(
                benefit_id=benefit.id,
                period_end=row["period_end"],
                value=Decimal(str(row["value"])),
                data_quality=row.get("data_quality", "measured"),
                note=row.get("note", ""),
                recorded_by_id=recorder.id,
            )
        )
        counts.add("benefit_measurement", "created")
        added = True
    if added:
        db.session.flush()
        latest = db.session.scalar(
            select(BenefitMeasurement)
            .where(BenefitMeasurement.benefit_id == benefit.id)
            .order_by(BenefitMeasurement.period_end.desc())
            .limit(1)
        )
        benefit.reschedule(latest)
        db.session.flush()


def load_adjustments(
    rows: Iterable[Mapping[str, Any]], users: Mapping[str, User], counts: UpsertCounts
) -> None:
    """The report's like-for-like adjustments, on the programme's savings benefit; key (category, source)."""
    benefit = db.session.scalar(
        select(Benefit).where(Benefit.programme_id.is_not(None), Benefit.title == PROGRAMME_SAVINGS_TITLE)
    )
    if benefit is None:
        raise LookupError(f"the programme benefit {PROGRAMME_SAVINGS_TITLE!r} must be loaded first")
    have = set(
        db.session.execute(
            select(BenefitAdjustment.category, BenefitAdjustment.source).where(
                BenefitAdjustment.benefit_id == benefit.id
            )
        ).all()
    )
    finance = users["finance"]
    for row in rows:
        source = row.get("source", "")
        if (row["category"], source) in have:
            counts.add("benefit_adjustment", "unchanged")
            continue
        adjustment = BenefitAdjustment(
            benefit_id=benefit.id,
            category=row["category"],
            amount_pence=int(row["amount_pence"]),
            rationale=" ".join(str(row["rationale"]).split()),
            source=source,
            status=row.get("status", AdjustmentStatus.PROPOSED.value),
            recurrence=row.get("recurrence", AdjustmentRecurrence.RECURRING.value),
            financial_year=row.get("financial_year"),
            evidence=" ".join(str(row.get("evidence", "")).split()),
            recorded_by_id=finance.id,
        )
        db.session.add(adjustment)
        db.session.flush()
        counts.add("benefit_adjustment", "created")
        record_event(
            actor_id=None,
            action="benefit.adjustment_loaded",
            subject_type="benefit",
            subject_id=benefit.id,
            after={
                "category": adjustment.category,
                "amount_pence": adjustment.amount_pence,
                "source": source,
                "status": adjustment.status,
            },
        )


def load_temporary_resources(
    rows: Iterable[Mapping[str, Any]], users: Mapping[str, User], programme: Programme, counts: UpsertCounts
) -> None:
    """Temporary resources keyed by (role title, team, start date); report rows belong to the programme."""
    teams = dict(db.session.execute(select(Team.code, Team.id)).all())
    ids = _improvement_ids()
    have = set(
        db.session.execute(
            select(TemporaryResource.role_title, TemporaryResource.team_id, TemporaryResource.start_date)
        ).all()
    )
    for row in rows:
        team_id = teams.get(row.get("team") or "")
        if (row["role_title"], team_id, row["start_date"]) in have:
            counts.add("temporary_resource", "unchanged")
            continue
        improvement_id = ids[row["improvement_ref"]] if row.get("improvement_ref") else None
        resource = TemporaryResource(
            role_title=row["role_title"],
            team_id=team_id,
            improvement_id=improvement_id,
            programme_id=None if improvement_id else programme.id,
            kind=row["kind"],
            annual_cost_pence=int(row["annual_cost_pence"]),
            funding_source=row.get("funding_source", ""),
            reason=" ".join(str(row.get("note", "")).split()),
            start_date=row["start_date"],
            end_date=row["end_date"],
            actual_end_date=row.get("actual_end_date"),
            owner_id=users[row["owner"]].id,
        )
        db.session.add(resource)
        db.session.flush()
        counts.add("temporary_resource", "created")
        record_event(
            actor_id=None,
            action="temporary_resource.loaded",
            subject_type="temporary_resource",
            subject_id=resource.id,
            subject_version=resource.version,
            after={"role_title": resource.role_title, "annual_cost_pence": resource.annual_cost_pence},
        )
