"""The rows behind every list and detail read, for the query-count tests (test_query_counts.py).

Each case is registered for the endpoints that show the same rows. Called with the person signed in, it
arranges the page's subject and returns an ``Arranged``: the URL values, and ``grow(n)``, which adds
``n`` more of the rows the page shows (list rows, or a detail page's children, with their related rows).
The cases live by aggregate in ``work.py`` (improvements, gates, flags, people) and ``money.py``
(benefits, resources, business cases, scoring, the portfolio, reports); ``rows.py`` builds their rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from changeauth import db
from changeauth.models import User

_numbers = itertools.count(1)


@dataclass(frozen=True)
class Arranged:
    """How to add ``n`` more rows to a page, and its URL: ``path`` holds the ids of the endpoints that
    share the case (each endpoint takes those its rule names), ``query`` the query string."""

    grow: Callable[[int], object]
    path: dict[str, int] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)


Case = Callable[[User], Arranged]
CASES: dict[str, Case] = {}


def case(*endpoints: str) -> Callable[[Case], Case]:
    """Register the decorated case for these endpoints (each endpoint has exactly one case)."""

    def register(arrange: Case) -> Case:
        for endpoint in endpoints:
            assert endpoint not in CASES, f"{endpoint} has two cases"
            CASES[endpoint] = arrange
        return arrange

    return register


def next_number() -> int:
    """A number not used before in this run (for unique codes and names)."""
    return next(_numbers)


def grown(add_one: Callable[[int], object]) -> Callable[[int], None]:
    """``grow(n)`` from a function that adds one row (given a number unique in the run)."""

    def grow(n: int) -> None:
        for _ in range(n):
            add_one(next_number())
        db.session.commit()

    return grow


from tests.functional.query_counts import money, work  # noqa: E402 - the cases register themselves

__all__ = ["CASES", "Arranged", "case", "grown", "next_number", "money", "work"]
