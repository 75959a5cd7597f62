"""API tokens: the profile page creates (shown once), lists and revokes them; revoked tokens and the
tokens of a deactivated person fail at once; using a token records when."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth.models import ApiToken
from changeauth.services import users as user_service
from tests.api.conftest import bearer
from tests.factories import TEST_PASSWORD, UserFactory
from tests.helpers import csrf_token, field_errors, page, sign_in_by_session


def _create(client: FlaskClient, name: str) -> Any:
    form = client.get("/profile/tokens")
    return client.post("/profile/tokens", data={"name": name, "csrf_token": csrf_token(form)})


def test_a_new_token_is_shown_once_and_works(client: FlaskClient, db_session: Any, login_as: Any) -> None:
    me = login_as(UserFactory())
    db_session.commit()
    response = _create(client, "Power BI refresh")
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    shown = page(response).select_one("#new-token").get_text(strip=True)
    assert shown.startswith("ca_")
    assert client.get("/api/v1/me", headers=bearer(shown)).get_json()["id"] == me.id
    # Listed by name and prefix; never shown again.
    listing = client.get("/profile/tokens")
    text = listing.get_data(as_text=True)
    assert "Power BI refresh" in text and shown[:10] in text and shown not in text
    record = db_session.scalar(select(ApiToken).where(ApiToken.user_id == me.id))
    assert record.token_hash != shown  # only the hash is stored


def test_a_token_needs_a_name(client: FlaskClient, db_session: Any, login_as: Any) -> None:
    login_as(UserFactory())
    db_session.commit()
    response = _create(client, "   ")
    assert response.status_code == 422
    assert field_errors(response) == ["Enter a name for the token."]
    assert db_session.scalar(select(ApiToken)) is None


def test_a_revoked_token_fails_at_once(client: FlaskClient, db_session: Any, login_as: Any) -> None:
    me = login_as(UserFactory())
    plain, record = user_service.issue_api_token(me, name="script", actor_id=me.id)
    db_session.commit()
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200
    listing = client.get("/profile/tokens")
    response = client.post(f"/profile/tokens/{record.id}/revoke", data={"csrf_token": csrf_token(listing)})
    assert response.status_code == 302
    refused = client.get("/api/v1/me", headers=bearer(plain))
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "unauthenticated"
    assert "Revoked" in client.get("/profile/tokens").get_data(as_text=True)


def test_nobody_can_revoke_someone_elses_token(client: FlaskClient, db_session: Any, login_as: Any) -> None:
    other = UserFactory()
    plain, record = user_service.issue_api_token(other, name="theirs", actor_id=other.id)
    login_as(UserFactory(admin=True))
    db_session.commit()
    listing = client.get("/profile/tokens")
    response = client.post(f"/profile/tokens/{record.id}/revoke", data={"csrf_token": csrf_token(listing)})
    assert response.status_code == 404
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200


def test_the_tokens_of_a_deactivated_person_fail(client: FlaskClient, db_session: Any) -> None:
    person = UserFactory()
    plain, _ = user_service.issue_api_token(person, name="script", actor_id=person.id)
    db_session.commit()
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200
    person.is_active = False
    db_session.commit()
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 401


def test_using_a_token_records_last_use(client: FlaskClient, db_session: Any) -> None:
    person = UserFactory()
    plain, record = user_service.issue_api_token(person, name="script", actor_id=person.id)
    db_session.commit()
    assert record.last_used_at is None
    client.get("/api/v1/me", headers=bearer(plain))
    db_session.expire_all()
    assert db_session.get(ApiToken, record.id).last_used_at is not None


def test_the_profile_page_needs_sign_in(client: FlaskClient, db_session: Any) -> None:
    assert client.get("/profile/tokens").status_code == 302


# --- issue 18, finding 7: expiry, a name, re-authentication, a cap, and revocation with the sessions ---


def _stale_proof(client: FlaskClient) -> None:
    """The person signed in (and last proved who they are) an hour ago."""
    with client.session_transaction() as session:
        session["_auth_at"] = int(time.time()) - 3600


def test_making_a_token_needs_a_recent_confirmation(
    client: FlaskClient, db_session: Any, login_as: Any
) -> None:
    login_as(UserFactory())
    db_session.commit()
    _stale_proof(client)
    response = _create(client, "Power BI refresh")
    assert response.status_code == 302 and "/account/confirm" in response.headers["Location"]
    assert db_session.scalar(select(ApiToken)) is None


def test_a_token_expires_after_the_time_chosen(client: FlaskClient, db_session: Any, login_as: Any) -> None:
    me = login_as(UserFactory())
    db_session.commit()
    form = client.get("/profile/tokens")
    assert page(form).select_one("select[name=days] option[selected]")["value"] == "90"
    made = client.post(
        "/profile/tokens", data={"name": "Nightly export", "days": "30", "csrf_token": csrf_token(form)}
    )
    assert made.status_code == 201
    record = db_session.scalar(select(ApiToken).where(ApiToken.user_id == me.id))
    assert record.expires_at - record.created_at == timedelta(days=30)
    assert "Expires" in client.get("/profile/tokens").get_data(as_text=True)

    plain, old = user_service.issue_api_token(
        me, name="old", actor_id=me.id, days=7, now=datetime.now(UTC) - timedelta(days=8)
    )
    db_session.commit()
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 401
    assert old.revoked_at is None  # expired, not revoked


def test_a_person_holds_a_limited_number_of_tokens(
    client: FlaskClient, db_session: Any, login_as: Any
) -> None:
    me = login_as(UserFactory())
    for number in range(user_service.API_TOKENS_PER_PERSON):
        user_service.issue_api_token(me, name=f"system {number}", actor_id=me.id)
    db_session.commit()
    refused = _create(client, "one too many")
    assert refused.status_code == 422
    assert "the most allowed" in " ".join(field_errors(refused))
    assert len(db_session.scalars(select(ApiToken).where(ApiToken.user_id == me.id)).all()) == 5


def _change_password(client: FlaskClient, user: Any) -> None:
    form = client.get("/account/password")
    new = "a brand new passphrase for tests"
    response = client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": new,
            "confirm_password": new,
            "csrf_token": csrf_token(form),
        },
    )
    assert response.status_code == 302, field_errors(response)


def _sign_out_everywhere(client: FlaskClient, user: Any) -> None:
    response = client.post(
        "/account/sign-out-everywhere", data={"csrf_token": csrf_token(client.get("/account/"))}
    )
    assert response.status_code == 302


def _admin_ends_sessions(client: FlaskClient, user: Any) -> None:
    sign_in_by_session(client, UserFactory(admin=True))
    page_ = client.get(f"/admin/users/{user.id}")
    response = client.post(f"/admin/users/{user.id}/end-sessions", data={"csrf_token": csrf_token(page_)})
    assert response.status_code == 302


def _admin_resets_second_factor(client: FlaskClient, user: Any) -> None:
    sign_in_by_session(client, UserFactory(admin=True))
    page_ = client.get(f"/admin/users/{user.id}")
    response = client.post(
        f"/admin/users/{user.id}/reset-second-factor", data={"csrf_token": csrf_token(page_)}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "event", [_change_password, _sign_out_everywhere, _admin_ends_sessions, _admin_resets_second_factor]
)
def test_tokens_die_with_the_sessions(
    client: FlaskClient, db_session: Any, login_as: Any, event: Any
) -> None:
    me = login_as(UserFactory())
    plain, _ = user_service.issue_api_token(me, name="script", actor_id=me.id)
    db_session.commit()
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200
    event(client, me)
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 401


def test_an_ordinary_sign_out_keeps_tokens(client: FlaskClient, db_session: Any, login_as: Any) -> None:
    me = login_as(UserFactory())
    plain, _ = user_service.issue_api_token(me, name="script", actor_id=me.id)
    db_session.commit()
    assert client.post("/sign-out", data={"csrf_token": csrf_token(client.get("/"))}).status_code == 302
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200
