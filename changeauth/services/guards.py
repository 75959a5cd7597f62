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

from typing import Any

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
