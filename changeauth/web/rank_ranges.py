"""Having the backlog's rank ranges worked out once per change, for every process (issue 22).

A backlog view that finds the shared ranges out of date asks for them here and answers at once with the
previous ones, saying they are being recalculated. One thread of this process then claims the
computation (``services.rank_ranges.claim``: one process in the whole deployment holds it) and, if it
got it, works them out in its own unit of work. With ``RANK_RANGES_IN_BACKGROUND`` off (tests, the
benchmark), the request does the same itself before it reads the view.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from changeauth.queries import backlog as backlog_queries
from changeauth.services import rank_ranges, transaction

logger = logging.getLogger("changeauth.rank_ranges")
_busy = threading.Lock()  # one claiming thread per process at a time


def ensure_rank_ranges() -> None:
    """Start working out the rank ranges if they are out of date (in this thread when not in the
    background)."""
    if backlog_queries.rank_ranges_current():
        return
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("RANK_RANGES_IN_BACKGROUND"):
        _work_out(app)
        return
    if _busy.locked():
        return
    threading.Thread(target=_work_out, args=(app,), name="rank-ranges", daemon=True).start()


def _work_out(app: Flask) -> None:
    if not _busy.acquire(blocking=False):
        return
    try:
        with app.app_context(), transaction.writing():
            try:
                token = rank_ranges.claim()
                transaction.commit()
            except Exception:  # noqa: BLE001 - another process holds the write lock: a later view asks again
                transaction.rollback()
                logger.warning("Could not claim the rank ranges; a later view will ask again", exc_info=True)
                return
            if token is None:
                return
            try:
                count = rank_ranges.compute(token)
                transaction.commit()
                logger.info("Rank ranges worked out for %d improvements", count)
            except Exception:  # noqa: BLE001 - the previous ranges stay; the claim is given back
                transaction.rollback()
                logger.exception("Working out the rank ranges failed")
                rank_ranges.release()
                transaction.commit()
    finally:
        _busy.release()
