"""Bad input on every API body is refused the same way every time, at the same cost, and never with a
500: NUL characters, lone surrogates, deeply nested JSON and dates outside the range the council works in.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from changeauth.web.api.improvements import ImprovementCreateSchema
from tests.api.conftest import bearer

IDEA = {
    "title": "Online bin calendar",
    "problem": "People phone to ask.",
    "proposal": "Publish it online.",
    "benefit_drivers": ["channel_shift"],
}


def _validator_count() -> int:
    schema = ImprovementCreateSchema()
    return sum(len(field.validators) for field in schema.fields.values()) + len(
        schema.fields["benefit_drivers"].inner.validators
    )


def test_the_same_bad_body_gets_the_same_answer_at_the_same_cost(
    app: Flask, client: FlaskClient, token: str
) -> None:
    body = {**IDEA, "title": "A title with a \x00 in it"}
    first = client.post("/api/v1/improvements", json=body, headers=bearer(token))
    cost = _validator_count()
    for _ in range(30):
        again = client.post("/api/v1/improvements", json=body, headers=bearer(token))
    assert first.status_code == again.status_code == 422
    assert again.get_json() == first.get_json()
    assert first.get_json()["error"]["fields"]["title"] == ["Remove the NUL character."]
    # Binding a schema again must not add its validators again.
    assert _validator_count() == cost


def test_a_lone_surrogate_is_a_422(client: FlaskClient, token: str) -> None:
    body = (
        '{"title": "Bins \\ud800 online", "problem": "p", "proposal": "q", '
        '"benefit_drivers": ["channel_shift"]}'
    )
    response = client.post(
        "/api/v1/improvements", data=body, content_type="application/json", headers=bearer(token)
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "title" in response.get_json()["error"]["fields"]


def test_deeply_nested_json_is_a_400(client: FlaskClient, token: str) -> None:
    body = '{"title": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.post(
        "/api/v1/improvements", data=body, content_type="application/json", headers=bearer(token)
    )
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == "bad_request"


def test_dates_outside_the_working_range_are_422(client: FlaskClient, token: str) -> None:
    for day in ("0001-01-01", "9999-12-31"):
        response = client.post(
            "/api/v1/temporary-resources",
            json={
                "role_title": "Agency planner",
                "kind": "agency",
                "annual_cost_pence": 4_000_000,
                "funding_source": "Reserves",
                "start_date": "2026-01-05",
                "end_date": day,
            },
            headers=bearer(token),
        )
        assert response.status_code == 422, response.get_data(as_text=True)[:300]
        assert "end_date" in response.get_json()["error"]["fields"]
