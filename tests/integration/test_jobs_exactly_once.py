"""Exactly once across real processes (SCHED-01, SCHED-02) on a database of its own with committed data:
four processes released together run the same job for the same period and the work happens once; the
command line run a second time is a no-op that exits 0; a job leaves no connection checked out (SCHED-06).

These tests commit for real, so they run against a fresh SQLite file or a fresh PostgreSQL database
instead of the shared transactional test database.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from changeauth import create_app, db
from changeauth.jobs import get_job
from changeauth.jobs.runner import run_job
from changeauth.models import Flag, JobRun, Notification
from tests.conftest import TEST_SECRET_KEY
from tests.live_server import own_database

AS_OF = date(2026, 3, 15)
PROCESSES = 4


@pytest.fixture
def _transaction() -> None:
    """Overrides the package's rolled-back transaction: these tests need committed data."""


@pytest.fixture
def fresh_url(tmp_path: Path, worker_id: str) -> Iterator[str]:
    """A fresh, migrated database of the test's own (SQLite, or PostgreSQL when configured)."""
    with own_database(tmp_path, f"once_{worker_id}") as url:
        yield url


def _make_app(url: str, instance: str) -> Flask:
    return create_app(
        {"ENV_NAME": "testing", "DATABASE_URL": url, "SECRET_KEY": TEST_SECRET_KEY, "INSTANCE_PATH": instance}
    )


@pytest.fixture
def fresh_app(fresh_url: str, tmp_path: Path) -> Iterator[Flask]:
    """A migrated database holding one benefit that is stale on 15 March 2026 (due 28 February)."""
    app = _make_app(fresh_url, str(tmp_path / "instance"))
    with app.app_context():
        from changeauth.cli.seed import load_reference
        from tests.factories import BenefitFactory

        with db.write_intent():
            load_reference()
            db.session.commit()
            BenefitFactory(baseline_date=date(2026, 1, 31), frequency="monthly")
    yield app
    db.get_engine(app).dispose()


def _run_when_released(
    url: str, instance: str, barrier: Any, results: Any, job: str = "stale-benefits"
) -> None:
    app = _make_app(url, instance)
    with app.app_context():
        barrier.wait(timeout=60)
        result = run_job(get_job(job), AS_OF)
    results.put(result.as_line())
    db.get_engine(app).dispose()


def _processes() -> Any:
    """A multiprocessing context whose processes start from a server process that has imported the app
    once (forkserver): each is still a process of its own with its own connections, released at the
    barrier with the others, but none pays for importing the app again (seconds each, four at a time)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.app_imports", __name__])
    return context


def _counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        flags = db.session.scalar(select(func.count()).select_from(Flag))
        notes = db.session.scalar(select(func.count()).select_from(Notification))
        runs = db.session.scalar(select(func.count()).select_from(JobRun))
    return flags or 0, notes or 0, runs or 0


@pytest.mark.slow
def test_four_processes_released_together_do_the_work_once(fresh_app: Flask, fresh_url: str) -> None:
    context = _processes()
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    instance = fresh_app.instance_path
    workers = [
        context.Process(target=_run_when_released, args=(fresh_url, instance, barrier, results))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    lines = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    ran = [line for line in lines if line["ran"]]
    assert len(ran) == 1, lines
    assert ran[0]["status"] == "succeeded" and ran[0]["raised"] == 1
    assert all(line["status"] == "skipped" for line in lines if not line["ran"])
    # One flag, one notification to its owner, one claim.
    assert _counts(fresh_app) == (1, 1, 1)


@pytest.mark.slow
def test_four_processes_released_together_flag_a_benefit_out_of_tolerance_once(
    fresh_app: Flask, fresh_url: str
) -> None:
    """The benefits-out-of-tolerance job under the same claim: a benefit measured off track (960 at the end
    of February; the plan falls from 1,000 to 600 over 2026 and is 918.90 on 15 March, tolerance 40), its
    improvement with a sponsor and a design authority member; four processes, one flag, three people told
    once each."""
    from decimal import Decimal

    from tests.factories import BenefitFactory, BenefitMeasurementFactory, ImprovementFactory, UserFactory

    with fresh_app.app_context(), db.write_intent():
        improvement = ImprovementFactory(delivery=True, sponsor=UserFactory(manager=True))
        UserFactory(design_authority=True)
        benefit = BenefitFactory(
            improvement=improvement, baseline_date=date(2025, 12, 31), target_date=date(2026, 12, 31)
        )
        BenefitMeasurementFactory(benefit=benefit, period_end=date(2026, 2, 28), value=Decimal(960))
        db.session.commit()
    before = _counts(fresh_app)
    context = _processes()
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [
        context.Process(
            target=_run_when_released,
            args=(fresh_url, fresh_app.instance_path, barrier, results, "benefits-out-of-tolerance"),
        )
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    lines = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    ran = [line for line in lines if line["ran"]]
    assert len(ran) == 1 and ran[0]["status"] == "succeeded", lines
    assert (ran[0]["raised"], ran[0]["notified"]) == (1, 3), lines
    assert all(line["status"] == "skipped" for line in lines if not line["ran"])
    flags, notes, runs = _counts(fresh_app)
    assert (flags - before[0], notes - before[1], runs - before[2]) == (1, 3, 1)


@pytest.mark.slow
def test_four_processes_applying_retention_together_delete_once(fresh_app: Flask, fresh_url: str) -> None:
    """The retention job under the same claim: three sign-in attempts past the schedule, four processes,
    one run deletes them and reports three; the others do nothing."""
    from datetime import UTC, datetime, timedelta

    from changeauth.models import LoginAttempt

    with fresh_app.app_context(), db.write_intent():
        old = datetime(2026, 3, 15, tzinfo=UTC) - timedelta(days=200)
        for n in range(3):
            db.session.add(
                LoginAttempt(email_key=f"gone{n}@council.example", attempted_at=old, succeeded=False)
            )
        db.session.add(
            LoginAttempt(
                email_key="recent@council.example", attempted_at=old + timedelta(days=150), succeeded=True
            )
        )
        db.session.commit()
    context = _processes()
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [
        context.Process(
            target=_run_when_released,
            args=(fresh_url, fresh_app.instance_path, barrier, results, "apply-retention"),
        )
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    lines = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    ran = [line for line in lines if line["ran"]]
    assert len(ran) == 1 and ran[0]["status"] == "succeeded" and ran[0]["sign_in_attempts"] == 3, lines
    with fresh_app.app_context():
        assert list(db.session.scalars(select(LoginAttempt.email_key))) == ["recent@council.example"]
        assert (
            db.session.scalar(select(func.count()).select_from(JobRun).where(JobRun.job == "apply-retention"))
            == 1
        )


@dataclass(frozen=True)
class _Completed:
    returncode: int
    stdout: str
    stderr: str


def _cli(url: str, *args: str) -> _Completed:
    """``changeauth`` with these arguments, as its console script runs it (the same command group, the
    environment read by ``create_app``, the exit code of click's standalone mode) but in this process:
    the app's modules are imported already, where a new process would import them again."""
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from changeauth.cli import _make_app, main

    # The command's own app (``create_app()`` from the environment), kept here to close its connections.
    info = ScriptInfo(create_app=_make_app, set_debug_flag=False)
    environment = {
        "CHANGEAUTH_ENV": "development",
        "CHANGEAUTH_DATABASE_URL": url,
        "CHANGEAUTH_TEST_DATABASE_URL": None,
    }
    result = CliRunner().invoke(main, list(args), env=environment, obj=info, prog_name="changeauth")
    if info._loaded_app is not None:
        db.get_engine(info._loaded_app).dispose()
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return _Completed(returncode=result.exit_code, stdout=result.stdout, stderr=result.stderr)


@pytest.mark.slow
def test_the_command_line_runs_a_period_once_and_exits_0_the_second_time(
    fresh_app: Flask, fresh_url: str
) -> None:
    first = _cli(fresh_url, "jobs", "run", "stale-benefits", "--as-of", "2026-03-15")
    second = _cli(fresh_url, "jobs", "run", "stale-benefits", "--as-of", "2026-03-15")
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    line = json.loads(first.stdout)
    assert {k: line[k] for k in ("job", "period", "ran", "raised", "resolved")} == {
        "job": "stale-benefits",
        "period": "2026-03-15",
        "ran": True,
        "raised": 1,
        "resolved": 0,
    }
    assert json.loads(second.stdout)["ran"] is False
    assert _counts(fresh_app) == (1, 1, 1)


def test_an_unknown_job_or_date_is_a_clear_error(fresh_app: Flask, fresh_url: str) -> None:
    unknown = _cli(fresh_url, "jobs", "run", "make-tea")
    assert unknown.returncode != 0 and "unknown job 'make-tea'" in unknown.stderr
    bad_date = _cli(fresh_url, "jobs", "run", "stale-benefits", "--as-of", "31/03/2027")
    assert bad_date.returncode != 0 and "YYYY-MM-DD" in bad_date.stderr


def test_a_scheduled_run_releases_its_connection(fresh_app: Flask) -> None:
    from changeauth.jobs.scheduler import run_scheduled

    run_scheduled(fresh_app, "temporary-resources")
    assert db.get_engine(fresh_app).pool.checkedout() == 0
