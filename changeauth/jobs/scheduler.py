"""The scheduler process: APScheduler 3.11 running the registry on its cron schedules (SCHED-03..06).

``changeauth scheduler`` (or ``changeauth jobs scheduler``) runs a ``BlockingScheduler`` in a process of
its own; ``changeauth demo`` runs a ``BackgroundScheduler`` beside its single web process. Web workers
never start one. Every run goes through the runner's claim, so an accidental second scheduler does
nothing twice. On start-up, a daily job whose time today has already passed is run once at once
(catch-up after downtime); the claim makes that a no-op when it did run.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from changeauth.jobs import JOBS, JobSpec, get_job
from changeauth.jobs.runner import run_job

logger = logging.getLogger("changeauth.scheduler")

# An hour's grace: a daily job delayed by a restart or a busy host still runs (SCHED-03).
MISFIRE_GRACE_SECONDS = 3600
JOB_DEFAULTS: dict[str, Any] = {
    "coalesce": True,
    "max_instances": 1,
    "misfire_grace_time": MISFIRE_GRACE_SECONDS,
}
# Errors seen by this process, by job id: the metric behind SCHED-05.
job_errors: Counter[str] = Counter()


class JobFailed(RuntimeError):
    """A run ended in failure (already recorded on its claim); raised so the scheduler's listener sees it."""


def run_scheduled(app: Flask, job_id: str) -> None:
    """Run one registry job as of the council's today, inside its own application context."""
    with app.app_context():
        zone = ZoneInfo(app.config["TIMEZONE"])
        result = run_job(get_job(job_id), datetime.now(zone).date())
    if result.failed:
        raise JobFailed(f"{job_id} for {result.period}: {result.error}")


def _on_error(event: JobExecutionEvent) -> None:
    job_errors[event.job_id] += 1
    logger.error("scheduled job %s failed: %s", event.job_id, event.exception)


def trigger_for(spec: JobSpec, zone: ZoneInfo) -> CronTrigger:
    return CronTrigger(timezone=zone, **spec.cron)


def _missed_today(spec: JobSpec, zone: ZoneInfo, now: datetime) -> bool:
    if spec.period != "day":
        return False
    start_of_day = datetime.combine(now.date(), time.min, tzinfo=zone)
    first_today = trigger_for(spec, zone).get_next_fire_time(None, start_of_day)
    return first_today is not None and first_today.date() == now.date() and first_today <= now


def build_scheduler(app: Flask, *, background: bool = False, catch_up: bool = True) -> BaseScheduler:
    """A scheduler with every registry job, Europe/London, coalescing, one instance, an hour's grace."""
    zone = ZoneInfo(app.config["TIMEZONE"])
    scheduler_class = BackgroundScheduler if background else BlockingScheduler
    scheduler = scheduler_class(timezone=zone, job_defaults=dict(JOB_DEFAULTS))
    scheduler.add_listener(_on_error, EVENT_JOB_ERROR)
    now = datetime.now(zone)
    for spec in JOBS:
        scheduler.add_job(
            run_scheduled,
            trigger_for(spec, zone),
            args=[app, spec.id],
            id=spec.id,
            name=spec.description,
            replace_existing=True,
            **JOB_DEFAULTS,
        )
        if catch_up and _missed_today(spec, zone, now):
            scheduler.add_job(
                run_scheduled, "date", args=[app, spec.id], id=f"{spec.id}:catch-up", **JOB_DEFAULTS
            )
    return scheduler
