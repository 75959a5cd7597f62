"""The range of dates the council's work can be about.

Every date a person or a system gives (a resource's end, a benefit's baseline, a condition's due date,
a hold, a meeting) must fall in this range. Outside it a date is a typing slip (``0001-01-01``,
``9999-12-31``) that spreadsheets cannot show and that breaks date arithmetic, so it is refused with a
message rather than stored.
"""

from __future__ import annotations

from datetime import date

EARLIEST = date(1990, 1, 1)
LATEST = date(2099, 12, 31)
OUT_OF_RANGE = f"Enter a date between {EARLIEST:%-d %B %Y} and {LATEST:%-d %B %Y}."


def in_range(value: date) -> bool:
    return EARLIEST <= value <= LATEST


def range_errors(**named: date | None) -> dict[str, list[str]]:
    """``{name: [message]}`` for each given date outside the range (None is left to other checks)."""
    return {
        name: [OUT_OF_RANGE] for name, value in named.items() if value is not None and not in_range(value)
    }
