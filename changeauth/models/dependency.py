"""A dependency between two improvements: ``improvement`` needs ``depends_on`` delivered first."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from changeauth.db import Base, utcnow

if TYPE_CHECKING:
    from changeauth.models.improvement import Improvement
    from changeauth.models.user import User


class ImprovementDependency(Base):
    """Recorded with a reason by the dependent improvement's owner or a design authority member; removed
    (deleted, the audit log keeps it) only by an independent design authority member, since removing
    one lifts a block at go-live (docs/gates.md#dependencies-between-improvements)."""

    __tablename__ = "improvement_dependency"
    __table_args__ = (
        UniqueConstraint("improvement_id", "depends_on_id"),
        CheckConstraint("improvement_id <> depends_on_id", name="not_on_itself"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    improvement_id: Mapped[int] = mapped_column(ForeignKey("improvement.id", ondelete="CASCADE"), index=True)
    depends_on_id: Mapped[int] = mapped_column(ForeignKey("improvement.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    # Every UPDATE and DELETE checks and moves the version (services/guards.py).
    __mapper_args__ = {"version_id_col": version}

    improvement: Mapped[Improvement] = relationship(foreign_keys=[improvement_id], lazy="raise_on_sql")
    depends_on: Mapped[Improvement] = relationship(foreign_keys=[depends_on_id], lazy="raise_on_sql")
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id], lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<ImprovementDependency {self.improvement_id} needs {self.depends_on_id}>"
