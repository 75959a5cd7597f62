"""Per-person rate limiting of the API with Flask-Limiter: 429 with Retry-After, in the API error shape.

Counted per person, across all their tokens (more tokens must not mean more requests), after the token
is checked, so refused tokens cost nothing. The limit is read from ``API_RATE_LIMIT`` on each request;
the storage is ``RATELIMIT_STORAGE_URI`` (Redis shared by every worker, or memory in one process).
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)


def _person_key() -> str:
    user = g.get("api_user")
    return f"api-user:{user.id}" if user is not None else f"ip:{get_remote_address()}"


def _limit() -> str:
    return str(current_app.config["API_RATE_LIMIT"])


def limit_per_person(blueprint: Blueprint) -> None:
    limiter.limit(_limit, key_func=_person_key)(blueprint)


def init_rate_limits(app: Flask) -> None:
    """After the API's authentication hook, so the token is known when requests are counted."""
    limiter.init_app(app)
