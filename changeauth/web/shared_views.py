"""Views worked out once per change for every process and server, read as JSON (issue 22).

``shared(view, name, compute)`` returns the JSON text kept for ``name`` while ``view``'s marker token is
unchanged. When it is out of date, the new result is claimed (``services.shared_views``: one claimer in
the whole deployment), computed and kept in a unit of work of its own: by a thread of this process
(``SHARED_VIEWS_IN_BACKGROUND``, on outside tests), or by the request itself. Meanwhile a request is
shown the previous result - unless its person wrote in the last few minutes, or nothing was ever kept:
then it computes the view for itself without keeping it, so whoever wrote sees their change on their
next page.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from base64 import b64decode, b64encode
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from flask import Flask, current_app, g, has_app_context, has_request_context, session
from sqlalchemy.exc import SQLAlchemyError

from changeauth.domain.portfolio import Candidate, Inputs
from changeauth.models.derived_state import BACKLOG, PORTFOLIO, REPORTS
from changeauth.queries import backlog as backlog_queries
from changeauth.queries import derived
from changeauth.queries import portfolio as portfolio_queries
from changeauth.queries import savings as savings_queries
from changeauth.queries import scoring as scoring_queries
from changeauth.queries import temporary_resources as resource_queries
from changeauth.reporting import dashboard
from changeauth.services import shared_views, transaction

logger = logging.getLogger("changeauth.shared_views")
WROTE_AT = "wrote_at"  # the session's note of when its person last wrote (read-your-writes)


def note_write() -> None:
    """Note in the person's session that they have just written (the request's commit succeeded)."""
    session[WROTE_AT] = int(time.time())


def wrote_recently() -> bool:
    if not has_request_context():
        return False
    return session.get(WROTE_AT, 0) >= time.time() - shared_views.LEASE.total_seconds()


_lock = threading.Lock()
_working: set[str] = set()  # names a thread of this process is working out


def shared(view: str, name: str, compute: Callable[[], str], *, forget: str | None = None) -> str:
    """The JSON text of ``name`` (computed by ``compute``) for the current state of ``view``; ``forget``:
    a prefix of names whose results for earlier states are dropped when this one is kept."""
    token, payload = derived.shared_result(name)
    current = derived.view_token(view)
    if current is not None and payload is not None and token == current:
        return payload
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("SHARED_VIEWS_IN_BACKGROUND") and has_request_context():
        with _lock:
            start = name not in _working
            _working.add(name)
        if start:
            threading.Thread(
                target=_in_background,
                args=(app, view, name, compute, forget),
                name=f"shared-{name}",
                daemon=True,
            ).start()
    else:
        kept = _work_out(app, view, name, compute, forget)
        if kept is not None:
            return kept
    if payload is not None and not wrote_recently():
        return payload  # being worked out (here or by another process): the previous result meanwhile
    return compute()


def _in_background(
    app: Flask, view: str, name: str, compute: Callable[[], str], forget: str | None = None
) -> None:
    try:
        _work_out(app, view, name, compute, forget)
    except Exception:  # noqa: BLE001 - logged by _work_out; a later view asks again
        pass
    finally:
        with _lock:
            _working.discard(name)


def _work_out(
    app: Flask, view: str, name: str, compute: Callable[[], str], forget: str | None = None
) -> str | None:
    """Claim, compute and keep ``name`` in a unit of work of its own; None when another process holds
    the claim."""
    with app.app_context(), transaction.writing():
        try:
            token = derived.view_token(view)
            claimed = token is not None and shared_views.claim(name, token)
            transaction.commit()
        except SQLAlchemyError:  # another process took it first, or holds the write lock
            transaction.rollback()
            return None
        if not claimed or token is None:
            return None
        try:
            payload = compute()
            shared_views.store(name, token, payload, forget=forget)
            transaction.commit()
        except Exception:
            transaction.rollback()
            logger.exception("Working out the shared view %s failed", name)
            shared_views.release(name)
            transaction.commit()
            raise
        return payload


def dashboard_figures(on: date) -> dashboard.Dashboard:
    """The dashboard's figures for ``on``, worked out once per change for every process."""
    return dashboard.from_json(
        shared(REPORTS, f"dashboard:{on.isoformat()}", lambda: dashboard.to_json(dashboard.build(on)))
    )


def dashboard_chart(section: str, on: date) -> bytes:
    """One section's PNG chart for ``on``, drawn once per change for every process; KeyError for an
    unknown section."""
    if section not in dashboard.SECTIONS:
        raise KeyError(section)

    def draw() -> str:
        # The section's own figures, read in the same unit of work as the token the chart is kept for.
        picture = dashboard.chart(section, dashboard.FIGURES[section](on))
        return json.dumps({"png": b64encode(picture).decode("ascii")})

    return b64decode(json.loads(shared(REPORTS, f"chart:{section}:{on.isoformat()}", draw))["png"])


def programme_savings(on: date) -> tuple[savings_queries.ProgrammeSavings, ...]:
    """Every programme's figures on ``on`` (``queries.savings``), worked out once per change for every
    process (read once per request): the close-down page, the programmes API and the benefit at risk
    of a resource."""
    kept: dict[date, tuple[savings_queries.ProgrammeSavings, ...]] = (
        g.setdefault("programme_savings", {}) if has_app_context() else {}
    )
    if on not in kept:
        kept[on] = savings_queries.from_plain(
            json.loads(
                shared(
                    REPORTS,
                    f"savings:{on.isoformat()}",
                    lambda: json.dumps(savings_queries.to_plain(savings_queries.all_programmes(on))),
                )
            )
        )
    return kept[on]


def benefit_at_risk(on: date) -> list[resource_queries.AtRisk]:
    """Each improvement's and programme's benefit at risk from overrunning resources on ``on``, worked
    out once per change for every process."""
    return resource_queries.at_risk_from_json(
        shared(
            REPORTS,
            f"at_risk:{on.isoformat()}",
            lambda: resource_queries.at_risk_json(resource_queries.benefit_at_risk(on)),
        )
    )


def backlog_table() -> backlog_queries.BacklogTable:
    """The backlog's integer table (what-if) and matrix points, worked out once per change for every
    process; worked out afresh for this request if the kept one was made under other criteria."""
    criteria = scoring_queries.active_scheme().specs()
    text = shared(BACKLOG, "backlog_table", backlog_queries.backlog_table_json)
    try:
        return backlog_queries.backlog_table_from_json(text, criteria)
    except ValueError:  # the scheme's criteria changed and the new table is being worked out
        return backlog_queries.backlog_table_from_json(backlog_queries.backlog_table_json(), criteria)


CANDIDATES = "portfolio:candidates"
RUNS = "portfolio:run:"  # one kept answer per set of inputs, for the portfolio's current state


def portfolio_candidates() -> tuple[Candidate, ...]:
    """The optimiser's candidates, worked out once per change of the portfolio for every process (read
    once per request)."""
    if has_app_context() and "portfolio_candidates" in g:
        found: tuple[Candidate, ...] = g.portfolio_candidates
        return found
    candidates = portfolio_queries.candidates_from_json(
        shared(
            PORTFOLIO,
            CANDIDATES,
            lambda: portfolio_queries.candidates_json(portfolio_queries.load_candidates()),
        )
    )
    if has_app_context():
        g.portfolio_candidates = candidates
    return candidates


class PortfolioRuns:
    """The candidates and each run's answer (``rules.result_json``) as every process shares them: worked
    out once per change of the portfolio and kept as JSON; the answers of earlier states are dropped."""

    def candidates(self) -> tuple[Candidate, ...]:
        return portfolio_candidates()

    def run(
        self,
        inputs: Inputs,
        answer: Callable[[Sequence[Candidate]], dict[str, Any]],
        check: Callable[[Sequence[Candidate]], object],
    ) -> dict[str, Any]:
        name = RUNS + hashlib.sha256(json.dumps(inputs.to_json(), sort_keys=True).encode()).hexdigest()[:24]
        token, payload = derived.shared_result(name)
        current = derived.view_token(PORTFOLIO)
        if payload is None or current is None or token != current:
            check(self.candidates())
            payload = shared(PORTFOLIO, name, lambda: json.dumps(answer(_candidates_now())), forget=RUNS)
        kept: dict[str, Any] = json.loads(payload)
        return kept


def _candidates_now() -> tuple[Candidate, ...]:
    """The candidates as the portfolio is now: the kept ones when they were worked out for its current
    state (as a run's request has just made sure), else read afresh."""
    token, payload = derived.shared_result(CANDIDATES)
    if payload is not None and token is not None and token == derived.view_token(PORTFOLIO):
        return portfolio_queries.candidates_from_json(payload)
    return tuple(portfolio_queries.load_candidates())


portfolio_runs = PortfolioRuns()
