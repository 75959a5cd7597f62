"""The ``hold-reviews`` and ``triage-sla`` jobs: held work due a review, ideas waiting too long."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app

from changeauth.services import monitoring


def hold_reviews(as_of: date) -> dict[str, int]:
    """Flag improvements on hold past their ``hold_until`` date for the DA and the owner."""
    return monitoring.sweep_hold_reviews(as_of)


def triage_sla(as_of: date) -> dict[str, int]:
    """Flag ideas not triaged within ``CHANGEAUTH_TRIAGE_SLA_WORKING_DAYS`` working days."""
    return monitoring.sweep_triage_sla(
        as_of,
        working_days=int(current_app.config["TRIAGE_SLA_WORKING_DAYS"]),
        zone=ZoneInfo(current_app.config["TIMEZONE"]),
    )
