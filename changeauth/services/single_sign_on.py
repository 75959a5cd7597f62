"""Accounts from the OpenID Connect provider: the first sign-in creates or links an account, later ones
keep its email and (with a role map) its roles as the provider says; switched-off accounts are refused.

The web layer has already checked the ID token (signature, issuer, audience, expiry, nonce) and its
claims (``domain.single_sign_on``); this module decides what they mean for changeauth's accounts and
writes the audit log: ``user.created`` (with the reason), ``user.sso_linked``, ``user.email_changed``,
``user.roles_changed`` and ``user.sign_in_refused``. See docs/single-sign-on.md.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from changeauth import db
from changeauth.domain.roles import Role
from changeauth.models import User, UserRole
from changeauth.services.audit import record_event
from changeauth.services.users import create_user

FIRST_SIGN_IN = "first sign-in through the council's sign-in service"


@dataclass(frozen=True)
class ProviderIdentity:
    """Who the provider says signed in. ``roles`` is None when changeauth manages roles itself."""

    issuer: str
    subject: str
    email: str
    name: str
    roles: frozenset[str] | None


@dataclass(frozen=True)
class ProviderSignIn:
    user: User
    created: bool
    linked: bool


class SignInRefused(Exception):
    """The provider vouched for the person, but changeauth will not sign them in."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def record_refusal(*, reason: str, user_id: int | None, email: str | None, issuer: str | None) -> None:
    """Audit a refused sign-in whose identity the provider had vouched for. Flushes."""
    record_event(
        actor_id=None,
        action="user.sign_in_refused",
        subject_type="user",
        subject_id=user_id,
        after={"via": "single_sign_on", "issuer": issuer},
        personal_after={"email": email} if email else None,
        reason=reason,
    )


def _find_linked(identity: ProviderIdentity) -> User | None:
    return db.session.scalar(
        select(User).where(User.oidc_issuer == identity.issuer, User.oidc_subject == identity.subject)
    )


def _find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _refuse(reason: str, message: str, *, user: User | None, identity: ProviderIdentity) -> SignInRefused:
    record_refusal(
        reason=reason, user_id=user.id if user else None, email=identity.email, issuer=identity.issuer
    )
    return SignInRefused(reason, message)


def _follow_email(user: User, identity: ProviderIdentity) -> None:
    """The provider's email wins, unless another account already has it (then nothing changes)."""
    if identity.email == user.email or _find_by_email(identity.email) is not None:
        return
    before = user.email
    user.email = identity.email
    db.session.flush()
    record_event(
        actor_id=None,
        action="user.email_changed",
        subject_type="user",
        subject_id=user.id,
        personal_before={"email": before},
        personal_after={"email": identity.email},
        reason="changed at the council's sign-in service",
    )


def _apply_roles(user: User, roles: frozenset[str]) -> None:
    before = sorted(user.roles)
    after = sorted(roles)
    if before == after:
        return
    kept = [link for link in user.role_links if link.role in roles]
    user.role_links = kept + [UserRole(role=role) for role in after if role not in user.roles]
    db.session.flush()
    record_event(
        actor_id=None,
        action="user.roles_changed",
        subject_type="user",
        subject_id=user.id,
        before={"roles": before},
        after={"roles": after},
        reason="roles from the council's sign-in service",
    )


def sign_in(
    identity: ProviderIdentity, *, break_glass_emails: Collection[str], now: datetime | None = None
) -> ProviderSignIn:
    """The account for a verified provider identity, created or linked on first sign-in. Raises
    SignInRefused (already audited). Flushes, does not commit.

    Roles from the provider replace the account's at every sign-in when a role map is set, except on the
    named emergency administrator accounts, whose roles must survive whatever the provider says.
    """
    now = now or db.utcnow()
    user = _find_linked(identity)
    created = linked = False
    if user is None:
        user = _find_by_email(identity.email)
        if user is not None and user.oidc_subject is not None:
            raise _refuse(
                "linked_elsewhere",
                "The account for your email address belongs to a different council account. "
                "Ask an administrator to check it.",
                user=user,
                identity=identity,
            )
        if user is None:
            user = create_user(
                email=identity.email,
                name=identity.name,
                roles=sorted(identity.roles or {Role.STAFF.value}),
                actor_id=None,
                reason=FIRST_SIGN_IN,
            )
            created = True
        else:
            linked = True
    if not user.is_active:
        raise _refuse(
            "account_disabled",
            "Your account has been switched off. Ask an administrator if you need it again.",
            user=user,
            identity=identity,
        )
    if linked:
        user.oidc_issuer, user.oidc_subject = identity.issuer, identity.subject
        db.session.flush()
        record_event(
            actor_id=None,
            action="user.sso_linked",
            subject_type="user",
            subject_id=user.id,
            after={"issuer": identity.issuer},
            personal_after={"email": identity.email},
            reason="matched by the verified email address",
        )
    elif created:
        user.oidc_issuer, user.oidc_subject = identity.issuer, identity.subject
        db.session.flush()
    else:
        _follow_email(user, identity)
    if identity.roles is not None and user.email not in set(break_glass_emails):
        _apply_roles(user, identity.roles)
    user.last_login_at = now
    db.session.flush()
    return ProviderSignIn(user=user, created=created, linked=linked)
