"""The job registry (docs/operations.md): every scheduled job, its function and its schedule.

A job is a plain function ``job(as_of: date) -> dict`` of counts. Schedules are cron fields in the
council's time zone (Europe/London); nothing runs between 01:00 and 02:59 local time, where the clocks
change. Daily jobs claim one run per calendar day; ``send-notifications`` claims one per five-minute slot.

Adding a job is one entry in ``JOBS``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from changeauth.jobs.audit import verify_audit_chain
from changeauth.jobs.benefits import benefits_out_of_tolerance, stale_benefits
from changeauth.jobs.conditions import overdue_conditions
from changeauth.jobs.improvements import hold_reviews, triage_sla
from changeauth.jobs.leavers import anonymise_leavers
from changeauth.jobs.notifications import send_notifications
from changeauth.jobs.retention import apply_retention
from changeauth.jobs.temporary_resources import temporary_resources

SLOT_MINUTES = 5


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job. ``cron`` holds APScheduler ``CronTrigger`` fields."""

    id: str
    function: Callable[[date], Mapping[str, Any]]
    cron: Mapping[str, int | str]
    description: str
    period: Literal["day", "slot"] = "day"
    # A claim still "running" after this long belongs to a process that died; the next run takes it over.
    lease: timedelta = field(default=timedelta(hours=1))

    def period_key(self, as_of: date, now: datetime) -> str:
        """The period a run covers: the as-of day, or the five-minute slot of ``now`` (local time)."""
        if self.period == "day":
            return as_of.isoformat()
        minute = now.minute - now.minute % SLOT_MINUTES
        return f"{now:%Y-%m-%dT%H}:{minute:02d}"


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        "stale-benefits",
        stale_benefits,
        {"hour": 6, "minute": 0},
        "Flag benefits whose measurement is overdue; escalate after a whole period.",
    ),
    JobSpec(
        "benefits-out-of-tolerance",
        benefits_out_of_tolerance,
        {"hour": 6, "minute": 5},
        "Flag benefits further behind today's plan than their tolerance; resolve those back within it.",
    ),
    JobSpec(
        "temporary-resources",
        temporary_resources,
        {"hour": 6, "minute": 10},
        "Flag temporary resources ending within 30 days or past their end date.",
    ),
    JobSpec(
        "overdue-conditions",
        overdue_conditions,
        {"hour": 6, "minute": 15},
        "Flag conditions of a conditional go that are past their due date.",
    ),
    JobSpec(
        "hold-reviews",
        hold_reviews,
        {"hour": 6, "minute": 20},
        "Flag improvements on hold whose hold date has passed.",
    ),
    JobSpec(
        "triage-sla",
        triage_sla,
        {"hour": 6, "minute": 30},
        "Flag ideas not triaged within the SLA in working days.",
    ),
    JobSpec(
        "send-notifications",
        send_notifications,
        {"hour": "0,3-23", "minute": f"*/{SLOT_MINUTES}"},
        "Email the notification outbox over SMTP, keeping failures for retry.",
        period="slot",
    ),
    JobSpec(
        "anonymise-leavers",
        anonymise_leavers,
        {"hour": 4, "minute": 0},
        "Anonymise people whose account was switched off longer ago than the leavers' period.",
    ),
    JobSpec(
        "apply-retention",
        apply_retention,
        {"hour": 4, "minute": 30},
        "Delete records older than the retention schedule keeps them.",
    ),
    JobSpec(
        "verify-audit-chain",
        verify_audit_chain,
        {"hour": 3, "minute": 30},
        "Verify the audit log's hash chain and alert administrators if it is broken.",
    ),
)

REGISTRY: Mapping[str, JobSpec] = {spec.id: spec for spec in JOBS}


def get_job(name: str) -> JobSpec:
    """The job called ``name``; KeyError names the known jobs."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown job {name!r}; known jobs: {', '.join(REGISTRY)}") from None
