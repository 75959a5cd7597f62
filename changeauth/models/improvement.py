"""The improvement aggregate: the improvement itself, its drivers and priorities, comments, supports
and conflict-of-interest declarations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from changeauth.db import Base, utcnow
from changeauth.domain.lifecycle import Route, Stage, Status
from changeauth.domain.permissions import ImprovementFacts
from changeauth.models._columns import EnumString, one_of

if TYPE_CHECKING:
    from changeauth.models.organisation import BenefitDriver, Programme, StrategicPriority, Team
    from changeauth.models.user import User

improvement_driver = Table(
    "improvement_driver",
    Base.metadata,
    Column("improvement_id", ForeignKey("improvement.id", ondelete="CASCADE"), primary_key=True),
    Column("driver_id", ForeignKey("benefit_driver.id"), primary_key=True),
)

improvement_priority = Table(
    "improvement_priority",
    Base.metadata,
    Column("improvement_id", ForeignKey("improvement.id", ondelete="CASCADE"), primary_key=True),
    Column("priority_id", ForeignKey("strategic_priority.id"), primary_key=True),
)


class Improvement(Base):
    __tablename__ = "improvement"
    __table_args__ = (
        one_of("stage", Stage, "stage_known"),
        one_of("status", Status, "status_known"),
        one_of("route", Route, "route_known"),
        one_of("held_from_stage", Stage, "held_from_stage_known"),
        # A held improvement remembers where it came from; nothing else carries that value.
        CheckConstraint("(stage = 'on_hold') = (held_from_stage IS NOT NULL)", name="hold_remembers_stage"),
        CheckConstraint("(stage = 'merged') = (duplicate_of_id IS NOT NULL)", name="merge_has_target"),
        CheckConstraint("duplicate_of_id IS NULL OR duplicate_of_id <> id", name="not_merged_into_itself"),
        Index("ix_improvement_stage_created_at", "stage", "created_at"),
        # Newest first, for the ideas list and the API (created_at, then id, as they sort).
        Index("ix_improvement_created_at_id", "created_at", "id"),
        # The lists count what a person may see as all less other people's withdrawn improvements,
        # read from this index alone.
        Index("ix_improvement_stage_submitter_id", "stage", "submitter_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text, default="")
    proposal: Mapped[str] = mapped_column(Text, default="")
    expected_effect: Mapped[str] = mapped_column(Text, default="")
    submitter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    sponsor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"), index=True)
    # The leadership team's published rank within the improvement's benefit driver (1 = first), when a
    # recommendation came with one (the close-down report's "LMT priority").
    leadership_priority: Mapped[int | None]
    route: Mapped[Route] = mapped_column(EnumString(Route, 20), default=Route.STANDARD)
    stage: Mapped[Stage] = mapped_column(EnumString(Stage, 20), default=Stage.IDEA)
    status: Mapped[Status] = mapped_column(EnumString(Status, 20), default=Status.SUBMITTED)
    is_mandatory: Mapped[bool] = mapped_column(default=False)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("improvement.id"))
    hold_until: Mapped[date | None]
    held_from_stage: Mapped[Stage | None] = mapped_column(EnumString(Stage, 20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    stage_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The roadmap quarter the design authority plans it for, e.g. "2027-Q1".
    planned_quarter: Mapped[str | None] = mapped_column(String(7))
    # The owner's or the design authority's estimate of the delivery effort, for the portfolio.
    delivery_person_months: Mapped[Decimal | None] = mapped_column(
        Numeric(6, 1), CheckConstraint("delivery_person_months >= 0", name="delivery_estimate_not_negative")
    )
    version: Mapped[int] = mapped_column(default=1)

    # Every UPDATE checks and moves the version (services/guards.py).
    __mapper_args__ = {"version_id_col": version}

    submitter: Mapped[User | None] = relationship(foreign_keys=[submitter_id], lazy="raise_on_sql")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="raise_on_sql")
    sponsor: Mapped[User | None] = relationship(foreign_keys=[sponsor_id], lazy="raise_on_sql")
    team: Mapped[Team | None] = relationship(lazy="raise_on_sql")
    programme: Mapped[Programme | None] = relationship(lazy="raise_on_sql")
    duplicate_of: Mapped[Improvement | None] = relationship(remote_side=[id], lazy="raise_on_sql")
    drivers: Mapped[list[BenefitDriver]] = relationship(
        secondary=improvement_driver, lazy="raise_on_sql", order_by="BenefitDriver.code"
    )
    priorities: Mapped[list[StrategicPriority]] = relationship(
        secondary=improvement_priority, lazy="raise_on_sql", order_by="StrategicPriority.code"
    )
    conflicts: Mapped[list[ConflictDeclaration]] = relationship(
        back_populates="improvement", lazy="raise_on_sql"
    )

    @property
    def needs_info(self) -> bool:
        """Sent back at triage for more information before it can be decided."""
        return self.status is Status.NEEDS_INFO

    @property
    def is_quick_win(self) -> bool:
        return self.route is Route.QUICK_WIN

    def facts(
        self, conflicted_user_ids: frozenset[int], former_holder_ids: frozenset[int]
    ) -> ImprovementFacts:
        """The plain facts the permission predicates need, with who has declared a conflict and who held
        a role in the current stage; ``queries.improvements.access_to`` loads them."""
        return ImprovementFacts(
            id=self.id,
            stage=self.stage,
            submitter_id=self.submitter_id,
            owner_id=self.owner_id,
            sponsor_id=self.sponsor_id,
            is_anonymous=self.is_anonymous,
            conflicted_user_ids=conflicted_user_ids,
            former_holder_ids=former_holder_ids,
        )

    def visibility_facts(self) -> ImprovementFacts:
        """Facts enough for who may see the improvement and its submitter, read from the row alone so a
        list can ask per row. A rule about independence asked with them raises InterestsNotLoaded."""
        return ImprovementFacts(
            id=self.id,
            stage=self.stage,
            submitter_id=self.submitter_id,
            owner_id=self.owner_id,
            sponsor_id=self.sponsor_id,
            is_anonymous=self.is_anonymous,
            interests_known=False,
        )

    def __repr__(self) -> str:
        return f"<Improvement {self.ref} {self.stage}>"


class Comment(Base):
    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    improvement_id: Mapped[int] = mapped_column(ForeignKey("improvement.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Comment {self.id} on {self.improvement_id}>"


class Support(Base):
    """One support per person per improvement."""

    __tablename__ = "support"
    __table_args__ = (UniqueConstraint("improvement_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    improvement_id: Mapped[int] = mapped_column(ForeignKey("improvement.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Support {self.user_id} for {self.improvement_id}>"


class ConflictDeclaration(Base):
    """A declared conflict of interest: the user may not score, attend or decide the improvement."""

    __tablename__ = "conflict_declaration"
    __table_args__ = (UniqueConstraint("improvement_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    improvement_id: Mapped[int] = mapped_column(ForeignKey("improvement.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)

    improvement: Mapped[Improvement] = relationship(back_populates="conflicts", lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<ConflictDeclaration {self.user_id} on {self.improvement_id}>"
