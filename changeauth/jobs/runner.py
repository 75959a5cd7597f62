"""Running a job for a period exactly once, however many schedulers or people start it (SCHED-01/02).

1. Claim: INSERT the ``job_run`` row (job, period) in its own committed transaction. The unique
   constraint lets exactly one process in; the others find the claim and do nothing (``ran`` false).
   A claim left ``failed``, or ``running`` past the job's lease (its process died), is taken over by a
   conditional UPDATE, so a crashed run can be retried and still only once at a time.
2. Work: the job runs in one writing transaction; the run is marked ``succeeded`` with its counts in
   that same transaction, so the work and its record commit together.
3. Failure: roll the work back, mark the claim ``failed`` with the error, report it.

Must be called inside an application context; the context's teardown releases the session (SCHED-06).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from changeauth import db
from changeauth.jobs import JobSpec
from changeauth.models import JobRun
from changeauth.models.job_run import JobRunStatus
from changeauth.services import transaction

logger = logging.getLogger("changeauth.jobs")
ERROR_MAX = 2_000
_job_run = JobRun.__table__


@dataclass
class RunResult:
    job: str
    period: str
    ran: bool
    status: str  # a JobRunStatus, or "skipped" when the period was already claimed
    counts: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status == JobRunStatus.FAILED

    def as_line(self) -> dict[str, Any]:
        """The JSON line of ``changeauth jobs run`` (docs/api.md): job, period, ran, raised, resolved, …"""
        line: dict[str, Any] = {
            "job": self.job,
            "period": self.period,
            "ran": self.ran,
            "raised": int(self.counts.get("raised", 0)),
            "resolved": int(self.counts.get("resolved", 0)),
        }
        line.update({k: v for k, v in self.counts.items() if k not in line})
        line["status"] = self.status
        if self.error:
            line["error"] = self.error
        return line


def _local_now() -> datetime:
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"]))


def _claim(spec: JobSpec, period: str) -> int | None:
    """Insert or take over the claim for (job, period); None when another run has it or finished it."""
    now = db.utcnow()
    with db.write_intent():
        try:
            run = JobRun(
                job=spec.id, period_key=period, status=JobRunStatus.RUNNING, started_at=now, counts={}
            )
            db.session.add(run)
            db.session.flush()
            run_id = run.id
            transaction.commit()
            return run_id
        except IntegrityError:
            transaction.rollback()
        taken = db.rows_affected(
            db.session.execute(
                update(_job_run)
                .where(
                    _job_run.c.job == spec.id,
                    _job_run.c.period_key == period,
                    or_(
                        _job_run.c.status == JobRunStatus.FAILED,
                        and_(
                            _job_run.c.status == JobRunStatus.RUNNING,
                            _job_run.c.started_at < now - spec.lease,
                        ),
                    ),
                )
                .values(status=JobRunStatus.RUNNING, started_at=now, finished_at=None, error=None, counts={})
            )
        )
        taken_id: int | None = (
            db.session.scalar(
                select(_job_run.c.id).where(_job_run.c.job == spec.id, _job_run.c.period_key == period)
            )
            if taken
            else None
        )
        transaction.commit()
        return taken_id


def _record(run_id: int, *, status: JobRunStatus, counts: dict[str, Any], error: str | None = None) -> None:
    db.session.execute(
        update(_job_run)
        .where(_job_run.c.id == run_id)
        .values(status=status, counts=counts, error=error, finished_at=db.utcnow())
    )


def run_job(spec: JobSpec, as_of: date) -> RunResult:
    """Run ``spec`` for the period of ``as_of`` unless that period is already claimed."""
    period = spec.period_key(as_of, _local_now())
    run_id = _claim(spec, period)
    if run_id is None:
        logger.info("job %s for %s already claimed; nothing to do", spec.id, period)
        return RunResult(spec.id, period, ran=False, status="skipped")
    try:
        with db.write_intent():
            counts = dict(spec.function(as_of))
            _record(run_id, status=JobRunStatus.SUCCEEDED, counts=counts)
            transaction.commit()
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the claim, then reported
        transaction.rollback()
        error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
        logger.exception("job %s for %s failed", spec.id, period)
        with db.write_intent():
            _record(run_id, status=JobRunStatus.FAILED, counts={}, error=error)
            transaction.commit()
        return RunResult(spec.id, period, ran=True, status=JobRunStatus.FAILED, error=error)
    logger.info("job %s for %s succeeded: %s", spec.id, period, counts)
    return RunResult(spec.id, period, ran=True, status=JobRunStatus.SUCCEEDED, counts=counts)
