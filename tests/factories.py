"""factory-boy factories. Workflow states are traits (``ImprovementFactory(delivery=True)``); every
trait satisfies the database's CHECK constraints (see tests/integration/test_constraints.py).

Factories arrange state; tests of a transition go through the service."""

from __future__ import annotations

from datetime import UTC, date, datetime

import factory
from factory.alchemy import SQLAlchemyModelFactory

from changeauth import db
from changeauth.domain.lifecycle import Route, Stage, Status
from changeauth.domain.roles import Role
from changeauth.models import BenefitDriver, Comment, Improvement, Support, Team, User, UserRole
from changeauth.services.users import hash_password

TEST_PASSWORD = "correct horse battery staple"
# Hashing with argon2 costs ~50 ms; every factory user shares one hash of the test password.
_TEST_PASSWORD_HASH = hash_password(TEST_PASSWORD)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731 - resolved lazily; the fixture rebinds it
        sqlalchemy_session_persistence = "commit"


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

    improvement = factory.SubFactory(ImprovementFactory)
    author = factory.SubFactory(UserFactory)
    body = "A thought about this idea."


class SupportFactory(BaseFactory):
    class Meta:
        model = Support

    improvement_id = factory.LazyFunction(lambda: ImprovementFactory().id)
    user_id = factory.LazyFunction(lambda: UserFactory().id)
