"""The ``apply-retention`` job: delete what the retention schedule no longer keeps."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask import current_app

from changeauth.domain.retention import RetentionSchedule
from changeauth.queries.attachments import storage_dir
from changeauth.services import retention


def apply_retention(as_of: date) -> dict[str, int]:
    """Delete records older than ``CHANGEAUTH_RETAIN_<KIND>_DAYS`` days before the start of ``as_of``."""
    return retention.apply_schedule(
        RetentionSchedule.from_config(current_app.config),
        now=datetime.combine(as_of, time(0), UTC),
        storage_dir=storage_dir(),
    )
