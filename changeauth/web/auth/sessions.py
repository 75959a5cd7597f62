"""Signed-in sessions: started only once every factor is proved, with idle and absolute limits.

The session cookie holds the Flask-Login id (``user id:session version``), the CSRF token and four
numbers: when the person signed in, when they were last seen, when they last proved who they are (for
step-up) and whether they gave a second factor. No role, name or email (SESS-10).

- Idle 30 minutes and absolute 12 hours (SESS-04, SESS-05, NIST SP 800-63B AAL2), checked before every
  request; a session missing its times is treated as expired.
- Between the password and the code the person is *not* signed in: the session holds only the pending
  user's id for five minutes.
- Step-up (SESS-09): changing email, password or second factor needs a proof of identity within the last
  ten minutes; otherwise the person confirms their password (and code) first.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import login_user, logout_user

from changeauth.models import User

SIGNED_IN_AT = "_signed_in_at"
LAST_SEEN = "_last_seen"
AUTHENTICATED_AT = "_auth_at"
SECOND_FACTOR_DONE = "_2fa"
PENDING_USER = "_pending_user"
PENDING_AT = "_pending_at"
PENDING_NEXT = "_pending_next"
PENDING_VIA_PROVIDER = "_pending_sso"
# Signed in through the council's OpenID Connect provider, so signing out ends its session too.
VIA_PROVIDER = "_sso"
PENDING_LIFETIME_SECONDS = 300


def now_seconds() -> int:
    """The clock (tests move it)."""
    return int(time.time())


def start(user: User, *, second_factor_done: bool, via_provider: bool = False) -> None:
    """Sign ``user`` in on a brand-new session (nothing from before survives: SESS-02)."""
    session.clear()
    session.permanent = True
    login_user(user)
    now = now_seconds()
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN] = now
    session[AUTHENTICATED_AT] = now
    session[SECOND_FACTOR_DONE] = second_factor_done
    if via_provider:
        session[VIA_PROVIDER] = True


def signed_in_via_provider() -> bool:
    return session.get(VIA_PROVIDER) is True


def reissue(user: User) -> None:
    """Keep this session signed in after the person's session version moved on (password change, signing
    out everywhere else): every other cookie dies, this one gets the new id and keeps its times."""
    kept = {
        key: session.get(key)
        for key in (SIGNED_IN_AT, AUTHENTICATED_AT, SECOND_FACTOR_DONE, VIA_PROVIDER)
        if key in session
    }
    login_user(user)
    session.update(kept)
    session[LAST_SEEN] = now_seconds()


def end() -> None:
    logout_user()
    session.clear()


def begin_pending(user: User, next_url: str, *, via_provider: bool = False) -> None:
    """Password (or the provider) proved, code still to come: remember who, briefly, without signing in."""
    session.clear()
    session[PENDING_USER] = user.get_id()
    session[PENDING_AT] = now_seconds()
    session[PENDING_NEXT] = next_url
    if via_provider:
        session[PENDING_VIA_PROVIDER] = True


def pending_via_provider() -> bool:
    return session.get(PENDING_VIA_PROVIDER) is True


def pending_user_id() -> str | None:
    started = session.get(PENDING_AT)
    if not isinstance(started, int) or now_seconds() - started > PENDING_LIFETIME_SECONDS:
        return None
    value = session.get(PENDING_USER)
    return value if isinstance(value, str) else None


def clear_pending() -> None:
    for key in (PENDING_USER, PENDING_AT, PENDING_NEXT, PENDING_VIA_PROVIDER):
        session.pop(key, None)


def pending_next(default: str) -> str:
    value = session.get(PENDING_NEXT)
    return (
        value if isinstance(value, str) and value.startswith("/") and not value.startswith("//") else default
    )


def mark_authenticated_now() -> None:
    session[AUTHENTICATED_AT] = now_seconds()


def mark_second_factor_done() -> None:
    session[SECOND_FACTOR_DONE] = True


def second_factor_done() -> bool:
    return session.get(SECOND_FACTOR_DONE) is True


def signed_in_user_id() -> int | None:
    raw = session.get("_user_id")
    head = raw.partition(":")[0] if isinstance(raw, str) else ""
    return int(head) if head.isdigit() else None


def expiry_reason(*, idle: timedelta, absolute: timedelta) -> str | None:
    """Why the signed-in session must end now (``idle``, ``absolute`` or ``no_times``), or None.

    A session that is still good is marked as seen now.
    """
    if "_user_id" not in session:
        return None
    now = now_seconds()
    signed_in, last_seen = session.get(SIGNED_IN_AT), session.get(LAST_SEEN)
    if not isinstance(signed_in, int) or not isinstance(last_seen, int):
        return "no_times"
    if now - signed_in > absolute.total_seconds():
        return "absolute"
    if now - last_seen > idle.total_seconds():
        return "idle"
    session[LAST_SEEN] = now
    return None


def is_fresh() -> bool:
    max_age: timedelta = current_app.config["STEP_UP_MAX_AGE"]
    authenticated = session.get(AUTHENTICATED_AT)
    return isinstance(authenticated, int) and now_seconds() - authenticated <= max_age.total_seconds()


def fresh_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Step-up (SESS-09): send the person to confirm who they are unless they did so in the last minutes."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not is_fresh():
            flash("For your security, confirm it is you before changing this.", "info")
            target = request.full_path.rstrip("?") if request.method == "GET" else url_for("account.index")
            return redirect(url_for("account.confirm", next=target))
        return view(*args, **kwargs)

    return wrapper
