"""Settings read from ``CHANGEAUTH_*`` environment variables, with production safety checks.

Environments: production (the default), development, demo and testing. Production refuses to start
with a missing, short or known development secret key, or with debug on (CFG-01, CFG-02).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

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
        "TIMEZONE": _env("TIMEZONE", "Europe/London"),
        "SMTP_URL": _env("SMTP_URL"),
        "MAIL_FROM": _env("MAIL_FROM", "changeauth@localhost"),
        # Decision rules (DESIGN.md §4, §5, §7)
        "GATE_QUORUM": _env_int("GATE_QUORUM", 3),
        "SCORE_QUORUM": _env_int("SCORE_QUORUM", 3),
        "DISAGREEMENT_THRESHOLD": _env_int("DISAGREEMENT_THRESHOLD", 3),
        "TRIAGE_SLA_WORKING_DAYS": _env_int("TRIAGE_SLA_WORKING_DAYS", 10),
        "BENEFIT_GRACE_DAYS": _env_int("BENEFIT_GRACE_DAYS", 14, minimum=0),
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
        "TOTP_ISSUER": _env("TOTP_ISSUER", "changeauth"),
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
        # Compute the cached derived views when a server process starts (wsgi.py), not on first request.
        "WARM_UP": _env_bool("WARM_UP", env != "testing"),
        # flask-smorest: the OpenAPI document lives beside the API it describes
        "API_TITLE": "changeauth",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
    if env == "testing":
        config.update({"WTF_CSRF_ENABLED": False, "PROPAGATE_EXCEPTIONS": False})
        # Tests that exercise the limit set a low one; the rest must never meet it.
        if _env("API_RATE_LIMIT") is None:
            config["API_RATE_LIMIT"] = "1000000 per minute"
    return config


def check_config(config: Mapping[str, Any]) -> None:
    """Refuse unsafe production settings (CFG-01, CFG-02, CFG-07)."""
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
    if config.get("TESTING") or config.get("PROPAGATE_EXCEPTIONS"):
        raise ConfigError("TESTING and PROPAGATE_EXCEPTIONS must be off in production")
    if not config.get("TRUSTED_HOSTS"):
        raise ConfigError(
            "CHANGEAUTH_TRUSTED_HOSTS must name the host names the service answers to "
            "(for example changeauth.council.gov.uk), comma-separated"
        )


def generate_secret_key() -> str:
    """A fresh secret key of 48 random bytes, URL-safe."""
    return secrets.token_urlsafe(48)
