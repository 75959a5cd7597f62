"""The API base: bearer tokens, /me, /reference, the OpenAPI document and the error shape."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from changeauth.domain.lifecycle import GATE_NAMES, Gate
from changeauth.services import users as user_service
from tests.factories import UserFactory


@pytest.fixture
def token(db_session: Any) -> str:
    user = UserFactory(email="api.user@council.example", name="Api User", design_authority=True)
    plain, _ = user_service.issue_api_token(user, name="test", actor_id=user.id)
    db_session.commit()
    return plain


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_me(client: FlaskClient, token: str) -> None:
    response = client.get("/api/v1/me", headers=_auth(token))
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == "api.user@council.example"
    assert body["roles"] == ["design_authority", "staff"]
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer ca_nope", "Basic dXNlcjpwYXNz", "token"])
def test_a_missing_or_unknown_token_is_401(client: FlaskClient, db_session: Any, header: str | None) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.get_json() == {
        "error": {"code": "unauthenticated", "message": "Sign in with a valid API token."}
    }


def test_reference(client: FlaskClient, token: str) -> None:
    body = client.get("/api/v1/reference", headers=_auth(token)).get_json()
    assert {d["code"] for d in body["benefit_drivers"]} >= {"channel_shift", "remodelling"}
    assert [g["code"] for g in body["gates"]] == ["G0", "G1", "G2", "G3"]
    assert body["gates"][1] == {"code": "G1", "name": GATE_NAMES[Gate.G1], "from_stage": "business_case"}
    assert "quick_win" in body["decisions"] and "idea" in body["stages"]


def test_unknown_api_paths_answer_in_the_error_shape(client: FlaskClient, token: str) -> None:
    response = client.get("/api/v1/nothing-here", headers=_auth(token))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_wrong_method_is_405_in_the_error_shape(client: FlaskClient, token: str) -> None:
    response = client.post("/api/v1/me", headers=_auth(token), json={})
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_oversized_bodies_are_413(client: FlaskClient, token: str) -> None:
    response = client.post(
        "/api/v1/me", headers=_auth(token), data="x" * (1024 * 1024 + 1), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_the_openapi_document_is_public_and_describes_the_bearer_scheme(
    client: FlaskClient, db_session: Any
) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/me", "/api/v1/reference"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["security"] == [{"bearerAuth": []}]


def test_using_a_token_records_when_it_was_last_used(
    client: FlaskClient, db_session: Any, token: str
) -> None:
    from sqlalchemy import select

    from changeauth.models import ApiToken

    assert db_session.scalar(select(ApiToken.last_used_at)) is None
    client.post("/api/v1/improvements", json={}, headers=_auth(token))  # a refused write still counts as use
    db_session.expire_all()
    assert db_session.scalar(select(ApiToken.last_used_at)) is not None


def test_a_busy_database_when_recording_token_use_does_not_change_the_answer(
    client: FlaskClient, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    def busy(_token_id: int, **_: Any) -> None:
        raise OperationalError("UPDATE api_tokens", {}, Exception("database is locked"))

    monkeypatch.setattr(user_service, "record_token_use", busy)
    response = client.get("/api/v1/me", headers=_auth(token))
    assert response.status_code == 200
    assert response.get_json()["email"] == "api.user@council.example"
