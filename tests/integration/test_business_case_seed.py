"""The worked example's business cases: the programme's approved case with the report's figures,
the demo improvement cases, and loading twice changing nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from changeauth.cli.seed import load_demo
from changeauth.models import AuditEvent, BusinessCase, Improvement, Programme
from changeauth.queries import business_cases as case_queries
from tests.factories import UserFactory


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
    # £7,448,155 in year 0, then £2,483,925 a year for three years: positions −7,448,155,
    # −4,964,230, −2,480,305, +3,620, so payback is 2 + 2,480,305 / 2,483,925 = 2.9985 years.
    assert chosen.appraisal.payback_years == Decimal("2.9985")
    assert chosen.appraisal.pv_costs_pence == 744_815_500
    assert chosen.appraisal.pv_benefits_pence == 695_905_614  # 2,483,925 × 2.801637 (see test_appraisal)
    bau = next(option for option in appraised.options if option.figures.is_business_as_usual)
    assert bau.appraisal.npv_pence == 0
    assert appraised.business_as_usual_warning is None


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
    # In-house: −£18,000 at 0, then +£10,000 a year (14,000 benefit − 4,000 cost): −8,000 at 1,
    # +2,000 at 2, so payback is 1 + 8,000 / 10,000 = 1.8 years.
    assert preferred is not None and preferred.appraisal.payback_years == Decimal("1.8000")


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
    assert counts.by_table["business_case"] == {"created": 0, "updated": 0, "unchanged": 5}
