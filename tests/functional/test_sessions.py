"""Sessions (issue 12 item 3): idle 30 minutes and absolute 12 hours (SESS-04, SESS-05), a new session at
sign-in (SESS-02), sign out everywhere else and an administrator ending someone's sessions (SESS-06,
SESS-07), and a cookie that carries no personal data (SESS-10)."""

from __future__ import annotations

import time
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.json.tag import TaggedJSONSerializer
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from changeauth.web.auth import sessions
from tests.factories import TEST_PASSWORD, UserFactory


def _sign_in(client: FlaskClient, email: str) -> Any:
    return client.post("/sign-in", data={"email": email, "password": TEST_PASSWORD})


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Move the sessions' clock: ``clock(seconds)`` puts it that far after the real now."""
    start = int(time.time())

    def _set(offset: int) -> None:
        monkeypatch.setattr(sessions, "now_seconds", lambda: start + offset)

    _set(0)
    return _set


class TestTimeouts:
    def test_idle_for_31_minutes_needs_sign_in(self, client: FlaskClient, clock: Any) -> None:
        user = UserFactory()
        _sign_in(client, user.email)
        clock(31 * 60)
        response = client.get("/")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in")
        clock(31 * 60 + 1)
        assert not _signed_in(client)  # the session is gone for good, not just for one request

    def test_activity_within_30_minutes_keeps_the_session(self, client: FlaskClient, clock: Any) -> None:
        user = UserFactory()
        _sign_in(client, user.email)
        for minute in (29, 58, 87, 116):
            clock(minute * 60)
            assert _signed_in(client), minute

    def test_absolute_limit_of_12_hours_even_with_activity(self, client: FlaskClient, clock: Any) -> None:
        user = UserFactory()
        _sign_in(client, user.email)
        for step in range(1, 25):  # a request every 29 minutes: never idle
            clock(step * 29 * 60)
            assert _signed_in(client), step  # 24 × 29 min = 11 h 36 min
        clock(12 * 3600 + 60)
        response = client.get("/")
        assert response.headers["Location"].startswith("/sign-in")

    def test_the_reason_is_shown_on_the_sign_in_page(self, client: FlaskClient, clock: Any) -> None:
        user = UserFactory()
        _sign_in(client, user.email)
        clock(31 * 60)
        response = client.get("/", follow_redirects=True)
        assert "had not done anything for a while" in response.get_data(as_text=True)

    def test_a_session_without_its_times_is_refused(self, client: FlaskClient) -> None:
        user = UserFactory()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
        assert not _signed_in(client)


class TestSignIn:
    def test_sign_in_starts_a_new_session(self, app: Flask, client: FlaskClient) -> None:
        user = UserFactory()
        with client.session_transaction() as session:
            session["planted"] = "by an attacker"
        client.get("/sign-in")
        before = client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain=app.config["SERVER_NAME"])
        _sign_in(client, user.email)
        after = client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain=app.config["SERVER_NAME"])
        assert before is not None and after is not None and before.value != after.value
        with client.session_transaction() as session:
            assert "planted" not in session

    def test_the_cookie_holds_no_role_name_or_email(self, app: Flask, client: FlaskClient) -> None:
        user = UserFactory(
            name="Priya Patel", design_authority=True, totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        )
        _sign_in(client, user.email)
        client.post(
            "/sign-in/two-factor", data={"code": pyotp.TOTP("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").now()}
        )
        cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain=app.config["SERVER_NAME"])
        serializer = URLSafeTimedSerializer(
            app.secret_key,
            salt="cookie-session",
            signer_kwargs={"key_derivation": "hmac", "digest_method": "sha1"},
        )
        serializer.serializer = TaggedJSONSerializer()
        content = serializer.loads(cookie.value)
        assert set(content) <= {
            "_user_id",
            "_fresh",
            "_id",
            "_permanent",
            "csrf_token",
            "_signed_in_at",
            "_last_seen",
            "_auth_at",
            "_2fa",
            "_flashes",
            # When its person last wrote, so their next page shows what they wrote (read-your-writes).
            "wrote_at",
        }
        text = repr(content)
        for secret in (user.email, "Priya", "design_authority", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"):
            assert secret not in text


class TestEndingSessions:
    def test_sign_out_everywhere_else_keeps_this_device(self, app: Flask, client: FlaskClient) -> None:
        user = UserFactory()
        phone = app.test_client()
        _sign_in(client, user.email)
        _sign_in(phone, user.email)
        response = client.post("/account/sign-out-everywhere")
        assert response.headers["Location"] == "/account/"
        assert _signed_in(client)
        assert not _signed_in(phone)

    def test_an_admin_ends_a_persons_sessions(self, app: Flask, client: FlaskClient, login_as: Any) -> None:
        person = UserFactory()
        their_browser = app.test_client()
        _sign_in(their_browser, person.email)
        assert _signed_in(their_browser)
        login_as(UserFactory(admin=True))
        assert client.post(f"/admin/users/{person.id}/end-sessions").status_code == 302
        assert not _signed_in(their_browser)
        assert _sign_in(their_browser, person.email).status_code == 302  # they may sign in again

    def test_an_admin_switches_an_account_off(self, app: Flask, client: FlaskClient, login_as: Any) -> None:
        person = UserFactory()
        their_browser = app.test_client()
        _sign_in(their_browser, person.email)
        login_as(UserFactory(admin=True))
        assert client.post(f"/admin/users/{person.id}/deactivate").status_code == 302
        assert not _signed_in(their_browser)
        assert _sign_in(their_browser, person.email).status_code == 200  # refused

    def test_only_admins_end_other_peoples_sessions(
        self, app: Flask, client: FlaskClient, login_as: Any
    ) -> None:
        person = UserFactory()
        their_browser = app.test_client()
        _sign_in(their_browser, person.email)
        login_as(UserFactory(manager=True))
        assert client.post(f"/admin/users/{person.id}/end-sessions").status_code == 403
        assert _signed_in(their_browser)
