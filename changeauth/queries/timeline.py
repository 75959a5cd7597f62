"""The plain-English history of an improvement: submission, every decision and stage change with who,
when and why, comments and flags. Anonymous submitters are never named to people who may not see them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from changeauth import db
from changeauth.domain.gates import ConditionStatus
from changeauth.domain.lifecycle import Stage
from changeauth.models import AuditEvent, Comment, Condition, DaMeeting, Flag, GateDecision, Improvement, User

ANONYMOUS = "The submitter (anonymous)"


class EntryKind(StrEnum):
    SUBMITTED = "submitted"
    DECISION = "decision"
    TRANSITION = "transition"
    COMMENT = "comment"
    SCORE_FINAL = "score_final"
    FLAG = "flag"
    CONDITION_CLOSED = "condition_closed"
    DEPENDENCY = "dependency"


@dataclass(frozen=True)
class ConditionLine:
    """A condition of a conditional go, as the history lists it."""

    text: str
    owner: str | None
    due_date: date


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: EntryKind
    actor: str | None
    from_stage: str | None = None
    to_stage: str | None = None
    decision: str | None = None
    gate: str | None = None
    rationale: str | None = None
    action: str | None = None
    # A decision: the day of the design authority meeting it was taken at, and its conditions.
    meeting_on: date | None = None
    conditions: tuple[ConditionLine, ...] = ()
    # A decision: the members who attended it, by name (as the decision register lists them).
    attendees: tuple[str, ...] = ()
    # A closed condition: how it was met, or why it was waived.
    note: str | None = None

    # The template shows each kind of entry in its own words.
    @property
    def is_submitted(self) -> bool:
        return self.kind is EntryKind.SUBMITTED

    @property
    def is_decision(self) -> bool:
        return self.kind is EntryKind.DECISION

    @property
    def is_transition(self) -> bool:
        return self.kind is EntryKind.TRANSITION

    @property
    def is_comment(self) -> bool:
        return self.kind is EntryKind.COMMENT

    @property
    def is_score_final(self) -> bool:
        return self.kind is EntryKind.SCORE_FINAL

    @property
    def is_flag(self) -> bool:
        return self.kind is EntryKind.FLAG

    @property
    def is_condition_closed(self) -> bool:
        return self.kind is EntryKind.CONDITION_CLOSED

    @property
    def is_dependency(self) -> bool:
        """A dependency recorded or removed: ``action`` says which, ``note`` names the other improvement."""
        return self.kind is EntryKind.DEPENDENCY

    @property
    def is_dependency_removed(self) -> bool:
        return self.is_dependency and self.action == "removed"

    @property
    def is_condition_met(self) -> bool:
        return self.is_condition_closed and self.decision == ConditionStatus.MET


def timeline(improvement: Improvement, *, show_submitter: bool) -> list[TimelineEntry]:
    """Every event in time order, in ten queries whatever the length of the history (eleven when
    dependencies were recorded or removed)."""

    def name(user: User | None, user_id: int | None) -> str | None:
        if (
            user_id is not None
            and user_id == improvement.submitter_id
            and improvement.is_anonymous
            and not show_submitter
        ):
            return ANONYMOUS
        return user.name if user is not None else None

    submitter_name = (
        improvement.submitter.name
        if improvement.submitter and (show_submitter or not improvement.is_anonymous)
        else None
    )
    entries = [
        TimelineEntry(
            at=improvement.created_at, kind=EntryKind.SUBMITTED, actor=submitter_name, to_stage=Stage.IDEA
        )
    ]
    decisions = db.session.execute(
        select(GateDecision, DaMeeting.meets_on)
        .outerjoin(DaMeeting, DaMeeting.id == GateDecision.meeting_id)
        .options(
            joinedload(GateDecision.decided_by),
            selectinload(GateDecision.conditions).joinedload(Condition.owner),
            selectinload(GateDecision.attendees),
        )
        .where(GateDecision.improvement_id == improvement.id)
    ).all()
    entries += [
        TimelineEntry(
            at=d.decided_at,
            kind=EntryKind.DECISION,
            actor=name(d.decided_by, d.decided_by_id),
            from_stage=d.from_stage,
            to_stage=d.to_stage,
            decision=d.decision,
            gate=d.gate,
            rationale=d.rationale,
            meeting_on=meets_on,
            conditions=tuple(
                ConditionLine(c.text, name(c.owner, c.owner_id), c.due_date) for c in d.conditions
            ),
            attendees=tuple(sorted(filter(None, (name(person, person.id) for person in d.attendees)))),
        )
        for d, meets_on in decisions
    ]
    closed = db.session.execute(
        select(Condition, User)
        .outerjoin(User, User.id == Condition.closed_by_id)
        .where(Condition.improvement_id == improvement.id, Condition.closed_at.is_not(None))
    ).all()
    entries += [
        TimelineEntry(
            at=c.closed_at,
            kind=EntryKind.CONDITION_CLOSED,
            actor=name(user, c.closed_by_id),
            decision=c.status.value,
            rationale=c.text,
            note=c.note,
        )
        for c, user in closed
        if c.closed_at is not None
    ]
    moves = db.session.execute(
        select(AuditEvent, User)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.subject_type == "improvement",
            AuditEvent.subject_id == improvement.id,
            AuditEvent.action == "improvement.transitioned",
        )
    ).all()
    entries += [
        TimelineEntry(
            at=event.occurred_at,
            kind=EntryKind.TRANSITION,
            actor=name(user, event.actor_id),
            from_stage=(event.before or {}).get("stage"),
            to_stage=(event.after or {}).get("stage"),
            action=(event.after or {}).get("action"),
            rationale=event.reason,
        )
        for event, user in moves
    ]
    finals = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.subject_type == "improvement",
            AuditEvent.subject_id == improvement.id,
            AuditEvent.action == "improvement.score_final",
        )
    )
    entries += [
        TimelineEntry(
            at=event.occurred_at,
            kind=EntryKind.SCORE_FINAL,
            actor=None,
            rationale=_score_sentence(event.after or {}),
        )
        for event in finals
    ]
    entries += _dependency_entries(improvement, name)
    comments = db.session.scalars(
        select(Comment).options(joinedload(Comment.author)).where(Comment.improvement_id == improvement.id)
    )
    entries += [
        TimelineEntry(
            at=c.created_at, kind=EntryKind.COMMENT, actor=name(c.author, c.author_id), rationale=c.body
        )
        for c in comments
    ]
    flags = db.session.scalars(
        select(Flag).where(Flag.subject_type == "improvement", Flag.subject_id == improvement.id)
    )
    entries += [
        TimelineEntry(
            at=datetime.combine(f.raised_on, datetime.min.time(), tzinfo=improvement.created_at.tzinfo),
            kind=EntryKind.FLAG,
            actor=None,
            rationale=f.message,
        )
        for f in flags
    ]
    return sorted(entries, key=lambda entry: entry.at)


def _score_sentence(after: dict[str, object]) -> str:
    score = after.get("weighted_score")
    verdict = (
        "every must-meet criterion passed"
        if after.get("must_meet_passed")
        else "a must-meet criterion failed"
    )
    return (
        f"The design authority's score became final: {score if score is not None else 'no weighted score'} "
        f"out of 100 from {after.get('scorers')} scorers, and {verdict}."
    )


def _dependency_entries(
    improvement: Improvement, name: Callable[[User | None, int | None], str | None]
) -> list[TimelineEntry]:
    """Dependencies recorded and removed, with why, from the audit log (a removed one leaves no row)."""
    events = db.session.execute(
        select(AuditEvent, User)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.subject_type == "improvement",
            AuditEvent.subject_id == improvement.id,
            AuditEvent.action.in_(("dependency.recorded", "dependency.removed")),
        )
    ).all()
    if not events:
        return []
    other_ids = {(event.after or event.before or {}).get("depends_on_id") for event, _user in events} - {None}
    others = {
        row.id: row
        for row in db.session.execute(
            select(Improvement.id, Improvement.ref, Improvement.stage).where(Improvement.id.in_(other_ids))
        )
    }

    def other(event: AuditEvent) -> str:
        found = others.get((event.after or event.before or {}).get("depends_on_id"))
        # A withdrawn idea is seen only by its submitter, the design authority and administrators.
        if found is None or found.stage == Stage.WITHDRAWN:
            return "another improvement"
        return str(found.ref)

    return [
        TimelineEntry(
            at=event.occurred_at,
            kind=EntryKind.DEPENDENCY,
            actor=name(user, event.actor_id),
            action="removed" if event.action == "dependency.removed" else "recorded",
            note=other(event),
            rationale=event.reason,
        )
        for event, user in events
    ]
