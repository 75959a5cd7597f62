"""A decision approves what was in front of it (issue 18): a G1 go approves the business case version the
quorum reviewed, and finance validation covers the figures it was given for, by someone independent."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth.models import BusinessCase, Improvement
from changeauth.services import users as user_service
from tests.factories import (
    BenefitFactory,
    BenefitMeasurementFactory,
    BusinessCaseFactory,
    ImprovementFactory,
    UserFactory,
)
from tests.functional.test_gates import _ready_for_g1


def _headers(db_session: Any, user: Any) -> dict[str, str]:
    token, _ = user_service.issue_api_token(user, name="t", actor_id=user.id)
    db_session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def at_g1(db_session: Any) -> dict[str, Any]:
    """An improvement at business case with version 1 of its case submitted and a quorum ready."""
    panel = [UserFactory(design_authority=True) for _ in range(3)]
    work = ImprovementFactory(business_case=True)
    db_session.commit()
    _ready_for_g1(db_session, work)
    return {"work": work, "panel": panel}


def _new_version_submitted(client: FlaskClient, db_session: Any, work: Improvement) -> None:
    """The owner puts version 2 (a far bigger sum) in front of the gate."""
    # A case needs its options before it can be submitted; the factory's are complete.
    draft = BusinessCaseFactory(improvement=work, version=2, created_by=work.owner)
    db_session.commit()
    submitted = client.post(
        f"/api/v1/business-cases/{draft.id}/submit", headers=_headers(db_session, work.owner)
    )
    assert submitted.status_code == 200, submitted.get_json()


def _go(client: FlaskClient, at_g1: dict[str, Any], headers: dict[str, str], **body: Any) -> Any:
    work, panel = at_g1["work"], at_g1["panel"]
    return client.post(
        f"/api/v1/improvements/{work.id}/decisions",
        json={
            "gate": "G1",
            "decision": "go",
            "rationale": "Approved as presented.",
            "attendee_ids": [p.id for p in panel[1:]],
            **body,
        },
        headers=headers,
    )


def test_a_decision_read_before_a_newer_case_was_submitted_is_409(
    client: FlaskClient, db_session: Any, at_g1: dict[str, Any]
) -> None:
    work = at_g1["work"]
    recorder = _headers(db_session, at_g1["panel"][0])
    read = client.get(f"/api/v1/improvements/{work.id}", headers=recorder).get_json()["version"]
    _new_version_submitted(client, db_session, work)
    stale = _go(client, at_g1, recorder, version=read)
    assert stale.status_code == 409, stale.get_json()
    assert stale.get_json()["error"]["code"] == "version_conflict"
    assert db_session.scalar(select(BusinessCase.status).where(BusinessCase.version == 2)) == "submitted"


def test_a_decision_naming_an_older_case_version_is_409_and_the_current_one_is_approved(
    client: FlaskClient, db_session: Any, at_g1: dict[str, Any]
) -> None:
    work = at_g1["work"]
    recorder = _headers(db_session, at_g1["panel"][0])
    _new_version_submitted(client, db_session, work)
    version = client.get(f"/api/v1/improvements/{work.id}", headers=recorder).get_json()["version"]
    older = _go(client, at_g1, recorder, version=version, business_case_version=1)
    assert older.status_code == 409, older.get_json()
    assert "version 2" in older.get_json()["error"]["message"]
    current = _go(client, at_g1, recorder, version=version, business_case_version=2)
    assert current.status_code == 201, current.get_json()
    db_session.expire_all()
    statuses = dict(db_session.execute(select(BusinessCase.version, BusinessCase.status)).all())
    assert statuses == {1: "superseded", 2: "approved"}


def _measure(client: FlaskClient, headers: dict[str, str], benefit_id: int, period_end: str) -> Any:
    return client.post(
        f"/api/v1/benefits/{benefit_id}/measurements",
        json={"period_end": period_end, "value": 1000},
        headers=headers,
    )


def test_finance_validates_only_independently_and_a_later_figure_is_unvalidated(
    client: FlaskClient, db_session: Any
) -> None:
    owner = UserFactory(finance=True)
    work = ImprovementFactory(delivery=True, owner=owner)
    benefit = BenefitFactory(improvement=work, owner=UserFactory(manager=True), cashable=True)
    db_session.commit()
    owning = _headers(db_session, owner)
    assert _measure(client, owning, benefit.id, "2026-04-30").status_code == 201

    refused = client.post(f"/api/v1/benefits/{benefit.id}/validate", json={}, headers=owning)
    assert refused.status_code == 403, "the improvement's owner validated their own figure"

    recorder = UserFactory(finance=True)
    db_session.refresh(benefit)  # the API's measurement moved its version since this copy was read
    BenefitMeasurementFactory(benefit=benefit, period_end=date(2026, 5, 31), recorded_by_id=recorder.id)
    by_recorder = client.post(
        f"/api/v1/benefits/{benefit.id}/validate", json={}, headers=_headers(db_session, recorder)
    )
    assert by_recorder.status_code == 403, "finance validated a figure they recorded"

    finance = _headers(db_session, UserFactory(finance=True))
    validated = client.post(f"/api/v1/benefits/{benefit.id}/validate", json={}, headers=finance)
    assert validated.status_code == 200, validated.get_json()
    assert validated.get_json()["validated_at"] is not None

    assert _measure(client, owning, benefit.id, "2026-06-30").status_code == 201
    after = client.get(f"/api/v1/benefits/{benefit.id}", headers=finance).get_json()
    assert after["validated_at"] is None and after["validated_by_id"] is None
    again = client.post(f"/api/v1/benefits/{benefit.id}/validate", json={}, headers=finance)
    assert again.status_code == 200, again.get_json()
