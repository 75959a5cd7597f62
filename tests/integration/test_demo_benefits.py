"""The worked example's benefits, adjustments and temporary resources: the report's figures, loaded once,
and as of 29 November 2026 the two stale benefits, the modelled overrun and the resource ending soon."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from changeauth.devtools.worked_example import load_demo
from changeauth.jobs import get_job
from changeauth.jobs.runner import run_job
from changeauth.models import Benefit, BenefitAdjustment, BenefitMeasurement, Flag, TemporaryResource, User
from changeauth.queries import benefits as benefit_queries
from changeauth.queries import temporary_resources as resource_queries

AS_OF = date(2026, 11, 29)
# The worked example is loaded once for the module (tests/conftest.py); loading it again adds nothing.
pytestmark = pytest.mark.worked_example()


@pytest.fixture(autouse=True)
def _app_context(app: Flask, db_session: Any) -> Iterator[None]:
    with app.app_context():
        load_demo()
        yield


def _count(db_session: Any, model: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(model)) or 0


def test_loading_twice_adds_nothing(db_session: Any) -> None:
    before = [
        _count(db_session, m) for m in (Benefit, BenefitMeasurement, BenefitAdjustment, TemporaryResource)
    ]
    counts = load_demo()
    after = [
        _count(db_session, m) for m in (Benefit, BenefitMeasurement, BenefitAdjustment, TemporaryResource)
    ]
    assert before == after == [16, 34, 5, 9]
    assert counts.by_table["benefit"]["created"] == 0


def test_the_programme_savings_gross_and_like_for_like(db_session: Any) -> None:
    savings = db_session.scalar(
        select(Benefit).where(Benefit.title == "Recurring staff cost savings (77.3 FTE)")
    )
    figures = benefit_queries.benefit_figures(
        benefit_queries.get_benefit(savings.id), as_of=AS_OF, grace_days=14
    )
    # £2,483,925 gross. The report's +£95,761 external funding and +£323,060 posts taken as savings are
    # conditions ("if", "possible"), so they stay proposed and count nothing like-for-like.
    assert figures.realised_gross == 248_392_500
    assert figures.adjustments_total == 0
    assert figures.realised_adjusted == 248_392_500
    assert figures.counts_as_realised
    # The programme ended on 31 March 2021, but the saving the report says is at risk (§3.2) is still
    # chased: it was handed to a named business-as-usual owner, and nothing has been measured since the
    # audit, so today it has no current data.
    assert figures.tracked and figures.rag == "no_current_data"
    assert (
        savings.handed_over_on == date(2021, 3, 31)
        and db_session.get(User, savings.owner_id).name == "Morgan Manager"
    )


def test_the_report_resources_add_up_and_ended_on_time(db_session: Any) -> None:
    report_rows = db_session.scalars(
        select(TemporaryResource).where(TemporaryResource.programme_id.is_not(None))
    ).all()
    by_year = {2019: 0, 2020: 0}
    for resource in report_rows:
        by_year[resource.start_date.year] += resource.annual_cost_pence
        assert resource.actual_end_date == resource.end_date
    assert by_year == {2019: 49_499_000, 2020: 24_023_000}  # £494,990 and £240,230
    # Only the modelled contractor overruns: 6,570,000 × 29 / 365 = 522,000 pence.
    assert resource_queries.total_exposure_pence(AS_OF) == 522_000


def test_the_jobs_on_29_november_2026(db_session: Any) -> None:
    stale = run_job(get_job("stale-benefits"), AS_OF).counts
    resources = run_job(get_job("temporary-resources"), AS_OF).counts
    assert (stale["stale_raised"], stale["escalated_raised"]) == (3, 3)
    assert (resources["overrun_raised"], resources["ending_raised"]) == (1, 1)
    flagged = set(
        db_session.scalars(
            select(Benefit.title)
            .join(Flag, Flag.subject_id == Benefit.id)
            .where(Flag.kind == "stale_benefit")
        )
    )
    assert flagged == {
        "Systems an adviser opens to answer a query",
        "Improvement ideas triaged within 10 working days",
        # Handed to business as usual when the programme ended, and escalated to that owner.
        "Recurring staff cost savings (77.3 FTE)",
    }


def test_the_staffing_register_gives_the_reports_77_3_fte_and_saving(db_session: Any) -> None:
    """Report §3.2: £2,483,925 a year from 77.3 FTE, like for like (modelled posts, seeds/README.md)."""
    from changeauth.queries import staffing as staffing_queries

    savings = db_session.scalar(
        select(Benefit).where(Benefit.title == "Recurring staff cost savings (77.3 FTE)")
    )
    register = staffing_queries.register_of(savings.id)
    assert register.figures is not None
    assert register.figures.fte_saved == Decimal("77.3")
    assert register.figures.saving_pence == 248_392_500
    # §3.2: "roles out of scope are omitted from establishment data in both the baseline and new operating
    # model": the 6 grant-funded FTE are on both sides, and are 6 FTE, not 12.
    assert register.figures.fte_before - register.figures.fte_after == Decimal("77.3")
    assert register.figures.out_of_scope_fte_before == register.figures.out_of_scope_fte_after == 6
    # Restated at 2019/20 and 2020/21 pay (2 % then 2.75 %), the same posts save more in cash.
    assert register.by_year[2019].saving_pence == 253_360_350
    assert register.by_year[2020].saving_pence == 260_327_760


def test_the_digital_exclusion_dis_benefit_of_channel_shift_changes_no_figure(db_session: Any) -> None:
    """Report §3.6.2 and §3.3.1, recorded (modelled) on the Customer Access Strategy review against its
    online share, with no money, so the programme's net by year is still the report's."""
    from changeauth.models import AuditEvent, Disbenefit
    from changeauth.queries import disbenefits as disbenefit_queries
    from changeauth.queries import savings as savings_queries

    (only,) = db_session.scalars(select(Disbenefit.id)).all()
    disbenefit = disbenefit_queries.get_disbenefit(only)
    assert disbenefit.improvement is not None and disbenefit.improvement.ref == "IMP-2021-0001"
    assert "will not/cannot interact with the council online" in disbenefit.description
    assert disbenefit.annual_value_pence is None and disbenefit.is_open
    online = db_session.scalar(
        select(Benefit).where(Benefit.title == "Share of customer transactions completed online")
    )
    assert [d.id for d in disbenefit_queries.against_benefits([online.id])[online.id]] == [disbenefit.id]
    # Recorded through the service by the improvement's owner, on a day of its history, not the load's.
    recorded = db_session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "disbenefit.recorded", AuditEvent.subject_id == disbenefit.id
        )
    )
    assert recorded.actor_id == disbenefit.improvement.owner_id
    assert recorded.occurred_at.date() < AS_OF
    closed = next(p for p in savings_queries.all_programmes(AS_OF) if p.figures.realised_pence == 248_392_500)
    nets = {y.year: y.net_pence for y in closed.figures.years}
    assert (nets[2019], nets[2020]) == (198_893_500, 224_369_500)
