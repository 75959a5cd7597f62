"""Request lifecycle: request ids, the one commit per request, and security headers."""

from __future__ import annotations

import re
import secrets

from flask import Flask, Response, g, request

from changeauth.runtime import request_id_var
from changeauth.services import transaction

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def register(app: Flask) -> None:
    @app.before_request
    def _start_request() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID_PATTERN.match(incoming) else secrets.token_hex(8)
        request_id_var.set(g.request_id)
        transaction.begin_unit_of_work(writes=request.method not in _SAFE_METHODS)

    @app.after_request
    def _finish_request(response: Response) -> Response:
        # One commit per request, at the boundary: success commits, anything else rolls back.
        if response.status_code < 400:
            transaction.commit()
        else:
            transaction.rollback()
        response.headers["X-Request-ID"] = g.get("request_id", "")
        _security_headers(response)
        return response


def _security_headers(response: Response) -> None:
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.endpoint != "static":
        headers.setdefault("Cache-Control", "no-store")
