"""Seeds: reference data loads idempotently; the worked example carries the report's figures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from changeauth.cli.seed import load_reference
from changeauth.devtools.demo_data import DEMO_USERS, demo_email
from changeauth.devtools.worked_example import load_demo
from changeauth.domain.roles import ALL_ROLES
from changeauth.models import BenefitDriver, Improvement, MaturityAssessment, Programme, User

# The worked example is loaded once for the module (tests/conftest.py); loading it again adds nothing,
# and the reference data it stands on is the same with or without it.
pytestmark = pytest.mark.worked_example()


def _count(session: Any, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_reference_data_has_the_four_drivers(db_session: Any) -> None:
    codes = set(db_session.scalars(select(BenefitDriver.code)))
    assert codes == {"customer_enablement", "channel_shift", "technology_process", "remodelling"}


def test_loading_reference_data_twice_changes_nothing(db_session: Any) -> None:
    counts = load_reference()
    assert counts.created == 0 and counts.updated == 0 and counts.unchanged > 0


class TestWorkedExample:
    def test_programme_figures_come_from_the_report(self, db_session: Any) -> None:
        load_demo()
        programme = db_session.scalar(select(Programme))
        assert programme.planned_investment_pence == 744_815_500
        assert programme.planned_annual_benefit_pence == 248_392_500
        assert programme.planned_fte_change == Decimal("-77.3")

    def test_driver_maturity_figures(self, db_session: Any) -> None:
        load_demo()
        rows = db_session.execute(
            select(BenefitDriver.code, MaturityAssessment.achieved_pct).join(MaturityAssessment.driver)
        ).all()
        assert {code: int(pct) for code, pct in rows} == {
            "customer_enablement": 86,
            "channel_shift": 79,
            "technology_process": 61,
            "remodelling": 83,
        }

    def test_improvements_and_one_demo_user_per_role(self, db_session: Any) -> None:
        load_demo()
        refs = set(db_session.scalars(select(Improvement.ref)))
        assert {f"IMP-2021-{n:04d}" for n in range(1, 10)} <= refs
        assert len(refs) >= 20
        roles_covered = set()
        for key in DEMO_USERS:
            user = db_session.scalar(select(User).where(User.email == demo_email(key)))
            roles_covered |= user.roles
        assert roles_covered == set(ALL_ROLES)
        stages = set(db_session.scalars(select(Improvement.stage)))
        assert {"idea", "business_case", "approved", "delivery", "realisation", "closed"} <= stages

    def test_loading_twice_duplicates_nothing(self, db_session: Any) -> None:
        load_demo()
        before = (
            _count(db_session, Improvement),
            _count(db_session, User),
            _count(db_session, MaturityAssessment),
        )
        counts = load_demo()
        after = (
            _count(db_session, Improvement),
            _count(db_session, User),
            _count(db_session, MaturityAssessment),
        )
        assert before == after
        assert counts.created == 0
