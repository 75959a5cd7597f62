"""The stale-benefits job at its date edges (docs/benefits-and-resources.md): month ends, leap years,
the grace boundary, the escalation boundary; one open flag per kind and subject; each new flag notifies
once; escalation notifies the sponsor too; a measurement resolves at once; the job resolves what is no
longer due."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from changeauth.jobs import get_job
from changeauth.jobs.runner import RunResult, run_job
from changeauth.models import Flag, Notification
from changeauth.services import benefits as benefit_service
from tests.factories import BenefitFactory, BenefitMeasurementFactory, ImprovementFactory, UserFactory


@pytest.fixture(autouse=True)
def _app_context(app: Flask, db_session: Any) -> Iterator[None]:
    with app.app_context():
        yield


def run(as_of: date) -> RunResult:
    result = run_job(get_job("stale-benefits"), as_of)
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


def notified(db_session: Any, user_id: int) -> list[str]:
    return list(db_session.scalars(select(Notification.kind).where(Notification.user_id == user_id)))


class TestDueDates:
    def test_31_january_plus_a_month_is_28_february_and_grace_ends_14_march(self, db_session: Any) -> None:
        # Monthly from 31 Jan 2026: due 28 Feb 2026 (clamped), stale after 28 Feb + 14 days = 14 Mar.
        benefit = BenefitFactory(baseline_date=date(2026, 1, 31), frequency="monthly")
        assert benefit.next_due_on == date(2026, 2, 28)
        run(date(2026, 3, 14))
        assert open_flags(db_session, benefit.id) == set()
        run(date(2026, 3, 15))
        assert open_flags(db_session, benefit.id) == {"stale_benefit"}

    def test_a_leap_year_makes_it_29_february(self, db_session: Any) -> None:
        # Monthly from 31 Jan 2024: due 29 Feb 2024, stale after 14 Mar 2024.
        benefit = BenefitFactory(
            baseline_date=date(2024, 1, 31), target_date=date(2025, 1, 31), frequency="monthly"
        )
        assert benefit.next_due_on == date(2024, 2, 29)
        run(date(2024, 3, 14))
        assert open_flags(db_session, benefit.id) == set()
        run(date(2024, 3, 15))
        assert open_flags(db_session, benefit.id) == {"stale_benefit"}

    def test_annual_from_a_leap_day_falls_due_on_28_february(self, db_session: Any) -> None:
        # Annually from 29 Feb 2024: due 28 Feb 2025, stale after 14 Mar 2025.
        benefit = BenefitFactory(
            baseline_date=date(2024, 2, 29), target_date=date(2027, 2, 28), frequency="annually"
        )
        assert benefit.next_due_on == date(2025, 2, 28)
        run(date(2025, 3, 14))
        assert open_flags(db_session, benefit.id) == set()
        run(date(2025, 3, 15))
        assert open_flags(db_session, benefit.id) == {"stale_benefit"}

    def test_the_latest_measurement_sets_the_next_due_date(self, db_session: Any) -> None:
        # Quarterly, last measured 30 Apr 2026 (a month end): due 31 Jul 2026, the month end three months
        # on (not the 30th), stale after 14 Aug 2026.
        measurement = BenefitMeasurementFactory(period_end=date(2026, 4, 30))
        benefit = measurement.benefit
        assert benefit.next_due_on == date(2026, 7, 31)
        run(date(2026, 8, 14))
        assert open_flags(db_session, benefit.id) == set()
        run(date(2026, 8, 15))
        assert open_flags(db_session, benefit.id) == {"stale_benefit"}


class TestEscalation:
    def test_escalates_one_whole_period_after_the_due_date_and_tells_the_sponsor(
        self, db_session: Any
    ) -> None:
        # Quarterly from 31 Jan 2026: due 30 Apr; escalated after the month end three months on, 31 Jul 2026.
        sponsor = UserFactory(design_authority=True)
        improvement = ImprovementFactory(delivery=True, sponsor=sponsor)
        benefit = BenefitFactory(improvement=improvement, baseline_date=date(2026, 1, 31))
        assert benefit.escalate_after_on == date(2026, 7, 31)
        run(date(2026, 7, 31))
        assert open_flags(db_session, benefit.id) == {"stale_benefit"}
        assert notified(db_session, sponsor.id) == []
        run(date(2026, 8, 1))
        assert open_flags(db_session, benefit.id) == {"stale_benefit", "benefit_escalated"}
        assert sorted(notified(db_session, benefit.owner_id)) == [
            "flag.benefit_escalated",
            "flag.stale_benefit",
        ]
        assert notified(db_session, sponsor.id) == ["flag.benefit_escalated"]

    def test_an_owner_who_is_also_the_sponsor_is_told_once(self, db_session: Any) -> None:
        owner = UserFactory(manager=True)
        improvement = ImprovementFactory(delivery=True, owner=owner, sponsor=owner)
        BenefitFactory(improvement=improvement, baseline_date=date(2026, 1, 31))
        run(date(2026, 8, 1))
        assert sorted(notified(db_session, owner.id)) == ["flag.benefit_escalated", "flag.stale_benefit"]


class TestOneFlagAndOneNotification:
    def test_running_on_later_days_keeps_one_open_flag_and_one_notification(self, db_session: Any) -> None:
        benefit = BenefitFactory(baseline_date=date(2026, 1, 31), frequency="monthly")
        first = run(date(2026, 3, 15))
        second = run(date(2026, 3, 16))
        assert first.counts["raised"] == 1 and first.counts["notified"] == 1
        assert second.counts["raised"] == 0 and second.counts["notified"] == 0
        count = db_session.scalar(
            select(func.count())
            .select_from(Flag)
            .where(Flag.subject_type == "benefit", Flag.subject_id == benefit.id)
        )
        assert count == 1
        assert notified(db_session, benefit.owner_id) == ["flag.stale_benefit"]

    def test_a_second_run_of_the_same_day_is_a_no_op(self, db_session: Any) -> None:
        BenefitFactory(baseline_date=date(2026, 1, 31), frequency="monthly")
        assert run(date(2026, 3, 15)).ran is True
        again = run_job(get_job("stale-benefits"), date(2026, 3, 15))
        assert again.ran is False
        assert again.as_line() == {
            "job": "stale-benefits",
            "period": "2026-03-15",
            "ran": False,
            "raised": 0,
            "resolved": 0,
            "status": "skipped",
        }


class TestResolution:
    def test_a_measurement_resolves_both_flags_at_once(self, db_session: Any) -> None:
        benefit = BenefitFactory(baseline_date=date(2026, 1, 31))
        run(date(2026, 8, 1))
        assert open_flags(db_session, benefit.id) == {"stale_benefit", "benefit_escalated"}
        owner = benefit.owner
        benefit_service.record_measurement(
            benefit.id, actor=owner, period_end=date(2026, 7, 31), value=Decimal(850), today=date(2026, 8, 1)
        )
        assert open_flags(db_session, benefit.id) == set()
        resolved = db_session.scalars(select(Flag.resolved_on).where(Flag.subject_id == benefit.id)).all()
        assert resolved == [date(2026, 8, 1), date(2026, 8, 1)]

    def test_an_older_period_leaves_a_still_stale_benefit_flagged(self, db_session: Any) -> None:
        # Monthly from 31 Jan 2026; on 1 Aug a value for 28 Feb moves the due date only to 31 Mar.
        benefit = BenefitFactory(baseline_date=date(2026, 1, 31), frequency="monthly")
        run(date(2026, 8, 1))
        benefit_service.record_measurement(
            benefit.id,
            actor=benefit.owner,
            period_end=date(2026, 2, 28),
            value=Decimal(990),
            today=date(2026, 8, 1),
        )
        assert open_flags(db_session, benefit.id) == {"stale_benefit", "benefit_escalated"}

    def test_the_job_resolves_a_benefit_that_is_closed_or_no_longer_tracked(self, db_session: Any) -> None:
        closing = BenefitFactory(baseline_date=date(2026, 1, 31), frequency="monthly")
        paused = BenefitFactory(baseline_date=date(2026, 1, 31), frequency="monthly")
        run(date(2026, 3, 15))
        closing.closing_status = "not_realised"
        paused.improvement.stage = "on_hold"
        paused.improvement.status = "on_hold"
        paused.improvement.held_from_stage = "delivery"
        db_session.commit()
        result = run(date(2026, 3, 16))
        assert result.counts["resolved"] == 2
        assert open_flags(db_session, closing.id) == set() and open_flags(db_session, paused.id) == set()

    def test_benefits_of_improvements_not_in_delivery_or_realisation_are_not_chased(
        self, db_session: Any
    ) -> None:
        benefit = BenefitFactory(
            improvement=ImprovementFactory(business_case=True), baseline_date=date(2026, 1, 31)
        )
        run(date(2026, 12, 31))
        assert open_flags(db_session, benefit.id) == set()

    def test_a_grace_period_from_configuration(self, app: Flask, db_session: Any, monkeypatch: Any) -> None:
        # Due 28 Feb 2026; with no grace the benefit is stale from 1 March.
        monkeypatch.setitem(app.config, "BENEFIT_GRACE_DAYS", 0)
        benefit = BenefitFactory(baseline_date=date(2026, 1, 31), frequency="monthly")
        run(date(2026, 2, 28))
        assert open_flags(db_session, benefit.id) == set()
        run(date(2026, 3, 1))
        assert open_flags(db_session, benefit.id) == {"stale_benefit"}


class TestCountedOnce:
    def test_an_escalated_benefit_counts_once_in_the_totals_and_the_owners_list(
        self, db_session: Any
    ) -> None:
        from changeauth.queries import flags as flag_queries
        from changeauth.reporting import dashboard

        benefit = BenefitFactory(baseline_date=date(2026, 1, 31))
        run(date(2026, 8, 1))
        # Both flags stay open (each notified once), but it is one benefit to chase.
        assert open_flags(db_session, benefit.id) == {"stale_benefit", "benefit_escalated"}
        counts = dict(zip(*(dashboard.flags(date(2026, 8, 1))[c] for c in ("kind", "count")), strict=True))
        assert (counts["stale_benefit"], counts["benefit_escalated"]) == (0, 1)
        owned = flag_queries.open_flags_on_what_they_own(benefit.owner_id)
        assert [flag.kind for flag in owned] == ["benefit_escalated"]
