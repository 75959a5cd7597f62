"""Temporary resources: fixed-term and agency staff, secondments, contractors and licences paid for
while change is delivered, watched so they do not outlive their end date unnoticed
(docs/benefits-and-resources.md).

A resource may be linked to an improvement or directly to a programme (never both: an improvement's
programme is reached through the improvement). Dates are inclusive: each is the last day paid for.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from changeauth.db import Base, utcnow
from changeauth.domain.temporary_resources import ResourceKind
from changeauth.models._columns import EnumString, one_of

if TYPE_CHECKING:
    from changeauth.models.improvement import Improvement
    from changeauth.models.organisation import Programme, Team
    from changeauth.models.user import User


class TemporaryResource(Base):
    __tablename__ = "temporary_resource"
    __table_args__ = (
        one_of("kind", ResourceKind, "kind_known"),
        CheckConstraint("annual_cost_pence >= 0", name="annual_cost_not_negative"),
        CheckConstraint("end_date >= start_date", name="end_not_before_start"),
        CheckConstraint("extension_until IS NULL OR extension_until > end_date", name="extension_after_end"),
        CheckConstraint(
            "(extension_until IS NULL) = (extension_reason IS NULL)", name="extension_has_reason"
        ),
        CheckConstraint(
            "actual_end_date IS NULL OR actual_end_date >= start_date", name="actual_end_not_before_start"
        ),
        CheckConstraint("improvement_id IS NULL OR programme_id IS NULL", name="one_link"),
        # The temporary-resources job looks only at resources with no actual end.
        Index("ix_temporary_resource_actual_end_date_end_date", "actual_end_date", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role_title: Mapped[str] = mapped_column(String(200))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    improvement_id: Mapped[int | None] = mapped_column(ForeignKey("improvement.id"), index=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"), index=True)
    kind: Mapped[ResourceKind] = mapped_column(EnumString(ResourceKind, 20))
    annual_cost_pence: Mapped[int] = mapped_column(BigInteger)
    funding_source: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date]
    end_date: Mapped[date]
    extension_until: Mapped[date | None]
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    extended_at: Mapped[datetime | None]
    actual_end_date: Mapped[date | None]
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    # SQLAlchemy adds ``WHERE version = :read`` to each UPDATE and moves the version itself
    # (docs/architecture.md#guarding-a-write).
    __mapper_args__ = {"version_id_col": version}

    team: Mapped[Team | None] = relationship(lazy="raise_on_sql")
    improvement: Mapped[Improvement | None] = relationship(lazy="raise_on_sql")
    programme: Mapped[Programme | None] = relationship(lazy="raise_on_sql")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="raise_on_sql")
    extended_by: Mapped[User | None] = relationship(foreign_keys=[extended_by_id], lazy="raise_on_sql")

    @property
    def effective_end(self) -> date:
        return self.extension_until if self.extension_until is not None else self.end_date

    @property
    def team_code(self) -> str | None:
        """The team's code, or None when the resource has no team (the team must be loaded)."""
        return self.team.code if self.team is not None else None

    def __repr__(self) -> str:
        return f"<TemporaryResource {self.id} {self.role_title!r}>"
