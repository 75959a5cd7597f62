"""The ``anonymise-leavers`` job: anonymise people whose account has been switched off long enough."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask import current_app

from changeauth.services import leavers


def anonymise_leavers(as_of: date) -> dict[str, int]:
    """Anonymise accounts switched off at least ``CHANGEAUTH_LEAVER_ANONYMISE_AFTER_DAYS`` days before
    the start of ``as_of``."""
    return leavers.anonymise_due(
        datetime.combine(as_of, time(0), UTC),
        after_days=int(current_app.config["LEAVER_ANONYMISE_AFTER_DAYS"]),
    )
