"""A per-process cache of costly derived views, kept while the view's marker token is unchanged.

``cached(view, key, compute)`` reads the view's token (one indexed single-row query), returns the
result kept for that token, or computes, keeps and returns a new one. Tokens change in the same
transaction as the data (``models.derived_state``), and the token is read before ``compute`` reads
the data, so a result is never older than its token. A transaction that has changed the data sees
its own new token, so it never reuses a result from before its change. Results are shared between
requests and threads: they must be treated as read-only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import select

from changeauth import db
from changeauth.models import DerivedState, SharedView

T = TypeVar("T")
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


_KEEP = 64  # results kept per process, across views and keys (one per scoring member); the oldest go first
_lock = threading.Lock()
_results: OrderedDict[tuple[str, str, Hashable], tuple[str, Any]] = OrderedDict()
# One lock per slot being computed, so threads of a process that miss together compute it once, with the
# number of threads holding or waiting for it: the last one out removes it, so a slot whose computation
# failed (a refused run) or was not kept leaves nothing behind.
_computing: dict[tuple[str, str, Hashable], tuple[threading.Lock, list[int]]] = {}


def view_token(view: str) -> str | None:
    """The view's current token (None when the marker row is missing: then nothing is cached)."""
    return db.session.scalar(select(DerivedState.token).where(DerivedState.name == view))


def _slot(view: str, key: Hashable) -> tuple[str, str, Hashable]:
    return (db.session.get_bind().engine.url.render_as_string(hide_password=True), view, key)


def kept(view: str, key: Hashable) -> Any:
    """The result kept for ``key`` if it is still current, else None (computes nothing)."""
    token = view_token(view)
    with _lock:
        found = _results.get(_slot(view, key))
    return found[1] if token is not None and found is not None and found[0] == token else None


def cached(view: str, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``'s result for ``key``, reused while ``view``'s token is unchanged.

    When several threads miss the same slot at once, one computes while the others wait for its
    result, which they use if it was computed for the token they read.
    """
    token = view_token(view)
    slot = _slot(view, key)
    with _lock:
        kept = _results.get(slot)
        if token is not None and kept is not None and kept[0] == token:
            return kept[1]
        computing, users = _computing.setdefault(slot, (threading.Lock(), [0]))
        users[0] += 1
    try:
        with computing:
            with _lock:
                kept = _results.get(slot)
            if token is not None and kept is not None and kept[0] == token:
                return kept[1]
            value = compute()
            if token is not None:
                with _lock:
                    _results[slot] = (token, value)
                    _results.move_to_end(slot)
                    while len(_results) > _KEEP:
                        _results.popitem(last=False)
            return value
    finally:
        with _lock:
            users[0] -= 1
            if users[0] == 0:
                _computing.pop(slot, None)


def shared_result(name: str) -> tuple[str | None, str | None]:
    """(the token it was computed for, its JSON text) of a view kept for every process in ``shared_view``,
    (None, None) when it was never computed."""
    row = db.session.execute(
        select(SharedView.computed_for, SharedView.payload).where(SharedView.name == name)
    ).first()
    return (None, None) if row is None else (row[0], row[1])
