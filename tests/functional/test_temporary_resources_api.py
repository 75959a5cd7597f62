"""The Temporary resources endpoints: a resource into overrun (the job) and out again by an extension;
the actual end; bad input is 422 with nothing stored; who may extend and who may end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from changeauth.jobs import get_job
from changeauth.jobs.runner import run_job
from changeauth.models import TemporaryResource
from changeauth.queries.clock import today
from changeauth.services import users as user_service
from tests.factories import ImprovementFactory, TemporaryResourceFactory, UserFactory


def _headers(db_session: Any, user: Any) -> dict[str, str]:
    token, _ = user_service.issue_api_token(user, name="t", actor_id=user.id)
    db_session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def people(db_session: Any) -> dict[str, tuple[Any, dict[str, str]]]:
    users = {
        "manager": UserFactory(manager=True),
        "da": UserFactory(design_authority=True),
        "finance": UserFactory(finance=True),
        "staff": UserFactory(),
    }
    return {name: (user, _headers(db_session, user)) for name, user in users.items()}


def _resource(owner_id: int, **changes: Any) -> dict[str, Any]:
    body = {
        "role_title": "Agency planning officer",
        "team": "planning",
        "kind": "agency",
        "annual_cost_pence": 3_650_000,
        "funding_source": "Planning reserve",
        "start_date": (today() - timedelta(days=300)).isoformat(),
        "end_date": (today() - timedelta(days=10)).isoformat(),
        "owner_id": owner_id,
    }
    body.update(changes)
    return body


def test_a_resource_into_overrun_and_out_by_extension(
    client: FlaskClient, app: Flask, db_session: Any, people: Any
) -> None:
    manager, manager_headers = people["manager"]
    improvement = ImprovementFactory(delivery=True, owner=manager)
    created = client.post(
        "/api/v1/temporary-resources",
        json=_resource(manager.id, improvement_id=improvement.id),
        headers=manager_headers,
    )
    assert created.status_code == 201, created.get_json()
    resource = created.get_json()
    # Ten days past its end at £36,500 a year: 3,650,000 × 10 / 365 = 100,000 pence (£1,000).
    assert (resource["status"], resource["days_overrun"], resource["overrun_exposure_pence"]) == (
        "overrun",
        10,
        100_000,
    )

    with app.app_context():
        assert run_job(get_job("temporary-resources"), today()).counts["overrun_raised"] == 1
    open_flags = client.get(
        "/api/v1/flags",
        query_string={"subject_type": "temporary_resource", "subject_id": resource["id"], "status": "open"},
        headers=manager_headers,
    ).get_json()["items"]
    assert [flag["kind"] for flag in open_flags] == ["temporary_resource_overrun"]
    listed = client.get(
        "/api/v1/temporary-resources", query_string={"status": "overrun"}, headers=manager_headers
    )
    assert [item["id"] for item in listed.get_json()["items"]] == [resource["id"]]

    url = f"/api/v1/temporary-resources/{resource['id']}"
    extension = {"extension_until": (today() + timedelta(days=90)).isoformat(), "extension_reason": "Backlog"}
    by_owner = client.patch(url, json={**extension, "version": 1}, headers=manager_headers)
    assert by_owner.status_code == 403
    _, finance_headers = people["finance"]
    extended = client.patch(url, json={**extension, "version": 1}, headers=finance_headers)
    assert extended.status_code == 200
    body = extended.get_json()
    assert (body["status"], body["effective_end_date"], body["version"]) == (
        "active",
        extension["extension_until"],
        2,
    )
    # The days already overrun stay on record only until the extension covers them: none now.
    assert body["overrun_exposure_pence"] == 0
    resolved = client.get(
        "/api/v1/flags",
        query_string={"subject_type": "temporary_resource", "subject_id": resource["id"], "status": "open"},
        headers=manager_headers,
    ).get_json()["items"]
    assert resolved == []

    ended = client.patch(
        url, json={"actual_end_date": today().isoformat()}, headers={**manager_headers, "If-Match": '"2"'}
    )
    assert ended.status_code == 200 and ended.get_json()["actual_end_date"] == today().isoformat()


class TestBadInput:
    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"annual_cost_pence": -1}, "annual_cost_pence"),
            ({"end_date": "2020-01-01", "start_date": "2020-02-01"}, "end_date"),
            ({"kind": "intern"}, "kind"),
            ({"annual_cost_pence": 12.5}, "annual_cost_pence"),
            ({"team": "nowhere"}, "team"),
            ({"status": "active"}, "status"),  # read-only
        ],
    )
    def test_is_422_and_stores_nothing(
        self, client: FlaskClient, db_session: Any, people: Any, changes: dict[str, Any], field: str
    ) -> None:
        manager, headers = people["manager"]
        response = client.post(
            "/api/v1/temporary-resources", json=_resource(manager.id, **changes), headers=headers
        )
        assert response.status_code == 422, response.get_json()
        assert field in response.get_json()["error"]["fields"]
        assert db_session.scalar(select(func.count()).select_from(TemporaryResource)) == 0

    def test_staff_may_not_record_resources(self, client: FlaskClient, people: Any) -> None:
        staff, headers = people["staff"]
        assert (
            client.post("/api/v1/temporary-resources", json=_resource(staff.id), headers=headers).status_code
            == 403
        )

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"extension_until": "2027-03-31", "extension_reason": "Go-live slipped"}, "extension_until"),
            ({"extension_until": "2027-06-30", "extension_reason": "   "}, "extension_reason"),
            ({"extension_until": "2027-06-30"}, "extension_reason"),
        ],
    )
    def test_an_extension_must_be_later_and_have_a_reason(
        self, client: FlaskClient, db_session: Any, people: Any, body: dict[str, Any], field: str
    ) -> None:
        resource = TemporaryResourceFactory()  # ends 31 March 2027
        _, headers = people["da"]
        response = client.patch(
            f"/api/v1/temporary-resources/{resource.id}", json={**body, "version": 1}, headers=headers
        )
        assert response.status_code == 422
        assert field in response.get_json()["error"]["fields"]
        db_session.refresh(resource)
        assert resource.extension_until is None and resource.version == 1

    def test_an_end_and_an_extension_at_once_is_422(self, client: FlaskClient, people: Any) -> None:
        resource = TemporaryResourceFactory()
        _, headers = people["da"]
        response = client.patch(
            f"/api/v1/temporary-resources/{resource.id}",
            json={"actual_end_date": "2026-05-01", "extension_until": "2027-06-30", "version": 1},
            headers=headers,
        )
        assert response.status_code == 422

    def test_only_the_owner_records_the_actual_end_and_never_in_the_future(
        self, client: FlaskClient, db_session: Any, people: Any
    ) -> None:
        resource = TemporaryResourceFactory()
        url = f"/api/v1/temporary-resources/{resource.id}"
        _, da_headers = people["da"]
        assert (
            client.patch(
                url, json={"actual_end_date": "2026-05-01", "version": 1}, headers=da_headers
            ).status_code
            == 403
        )
        owner_headers = _headers(db_session, resource.owner)
        future = client.patch(
            url,
            json={"actual_end_date": (today() + timedelta(days=1)).isoformat(), "version": 1},
            headers=owner_headers,
        )
        assert future.status_code == 422
        assert future.get_json()["error"]["fields"] == {
            "actual_end_date": ["The actual end date cannot be in the future."]
        }
