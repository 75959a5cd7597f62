"""factory-boy factories. Workflow states are traits (``ImprovementFactory(delivery=True)``); every
trait satisfies the database's CHECK constraints (see tests/integration/test_constraints.py).

Factories arrange state; tests of a transition go through the service."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import factory
from factory.alchemy import SQLAlchemyModelFactory

from changeauth import db
from changeauth.domain.benefits import escalate_after, next_due
from changeauth.domain.lifecycle import Route, Stage, Status
from changeauth.domain.roles import Role
from changeauth.models import (
    Assessment,
    AssessmentScore,
    Benefit,
    BenefitDriver,
    BenefitMeasurement,
    BusinessCase,
    Comment,
    ConflictDeclaration,
    Improvement,
    ImprovementScore,
    PortfolioScenario,
    ScoringScheme,
    Support,
    Team,
    TemporaryResource,
    User,
    UserRole,
)
from changeauth.services.users import hash_password

TEST_PASSWORD = "correct horse battery staple"
# Hashing with argon2 costs ~50 ms; every factory user shares one hash of the test password.
_TEST_PASSWORD_HASH = hash_password(TEST_PASSWORD)


# Set by ``flushed_only()``: factories flush each row rather than commit it.
_flush_only: ContextVar[bool] = ContextVar("flush_only", default=False)


@contextmanager
def flushed_only() -> Iterator[None]:
    """Within the block every factory flushes the row it makes instead of committing it, so that code
    making hundreds of rows commits once at the end (tests/functional/test_query_counts.py): in a test a
    commit releases a savepoint and starts another, and with thousands of rows that was most of the time."""
    token = _flush_only.set(True)
    try:
        yield
    finally:
        _flush_only.reset(token)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731 - resolved lazily; the fixture rebinds it
        sqlalchemy_session_persistence = "commit"

    @classmethod
    def _save(cls, model_class: Any, session: Any, args: Any, kwargs: Any) -> Any:
        if not _flush_only.get():
            return super()._save(model_class, session, args, kwargs)
        obj = model_class(*args, **kwargs)
        session.add(obj)
        session.flush()
        return obj


class TeamFactory(BaseFactory):
    class Meta:
        model = Team

    code = factory.Sequence(lambda n: f"team_{n}")
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@council.example")
    name = factory.Faker("name", locale="en_GB")
    password_hash = _TEST_PASSWORD_HASH
    is_active = True

    role_links = factory.LazyAttribute(lambda o: [UserRole(role=str(role)) for role in o.role_list])

    class Params:
        role_list = (Role.STAFF.value,)
        design_authority = factory.Trait(role_list=(Role.STAFF.value, Role.DESIGN_AUTHORITY.value))
        manager = factory.Trait(role_list=(Role.STAFF.value, Role.MANAGER.value))
        finance = factory.Trait(role_list=(Role.STAFF.value, Role.FINANCE.value))
        viewer = factory.Trait(role_list=(Role.VIEWER.value,))
        admin = factory.Trait(role_list=(Role.STAFF.value, Role.ADMIN.value))
        inactive = factory.Trait(is_active=False)


def _driver(code: str = "channel_shift") -> BenefitDriver:
    from sqlalchemy import select

    driver = db.session.scalar(select(BenefitDriver).where(BenefitDriver.code == code))
    assert driver is not None, f"reference driver {code} missing: is the reference seed loaded?"
    return driver


class ImprovementFactory(BaseFactory):
    class Meta:
        model = Improvement

    ref = factory.Sequence(lambda n: f"IMP-2026-T{n:04d}")
    title = factory.Sequence(lambda n: f"Improvement number {n}")
    problem = "Residents phone us to ask about things they could look up online."
    proposal = "Put the answers online and tell people where to find them."
    expected_effect = "Fewer calls."
    submitter = factory.SubFactory(UserFactory)
    stage = Stage.IDEA.value
    status = Status.SUBMITTED.value
    route = Route.STANDARD.value
    created_at = factory.LazyFunction(lambda: datetime.now(UTC))
    updated_at = factory.LazyAttribute(lambda o: o.created_at)
    stage_changed_at = factory.LazyAttribute(lambda o: o.created_at)
    drivers = factory.LazyFunction(lambda: [_driver()])

    class Params:
        needs_info = factory.Trait(status=Status.NEEDS_INFO.value)
        business_case = factory.Trait(
            stage=Stage.BUSINESS_CASE.value,
            status=Status.ACTIVE.value,
            owner=factory.SubFactory(UserFactory, manager=True),
        )
        approved = factory.Trait(
            stage=Stage.APPROVED.value,
            status=Status.ACTIVE.value,
            owner=factory.SubFactory(UserFactory, manager=True),
        )
        delivery = factory.Trait(
            stage=Stage.DELIVERY.value,
            status=Status.ACTIVE.value,
            owner=factory.SubFactory(UserFactory, manager=True),
        )
        quick_win = factory.Trait(
            stage=Stage.DELIVERY.value,
            status=Status.ACTIVE.value,
            route=Route.QUICK_WIN.value,
            owner=factory.SubFactory(UserFactory, manager=True),
        )
        realisation = factory.Trait(
            stage=Stage.REALISATION.value,
            status=Status.ACTIVE.value,
            owner=factory.SubFactory(UserFactory, manager=True),
        )
        closed = factory.Trait(stage=Stage.CLOSED.value, status=Status.CLOSED.value)
        on_hold = factory.Trait(
            stage=Stage.ON_HOLD.value,
            status=Status.ON_HOLD.value,
            held_from_stage=Stage.BUSINESS_CASE.value,
            hold_until=date(2030, 1, 1),
        )
        declined = factory.Trait(stage=Stage.DECLINED.value, status=Status.DECLINED.value)
        withdrawn = factory.Trait(stage=Stage.WITHDRAWN.value, status=Status.WITHDRAWN.value)
        merged = factory.Trait(
            stage=Stage.MERGED.value,
            status=Status.MERGED.value,
            duplicate_of=factory.SubFactory("tests.factories.ImprovementFactory"),
        )


WORKFLOW_TRAITS = (
    "needs_info",
    "business_case",
    "approved",
    "delivery",
    "quick_win",
    "realisation",
    "closed",
    "on_hold",
    "declined",
    "withdrawn",
    "merged",
)


class CommentFactory(BaseFactory):
    class Meta:
        model = Comment

    improvement_id = factory.LazyAttribute(lambda o: o.improvement.id)
    author = factory.SubFactory(UserFactory)
    body = "A thought about this idea."

    class Params:
        improvement = factory.SubFactory(ImprovementFactory)


class SupportFactory(BaseFactory):
    class Meta:
        model = Support

    improvement_id = factory.LazyFunction(lambda: ImprovementFactory().id)
    user_id = factory.LazyFunction(lambda: UserFactory().id)


# ---------------------------------------------------------------- business cases (issue 5)


def _case_options() -> list[object]:
    """Business as usual (nothing), and "Do it": £10,000 now for £6,000 a year in years 1 and 2."""
    from changeauth.models import BusinessCaseOption, BusinessCaseOptionYear

    return [
        BusinessCaseOption(
            position=0,
            name="Business as usual",
            is_business_as_usual=True,
            years=[
                BusinessCaseOptionYear(
                    year=0,
                    capital_pence=0,
                    revenue_pence=0,
                    cashable_benefit_pence=0,
                    non_cashable_benefit_pence=0,
                )
            ],
        ),
        BusinessCaseOption(
            position=1,
            name="Do it",
            is_business_as_usual=False,
            years=[
                BusinessCaseOptionYear(
                    year=year,
                    capital_pence=1_000_000 if year == 0 else 0,
                    revenue_pence=0,
                    cashable_benefit_pence=600_000 if year else 0,
                    non_cashable_benefit_pence=0,
                )
                for year in range(3)
            ],
        ),
    ]


class BusinessCaseFactory(BaseFactory):
    """Version 1 of an improvement's case (a draft); traits ``submitted``, ``approved``, ``returned``."""

    class Meta:
        model = BusinessCase

    improvement = factory.SubFactory(ImprovementFactory, business_case=True)
    version = 1
    kind = "outline"
    status = "draft"
    strategic_fit = "Moves routine enquiries online."
    preferred_option = "Do it"
    preferred_reasons = "It pays back within two years."
    risks = "Take-up may be slower than planned."
    reform_risk = "Reusable by a successor authority."
    created_by = factory.LazyAttribute(lambda o: o.improvement.owner)
    options = factory.LazyFunction(_case_options)

    class Params:
        submitted = factory.Trait(
            status="submitted", submitted_at=factory.LazyFunction(lambda: datetime.now(UTC))
        )
        approved = factory.Trait(
            status="approved",
            submitted_at=factory.LazyFunction(lambda: datetime.now(UTC)),
            approved_at=factory.LazyFunction(lambda: datetime.now(UTC)),
        )
        returned = factory.Trait(
            status="returned",
            submitted_at=factory.LazyFunction(lambda: datetime.now(UTC)),
            returned_at=factory.LazyFunction(lambda: datetime.now(UTC)),
            return_reason="Add a do-minimum option.",
        )


# ---------------------------------------------------------------- benefits and temporary resources (issue 7)


class BenefitFactory(BaseFactory):
    """A quarterly benefit on an improvement in delivery, owned by the improvement's owner.

    The schedule columns are derived from the profile, as ``Benefit.reschedule`` derives them.
    """

    class Meta:
        model = Benefit

    improvement = factory.SubFactory(ImprovementFactory, delivery=True)
    owner = factory.LazyAttribute(
        lambda o: o.improvement.owner if o.improvement else UserFactory(manager=True)
    )
    driver = factory.LazyFunction(lambda: _driver("channel_shift"))
    title = factory.Sequence(lambda n: f"Calls answered online {n}")
    cash_class = "not_monetised"
    unit = "calls per month"
    direction = "decrease"
    baseline_value = factory.LazyFunction(lambda: Decimal(1000))
    baseline_date = date(2026, 1, 31)
    target_value = factory.LazyFunction(lambda: Decimal(600))
    target_date = date(2027, 1, 31)
    frequency = "quarterly"
    # A ready benefit: its baseline measured, so G2's "baselines measured" criterion counts it.
    baseline_quality = "measured"

    class Params:
        cashable = factory.Trait(
            cash_class="cashable",
            unit="GBP",
            direction="increase",
            baseline_value=factory.LazyFunction(lambda: Decimal(0)),
            target_value=factory.LazyFunction(lambda: Decimal(5_000_000)),
        )

    next_due_on = factory.LazyAttribute(
        lambda o: next_due(baseline_date=o.baseline_date, latest_period_end=None, frequency=o.frequency)
    )
    escalate_after_on = factory.LazyAttribute(lambda o: escalate_after(o.next_due_on, o.frequency))


class BenefitMeasurementFactory(BaseFactory):
    """A measurement; the benefit's schedule follows its latest measurement, as the service keeps it."""

    class Meta:
        model = BenefitMeasurement

    benefit = factory.SubFactory(BenefitFactory)
    period_end = date(2026, 4, 30)
    value = factory.LazyFunction(lambda: Decimal(900))
    data_quality = "measured"

    @factory.post_generation
    def reschedule_benefit(self, create: bool, extracted: object, **kwargs: object) -> None:
        if not create:
            return
        from sqlalchemy import select

        latest = db.session.scalar(
            select(BenefitMeasurement)
            .where(BenefitMeasurement.benefit_id == self.benefit_id)
            .order_by(BenefitMeasurement.period_end.desc())
            .limit(1)
        )
        self.benefit.reschedule(latest)
        db.session.commit()


class TemporaryResourceFactory(BaseFactory):
    """A contractor on an improvement in delivery for the 2026/27 financial year, £36,500 a year."""

    class Meta:
        model = TemporaryResource

    role_title = factory.Sequence(lambda n: f"Contract developer {n}")
    improvement = factory.SubFactory(ImprovementFactory, delivery=True)
    owner = factory.LazyAttribute(
        lambda o: o.improvement.owner if o.improvement else UserFactory(manager=True)
    )
    kind = "contractor"
    annual_cost_pence = 3_650_000  # £36,500 a year: £100 a day
    funding_source = "Digital transformation reserve"
    start_date = date(2026, 4, 1)
    end_date = date(2027, 3, 31)

    class Params:
        overrun = factory.Trait(start_date=date(2025, 4, 1), end_date=date(2026, 3, 31))
        ended = factory.Trait(
            start_date=date(2025, 4, 1), end_date=date(2026, 3, 31), actual_end_date=date(2026, 3, 31)
        )


# --- scoring (issue 6) ---------------------------------------------------------------------------

# One member's scores for the default scheme: 3 on every should criterion, within remit.
MIDDLING_SCORES: dict[str, int | bool] = {
    "strategic_priority": 3,
    "customer_need": 3,
    "transaction_volume": 3,
    "complexity": 3,
    "reform_risk": 3,
    "within_remit": True,
}


def _active_scheme_id() -> int:
    from sqlalchemy import select

    scheme_id = db.session.scalar(select(ScoringScheme.id).where(ScoringScheme.status == "active"))
    assert scheme_id is not None, "no active scoring scheme: is the reference seed loaded?"
    return scheme_id


def _score_rows(values: dict[str, int | bool]) -> list[AssessmentScore]:
    return [
        AssessmentScore(criterion_code=code, score=None, passed=value)
        if isinstance(value, bool)
        else AssessmentScore(criterion_code=code, score=value, passed=None)
        for code, value in values.items()
    ]


class AssessmentFactory(BaseFactory):
    """Raw assessment rows under the active scheme. It does not recompute the improvement's stored
    score: tests of scoring go through ``services.scoring.save_assessment`` (or ``recompute_score``)."""

    class Meta:
        model = Assessment

    improvement = factory.SubFactory(ImprovementFactory, business_case=True)
    assessor = factory.SubFactory(UserFactory, design_authority=True)
    scheme_id = factory.LazyFunction(_active_scheme_id)
    rationale = "Scored against the published descriptors."
    scores = factory.LazyAttribute(lambda o: _score_rows(o.values))

    class Params:
        values = MIDDLING_SCORES


class ConflictDeclarationFactory(BaseFactory):
    class Meta:
        model = ConflictDeclaration

    improvement = factory.SubFactory(ImprovementFactory, business_case=True)
    user_id = factory.LazyFunction(lambda: UserFactory(design_authority=True).id)
    note = "I manage the team that proposed it."


# --- the portfolio optimiser (issue 9) ------------------------------------------------------------------


class ImprovementScoreFactory(BaseFactory):
    """A stored panel score (as ``services.scoring`` would leave it): final, three scorers, 50 points."""

    class Meta:
        model = ImprovementScore

    improvement_id = factory.LazyAttribute(lambda o: o.improvement.id)
    scheme_id = factory.LazyFunction(_active_scheme_id)
    status = "final"
    scorers = 3
    weighted_score = factory.LazyFunction(lambda: Decimal(50))
    must_meet_passed = True

    class Params:
        improvement = factory.SubFactory(ImprovementFactory, approved=True)
        provisional = factory.Trait(status="provisional", scorers=1)


class PortfolioScenarioFactory(BaseFactory):
    """A saved run that selected nothing from nothing; trait ``agreed`` makes it the agreed plan."""

    class Meta:
        model = PortfolioScenario

    name = factory.Sequence(lambda n: f"Scenario {n}")
    inputs = factory.LazyFunction(
        lambda: {
            "budget_pence": 100_000,
            "capacity": None,
            "objective": "score",
            "cost_basis": "first_year",
            "force_in": [],
            "force_out": [],
        }
    )
    result = factory.LazyFunction(
        lambda: {
            "objective": "score",
            "cost_basis": "first_year",
            "budget_pence": 100_000,
            "capacity": None,
            "selected": [],
            "excluded": [],
            "total_cost_pence": 0,
            "total_value": 0,
            "budget_left_pence": 100_000,
            "capacity_used": None,
            "capacity_left": None,
            "waterline": None,
            "proven_optimal": True,
            "warnings": [],
        }
    )
    created_by = factory.SubFactory(UserFactory, design_authority=True)

    class Params:
        agreed = factory.Trait(is_agreed=True, agreed_at=factory.LazyFunction(lambda: datetime.now(UTC)))
