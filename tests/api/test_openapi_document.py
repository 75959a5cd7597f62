"""The OpenAPI document is valid OpenAPI 3 and describes requests, responses, the bearer scheme and errors."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from openapi_spec_validator import validate

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return dict(response.get_json())


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        section, name = node["$ref"].split("/")[-2:]
        node = spec["components"][section][name]
    return node


def test_the_document_is_valid_openapi_3(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.")
    validate(spec)  # raises on the first violation of the OpenAPI 3 schema


def test_every_operation_is_behind_the_bearer_scheme(spec: dict[str, Any]) -> None:
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token from your profile",
    }
    assert spec["security"] == [{"bearerAuth": []}]
    assert all("security" not in operation for _, _, operation in _operations(spec))


def test_every_body_and_success_response_has_a_schema(spec: dict[str, Any]) -> None:
    undescribed = []
    for path, method, operation in _operations(spec):
        # Only the writes that take no input at all may go without a body.
        bodiless = path.endswith(("/support", "/validate"))
        if method in {"post", "put", "patch"} and "requestBody" not in operation and not bodiless:
            undescribed.append(f"{method} {path}: no request body")
        for status, response in operation["responses"].items():
            if status.startswith("2") and status != "204":
                content = _resolve(spec, response).get("content", {})
                if "schema" not in content.get("application/json", {}):
                    undescribed.append(f"{method} {path}: {status} has no schema")
    assert undescribed == []


def test_the_error_shape_is_documented_for_every_error_response(spec: dict[str, Any]) -> None:
    error = spec["components"]["schemas"]["ApiError"]
    assert error["required"] == ["error"]
    body = spec["components"]["schemas"]["ApiErrorBody"]
    assert set(body["required"]) == {"code", "message"}
    assert {"code", "message", "fields", "unmet"} <= set(body["properties"])
    for path, method, operation in _operations(spec):
        responses = operation["responses"]
        assert {"default", "401", "429"} <= set(responses), f"{method} {path}"
        for status, response in responses.items():
            if status == "default" or status.startswith(("4", "5")):
                schema = _resolve(spec, response)["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ApiError"}, f"{method} {path} {status}"


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("get", "/api/v1/me", {"401", "429"}),
        ("get", "/api/v1/improvements/{improvement_id}", {"401", "403", "404"}),
        ("patch", "/api/v1/improvements/{improvement_id}", {"401", "403", "404", "409", "413", "422"}),
        ("post", "/api/v1/improvements", {"401", "403", "409", "413", "422"}),
        ("get", "/api/v1/audit", {"401", "403", "422"}),
    ],
)
def test_operations_document_the_errors_they_can_give(
    spec: dict[str, Any], method: str, path: str, expected: set[str]
) -> None:
    assert expected <= set(spec["paths"][path][method]["responses"])


def test_me_documents_no_403_because_everyone_signed_in_may_call_it(spec: dict[str, Any]) -> None:
    assert "403" not in spec["paths"]["/api/v1/me"]["get"]["responses"]
