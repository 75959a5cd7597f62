"""Working days (Monday to Friday) for response-time rules such as the triage SLA.

Bank holidays are not skipped: the SLA is a prompt to act, and a day early on a holiday week is
harmless, whereas a holiday table would need maintaining per council.
"""

from __future__ import annotations

from datetime import date, timedelta

SATURDAY = 5


def is_working_day(day: date) -> bool:
    return day.weekday() < SATURDAY


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself is not counted).

    From a Friday or a weekend day, one working day later is the Monday.
    """
    if days < 0:
        raise ValueError("days cannot be negative")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def subtract_working_days(end: date, days: int) -> date:
    """The date ``days`` working days before ``end`` (``end`` itself is not counted): the inverse of
    ``add_working_days`` on working days. From a Monday, one working day earlier is the Friday."""
    if days < 0:
        raise ValueError("days cannot be negative")
    current = end
    remaining = days
    while remaining:
        current -= timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def latest_overdue_start(as_of: date, days: int) -> date:
    """The latest start date whose deadline (``days`` working days later) has passed by ``as_of``.

    Anything started on or before the returned date is overdue on ``as_of``; anything later is not.
    The deadline day itself is still in time, so overdue means ``as_of`` is after the deadline.
    """
    candidate = as_of - timedelta(days=1)
    # add_working_days never decreases as the start moves later, so the first hit walking back is the latest.
    while add_working_days(candidate, days) >= as_of:
        candidate -= timedelta(days=1)
    return candidate
