"""Today's date in the council's time zone (Europe/London unless configured)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from changeauth import db

DEFAULT_TIMEZONE = "Europe/London"


def today() -> date:
    """The council's today (the replayed day inside ``db.clock_at``)."""
    zone = current_app.config.get("TIMEZONE", DEFAULT_TIMEZONE) if has_app_context() else DEFAULT_TIMEZONE
    replayed = db.replayed_instant()
    return (replayed or datetime.now(ZoneInfo(zone))).astimezone(ZoneInfo(zone)).date()
