"""Each derived view reads only the tables declared beside the function that computes it (``@reads`` in
``queries.derived``), and a write to any of them renews the view's marker (``WATCHED_TABLES``).

A shared view that started reading a table nobody declared would be kept after a change to that table
and show stale figures; here each computation runs on a small council, its SQL is captured, and every
table it names must be declared, and every declared table watched (docs/architecture.md#derived-views)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event

from changeauth import db
from changeauth.models.derived_state import WATCHED_TABLES
from changeauth.queries import backlog, derived, portfolio, savings, temporary_resources
from changeauth.reporting import dashboard
from tests.factories import (
    AssessmentFactory,
    BenefitFactory,
    BusinessCaseFactory,
    ConflictDeclarationFactory,
    ImprovementFactory,
    ImprovementScoreFactory,
    TemporaryResourceFactory,
)

TABLE_NAMED = re.compile(r'\b(?:FROM|JOIN)\s+"?([a-z_]+)"?', re.IGNORECASE)
ON = date(2026, 12, 1)


@contextmanager
def tables_read() -> Iterator[set[str]]:
    found: set[str] = set()

    def capture(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        found.update(TABLE_NAMED.findall(statement))

    engine = db.session.get_bind().engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def _computations() -> dict[str, Callable[[], Any]]:
    return {
        "changeauth.queries.backlog.current_inputs": backlog.current_inputs,
        "changeauth.queries.backlog.backlog_table_json": backlog.backlog_table_json,
        "changeauth.queries.portfolio.load_candidates": portfolio.load_candidates,
        "changeauth.queries.savings._programmes": lambda: (
            savings._programmes(ON),
            savings._programmes(ON, [programme.id for programme in savings._programmes(ON)] or [0]),
        ),
        "changeauth.queries.temporary_resources._benefit_at_risk": lambda: (
            temporary_resources._benefit_at_risk(ON)
        ),
        "changeauth.reporting.dashboard._figures": lambda: dashboard._figures(ON),
    }


@pytest.fixture
def council(db_session: Any) -> None:
    improvement = ImprovementFactory(delivery=True)
    ImprovementScoreFactory(improvement=improvement)
    AssessmentFactory(improvement=improvement)
    ConflictDeclarationFactory(improvement=improvement)
    BusinessCaseFactory(improvement=improvement)
    BenefitFactory(improvement=improvement)
    TemporaryResourceFactory(improvement=improvement, end_date=date(2026, 6, 30))
    db_session.flush()


@pytest.mark.usefixtures("council")
def test_each_view_reads_only_what_it_declares() -> None:
    computations = _computations()
    declared = {
        name: tables for functions in derived.DECLARED_READS.values() for name, tables in functions.items()
    }
    assert set(computations) == set(declared), "run every @reads computation here"
    undeclared = {}
    for name, compute in computations.items():
        with tables_read() as found:
            compute()
        # The markers themselves are read by the views a computation reuses (kept under the same view);
        # backlog_key is written by the same transactions that renew the backlog's marker.
        extra = found - declared[name] - {"derived_state", "backlog_key"}
        if extra:
            undeclared[name] = sorted(extra)
    assert not undeclared, f"declare these tables in the view's @reads (and WATCHED_TABLES): {undeclared}"


def test_each_declared_table_renews_the_view() -> None:
    unwatched = {
        view: sorted(tables - WATCHED_TABLES[view])
        for view, functions in derived.DECLARED_READS.items()
        for tables in functions.values()
        if tables - WATCHED_TABLES[view]
    }
    assert not unwatched, f"add these to models.derived_state.WATCHED_TABLES: {unwatched}"


def test_each_watched_table_is_read_by_some_computation() -> None:
    # A table watched for no reason renews the view needlessly; one declared nowhere may hide a typo.
    idle = {
        view: sorted(watched - set().union(*derived.DECLARED_READS.get(view, {}).values()))
        for view, watched in WATCHED_TABLES.items()
        if watched - set().union(*derived.DECLARED_READS.get(view, {}).values())
    }
    assert not idle


def test_nothing_is_kept_per_process() -> None:
    """Derived views are kept once per change for every process (``shared_view``), or read from the
    database each time: the module keeps no results of its own (issue 22)."""
    assert {name for name in vars(derived) if not name.startswith("__")} <= {
        "annotations",
        "Any",
        "Callable",
        "DECLARED_READS",
        "DerivedState",
        "F",
        "SharedView",
        "TypeVar",
        "db",
        "reads",
        "select",
        "shared_result",
        "view_token",
    }
