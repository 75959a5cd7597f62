"""The benefit aggregate: a benefit profile, its measurements over time, finance's like-for-like
adjustments and its financial years (planned saving, one-off costs, budget reductions).

A benefit belongs to an improvement or, for the benefits a whole programme was approved on, to a
programme (exactly one of the two). Values are decimals in the benefit's unit (pence when the unit is
``GBP``). The schedule columns (``last_period_end``, ``last_value``, ``last_quality``, ``rag``,
``next_due_on``, ``escalate_after_on``) are derived from the profile and the latest measurement;
``Benefit.reschedule`` keeps them in step, so the scheduled job and the tracker's filters are plain
indexed comparisons.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from changeauth.db import Base, utcnow
from changeauth.domain.benefits import (
    DEFAULT_TOLERANCE_PCT,
    AdjustmentCategory,
    BenefitDirection,
    CashClass,
    ChangeRequestStatus,
    ClosingStatus,
    DataQuality,
    Frequency,
    MeasureType,
    Point,
    ProfileShape,
    Rag,
    assess_variance,
    escalate_after,
    next_due,
)
from changeauth.domain.savings import (
    FIRST_FINANCIAL_YEAR,
    LAST_FINANCIAL_YEAR,
    AdjustmentRecurrence,
    AdjustmentStatus,
    YearPlan,
    adjustment_counts,
)
from changeauth.domain.staffing import OnCosts, Post, PostSide
from changeauth.models._columns import EnumString, one_of

if TYPE_CHECKING:
    from changeauth.models.attachment import Attachment
    from changeauth.models.improvement import Improvement
    from changeauth.models.organisation import BenefitDriver, Programme
    from changeauth.models.user import User

# Up to 16 digits before the point and 4 after: pence up to £10^14, or any measure to 4 places.
BENEFIT_VALUE = Numeric(20, 4)


class Benefit(Base):
    __tablename__ = "benefit"
    __table_args__ = (
        one_of("cash_class", CashClass, "cash_class_known"),
        one_of("direction", BenefitDirection, "direction_known"),
        one_of("frequency", Frequency, "frequency_known"),
        one_of("closing_status", ClosingStatus, "closing_status_known"),
        one_of("rag", Rag, "rag_known"),
        one_of("profile_shape", ProfileShape, "profile_shape_known"),
        one_of("measure_type", MeasureType, "measure_type_known"),
        one_of("baseline_quality", DataQuality, "baseline_quality_known"),
        one_of("last_quality", DataQuality, "last_quality_known"),
        CheckConstraint(
            "(improvement_id IS NULL) <> (programme_id IS NULL)", name="improvement_or_programme"
        ),
        CheckConstraint("target_date > baseline_date", name="target_after_baseline"),
        CheckConstraint("tolerance_pct >= 0 AND tolerance_pct <= 100", name="tolerance_in_range"),
        # Attribution (domain.attribution): a share is of a named measure, above 0 and at most 100 %.
        CheckConstraint("share_pct IS NULL OR (share_pct > 0 AND share_pct <= 100)", name="share_in_range"),
        CheckConstraint("share_pct IS NULL OR shared_measure_key IS NOT NULL", name="share_of_a_measure"),
        Index("ix_benefit_shared_measure_key", "shared_measure_key"),
        CheckConstraint("(validated_by_id IS NULL) = (validated_at IS NULL)", name="validation_complete"),
        CheckConstraint("(accepted_by_id IS NULL) = (accepted_at IS NULL)", name="acceptance_complete"),
        # The stale-benefits job compares these two dates with the as-of date.
        Index("ix_benefit_next_due_on", "next_due_on"),
        Index("ix_benefit_escalate_after_on", "escalate_after_on"),
        # The tracker lists open benefits first, soonest due first: read in this order, its first pages
        # need no sort of every benefit (closed ones follow, by ix_benefit_next_due_on).
        Index(
            "ix_benefit_open_next_due_on_id",
            "next_due_on",
            "id",
            sqlite_where=text("closing_status IS NULL"),
            postgresql_where=text("closing_status IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    improvement_id: Mapped[int | None] = mapped_column(
        ForeignKey("improvement.id", ondelete="CASCADE"), index=True
    )
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"), index=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("benefit_driver.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    cash_class: Mapped[CashClass] = mapped_column(EnumString(CashClass, 20))
    unit: Mapped[str] = mapped_column(String(40))
    direction: Mapped[BenefitDirection] = mapped_column(EnumString(BenefitDirection, 10))
    baseline_value: Mapped[Decimal] = mapped_column(BENEFIT_VALUE)
    baseline_date: Mapped[date]
    # How the baseline was arrived at (measured, estimated or a proxy; None: not recorded, as for a
    # baseline written before it was asked) and the evidence for it: a note of the source and, optionally,
    # a file filed with the improvement's evidence. G2 needs a measured or finance-validated baseline.
    baseline_quality: Mapped[DataQuality | None] = mapped_column(EnumString(DataQuality, 10))
    baseline_evidence: Mapped[str] = mapped_column(Text, default="", server_default="")
    baseline_attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachment.id", ondelete="SET NULL")
    )
    target_value: Mapped[Decimal] = mapped_column(BENEFIT_VALUE)
    target_date: Mapped[date]
    frequency: Mapped[Frequency] = mapped_column(EnumString(Frequency, 12))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    tolerance_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=DEFAULT_TOLERANCE_PCT)
    # How the plan runs from the baseline to the target (a stepped or custom plan's points are its
    # BenefitPlannedPoint rows) and what one measurement says (domain.benefits.planned_value and
    # realised_to_date). Every benefit from before these existed is a straight-line level.
    profile_shape: Mapped[ProfileShape] = mapped_column(
        EnumString(ProfileShape, 20),
        default=ProfileShape.STRAIGHT_LINE,
        server_default=ProfileShape.STRAIGHT_LINE.value,
    )
    measure_type: Mapped[MeasureType] = mapped_column(
        EnumString(MeasureType, 20), default=MeasureType.LEVEL, server_default=MeasureType.LEVEL.value
    )
    # The measure or budget line the benefit shares with others (as typed, and its key) and the share of
    # it the improvement claims (None: not agreed yet) (domain.attribution).
    shared_measure: Mapped[str | None] = mapped_column(String(200))
    shared_measure_key: Mapped[str | None] = mapped_column(String(200))
    share_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    closing_status: Mapped[ClosingStatus | None] = mapped_column(EnumString(ClosingStatus, 20))
    # An emergent benefit: not planned in the business case, recorded when it was noticed during delivery
    # or after (Managing Benefits practice).
    emergent: Mapped[bool] = mapped_column(default=False, server_default=false())
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    validated_at: Mapped[datetime | None]
    # What finance said when validating, and a question finance sent back to the owner instead (with the
    # owner's answer): shown on the benefit's page until it is validated.
    validation_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    finance_question: Mapped[str | None] = mapped_column(Text)
    finance_question_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    finance_question_at: Mapped[datetime | None]
    finance_answer: Mapped[str | None] = mapped_column(Text)
    # The benefit's owner accepted the profile as it stands (who, when); cleared when the profile, the target
    # or the owner changes, so the owner is asked again (docs/benefits-and-resources.md#accountable-owners).
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    accepted_at: Mapped[datetime | None]
    # Handed to a named business-as-usual owner (who is then ``owner_id``) on this date, so it is still
    # chased after its programme ends or its improvement leaves realisation (domain.benefits.is_tracked).
    handed_over_on: Mapped[date | None]
    handover_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    last_period_end: Mapped[date | None]
    last_value: Mapped[Decimal | None] = mapped_column(BENEFIT_VALUE)
    # How the latest value was arrived at, so the tracker shows it without reading the measurements.
    last_quality: Mapped[DataQuality | None] = mapped_column(EnumString(DataQuality, 10))
    rag: Mapped[Rag | None] = mapped_column(EnumString(Rag, 5))
    next_due_on: Mapped[date]
    escalate_after_on: Mapped[date]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    # Every UPDATE checks and moves the version (services/guards.py).
    __mapper_args__ = {"version_id_col": version}

    improvement: Mapped[Improvement | None] = relationship(lazy="raise_on_sql")
    programme: Mapped[Programme | None] = relationship(lazy="raise_on_sql")
    driver: Mapped[BenefitDriver] = relationship(lazy="raise_on_sql")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="raise_on_sql")
    validated_by: Mapped[User | None] = relationship(foreign_keys=[validated_by_id], lazy="raise_on_sql")
    baseline_attachment: Mapped[Attachment | None] = relationship(lazy="raise_on_sql")
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id], lazy="raise_on_sql")

    @property
    def is_accepted(self) -> bool:
        """Accepted by its current owner (an acceptance by an earlier owner does not carry over)."""
        return self.accepted_at is not None and self.accepted_by_id == self.owner_id

    @property
    def is_validated(self) -> bool:
        return self.validated_at is not None

    @property
    def is_cashable(self) -> bool:
        return self.cash_class is CashClass.CASHABLE

    @property
    def higher_is_better(self) -> bool:
        return self.direction is BenefitDirection.INCREASE

    @property
    def is_handed_over(self) -> bool:
        return self.handed_over_on is not None

    def reschedule(self, latest: BenefitMeasurement | None, points: Sequence[Point] = ()) -> None:
        """Bring the derived columns in step with the profile (a stepped or custom plan's ``points``) and
        the latest measurement."""
        self.last_period_end = latest.period_end if latest else None
        self.last_value = latest.value if latest else None
        self.last_quality = latest.data_quality if latest else None
        self.next_due_on = next_due(
            baseline_date=self.baseline_date, latest_period_end=self.last_period_end, frequency=self.frequency
        )
        self.escalate_after_on = escalate_after(self.next_due_on, self.frequency)
        self.rag = None
        if latest is not None:
            self.rag = assess_variance(
                on=latest.period_end,
                actual=latest.value,
                baseline_date=self.baseline_date,
                baseline_value=self.baseline_value,
                target_date=self.target_date,
                target_value=self.target_value,
                direction=self.direction,
                tolerance_pct=self.tolerance_pct,
                # A benefit built but not yet written (the scale-data writer's) has no shape until its
                # default is applied: a straight line.
                shape=self.profile_shape or ProfileShape.STRAIGHT_LINE,
                points=points,
            ).rag

    def __repr__(self) -> str:
        return f"<Benefit {self.id} {self.title!r}>"


class BenefitPlannedPoint(Base):
    """A stepped or custom plan's value planned at a date (a period end) between the baseline and the
    target (domain.benefits.planned_value); one per benefit per date."""

    __tablename__ = "benefit_planned_point"
    __table_args__ = (UniqueConstraint("benefit_id", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    benefit_id: Mapped[int] = mapped_column(ForeignKey("benefit.id", ondelete="CASCADE"), index=True)
    period_end: Mapped[date]
    planned_value: Mapped[Decimal] = mapped_column(BENEFIT_VALUE)

    def point(self) -> Point:
        return (self.period_end, self.planned_value)

    def __repr__(self) -> str:
        return f"<BenefitPlannedPoint {self.benefit_id} {self.period_end}>"


class BenefitChangeRequest(Base):
    """A proposed change to an approved benefit's baseline or target (change control): the values it
    would have and the ones it had when proposed, why, who proposed it, and the design authority's
    decision with its note. Only an approved request changes the benefit."""

    __tablename__ = "benefit_change_request"
    __table_args__ = (
        one_of("status", ChangeRequestStatus, "status_known"),
        CheckConstraint("target_date > baseline_date", name="target_after_baseline"),
        CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name="decided_unless_pending"),
        Index("ix_benefit_change_request_benefit_status", "benefit_id", "status"),
        Index("ix_benefit_change_request_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    benefit_id: Mapped[int] = mapped_column(ForeignKey("benefit.id", ondelete="CASCADE"))
    status: Mapped[ChangeRequestStatus] = mapped_column(
        EnumString(ChangeRequestStatus, 10), default=ChangeRequestStatus.PENDING
    )
    reason: Mapped[str] = mapped_column(Text)
    baseline_value: Mapped[Decimal] = mapped_column(BENEFIT_VALUE)
    baseline_date: Mapped[date]
    target_value: Mapped[Decimal] = mapped_column(BENEFIT_VALUE)
    target_date: Mapped[date]
    was_baseline_value: Mapped[Decimal] = mapped_column(BENEFIT_VALUE)
    was_baseline_date: Mapped[date]
    was_target_value: Mapped[Decimal] = mapped_column(BENEFIT_VALUE)
    was_target_date: Mapped[date]
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    benefit: Mapped[Benefit] = relationship(lazy="raise_on_sql")
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id], lazy="raise_on_sql")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id], lazy="raise_on_sql")

    @property
    def is_pending(self) -> bool:
        return self.status is ChangeRequestStatus.PENDING

    def __repr__(self) -> str:
        return f"<BenefitChangeRequest {self.benefit_id} {self.status}>"


class BenefitMeasurement(Base):
    """One measured value for the period ending on ``period_end``; one per benefit per period."""

    __tablename__ = "benefit_measurement"
    __table_args__ = (
        UniqueConstraint("benefit_id", "period_end"),
        one_of("data_quality", DataQuality, "data_quality_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    benefit_id: Mapped[int] = mapped_column(ForeignKey("benefit.id", ondelete="CASCADE"))
    period_end: Mapped[date]
    value: Mapped[Decimal] = mapped_column(BENEFIT_VALUE)
    data_quality: Mapped[DataQuality] = mapped_column(
        EnumString(DataQuality, 10), default=DataQuality.MEASURED
    )
    note: Mapped[str] = mapped_column(Text, default="")
    # Where the value comes from (a report, a system extract) and, optionally, a file filed with the
    # improvement's evidence.
    evidence: Mapped[str] = mapped_column(Text, default="", server_default="")
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    benefit: Mapped[Benefit] = relationship(lazy="raise_on_sql")
    recorded_by: Mapped[User | None] = relationship(lazy="raise_on_sql")
    attachment: Mapped[Attachment | None] = relationship(lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<BenefitMeasurement {self.benefit_id} {self.period_end}>"


class BenefitAdjustment(Base):
    """A like-for-like adjustment by finance: positive when the gross figure under-states the benefit."""

    __tablename__ = "benefit_adjustment"
    __table_args__ = (
        one_of("category", AdjustmentCategory, "category_known"),
        one_of("status", AdjustmentStatus, "status_known"),
        one_of("recurrence", AdjustmentRecurrence, "recurrence_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    benefit_id: Mapped[int] = mapped_column(ForeignKey("benefit.id", ondelete="CASCADE"), index=True)
    category: Mapped[AdjustmentCategory] = mapped_column(EnumString(AdjustmentCategory, 30))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    rationale: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200), default="")
    # Only a confirmed adjustment counts (domain.savings); a proposed one states its condition.
    status: Mapped[AdjustmentStatus] = mapped_column(
        EnumString(AdjustmentStatus, 10),
        default=AdjustmentStatus.PROPOSED,
        server_default=AdjustmentStatus.PROPOSED.value,
    )
    recurrence: Mapped[AdjustmentRecurrence] = mapped_column(
        EnumString(AdjustmentRecurrence, 10),
        default=AdjustmentRecurrence.RECURRING,
        server_default=AdjustmentRecurrence.RECURRING.value,
    )
    # The financial year it applies from (or in, when one-off), named by its first calendar year.
    financial_year: Mapped[int | None]
    evidence: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    recorded_by: Mapped[User | None] = relationship(lazy="raise_on_sql")
    benefit: Mapped[Benefit] = relationship(lazy="raise_on_sql")

    @property
    def counts(self) -> bool:
        return adjustment_counts(self.status)

    def __repr__(self) -> str:
        return f"<BenefitAdjustment {self.benefit_id} {self.category} {self.amount_pence}>"


class BenefitYear(Base):
    """A cashable benefit in one financial year (April to March, named by the year it starts in): the
    saving its profile plans, the one-off cost of securing it that falls in the year, and, once finance
    has signed it off, the budget line the saving was taken out of, how much and when."""

    __tablename__ = "benefit_year"
    __table_args__ = (
        UniqueConstraint("benefit_id", "financial_year"),
        CheckConstraint(
            f"financial_year >= {FIRST_FINANCIAL_YEAR} AND financial_year <= {LAST_FINANCIAL_YEAR}",
            name="financial_year_range",
        ),
        CheckConstraint("planned_pence >= 0", name="planned_not_negative"),
        CheckConstraint("one_off_cost_pence >= 0", name="one_off_cost_not_negative"),
        # A budget reduction is recorded whole or not at all.
        CheckConstraint(
            "(budget_line IS NULL) = (taken_out_pence IS NULL)"
            " AND (budget_line IS NULL) = (taken_out_on IS NULL)"
            " AND (budget_line IS NULL) = (taken_out_by_id IS NULL)"
            " AND (budget_line IS NULL) = (taken_out_at IS NULL)",
            name="budget_reduction_complete",
        ),
        CheckConstraint("taken_out_pence IS NULL OR taken_out_pence > 0", name="taken_out_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    benefit_id: Mapped[int] = mapped_column(ForeignKey("benefit.id", ondelete="CASCADE"), index=True)
    financial_year: Mapped[int]
    planned_pence: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    one_off_cost_pence: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    budget_line: Mapped[str | None] = mapped_column(String(200))
    taken_out_pence: Mapped[int | None] = mapped_column(BigInteger)
    taken_out_on: Mapped[date | None]
    taken_out_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    taken_out_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    # SQLAlchemy adds ``WHERE version = :read`` to each UPDATE and moves the version itself
    # (docs/architecture.md#guarding-a-write).
    __mapper_args__ = {"version_id_col": version}

    benefit: Mapped[Benefit] = relationship(lazy="raise_on_sql")
    taken_out_by: Mapped[User | None] = relationship(lazy="raise_on_sql")

    @property
    def is_taken_out(self) -> bool:
        return self.taken_out_at is not None

    def plan(self) -> YearPlan:
        return YearPlan(
            self.financial_year, self.planned_pence, self.one_off_cost_pence, self.taken_out_pence
        )

    def __repr__(self) -> str:
        return f"<BenefitYear {self.benefit_id} {self.financial_year}>"


class BenefitStaffing(Base):
    """The like-for-like register of a staffing saving (domain.staffing): the financial year whose pay the
    salaries are at (the price base) and the employer's on-cost rates, the same for the posts before and
    after the change. One per benefit; its posts and pay awards hang off the benefit."""

    __tablename__ = "benefit_staffing"
    __table_args__ = (
        CheckConstraint(
            f"price_base_year >= {FIRST_FINANCIAL_YEAR} AND price_base_year <= {LAST_FINANCIAL_YEAR}",
            name="price_base_year_range",
        ),
        CheckConstraint("employer_ni_pct >= 0 AND employer_ni_pct <= 100", name="employer_ni_pct_range"),
        CheckConstraint("pension_pct >= 0 AND pension_pct <= 100", name="pension_pct_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    benefit_id: Mapped[int] = mapped_column(ForeignKey("benefit.id", ondelete="CASCADE"), unique=True)
    price_base_year: Mapped[int]
    employer_ni_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    pension_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    def on_costs(self) -> OnCosts:
        return OnCosts(employer_ni_pct=self.employer_ni_pct, pension_pct=self.pension_pct)


class BenefitPost(Base):
    """A post (or a group of the same post) in a staffing saving's register, before or after the change:
    its grade or pay point, full-time salary at the register's price base, FTE and whether it is in the
    saving's scope. Out-of-scope posts are listed so the scope can be checked; they count nothing."""

    __tablename__ = "benefit_post"
    __table_args__ = (
        one_of("side", PostSide, "side_known"),
        CheckConstraint("annual_salary_pence > 0", name="salary_positive"),
        CheckConstraint("fte > 0", name="fte_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    benefit_id: Mapped[int] = mapped_column(ForeignKey("benefit.id", ondelete="CASCADE"), index=True)
    side: Mapped[PostSide] = mapped_column(EnumString(PostSide, 10))
    title: Mapped[str] = mapped_column(String(200))
    grade: Mapped[str] = mapped_column(String(60))
    annual_salary_pence: Mapped[int] = mapped_column(BigInteger)
    fte: Mapped[Decimal] = mapped_column(Numeric(9, 2))
    in_scope: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    def line(self) -> Post:
        return Post(self.side, self.annual_salary_pence, self.fte, self.in_scope)

    def __repr__(self) -> str:
        return f"<BenefitPost {self.benefit_id} {self.side} {self.title}>"


class BenefitPayAward(Base):
    """A pay award for one financial year, in per cent, that restates a staffing register at that year's
    pay (domain.staffing.pay_uplift)."""

    __tablename__ = "benefit_pay_award"
    __table_args__ = (
        UniqueConstraint("benefit_id", "financial_year"),
        CheckConstraint("pay_award_pct >= -20 AND pay_award_pct <= 50", name="pay_award_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    benefit_id: Mapped[int] = mapped_column(ForeignKey("benefit.id", ondelete="CASCADE"), index=True)
    financial_year: Mapped[int]
    pay_award_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
