"""Consistency across the API: one way to paginate, one way to send the version, one error shape."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from flask.testing import FlaskClient

from tests.api.conftest import bearer
from tests.factories import ImprovementFactory, UserFactory

METHODS = ("get", "post", "put", "patch", "delete")
PAGE_FIELDS = {"items", "page", "per_page", "total"}
# Returned whole as {"items": [...]}, as docs/api.md shapes them or bounded by the request: one improvement's
# timeline, at most 10 similar ideas, the 2-4 scenarios being compared, and the review's decisions on one
# improvement's benefits (one per benefit). Everything else that lists paginates.
WHOLE_LISTS = {"Timeline", "Similar", "Comparison", "ReviewDecisionList"}
# Writes that create something new take no version; every write to an existing record does.
CREATES = {
    ("post", "/api/v1/improvements"),
    ("post", "/api/v1/improvements/{improvement_id}/comments"),
    ("post", "/api/v1/improvements/{improvement_id}/support"),
    ("delete", "/api/v1/improvements/{improvement_id}/support"),
    ("post", "/api/v1/improvements/{improvement_id}/conflicts"),
    ("post", "/api/v1/scoring-schemes"),
    ("post", "/api/v1/improvements/{improvement_id}/benefits"),
    ("post", "/api/v1/benefits/{benefit_id}/measurements"),
    ("post", "/api/v1/benefits/{benefit_id}/adjustments"),
    ("post", "/api/v1/benefits/{benefit_id}/staffing/posts"),
    ("post", "/api/v1/improvements/{improvement_id}/disbenefits"),
    ("post", "/api/v1/temporary-resources"),
    ("post", "/api/v1/lessons"),
    ("post", "/api/v1/portfolio/scenarios"),
    ("post", "/api/v1/users/{user_id}/personal-data-exports"),
    # Calculations that change nothing:
    ("post", "/api/v1/backlog/what-if"),
    ("post", "/api/v1/portfolio/optimise"),
}


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    return dict(client.get("/api/v1/openapi.json").get_json())


def _schema_name(node: dict[str, Any]) -> str:
    return str(node.get("$ref", "")).rsplit("/", 1)[-1]


def _success_schema(operation: dict[str, Any]) -> str:
    for status, response in operation["responses"].items():
        if status.startswith("2") and "content" in response:
            return _schema_name(response["content"]["application/json"]["schema"])
    return ""


def test_every_list_paginates_the_same_way(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    page_args = {"page", "per_page"}
    for path, item in spec["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        name = _success_schema(operation)
        schema = schemas.get(name, {})
        if schema.get("properties", {}).get("items", {}).get("type") != "array" or name in WHOLE_LISTS:
            continue
        assert set(schema["required"]) >= PAGE_FIELDS, f"GET {path} ({name}) does not paginate"
        for field in ("page", "per_page", "total"):
            assert schema["properties"][field]["type"] == "integer", f"{name}.{field}"
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        assert page_args <= query, f"GET {path} does not take page and per_page"


def test_every_write_to_an_existing_record_takes_the_version(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in {"post", "put", "patch", "delete"} or (method, path) in CREATES:
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            properties = schemas.get(_schema_name(body.get("schema", {})), {}).get("properties", {})
            assert properties.get("version", {}).get("type") == "integer", f"{method} {path} takes no version"


def test_a_stale_version_is_refused_the_same_way_in_the_body_and_in_if_match(
    client: FlaskClient, db_session: Any, superuser: Any, token: str
) -> None:
    improvement = ImprovementFactory(submitter=superuser)  # the submitter may edit an idea
    db_session.commit()
    url = f"/api/v1/improvements/{improvement.id}"
    in_body = client.patch(url, json={"title": "A new title", "version": 99}, headers=bearer(token))
    in_header = client.patch(
        url, json={"title": "A new title"}, headers={**bearer(token), "If-Match": '"99"'}
    )
    assert in_body.status_code == in_header.status_code == 409
    assert in_body.get_json()["error"]["code"] == in_header.get_json()["error"]["code"] == "version_conflict"


@pytest.mark.parametrize("if_match", ['"abc"', '"²"', '"99999999999999999999"'])
def test_a_malformed_if_match_is_422(
    client: FlaskClient, db_session: Any, superuser: Any, token: str, if_match: str
) -> None:
    improvement = ImprovementFactory(submitter=superuser)
    db_session.commit()
    response = client.patch(
        f"/api/v1/improvements/{improvement.id}",
        json={"title": "A new title"},
        headers={**bearer(token), "If-Match": if_match},
    )
    assert response.status_code == 422
    assert "version" in response.get_json()["error"]["fields"]


def test_every_error_has_the_documented_shape(
    client: FlaskClient, db_session: Any, spec: dict[str, Any], token: str
) -> None:
    staff = UserFactory()
    from changeauth.services import users as user_service

    staff_token, _ = user_service.issue_api_token(staff, name="staff", actor_id=staff.id)
    db_session.commit()
    # The document's ApiError schema, its $refs resolved within the document's own components.
    error_schema = {"$ref": "#/components/schemas/ApiError", "components": spec["components"]}
    auth = bearer(token)
    responses = {
        400: client.post(
            "/api/v1/improvements", data="{not json", content_type="application/json", headers=auth
        ),
        401: client.get("/api/v1/me"),
        403: client.get("/api/v1/audit/verify", headers=bearer(staff_token)),
        404: client.get("/api/v1/improvements/999999", headers=auth),
        405: client.put("/api/v1/me", headers=auth),
        413: client.post(
            "/api/v1/improvements",
            data="x" * (1024 * 1024 + 1),
            content_type="application/json",
            headers=auth,
        ),
        422: client.get("/api/v1/flags?colour=red", headers=auth),
    }
    for status, response in responses.items():
        assert response.status_code == status
        body = response.get_json()
        jsonschema.validate(body, error_schema)
        assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), status
