"""The council's OpenID Connect provider as configured (``CHANGEAUTH_OIDC_*``), registered with Authlib.

Single sign-on is off unless ``CHANGEAUTH_OIDC_ISSUER`` (with a client id and secret) is set. Nothing
here reaches the network: Authlib reads the provider's discovery document on the first sign-in. The
routes are in ``single_sign_on``; see docs/single-sign-on.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

from changeauth.models import User

EXTENSION_KEY = "changeauth.single_sign_on"


@dataclass(frozen=True)
class Provider:
    """The configured provider: Authlib's client plus changeauth's settings for it."""

    client: Any
    issuer: str
    client_id: str
    button_label: str
    origin: str

    @property
    def sso_only(self) -> bool:
        """Passwords are off for everyone but the emergency administrator accounts."""
        return bool(current_app.config["OIDC_SSO_ONLY"])

    @property
    def break_glass(self) -> frozenset[str]:
        """The emergency administrator accounts' emails (lower case)."""
        return frozenset(current_app.config["OIDC_BREAK_GLASS_ACCOUNTS"])


def init_app(app: Flask) -> None:
    """Register the provider with Authlib when single sign-on is configured."""
    issuer = app.config.get("OIDC_ISSUER")
    if not issuer:
        return
    oauth = OAuth()
    oauth.init_app(app)
    client = oauth.register(
        "council",
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": app.config["OIDC_SCOPES"],
            "code_challenge_method": "S256",
            "default_timeout": app.config["OIDC_TIMEOUT_SECONDS"],
        },
    )
    parts = urlsplit(issuer)
    app.extensions[EXTENSION_KEY] = Provider(
        client=client,
        issuer=issuer,
        client_id=app.config["OIDC_CLIENT_ID"],
        button_label=app.config["OIDC_BUTTON_LABEL"],
        origin=f"{parts.scheme}://{parts.netloc}",
    )


def provider() -> Provider | None:
    """The configured provider of the current app, or None when single sign-on is off."""
    return current_app.extensions.get(EXTENSION_KEY)


def passwords_allowed_for(email: str) -> bool:
    """False in SSO-only mode for everyone but the named emergency administrator accounts."""
    configured = provider()
    return configured is None or not configured.sso_only or email.strip().lower() in configured.break_glass


def confirms_with_provider(user: User) -> bool:
    """Whether step-up for this person goes through the provider rather than a password."""
    configured = provider()
    if configured is None or user.oidc_subject is None:
        return False
    return not user.password_hash or not passwords_allowed_for(user.email)


def email_from_provider(user: User) -> bool:
    """The account's email follows the provider (it is set again at every sign-in)."""
    return provider() is not None and user.oidc_subject is not None


def form_action_sources() -> str:
    """The CSP form-action sources: this site, plus the provider when signing out goes on to it."""
    configured = provider()
    return "'self'" if configured is None else f"'self' {configured.origin}"
