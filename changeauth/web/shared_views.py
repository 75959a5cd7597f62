"""Views worked out once per change for every process and server, read as JSON (issue 22).

``shared(view, name, compute)`` returns the JSON text kept for ``name`` while ``view``'s marker token is
unchanged. When it is out of date, this request claims the next computation (``services.shared_views``:
one claimer in the whole deployment) and, if it got it, computes and keeps the result in its own unit
of work. A request that did not get the claim is shown the previous result while the claimer works -
unless the person wrote in the last few minutes, or nothing was ever kept: then it computes the view
for itself without keeping it, so whoever wrote sees their change on their next page.
"""

from __future__ import annotations

import json
import logging
import time
from base64 import b64decode, b64encode
from collections.abc import Callable
from datetime import date

from flask import Flask, current_app, session
from sqlalchemy.exc import SQLAlchemyError

from changeauth.models.derived_state import REPORTS
from changeauth.queries import derived
from changeauth.reporting import dashboard
from changeauth.services import shared_views, transaction

logger = logging.getLogger("changeauth.shared_views")
WROTE_AT = "wrote_at"  # the session's note of when its person last wrote (read-your-writes)


def note_write() -> None:
    """Note in the person's session that they have just written (the request's commit succeeded)."""
    session[WROTE_AT] = int(time.time())


def wrote_recently() -> bool:
    return session.get(WROTE_AT, 0) >= time.time() - shared_views.LEASE.total_seconds()


def shared(view: str, name: str, compute: Callable[[], str]) -> str:
    """The JSON text of ``name`` (computed by ``compute``) for the current state of ``view``."""
    token, payload = derived.shared_result(name)
    if token is not None and payload is not None and token == derived.view_token(view):
        return payload
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    kept = _work_out(app, view, name, compute)
    if kept is not None:
        return kept
    if payload is not None and not wrote_recently():
        return payload  # another process is working it out: the previous result meanwhile
    return compute()


def _work_out(app: Flask, view: str, name: str, compute: Callable[[], str]) -> str | None:
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
            shared_views.store(name, token, payload)
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
        return json.dumps({"png": b64encode(dashboard.chart(section, dashboard_figures(on))).decode("ascii")})

    return b64decode(json.loads(shared(REPORTS, f"chart:{section}:{on.isoformat()}", draw))["png"])
