"""Tests for settings (load_config, check_config) and for the production app's safety (CFG-01..03)."""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

import changeauth
from changeauth import config, db
from changeauth.config import ConfigError, check_config, load_config
from changeauth.services import transaction

STRONG_KEY = secrets.token_urlsafe(36)  # 48 characters


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no CHANGEAUTH_* variables, whatever the shell running pytest has set."""
    for name in list(os.environ):
        if name.startswith("CHANGEAUTH_"):
            monkeypatch.delenv(name)


def production(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, object]:
    env.setdefault("TRUSTED_HOSTS", "changeauth.council.example")
    for name, value in env.items():
        monkeypatch.setenv(f"CHANGEAUTH_{name}", value)
    return load_config("production")


class TestProductionSecretKey:
    def test_missing_key_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        settings = production(monkeypatch)
        assert settings["SECRET_KEY"] is None
        with pytest.raises(ConfigError, match="must be set"):
            check_config(settings)

    def test_empty_key_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        with pytest.raises(ConfigError, match="must be set"):
            check_config(production(monkeypatch, SECRET_KEY=""))

    @pytest.mark.parametrize("key", ["dev", config.DEV_SECRET_KEY, *sorted(config.KNOWN_DEV_KEYS)])
    def test_known_dev_key_refused(self, monkeypatch: pytest.MonkeyPatch, key: str) -> None:
        with pytest.raises(ConfigError, match="known development key"):
            check_config(production(monkeypatch, SECRET_KEY=key))

    def test_dev_key_refused_even_though_long_enough(self, monkeypatch: pytest.MonkeyPatch) -> None:
        assert len(config.DEV_SECRET_KEY.encode()) >= config.MIN_SECRET_KEY_BYTES
        with pytest.raises(ConfigError):
            check_config(production(monkeypatch, SECRET_KEY=config.DEV_SECRET_KEY))

    def test_31_byte_key_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        with pytest.raises(ConfigError, match="at least 32 bytes"):
            check_config(production(monkeypatch, SECRET_KEY="k" * 31))

    def test_short_key_measured_in_bytes_not_characters(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # 16 two-byte characters are 32 bytes: allowed. 15 plus one ASCII byte are 31: refused.
        check_config(production(monkeypatch, SECRET_KEY="é" * 16))
        with pytest.raises(ConfigError):
            check_config(production(monkeypatch, SECRET_KEY="é" * 15 + "k"))

    def test_32_byte_key_accepted(self, monkeypatch: pytest.MonkeyPatch) -> None:
        check_config(production(monkeypatch, SECRET_KEY="k" * 32))

    def test_random_48_char_key_accepted(self, monkeypatch: pytest.MonkeyPatch) -> None:
        assert len(STRONG_KEY) == 48
        settings = production(monkeypatch, SECRET_KEY=STRONG_KEY)
        assert settings["SECRET_KEY"] == STRONG_KEY
        check_config(settings)

    def test_generated_key_is_accepted(self, monkeypatch: pytest.MonkeyPatch) -> None:
        key = config.generate_secret_key()
        assert key != config.generate_secret_key()
        check_config(production(monkeypatch, SECRET_KEY=key))


class TestProductionDebugAndTesting:
    @pytest.mark.parametrize("value", ["1", "true", "YES", "on"])
    def test_debug_refused(self, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
        settings = production(monkeypatch, SECRET_KEY=STRONG_KEY, DEBUG=value)
        assert settings["DEBUG"] is True
        with pytest.raises(ConfigError, match="Debug"):
            check_config(settings)

    @pytest.mark.parametrize("value", ["0", "false", "no", ""])
    def test_debug_off_values_accepted(self, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
        settings = production(monkeypatch, SECRET_KEY=STRONG_KEY, DEBUG=value)
        assert settings["DEBUG"] is False
        check_config(settings)

    @pytest.mark.parametrize("flag", ["TESTING", "PROPAGATE_EXCEPTIONS"])
    def test_testing_flags_refused(self, monkeypatch: pytest.MonkeyPatch, flag: str) -> None:
        settings = {**production(monkeypatch, SECRET_KEY=STRONG_KEY), flag: True}
        with pytest.raises(ConfigError, match="TESTING"):
            check_config(settings)

    @pytest.mark.parametrize("env", ["development", "demo", "testing"])
    def test_non_production_not_checked(self, monkeypatch: pytest.MonkeyPatch, env: str) -> None:
        monkeypatch.setenv("CHANGEAUTH_DEBUG", "1")
        settings = load_config(env)
        assert settings["SECRET_KEY"] == config.DEV_SECRET_KEY
        check_config(settings)


class TestTrustedHosts:
    """CFG-07: production names the host names it answers to; any other Host header gets 400."""

    def test_production_refuses_to_start_without_them(self, monkeypatch: pytest.MonkeyPatch) -> None:
        with pytest.raises(ConfigError, match="CHANGEAUTH_TRUSTED_HOSTS"):
            check_config(production(monkeypatch, SECRET_KEY=STRONG_KEY, TRUSTED_HOSTS=""))

    def test_a_comma_separated_list(self, monkeypatch: pytest.MonkeyPatch) -> None:
        settings = production(
            monkeypatch, SECRET_KEY=STRONG_KEY, TRUSTED_HOSTS=" changeauth.council.gov.uk, .council.example ,"
        )
        assert settings["TRUSTED_HOSTS"] == ["changeauth.council.gov.uk", ".council.example"]
        check_config(settings)

    def test_not_needed_outside_production(self) -> None:
        assert load_config("development")["TRUSTED_HOSTS"] is None


class TestSessionSettings:
    """SESS-04, SESS-05 and HDR-01 figures."""

    def test_defaults(self) -> None:
        settings = load_config("production")
        assert settings["SESSION_IDLE_TIMEOUT"] == timedelta(minutes=30)
        assert settings["SESSION_ABSOLUTE_TIMEOUT"] == timedelta(hours=12)
        assert settings["HSTS_MAX_AGE_SECONDS"] >= 31_536_000
        assert settings["REQUIRE_2FA_FOR_ALL"] is False

    def test_second_factor_for_everyone(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CHANGEAUTH_REQUIRE_2FA_FOR_ALL", "1")
        assert load_config("production")["REQUIRE_2FA_FOR_ALL"] is True


class TestCookies:
    def test_production_cookies_are_secure(self) -> None:
        settings = load_config("production")
        assert settings["SESSION_COOKIE_SECURE"] is True
        assert settings["SESSION_COOKIE_HTTPONLY"] is True
        assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"
        assert settings["SESSION_COOKIE_NAME"] == "__Host-session"
        assert settings["REMEMBER_COOKIE_SECURE"] is True
        assert settings["REMEMBER_COOKIE_HTTPONLY"] is True

    @pytest.mark.parametrize("env", ["production", "development", "demo", "testing"])
    def test_lifetimes_bounded(self, env: str) -> None:
        settings = load_config(env)
        assert timedelta(0) < settings["REMEMBER_COOKIE_DURATION"] <= timedelta(days=30)
        assert timedelta(0) < settings["PERMANENT_SESSION_LIFETIME"] <= timedelta(hours=12)

    @pytest.mark.parametrize("env", ["development", "demo", "testing"])
    def test_non_production_cookies_not_secure(self, env: str) -> None:
        settings = load_config(env)
        assert settings["SESSION_COOKIE_SECURE"] is False
        assert settings["REMEMBER_COOKIE_SECURE"] is False
        # The __Host- prefix is rejected by browsers without Secure, so it must go with it.
        assert not settings["SESSION_COOKIE_NAME"].startswith("__Host-")


class TestLoadConfig:
    def test_environment_defaults_to_production(self) -> None:
        assert load_config()["ENV_NAME"] == "production"

    def test_environment_read_from_env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CHANGEAUTH_ENV", "development")
        settings = load_config()
        assert settings["ENV_NAME"] == "development"
        assert settings["DEBUG"] is True

    def test_explicit_environment_beats_env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CHANGEAUTH_ENV", "development")
        assert load_config("testing")["ENV_NAME"] == "testing"

    @pytest.mark.parametrize("env", ["staging", "prod", "Production"])
    def test_unknown_environment_refused(self, monkeypatch: pytest.MonkeyPatch, env: str) -> None:
        monkeypatch.setenv("CHANGEAUTH_ENV", env)
        with pytest.raises(ConfigError, match="CHANGEAUTH_ENV"):
            load_config()

    def test_unknown_environment_argument_refused(self) -> None:
        with pytest.raises(ConfigError):
            load_config("staging")

    @pytest.mark.parametrize(
        "name",
        [
            "GATE_QUORUM",
            "SCORE_QUORUM",
            "LOGIN_MAX_FAILURES",
            "TRIAGE_SLA_WORKING_DAYS",
            "BENEFIT_GRACE_DAYS",
        ],
    )
    def test_non_integer_refused(self, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
        monkeypatch.setenv(f"CHANGEAUTH_{name}", "abc")
        with pytest.raises(ConfigError, match=f"CHANGEAUTH_{name}"):
            load_config("testing")

    def test_integer_values_read_from_env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CHANGEAUTH_GATE_QUORUM", "5")
        monkeypatch.setenv("CHANGEAUTH_SCORE_QUORUM", " 4 ")
        settings = load_config("testing")
        assert settings["GATE_QUORUM"] == 5
        assert settings["SCORE_QUORUM"] == 4

    def test_integer_defaults(self) -> None:
        settings = load_config("testing")
        assert settings["GATE_QUORUM"] == 3
        assert settings["SCORE_QUORUM"] == 3
        assert settings["LOGIN_MAX_FAILURES"] == 10

    def test_string_values_read_from_env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CHANGEAUTH_ORG_NAME", "Borsetshire County Council")
        monkeypatch.setenv("CHANGEAUTH_DATABASE_URL", "postgresql+psycopg://db/changeauth")
        monkeypatch.setenv("CHANGEAUTH_SECRET_KEY", STRONG_KEY)
        monkeypatch.setenv("CHANGEAUTH_SMTP_URL", "smtp://mail:25")
        settings = load_config("production")
        assert settings["ORG_NAME"] == "Borsetshire County Council"
        assert settings["DATABASE_URL"] == "postgresql+psycopg://db/changeauth"
        assert settings["SECRET_KEY"] == STRONG_KEY
        assert settings["SMTP_URL"] == "smtp://mail:25"

    def test_empty_variable_means_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CHANGEAUTH_ORG_NAME", "")
        monkeypatch.setenv("CHANGEAUTH_GATE_QUORUM", "")
        settings = load_config("testing")
        assert settings["ORG_NAME"] == "Your Council"
        assert settings["GATE_QUORUM"] == 3

    def test_database_defaults_to_sqlite_in_instance_path(self, tmp_path: Path) -> None:
        settings = load_config("testing", instance_path=tmp_path)
        assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'changeauth.db'}"

    def test_testing_disables_csrf_and_propagation(self) -> None:
        settings = load_config("testing")
        assert settings["TESTING"] is True
        assert settings["WTF_CSRF_ENABLED"] is False
        assert settings["PROPAGATE_EXCEPTIONS"] is False

    def test_production_keeps_csrf_on(self) -> None:
        settings = load_config("production")
        assert settings["WTF_CSRF_ENABLED"] is True
        assert settings["TESTING"] is False
        assert settings["DEBUG"] is False


# --- The application factory -----------------------------------------------------------------------------


def _production_app(tmp_path: Path, **overrides: object) -> Flask:
    return changeauth.create_app(
        {
            "ENV_NAME": "production",
            "DATABASE_URL": "sqlite://",
            "INSTANCE_PATH": str(tmp_path),
            "TRUSTED_HOSTS": ["changeauth.council.example", "localhost"],
            **overrides,
        }
    )


class TestCreateApp:
    def test_production_without_secret_key_refused(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="must be set"):
            _production_app(tmp_path)

    def test_production_with_dev_key_refused(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError):
            _production_app(tmp_path, SECRET_KEY=config.DEV_SECRET_KEY)

    def test_production_with_debug_override_refused(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="Debug"):
            _production_app(tmp_path, SECRET_KEY=STRONG_KEY, DEBUG=True)

    def test_production_with_strong_key_builds(self, tmp_path: Path) -> None:
        app = _production_app(tmp_path, SECRET_KEY=STRONG_KEY)
        assert app.config["ENV_NAME"] == "production"
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.debug is False
        assert app.testing is False


class _RemovableOnlySession:
    """Stands in for the scoped session: the app context may remove it, nothing may query it."""

    def remove(self) -> None:
        pass

    def __getattr__(self, name: str) -> None:
        raise RuntimeError("unit tests must not use the database; move this test to tests/integration")


class TestProductionErrorPage:
    """CFG-02 / ERR-01: an unexpected error shows a generic page with a reference, never a trace."""

    @pytest.fixture
    def app(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
        # The request boundary commits or rolls back and the context teardown removes the session;
        # there is no database in unit tests, so those become no-ops (any query would still fail).
        monkeypatch.setattr(transaction, "commit", lambda: None)
        monkeypatch.setattr(transaction, "rollback", lambda: None)
        monkeypatch.setattr(db, "session", _RemovableOnlySession())
        app = _production_app(tmp_path, SECRET_KEY=STRONG_KEY)

        def boom() -> str:
            raise RuntimeError("secret-marker")

        app.add_url_rule("/boom", "boom", boom)
        return app

    def test_unexpected_error_shows_generic_page(self, app: Flask) -> None:
        response = app.test_client().get("/boom")
        body = response.get_data(as_text=True)
        assert response.status_code == 500
        assert response.mimetype == "text/html"
        assert "Traceback" not in body
        assert "secret-marker" not in body
        assert "RuntimeError" not in body
        assert "Werkzeug" not in body
        assert "Something went wrong" in body

    def test_error_page_quotes_request_id(self, app: Flask) -> None:
        response = app.test_client().get("/boom")
        request_id = response.headers["X-Request-ID"]
        assert len(request_id) >= 8
        assert f'<strong class="reference">{request_id}</strong>' in response.get_data(as_text=True)

    def test_error_page_quotes_incoming_request_id(self, app: Flask) -> None:
        response = app.test_client().get("/boom", headers={"X-Request-ID": "trace-abc-12345"})
        assert response.headers["X-Request-ID"] == "trace-abc-12345"
        assert "trace-abc-12345" in response.get_data(as_text=True)

    def test_malformed_incoming_request_id_replaced(self, app: Flask) -> None:
        hostile = "<script>x</script>"
        response = app.test_client().get("/boom", headers={"X-Request-ID": hostile})
        assert response.headers["X-Request-ID"] != hostile
        assert hostile not in response.get_data(as_text=True)

    def test_trace_logged_with_request_id(self, app: Flask, caplog: pytest.LogCaptureFixture) -> None:
        with caplog.at_level(logging.ERROR, logger="changeauth.errors"):
            response = app.test_client().get("/boom")
        request_id = response.headers["X-Request-ID"]
        records = [r for r in caplog.records if r.name == "changeauth.errors"]
        assert len(records) == 1
        assert request_id in records[0].getMessage()
        assert records[0].exc_info is not None
        assert str(records[0].exc_info[1]) == "secret-marker"

    def test_error_response_rolls_back(self, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
        calls: list[str] = []
        monkeypatch.setattr(transaction, "commit", lambda: calls.append("commit"))
        monkeypatch.setattr(transaction, "rollback", lambda: calls.append("rollback"))
        app.test_client().get("/boom")
        assert calls == ["rollback"]


class TestSingleSignOnSettings:
    """Single sign-on is off by default; when asked for, it must be complete and must not let strangers in."""

    def env(self, monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, object]:
        base = {
            "OIDC_ISSUER": "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0",
            "OIDC_CLIENT_ID": "client",
            "OIDC_CLIENT_SECRET": "secret",
        }
        base.update(env)
        for name, value in base.items():
            monkeypatch.setenv(f"CHANGEAUTH_{name}", value)
        return load_config("development")

    def test_off_by_default(self) -> None:
        settings = load_config("development")
        assert settings["OIDC_ISSUER"] is None and settings["OIDC_ROLE_MAP"] == {}
        check_config(settings)

    def test_three_variables_turn_it_on(self, monkeypatch: pytest.MonkeyPatch) -> None:
        settings = self.env(monkeypatch)
        check_config(settings)
        assert settings["OIDC_SCOPES"] == "openid email profile"

    @pytest.mark.parametrize("missing", ["OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"])
    def test_an_issuer_without_its_client_is_refused(
        self, monkeypatch: pytest.MonkeyPatch, missing: str
    ) -> None:
        with pytest.raises(ConfigError, match="CLIENT_ID and CHANGEAUTH_OIDC_CLIENT_SECRET"):
            check_config(self.env(monkeypatch, **{missing: ""}))

    def test_plain_http_only_on_this_machine(self, monkeypatch: pytest.MonkeyPatch) -> None:
        with pytest.raises(ConfigError, match="https"):
            check_config(self.env(monkeypatch, OIDC_ISSUER="http://sso.council.example/realms/staff"))
        check_config(self.env(monkeypatch, OIDC_ISSUER="http://127.0.0.1:8080/realms/staff"))

    def test_the_role_map_is_json_naming_known_roles(self, monkeypatch: pytest.MonkeyPatch) -> None:
        settings = self.env(
            monkeypatch, OIDC_ROLE_MAP='{"DA": "design_authority", "Money": ["finance", "viewer"]}'
        )
        assert settings["OIDC_ROLE_MAP"] == {"DA": ["design_authority"], "Money": ["finance", "viewer"]}
        with pytest.raises(ConfigError, match="JSON object"):
            self.env(monkeypatch, OIDC_ROLE_MAP="DA=design_authority")
        with pytest.raises(ConfigError, match="unknown roles \\(boss\\)"):
            check_config(self.env(monkeypatch, OIDC_ROLE_MAP='{"DA": "boss"}'))

    @pytest.mark.parametrize("tenant", ["common", "organizations"])
    def test_a_multi_tenant_entra_issuer_needs_the_tenants_allowed(
        self, monkeypatch: pytest.MonkeyPatch, tenant: str
    ) -> None:
        issuer = f"https://login.microsoftonline.com/{tenant}/v2.0"
        with pytest.raises(ConfigError, match="CHANGEAUTH_OIDC_ALLOWED_TENANTS"):
            check_config(self.env(monkeypatch, OIDC_ISSUER=issuer))
        check_config(self.env(monkeypatch, OIDC_ISSUER=issuer, OIDC_ALLOWED_TENANTS="aaaa, bbbb"))

    def test_sso_only_needs_a_provider_and_an_emergency_account(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("CHANGEAUTH_OIDC_SSO_ONLY", "1")
        with pytest.raises(ConfigError, match="needs CHANGEAUTH_OIDC_ISSUER"):
            check_config(load_config("development"))
        with pytest.raises(ConfigError, match="BREAK_GLASS"):
            check_config(self.env(monkeypatch))
        settings = self.env(monkeypatch, OIDC_BREAK_GLASS_ACCOUNTS="Glass@Council.example")
        check_config(settings)
        assert settings["OIDC_BREAK_GLASS_ACCOUNTS"] == ["glass@council.example"]
