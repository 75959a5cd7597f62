"""The job registry and scheduler settings (SCHED-03): Europe/London, coalescing, one instance, an hour's
grace, and no run between 01:00 and 02:59 local time on any day of the year, clock changes included."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from changeauth.jobs import JOBS, REGISTRY, get_job
from changeauth.jobs.scheduler import build_scheduler, trigger_for

LONDON = ZoneInfo("Europe/London")


def test_the_registry_has_the_jobs_of_design_section_9() -> None:
    assert set(REGISTRY) == {
        "stale-benefits",
        "benefits-out-of-tolerance",
        "overdue-conditions",
        "temporary-resources",
        "hold-reviews",
        "triage-sla",
        "send-notifications",
        "verify-audit-chain",
        "anonymise-leavers",
        "apply-retention",
    }


def test_an_unknown_job_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="stale-benefits"):
        get_job("make-tea")


@pytest.mark.parametrize("spec", JOBS, ids=lambda spec: spec.id)
def test_nothing_runs_between_one_and_three_in_the_morning_all_year(spec: object) -> None:
    trigger = trigger_for(spec, LONDON)  # type: ignore[arg-type]
    moment = datetime(2026, 1, 1, tzinfo=LONDON)
    end = datetime(2027, 1, 1, tzinfo=LONDON)
    fires = 0
    previous = None
    while moment < end:
        moment = trigger.get_next_fire_time(previous, moment)  # type: ignore[assignment]
        assert moment is not None
        local = moment.astimezone(LONDON)
        assert not 1 <= local.hour < 3, f"{spec.id} fires at {local}"  # type: ignore[attr-defined]
        previous = moment
        moment = moment + timedelta(seconds=1)
        fires += 1
    assert fires >= 365


def test_daily_jobs_fire_once_a_day_across_the_clock_changes() -> None:
    trigger = trigger_for(get_job("stale-benefits"), LONDON)
    days = []
    moment = datetime(2026, 3, 28, tzinfo=LONDON)
    for _ in range(4):  # 28 Mar 2026 to 31 Mar, over the change to BST on 29 Mar
        moment = trigger.get_next_fire_time(None, moment)
        days.append((moment.date(), moment.astimezone(LONDON).hour))
        moment += timedelta(hours=1)
    assert days == [
        (date(2026, 3, 28), 6),
        (date(2026, 3, 29), 6),
        (date(2026, 3, 30), 6),
        (date(2026, 3, 31), 6),
    ]


def test_period_keys() -> None:
    now = datetime(2026, 11, 29, 14, 37, tzinfo=LONDON)
    assert get_job("stale-benefits").period_key(date(2027, 3, 31), now) == "2027-03-31"
    assert get_job("send-notifications").period_key(date(2027, 3, 31), now) == "2026-11-29T14:35"


def test_the_scheduler_is_configured_as_sched_03_requires() -> None:
    app = Flask(__name__)
    app.config["TIMEZONE"] = "Europe/London"
    scheduler = build_scheduler(app, background=True, catch_up=False)
    assert str(scheduler.timezone) == "Europe/London"
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == set(REGISTRY)
    for job in jobs.values():
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time == 3600


def test_a_daily_run_missed_while_the_scheduler_was_down_is_caught_up_once_started() -> None:
    from changeauth.jobs.scheduler import _missed_today

    spec = get_job("stale-benefits")  # 06:00 daily
    assert _missed_today(spec, LONDON, datetime(2026, 11, 29, 7, 0, tzinfo=LONDON)) is True
    assert _missed_today(spec, LONDON, datetime(2026, 11, 29, 5, 59, tzinfo=LONDON)) is False
    assert (
        _missed_today(get_job("send-notifications"), LONDON, datetime(2026, 11, 29, 7, 0, tzinfo=LONDON))
        is False
    )


def test_a_failing_job_is_logged_and_counted_and_the_scheduler_carries_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import threading

    from changeauth.jobs import scheduler as scheduler_module

    app = Flask(__name__)
    app.config["TIMEZONE"] = "Europe/London"
    scheduler = build_scheduler(app, background=True, catch_up=False)
    for job in scheduler.get_jobs():
        job.remove()
    finished = threading.Event()

    def boom() -> None:
        raise RuntimeError("disk on fire")

    before = scheduler_module.job_errors["boom"]
    scheduler.add_job(boom, "date", id="boom")
    scheduler.add_job(
        finished.set, "date", id="next-tick", run_date=datetime.now(LONDON) + timedelta(seconds=0.5)
    )
    scheduler.start()
    try:
        assert finished.wait(timeout=10)
    finally:
        scheduler.shutdown(wait=True)
    assert scheduler_module.job_errors["boom"] == before + 1
    assert "scheduled job boom failed: disk on fire" in caplog.text
