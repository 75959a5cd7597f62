"""The benefits-out-of-tolerance job on exact dates (docs/benefits-and-resources.md): the day a
measurement, or today's plan moving on, puts a benefit out of tolerance the flag is raised once and its
owner, the improvement's sponsor and the design authority are told once; the same period run again does
nothing; a value back within tolerance resolves it at once, and the job resolves it too; while the
benefit is overdue the flag stays open but the benefit is counted once, by its lateness.

The benefit: 1,000 on 31 January 2026 down to 600 on 31 January 2027, measured quarterly, tolerance 10 %
of the 400 planned change = 40.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from changeauth.jobs import get_job
from changeauth.jobs.runner import RunResult, run_job
from changeauth.models import Flag, Notification
from changeauth.services import benefits as benefit_service
from tests.factories import BenefitFactory, BenefitMeasurementFactory, ImprovementFactory, UserFactory

KIND = "benefit_out_of_tolerance"


@pytest.fixture(autouse=True)
def _app_context(app: Flask, db_session: Any) -> Iterator[None]:
    with app.app_context():
        yield


def run(as_of: date, job: str = "benefits-out-of-tolerance") -> RunResult:
    result = run_job(get_job(job), as_of)
    assert result.status == "succeeded", result.error
    return result


def open_flags(db_session: Any, benefit_id: int) -> set[str]:
    return set(
        db_session.scalars(
            select(Flag.kind).where(
                Flag.subject_type == "benefit", Flag.subject_id == benefit_id, Flag.resolved_on.is_(None)
            )
        )
    )


def told(db_session: Any) -> list[int]:
    return sorted(db_session.scalars(select(Notification.user_id).where(Notification.kind == f"flag.{KIND}")))


@pytest.fixture
def parties(db_session: Any) -> dict[str, Any]:
    sponsor = UserFactory(manager=True)
    member = UserFactory(design_authority=True)
    improvement = ImprovementFactory(delivery=True, sponsor=sponsor)
    benefit = BenefitFactory(improvement=improvement)
    return {"benefit": benefit, "owner": benefit.owner, "sponsor": sponsor, "member": member}


def test_a_measurement_out_of_tolerance_raises_one_flag_that_day_and_tells_the_three_parties(
    db_session: Any, parties: dict[str, Any]
) -> None:
    benefit, owner = parties["benefit"], parties["owner"]
    run(date(2026, 5, 4))
    assert open_flags(db_session, benefit.id) == set()
    # On 5 May the plan is 1000 - 400 × 94/365 = 896.99; 960 is 63 short, beyond the tolerance of 40.
    benefit_service.record_measurement(
        benefit.id, actor=owner, period_end=date(2026, 4, 30), value=Decimal(960), today=date(2026, 5, 5)
    )
    assert open_flags(db_session, benefit.id) == set()  # the job raises it, as it raises lateness
    first = run(date(2026, 5, 5))
    assert first.counts["raised"] == 1 and first.counts["notified"] == 3
    assert open_flags(db_session, benefit.id) == {KIND}
    assert told(db_session) == sorted([owner.id, parties["sponsor"].id, parties["member"].id])
    flag = db_session.scalar(select(Flag).where(Flag.kind == KIND))
    assert flag.raised_on == date(2026, 5, 5) and "is behind plan" in flag.message
    assert "off track" not in flag.message


def test_the_same_period_twice_and_the_days_after_raise_nothing_more(
    db_session: Any, parties: dict[str, Any]
) -> None:
    benefit = parties["benefit"]
    BenefitMeasurementFactory(benefit=benefit, period_end=date(2026, 4, 30), value=Decimal(960))
    assert run(date(2026, 5, 5)).counts["raised"] == 1
    again = run_job(get_job("benefits-out-of-tolerance"), date(2026, 5, 5))
    assert again.ran is False and again.status == "skipped"
    later = run(date(2026, 5, 6))
    assert later.counts["raised"] == 0 and later.counts["notified"] == 0
    assert len(db_session.scalars(select(Flag).where(Flag.kind == KIND)).all()) == 1
    assert len(told(db_session)) == 3


def test_today_s_plan_moving_on_puts_a_value_out_of_tolerance_on_the_exact_day(
    db_session: Any, parties: dict[str, Any]
) -> None:
    # 902 on 30 April is on plan (902.47). On 5 June (125 days) the plan is 863.01: 38.99 short, within
    # 40; on 6 June (126 days) it is 861.92: 40.08 short, out of tolerance.
    benefit = parties["benefit"]
    BenefitMeasurementFactory(benefit=benefit, period_end=date(2026, 4, 30), value=Decimal(902))
    assert run(date(2026, 6, 5)).counts["raised"] == 0
    assert run(date(2026, 6, 6)).counts["raised"] == 1
    assert open_flags(db_session, benefit.id) == {KIND}


def test_a_measurement_back_within_tolerance_resolves_the_flag_at_once(
    db_session: Any, parties: dict[str, Any]
) -> None:
    benefit, owner = parties["benefit"], parties["owner"]
    BenefitMeasurementFactory(benefit=benefit, period_end=date(2026, 4, 30), value=Decimal(960))
    run(date(2026, 5, 5))
    # On 6 June the plan is 861.92; 870 is 8 short, within tolerance.
    benefit_service.record_measurement(
        benefit.id, actor=owner, period_end=date(2026, 5, 31), value=Decimal(870), today=date(2026, 6, 6)
    )
    assert open_flags(db_session, benefit.id) == set()
    assert db_session.scalar(select(Flag.resolved_on).where(Flag.kind == KIND)) == date(2026, 6, 6)
    assert run(date(2026, 6, 7)).counts == {
        "raised": 0,
        "resolved": 0,
        "notified": 0,
        "out_of_tolerance_raised": 0,
        "out_of_tolerance_resolved": 0,
        "out_of_tolerance_notified": 0,
    }


def test_a_measurement_still_out_of_tolerance_keeps_the_one_flag(
    db_session: Any, parties: dict[str, Any]
) -> None:
    benefit, owner = parties["benefit"], parties["owner"]
    BenefitMeasurementFactory(benefit=benefit, period_end=date(2026, 4, 30), value=Decimal(960))
    run(date(2026, 5, 5))
    benefit_service.record_measurement(
        benefit.id, actor=owner, period_end=date(2026, 5, 31), value=Decimal(950), today=date(2026, 6, 6)
    )
    assert open_flags(db_session, benefit.id) == {KIND}
    assert run(date(2026, 6, 6)).counts["raised"] == 0
    assert len(told(db_session)) == 3


def test_the_job_resolves_a_benefit_back_within_tolerance_or_closed(
    db_session: Any, parties: dict[str, Any]
) -> None:
    benefit = parties["benefit"]
    closing = BenefitFactory()
    BenefitMeasurementFactory(benefit=benefit, period_end=date(2026, 4, 30), value=Decimal(960))
    BenefitMeasurementFactory(benefit=closing, period_end=date(2026, 4, 30), value=Decimal(960))
    assert run(date(2026, 5, 5)).counts["raised"] == 2
    # A value for May written without the service (an import): the job finds it back within tolerance.
    BenefitMeasurementFactory(benefit=benefit, period_end=date(2026, 5, 31), value=Decimal(870))
    closing.closing_status = "not_realised"
    db_session.commit()
    result = run(date(2026, 6, 6))
    assert result.counts["resolved"] == 2
    assert open_flags(db_session, benefit.id) == set() and open_flags(db_session, closing.id) == set()


def test_a_favourable_value_or_none_is_never_flagged(db_session: Any) -> None:
    ahead = BenefitFactory()
    BenefitMeasurementFactory(benefit=ahead, period_end=date(2026, 4, 30), value=Decimal(700))
    unmeasured = BenefitFactory()
    not_tracked = BenefitFactory(improvement=ImprovementFactory(business_case=True))
    BenefitMeasurementFactory(benefit=not_tracked, period_end=date(2026, 4, 30), value=Decimal(999))
    assert run(date(2026, 5, 5)).counts["raised"] == 0
    for benefit in (ahead, unmeasured, not_tracked):
        assert open_flags(db_session, benefit.id) == set()


def test_an_owner_who_is_on_the_design_authority_is_told_once(db_session: Any) -> None:
    owner = UserFactory(manager=True, design_authority=True)
    benefit = BenefitFactory(improvement=ImprovementFactory(delivery=True, owner=owner, sponsor=owner))
    BenefitMeasurementFactory(benefit=benefit, period_end=date(2026, 4, 30), value=Decimal(960))
    assert run(date(2026, 5, 5)).counts["notified"] == 1
    assert told(db_session) == [owner.id]


class TestWhileOverdue:
    def test_the_flag_stays_open_but_the_benefit_counts_once_by_its_lateness(
        self, db_session: Any, parties: dict[str, Any]
    ) -> None:
        from changeauth.queries import flags as flag_queries
        from changeauth.reporting import dashboard

        benefit, owner, member = parties["benefit"], parties["owner"], parties["member"]
        BenefitMeasurementFactory(benefit=benefit, period_end=date(2026, 4, 30), value=Decimal(960))
        run(date(2026, 5, 5))
        # Due 31 July, overdue after 14 August: the stale job runs first, as it does at 06:00.
        run(date(2026, 8, 15), "stale-benefits")
        assert run(date(2026, 8, 15)).counts["resolved"] == 0
        assert open_flags(db_session, benefit.id) == {KIND, "stale_benefit"}
        counts = dict(zip(*(dashboard.flags(date(2026, 8, 15))[c] for c in ("kind", "count")), strict=True))
        assert (counts["stale_benefit"], counts[KIND]) == (1, 0)
        assert [f.kind for f in flag_queries.open_flags_on_what_they_own(owner.id)] == ["stale_benefit"]
        assert flag_queries.benefits_off_track(member) == []
        # Escalated after 31 October; a value back within tolerance on 2 November ends all three.
        run(date(2026, 11, 1), "stale-benefits")
        run(date(2026, 11, 1))
        assert open_flags(db_session, benefit.id) == {KIND, "stale_benefit", "benefit_escalated"}
        benefit_service.record_measurement(
            benefit.id,
            actor=owner,
            period_end=date(2026, 10, 31),
            value=Decimal(700),
            today=date(2026, 11, 2),
        )
        assert open_flags(db_session, benefit.id) == set()

    def test_an_off_track_value_after_the_lateness_shows_the_flag_again_without_telling_anyone_twice(
        self, db_session: Any, parties: dict[str, Any]
    ) -> None:
        from changeauth.queries import flags as flag_queries

        benefit, owner, member = parties["benefit"], parties["owner"], parties["member"]
        BenefitMeasurementFactory(benefit=benefit, period_end=date(2026, 4, 30), value=Decimal(960))
        run(date(2026, 5, 5))
        run(date(2026, 8, 15), "stale-benefits")
        run(date(2026, 8, 15))
        benefit_service.record_measurement(
            benefit.id, actor=owner, period_end=date(2026, 7, 31), value=Decimal(900), today=date(2026, 8, 16)
        )
        assert open_flags(db_session, benefit.id) == {KIND}
        assert [flag.kind for flag, _ in flag_queries.benefits_off_track(member)] == [KIND]
        assert len(told(db_session)) == 3
