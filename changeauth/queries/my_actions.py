"""A person's actions: measurements due and overdue on the benefits they own (or whose improvement they
own), open flags on what they own, their temporary resources still in place, the gate conditions they
hold and the actions design authority meetings gave them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from changeauth import db
from changeauth.domain.gates import ConditionStatus
from changeauth.models import Condition, DaMeeting, Flag, GateDecision, MeetingAction, User
from changeauth.queries import benefits as benefit_queries
from changeauth.queries import flags as flag_queries
from changeauth.queries import temporary_resources as resource_queries

DUE_WITHIN_DAYS = 30


@dataclass(frozen=True)
class MyActions:
    overdue: list[benefit_queries.BenefitFigures]
    due_soon: list[benefit_queries.BenefitFigures]
    flags: list[Flag]
    subjects: dict[tuple[str, int], flag_queries.Subject]
    resources: Sequence[resource_queries.ResourceRow]
    conditions: Sequence[Any]
    meeting_actions: Sequence[MeetingActionHeld]

    @property
    def count(self) -> int:
        return (
            len(self.overdue)
            + len(self.due_soon)
            + len(self.flags)
            + len(self.conditions)
            + len(self.meeting_actions)
        )


@dataclass(frozen=True)
class MeetingActionHeld:
    """An open action from a design authority meeting, with the meeting it was agreed at."""

    action: MeetingAction
    meeting: DaMeeting


def meeting_actions_held_by(user_id: int) -> list[MeetingActionHeld]:
    """Open actions from design authority meetings the person owns, soonest due first, undated last."""
    rows = db.session.execute(
        select(MeetingAction, DaMeeting)
        .join(DaMeeting, DaMeeting.id == MeetingAction.meeting_id)
        .where(MeetingAction.owner_id == user_id, MeetingAction.done_at.is_(None))
        .order_by(MeetingAction.due_date.is_(None), MeetingAction.due_date, MeetingAction.id)
    ).all()
    return [MeetingActionHeld(action, meeting) for action, meeting in rows]


def conditions_held_by(user_id: int) -> Sequence[Condition]:
    """Open gate conditions the person owns, soonest due first, with their improvement loaded."""
    return list(
        db.session.scalars(
            select(Condition)
            .options(joinedload(Condition.decision).joinedload(GateDecision.improvement))
            .where(Condition.owner_id == user_id, Condition.status == ConditionStatus.OPEN)
            .order_by(Condition.due_date, Condition.id)
        )
    )


def my_actions(user: User, *, as_of: date, grace_days: int) -> MyActions:
    due = benefit_queries.with_figures(
        benefit_queries.benefits_due_for(user.id, as_of=as_of, within_days=DUE_WITHIN_DAYS),
        as_of=as_of,
        grace_days=grace_days,
    )
    flags = flag_queries.open_flags_on_what_they_own(user.id)
    return MyActions(
        overdue=[f for f in due if f.next_due <= as_of],
        due_soon=[f for f in due if f.next_due > as_of],
        flags=flags,
        subjects=flag_queries.describe_subjects(flags),
        resources=resource_queries.resources_for_owner(user.id, on=as_of),
        conditions=conditions_held_by(user.id),
        meeting_actions=meeting_actions_held_by(user.id),
    )
