"""People: creating accounts, signing in with throttling, ending sessions, and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import ColumnElement, Connection, func, or_, select, update

from changeauth import db
from changeauth.domain.emails import email_problem
from changeauth.domain.errors import AlreadyExists, NotFound, ValidationFailed
from changeauth.domain.passwords import password_problems
from changeauth.domain.roles import ALL_ROLES, Role
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
    reason: str | None = None,
) -> User:
    """Create an account; a password, when given, must meet the policy (AUTH-01, AUTH-02). Raises
    ValidationFailed or AlreadyExists. Flushes, does not commit."""
    email = normalise_email(email)
    roles = sorted(set(roles))
    errors: dict[str, list[str]] = {}
    if (problem := email_problem(email)) is not None:
        errors["email"] = [problem]
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
        after={"roles": roles, "team_id": team_id},
        personal_after={"email": email, "name": user.name},
        reason=reason,
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


def record_refused_password(email: str, *, ip_address: str | None, now: datetime | None = None) -> None:
    """A password tried where passwords are switched off: counted like a wrong one, then refused."""
    _record_attempt(normalise_email(email)[:254], ip_address, succeeded=False, now=now or db.utcnow())
    raise AuthenticationFailed()


def email_of(user_id: int) -> str:
    """The sign-in email of an account ("" when there is none)."""
    return db.session.scalar(select(User.email).where(User.id == user_id)) or ""


def load_session_user(session_user_id: str) -> User | None:
    """Resolve the id in a session cookie; a stale session version or an inactive user gives None."""
    user_id_text, _, version_text = session_user_id.partition(":")
    if not (user_id_text.isdigit() and version_text.isdigit()):
        return None
    user = db.session.get(User, int(user_id_text))
    if user is None or not user.is_active or user.session_version != int(version_text):
        return None
    return user


def update_person(
    user: User, *, name: str, roles: Iterable[str], team_code: str | None, actor_id: int
) -> User:
    """An administrator corrects a person's name, roles or team (audited with before and after).

    The last active administrator keeps that role, so the service is never left without one. Raises
    ValidationFailed. Flushes, does not commit.
    """
    roles = sorted(set(roles))
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["Enter the person's name."]
    elif len(name.strip()) > 120:
        errors["name"] = ["Keep the name to 120 characters or fewer."]
    if not roles or any(role not in ALL_ROLES for role in roles):
        errors["roles"] = ["Choose at least one role from the list."]
    team_id = None
    if team_code:
        team_id = db.session.scalar(select(Team.id).where(Team.code == team_code))
        if team_id is None:
            errors["team"] = ["Choose a team from the list."]
    if (
        Role.ADMIN.value in user.roles
        and Role.ADMIN.value not in roles
        and user.is_active
        and _other_active_admins(user.id) == 0
    ):
        errors["roles"] = [
            "This is the only active administrator: give the role to someone else before removing it here."
        ]
    if errors:
        raise ValidationFailed(errors)
    before = {"name": user.name, "roles": sorted(user.roles), "team_id": user.team_id}
    user.name = name.strip()
    user.team_id = team_id
    kept = [link for link in user.role_links if link.role in roles]
    user.role_links = kept + [UserRole(role=role) for role in roles if role not in user.roles]
    db.session.flush()
    after = {"name": user.name, "roles": roles, "team_id": team_id}
    if after != before:
        record_event(
            actor_id=actor_id,
            action="user.updated",
            subject_type="user",
            subject_id=user.id,
            before=before,
            after=after,
        )
    return user


def _other_active_admins(user_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(User.id))
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.is_active.is_(True), User.id != user_id, UserRole.role == Role.ADMIN.value)
        )
        or 0
    )


def end_sessions(user: User, *, actor_id: int | None, reason: str, keep_api_tokens: bool = False) -> None:
    """Invalidate every session of the user, and their API tokens unless told to keep them (an ordinary
    sign-out keeps them; signing out everywhere, an administrator ending sessions and deactivation do
    not). Flushes."""
    user.session_version += 1
    if not keep_api_tokens:
        revoke_all_api_tokens(user)
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
    user.deactivated_at = db.utcnow()
    end_sessions(user, actor_id=actor_id, reason="deactivated")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# How long a token lasts, in days, chosen when it is made; the default is the middle choice.
API_TOKEN_LIFETIMES = (7, 30, 90, 180, 365)
API_TOKEN_DEFAULT_DAYS = 90
# Live tokens a person may hold at once: enough for a few systems, not enough to multiply rate limits.
API_TOKENS_PER_PERSON = 5


def issue_api_token(
    user: User,
    *,
    name: str,
    actor_id: int | None,
    days: int = API_TOKEN_DEFAULT_DAYS,
    now: datetime | None = None,
) -> tuple[str, ApiToken]:
    """Create a named bearer token that expires after ``days``. Returns the token (shown once) and its
    stored record. A person holds at most ``API_TOKENS_PER_PERSON`` live tokens. Raises ValidationFailed.
    Flushes.

    Callers confirm who is asking first: the profile page needs a password (or provider) confirmation
    from the last few minutes; the command line is an operator's.
    """
    now = now or db.utcnow()
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = ["Enter a name for the token."]
    elif len(name) > 100:
        errors["name"] = ["Use 100 characters or fewer."]
    if days not in API_TOKEN_LIFETIMES:
        errors["days"] = ["Choose how long the token lasts from the list."]
    live = (
        db.session.scalar(
            select(func.count())
            .select_from(ApiToken)
            .where(*_live_tokens(db.utcnow()), ApiToken.user_id == user.id)
        )
        or 0
    )
    if live >= API_TOKENS_PER_PERSON:
        errors["name"] = [
            f"You already have {API_TOKENS_PER_PERSON} tokens that work, the most allowed. "
            "Revoke one you no longer need first."
        ]
    if errors:
        raise ValidationFailed(errors)
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=_token_hash(token),
        token_prefix=token[:10],
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(record)
    db.session.flush()
    record_event(
        actor_id=actor_id,
        action="api_token.created",
        subject_type="api_token",
        subject_id=record.id,
        after={
            "user_id": user.id,
            "name": record.name,
            "prefix": record.token_prefix,
            "expires_at": record.expires_at.isoformat(),
        },
    )
    return token, record


def _live_tokens(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)


def resolve_api_token(token: str, *, now: datetime | None = None) -> tuple[User, ApiToken] | None:
    """The active user and token behind a bearer token, or None (unknown, revoked, expired, user
    deactivated)."""
    if not token.startswith(API_TOKEN_PREFIX) or len(token) > 200:
        return None
    record = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _token_hash(token), *_live_tokens(now or db.utcnow()))
    )
    if record is None:
        return None
    user = db.session.get(User, record.user_id)
    if user is None or not user.is_active:
        return None
    return user, record


def revoke_all_api_tokens(user: User, *, now: datetime | None = None) -> int:
    """Revoke every live token of the person: part of ending their sessions, changing their password or
    resetting their second factor (the caller's event records the change). Returns how many. Flushes."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now or db.utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return db.rows_affected(result)


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
    if isinstance(bind, Connection):
        # Bound to a test's connection: write through it so the test's transaction sees it.
        bind.execute(statement)
        return
    with db.write_intent(), bind.begin() as connection:
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
    if (problem := email_problem(email)) is not None:
        raise ValidationFailed({"email": [problem]})
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
        personal_before={"email": before},
        personal_after={"email": email},
    )
    notifications.enqueue(
        user_ids=[user.id],
        kind="email_changed",
        text=f"The sign-in email of your account was changed from {before} to {email}.",
        event_key=f"email_changed:{event.id}",
        subject_type="user",
        subject_id=user.id,
    )
