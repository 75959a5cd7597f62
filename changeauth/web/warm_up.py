"""Filling a new worker's caches of derived views before it serves anyone.

The overrun exposure and the portfolio's candidates are kept per process (``queries.derived``; the
dashboard and the backlog's tables are shared by every process, ``web.shared_views``); the first
request after start-up would otherwise pay for them (about half a second to two seconds each at
council scale) while everyone queued behind it on that worker waits. ``wsgi.py`` calls
``warm_derived_views`` once per process when ``WARM_UP`` is set (the default outside tests). A failure
is logged and ignored: the views are then computed on first use.
"""

from __future__ import annotations

import time

from flask import Flask

from changeauth.queries import portfolio as portfolio_queries
from changeauth.queries import temporary_resources as resource_queries
from changeauth.queries.clock import today


def warm_derived_views(app: Flask) -> float:
    """Compute and keep every derived view for today; returns the seconds it took.

    Reads only; the app context's teardown ends the session."""
    started = time.perf_counter()
    with app.app_context():
        try:
            on = today()
            resource_queries.benefit_at_risk(on)
            portfolio_queries.current_candidates()
        except Exception:  # a cold cache is slower, never wrong: start anyway
            app.logger.exception("Warming the derived views failed; they will be computed on first use")
    elapsed = time.perf_counter() - started
    app.logger.info("Derived views warmed in %.2f s", elapsed)
    return elapsed
