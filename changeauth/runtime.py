"""Per-request context that services record without importing Flask (the request id for audit)."""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("changeauth_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being served, if any (set by the web layer)."""
    return request_id_var.get()
