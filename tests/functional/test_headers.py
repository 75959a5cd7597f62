"""Headers and cookies on every response (HDR-01 to HDR-05, CFG-03, CFG-07): pages, redirects, errors,
the API and static files alike; the production cookie; the host allowlist."""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from changeauth import create_app
from tests.factories import TEST_PASSWORD, UserFactory
from tests.helpers import csrf_token

REQUIRED_CSP = ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'")


def assert_security_headers(response: Any, *, cacheable: bool = False) -> None:
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    for directive in (*REQUIRED_CSP, "form-action 'self'"):
        assert directive in csp, directive
    script_src = re.search(r"script-src ([^;]*)", csp)
    assert script_src is not None and "unsafe-inline" not in script_src.group(1)
    assert "unsafe-eval" not in csp
    hsts = headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31_536_000 and "includeSubDomains" in hsts
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in {"strict-origin-when-cross-origin", "no-referrer", "same-origin"}
    assert "Access-Control-Allow-Origin" not in headers
    assert "X-Powered-By" not in headers
    if not cacheable:
        assert headers["Cache-Control"] == "no-store"


@pytest.fixture
def boom(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    def _raise() -> None:
        raise RuntimeError("forced failure")

    monkeypatch.setitem(app.view_functions, "main.audit", _raise)


class TestEveryResponse:
    def test_a_page_for_a_signed_out_person(self, client: FlaskClient) -> None:
        assert_security_headers(client.get("/sign-in"))

    def test_a_page_for_a_signed_in_person(self, client: FlaskClient, login_as: Any) -> None:
        login_as(UserFactory())
        response = client.get("/")
        assert response.status_code == 200
        assert_security_headers(response)

    def test_a_redirect(self, client: FlaskClient) -> None:
        response = client.get("/")
        assert response.status_code == 302
        assert_security_headers(response)

    def test_not_found(self, client: FlaskClient) -> None:
        response = client.get("/no-such-page")
        assert response.status_code == 404
        assert_security_headers(response)

    def test_method_not_allowed(self, client: FlaskClient) -> None:
        response = client.get("/sign-out")
        assert response.status_code == 405
        assert_security_headers(response)

    def test_an_unexpected_error(self, client: FlaskClient, login_as: Any, boom: None) -> None:
        login_as(UserFactory(admin=True))
        response = client.get("/audit")
        assert response.status_code == 500
        assert_security_headers(response)

    def test_an_api_answer_and_an_api_error(self, client: FlaskClient) -> None:
        response = client.get("/api/v1/me")
        assert response.status_code == 401
        assert_security_headers(response)
        assert_security_headers(client.get("/api/v1/openapi.json"))

    def test_a_static_file(self, client: FlaskClient) -> None:
        response = client.get("/static/css/changeauth.css")
        assert response.status_code == 200
        assert_security_headers(response, cacheable=True)
        response.close()

    def test_health_checks(self, client: FlaskClient) -> None:
        assert_security_headers(client.get("/healthz"))


class TestAuthenticatedPagesAreNotCached:
    @pytest.mark.parametrize("path", ["/", "/improvements/", "/account/", "/notifications/"])
    def test_no_store(self, client: FlaskClient, login_as: Any, path: str) -> None:
        login_as(UserFactory())
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"


class TestProduction:
    """The production app: ``__Host-`` session cookie with Secure, HttpOnly, SameSite=Lax, Path=/ and no
    Domain (HDR-05, CFG-03), and only the configured host names answered (CFG-07)."""

    @pytest.fixture
    def production(self, database_url: str, tmp_path: Any, db_session: Any) -> Flask:
        return create_app(
            {
                "ENV_NAME": "production",
                "DATABASE_URL": database_url,
                "SECRET_KEY": secrets.token_urlsafe(48),
                "TRUSTED_HOSTS": ["changeauth.council.example"],
                "INSTANCE_PATH": tmp_path,
            }
        )

    def test_the_session_cookie(self, production: Flask) -> None:
        user = UserFactory()
        client = production.test_client()
        base = "https://changeauth.council.example"
        token = csrf_token(client.get("/sign-in", base_url=base))
        response = client.post(
            "/sign-in",
            base_url=base,
            data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token},
            headers={"Referer": f"{base}/sign-in"},
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        cookies = response.headers.getlist("Set-Cookie")
        session_cookie = next(c for c in cookies if c.startswith("__Host-session="))
        attributes = {part.strip().split("=")[0].lower() for part in session_cookie.split(";")[1:]}
        assert {"secure", "httponly", "path", "samesite"} <= attributes
        assert "domain" not in attributes
        assert "SameSite=Lax" in session_cookie and "Path=/" in session_cookie
        assert client.get("/", base_url=base).status_code == 200
        db_dispose(production)

    def test_an_unknown_host_is_refused(self, production: Flask) -> None:
        client = production.test_client()
        assert client.get("/sign-in", base_url="https://evil.example").status_code == 400
        assert client.get("/sign-in", base_url="https://changeauth.council.example").status_code == 200
        db_dispose(production)

    def test_reset_links_use_the_configured_host(
        self, production: Flask, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from changeauth.web import mail as web_mail

        sent: list[dict[str, str]] = []
        monkeypatch.setitem(production.config, "SMTP_URL", "smtp://127.0.0.1:1")
        monkeypatch.setattr(web_mail, "deliver", lambda _settings, **message: sent.append(message))
        monkeypatch.setattr(production, "testing", True)  # send in this thread, so the test can read it
        user = UserFactory()
        client = production.test_client()
        base = "https://changeauth.council.example"
        token = csrf_token(client.get("/forgot-password", base_url=base))
        client.post(
            "/forgot-password",
            base_url=base,
            data={"email": user.email, "csrf_token": token},
            headers={"Referer": f"{base}/forgot-password"},
        )
        assert "https://changeauth.council.example/set-password/" in sent[0]["body"]
        spoofed = production.test_client().post(
            "/forgot-password", base_url="https://evil.example", data={"email": user.email}
        )
        assert spoofed.status_code == 400
        assert len(sent) == 1
        db_dispose(production)


def db_dispose(app: Flask) -> None:
    from changeauth import db

    db.get_engine(app).dispose()
