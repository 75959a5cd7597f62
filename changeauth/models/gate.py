"""Gate decisions: who decided what at which gate, why, and the stage move it made."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from changeauth.db import Base, utcnow
from changeauth.domain.lifecycle import Decision, Gate, Stage
from changeauth.models._columns import one_of

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
        one_of("gate", [g.value for g in Gate], "gate_known"),
        one_of("decision", [d.value for d in Decision], "decision_known"),
        one_of("from_stage", [s.value for s in Stage], "from_stage_known"),
        one_of("to_stage", [s.value for s in Stage], "to_stage_known"),
        Index("ix_gate_decision_decided_at", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    improvement_id: Mapped[int] = mapped_column(ForeignKey("improvement.id", ondelete="CASCADE"), index=True)
    gate: Mapped[str] = mapped_column(String(2))
    decision: Mapped[str] = mapped_column(String(24))
    rationale: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    from_stage: Mapped[str] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    hold_until: Mapped[date | None]
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("improvement.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("da_meeting.id"), index=True)

    improvement: Mapped[Improvement] = relationship(foreign_keys=[improvement_id], lazy="raise_on_sql")
    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id], lazy="raise_on_sql")
    attendees: Mapped[list[User]] = relationship(secondary=gate_decision_attendee, lazy="raise_on_sql")
    conditions: Mapped[list[Condition]] = relationship(
        back_populates="decision", lazy="raise_on_sql", order_by="Condition.id"
    )

    def __repr__(self) -> str:
        return f"<GateDecision {self.gate} {self.decision} on {self.improvement_id}>"


CONDITION_STATUSES = ("open", "met", "waived")


class Condition(Base):
    """An owned, dated action attached to a conditional go; open ones block the next gate's go."""

    __tablename__ = "condition"
    __table_args__ = (
        one_of("status", CONDITION_STATUSES, "status_known"),
        CheckConstraint("(status = 'open') = (closed_at IS NULL)", name="closed_when_not_open"),
        Index("ix_condition_status_due_date", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("gate_decision.id", ondelete="CASCADE"), index=True)
    improvement_id: Mapped[int] = mapped_column(ForeignKey("improvement.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    due_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(8), default="open")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    decision: Mapped[GateDecision] = relationship(back_populates="conditions", lazy="raise_on_sql")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Condition {self.id} {self.status}>"


class GateCriterion(Base):
    """A criterion a gate asks about, seeded with the defaults and editable by administrators."""

    __tablename__ = "gate_criterion"
    __table_args__ = (
        UniqueConstraint("gate", "code"),
        one_of("gate", [g.value for g in Gate], "gate_known"),
        one_of("kind", ("must", "should"), "kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gate: Mapped[str] = mapped_column(String(2))
    code: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(6))
    check: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)

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


class DaMeeting(Base):
    """A design authority meeting: its agenda is the gate-ready improvements; decisions are recorded in it."""

    __tablename__ = "da_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    meets_on: Mapped[date] = mapped_column(index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[User]] = relationship(
        secondary=da_meeting_member, lazy="raise_on_sql", order_by="User.name"
    )

    def __repr__(self) -> str:
        return f"<DaMeeting {self.meets_on}>"
