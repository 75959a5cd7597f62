"""The financial years of a saving (services.benefit_years): a year is written once per version read, a
year someone else has just planned or signed off is refused rather than overwritten, and a refused write
leaves nothing behind. Each write is audited."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, update

from changeauth.domain.errors import AlreadyExists, InvalidTransition, VersionConflict
from changeauth.models import AuditEvent, BenefitYear
from changeauth.services import benefit_years
from tests.factories import BenefitFactory, UserFactory

TODAY = date(2026, 11, 29)


def _count(db_session: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(BenefitYear))


def test_a_plan_moves_its_version_once_and_is_audited(db_session: Any) -> None:
    benefit = BenefitFactory(cashable=True)
    owner = benefit.improvement.owner
    row = benefit_years.plan_year(
        benefit.id,
        actor=owner,
        financial_year=2026,
        planned_pence=100,
        one_off_cost_pence=0,
        expected_version=0,
    )
    assert row.version == 1
    row = benefit_years.plan_year(
        benefit.id,
        actor=owner,
        financial_year=2026,
        planned_pence=200,
        one_off_cost_pence=50,
        expected_version=1,
    )
    assert (row.version, row.planned_pence, row.one_off_cost_pence) == (2, 200, 50)
    # The same plan again changes nothing.
    same = benefit_years.plan_year(
        benefit.id,
        actor=owner,
        financial_year=2026,
        planned_pence=200,
        one_off_cost_pence=50,
        expected_version=2,
    )
    assert same.version == 2
    actions = db_session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.subject_type == "benefit", AuditEvent.subject_id == benefit.id
        )
    ).all()
    assert actions.count("benefit.year_planned") == 2


def test_a_year_someone_has_just_planned_is_not_overwritten(db_session: Any) -> None:
    benefit = BenefitFactory(cashable=True)
    owner = benefit.improvement.owner
    row = benefit_years.plan_year(
        benefit.id,
        actor=owner,
        financial_year=2026,
        planned_pence=100,
        one_off_cost_pence=0,
        expected_version=0,
    )
    db_session.execute(
        update(BenefitYear)
        .where(BenefitYear.id == row.id)
        .values(version=BenefitYear.version + 1, planned_pence=300)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(VersionConflict):
        benefit_years.plan_year(
            benefit.id,
            actor=owner,
            financial_year=2026,
            planned_pence=999,
            one_off_cost_pence=0,
            expected_version=1,
        )
    db_session.rollback()


def test_a_budget_reduction_is_signed_off_once(db_session: Any) -> None:
    benefit = BenefitFactory(cashable=True)
    finance = UserFactory(finance=True)
    row = benefit_years.take_out_of_budget(
        benefit.id,
        actor=finance,
        financial_year=2026,
        budget_line="Staffing",
        taken_out_pence=100,
        taken_out_on=date(2026, 11, 1),
        expected_version=0,
        today=TODAY,
    )
    assert row.is_taken_out and row.taken_out_by_id == finance.id
    with pytest.raises(AlreadyExists):
        benefit_years.take_out_of_budget(
            benefit.id,
            actor=UserFactory(finance=True),
            financial_year=2026,
            budget_line="Other",
            taken_out_pence=5,
            taken_out_on=date(2026, 11, 2),
            expected_version=row.version,
            today=TODAY,
        )
    assert db_session.get(BenefitYear, row.id).budget_line == "Staffing"


def test_a_saving_not_in_pounds_has_no_years(db_session: Any) -> None:
    benefit = BenefitFactory()  # calls per month, not cashable
    before = _count(db_session)
    with pytest.raises(InvalidTransition):
        benefit_years.plan_year(
            benefit.id,
            actor=benefit.improvement.owner,
            financial_year=2026,
            planned_pence=100,
            one_off_cost_pence=0,
            expected_version=0,
        )
    assert _count(db_session) == before
