"""Working days for the triage SLA: weekends skipped, the deadline day still in time."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from changeauth.domain.working_days import add_working_days, is_working_day, latest_overdue_start


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 11, 2), 10, date(2026, 11, 16)),  # Monday + 10 working days = Monday a fortnight on
        (date(2026, 11, 6), 1, date(2026, 11, 9)),  # Friday + 1 = Monday
        (date(2026, 11, 7), 1, date(2026, 11, 9)),  # Saturday + 1 = Monday
        (date(2026, 11, 8), 1, date(2026, 11, 9)),  # Sunday + 1 = Monday
        (date(2026, 11, 8), 0, date(2026, 11, 8)),
        (date(2028, 2, 25), 3, date(2028, 3, 1)),  # Friday in a leap year: Mon 28, Tue 29 Feb, Wed 1 Mar
    ],
)
def test_add_working_days(start: date, days: int, expected: date) -> None:
    assert add_working_days(start, days) == expected


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working_days(date(2026, 1, 1), -1)


def test_the_latest_overdue_start_on_a_tuesday() -> None:
    # On Tue 17 Nov a Monday-2-Nov idea is overdue (deadline Mon 16); one from Tue 3 Nov is not (Tue 17).
    assert latest_overdue_start(date(2026, 11, 17), 10) == date(2026, 11, 2)


def test_on_a_monday_the_weekend_before_the_deadline_counts_as_one() -> None:
    # On Mon 16 Nov: Sat 31 Oct and Sun 1 Nov both reach their deadline on Fri 13 Nov, so both are overdue.
    assert latest_overdue_start(date(2026, 11, 16), 10) == date(2026, 11, 1)


@given(as_of=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), days=st.integers(0, 30))
def test_the_cutoff_splits_overdue_from_in_time(as_of: date, days: int) -> None:
    cutoff = latest_overdue_start(as_of, days)
    assert add_working_days(cutoff, days) < as_of
    assert add_working_days(cutoff + timedelta(days=1), days) >= as_of


def test_weekdays() -> None:
    assert [is_working_day(date(2026, 11, 2) + timedelta(days=n)) for n in range(7)] == [True] * 5 + [
        False
    ] * 2


def test_subtracting_working_days_skips_the_weekend() -> None:
    from datetime import date

    from changeauth.domain.working_days import add_working_days, subtract_working_days

    # Sunday 29 November 2026: one working day earlier is Friday 27th; 14 earlier is Tuesday 10th.
    assert subtract_working_days(date(2026, 11, 29), 1) == date(2026, 11, 27)
    assert subtract_working_days(date(2026, 11, 29), 14) == date(2026, 11, 10)
    assert add_working_days(subtract_working_days(date(2026, 12, 7), 5), 5) == date(2026, 12, 7)
