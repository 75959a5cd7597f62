"""``db.clock_at`` replays an instant for the block it wraps: ``db.utcnow()`` and ``clock.today()`` answer
from it, in the council's time zone, and the real clock returns after it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from changeauth import db
from changeauth.queries import clock


def test_the_clock_answers_from_the_replayed_instant_inside_the_block_only() -> None:
    then = datetime(2025, 9, 10, 11, 0, tzinfo=UTC)
    with db.clock_at(then):
        assert db.utcnow() == then
        assert clock.today() == date(2025, 9, 10)
        with db.clock_at(then + timedelta(days=1)):
            assert db.utcnow() == then + timedelta(days=1)
        assert db.utcnow() == then
    assert db.utcnow() - datetime.now(UTC) < timedelta(seconds=5)
    assert db.replayed_instant() is None


def test_the_replayed_day_is_the_councils_day() -> None:
    # 23:30 UTC on 30 June is already 1 July in London (summer time).
    with db.clock_at(datetime(2025, 6, 30, 23, 30, tzinfo=UTC)):
        assert clock.today() == date(2025, 7, 1)
    with db.clock_at(datetime(2025, 7, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))):
        assert db.utcnow() == datetime(2025, 6, 30, 22, 30, tzinfo=UTC)


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"), db.clock_at(datetime(2025, 1, 1)):
        pass
