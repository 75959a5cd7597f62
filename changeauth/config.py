"""Settings read from ``CHANGEAUTH_*`` environment variables, with production safety checks.

Environments: production (the default), development, demo and testing. Production refuses to start
with a missing, short or known development secret key, or with debug on (CFG-01, CFG-02).
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ENVIRONMENTS = ("production", "development", "demo", "testing")
MIN_SECRET_KEY_BYTES = 32

# Keys that have appeared in docs or examples; a production app must never run with one of them.
KNOWN_DEV_KEYS = frozenset(
    {
        "dev",
        "development",
        "changeme",
        "change-me",
        "secret",
        "changeauth-development-key-do-not-use-in-production",
    }
)
DEV_SECRET_KEY = "changeauth-development-key-do-not-use-in-production"

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration is unsafe or incomplete."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"CHANGEAUTH_{name}")
    return value if value not in (None, "") else default


def _env_int(name: str, default: int, *, minimum: int = 1) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"CHANGEAUTH_{name} must be a whole number, not {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"CHANGEAUTH_{name} must be at least {minimum}, not {value}")
    return value


def _env_list(name: str) -> list[str] | None:
    raw = _env(name)
    if raw is None:
        return None
    return [item.strip() for item in raw.split(",") if item.strip()] or None


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_networks(name: str) -> list[str]:
    """Comma-separated addresses or networks (CIDR), checked now so a typo stops the start."""
    networks = _env_list(name) or []
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as exc:
            raise ConfigError(f"CHANGEAUTH_{name}: {network!r} is not an address or network") from exc
    return networks


def _env_role_map(name: str) -> dict[str, list[str]]:
    """A JSON object from a claim value (group or app role) to a changeauth role or a list of roles."""
    raw = _env(name)
    if raw is None:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(
            f'CHANGEAUTH_{name} must be a JSON object such as {{"ChangeAuth.Finance": "finance"}}'
        ) from exc
    if not isinstance(parsed, dict):
        raise ConfigError(f"CHANGEAUTH_{name} must be a JSON object from claim values to roles")
    role_map: dict[str, list[str]] = {}
    for value, roles in parsed.items():
        listed = [roles] if isinstance(roles, str) else roles
        if not isinstance(listed, list) or not all(isinstance(role, str) for role in listed):
            raise ConfigError(f"CHANGEAUTH_{name}: {value!r} must map to a role or a list of roles")
        role_map[str(value)] = listed
    return role_map


def _retention_days() -> dict[str, int]:
    from changeauth.domain.retention import DESCRIPTIONS

    return {
        kind.value: _env_int(kind.setting.removeprefix("CHANGEAUTH_"), description.default_days, minimum=0)
        for kind, description in DESCRIPTIONS.items()
    }


def default_sqlite_url(instance_path: Path) -> str:
    """The embedded database: a file under ``instance/``."""
    return f"sqlite:///{instance_path / 'changeauth.db'}"


def load_config(env: str | None = None, *, instance_path: Path | None = None) -> dict[str, Any]:
    """Build the settings mapping for an environment from ``CHANGEAUTH_*`` variables."""
    env = env or _env("ENV", "production") or "production"
    if env not in ENVIRONMENTS:
        raise ConfigError(f"CHANGEAUTH_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    instance_path = instance_path or PROJECT_ROOT / "instance"
    production = env == "production"

    config: dict[str, Any] = {
        "ENV_NAME": env,
        "DEBUG": _env_bool("DEBUG", env == "development"),
        "TESTING": env == "testing",
        "SECRET_KEY": _env("SECRET_KEY", None if production else DEV_SECRET_KEY),
        "DATABASE_URL": _env("DATABASE_URL", default_sqlite_url(instance_path)),
        "SQL_ECHO": _env_bool("SQL_ECHO", False),
        "ORG_NAME": _env("ORG_NAME", "Your Council"),
        # What people call the service: page titles, the header, emails and the accessibility statement.
        "SERVICE_NAME": _env("SERVICE_NAME", "Change authority"),
        "TIMEZONE": _env("TIMEZONE", "Europe/London"),
        "SMTP_URL": _env("SMTP_URL"),
        "MAIL_FROM": _env("MAIL_FROM", "changeauth@localhost"),
        # Decision rules (docs/gates.md, docs/scoring-and-backlog.md, docs/benefits-and-resources.md)
        "GATE_QUORUM": _env_int("GATE_QUORUM", 3),
        "SCORE_QUORUM": _env_int("SCORE_QUORUM", 3),
        "DISAGREEMENT_THRESHOLD": _env_int("DISAGREEMENT_THRESHOLD", 3),
        "TRIAGE_SLA_WORKING_DAYS": _env_int("TRIAGE_SLA_WORKING_DAYS", 10),
        "BENEFIT_GRACE_DAYS": _env_int("BENEFIT_GRACE_DAYS", 14, minimum=0),
        # Leavers (docs/personal-data.md#leavers): days after an account is switched off before what
        # identifies the person is anonymised.
        "LEAVER_ANONYMISE_AFTER_DAYS": _env_int("LEAVER_ANONYMISE_AFTER_DAYS", 90, minimum=0),
        # The privacy notice's contact details (docs/personal-data.md#the-privacy-notice).
        "PRIVACY_CONTACT": _env("PRIVACY_CONTACT"),
        "DATA_PROTECTION_OFFICER": _env("DATA_PROTECTION_OFFICER"),
        "PRIVACY_ADDRESS": _env("PRIVACY_ADDRESS"),
        # The retention schedule (docs/personal-data.md#retention): days to keep each kind; 0 for ever.
        "RETENTION_DAYS": _retention_days(),
        # Sign-in throttling (AUTH-05): failures per account inside the window before refusing.
        "LOGIN_MAX_FAILURES": _env_int("LOGIN_MAX_FAILURES", 10),
        "LOGIN_FAILURE_WINDOW_MINUTES": _env_int("LOGIN_FAILURE_WINDOW_MINUTES", 15),
        "LOGIN_MAX_FAILURES_PER_HOUR": _env_int("LOGIN_MAX_FAILURES_PER_HOUR", 100),
        # Cookies (CFG-03): Secure and the __Host- prefix only where HTTPS is guaranteed.
        "SESSION_COOKIE_NAME": "__Host-session" if production else "changeauth_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        # Sessions (SESS-04, SESS-05): NIST SP 800-63B AAL2 reauthentication limits, checked on every request.
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=_env_int("SESSION_IDLE_MINUTES", 30)),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=_env_int("SESSION_ABSOLUTE_HOURS", 12)),
        # Step-up (SESS-09): changing email, password or second factor needs a sign-in this recent.
        "STEP_UP_MAX_AGE": timedelta(minutes=10),
        # Second factor: always for design authority, finance and admin; for everyone when set.
        "REQUIRE_2FA_FOR_ALL": _env_bool("REQUIRE_2FA_FOR_ALL", False),
        # Authenticator apps show this beside the code: the service's name unless set apart.
        "TOTP_ISSUER": _env("TOTP_ISSUER") or _env("SERVICE_NAME", "Change authority"),
        # Host-header injection (CFG-07): Flask answers 400 to any other Host. Required in production.
        "TRUSTED_HOSTS": _env_list("TRUSTED_HOSTS"),
        "HSTS_MAX_AGE_SECONDS": 31_536_000,
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session, which has its own limits
        "MAX_CONTENT_LENGTH": 11 * 1024 * 1024,
        "API_MAX_JSON_BYTES": 1024 * 1024,
        # Per-token API rate limit (Flask-Limiter syntax); counters in Redis when a URL is given, so every
        # worker shares them, else in this process's memory.
        "API_RATE_LIMIT": _env("API_RATE_LIMIT", "600 per minute"),
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URL", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RUN_SCHEDULER": False,
        # The backlog's rank ranges are worked out after a change by a thread of the process that
        # claims them (off in tests: the claiming request works them out before it answers).
        "RANK_RANGES_IN_BACKGROUND": _env_bool("RANK_RANGES_IN_BACKGROUND", env != "testing"),
        # Likewise the shared views (the dashboard's figures and charts, web/shared_views.py): the claiming
        # request answers with the previous result while a thread works the new one out (off in tests).
        "SHARED_VIEWS_IN_BACKGROUND": _env_bool("SHARED_VIEWS_IN_BACKGROUND", env != "testing"),
        # flask-smorest: the OpenAPI document lives beside the API it describes
        "API_TITLE": "changeauth",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # /metrics (docs/operations.md#metrics): off unless a token or the networks allowed are given.
        "METRICS_TOKEN": _env("METRICS_TOKEN"),
        "METRICS_ALLOWED_NETWORKS": _env_networks("METRICS_ALLOWED_NETWORKS"),
        # One JSON line per request on the changeauth.requests logger.
        "ACCESS_LOG": _env_bool("ACCESS_LOG", True),
        # Single sign-on with OpenID Connect (docs/single-sign-on.md). Off unless an issuer is given.
        "OIDC_ISSUER": _env("OIDC_ISSUER"),
        "OIDC_CLIENT_ID": _env("OIDC_CLIENT_ID"),
        "OIDC_CLIENT_SECRET": _env("OIDC_CLIENT_SECRET"),
        "OIDC_SCOPES": _env("OIDC_SCOPES", "openid email profile"),
        "OIDC_BUTTON_LABEL": _env("OIDC_BUTTON_LABEL", "Sign in with your council account"),
        "OIDC_ROLE_MAP": _env_role_map("OIDC_ROLE_MAP"),
        "OIDC_ROLES_CLAIM": _env("OIDC_ROLES_CLAIM", "roles"),
        "OIDC_ALLOWED_TENANTS": _env_list("OIDC_ALLOWED_TENANTS"),
        "OIDC_SSO_ONLY": _env_bool("OIDC_SSO_ONLY", False),
        "OIDC_BREAK_GLASS_ACCOUNTS": [
            email.lower() for email in _env_list("OIDC_BREAK_GLASS_ACCOUNTS") or []
        ],
        "OIDC_MFA_ACR_VALUES": _env_list("OIDC_MFA_ACR_VALUES") or [],
        "OIDC_PROVIDER_ENFORCES_MFA": _env_bool("OIDC_PROVIDER_ENFORCES_MFA", False),
        "OIDC_TIMEOUT_SECONDS": _env_int("OIDC_TIMEOUT_SECONDS", 10),
    }
    if env == "testing":
        config.update({"WTF_CSRF_ENABLED": False, "PROPAGATE_EXCEPTIONS": False})
        # Tests that exercise the limit set a low one; the rest must never meet it.
        if _env("API_RATE_LIMIT") is None:
            config["API_RATE_LIMIT"] = "1000000 per minute"
    return config


def check_config(config: Mapping[str, Any]) -> None:
    """Refuse unsafe production settings (CFG-01, CFG-02, CFG-07) and incomplete single sign-on."""
    check_single_sign_on(config)
    if config.get("ENV_NAME") != "production":
        return
    key = config.get("SECRET_KEY")
    if not key:
        raise ConfigError("CHANGEAUTH_SECRET_KEY must be set in production")
    if key in KNOWN_DEV_KEYS:
        raise ConfigError("CHANGEAUTH_SECRET_KEY is a known development key; generate a new one")
    if len(key.encode()) < MIN_SECRET_KEY_BYTES:
        raise ConfigError(
            f"CHANGEAUTH_SECRET_KEY must be at least {MIN_SECRET_KEY_BYTES} bytes; "
            "use the output of: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    if config.get("DEBUG"):
        raise ConfigError("Debug mode must be off in production (unset CHANGEAUTH_DEBUG)")
    token = config.get("METRICS_TOKEN")
    if token and len(token.encode()) < MIN_SECRET_KEY_BYTES:
        raise ConfigError(f"CHANGEAUTH_METRICS_TOKEN must be at least {MIN_SECRET_KEY_BYTES} bytes")
    if config.get("TESTING") or config.get("PROPAGATE_EXCEPTIONS"):
        raise ConfigError("TESTING and PROPAGATE_EXCEPTIONS must be off in production")
    if not config.get("TRUSTED_HOSTS"):
        raise ConfigError(
            "CHANGEAUTH_TRUSTED_HOSTS must name the host names the service answers to "
            "(for example changeauth.council.gov.uk), comma-separated"
        )


def check_single_sign_on(config: Mapping[str, Any]) -> None:
    """Refuse a single sign-on configuration that is incomplete or would let strangers in."""
    from changeauth.domain.roles import ALL_ROLES
    from changeauth.domain.single_sign_on import is_entra_shared_issuer

    issuer = config.get("OIDC_ISSUER")
    if not issuer:
        if config.get("OIDC_SSO_ONLY"):
            raise ConfigError("CHANGEAUTH_OIDC_SSO_ONLY needs CHANGEAUTH_OIDC_ISSUER (and its client id)")
        return
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError("CHANGEAUTH_OIDC_ISSUER must be the provider's issuer URL, https://…")
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        raise ConfigError("CHANGEAUTH_OIDC_ISSUER must use https (plain http only on this machine)")
    if not config.get("OIDC_CLIENT_ID") or not config.get("OIDC_CLIENT_SECRET"):
        raise ConfigError(
            "CHANGEAUTH_OIDC_ISSUER needs CHANGEAUTH_OIDC_CLIENT_ID and CHANGEAUTH_OIDC_CLIENT_SECRET"
        )
    if "openid" not in (config.get("OIDC_SCOPES") or "").split():
        raise ConfigError("CHANGEAUTH_OIDC_SCOPES must include openid")
    unknown = sorted(
        {
            role
            for roles in (config.get("OIDC_ROLE_MAP") or {}).values()
            for role in ([roles] if isinstance(roles, str) else roles)
        }
        - set(ALL_ROLES)
    )
    if unknown:
        raise ConfigError(
            f"CHANGEAUTH_OIDC_ROLE_MAP names unknown roles ({', '.join(unknown)}); use {', '.join(ALL_ROLES)}"
        )
    if is_entra_shared_issuer(issuer) and not config.get("OIDC_ALLOWED_TENANTS"):
        raise ConfigError(
            "A multi-tenant Entra ID issuer accepts accounts from any organisation: list the tenant ids "
            "allowed in CHANGEAUTH_OIDC_ALLOWED_TENANTS"
        )
    if config.get("OIDC_SSO_ONLY") and not config.get("OIDC_BREAK_GLASS_ACCOUNTS"):
        raise ConfigError(
            "CHANGEAUTH_OIDC_SSO_ONLY needs at least one emergency administrator account in "
            "CHANGEAUTH_OIDC_BREAK_GLASS_ACCOUNTS, for when the provider cannot be reached"
        )


def generate_secret_key() -> str:
    """A fresh secret key of 48 random bytes, URL-safe."""
    return secrets.token_urlsafe(48)
