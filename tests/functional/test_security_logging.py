"""Security logging (issue 12 item 6): one JSON line per event on ``changeauth.security`` with UTC time,
user, IP and request id (LOG-01), never a password, token or cookie (LOG-02), the right event names
(LOG-03, LOG-04), and no forged lines (LOG-05)."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from changeauth.security_log import LOGGER_NAME, JsonFormatter, security_event
from changeauth.services import users as user_service
from changeauth.web import mail as web_mail
from tests.factories import TEST_PASSWORD, ImprovementFactory, UserFactory
from tests.helpers import csrf_token

NEW_PASSWORD = "Marmalade Harbour Kite 42"


class JsonLines:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stream.getvalue().splitlines() if line]

    @property
    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]

    def named(self, name: str) -> list[dict[str, Any]]:
        return [event for event in self.events if event["event"] == name]


@pytest.fixture
def security_log() -> Iterator[JsonLines]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(LOGGER_NAME)
    logger.addHandler(handler)
    try:
        yield JsonLines(stream)
    finally:
        logger.removeHandler(handler)


def _sign_in(client: FlaskClient, email: str, password: str) -> Any:
    return client.post("/sign-in", data={"email": email, "password": password})


class TestRecordShape:
    def test_a_sign_in_is_one_structured_line(self, client: FlaskClient, security_log: JsonLines) -> None:
        user = UserFactory()
        response = _sign_in(client, user.email, TEST_PASSWORD)
        [event] = security_log.named("authn_login_success")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", event["ts"])
        assert event["outcome"] == "success"
        assert event["user_id"] == user.id
        assert event["ip"] == "127.0.0.1"
        assert event["request_id"] == response.headers["X-Request-ID"]
        assert event["path"] == "/sign-in"

    def test_a_forged_line_cannot_be_injected(self, client: FlaskClient, security_log: JsonLines) -> None:
        hostile = "x@council.example\n2026-01-01 admin authn_login_success\r\n"
        _sign_in(client, hostile, "wrong password")
        assert len(security_log.lines) == 1
        [event] = security_log.events
        assert event["event"] == "authn_login_fail"
        assert event["username"] == hostile  # kept whole, escaped inside one JSON string
        assert "\n" not in security_log.lines[0]

    def test_secret_looking_details_are_refused_by_the_logger(self) -> None:
        with pytest.raises(ValueError, match="password"):
            security_event("authn_login_fail", outcome="failure", password="hunter2")
        with pytest.raises(ValueError, match="reset_token"):
            security_event("authn_password_reset_request", outcome="success", reset_token="abc")


class TestEvents:
    def test_sign_in_failure_and_lockout(self, client: FlaskClient, security_log: JsonLines) -> None:
        user = UserFactory()
        for _ in range(10):
            _sign_in(client, user.email, "wrong password")
        _sign_in(client, user.email, TEST_PASSWORD)  # the 11th attempt: throttled, even with the right one
        assert len(security_log.named("authn_login_fail")) == 10
        assert len(security_log.named("authn_login_lock")) == 1
        assert security_log.named("authn_login_success") == []

    def test_sign_out(self, client: FlaskClient, security_log: JsonLines) -> None:
        user = UserFactory()
        _sign_in(client, user.email, TEST_PASSWORD)
        client.post("/sign-out")
        [event] = security_log.named("authn_logout")
        assert event["user_id"] == user.id

    def test_password_change(self, client: FlaskClient, security_log: JsonLines) -> None:
        user = UserFactory()
        _sign_in(client, user.email, TEST_PASSWORD)
        data = {
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        }
        client.post("/account/password", data={**data, "current_password": "not it at all"})
        client.post("/account/password", data=data)
        assert [e["user_id"] for e in security_log.named("authn_password_change_fail")] == [user.id]
        assert [e["user_id"] for e in security_log.named("authn_password_change")] == [user.id]

    def test_second_factor_events(
        self, client: FlaskClient, db_session: Any, security_log: JsonLines
    ) -> None:
        secret = pyotp.random_base32()
        user = UserFactory(design_authority=True, totp_secret=secret)
        _sign_in(client, user.email, TEST_PASSWORD)
        client.post("/sign-in/two-factor", data={"code": "000000"})
        client.post("/sign-in/two-factor", data={"code": pyotp.TOTP(secret).now()})
        assert len(security_log.named("authn_mfa_fail")) == 1
        [success] = security_log.named("authn_login_success")
        assert success["factors"] == "password+totp"

    def test_a_permission_denial(self, client: FlaskClient, login_as: Any, security_log: JsonLines) -> None:
        user = login_as(UserFactory())
        assert client.get("/admin/users").status_code == 403
        [event] = security_log.named("authz_fail")
        assert (event["user_id"], event["path"], event["outcome"]) == (user.id, "/admin/users", "failure")

    def test_a_csrf_failure(
        self,
        app: Flask,
        client: FlaskClient,
        login_as: Any,
        monkeypatch: pytest.MonkeyPatch,
        security_log: JsonLines,
    ) -> None:
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
        user = login_as(UserFactory())
        assert client.post("/notifications/read").status_code == 400
        [event] = security_log.named("input_validation_fail")
        assert event["field"] == "csrf_token" and event["user_id"] == user.id

    def test_a_refused_transition(self, app: Flask, db_session: Any, security_log: JsonLines) -> None:
        submitter = UserFactory()
        idea = ImprovementFactory(submitter=submitter)  # submitted: nothing to resubmit
        token, _ = user_service.issue_api_token(submitter, name="t", actor_id=submitter.id)
        db_session.commit()
        response = app.test_client().post(
            f"/api/v1/improvements/{idea.id}/transitions",
            json={"action": "resubmit", "note": "More detail", "version": idea.version},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 409
        [event] = security_log.named("workflow_transition_denied")
        assert event["user_id"] == submitter.id

    def test_a_bad_api_token(self, client: FlaskClient, security_log: JsonLines) -> None:
        client.get("/api/v1/me", headers={"Authorization": "Bearer ca_not-a-real-token"})
        assert len(security_log.named("authn_token_fail")) == 1


def test_no_secret_ever_reaches_any_log(
    app: Flask,
    db_session: Any,
    caplog: pytest.LogCaptureFixture,
    security_log: JsonLines,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """LOG-02: a whole journey (sign-in, failures, 2FA, password change, reset link, CSRF failure) with every
    logger captured: no password, code, reset token, session cookie or CSRF token appears anywhere."""
    caplog.set_level(logging.DEBUG)
    sent: list[dict[str, str]] = []
    monkeypatch.setitem(app.config, "SMTP_URL", "smtp://127.0.0.1:1")
    monkeypatch.setattr(web_mail, "deliver", lambda _settings, **message: sent.append(message))
    secret = pyotp.random_base32()
    user = UserFactory(finance=True, totp_secret=secret)
    client = app.test_client()
    _sign_in(client, user.email, "a wrong password typed by mistake")
    _sign_in(client, user.email, TEST_PASSWORD)
    code = pyotp.TOTP(secret).now()
    client.post("/sign-in/two-factor", data={"code": code})
    client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain=app.config["SERVER_NAME"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    token = csrf_token(client.get("/account/password"))
    client.post("/notifications/read", data={"csrf_token": token + "x"})
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    anonymous = app.test_client()
    anonymous.post("/forgot-password", data={"email": user.email})
    reset_token = sent[-1]["body"].split("/set-password/")[1].split()[0]
    anonymous.get(f"/set-password/{reset_token}")
    anonymous.post(
        "/set-password",
        data={"new_password": "Lantern Orchard Tide", "confirm_password": "Lantern Orchard Tide"},
    )

    everything = (
        "\n".join(security_log.lines)
        + "\n"
        + "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    )
    assert security_log.lines, "the journey logged nothing"
    for secret_value in (
        TEST_PASSWORD,
        NEW_PASSWORD,
        "a wrong password typed by mistake",
        "Lantern Orchard Tide",
        code,
        secret,
        reset_token,
        cookie.value,
        token,
    ):
        assert secret_value not in everything
