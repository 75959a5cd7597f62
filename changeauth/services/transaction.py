"""The unit-of-work boundary used by requests, jobs and commands: begin, commit, roll back.

Services never call these; the boundary does, once."""

from __future__ import annotations

from changeauth import db


def begin_unit_of_work(*, writes: bool) -> None:
    """Declare whether the unit of work writes (SQLite then takes the write lock up front)."""
    db.set_write_intent(writes)


def commit() -> None:
    db.session.commit()


def rollback() -> None:
    db.session.rollback()
