"""The design authority's triage queue: submitted ideas, oldest first, with their age."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from changeauth import db
from changeauth.domain.lifecycle import Stage, Status
from changeauth.models import Improvement


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


def triage_queue(today: date) -> list[QueueItem]:
    """Ideas waiting for G0 (status submitted), oldest first."""
    ideas = db.session.scalars(
        select(Improvement)
        .options(joinedload(Improvement.team), selectinload(Improvement.drivers))
        .where(Improvement.stage == Stage.IDEA.value, Improvement.status == Status.SUBMITTED.value)
        .order_by(Improvement.created_at, Improvement.id)
    ).all()
    return [
        QueueItem(
            improvement=idea,
            age_days=(today - idea.created_at.date()).days,
            working_days=working_days_between(idea.created_at.date(), today),
        )
        for idea in ideas
    ]
