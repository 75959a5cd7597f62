"""Derived views: what each one's computation reads, and the markers it is kept against.

A derived view is worked out from many rows (the dashboard's figures, the backlog's integer table, the
portfolio's candidates, the programmes' savings, the benefit at risk) and kept once per change for every
process and server in ``shared_view`` (``web.shared_views``), never per process. ``view_token`` reads a
view's marker token, which changes in the same transaction as the data (``models.derived_state``);
``shared_result`` reads the JSON kept for a name and the token it was worked out for; ``@reads``
declares, beside each computation, the tables it reads, which a test ties to the tables whose writes
renew the marker (tests/integration/test_derived_reads.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select

from changeauth import db
from changeauth.models import DerivedState, SharedView

F = TypeVar("F", bound=Callable[..., Any])

# What each derived view's computation reads, declared beside the function with ``@reads``:
# {view: {"module.function": tables}}. The writers' side, ``models.derived_state.WATCHED_TABLES``, renews
# a view's marker on a write to any of its tables; a test ties the two and checks that each computation
# reads only what it declares (tests/integration/test_derived_reads.py).
DECLARED_READS: dict[str, dict[str, frozenset[str]]] = {}


def reads(view: str, *tables: str) -> Callable[[F], F]:
    """Declare that the decorated function computes (part of) ``view`` from ``tables`` and nothing else."""

    def declare(function: F) -> F:
        DECLARED_READS.setdefault(view, {})[f"{function.__module__}.{function.__qualname__}"] = frozenset(
            tables
        )
        return function

    return declare


def view_token(view: str) -> str | None:
    """The view's current token (None when the marker row is missing: then nothing is kept)."""
    return db.session.scalar(select(DerivedState.token).where(DerivedState.name == view))


def shared_result(name: str) -> tuple[str | None, str | None]:
    """(the token it was computed for, its JSON text) of a view kept for every process in ``shared_view``,
    (None, None) when it was never computed."""
    row = db.session.execute(
        select(SharedView.computed_for, SharedView.payload).where(SharedView.name == name)
    ).first()
    return (None, None) if row is None else (row[0], row[1])
