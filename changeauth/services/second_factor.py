"""The second factor: TOTP (RFC 6238, with pyotp) and ten single-use recovery codes.

- Enrolment: the secret offered on the set-up page is derived from the app's secret key, the person and a
  random nonce kept in their session, so showing the page stores nothing. It is saved only once a code
  from the person's app proves they have it.
- A TOTP code is accepted one step either side of now (±30 s of clock drift) and never twice: the last
  accepted step is stored, so a code seen over someone's shoulder is useless once used.
- Recovery codes are hashed with argon2id (per-code salt; the OWASP minimum profile, 19 MiB, t=2, p=1,
  because each is tried in turn) since 59 bits are below the 112 bits ASVS 6.5.2 asks of a plain hash.
- Wrong codes are counted per account in the database, like passwords (5 in 15 minutes, 20 in an hour).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select

from changeauth import db
from changeauth.domain.errors import PermissionDenied, ValidationFailed
from changeauth.domain.second_factor import (
    RECOVERY_CODE_COUNT,
    looks_like_totp,
    new_recovery_code,
    normalise_recovery_code,
    second_factor_required,
)
from changeauth.models import RecoveryCode, SecondFactorAttempt, User
from changeauth.services import notifications
from changeauth.services.audit import record_event
from changeauth.services.users import revoke_all_api_tokens

TOTP_STEP_SECONDS = 30
recovery_code_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


@dataclass(frozen=True)
class CodePolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    max_failures_per_hour: int = 20


class SecondFactorFailed(Exception):
    """A wrong, reused or throttled code."""

    def __init__(self, *, throttled: bool = False) -> None:
        super().__init__("The code is not right. Check your authenticator app and try again.")
        self.throttled = throttled


def enrolment_secret(app_secret_key: str, user_id: int, nonce: str) -> str:
    """The base32 TOTP secret (160 bits) offered to ``user_id`` for this enrolment ``nonce``."""
    digest = hmac.new(
        app_secret_key.encode("utf-8"), f"totp-enrolment:{user_id}:{nonce}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest[:20]).decode("ascii")


def provisioning_uri(secret: str, *, email: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def _accepted_step(secret: str, code: str, now: datetime) -> int | None:
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // TOTP_STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * TOTP_STEP_SECONDS), code):
            return step
    return None


def is_required(user: User, *, required_for_all: bool) -> bool:
    return second_factor_required(user.roles, required_for_all=required_for_all)


def _replace_recovery_codes(user: User, now: datetime) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        db.session.add(
            RecoveryCode(
                user_id=user.id,
                code_hash=recovery_code_hasher.hash(normalise_recovery_code(code) or ""),
                created_at=now,
            )
        )
    db.session.flush()
    return codes


def _notify(user: User, text: str, event_id: int) -> None:
    notifications.enqueue(
        user_ids=[user.id],
        kind="second_factor_changed",
        text=text,
        event_key=f"second_factor:{event_id}",
        subject_type="user",
        subject_id=user.id,
    )


def enable(user: User, *, secret: str, code: str, now: datetime | None = None) -> list[str]:
    """Save the secret once ``code`` proves the app has it; returns ten new recovery codes (shown once).
    Replaces any earlier secret and codes. Raises ValidationFailed (``code``). Flushes, does not commit."""
    now = now or db.utcnow()
    digits = looks_like_totp(code)
    step = _accepted_step(secret, digits, now) if digits else None
    if step is None:
        raise ValidationFailed({"code": ["Enter the 6-digit code your authenticator app shows now."]})
    replacing = user.totp_secret is not None
    user.totp_secret = secret
    user.totp_enabled_at = now
    user.totp_last_step = step
    codes = _replace_recovery_codes(user, now)
    event = record_event(
        actor_id=user.id,
        action="user.second_factor_replaced" if replacing else "user.second_factor_enabled",
        subject_type="user",
        subject_id=user.id,
    )
    _notify(user, "An authenticator app was set up for your account.", event.id)
    return codes


def regenerate_recovery_codes(user: User, *, now: datetime | None = None) -> list[str]:
    """Ten new recovery codes; the old ones stop working. Flushes, does not commit."""
    now = now or db.utcnow()
    if user.totp_secret is None:
        raise ValidationFailed({"code": ["Set up an authenticator app first."]})
    codes = _replace_recovery_codes(user, now)
    event = record_event(
        actor_id=user.id, action="user.recovery_codes_replaced", subject_type="user", subject_id=user.id
    )
    _notify(user, "New recovery codes were made for your account.", event.id)
    return codes


def disable(user: User, *, actor_id: int, required_for_all: bool, by_admin: bool = False) -> None:
    """Remove the second factor. People whose role needs one may not remove their own (an administrator
    may reset it, for a lost phone; they then set up again at their next sign-in). Flushes."""
    if not by_admin and is_required(user, required_for_all=required_for_all):
        raise PermissionDenied("Your role needs a second factor, so it cannot be turned off.")
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.session_version += 1
    # A lost or removed factor may be in someone else's hands: tokens made under it stop too.
    revoke_all_api_tokens(user)
    db.session.flush()
    event = record_event(
        actor_id=actor_id,
        action="user.second_factor_reset" if by_admin else "user.second_factor_disabled",
        subject_type="user",
        subject_id=user.id,
    )
    _notify(user, "The second factor of your account was removed.", event.id)


def recovery_codes_left(user: User) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def _failures_since(user_id: int, since: datetime) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(SecondFactorAttempt)
            .where(
                SecondFactorAttempt.user_id == user_id,
                SecondFactorAttempt.succeeded.is_(False),
                SecondFactorAttempt.attempted_at >= since,
            )
        )
        or 0
    )


def _use_recovery_code(user: User, text: str, now: datetime) -> bool:
    code = normalise_recovery_code(text)
    if code is None:
        return False
    unused = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    for record in unused:
        try:
            recovery_code_hasher.verify(record.code_hash, code)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            continue
        record.used_at = now
        return True
    return False


def verify(
    user: User,
    code: str,
    *,
    ip_address: str | None,
    now: datetime | None = None,
    policy: CodePolicy | None = None,
) -> str:
    """Check a sign-in code: a TOTP code or an unused recovery code. Returns ``totp`` or ``recovery_code``.
    Raises SecondFactorFailed. Every attempt is recorded (commit it even on failure). Flushes."""
    now = now or db.utcnow()
    policy = policy or CodePolicy()

    def record(succeeded: bool) -> None:
        db.session.add(
            SecondFactorAttempt(user_id=user.id, ip_address=ip_address, attempted_at=now, succeeded=succeeded)
        )
        db.session.flush()

    if user.totp_secret is None:
        raise SecondFactorFailed()
    if (
        _failures_since(user.id, now - policy.window) >= policy.max_failures
        or _failures_since(user.id, now - timedelta(hours=1)) >= policy.max_failures_per_hour
    ):
        record(False)
        raise SecondFactorFailed(throttled=True)
    digits = looks_like_totp(code)
    if digits is not None:
        step = _accepted_step(user.totp_secret, digits, now)
        if step is not None and (user.totp_last_step is None or step > user.totp_last_step):
            user.totp_last_step = step
            record(True)
            return "totp"
    elif _use_recovery_code(user, code, now):
        record(True)
        record_event(
            actor_id=user.id, action="user.recovery_code_used", subject_type="user", subject_id=user.id
        )
        return "recovery_code"
    record(False)
    raise SecondFactorFailed()
