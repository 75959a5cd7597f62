"""Security events: one JSON object per line on the ``changeauth.security`` logger (LOG-01 to LOG-05).

Each record has ``ts`` (UTC, ISO 8601 with ``Z``), ``event`` (OWASP Logging Vocabulary names such as
``authn_login_fail`` or ``authz_fail``), ``outcome``, ``user_id``, ``ip``, ``request_id``, ``method`` and
``path``, plus the event's own details. JSON encoding escapes newlines and control characters, so a
hostile value can never start a line of its own (LOG-05). Details whose names suggest a secret
(password, token, cookie, csrf, secret, code) are refused outright rather than logged (LOG-02).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from flask import has_request_context, request

from changeauth.runtime import current_request_id

LOGGER_NAME = "changeauth.security"
logger = logging.getLogger(LOGGER_NAME)

SECRET_NAMES = re.compile(r"pass|token|cookie|csrf|secret|code|otp|session", re.IGNORECASE)
_RESERVED = frozenset({"ts", "level", "event", "outcome", "user_id", "ip", "request_id", "method", "path"})


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON. Security records carry their fields in ``record.security``,
    access-log records in ``record.fields``; every other record gets its message and the request id of the
    request it was logged in, so a reference quoted from an error page finds it."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "security", None)
        if not isinstance(fields, dict):
            fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            payload.update(fields)
        else:
            payload["message"] = record.getMessage()
        payload.setdefault("request_id", current_request_id())
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=True, default=str, separators=(",", ":"))


def security_event(
    event: str,
    *,
    outcome: str,
    user_id: int | None = None,
    level: int = logging.INFO,
    **details: Any,
) -> None:
    """Log one security event with who, where and when taken from the current request."""
    leaked = [name for name in details if SECRET_NAMES.search(name) or name in _RESERVED]
    if leaked:
        raise ValueError(f"security events never carry {', '.join(sorted(leaked))}")
    fields: dict[str, Any] = {
        "event": event,
        "outcome": outcome,
        "user_id": user_id,
        "ip": request.remote_addr if has_request_context() else None,
        "request_id": current_request_id(),
        "method": request.method if has_request_context() else None,
        "path": request.path if has_request_context() else None,
    }
    fields.update(details)
    logger.log(level, event, extra={"security": fields})


def configure(level: int = logging.INFO) -> None:
    """Give every ``changeauth`` logger (security events, the access log, errors, jobs, mail) one JSON
    handler on standard error (once), whatever the root logging is. Records still propagate to the root,
    which has no handler of its own unless a host program adds one."""
    application = logging.getLogger("changeauth")
    application.setLevel(level)
    logger.setLevel(level)
    if not any(getattr(handler, "_changeauth_json", False) for handler in application.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler._changeauth_json = True  # type: ignore[attr-defined]
        application.addHandler(handler)
