"""The Improvements and Gates endpoints: the G0 journey through the API, and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from changeauth.services import users as user_service
from tests.factories import ImprovementFactory, UserFactory

IDEA = {
    "title": "Text reminders for bin collections",
    "problem": "Residents miss collections and phone us.",
    "proposal": "Send a text the evening before.",
    "benefit_drivers": ["channel_shift"],
}


def _headers(db_session: Any, user: Any) -> dict[str, str]:
    token, _ = user_service.issue_api_token(user, name="t", actor_id=user.id)
    db_session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def staff(db_session: Any) -> tuple[Any, dict[str, str]]:
    user = UserFactory()
    return user, _headers(db_session, user)


@pytest.fixture
def da(db_session: Any) -> tuple[Any, dict[str, str]]:
    user = UserFactory(design_authority=True)
    return user, _headers(db_session, user)


def test_submit_read_and_list(client: FlaskClient, staff: Any) -> None:
    user, headers = staff
    created = client.post("/api/v1/improvements", json=IDEA, headers=headers)
    assert created.status_code == 201
    body = created.get_json()
    assert (body["stage"], body["status"], body["submitter_id"], body["version"]) == (
        "idea",
        "submitted",
        user.id,
        1,
    )
    assert body["ref"].startswith("IMP-") and body["created_at"].endswith("Z")
    read = client.get(f"/api/v1/improvements/{body['id']}", headers=headers).get_json()
    assert read == body
    listed = client.get("/api/v1/improvements", query_string={"mine": "true"}, headers=headers).get_json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert (listed["page"], listed["per_page"], listed["total"]) == (1, 50, 1)


def test_anonymous_submitters_are_null_except_to_admins(
    client: FlaskClient, db_session: Any, staff: Any
) -> None:
    _user, headers = staff
    created = client.post(
        "/api/v1/improvements", json={**IDEA, "is_anonymous": True}, headers=headers
    ).get_json()
    other = _headers(db_session, UserFactory())
    admin = _headers(db_session, UserFactory(admin=True))
    assert (
        client.get(f"/api/v1/improvements/{created['id']}", headers=other).get_json()["submitter_id"] is None
    )
    assert (
        client.get(f"/api/v1/improvements/{created['id']}", headers=admin).get_json()["submitter_id"]
        is not None
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**IDEA, "title": "ab"}, "title"),
        ({**IDEA, "title": "x" * 201}, "title"),
        ({**IDEA, "benefit_drivers": []}, "benefit_drivers"),
        ({**IDEA, "benefit_drivers": ["world_peace"]}, "benefit_drivers"),
        ({**IDEA, "problem": "x" * 10_001}, "problem"),
        ({**IDEA, "stage": "approved"}, "stage"),
        ({k: v for k, v in IDEA.items() if k != "benefit_drivers"}, "benefit_drivers"),
    ],
)
def test_bad_ideas_get_422_and_store_nothing(
    client: FlaskClient, staff: Any, body: dict[str, Any], field: str
) -> None:
    _user, headers = staff
    response = client.post("/api/v1/improvements", json=body, headers=headers)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and field in error["fields"]
    assert client.get("/api/v1/improvements", headers=headers).get_json()["total"] == 0


def test_malformed_json_is_400(client: FlaskClient, staff: Any) -> None:
    _user, headers = staff
    response = client.post(
        "/api/v1/improvements", data="{not json", headers=headers, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_the_wrong_content_type_is_400(client: FlaskClient, staff: Any) -> None:
    _user, headers = staff
    response = client.post(
        "/api/v1/improvements",
        data="title=x",
        headers=headers,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("decision", "extra", "stage", "status"),
    [
        ("go", "owner", "business_case", "active"),
        ("quick_win", "owner", "delivery", "active"),
        ("merge", "target", "merged", "merged"),
        ("recycle", None, "idea", "needs_info"),
        ("hold", "date", "on_hold", "on_hold"),
        ("stop", None, "declined", "declined"),
    ],
)
def test_every_g0_decision_through_the_api(
    client: FlaskClient, db_session: Any, da: Any, decision: str, extra: str | None, stage: str, status: str
) -> None:
    user, headers = da
    idea, target, owner = ImprovementFactory(), ImprovementFactory(), UserFactory()
    gate = client.get(f"/api/v1/improvements/{idea.id}/gate", headers=headers).get_json()
    assert gate["gate"] == "G0" and decision in gate["allowed_decisions"]
    body: dict[str, Any] = {"gate": "G0", "decision": decision, "rationale": "Reasons.", "version": 1}
    if extra == "owner":
        body["owner_id"] = owner.id
    elif extra == "target":
        body["duplicate_of"] = target.id
    elif extra == "date":
        body["hold_until"] = "2030-01-31"
    response = client.post(f"/api/v1/improvements/{idea.id}/decisions", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    result = response.get_json()
    assert (result["improvement"]["stage"], result["improvement"]["status"]) == (stage, status)
    assert result["decision"]["decided_by"] == user.id and result["decision"]["from_stage"] == "idea"
    timeline = client.get(f"/api/v1/improvements/{idea.id}/timeline", headers=headers).get_json()["items"]
    assert [item["kind"] for item in timeline] == ["submitted", "decision"]
    assert timeline[1]["rationale"] == "Reasons." and timeline[1]["decision"] == decision


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"gate": "G0", "decision": "stop", "rationale": "", "version": 1}, 422, "validation_failed"),
        ({"gate": "G0", "decision": "stop", "rationale": "x", "version": 7}, 409, "version_conflict"),
        ({"gate": "G1", "decision": "go", "rationale": "x", "version": 1}, 409, "invalid_transition"),
        ({"gate": "G0", "decision": "hold", "rationale": "x", "version": 1}, 422, "validation_failed"),
        ({"gate": "G0", "decision": "merge", "rationale": "x", "version": 1}, 422, "validation_failed"),
        (
            {"gate": "G0", "decision": "stop", "rationale": "x", "version": 1, "stage": "closed"},
            422,
            "validation_failed",
        ),
    ],
)
def test_bad_decisions(client: FlaskClient, da: Any, body: dict[str, Any], status: int, code: str) -> None:
    _user, headers = da
    idea = ImprovementFactory()
    response = client.post(f"/api/v1/improvements/{idea.id}/decisions", json=body, headers=headers)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert client.get(f"/api/v1/improvements/{idea.id}", headers=headers).get_json()["stage"] == "idea"


def test_merging_into_itself_is_422(client: FlaskClient, da: Any) -> None:
    _user, headers = da
    idea = ImprovementFactory()
    response = client.post(
        f"/api/v1/improvements/{idea.id}/decisions",
        headers=headers,
        json={"gate": "G0", "decision": "merge", "rationale": "x", "version": 1, "duplicate_of": idea.id},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["duplicate_of"] == ["An idea cannot be merged into itself."]


def test_staff_and_the_submitting_da_member_are_forbidden(
    client: FlaskClient, db_session: Any, staff: Any, da: Any
) -> None:
    for user, headers in (staff, da):
        idea = ImprovementFactory(submitter=user)
        response = client.post(
            f"/api/v1/improvements/{idea.id}/decisions",
            headers=headers,
            json={"gate": "G0", "decision": "stop", "rationale": "x", "version": 1},
        )
        assert response.status_code == 403
        assert (
            client.get(f"/api/v1/improvements/{idea.id}/gate", headers=headers).get_json()[
                "allowed_decisions"
            ]
            == []
        )


def test_a_conflicted_member_is_forbidden(client: FlaskClient, da: Any) -> None:
    _user, headers = da
    idea = ImprovementFactory()
    assert (
        client.post(
            f"/api/v1/improvements/{idea.id}/conflicts", json={"note": "family"}, headers=headers
        ).status_code
        == 201
    )
    response = client.post(
        f"/api/v1/improvements/{idea.id}/decisions",
        headers=headers,
        json={"gate": "G0", "decision": "stop", "rationale": "x", "version": 1},
    )
    assert response.status_code == 403


def test_support_twice_is_409_and_delete_is_204(client: FlaskClient, staff: Any) -> None:
    _user, headers = staff
    idea = ImprovementFactory()
    assert client.post(f"/api/v1/improvements/{idea.id}/support", headers=headers).status_code == 201
    second = client.post(f"/api/v1/improvements/{idea.id}/support", headers=headers)
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "already_exists"
    assert client.delete(f"/api/v1/improvements/{idea.id}/support", headers=headers).status_code == 204
    assert client.get(f"/api/v1/improvements/{idea.id}", headers=headers).get_json()["support_count"] == 0


def test_comments_and_similar(client: FlaskClient, staff: Any) -> None:
    _user, headers = staff
    idea = ImprovementFactory(title="Online booking for bulky waste")
    ImprovementFactory(title="Book bulky waste collections online", declined=True)
    comment = client.post(
        f"/api/v1/improvements/{idea.id}/comments", json={"body": "Yes please"}, headers=headers
    )
    assert comment.status_code == 201 and comment.get_json()["body"] == "Yes please"
    items = client.get(f"/api/v1/improvements/{idea.id}/similar", headers=headers).get_json()["items"]
    assert (
        items
        and items[0]["title"] == "Book bulky waste collections online"
        and items[0]["stage"] == "declined"
    )
    assert 0 < items[0]["similarity"] <= 1


class TestPatch:
    def test_the_submitter_edits_text_while_it_is_an_idea(self, client: FlaskClient, db_session: Any) -> None:
        submitter = UserFactory()
        idea = ImprovementFactory(submitter=submitter)
        headers = _headers(db_session, submitter)
        response = client.patch(
            f"/api/v1/improvements/{idea.id}",
            json={"title": "A clearer title", "version": 1},
            headers=headers,
        )
        assert response.status_code == 200
        assert (response.get_json()["title"], response.get_json()["version"]) == ("A clearer title", 2)

    def test_if_match_carries_the_version(self, client: FlaskClient, db_session: Any) -> None:
        submitter = UserFactory()
        idea = ImprovementFactory(submitter=submitter)
        headers = {**_headers(db_session, submitter), "If-Match": '"1"'}
        assert (
            client.patch(
                f"/api/v1/improvements/{idea.id}", json={"title": "Via If-Match"}, headers=headers
            ).status_code
            == 200
        )
        stale = client.patch(f"/api/v1/improvements/{idea.id}", json={"title": "Again"}, headers=headers)
        assert stale.status_code == 409

    @pytest.mark.parametrize("field", ["stage", "status", "route", "submitter_id"])
    def test_read_only_fields_are_422(self, client: FlaskClient, db_session: Any, field: str) -> None:
        submitter = UserFactory()
        idea = ImprovementFactory(submitter=submitter)
        response = client.patch(
            f"/api/v1/improvements/{idea.id}",
            json={field: "closed", "version": 1},
            headers=_headers(db_session, submitter),
        )
        assert response.status_code == 422

    def test_staff_cannot_assign_owners(self, client: FlaskClient, db_session: Any) -> None:
        submitter = UserFactory()
        idea = ImprovementFactory(submitter=submitter)
        response = client.patch(
            f"/api/v1/improvements/{idea.id}",
            json={"owner_id": submitter.id, "version": 1},
            headers=_headers(db_session, submitter),
        )
        assert response.status_code == 403

    def test_da_assigns_owner_and_team(self, client: FlaskClient, db_session: Any, da: Any) -> None:
        _user, headers = da
        idea, owner = ImprovementFactory(), UserFactory()
        response = client.patch(
            f"/api/v1/improvements/{idea.id}",
            headers=headers,
            json={"owner_id": owner.id, "team": "customer_connect", "is_mandatory": True, "version": 1},
        )
        assert response.status_code == 200
        body = response.get_json()
        assert (body["owner_id"], body["team"], body["is_mandatory"]) == (owner.id, "customer_connect", True)


def test_transitions(client: FlaskClient, db_session: Any) -> None:
    submitter = UserFactory()
    idea = ImprovementFactory(submitter=submitter)
    headers = _headers(db_session, submitter)
    bad = client.post(
        f"/api/v1/improvements/{idea.id}/transitions",
        json={"action": "start_delivery", "version": 1},
        headers=headers,
    )
    assert bad.status_code == 409 and bad.get_json()["error"]["code"] == "invalid_transition"
    done = client.post(
        f"/api/v1/improvements/{idea.id}/transitions",
        json={"action": "withdraw", "version": 1},
        headers=headers,
    )
    assert done.status_code == 200 and done.get_json()["stage"] == "withdrawn"


def test_hidden_and_missing_improvements_are_404(client: FlaskClient, staff: Any) -> None:
    _user, headers = staff
    withdrawn = ImprovementFactory(withdrawn=True)
    for path in (
        f"/api/v1/improvements/{withdrawn.id}",
        "/api/v1/improvements/999999",
        f"/api/v1/improvements/{withdrawn.id}/timeline",
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
