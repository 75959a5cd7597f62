"""The portfolio aggregate: saved optimiser runs (scenarios), at most one of them the agreed plan."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from changeauth.db import Base, utcnow
from changeauth.domain.portfolio import SCENARIO_NAME_MAX

if TYPE_CHECKING:
    from changeauth.models.user import User


class PortfolioScenario(Base):
    """One optimiser run saved under a name: its inputs and its result exactly as they were shown.

    The result is a snapshot (``domain.portfolio.result_json``), so a scenario reads the same after
    the candidates' figures change. A partial unique index allows at most one agreed plan.
    """

    __tablename__ = "portfolio_scenario"
    __table_args__ = (
        CheckConstraint("(is_agreed = false) OR (agreed_at IS NOT NULL)", name="agreed_has_date"),
        Index(
            "uq_portfolio_scenario_one_agreed",
            "is_agreed",
            unique=True,
            sqlite_where=text("is_agreed = 1"),
            postgresql_where=text("is_agreed"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(SCENARIO_NAME_MAX), unique=True)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_agreed: Mapped[bool] = mapped_column(default=False)
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    agreed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    # SQLAlchemy adds ``WHERE version = :read`` to each UPDATE and moves the version itself
    # (docs/architecture.md#guarding-a-write).
    __mapper_args__ = {"version_id_col": version}

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="raise_on_sql")
    agreed_by: Mapped[User | None] = relationship(foreign_keys=[agreed_by_id], lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<PortfolioScenario {self.id} {self.name!r}{' agreed' if self.is_agreed else ''}>"
