"""The worked example's closed improvement agrees with itself: its approved business case is complete (no
section unwritten, no warning left unanswered), and its benefits review and G3 decision cite the figures
its measurements hold."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth.models import Benefit, BenefitReview, GateDecision, Improvement
from changeauth.queries.business_cases import appraise_case, latest_for_improvement
from tests.factories import UserFactory
from tests.helpers import page

AS_OF = date(2026, 11, 29)
pytestmark = pytest.mark.worked_example(as_of=AS_OF)

CLOSED = "IMP-2021-0007"


def _closed(db_session: Any) -> Improvement:
    return db_session.scalar(select(Improvement).where(Improvement.ref == CLOSED))


def test_its_approved_case_is_complete(client: FlaskClient, login_as: Any, db_session: Any) -> None:
    improvement = _closed(db_session)
    case = latest_for_improvement(improvement.id)
    assert case is not None and case.status == "approved"
    assert appraise_case(case).warnings == []
    login_as(UserFactory(viewer=True))
    text = " ".join(page(client.get(f"/improvements/{improvement.id}/business-case")).get_text(" ").split())
    assert "Not written yet" not in text
    assert "recurs but stops" not in text
    assert "The funding matches the £26,000 of costs" in text  # funded for every year of its costs


def test_its_review_and_decision_cite_its_measurements(db_session: Any) -> None:
    improvement = _closed(db_session)
    benefit = db_session.scalar(select(Benefit).where(Benefit.improvement_id == improvement.id))
    assert benefit.last_value == 100 and benefit.target_value == 100
    g3 = db_session.scalar(
        select(GateDecision).where(GateDecision.improvement_id == improvement.id, GateDecision.gate == "G3")
    )
    review = db_session.scalar(select(BenefitReview).where(BenefitReview.benefit_id == benefit.id))
    for words in (g3.rationale, review.causes):
        assert "against a target of 100 %" not in words and "against 100 %" not in words
        assert "100 %" in words
