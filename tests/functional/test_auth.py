"""Signing in and out through the pages: identical failures, throttling, sessions that really end
(SESS-03, SESS-06), CSRF on forms (CSRF-01) and no open redirects (OUT-04)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from changeauth.services import users as user_service
from tests.factories import TEST_PASSWORD, UserFactory
from tests.helpers import csrf_token, page


def _sign_in(client: FlaskClient, email: str, password: str, next_url: str | None = None) -> Any:
    url = "/sign-in" + (f"?next={next_url}" if next_url is not None else "")
    return client.post(url, data={"email": email, "password": password})


def test_sign_in_and_see_the_home_page(client: FlaskClient) -> None:
    user = UserFactory(name="Priya Patel")
    response = _sign_in(client, user.email, TEST_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Welcome, Priya Patel" in page(home).h1.get_text()


def test_the_sign_in_form_asks_for_a_current_password(client: FlaskClient) -> None:
    password = page(client.get("/sign-in")).select_one("input[name=password]")
    assert password["type"] == "password"
    assert password["autocomplete"] == "current-password"


@pytest.mark.parametrize("case", ["wrong_password", "unknown_email", "inactive", "throttled"])
def test_every_failure_gives_the_same_page(client: FlaskClient, case: str) -> None:
    user = UserFactory(inactive=case == "inactive")
    if case == "throttled":
        for _ in range(10):
            _sign_in(client, user.email, "wrong")
    email = "nobody@council.example" if case == "unknown_email" else user.email
    password = "wrong" if case == "wrong_password" else TEST_PASSWORD
    response = _sign_in(client, email, password)
    assert response.status_code == 200
    summary = page(response).select_one(".error-summary")
    assert summary.select_one("a").get_text(strip=True) == "The email address or password is not right."
    assert client.get("/").status_code == 302  # still signed out


def test_a_cookie_replayed_after_sign_out_is_refused(app: Flask, client: FlaskClient) -> None:
    user = UserFactory()
    _sign_in(client, user.email, TEST_PASSWORD)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain=app.config["SERVER_NAME"])
    assert cookie is not None
    token = csrf_token(client.get("/"))
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302
    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie.value, domain=app.config["SERVER_NAME"])
    response = replay.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_deactivation_signs_the_user_out_at_once(client: FlaskClient, db_session: Any) -> None:
    user = UserFactory()
    _sign_in(client, user.email, TEST_PASSWORD)
    assert client.get("/").status_code == 200
    user_service.deactivate_user(db_session.merge(user), actor_id=None)
    db_session.commit()
    assert client.get("/").status_code == 302


def test_sign_out_needs_post(client: FlaskClient, login_as: Any) -> None:
    login_as(UserFactory())
    assert client.get("/sign-out").status_code == 405
    assert client.get("/").status_code == 200


class TestCsrf:
    @pytest.fixture(autouse=True)
    def _csrf_on(self, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    def test_sign_in_without_a_token_is_refused(self, client: FlaskClient) -> None:
        user = UserFactory()
        response = _sign_in(client, user.email, TEST_PASSWORD)
        assert response.status_code == 400
        assert client.get("/").status_code == 302

    def test_sign_in_with_the_form_token_works(self, client: FlaskClient) -> None:
        user = UserFactory()
        token = csrf_token(client.get("/sign-in"))
        response = client.post(
            "/sign-in", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302

    def test_a_token_from_another_session_is_refused(
        self, app: Flask, client: FlaskClient, login_as: Any
    ) -> None:
        other = app.test_client()
        login_as(UserFactory())
        foreign = csrf_token(other.get("/sign-in"))
        response = client.post("/sign-out", data={"csrf_token": foreign})
        assert response.status_code == 400
        assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "////evil.com",
        "/\\evil.com",
        "\\\\evil.com",
        "https:evil.com",
        "http:///evil.com",
        "/\t/evil.com",
        "%2F%2Fevil.com",
        "javascript:alert(1)",
        "https://evil.com/",
    ],
)
def test_next_never_leaves_the_site(client: FlaskClient, target: str) -> None:
    user = UserFactory()
    response = client.post(
        "/sign-in", query_string={"next": target}, data={"email": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_to_a_local_page_still_works(client: FlaskClient) -> None:
    user = UserFactory()
    response = _sign_in(client, user.email, TEST_PASSWORD, next_url="/improvements/5")
    assert response.headers["Location"] == "/improvements/5"


def test_pages_need_sign_in(client: FlaskClient) -> None:
    for path in ("/", "/improvements/", "/improvements/new", "/audit"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/sign-in?next=")


def test_security_headers_on_pages(client: FlaskClient) -> None:
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "object-src 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
