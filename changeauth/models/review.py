"""The benefits review at G3 (one decision per benefit, with the variance the review saw and its causes)
and the lessons log (docs/benefits-and-resources.md#the-benefits-review)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from changeauth.db import Base, utcnow
from changeauth.domain.reviews import ReviewDecision
from changeauth.models._columns import EnumString, one_of
from changeauth.models.benefit import BENEFIT_VALUE

if TYPE_CHECKING:
    from changeauth.models.benefit import Benefit
    from changeauth.models.improvement import Improvement
    from changeauth.models.organisation import Programme, Team
    from changeauth.models.user import User


class BenefitReview(Base):
    """The benefits review's decision on one benefit of an improvement: the latest one (taking it again
    replaces it; the audit log keeps each). The planned and actual values are those the review saw, so the
    decision reads as it was taken after later measurements move the benefit on."""

    __tablename__ = "benefit_review"
    __table_args__ = (one_of("decision", ReviewDecision, "decision_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    benefit_id: Mapped[int] = mapped_column(ForeignKey("benefit.id", ondelete="CASCADE"), unique=True)
    improvement_id: Mapped[int] = mapped_column(ForeignKey("improvement.id", ondelete="CASCADE"), index=True)
    decision: Mapped[ReviewDecision] = mapped_column(EnumString(ReviewDecision, 12))
    causes: Mapped[str] = mapped_column(Text, default="", server_default="")
    measured_on: Mapped[date | None]
    planned_value: Mapped[Decimal | None] = mapped_column(BENEFIT_VALUE)
    actual_value: Mapped[Decimal | None] = mapped_column(BENEFIT_VALUE)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    # Every UPDATE checks and moves the version (services/guards.py).
    __mapper_args__ = {"version_id_col": version}

    benefit: Mapped[Benefit] = relationship(lazy="raise_on_sql")
    improvement: Mapped[Improvement] = relationship(lazy="raise_on_sql")
    decided_by: Mapped[User] = relationship(lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<BenefitReview {self.benefit_id} {self.decision}>"


class Lesson(Base):
    """A lesson learned: what happened and what to do next time, about an area of the council (a team or
    service; none for the whole council), from an improvement or a programme (exactly one)."""

    __tablename__ = "lesson"
    __table_args__ = (
        CheckConstraint(
            "(improvement_id IS NULL) <> (programme_id IS NULL)", name="from_improvement_or_programme"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    improvement_id: Mapped[int | None] = mapped_column(
        ForeignKey("improvement.id", ondelete="CASCADE"), index=True
    )
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    what_happened: Mapped[str] = mapped_column(Text)
    next_time: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    improvement: Mapped[Improvement | None] = relationship(lazy="raise_on_sql")
    programme: Mapped[Programme | None] = relationship(lazy="raise_on_sql")
    team: Mapped[Team | None] = relationship(lazy="raise_on_sql")
    recorded_by: Mapped[User] = relationship(lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Lesson {self.id} {self.title!r}>"
