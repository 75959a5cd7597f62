"""The second factor (issue 12 item 1, ASVS 6.3.3): enrolment by QR code and key, recovery codes, roles
that must have one, the sign-in code step with its own throttle, and step-up before changes (SESS-09)."""

from __future__ import annotations

import time
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from changeauth.models import RecoveryCode, SecondFactorAttempt, User
from changeauth.services import second_factor
from tests.factories import TEST_PASSWORD, UserFactory
from tests.helpers import field_errors, page

SECRET = pyotp.random_base32()


def _sign_in(
    client: FlaskClient, email: str, password: str = TEST_PASSWORD, next_url: str | None = None
) -> Any:
    url = "/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


def _code(secret: str = SECRET, offset_steps: int = 0) -> str:
    return str(pyotp.TOTP(secret).at(int(time.time()) + 30 * offset_steps))


def _enrolled(db_session: Any, **traits: Any) -> User:
    user = UserFactory(**traits)
    user.totp_secret = SECRET
    user.totp_enabled_at = user.created_at
    db_session.commit()
    return user


def _is_signed_in(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


class TestSignInWithACode:
    def test_password_alone_does_not_sign_an_enrolled_person_in(
        self, client: FlaskClient, db_session: Any
    ) -> None:
        user = _enrolled(db_session, design_authority=True)
        response = _sign_in(client, user.email)
        assert response.headers["Location"] == "/sign-in/two-factor"
        assert not _is_signed_in(client)
        with client.session_transaction() as session:
            assert "_user_id" not in session

    def test_the_right_code_signs_in_and_keeps_next(self, client: FlaskClient, db_session: Any) -> None:
        user = _enrolled(db_session, design_authority=True)
        _sign_in(client, user.email, next_url="/improvements/")
        response = client.post("/sign-in/two-factor", data={"code": _code()})
        assert response.headers["Location"] == "/improvements/"
        assert _is_signed_in(client)

    def test_a_wrong_code_is_refused_and_counted(self, client: FlaskClient, db_session: Any) -> None:
        user = _enrolled(db_session, design_authority=True)
        _sign_in(client, user.email)
        wrong = f"{(int(_code()) + 1) % 1_000_000:06d}"
        response = client.post("/sign-in/two-factor", data={"code": wrong})
        assert response.status_code == 200
        assert "The code is not right" in page(response).select_one(".error-summary").get_text()
        assert not _is_signed_in(client)
        failures = db_session.scalar(
            select(func.count())
            .select_from(SecondFactorAttempt)
            .where(SecondFactorAttempt.user_id == user.id)
        )
        assert failures == 1

    def test_a_code_is_accepted_only_once(self, app: Flask, client: FlaskClient, db_session: Any) -> None:
        user = _enrolled(db_session, design_authority=True)
        code = _code()
        _sign_in(client, user.email)
        assert client.post("/sign-in/two-factor", data={"code": code}).status_code == 302
        other = app.test_client()
        _sign_in(other, user.email)
        response = other.post("/sign-in/two-factor", data={"code": code})
        assert response.status_code == 200  # refused: the same code seen over a shoulder is useless
        assert not _is_signed_in(other)

    def test_codes_are_throttled_after_five_failures(self, client: FlaskClient, db_session: Any) -> None:
        user = _enrolled(db_session, design_authority=True)
        _sign_in(client, user.email)
        for _ in range(5):
            client.post("/sign-in/two-factor", data={"code": "000000"})
        response = client.post("/sign-in/two-factor", data={"code": _code()})
        # Even the right code is refused now, and the half-finished sign-in is dropped.
        assert response.headers["Location"] == "/sign-in"
        assert not _is_signed_in(client)
        assert client.get("/sign-in/two-factor").headers["Location"] == "/sign-in"

    def test_the_code_page_needs_the_password_first(self, client: FlaskClient) -> None:
        response = client.get("/sign-in/two-factor")
        assert response.status_code == 302
        assert response.headers["Location"] == "/sign-in"

    def test_the_pending_step_expires_after_five_minutes(
        self, client: FlaskClient, db_session: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from changeauth.web.auth import sessions

        user = _enrolled(db_session, design_authority=True)
        _sign_in(client, user.email)
        later = int(time.time()) + 301
        monkeypatch.setattr(sessions, "now_seconds", lambda: later)
        response = client.post("/sign-in/two-factor", data={"code": _code()})
        assert response.headers["Location"] == "/sign-in"

    def test_a_recovery_code_works_once(self, app: Flask, client: FlaskClient, db_session: Any) -> None:
        user = _enrolled(db_session, design_authority=True)
        codes = second_factor.regenerate_recovery_codes(db_session.merge(user))
        db_session.commit()
        _sign_in(client, user.email)
        response = client.post("/sign-in/two-factor", data={"code": codes[3].lower()}, follow_redirects=True)
        assert response.status_code == 200
        assert "9 are left" in response.get_data(as_text=True)
        other = app.test_client()
        _sign_in(other, user.email)
        assert other.post("/sign-in/two-factor", data={"code": codes[3]}).status_code == 200
        assert not _is_signed_in(other)


class TestEnrolment:
    def _start(self, client: FlaskClient, user: User) -> Any:
        response = _sign_in(client, user.email)
        assert response.headers["Location"] == "/account/two-factor/setup"
        return client.get("/account/two-factor/setup")

    @staticmethod
    def _secret_from(response: Any) -> str:
        return page(response).select_one("#manual-key").get_text().replace(" ", "")

    @pytest.mark.parametrize("trait", ["design_authority", "finance", "admin"])
    def test_roles_that_need_a_factor_can_use_nothing_else_until_enrolled(
        self, client: FlaskClient, trait: str
    ) -> None:
        user = UserFactory(**{trait: True})
        setup = self._start(client, user)
        assert setup.status_code == 200
        for path in ("/", "/improvements/", "/account/", "/notifications/"):
            response = client.get(path)
            assert response.status_code == 302, path
            assert response.headers["Location"] == "/account/two-factor/setup"

    def test_staff_are_not_asked(self, client: FlaskClient) -> None:
        user = UserFactory()
        assert _sign_in(client, user.email).headers["Location"] == "/"
        assert _is_signed_in(client)

    def test_everyone_is_asked_when_the_setting_is_on(
        self, app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(app.config, "REQUIRE_2FA_FOR_ALL", True)
        user = UserFactory()
        assert _sign_in(client, user.email).headers["Location"] == "/account/two-factor/setup"
        assert client.get("/").headers["Location"] == "/account/two-factor/setup"

    def test_the_page_shows_a_qr_code_and_the_same_key(self, client: FlaskClient) -> None:
        user = UserFactory(design_authority=True)
        setup = self._start(client, user)
        image = page(setup).select_one("img.qr-code")
        assert image["src"].startswith("data:image/svg+xml")
        assert image["alt"]
        secret = self._secret_from(setup)
        assert len(secret) == 32  # 160 bits, base32
        # Showing the page stores nothing; showing it again offers the same key (it lives in the session).
        assert self._secret_from(client.get("/account/two-factor/setup")) == secret

    def test_enrolment_stores_the_secret_and_ten_hashed_recovery_codes(
        self, client: FlaskClient, db_session: Any
    ) -> None:
        user = UserFactory(design_authority=True)
        secret = self._secret_from(self._start(client, user))
        response = client.post("/account/two-factor/setup", data={"code": _code(secret)})
        assert response.status_code == 200
        shown = [li.get_text(strip=True) for li in page(response).select("#recovery-codes li")]
        assert len(shown) == 10 and len(set(shown)) == 10
        stored = db_session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all()
        assert len(stored) == 10
        for record in stored:
            assert record.code_hash.startswith("$argon2id$")
            assert all(code.replace("-", "") not in record.code_hash for code in shown)
        db_session.expire_all()
        assert db_session.get(User, user.id).totp_secret == secret
        assert _is_signed_in(client)  # the gate lifts in this session

    def test_a_wrong_code_does_not_enrol(self, client: FlaskClient, db_session: Any) -> None:
        user = UserFactory(design_authority=True)
        self._start(client, user)
        response = client.post("/account/two-factor/setup", data={"code": "123456"})
        assert response.status_code == 422
        assert field_errors(response) == ["Enter the 6-digit code your authenticator app shows now."]
        db_session.expire_all()
        assert db_session.get(User, user.id).totp_secret is None
        assert client.get("/").headers["Location"] == "/account/two-factor/setup"

    def test_after_enrolment_the_next_sign_in_asks_for_a_code(self, app: Flask, client: FlaskClient) -> None:
        user = UserFactory(design_authority=True)
        secret = self._secret_from(self._start(client, user))
        client.post("/account/two-factor/setup", data={"code": _code(secret)})
        other = app.test_client()
        assert _sign_in(other, user.email).headers["Location"] == "/sign-in/two-factor"

    def test_a_role_that_needs_a_factor_cannot_turn_it_off(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        user = login_as(_enrolled(db_session, design_authority=True))
        response = client.post("/account/two-factor/disable")
        assert response.status_code == 403
        db_session.expire_all()
        assert db_session.get(User, user.id).totp_secret == SECRET

    def test_staff_may_turn_it_off(self, client: FlaskClient, login_as: Any, db_session: Any) -> None:
        user = login_as(_enrolled(db_session))
        response = client.post("/account/two-factor/disable")
        assert response.status_code == 302
        db_session.expire_all()
        assert db_session.get(User, user.id).totp_secret is None
        assert _is_signed_in(client)

    def test_new_recovery_codes_replace_the_old(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        user = login_as(_enrolled(db_session, finance=True))
        old = second_factor.regenerate_recovery_codes(db_session.merge(user))
        db_session.commit()
        response = client.post("/account/two-factor/recovery-codes")
        new = [li.get_text(strip=True) for li in page(response).select("#recovery-codes li")]
        assert len(new) == 10 and not set(new) & set(old)
        db_session.expire_all()
        stored = db_session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all()
        assert len(stored) == 10


class TestStepUp:
    """SESS-09: changing email, password or second factor needs a recent proof of identity."""

    @pytest.fixture
    def stale(self, client: FlaskClient) -> Any:
        def _make_stale() -> None:
            with client.session_transaction() as session:
                session["_auth_at"] = int(time.time()) - 11 * 60

        return _make_stale

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/account/email"),
            ("GET", "/account/password"),
            ("GET", "/account/two-factor/setup"),
            ("POST", "/account/email"),
            ("POST", "/account/password"),
            ("POST", "/account/two-factor/setup"),
            ("POST", "/account/two-factor/recovery-codes"),
            ("POST", "/account/two-factor/disable"),
        ],
    )
    def test_a_stale_session_must_confirm_first(
        self, client: FlaskClient, login_as: Any, db_session: Any, stale: Any, method: str, path: str
    ) -> None:
        user = login_as(_enrolled(db_session))
        stale()
        response = client.open(path, method=method, data={"email": "new@council.example"})
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/account/confirm?next=")
        db_session.expire_all()
        unchanged = db_session.get(User, user.id)
        assert unchanged.email == user.email and unchanged.totp_secret == SECRET

    def test_confirming_with_password_and_code_opens_the_page(
        self, client: FlaskClient, login_as: Any, db_session: Any, stale: Any
    ) -> None:
        login_as(_enrolled(db_session))
        stale()
        location = client.get("/account/email").headers["Location"]
        wrong = client.post(location, data={"password": TEST_PASSWORD, "code": "000000"})
        assert wrong.status_code == 200
        assert client.get("/account/email").status_code == 302
        right = client.post(location, data={"password": TEST_PASSWORD, "code": _code()})
        assert right.headers["Location"] == "/account/email"
        assert client.get("/account/email").status_code == 200

    def test_a_fresh_sign_in_needs_no_confirmation(self, client: FlaskClient, login_as: Any) -> None:
        login_as(UserFactory())
        assert client.get("/account/email").status_code == 200

    def test_email_change_after_confirmation(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        user = login_as(UserFactory())
        response = client.post("/account/email", data={"email": "New.Address@Council.Example"})
        assert response.status_code == 302
        db_session.expire_all()
        assert db_session.get(User, user.id).email == "new.address@council.example"
