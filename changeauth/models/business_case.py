"""The business-case aggregate: one row per version of a case, its options, and each option's
figures year by year. A case belongs to an improvement, or (the programme's own case, approved by
members before changeauth existed) to a programme; never both."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from changeauth.db import Base, utcnow
from changeauth.domain.appraisal import MAX_YEAR, OptionFigures, YearFigures
from changeauth.domain.business_cases import (
    OPTION_NAME_MAX,
    CaseContent,
    CaseKind,
    CaseStatus,
    FundingLine,
)
from changeauth.models._columns import EnumString, one_of

if TYPE_CHECKING:
    from changeauth.models.improvement import Improvement
    from changeauth.models.organisation import BenefitDriver, Programme, StrategicPriority
    from changeauth.models.user import User

business_case_priority = Table(
    "business_case_priority",
    Base.metadata,
    Column("business_case_id", ForeignKey("business_case.id", ondelete="CASCADE"), primary_key=True),
    Column("priority_id", ForeignKey("strategic_priority.id"), primary_key=True),
)

business_case_driver = Table(
    "business_case_driver",
    Base.metadata,
    Column("business_case_id", ForeignKey("business_case.id", ondelete="CASCADE"), primary_key=True),
    Column("driver_id", ForeignKey("benefit_driver.id"), primary_key=True),
)


class BusinessCase(Base):
    """One version of a business case.

    ``version`` is the version number people talk about ("version 2 of the business case"), unique
    per improvement (or programme). A draft is edited in place, so ``lock_version`` guards those
    in-place changes (and status changes) for optimistic locking: SQLAlchemy adds
    ``WHERE lock_version = :read`` to every UPDATE and bumps it.
    """

    __tablename__ = "business_case"
    __table_args__ = (
        UniqueConstraint("improvement_id", "version"),
        UniqueConstraint("programme_id", "version"),
        one_of("kind", CaseKind, "kind_known"),
        one_of("status", CaseStatus, "status_known"),
        CheckConstraint(
            "(improvement_id IS NULL) <> (programme_id IS NULL)", name="belongs_to_improvement_or_programme"
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("discount_rate >= 0 AND discount_rate <= 0.2", name="discount_rate_range"),
        CheckConstraint("optimism_bias_pct >= 0 AND optimism_bias_pct <= 200", name="optimism_bias_range"),
        CheckConstraint("benefits_bias_pct >= 0 AND benefits_bias_pct <= 100", name="benefits_bias_range"),
        CheckConstraint("duration_bias_pct >= 0 AND duration_bias_pct <= 200", name="duration_bias_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The UNIQUE (…, version) constraints above index these lookups.
    improvement_id: Mapped[int | None] = mapped_column(ForeignKey("improvement.id", ondelete="CASCADE"))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"))
    version: Mapped[int]
    based_on_version: Mapped[int | None]
    kind: Mapped[CaseKind] = mapped_column(EnumString(CaseKind, 10))
    status: Mapped[CaseStatus] = mapped_column(EnumString(CaseStatus, 12), default=CaseStatus.DRAFT)
    strategic_fit: Mapped[str] = mapped_column(Text, default="")
    preferred_option: Mapped[str] = mapped_column(String(OPTION_NAME_MAX))
    preferred_reasons: Mapped[str] = mapped_column(Text, default="")
    discount_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4), default=Decimal("0.035"))
    optimism_bias_pct: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(0))
    # The years a recurring benefit is appraised over; the Green Book's usual ten by default.
    appraisal_years: Mapped[int] = mapped_column(default=10, server_default="10")
    # False when the case states its costs as a one-off investment (year 0) and running costs, not split
    # into capital and revenue, as the programme's approved case does; its costs are then shown that way.
    costs_split: Mapped[bool] = mapped_column(default=True, server_default=true())
    fte_change: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    risks: Mapped[str] = mapped_column(Text, default="")
    reform_risk: Mapped[str] = mapped_column(Text, default="")
    # The economic case's price base (2025: 2025/26 prices) and optimism bias beside the cost bias
    # (``optimism_bias_pct``, the single bias cases had before), with why these figures.
    price_base_year: Mapped[int | None]
    benefits_bias_pct: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(0), server_default="0")
    duration_bias_pct: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(0), server_default="0")
    optimism_bias_justification: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The commercial case.
    procurement_route: Mapped[str] = mapped_column(Text, default="", server_default="")
    contract_terms: Mapped[str] = mapped_column(Text, default="", server_default="")
    risk_transfer: Mapped[str] = mapped_column(Text, default="", server_default="")
    commercial_notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The financial case: a short list of lines [{financial_year, capital_pence, revenue_pence,
    # source}], read and written whole with the version like its text, so a JSON column rather than
    # a child table (no extra query where a case is read); validated by the domain before storing.
    funding: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    # The management case.
    delivery_arrangements: Mapped[str] = mapped_column(Text, default="", server_default="")
    milestones: Mapped[str] = mapped_column(Text, default="", server_default="")
    benefits_realisation: Mapped[str] = mapped_column(Text, default="", server_default="")
    evaluation: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    return_reason: Mapped[str] = mapped_column(Text, default="")
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    improvement: Mapped[Improvement | None] = relationship(lazy="raise_on_sql")
    programme: Mapped[Programme | None] = relationship(lazy="raise_on_sql")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="raise_on_sql")
    options: Mapped[list[BusinessCaseOption]] = relationship(
        back_populates="business_case",
        lazy="raise_on_sql",
        order_by="BusinessCaseOption.position",
        cascade="all, delete-orphan",
    )
    priorities: Mapped[list[StrategicPriority]] = relationship(
        secondary=business_case_priority, lazy="raise_on_sql", order_by="StrategicPriority.code"
    )
    drivers: Mapped[list[BenefitDriver]] = relationship(
        secondary=business_case_driver, lazy="raise_on_sql", order_by="BenefitDriver.code"
    )

    @property
    def is_draft(self) -> bool:
        return self.status is CaseStatus.DRAFT

    @property
    def is_approved(self) -> bool:
        return self.status is CaseStatus.APPROVED

    @property
    def is_returned(self) -> bool:
        return self.status is CaseStatus.RETURNED

    def content(self) -> CaseContent:
        """This version's content as plain data (options, years, priorities and drivers must be loaded)."""
        return CaseContent(
            kind=self.kind,
            options=tuple(option.figures() for option in self.options),
            preferred_option=self.preferred_option or None,  # "" while a draft has none chosen
            strategic_fit=self.strategic_fit,
            preferred_reasons=self.preferred_reasons,
            discount_rate=self.discount_rate,
            optimism_bias_pct=self.optimism_bias_pct,
            fte_change=self.fte_change,
            risks=self.risks,
            reform_risk=self.reform_risk,
            priority_codes=tuple(priority.code for priority in self.priorities),
            driver_codes=tuple(driver.code for driver in self.drivers),
            appraisal_years=self.appraisal_years,
            price_base_year=self.price_base_year,
            benefits_bias_pct=self.benefits_bias_pct,
            duration_bias_pct=self.duration_bias_pct,
            optimism_bias_justification=self.optimism_bias_justification,
            procurement_route=self.procurement_route,
            contract_terms=self.contract_terms,
            risk_transfer=self.risk_transfer,
            commercial_notes=self.commercial_notes,
            funding=tuple(
                FundingLine(
                    financial_year=int(line["financial_year"]),
                    capital_pence=int(line["capital_pence"]),
                    revenue_pence=int(line["revenue_pence"]),
                    source=str(line["source"]),
                )
                for line in self.funding or ()
            ),
            delivery_arrangements=self.delivery_arrangements,
            milestones=self.milestones,
            benefits_realisation=self.benefits_realisation,
            evaluation=self.evaluation,
        )

    def __repr__(self) -> str:
        return f"<BusinessCase {self.id} v{self.version} {self.status}>"


class BusinessCaseOption(Base):
    """An option appraised in the case (business as usual, do minimum, the preferred way, …)."""

    __tablename__ = "business_case_option"
    __table_args__ = (UniqueConstraint("business_case_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_case_id: Mapped[int] = mapped_column(ForeignKey("business_case.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(OPTION_NAME_MAX))
    is_business_as_usual: Mapped[bool] = mapped_column(default=False)

    business_case: Mapped[BusinessCase] = relationship(back_populates="options", lazy="raise_on_sql")
    years: Mapped[list[BusinessCaseOptionYear]] = relationship(
        back_populates="option",
        lazy="raise_on_sql",
        order_by="BusinessCaseOptionYear.year",
        cascade="all, delete-orphan",
    )

    def figures(self) -> OptionFigures:
        return OptionFigures(
            name=self.name,
            is_business_as_usual=self.is_business_as_usual,
            years=tuple(year.figures() for year in self.years),
        )

    def __repr__(self) -> str:
        return f"<BusinessCaseOption {self.name!r}>"


class BusinessCaseOptionYear(Base):
    """One option's money in one appraisal year (year 0 is now), in pence."""

    __tablename__ = "business_case_option_year"
    __table_args__ = (
        UniqueConstraint("option_id", "year"),
        CheckConstraint(f"year >= 0 AND year <= {MAX_YEAR}", name="year_range"),
        CheckConstraint(
            "capital_pence >= 0 AND revenue_pence >= 0 "
            "AND cashable_benefit_pence >= 0 AND non_cashable_benefit_pence >= 0",
            name="amounts_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("business_case_option.id", ondelete="CASCADE"))
    year: Mapped[int]
    capital_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    revenue_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    cashable_benefit_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    non_cashable_benefit_pence: Mapped[int] = mapped_column(BigInteger, default=0)

    option: Mapped[BusinessCaseOption] = relationship(back_populates="years", lazy="raise_on_sql")

    def figures(self) -> YearFigures:
        return YearFigures(
            year=self.year,
            capital_pence=self.capital_pence,
            revenue_pence=self.revenue_pence,
            cashable_benefit_pence=self.cashable_benefit_pence,
            non_cashable_benefit_pence=self.non_cashable_benefit_pence,
        )

    def __repr__(self) -> str:
        return f"<BusinessCaseOptionYear {self.option_id} year {self.year}>"
