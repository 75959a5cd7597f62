"""API tokens: the profile page creates (shown once), lists and revokes them; revoked tokens and the
tokens of a deactivated person fail at once; using a token records when."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth.models import ApiToken
from changeauth.services import users as user_service
from tests.api.conftest import bearer
from tests.factories import UserFactory
from tests.helpers import csrf_token, field_errors, page


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
