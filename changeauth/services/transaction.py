"""The unit-of-work boundary used by requests, jobs and commands: begin, commit, roll back.

Services never call these; the boundary does, once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from changeauth import db


def begin_unit_of_work(*, writes: bool) -> None:
    """Declare whether the unit of work writes (SQLite then takes the write lock up front)."""
    db.set_write_intent(writes)


def commit() -> None:
    db.session.commit()


def rollback() -> None:
    db.session.rollback()


@contextmanager
def writing() -> Iterator[None]:
    """Run a block as a writing unit of work (a background computation started by a view)."""
    with db.write_intent():
        yield
