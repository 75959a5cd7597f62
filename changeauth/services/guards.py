"""One way to guard a write against a concurrent one: optimistic versions kept by SQLAlchemy.

A model that people edit from a form or the API declares its ``version`` column as the mapper's
``version_id_col``. SQLAlchemy then adds ``WHERE version = :read`` to every UPDATE of that row and
increments it, so two people who read the same version cannot both write: the second UPDATE finds no
row and the flush raises ``StaleDataError``. Services

- call :func:`expect_version` with the version the person saw (a form's hidden field, the API's
  ``version``) before changing anything, and
- call :func:`flush_guarded` to write, which turns the lost race into the same ``VersionConflict``
  as a stale form.

Nobody assigns ``version`` by hand (docs/architecture.md#guarding-a-write).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from changeauth import db
from changeauth.domain.errors import VersionConflict


def expect_version(subject: Any, expected: int | None, *, column: str = "version") -> None:
    """Refuse the change when the person saw an older (or newer) version than the one loaded.

    ``None`` means the caller did not say which version it saw (an older API client): the write is then
    still guarded against a concurrent one by the flush."""
    if expected is not None and expected != getattr(subject, column):
        raise VersionConflict()


def flush_guarded() -> None:
    """Flush the session; a row another transaction changed since it was read is a ``VersionConflict``."""
    try:
        db.session.flush()
    except StaleDataError as error:
        # The failed flush has rolled the transaction back already; rolling the session back too lets the
        # caller still read the database to show the refusal (a page with the form as typed).
        db.session.rollback()
        raise VersionConflict() from error


def touch(subject: Any, *, at: datetime | None = None, column: str = "updated_at") -> None:
    """Have the next flush move ``subject``'s version although none of its other columns changed: for a
    change to rows it stands for (a case submitted for an improvement's decision, a measurement or an
    adjustment that changes a benefit's figures, a scheme's criteria), so a write based on what was read
    before is refused. ``at`` is written to ``column`` first when given."""
    if at is not None:
        setattr(subject, column, at)
    # Marked even when the value is the same, so the UPDATE (and the version's move) always happens.
    flag_modified(subject, column)
