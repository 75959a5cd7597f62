"""The worked example's business cases: the programme's approved case with the report's figures,
the demo improvement cases, and loading twice changing nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from changeauth.devtools.worked_example import load_demo
from changeauth.models import AuditEvent, BusinessCase, Improvement, Programme
from changeauth.queries import business_cases as case_queries
from tests.factories import UserFactory

# The worked example is loaded once for the module (tests/conftest.py); loading it again adds nothing.
pytestmark = pytest.mark.worked_example()


def test_the_programme_case_carries_the_reports_figures(db_session: Any) -> None:
    load_demo()
    programme = db_session.scalar(select(Programme).where(Programme.code == "transformation"))
    case = case_queries.latest_for_programme(programme.id)
    assert case is not None and case.improvement_id is None
    assert (case.version, case.status, case.kind) == (1, "approved", "full")
    assert case.approved_at.date().isoformat() == "2017-04-01"
    assert case.fte_change == Decimal("-77.3")
    appraised = case_queries.appraise_case(case)
    chosen = appraised.preferred
    assert chosen is not None and chosen.figures.name.startswith("Transformation programme")
    # £7,448,155 in year 0, then £2,483,925 a year over the Green Book's ten years: positions −7,448,155,
    # −4,964,230, −2,480,305, +3,620, so cash payback is 2 + 2,480,305 / 2,483,925 = 2.9985 years.
    assert chosen.appraisal.payback_years == Decimal("2.9985")
    assert chosen.appraisal.pv_costs_pence == 744_815_500
    # PV benefits 2,483,925 × 8.316605 = £20,657,863; NPV about £13.2m; BCR 2.77; discounted payback 3.2.
    assert round(chosen.appraisal.npv_pence / 10_000_000) == 132
    assert chosen.appraisal.bcr is not None and chosen.appraisal.bcr.quantize(Decimal("0.01")) == Decimal(
        "2.77"
    )
    assert chosen.appraisal.discounted_payback_years is not None
    assert chosen.appraisal.discounted_payback_years.quantize(Decimal("0.1")) == Decimal("3.2")
    bau = next(option for option in appraised.options if option.figures.is_business_as_usual)
    assert bau.appraisal.npv_pence == 0
    assert appraised.business_as_usual_warning is None
    assert appraised.recurring_benefit_warning is None


def test_the_demo_improvement_cases(db_session: Any) -> None:
    load_demo()
    viewer = UserFactory(viewer=True)

    def versions(ref: str) -> list[tuple[int, str]]:
        improvement_id = db_session.scalar(select(Improvement.id).where(Improvement.ref == ref))
        return [(c.version, c.status) for c in case_queries.list_versions(improvement_id=improvement_id)]

    assert versions("IMP-2021-0002") == [(1, "approved")]
    assert versions("IMP-2021-0003") == [(2, "submitted"), (1, "superseded")]
    assert versions("IMP-2021-0014") == [(1, "draft")]
    improvement_id = db_session.scalar(select(Improvement.id).where(Improvement.ref == "IMP-2021-0002"))
    case = case_queries.latest_for_improvement(improvement_id)
    assert case is not None and case_queries.get_case(case.id, viewer).decided_by_id is not None
    preferred = case_queries.appraise_case(case).preferred
    # In-house: −£18,000 at 0, then £14,000 a year of benefit against £4,000 of cost, but only £8,000 of
    # it is cashable: the cash position is −14,000, −10,000, −6,000 at years 1–3, so there is no cash
    # payback within the case's three years (counting the non-cashable £6,000 it would have paid back
    # in 1.8). The saving recurs and stops at year 3, so the case is warned about the period.
    assert preferred is not None and preferred.appraisal.payback_years is None
    assert preferred.appraisal.npv_pence > 0
    assert "stops after year 3" in (case_queries.appraise_case(case).recurring_benefit_warning or "")


def test_loading_twice_adds_nothing(db_session: Any) -> None:
    load_demo()
    before = (
        db_session.scalar(select(func.count()).select_from(BusinessCase)),
        db_session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.subject_type == "business_case")
        ),
    )
    counts = load_demo()
    after = (
        db_session.scalar(select(func.count()).select_from(BusinessCase)),
        db_session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.subject_type == "business_case")
        ),
    )
    assert before == after
    assert counts.by_table["business_case"] == {"created": 0, "updated": 0, "unchanged": 9}
