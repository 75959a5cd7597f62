"""Passwords through the pages: the policy at every change (AUTH-01, AUTH-02), changing one's own
(AUTH-03, SESS-07), administrator-created accounts with a set-password link (AUTH-06) and reset by email
(AUTH-07)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth.models import AuditEvent, Notification, PasswordToken, User
from changeauth.services import credentials
from changeauth.web import mail as web_mail
from tests.factories import TEST_PASSWORD, UserFactory
from tests.helpers import field_errors, page

NEW_PASSWORD = "  Tangerine Lighthouse Ferry 🚢 "  # leading/trailing spaces and an emoji, kept as typed


@pytest.fixture
def sent(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    """Emails the app sends after commit, captured instead of going to SMTP."""
    outbox: list[dict[str, str]] = []
    monkeypatch.setitem(app.config, "SMTP_URL", "smtp://127.0.0.1:1")
    monkeypatch.setattr(web_mail, "deliver", lambda _settings, **message: outbox.append(message))
    return outbox


def _sign_in(client: FlaskClient, email: str, password: str) -> Any:
    return client.post("/sign-in", data={"email": email, "password": password})


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


def _link_from(text: str) -> str:
    match = re.search(r"https?://[^/\s]+(/set-password/[A-Za-z0-9_-]+)", text)
    assert match, text
    return match.group(1)


class TestChangePassword:
    def _change(self, client: FlaskClient, current: str, new: str, confirm: str | None = None) -> Any:
        return client.post(
            "/account/password",
            data={"current_password": current, "new_password": new, "confirm_password": confirm or new},
        )

    def test_needs_the_current_password(self, client: FlaskClient, login_as: Any, db_session: Any) -> None:
        user = login_as(UserFactory())
        response = self._change(client, "not my password at all", NEW_PASSWORD)
        assert response.status_code == 422
        assert field_errors(response) == ["Your current password is not right."]
        db_session.expire_all()
        assert credentials.verify_password(db_session.get(User, user.id), TEST_PASSWORD)

    @pytest.mark.parametrize(
        ("new", "message"),
        [
            ("short pass", "Your password must be at least 12 characters long."),
            ("x" * 129, "Your password must be 128 characters or fewer."),
            ("qwertyuiop123456", "This password is too common. Try three or four random words instead."),
            ("Your Council 2026", "Do not base your password on the name of the council or of this service."),
        ],
    )
    def test_the_policy_applies(self, client: FlaskClient, login_as: Any, new: str, message: str) -> None:
        login_as(UserFactory())
        response = self._change(client, TEST_PASSWORD, new)
        assert response.status_code == 422
        assert field_errors(response) == [message]

    def test_success_keeps_this_session_and_ends_every_other(
        self, app: Flask, client: FlaskClient, db_session: Any
    ) -> None:
        user = UserFactory()
        other_device = app.test_client()
        assert _sign_in(client, user.email, TEST_PASSWORD).status_code == 302
        assert _sign_in(other_device, user.email, TEST_PASSWORD).status_code == 302
        assert _signed_in(other_device)
        response = self._change(client, TEST_PASSWORD, NEW_PASSWORD)
        assert response.headers["Location"] == "/account/"
        assert _signed_in(client)
        assert not _signed_in(other_device)
        # The new password works exactly as typed, spaces and all, and only so.
        fresh = app.test_client()
        assert _sign_in(fresh, user.email, NEW_PASSWORD.strip()).status_code == 200
        assert _sign_in(fresh, user.email, NEW_PASSWORD).status_code == 302

    def test_the_person_is_notified_and_it_is_audited(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        user = login_as(UserFactory())
        self._change(client, TEST_PASSWORD, NEW_PASSWORD)
        notes = db_session.scalars(select(Notification).where(Notification.user_id == user.id)).all()
        assert [n.kind for n in notes] == ["password_changed"]
        actions = db_session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == user.id)).all()
        assert "user.password_changed" in actions

    def test_the_form_does_not_block_pasting(self, client: FlaskClient, login_as: Any) -> None:
        login_as(UserFactory())
        form = page(client.get("/account/password"))
        for name, autocomplete in [
            ("current_password", "current-password"),
            ("new_password", "new-password"),
        ]:
            field = form.select_one(f"input[name={name}]")
            assert field["type"] == "password" and field["autocomplete"] == autocomplete
            assert not any(attr.startswith("on") for attr in field.attrs)


class TestAdminCreatedAccounts:
    def _create(self, client: FlaskClient, email: str = "newstarter@council.example") -> Any:
        return client.post(
            "/admin/users/new", data={"email": email, "name": "New Starter", "roles": ["staff", "manager"]}
        )

    def test_an_admin_gets_a_single_use_link_not_a_password(
        self, app: Flask, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        login_as(UserFactory(admin=True))
        response = self._create(client)
        assert response.status_code == 200
        url = page(response).select_one("#set-password-link").get_text(strip=True)
        token = url.rsplit("/", 1)[1]
        assert len(token) >= 43  # token_urlsafe(32): 256 bits
        user = db_session.scalar(select(User).where(User.email == "newstarter@council.example"))
        assert user.password_hash is None
        record = db_session.scalar(select(PasswordToken).where(PasswordToken.user_id == user.id))
        assert record.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
        assert record.expires_at - record.created_at == timedelta(hours=72)
        # The account cannot be used before the person sets a password.
        person = app.test_client()
        assert _sign_in(person, user.email, "").status_code == 200
        # The link, once, then a password of their own.
        assert person.get(f"/set-password/{token}").headers["Location"] == "/set-password"
        done = person.post(
            "/set-password", data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
        )
        assert done.headers["Location"] == "/sign-in"
        assert _sign_in(person, user.email, NEW_PASSWORD).status_code == 302
        again = app.test_client()
        again.get(f"/set-password/{token}")
        assert again.get("/set-password").status_code == 404

    def test_the_link_is_emailed_when_mail_is_configured(
        self, client: FlaskClient, login_as: Any, sent: list[dict[str, str]]
    ) -> None:
        login_as(UserFactory(admin=True))
        response = self._create(client)
        assert "We have emailed it" in response.get_data(as_text=True)
        assert [m["to"] for m in sent] == ["newstarter@council.example"]
        shown = page(response).select_one("#set-password-link").get_text(strip=True)
        assert _link_from(sent[0]["body"]) == "/" + shown.split("/", 3)[3]

    def test_a_newer_link_ends_the_older_one(self, app: Flask, client: FlaskClient, login_as: Any) -> None:
        login_as(UserFactory(admin=True))
        first = page(self._create(client)).select_one("#set-password-link").get_text(strip=True)
        user_id = int(
            page(client.get("/admin/users")).find("a", string="New Starter")["href"].rsplit("/", 1)[1]
        )
        second = page(client.post(f"/admin/users/{user_id}/password-link")).select_one("#set-password-link")
        assert second.get_text(strip=True) != first
        person = app.test_client()
        person.get("/" + first.split("/", 3)[3])
        assert person.get("/set-password").status_code == 404

    def test_an_expired_link_is_refused(self, app: Flask, db_session: Any) -> None:
        user = UserFactory(password_hash=None)
        link = credentials.issue_link(user, purpose="set", actor_id=None)
        db_session.get(PasswordToken, db_session.scalar(select(PasswordToken.id))).expires_at = datetime.now(
            UTC
        ) - timedelta(seconds=1)
        db_session.commit()
        person = app.test_client()
        person.get(f"/set-password/{link.token}")
        assert person.get("/set-password").status_code == 404

    def test_only_admins_may_create_accounts(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        login_as(UserFactory(design_authority=True))
        assert client.get("/admin/users/new").status_code == 403
        assert self._create(client).status_code == 403
        assert db_session.scalar(select(User).where(User.email == "newstarter@council.example")) is None


class TestPasswordReset:
    def _request(self, client: FlaskClient, email: str) -> Any:
        return client.post("/forgot-password", data={"email": email})

    def test_the_answer_is_the_same_whether_or_not_the_account_exists(
        self, app: Flask, db_session: Any, sent: list[dict[str, str]]
    ) -> None:
        user = UserFactory()
        answers = []
        for email in (user.email, "nobody@council.example"):
            browser = app.test_client()
            response = self._request(browser, email)
            assert response.status_code == 302
            answers.append(
                (
                    response.headers["Location"],
                    page(browser.get("/sign-in")).select_one(".notification").get_text(),
                )
            )
        assert answers[0] == answers[1]
        assert [m["to"] for m in sent] == [user.email]

    def test_reset_link_sets_a_password_once_within_an_hour(
        self, app: Flask, db_session: Any, sent: list[dict[str, str]]
    ) -> None:
        user = UserFactory()
        self._request(app.test_client(), user.email)
        path = _link_from(sent[0]["body"])
        record = db_session.scalar(select(PasswordToken).where(PasswordToken.user_id == user.id))
        assert record.purpose == "reset"
        assert record.expires_at - record.created_at == timedelta(hours=1)
        assert record.token_hash != path.rsplit("/", 1)[1]
        person = app.test_client()
        assert person.get(path).headers["Location"] == "/set-password"  # the token leaves the address bar
        weak = person.post("/set-password", data={"new_password": "password", "confirm_password": "password"})
        assert weak.status_code == 422  # a refused password leaves the link usable
        done = person.post(
            "/set-password", data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
        )
        assert done.headers["Location"] == "/sign-in"
        assert _sign_in(app.test_client(), user.email, NEW_PASSWORD).status_code == 302
        reuse = app.test_client()
        reuse.get(path)
        assert reuse.get("/set-password").status_code == 404

    def test_a_reset_does_not_sign_in_or_bypass_the_second_factor(
        self, app: Flask, db_session: Any, sent: list[dict[str, str]]
    ) -> None:
        user = UserFactory(design_authority=True, totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        self._request(app.test_client(), user.email)
        person = app.test_client()
        person.get(_link_from(sent[0]["body"]))
        person.post("/set-password", data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
        assert not _signed_in(person)
        assert _sign_in(person, user.email, NEW_PASSWORD).headers["Location"] == "/sign-in/two-factor"

    def test_a_newer_request_ends_the_older_link(
        self, app: Flask, db_session: Any, sent: list[dict[str, str]]
    ) -> None:
        user = UserFactory()
        self._request(app.test_client(), user.email)
        self._request(app.test_client(), user.email)
        first, second = (_link_from(m["body"]) for m in sent)
        person = app.test_client()
        person.get(first)
        assert person.get("/set-password").status_code == 404
        person.get(second)
        assert person.get("/set-password").status_code == 200

    def test_signing_in_ends_the_link(self, app: Flask, db_session: Any, sent: list[dict[str, str]]) -> None:
        user = UserFactory()
        self._request(app.test_client(), user.email)
        assert _sign_in(app.test_client(), user.email, TEST_PASSWORD).status_code == 302
        person = app.test_client()
        person.get(_link_from(sent[0]["body"]))
        assert person.get("/set-password").status_code == 404

    def test_an_expired_link_is_refused(
        self, app: Flask, db_session: Any, sent: list[dict[str, str]]
    ) -> None:
        user = UserFactory()
        self._request(app.test_client(), user.email)
        record = db_session.scalar(select(PasswordToken).where(PasswordToken.user_id == user.id))
        record.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db_session.commit()
        person = app.test_client()
        person.get(_link_from(sent[0]["body"]))
        assert person.get("/set-password").status_code == 404

    def test_a_reset_ends_every_session(
        self, app: Flask, db_session: Any, sent: list[dict[str, str]]
    ) -> None:
        user = UserFactory()
        device = app.test_client()
        _sign_in(device, user.email, TEST_PASSWORD)
        self._request(app.test_client(), user.email)
        person = app.test_client()
        person.get(_link_from(sent[0]["body"]))
        person.post("/set-password", data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
        assert not _signed_in(device)

    def test_requests_beyond_three_an_hour_send_nothing(
        self, app: Flask, db_session: Any, sent: list[dict[str, str]]
    ) -> None:
        user = UserFactory()
        for _ in range(5):
            assert self._request(app.test_client(), user.email).status_code == 302
        assert len(sent) == 3

    def test_without_a_mail_server_nothing_is_sent_and_the_answer_is_the_same(
        self, app: Flask, db_session: Any
    ) -> None:
        user = UserFactory()
        assert app.config.get("SMTP_URL") is None
        assert self._request(app.test_client(), user.email).headers["Location"] == "/sign-in"
