"""A dis-benefit (domain.disbenefits): a consequence of an improvement or a programme that a stakeholder
sees as negative, with who is affected, its owner and mitigation, the benefits it offsets, and,
optionally, its value in pounds a year (pence) from a start date to an end date.

Like a benefit it belongs to an improvement or to a programme, never both (a CHECK constraint).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from changeauth.db import Base, utcnow
from changeauth.domain.disbenefits import DisbenefitMoney, DisbenefitStatus
from changeauth.models._columns import EnumString, one_of

if TYPE_CHECKING:
    from changeauth.models.benefit import Benefit
    from changeauth.models.improvement import Improvement
    from changeauth.models.organisation import Programme
    from changeauth.models.user import User

# The benefits a dis-benefit offsets (set against), each of its own improvement or programme.
disbenefit_offset = Table(
    "disbenefit_offset",
    Base.metadata,
    Column("disbenefit_id", ForeignKey("disbenefit.id", ondelete="CASCADE"), primary_key=True),
    Column("benefit_id", ForeignKey("benefit.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Disbenefit(Base):
    __tablename__ = "disbenefit"
    __table_args__ = (
        one_of("status", DisbenefitStatus, "status_known"),
        one_of("cash_class", DisbenefitMoney, "cash_class_known"),
        CheckConstraint(
            "(improvement_id IS NULL) <> (programme_id IS NULL)", name="improvement_or_programme"
        ),
        # A value in money comes whole: how much a year, which kind of money and from when.
        CheckConstraint(
            "(annual_value_pence IS NULL) = (cash_class IS NULL)"
            " AND (annual_value_pence IS NULL) = (starts_on IS NULL)",
            name="money_complete",
        ),
        CheckConstraint("annual_value_pence IS NULL OR annual_value_pence > 0", name="value_positive"),
        CheckConstraint(
            "ends_on IS NULL OR (starts_on IS NOT NULL AND ends_on >= starts_on)", name="ends_after"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    improvement_id: Mapped[int | None] = mapped_column(
        ForeignKey("improvement.id", ondelete="CASCADE"), index=True
    )
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    affected: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    mitigation: Mapped[str] = mapped_column(Text)
    status: Mapped[DisbenefitStatus] = mapped_column(
        EnumString(DisbenefitStatus, 10),
        default=DisbenefitStatus.OPEN,
        server_default=DisbenefitStatus.OPEN.value,
    )
    annual_value_pence: Mapped[int | None] = mapped_column(BigInteger)
    cash_class: Mapped[DisbenefitMoney | None] = mapped_column(EnumString(DisbenefitMoney, 20))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    # Every UPDATE checks and moves the version (services/guards.py).
    __mapper_args__ = {"version_id_col": version}

    improvement: Mapped[Improvement | None] = relationship(lazy="raise_on_sql")
    programme: Mapped[Programme | None] = relationship(lazy="raise_on_sql")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="raise_on_sql")
    offsets: Mapped[list[Benefit]] = relationship(
        secondary=disbenefit_offset, lazy="raise_on_sql", order_by="Benefit.id", viewonly=True
    )

    @property
    def status_label(self) -> str:
        return DisbenefitStatus(self.status).label

    @property
    def is_open(self) -> bool:
        return self.status is DisbenefitStatus.OPEN

    @property
    def is_money(self) -> bool:
        return self.annual_value_pence is not None

    @property
    def is_cashable(self) -> bool:
        return self.cash_class is DisbenefitMoney.CASHABLE

    def __repr__(self) -> str:
        return f"<Disbenefit {self.id} {self.title!r}>"
