"""The worked example is ready for each use it is loaded for: the demo accounts whose role needs a second
factor are enrolled with the published demo key, so the example's sign-ins work (``changeauth demo``
prints the key) and other demo accounts are not; its improvements are scored by the independent demo
members; the portfolio plan has three candidates. The example is loaded once for the module
(``worked_example``) rather than by each test; loading it again changes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from changeauth.devtools.demo_data import DEMO_TOTP_SECRET, DEMO_USERS, demo_email
from changeauth.devtools.worked_example import load_demo
from changeauth.domain.second_factor import second_factor_required
from changeauth.models import Improvement, ImprovementScore, User
from changeauth.queries import portfolio as portfolio_queries
from changeauth.services import portfolio as portfolio_service
from tests.factories import UserFactory

pytestmark = pytest.mark.worked_example


def test_demo_people_who_need_a_second_factor_have_the_demo_key(db_session: Any) -> None:
    for key in DEMO_USERS:
        user = db_session.scalar(select(User).where(User.email == demo_email(key)))
        expected = DEMO_TOTP_SECRET if second_factor_required(user.roles, required_for_all=False) else None
        assert user.totp_secret == expected, key


def test_the_worked_example_is_scored_by_the_independent_demo_members(db_session: Any) -> None:
    rows = dict(
        db_session.execute(
            select(Improvement.ref, ImprovementScore)
            .join(ImprovementScore, ImprovementScore.improvement_id == Improvement.id)
            .where(Improvement.ref.in_(["IMP-2021-0001", "IMP-2021-0004"]))
        ).all()
    )
    # IMP-2021-0001, three scorers: sp 4,5,4 -> 4; cn 5,4,4 -> 4; tv 4,5,4 -> 4; cx 2,3,2 -> 2; rr 2,1,2 -> 2
    # a = 4, 4, 4, 5-2=3, 5-2=3 -> 25*4 + 25*4 + 20*4 + 15*3 + 15*3 = 370 -> 100*370/500 = 74.0
    first = rows["IMP-2021-0001"]
    assert (first.status, first.scorers, first.weighted_score) == ("final", 3, Decimal("74.0"))
    assert rows["IMP-2021-0004"].status == "provisional"  # two independent scorers so far
    assert rows["IMP-2021-0004"].disagreement is True  # customer need scored 1 and 4
    assert load_demo().by_table["assessment"]["created"] == 0


def test_the_worked_example_has_three_candidates_to_plan(db_session: Any) -> None:
    found = {c.ref: c for c in portfolio_queries.load_candidates()}
    assert {ref: c.delivery_person_months for ref, c in found.items()} == {
        "IMP-2021-0002": Decimal(6),
        "IMP-2021-0003": Decimal("3.5"),
        "IMP-2021-0014": Decimal(2),
    }
    assert all(c.has_case and c.first_year_cost_pence is not None for c in found.values())
    # Enough money for everything, but 6 person-months: the 6-month one, or the other two together.
    answer = portfolio_service.optimise(
        UserFactory(design_authority=True), budget_pence=10**12, capacity="6", objective="npv"
    )
    assert answer["capacity_used"] <= 6 and answer["selected"], answer
    assert load_demo().by_table["improvement"]["updated"] == 0  # loading again changes nothing
