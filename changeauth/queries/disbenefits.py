"""Reading dis-benefits: an improvement's (or a programme's), one by its number, and those set against
given benefits, each with its owner and the benefits it offsets loaded
(docs/benefits-and-resources.md#dis-benefits)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from changeauth import db
from changeauth.domain.errors import NotFound
from changeauth.models import Benefit, Disbenefit, disbenefit_offset

_LOADED = (
    selectinload(Disbenefit.owner),
    selectinload(Disbenefit.offsets),
    selectinload(Disbenefit.improvement),
    selectinload(Disbenefit.programme),
)


def of_improvement(improvement_id: int) -> list[Disbenefit]:
    """An improvement's dis-benefits in the order they were recorded (four selects)."""
    return list(
        db.session.scalars(
            select(Disbenefit)
            .options(*_LOADED)
            .where(Disbenefit.improvement_id == improvement_id)
            .order_by(Disbenefit.id)
        )
    )


def of_programme(programme_id: int) -> list[Disbenefit]:
    """A programme's own dis-benefits in the order they were recorded."""
    return list(
        db.session.scalars(
            select(Disbenefit)
            .options(*_LOADED)
            .where(Disbenefit.programme_id == programme_id)
            .order_by(Disbenefit.id)
        )
    )


def get_disbenefit(disbenefit_id: int) -> Disbenefit:
    """One dis-benefit with its owner, offsets and what it belongs to; NotFound if there is none."""
    found = db.session.scalar(select(Disbenefit).options(*_LOADED).where(Disbenefit.id == disbenefit_id))
    if found is None:
        raise NotFound("There is no dis-benefit with that number.")
    return found


def against_benefits(benefit_ids: Sequence[int]) -> dict[int, list[Disbenefit]]:
    """The dis-benefits set against each of ``benefit_ids`` (a benefit with none is left out)."""
    if not benefit_ids:
        return {}
    pairs = db.session.execute(
        select(disbenefit_offset.c.benefit_id, disbenefit_offset.c.disbenefit_id).where(
            disbenefit_offset.c.benefit_id.in_(benefit_ids)
        )
    ).all()
    if not pairs:
        return {}
    found = {
        d.id: d
        for d in db.session.scalars(
            select(Disbenefit)
            .options(*_LOADED)
            .where(Disbenefit.id.in_({disbenefit_id for _, disbenefit_id in pairs}))
            .order_by(Disbenefit.id)
        )
    }
    result: dict[int, list[Disbenefit]] = defaultdict(list)
    for benefit_id, disbenefit_id in sorted(pairs):
        result[benefit_id].append(found[disbenefit_id])
    return dict(result)


def offset_choices(*, improvement_id: int | None, programme_id: int | None) -> list[tuple[int, str]]:
    """The benefits a dis-benefit of this improvement (or programme) may offset: ``(id, title)``."""
    where = (
        Benefit.improvement_id == improvement_id
        if improvement_id is not None
        else Benefit.programme_id == programme_id
    )
    return [
        (row.id, row.title)
        for row in db.session.execute(select(Benefit.id, Benefit.title).where(where).order_by(Benefit.id))
    ]
