"""The benefits review (G3) cannot strand an improvement: closing a benefit is offered once a measurement
after go-live is in (and warned against before), a closed benefit explains itself, an independent design
authority member can reopen it (audited, its owner told), and a refused G3 go names its criteria in words.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth.models import AuditEvent, Benefit, GateDecision, Improvement, Notification
from changeauth.queries.clock import today
from tests.factories import BenefitFactory, BenefitMeasurementFactory, ImprovementFactory, UserFactory
from tests.helpers import field_errors, form_values, page


@pytest.fixture
def live(db_session: Any) -> dict[str, Any]:
    """An improvement that went live 40 days ago (a G2 go), with one benefit measured only before that."""
    owner = UserFactory(manager=True, name="Olu Owner")
    recorder = UserFactory(design_authority=True)
    improvement = ImprovementFactory(realisation=True, owner=owner)
    went_live = today() - timedelta(days=40)
    db_session.add(
        GateDecision(
            improvement_id=improvement.id,
            gate="G2",
            decision="go",
            rationale="Live.",
            decided_by_id=recorder.id,
            decided_at=datetime.combine(went_live, datetime.min.time(), tzinfo=UTC),
            from_stage="delivery",
            to_stage="realisation",
        )
    )
    benefit = BenefitFactory(
        improvement=improvement, owner=owner, baseline_date=went_live - timedelta(days=200)
    )
    BenefitMeasurementFactory(benefit=benefit, period_end=went_live - timedelta(days=10), value=Decimal(900))
    db_session.commit()
    return {
        "owner": owner,
        "improvement": improvement,
        "benefit": benefit,
        "went_live": went_live,
        "da": UserFactory(design_authority=True, name="Ines Independent"),
    }


def _links(response: Any) -> list[str]:
    return [a.get_text(" ", strip=True) for a in page(response).select("main a")]


def test_closing_is_offered_only_once_a_measurement_after_go_live_is_in(
    client: FlaskClient, login_as: Any, live: dict[str, Any]
) -> None:
    login_as(live["owner"])
    benefit = live["benefit"]
    before = client.get(f"/benefits/{benefit.id}")
    assert not any("Close the benefit" in link for link in _links(before))
    assert "needs a measurement for a period after go-live" in page(before).get_text()
    warned = page(client.get(f"/benefits/{benefit.id}/close")).select_one(".warning-text")
    assert warned is not None and "no measurement for a period after go-live" in warned.get_text()

    measured = client.post(
        f"/benefits/{benefit.id}/measurements/new",
        data={
            "period_end": (today() - timedelta(days=1)).isoformat(),
            "value": "700",
            "data_quality": "measured",
        },
    )
    assert measured.status_code == 302, field_errors(measured)
    after = client.get(f"/benefits/{benefit.id}")
    assert "Close the benefit for the benefits review (G3)" in _links(after)
    assert page(client.get(f"/benefits/{benefit.id}/close")).select_one(".warning-text") is None


def test_the_improvements_benefits_page_leads_to_closing_each_benefit_ready_for_it(
    client: FlaskClient, login_as: Any, live: dict[str, Any]
) -> None:
    """Home's "Set each benefit's closing status" leads to the improvement's benefits: each benefit with
    its evidence in carries the way to close it there, and one still waiting for its measurement does not."""
    login_as(live["owner"])
    benefit, improvement = live["benefit"], live["improvement"]
    ready = BenefitFactory(improvement=improvement, owner=live["owner"], title="Letters sent")
    BenefitMeasurementFactory(benefit=ready, period_end=today() - timedelta(days=1), value=Decimal(700))
    listed = page(client.get(f"/improvements/{improvement.id}/benefits"))
    closing = [
        a["href"]
        for a in listed.select("main a")
        if a.get_text(" ", strip=True).startswith("Set its closing")
    ]
    assert closing == [f"/benefits/{ready.id}/close"]
    assert client.get(closing[0]).status_code == 200
    assert f"/benefits/{benefit.id}/close" not in str(listed)


def test_a_benefit_closed_too_early_is_reopened_by_the_design_authority(
    client: FlaskClient, login_as: Any, live: dict[str, Any], db_session: Any
) -> None:
    benefit, owner = live["benefit"], live["owner"]
    login_as(owner)
    closing = form_values(client.get(f"/benefits/{benefit.id}/close"))
    closed = client.post(f"/benefits/{benefit.id}/close", data={**closing, "closing_status": "realised"})
    assert closed.status_code == 302, field_errors(closed)

    # The owner can no longer measure it, and is told why and who can help, not that someone changed it.
    shown = page(client.get(f"/benefits/{benefit.id}/measurements/new"))
    assert shown.select_one("h1").get_text(strip=True) == "This benefit is closed"
    assert "ask a design authority member" in shown.get_text()
    refused = client.post(
        f"/benefits/{benefit.id}/measurements/new",
        data={"period_end": today().isoformat(), "value": "700", "data_quality": "measured"},
    )
    assert refused.status_code == 409
    assert page(refused).select_one("h1").get_text(strip=True) == "This benefit is closed"
    assert client.get(f"/benefits/{benefit.id}/reopen").status_code == 403  # the owner asks; the DA reopens

    login_as(live["da"])
    assert "Reopen this benefit" in _links(client.get(f"/benefits/{benefit.id}"))
    form = form_values(client.get(f"/benefits/{benefit.id}/reopen"))
    no_reason = client.post(f"/benefits/{benefit.id}/reopen", data={**form, "reason": ""})
    assert no_reason.status_code == 422 and field_errors(no_reason)
    reopened = client.post(
        f"/benefits/{benefit.id}/reopen", data={**form, "reason": "Closed before the June figures came in."}
    )
    assert reopened.status_code == 302, field_errors(reopened)

    db_session.expire_all()
    assert db_session.get(Benefit, benefit.id).closing_status is None
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "benefit.reopened"))
    assert event is not None and event.reason == "Closed before the June figures came in."
    assert event.before["closing_status"] == "realised" and event.actor_id == live["da"].id
    told = db_session.scalar(select(Notification).where(Notification.user_id == owner.id))
    assert told is not None and "Closed before the June figures came in." in told.text

    login_as(owner)
    assert "Record a measurement" in _links(client.get(f"/benefits/{benefit.id}"))


def test_the_sponsor_may_not_reopen_a_benefit_of_their_own_improvement(
    client: FlaskClient, login_as: Any, live: dict[str, Any], db_session: Any
) -> None:
    sponsor = UserFactory(design_authority=True)
    improvement = db_session.get(Improvement, live["improvement"].id)
    improvement.sponsor_id = sponsor.id
    live["benefit"].closing_status = "realised"
    db_session.commit()
    login_as(sponsor)
    assert "Reopen this benefit" not in _links(client.get(f"/benefits/{live['benefit'].id}"))
    assert client.get(f"/benefits/{live['benefit'].id}/reopen").status_code == 403


def test_a_refused_benefits_review_names_the_criteria_in_words(
    client: FlaskClient, login_as: Any, live: dict[str, Any], db_session: Any
) -> None:
    recorder, second, third = (UserFactory(design_authority=True) for _ in range(3))
    login_as(recorder)
    improvement = db_session.get(Improvement, live["improvement"].id)
    response = client.post(
        f"/improvements/{improvement.id}/gate",
        data={
            "decision": "go",
            "rationale": "Done.",
            "attendee_ids": [str(second.id), str(third.id)],
            "version": improvement.version,
        },
    )
    assert response.status_code == 422
    summary = page(response).select_one(".error-summary").get_text(" ", strip=True)
    assert "Every benefit has a measurement after go-live" in summary
    assert "measured_after_go_live" not in summary and "benefits_closed" not in summary


def test_the_api_reopens_a_benefit_too(client: FlaskClient, live: dict[str, Any], db_session: Any) -> None:
    from changeauth.services import users as user_service

    live["benefit"].closing_status = "not_realised"
    db_session.commit()
    token, _ = user_service.issue_api_token(live["da"], name="t", actor_id=live["da"].id)
    db_session.commit()
    response = client.post(
        f"/api/v1/benefits/{live['benefit'].id}/reopen",
        json={"reason": "Measured late.", "version": live["benefit"].version},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["closing_status"] is None
    again = client.post(
        f"/api/v1/benefits/{live['benefit'].id}/reopen",
        json={"reason": "Again.", "version": response.get_json()["version"]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert again.status_code == 409
