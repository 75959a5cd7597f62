"""Gate decisions: who decided what at which gate, why, and the stage move it made."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from changeauth.db import Base, utcnow
from changeauth.domain.gates import MANUAL, ConditionStatus, CriterionKind
from changeauth.domain.lifecycle import Decision, Gate, Stage
from changeauth.models._columns import EnumString, one_of

if TYPE_CHECKING:
    from changeauth.models.improvement import Improvement
    from changeauth.models.user import User

gate_decision_attendee = Table(
    "gate_decision_attendee",
    Base.metadata,
    Column("decision_id", ForeignKey("gate_decision.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id"), primary_key=True),
)


class GateDecision(Base):
    """A decision is a record: it is written once and never edited."""

    __tablename__ = "gate_decision"
    __table_args__ = (
        one_of("gate", Gate, "gate_known"),
        one_of("decision", Decision, "decision_known"),
        one_of("from_stage", Stage, "from_stage_known"),
        one_of("to_stage", Stage, "to_stage_known"),
        Index("ix_gate_decision_decided_at", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    improvement_id: Mapped[int] = mapped_column(ForeignKey("improvement.id", ondelete="CASCADE"), index=True)
    gate: Mapped[Gate] = mapped_column(EnumString(Gate, 2))
    decision: Mapped[Decision] = mapped_column(EnumString(Decision, 24))
    rationale: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    from_stage: Mapped[Stage] = mapped_column(EnumString(Stage, 20))
    to_stage: Mapped[Stage] = mapped_column(EnumString(Stage, 20))
    hold_until: Mapped[date | None]
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("improvement.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("da_meeting.id"), index=True)

    improvement: Mapped[Improvement] = relationship(foreign_keys=[improvement_id], lazy="raise_on_sql")
    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id], lazy="raise_on_sql")
    attendees: Mapped[list[User]] = relationship(secondary=gate_decision_attendee, lazy="raise_on_sql")
    conditions: Mapped[list[Condition]] = relationship(
        back_populates="decision", lazy="raise_on_sql", order_by="Condition.id"
    )

    @property
    def attendee_ids(self) -> list[int]:
        """The people who took the decision (attendees must be loaded)."""
        return sorted(user.id for user in self.attendees)

    def __repr__(self) -> str:
        return f"<GateDecision {self.gate} {self.decision} on {self.improvement_id}>"


class Condition(Base):
    """An owned, dated action attached to a conditional go; open ones block the next gate's go."""

    __tablename__ = "condition"
    __table_args__ = (
        one_of("status", ConditionStatus, "status_known"),
        CheckConstraint("(status = 'open') = (closed_at IS NULL)", name="closed_when_not_open"),
        Index("ix_condition_status_due_date", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("gate_decision.id", ondelete="CASCADE"), index=True)
    improvement_id: Mapped[int] = mapped_column(ForeignKey("improvement.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    due_date: Mapped[date]
    status: Mapped[ConditionStatus] = mapped_column(
        EnumString(ConditionStatus, 8), default=ConditionStatus.OPEN
    )
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    # Every UPDATE checks and moves the version (services/guards.py).
    __mapper_args__ = {"version_id_col": version}

    decision: Mapped[GateDecision] = relationship(back_populates="conditions", lazy="raise_on_sql")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="raise_on_sql")

    @property
    def is_open(self) -> bool:
        return self.status is ConditionStatus.OPEN

    def __repr__(self) -> str:
        return f"<Condition {self.id} {self.status}>"


class GateCriterion(Base):
    """A criterion a gate asks about, seeded with the defaults and editable by administrators."""

    __tablename__ = "gate_criterion"
    __table_args__ = (
        UniqueConstraint("gate", "code"),
        one_of("gate", Gate, "gate_known"),
        one_of("kind", CriterionKind, "kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gate: Mapped[Gate] = mapped_column(EnumString(Gate, 2))
    code: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[CriterionKind] = mapped_column(EnumString(CriterionKind, 6))
    check: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)

    # Every UPDATE checks and moves the version (services/guards.py).
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_manual(self) -> bool:
        """Ticked by a design authority member with evidence, rather than checked by a rule."""
        return self.check == MANUAL

    def __repr__(self) -> str:
        return f"<GateCriterion {self.gate} {self.code}>"


class CriterionTick(Base):
    """A manual criterion ticked (or unticked) for one improvement, with the evidence."""

    __tablename__ = "criterion_tick"
    __table_args__ = (UniqueConstraint("improvement_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    improvement_id: Mapped[int] = mapped_column(ForeignKey("improvement.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("gate_criterion.id", ondelete="CASCADE"))
    is_met: Mapped[bool]
    evidence: Mapped[str] = mapped_column(Text)
    ticked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    ticked_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<CriterionTick {self.criterion_id} on {self.improvement_id}>"


da_meeting_member = Table(
    "da_meeting_member",
    Base.metadata,
    Column("meeting_id", ForeignKey("da_meeting.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id"), primary_key=True),
)


def new_calendar_uid() -> str:
    """A globally unique iCalendar UID (RFC 5545 3.8.4.7), kept for the meeting's whole life."""
    return f"{uuid.uuid4()}@changeauth"


def _next_sequence(current: int | None) -> int:
    """A meeting's first invitation is SEQUENCE 0 (iCalendar's start); each change after moves it by one."""
    return 0 if current is None else current + 1


class DaMeeting(Base):
    """A design authority meeting: its agenda is the gate-ready improvements; decisions are recorded in it.

    Members get a calendar invitation (docs/meetings.md): ``calendar_uid`` never changes, and ``sequence``
    goes up with every change or the cancellation, as iCalendar updates need.
    """

    __tablename__ = "da_meeting"
    # A unique index rather than a constraint: SQLite adds one without rebuilding the table.
    __table_args__ = (Index("uq_da_meeting_calendar_uid", "calendar_uid", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    meets_on: Mapped[date] = mapped_column(index=True)
    # Local time (CHANGEAUTH_TIMEZONE) the meeting starts, and how long it lasts.
    starts_at: Mapped[time] = mapped_column(server_default=text("'10:00:00'"), default=time(10, 0))
    duration_minutes: Mapped[int] = mapped_column(server_default=text("60"), default=60)
    location: Mapped[str | None] = mapped_column(String(200))
    calendar_uid: Mapped[str] = mapped_column(String(100), default=new_calendar_uid)
    sequence: Mapped[int] = mapped_column(server_default=text("0"), default=0)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What was discussed, written up by the design authority after (or during) the meeting.
    minutes: Mapped[str] = mapped_column(Text, default="", server_default="")

    # The sequence is the meeting's version (services/guards.py): every UPDATE checks and moves it, so
    # each change sent to the members carries a higher SEQUENCE than the one before.
    __mapper_args__ = {"version_id_col": sequence, "version_id_generator": _next_sequence}

    members: Mapped[list[User]] = relationship(
        secondary=da_meeting_member, lazy="raise_on_sql", order_by="User.name"
    )

    def __repr__(self) -> str:
        return f"<DaMeeting {self.meets_on}>"


class MeetingAgendaItem(Base):
    """An improvement the design authority put on a meeting's agenda, in the order they chose."""

    __tablename__ = "meeting_agenda_item"
    __table_args__ = (UniqueConstraint("meeting_id", "improvement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("da_meeting.id", ondelete="CASCADE"), index=True)
    improvement_id: Mapped[int] = mapped_column(ForeignKey("improvement.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    added_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class MeetingAction(Base):
    """An action agreed at a meeting: what, who and by when; done when its owner or a member says so."""

    __tablename__ = "meeting_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("da_meeting.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    due_date: Mapped[date | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="raise_on_sql")

    # Every UPDATE checks and moves the version (services/guards.py).
    __mapper_args__ = {"version_id_col": version}
