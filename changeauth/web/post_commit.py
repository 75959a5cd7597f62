"""Work that must wait until the request's transaction has committed, such as sending an email."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import g

logger = logging.getLogger("changeauth.web")


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once this request's transaction has committed (never if it rolls back)."""
    g.setdefault("after_commit", []).append(callback)


def run_after_commit() -> None:
    """Called by the request boundary after a successful commit."""
    for callback in g.pop("after_commit", []):
        try:
            callback()
        except Exception:  # a post-commit side effect (an email) must never turn a done change into an error
            logger.exception("after-commit work failed (request id %s)", g.get("request_id", "-"))
