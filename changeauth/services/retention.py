"""Enforcing the retention schedule: delete each kind of record once it is older than the council keeps
it (docs/personal-data.md#retention). Run by the ``apply-retention`` job, under its exactly-once claim.

The audit log is never touched: it is the permanent record, and its hash chain forbids deletion.
Withdrawn ideas that reached a gate decision, or that other work points at, are kept: deleting them
would take decisions out of the register.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, delete, exists, or_, select

from changeauth import db
from changeauth.domain.lifecycle import ENDED_STAGES, Stage
from changeauth.domain.retention import RecordKind, RetentionSchedule
from changeauth.models import (
    Attachment,
    BusinessCase,
    Flag,
    GateDecision,
    Improvement,
    JobRun,
    LoginAttempt,
    Notification,
    PasswordToken,
    SecondFactorAttempt,
    TemporaryResource,
)
from changeauth.models.job_run import JobRunStatus

logger = logging.getLogger("changeauth.jobs")


def _deleted(statement: object) -> int:
    return db.rows_affected(db.session.execute(statement))  # type: ignore[call-overload]


def _remove_files(names: list[str], storage_dir: Path) -> None:
    for name in names:
        (storage_dir / name).unlink(missing_ok=True)


def apply_schedule(schedule: RetentionSchedule, *, now: datetime, storage_dir: Path) -> dict[str, int]:
    """Delete every record older than the schedule keeps it. Returns the count deleted per kind.
    Flushes, does not commit (files of deleted attachments are removed at once)."""
    counts: dict[str, int] = {kind.value: 0 for kind in RecordKind}

    if (cutoff := schedule.cutoff(RecordKind.SIGN_IN_ATTEMPTS, now)) is not None:
        counts["sign_in_attempts"] = _deleted(delete(LoginAttempt).where(LoginAttempt.attempted_at < cutoff))

    if (cutoff := schedule.cutoff(RecordKind.SECURITY_EVENTS, now)) is not None:
        counts["security_events"] = _deleted(
            delete(SecondFactorAttempt).where(SecondFactorAttempt.attempted_at < cutoff)
        ) + _deleted(delete(PasswordToken).where(PasswordToken.expires_at < cutoff))

    if (cutoff := schedule.cutoff(RecordKind.NOTIFICATIONS, now)) is not None:
        counts["notifications"] = _deleted(delete(Notification).where(Notification.created_at < cutoff))

    if (cutoff := schedule.cutoff(RecordKind.JOB_RUNS, now)) is not None:
        # Finished runs only: a claim still running (this run's own among them) belongs to a process.
        counts["job_runs"] = _deleted(
            delete(JobRun).where(JobRun.started_at < cutoff, JobRun.status != JobRunStatus.RUNNING)
        )

    if (cutoff := schedule.cutoff(RecordKind.ATTACHMENTS, now)) is not None:
        ended = select(Improvement.id).where(
            Improvement.stage.in_([stage.value for stage in ENDED_STAGES]),
            Improvement.stage_changed_at < cutoff,
        )
        due = list(
            db.session.execute(
                select(Attachment.id, Attachment.stored_name).where(Attachment.improvement_id.in_(ended))
            )
        )
        if due:
            _deleted(delete(Attachment).where(Attachment.id.in_([row.id for row in due])))
        counts["attachments"] = len(due)
        _remove_files([row.stored_name for row in due], storage_dir)

    if (cutoff := schedule.cutoff(RecordKind.WITHDRAWN_IDEAS, now)) is not None:
        counts["withdrawn_ideas"] = _delete_withdrawn_ideas(cutoff, storage_dir)
    return counts


def _delete_withdrawn_ideas(cutoff: datetime, storage_dir: Path) -> int:
    other = Improvement.__table__.alias("other")
    referenced = or_(
        exists().where(GateDecision.improvement_id == Improvement.id),
        exists().where(GateDecision.duplicate_of_id == Improvement.id),
        exists().where(BusinessCase.improvement_id == Improvement.id),
        exists().where(TemporaryResource.improvement_id == Improvement.id),
        exists().where(other.c.duplicate_of_id == Improvement.id),
    )
    ids = list(
        db.session.scalars(
            select(Improvement.id).where(
                Improvement.stage == Stage.WITHDRAWN.value,
                Improvement.stage_changed_at < cutoff,
                ~referenced,
            )
        )
    )
    if not ids:
        return 0
    files = list(db.session.scalars(select(Attachment.stored_name).where(Attachment.improvement_id.in_(ids))))
    _deleted(delete(Flag).where(and_(Flag.subject_type == "improvement", Flag.subject_id.in_(ids))))
    deleted = _deleted(delete(Improvement).where(Improvement.id.in_(ids)))
    _remove_files(files, storage_dir)
    return deleted
