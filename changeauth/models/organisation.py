"""Reference data and the organisation: teams, benefit drivers, strategic priorities, programmes,
and the maturity of each benefit driver over time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from changeauth.db import Base
from changeauth.domain.savings import FigureKind
from changeauth.models._columns import EnumString, one_of


class Team(Base):
    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))

    parent: Mapped[Team | None] = relationship(remote_side=[id], lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Team {self.code}>"


class BenefitDriver(Base):
    __tablename__ = "benefit_driver"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<BenefitDriver {self.code}>"


class StrategicPriority(Base):
    __tablename__ = "strategic_priority"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"<StrategicPriority {self.code}>"


class Programme(Base):
    """A programme groups improvements and carries the figures it was approved on."""

    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    planned_investment_pence: Mapped[int] = mapped_column(default=0)
    planned_annual_benefit_pence: Mapped[int] = mapped_column(default=0)
    planned_fte_change: Mapped[Decimal] = mapped_column(Numeric(8, 1), default=Decimal(0))
    version: Mapped[int] = mapped_column(default=1)

    def __repr__(self) -> str:
        return f"<Programme {self.code}>"


class ProgrammeFigure(Base):
    """A figure the programme's close-down report gives as context (the savings gap, the share of spend on
    staff, the engagement survey…), kept with its report section so the close-down view can show it and
    say where it comes from. ``kind`` is money (``value`` in pence), percent or number."""

    __tablename__ = "programme_figure"
    __table_args__ = (UniqueConstraint("programme_id", "key"), one_of("kind", FigureKind, "kind_known"))

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(200))
    value: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    kind: Mapped[FigureKind] = mapped_column(EnumString(FigureKind, 10))
    source: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ProgrammeFigure {self.key}>"


class MaturityAssessment(Base):
    """How far a benefit driver's outcomes were achieved on a date (e.g. the report's 86 %)."""

    __tablename__ = "maturity_assessment"
    __table_args__ = (UniqueConstraint("driver_id", "assessed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("benefit_driver.id"), index=True)
    assessed_on: Mapped[date]
    achieved_pct: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    target_pct: Mapped[Decimal] = mapped_column(Numeric(5, 1), default=Decimal(100))
    note: Mapped[str] = mapped_column(Text, default="")

    driver: Mapped[BenefitDriver] = relationship(lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<MaturityAssessment {self.driver_id} {self.assessed_on}>"
