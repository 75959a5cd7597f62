"""Passwords: the policy at every change, changing one's own, and single-use set-password and reset links.

Links (AUTH-06, AUTH-07) carry a 256-bit token from ``secrets``; only its SHA-256 hash is stored. A link
works once, ends when a newer one of the same purpose is issued, and a reset link also ends when the
person signs in. A reset link lasts an hour, a new account's set-password link 72 hours.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select, update

from changeauth import db
from changeauth.domain.errors import NotFound, ValidationFailed
from changeauth.domain.passwords import TokenPurpose, password_problems
from changeauth.models import PasswordToken, User
from changeauth.services import notifications
from changeauth.services.audit import record_event
from changeauth.services.users import hash_password, normalise_email, password_hasher, revoke_all_api_tokens

TOKEN_TTL = {"reset": timedelta(hours=1), "set": timedelta(hours=72)}
# More reset requests than this for one account in an hour are quietly ignored (no mail bombing).
MAX_RESET_REQUESTS_PER_HOUR = 3


@dataclass(frozen=True)
class IssuedLink:
    user: User
    token: str
    purpose: str
    expires_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_new_password(password: str, *, user: User, org_name: str | None, field: str) -> None:
    """Raise ValidationFailed naming ``field`` when the policy refuses the password."""
    problems = password_problems(password, org_name=org_name, email=user.email)
    if problems:
        raise ValidationFailed({field: problems})


def _end_all_sessions(user: User) -> None:
    # Part of the change being audited, not an event of its own: every cookie with the old version dies,
    # and so does every API token (a token must not outlive the password that made it).
    user.session_version += 1
    revoke_all_api_tokens(user)


def _revoke_tokens(user_id: int, *, purposes: tuple[str, ...], now: datetime) -> None:
    db.session.execute(
        update(PasswordToken)
        .where(
            PasswordToken.user_id == user_id,
            PasswordToken.purpose.in_(purposes),
            PasswordToken.used_at.is_(None),
            PasswordToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def _store_password(user: User, password: str, *, actor_id: int | None, action: str, now: datetime) -> None:
    user.password_hash = hash_password(password)
    _end_all_sessions(user)
    _revoke_tokens(user.id, purposes=("reset", "set"), now=now)
    db.session.flush()
    event = record_event(actor_id=actor_id, action=action, subject_type="user", subject_id=user.id)
    notifications.enqueue(
        user_ids=[user.id],
        kind="password_changed",
        text="Your password was changed. If this was not you, tell the service desk.",
        event_key=f"password_changed:{event.id}",
        subject_type="user",
        subject_id=user.id,
    )


def verify_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return bool(password_hasher.verify(user.password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def change_password(
    user: User, *, current_password: str, new_password: str, org_name: str | None, now: datetime | None = None
) -> None:
    """Change one's own password (AUTH-03): needs the current one; ends every session, including this one's
    cookie (the caller signs the person in again). Raises ValidationFailed. Flushes, does not commit."""
    now = now or db.utcnow()
    if not verify_password(user, current_password):
        raise ValidationFailed({"current_password": ["Your current password is not right."]})
    if new_password == current_password:
        raise ValidationFailed({"new_password": ["Choose a password different from your current one."]})
    check_new_password(new_password, user=user, org_name=org_name, field="new_password")
    _store_password(user, new_password, actor_id=user.id, action="user.password_changed", now=now)


def issue_link(user: User, *, purpose: str, actor_id: int | None, now: datetime | None = None) -> IssuedLink:
    """A new single-use link for ``user``; earlier unused ones of the same purpose end. Flushes."""
    now = now or db.utcnow()
    _revoke_tokens(user.id, purposes=(purpose,), now=now)
    token = secrets.token_urlsafe(32)
    record = PasswordToken(
        user_id=user.id,
        purpose=purpose,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + TOKEN_TTL[purpose],
        created_by_id=actor_id,
    )
    db.session.add(record)
    db.session.flush()
    record_event(
        actor_id=actor_id,
        action="user.password_link_issued",
        subject_type="user",
        subject_id=user.id,
        after={"purpose": purpose, "expires_at": record.expires_at.isoformat()},
    )
    return IssuedLink(user=user, token=token, purpose=purpose, expires_at=record.expires_at)


def request_password_reset(email: str, *, now: datetime | None = None) -> IssuedLink | None:
    """A reset link for an active account with this email, or None. Callers answer the same either way
    (AUTH-07). Flushes, does not commit."""
    now = now or db.utcnow()
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)[:254]))
    if user is None or not user.is_active:
        return None
    recent = db.session.scalar(
        select(func.count())
        .select_from(PasswordToken)
        .where(
            PasswordToken.user_id == user.id,
            PasswordToken.purpose == TokenPurpose.RESET,
            PasswordToken.created_at >= now - timedelta(hours=1),
        )
    )
    if (recent or 0) >= MAX_RESET_REQUESTS_PER_HOUR:
        return None
    return issue_link(user, purpose="reset", actor_id=None, now=now)


def find_valid_link(token: str, *, now: datetime | None = None) -> PasswordToken | None:
    """The unused, unexpired link record for ``token`` whose account is active, or None."""
    now = now or db.utcnow()
    if not token or len(token) > 100:
        return None
    record = db.session.scalar(select(PasswordToken).where(PasswordToken.token_hash == token_hash(token)))
    if record is None or record.used_at is not None or record.revoked_at is not None:
        return None
    if record.expires_at <= now:
        return None
    user = db.session.get(User, record.user_id)
    if user is None or not user.is_active:
        return None
    return record


def redeem_link(token: str, *, new_password: str, org_name: str | None, now: datetime | None = None) -> User:
    """Set a password with a link. The link is then used up and every session ends. Raises NotFound for a
    bad link and ValidationFailed (``new_password``) for a refused password, leaving the link valid.
    Flushes, does not commit."""
    now = now or db.utcnow()
    record = find_valid_link(token, now=now)
    if record is None:
        raise NotFound("This link has expired or has already been used. Ask for a new one.")
    user = db.session.get(User, record.user_id)
    assert user is not None  # find_valid_link checked it
    check_new_password(new_password, user=user, org_name=org_name, field="new_password")
    action = "user.password_reset" if record.purpose is TokenPurpose.RESET else "user.password_set"
    _store_password(user, new_password, actor_id=user.id, action=action, now=now)
    record.used_at = now
    db.session.flush()
    return user


def end_reset_links_at_sign_in(user: User, *, now: datetime | None = None) -> None:
    """Signing in proves the person knows their password, so outstanding reset links end. Flushes."""
    _revoke_tokens(user.id, purposes=("reset",), now=now or db.utcnow())
    db.session.flush()


def create_account_with_link(
    *, email: str, name: str, roles: list[str], team_code: str | None, actor_id: int
) -> IssuedLink:
    """An administrator creates an account with no password and a 72-hour set-password link (AUTH-06):
    nobody, the administrator included, ever knows the person's password. Flushes, does not commit."""
    from changeauth.services.users import create_user

    user = create_user(email=email, name=name, roles=roles, team_code=team_code, actor_id=actor_id)
    return issue_link(user, purpose="set", actor_id=actor_id)
