"""People: creating accounts, signing in with throttling, ending sessions, and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, or_, select, update

from changeauth import db
from changeauth.domain.errors import AlreadyExists, NotFound, ValidationFailed
from changeauth.domain.passwords import password_problems
from changeauth.domain.roles import ALL_ROLES
from changeauth.models import ApiToken, LoginAttempt, Team, User, UserRole
from changeauth.services.audit import record_event

# argon2id with the library's RFC 9106 low-memory profile: 64 MiB, t=3, p=4 (AUTH-08 asks m ≥ 19 MiB, t ≥ 2).
password_hasher = PasswordHasher()
# Verified against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = password_hasher.hash("changeauth-timing-equaliser")

API_TOKEN_PREFIX = "ca_"


class AuthenticationFailed(Exception):
    """Wrong password, unknown email, inactive account or throttled: deliberately indistinguishable."""

    def __init__(self, *, throttled: bool = False) -> None:
        super().__init__("The email address or password is not right.")
        self.throttled = throttled


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 10
    window: timedelta = timedelta(minutes=15)
    max_failures_per_hour: int = 100


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def create_user(
    *,
    email: str,
    name: str,
    roles: Iterable[str],
    team_code: str | None = None,
    password: str | None = None,
    actor_id: int | None = None,
    org_name: str | None = None,
) -> User:
    """Create an account; a password, when given, must meet the policy (AUTH-01, AUTH-02). Raises
    ValidationFailed or AlreadyExists. Flushes, does not commit."""
    email = normalise_email(email)
    roles = sorted(set(roles))
    errors: dict[str, list[str]] = {}
    if "@" not in email or len(email) > 254:
        errors["email"] = ["Enter an email address like name@council.gov.uk."]
    if not name.strip():
        errors["name"] = ["Enter the person's name."]
    unknown = [role for role in roles if role not in ALL_ROLES]
    if unknown or not roles:
        errors["roles"] = [f"Choose roles from: {', '.join(ALL_ROLES)}."]
    team_id = None
    if team_code:
        team_id = db.session.scalar(select(Team.id).where(Team.code == team_code))
        if team_id is None:
            errors["team"] = [f"There is no team with the code {team_code!r}."]
    if password is not None:
        problems = password_problems(password, org_name=org_name, email=email)
        if problems:
            errors["password"] = problems
    if errors:
        raise ValidationFailed(errors)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AlreadyExists(f"An account for {email} already exists.")
    user = User(
        email=email,
        name=name.strip(),
        team_id=team_id,
        password_hash=hash_password(password) if password else None,
        role_links=[UserRole(role=role) for role in roles],
    )
    db.session.add(user)
    db.session.flush()
    record_event(
        actor_id=actor_id,
        action="user.created",
        subject_type="user",
        subject_id=user.id,
        after={"email": email, "name": user.name, "roles": roles, "team_id": team_id},
    )
    return user


def _record_attempt(email_key: str, ip_address: str | None, *, succeeded: bool, now: datetime) -> None:
    db.session.add(
        LoginAttempt(email_key=email_key, ip_address=ip_address, attempted_at=now, succeeded=succeeded)
    )
    db.session.flush()


def _is_throttled(email_key: str, now: datetime, policy: LoginPolicy) -> bool:
    def failures_since(since: datetime) -> int:
        return (
            db.session.scalar(
                select(func.count())
                .select_from(LoginAttempt)
                .where(
                    LoginAttempt.email_key == email_key,
                    LoginAttempt.succeeded.is_(False),
                    LoginAttempt.attempted_at >= since,
                )
            )
            or 0
        )

    # The soft lock lifts by itself once the window has passed, so nobody can lock a named user out for good.
    return (
        failures_since(now - policy.window) >= policy.max_failures
        or failures_since(now - timedelta(hours=1)) >= policy.max_failures_per_hour
    )


def authenticate(
    email: str,
    password: str,
    *,
    ip_address: str | None,
    now: datetime | None = None,
    policy: LoginPolicy | None = None,
) -> User:
    """Check a sign-in. Raises AuthenticationFailed for every kind of failure. Flushes, does not commit.

    Every attempt is recorded, so the throttle (AUTH-05) is counted in the database across workers.
    """
    now = now or db.utcnow()
    policy = policy or LoginPolicy()
    email_key = normalise_email(email)[:254]
    if _is_throttled(email_key, now, policy):
        _record_attempt(email_key, ip_address, succeeded=False, now=now)
        raise AuthenticationFailed(throttled=True)
    user = db.session.scalar(select(User).where(User.email == email_key))
    stored_hash = user.password_hash if user and user.password_hash else _DUMMY_HASH
    try:
        password_hasher.verify(stored_hash, password)
        verified = user is not None and user.password_hash is not None and user.is_active
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        verified = False
    if not verified or user is None:
        _record_attempt(email_key, ip_address, succeeded=False, now=now)
        raise AuthenticationFailed()
    if password_hasher.check_needs_rehash(stored_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    _record_attempt(email_key, ip_address, succeeded=True, now=now)
    return user


def load_session_user(session_user_id: str) -> User | None:
    """Resolve the id in a session cookie; a stale session version or an inactive user gives None."""
    user_id_text, _, version_text = session_user_id.partition(":")
    if not (user_id_text.isdigit() and version_text.isdigit()):
        return None
    user = db.session.get(User, int(user_id_text))
    if user is None or not user.is_active or user.session_version != int(version_text):
        return None
    return user


def end_sessions(user: User, *, actor_id: int | None, reason: str) -> None:
    """Invalidate every session of the user (logout, password change, deactivation). Flushes."""
    user.session_version += 1
    db.session.flush()
    record_event(
        actor_id=actor_id,
        action="user.sessions_ended",
        subject_type="user",
        subject_id=user.id,
        reason=reason,
    )


def deactivate_user(user: User, *, actor_id: int | None) -> None:
    """Switch an account off; its sessions and tokens stop working at once. Flushes."""
    user.is_active = False
    end_sessions(user, actor_id=actor_id, reason="deactivated")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_api_token(user: User, *, name: str, actor_id: int | None) -> tuple[str, ApiToken]:
    """Create a bearer token. Returns the token (shown once) and its stored record. Flushes."""
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        user_id=user.id,
        name=name.strip() or "API token",
        token_hash=_token_hash(token),
        token_prefix=token[:10],
    )
    db.session.add(record)
    db.session.flush()
    record_event(
        actor_id=actor_id,
        action="api_token.created",
        subject_type="api_token",
        subject_id=record.id,
        after={"user_id": user.id, "name": record.name, "prefix": record.token_prefix},
    )
    return token, record


def resolve_api_token(token: str) -> tuple[User, ApiToken] | None:
    """The active user and token behind a bearer token, or None (unknown, revoked, user deactivated)."""
    if not token.startswith(API_TOKEN_PREFIX) or len(token) > 200:
        return None
    record = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None))
    )
    if record is None:
        return None
    user = db.session.get(User, record.user_id)
    if user is None or not user.is_active:
        return None
    return user, record


def record_token_use(token_id: int, *, now: datetime | None = None) -> None:
    """Note when a token was last used, at most once a minute, in a transaction of its own.

    Called after the request's own transaction has ended: bookkeeping must neither depend on the request's
    outcome nor wait on the request's own write lock (SQLite has one writer at a time).
    """
    now = now or db.utcnow()
    statement = (
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - timedelta(minutes=1)),
        )
        .values(last_used_at=now)
    )
    bind = db.session.get_bind()
    engine = bind.engine if hasattr(bind, "engine") else bind
    if engine is not bind:
        # Bound to a test's connection: write through it so the test's transaction sees it.
        bind.execute(statement)
        return
    with db.write_intent(), engine.begin() as connection:
        connection.execute(statement)


def user_for_api_token(token: str, *, now: datetime | None = None) -> User | None:
    """Resolve a bearer token and record its use (for callers outside a web request)."""
    resolved = resolve_api_token(token)
    if resolved is None:
        return None
    user, record = resolved
    record_token_use(record.id, now=now)
    return user


def revoke_api_token(token: ApiToken, *, actor_id: int | None) -> None:
    """Revoke a token; it fails from the next request. Flushes."""
    if token.revoked_at is not None:
        return
    token.revoked_at = db.utcnow()
    db.session.flush()
    record_event(actor_id=actor_id, action="api_token.revoked", subject_type="api_token", subject_id=token.id)


def get_user_by_email(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise NotFound(f"There is no account for {normalise_email(email)}.")
    return user


def change_email(user: User, *, new_email: str) -> None:
    """Change one's own sign-in email (after a fresh sign-in, checked by the caller). Raises
    ValidationFailed or AlreadyExists. The person is notified. Flushes, does not commit."""
    from changeauth.services import notifications

    email = normalise_email(new_email)
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        raise ValidationFailed({"email": ["Enter an email address like name@council.gov.uk."]})
    if email == user.email:
        raise ValidationFailed({"email": ["That is already your email address."]})
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AlreadyExists(f"An account for {email} already exists.")
    before = user.email
    user.email = email
    db.session.flush()
    event = record_event(
        actor_id=user.id,
        action="user.email_changed",
        subject_type="user",
        subject_id=user.id,
        before={"email": before},
        after={"email": email},
    )
    notifications.enqueue(
        user_ids=[user.id],
        kind="email_changed",
        text=f"The sign-in email of your changeauth account was changed from {before} to {email}.",
        event_key=f"email_changed:{event.id}",
        subject_type="user",
        subject_id=user.id,
    )
