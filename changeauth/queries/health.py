"""Readiness (can the database answer right now?) and the figures ``/metrics`` reads from the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from changeauth import db
from changeauth.models import Flag, JobRun, Notification, User
from changeauth.models.flag import MAX_SEND_ATTEMPTS


def database_ready() -> bool:
    """``SELECT 1`` answers (on SQLite, reading the schema version also proves the file is a database)."""
    try:
        session = db.session()
        session.execute(text("SELECT 1"))
        if db.is_sqlite(session.get_bind()):
            session.execute(text("PRAGMA schema_version"))
        return True
    except SQLAlchemyError:
        db.session.rollback()
        return False


def metrics_figures() -> dict[str, Any]:
    """What ``/metrics`` reads from the database: job runs, the email outbox and open flags, in four
    grouped queries whatever the table sizes (job_run holds one row per job per period)."""
    session = db.session()
    job_runs = {
        (row.job, row.status): int(row.runs)
        for row in session.execute(
            select(JobRun.job, JobRun.status, func.count().label("runs")).group_by(JobRun.job, JobRun.status)
        )
    }
    newest = (
        select(JobRun.job, func.max(JobRun.id).label("id"))
        .where(JobRun.finished_at.is_not(None))
        .group_by(JobRun.job)
        .subquery()
    )
    job_latest = {
        row.job: (
            row.status,
            max((row.finished_at - row.started_at).total_seconds(), 0.0),
            row.finished_at.timestamp(),
        )
        for row in session.execute(
            select(JobRun.job, JobRun.status, JobRun.started_at, JobRun.finished_at).join(
                newest, newest.c.id == JobRun.id
            )
        )
    }
    unsent = (Notification.sent_at.is_(None), User.is_active.is_(True))
    outbox = session.execute(
        select(
            func.count().filter(Notification.send_attempts < MAX_SEND_ATTEMPTS).label("pending"),
            func.count()
            .filter(Notification.send_attempts < MAX_SEND_ATTEMPTS, Notification.send_attempts > 0)
            .label("retrying"),
            func.count().filter(Notification.send_attempts >= MAX_SEND_ATTEMPTS).label("given_up"),
        )
        .select_from(Notification)
        .join(User, User.id == Notification.user_id)
        .where(*unsent)
    ).one()
    open_flags = {
        row.kind: int(row.open)
        for row in session.execute(
            select(Flag.kind, func.count().label("open"))
            .where(Flag.resolved_on.is_(None))
            .group_by(Flag.kind)
        )
    }
    return {
        "job_runs": job_runs,
        "job_latest": job_latest,
        "outbox_pending": int(outbox.pending or 0),
        "outbox_retrying": int(outbox.retrying or 0),
        "outbox_given_up": int(outbox.given_up or 0),
        "open_flags": open_flags,
    }
