"""The design authority's triage queue: submitted ideas, oldest first, with their age."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from changeauth import db
from changeauth.domain.lifecycle import Stage, Status
from changeauth.models import Improvement
from changeauth.queries.pagination import Page, clamp_page


@dataclass(frozen=True)
class QueueItem:
    improvement: Improvement
    age_days: int
    working_days: int


def working_days_between(start: date, end: date) -> int:
    """Monday-to-Friday days after ``start`` up to and including ``end``."""
    if end <= start:
        return 0
    whole_weeks, extra = divmod((end - start).days, 7)
    count = whole_weeks * 5
    for offset in range(1, extra + 1):
        if (start.toordinal() + offset - 1) % 7 < 5:  # toordinal()-1 % 7: Monday is 0
            count += 1
    return count


def triage_queue(today: date, *, page: int | None = None, per_page: int | None = None) -> Page[QueueItem]:
    """Ideas waiting for G0 (status submitted), oldest first, one page at a time (three queries)."""
    page, per_page = clamp_page(page, per_page)
    waiting = (Improvement.stage == Stage.IDEA.value, Improvement.status == Status.SUBMITTED.value)
    total = db.session.scalar(select(func.count(Improvement.id)).where(*waiting)) or 0
    ideas = db.session.scalars(
        select(Improvement)
        .options(joinedload(Improvement.team), selectinload(Improvement.drivers))
        .where(*waiting)
        .order_by(Improvement.created_at, Improvement.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = [
        QueueItem(
            improvement=idea,
            age_days=(today - idea.created_at.date()).days,
            working_days=working_days_between(idea.created_at.date(), today),
        )
        for idea in ideas
    ]
    return Page(items=items, page=page, per_page=per_page, total=total)


def next_waiting(after: Improvement, *, may_decide: Callable[[Improvement], bool]) -> Improvement | None:
    """The oldest idea still waiting for triage, other than ``after``, that ``may_decide`` allows (the
    next one for the same member to decide)."""
    waiting = db.session.scalars(
        select(Improvement)
        .where(
            Improvement.stage == Stage.IDEA.value,
            Improvement.status == Status.SUBMITTED.value,
            Improvement.id != after.id,
        )
        .order_by(Improvement.created_at, Improvement.id)
        .limit(50)
    )
    return next((idea for idea in waiting if may_decide(idea)), None)
