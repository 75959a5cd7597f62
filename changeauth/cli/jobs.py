"""``changeauth jobs list|run|scheduler`` and ``changeauth scheduler``."""

from __future__ import annotations

import contextlib
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext

from changeauth.jobs import JOBS, get_job
from changeauth.jobs.runner import run_job


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("use the form YYYY-MM-DD, for example 2027-03-31") from exc


@click.group("jobs")
def jobs_group() -> None:
    """Scheduled jobs: list them, run one for a date, or run the scheduler."""


@jobs_group.command("list")
def list_jobs() -> None:
    """Each job with its schedule (cron fields, Europe/London)."""
    for spec in JOBS:
        schedule = " ".join(f"{name}={value}" for name, value in spec.cron.items())
        click.echo(f"{spec.id:22} {schedule:28} {spec.description}")


@jobs_group.command("run")
@click.argument("name")
@click.option(
    "--as-of", "as_of", callback=_parse_date, help="The day to run for (YYYY-MM-DD); default today."
)
@with_appcontext
def run(name: str, as_of: date | None) -> None:
    """Run job NAME once for a period; prints one JSON line. A period already run exits 0 with ran false."""
    try:
        spec = get_job(name)
    except KeyError as exc:
        raise click.ClickException(str(exc.args[0])) from exc
    today = datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
    result = run_job(spec, as_of or today)
    click.echo(json.dumps(result.as_line(), sort_keys=False, default=str))
    if result.failed:
        raise SystemExit(1)


def _run_scheduler() -> None:
    from changeauth.jobs.scheduler import build_scheduler

    scheduler = build_scheduler(current_app._get_current_object(), background=False)  # type: ignore[attr-defined]
    click.echo(f"Scheduler running {len(JOBS)} jobs ({current_app.config['TIMEZONE']}); Ctrl+C to stop.")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


@jobs_group.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler in this process (a BlockingScheduler) until stopped."""
    _run_scheduler()


@click.command("scheduler")
@with_appcontext
def scheduler_alias() -> None:
    """Run the job scheduler in its own process (same as ``jobs scheduler``)."""
    _run_scheduler()
