"""The benefits review and lessons log through HTTP: the review page shows each benefit's variance against
plan and the decision on it; the owner records decisions (refused in words, never a 500); G3's criteria
wait for them; lessons are recorded, listed, searched and shown beside a new idea's similar work; and the
API lists and records both, in one shape each."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth.models import Benefit, BenefitReview, Lesson
from changeauth.queries.clock import today
from changeauth.services import users as user_service
from tests.factories import (
    BenefitFactory,
    BenefitMeasurementFactory,
    ImprovementFactory,
    TeamFactory,
    UserFactory,
)
from tests.helpers import field_errors, form_values, page


def _headers(user: Any) -> dict[str, str]:
    token, _ = user_service.issue_api_token(user, name="t", actor_id=user.id)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def review(db_session: Any) -> dict[str, Any]:
    owner = UserFactory(manager=True, name="Olu Owner")
    team = TeamFactory(name="Planning enforcement")
    improvement = ImprovementFactory(realisation=True, owner=owner, team=team)
    benefit = BenefitFactory(
        improvement=improvement,
        owner=owner,
        title="Calls about planning",
        baseline_date=today() - timedelta(days=200),
    )
    BenefitMeasurementFactory(benefit=benefit, period_end=today() - timedelta(days=3), value=Decimal(900))
    db_session.commit()
    return {"owner": owner, "team": team, "improvement": improvement, "benefit": benefit}


def test_the_owner_reviews_a_benefit_behind_plan_and_closes_it(
    client: FlaskClient, login_as: Any, review: dict[str, Any], db_session: Any
) -> None:
    login_as(review["owner"])
    improvement, benefit = review["improvement"], review["benefit"]
    listed = page(client.get(f"/improvements/{improvement.id}/benefits-review"))
    row = listed.select_one("#review-table tbody tr").get_text(" ", strip=True)
    assert "Calls about planning" in row and "calls per month behind" in row and "No decision yet" in row
    form = client.get(f"/benefits/{benefit.id}/review-decision")
    variance = " ".join(page(form).select_one("#variance").get_text(" ").split())
    # Worded by the benefit's direction, as the benefit's own table is: never a bare sign.
    assert "Ahead of or behind that plan" in variance and " behind" in variance and "+" not in variance
    values = form_values(form)

    no_causes = client.post(
        f"/benefits/{benefit.id}/review-decision", data={**values, "decision": "close", "closing_status": ""}
    )
    assert no_causes.status_code == 422
    assert "Say what caused the variance: the benefit is behind its plan." in field_errors(no_causes)
    assert "Choose realised, partially realised or not realised." in field_errors(no_causes)
    assert db_session.scalar(select(BenefitReview)) is None

    done = client.post(
        f"/benefits/{benefit.id}/review-decision",
        data={
            **values,
            "decision": "close",
            "closing_status": "partially_realised",
            "causes": "The online form went live two months late.",
        },
    )
    assert done.status_code == 302, field_errors(done)
    listed = page(client.get(f"/improvements/{improvement.id}/benefits-review"))
    row = listed.select_one("#review-table tbody tr").get_text(" ", strip=True)
    assert "Close it" in row and "The online form went live two months late." in row
    closing = db_session.scalar(select(Benefit.closing_status).where(Benefit.id == benefit.id))
    assert closing == "partially_realised"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "revise", "target_value": "lots"}, "Enter a number"),
        ({"decision": "revise", "target_value": "700"}, "Say why the target is being revised"),
        ({"decision": "hand_over"}, "Choose the person in the service who will own the benefit from now on."),
        ({"decision": "sideways"}, "Not a valid choice"),
    ],
)
def test_bad_decisions_are_refused_in_words(
    client: FlaskClient, login_as: Any, review: dict[str, Any], data: dict[str, str], message: str
) -> None:
    login_as(review["owner"])
    benefit = review["benefit"]
    values = form_values(client.get(f"/benefits/{benefit.id}/review-decision"))
    response = client.post(
        f"/benefits/{benefit.id}/review-decision", data={**values, "causes": "Late go-live.", **data}
    )
    assert response.status_code == 422
    assert any(message in error for error in field_errors(response)), field_errors(response)


def test_others_may_read_the_review_but_not_decide(
    client: FlaskClient, login_as: Any, review: dict[str, Any]
) -> None:
    login_as(UserFactory())
    assert client.get(f"/improvements/{review['improvement'].id}/benefits-review").status_code == 200
    assert client.get(f"/benefits/{review['benefit'].id}/review-decision").status_code == 403
    assert client.get(f"/improvements/{review['improvement'].id}/lessons/new").status_code == 403


def test_the_review_is_not_taken_before_go_live(client: FlaskClient, login_as: Any, db_session: Any) -> None:
    benefit = BenefitFactory()
    db_session.commit()
    login_as(benefit.improvement.owner)
    shown = client.get(f"/benefits/{benefit.id}/review-decision")
    assert shown.status_code == 200 and "no decision to take" in shown.get_data(as_text=True)
    assert client.post(f"/benefits/{benefit.id}/review-decision", data={}).status_code in (400, 409)


def test_a_lesson_is_recorded_listed_searched_and_shown_to_a_new_idea_in_its_area(
    client: FlaskClient, login_as: Any, review: dict[str, Any], db_session: Any
) -> None:
    login_as(review["owner"])
    improvement = review["improvement"]
    form = client.get(f"/improvements/{improvement.id}/lessons/new")
    values = form_values(form)
    assert values["team"] == review["team"].code  # the improvement's own area, to start with
    empty = client.post(f"/improvements/{improvement.id}/lessons/new", data={**values, "title": ""})
    assert empty.status_code == 422 and "Give the lesson a title." in field_errors(empty)
    done = client.post(
        f"/improvements/{improvement.id}/lessons/new",
        data={
            **values,
            "title": "Ask enforcement officers before buying devices",
            "what_happened": "The tablets did not fit the officers' site visits.",
            "next_time": "Trial two devices with the team for a month first.",
        },
    )
    assert done.status_code == 302, field_errors(done)
    assert "Ask enforcement officers" in client.get(
        f"/improvements/{improvement.id}/benefits-review"
    ).get_data(as_text=True)
    log = client.get("/lessons/?q=TABLETS").get_data(as_text=True)
    assert "Ask enforcement officers before buying devices" in log and "1 lesson" in log
    assert "No lessons match this search." in client.get("/lessons/?q=parking").get_data(as_text=True)
    assert "1 lesson" in client.get(f"/lessons/?team={review['team'].code}").get_data(as_text=True)

    # A member of staff submits an idea in the same area: the confirmation and the idea's page show it.
    staff = UserFactory()
    login_as(staff)
    submitted = client.post(
        "/improvements/new",
        data={
            "title": "Rota for weekend enforcement visits",
            "problem": "Weekend complaints wait until Monday.",
            "proposal": "A weekend rota.",
            "expected_effect": "Complaints answered the same weekend.",
            "benefit_drivers": ["channel_shift"],
            "team": review["team"].code,
        },
        follow_redirects=True,
    )
    confirmation = page(submitted)
    section = confirmation.select_one("#earlier-lessons")
    assert section is not None, field_errors(submitted)
    assert section.get_text(strip=True) == "Lessons from earlier work"
    assert "Ask enforcement officers before buying devices" in confirmation.get_text()
    idea_page = page(client.get(submitted.request.path.removesuffix("/submitted")))
    assert idea_page.select_one("#earlier-lessons") is not None
    assert len(db_session.scalars(select(Lesson)).all()) == 1


def test_the_api_records_and_lists_decisions_and_lessons(
    client: FlaskClient, review: dict[str, Any], db_session: Any
) -> None:
    headers = _headers(review["owner"])
    improvement, benefit = review["improvement"], review["benefit"]
    refused = client.post(
        f"/api/v1/benefits/{benefit.id}/review-decision",
        headers=headers,
        json={"decision": "continue", "version": benefit.version},
    )
    assert refused.status_code == 422 and "causes" in refused.get_json()["error"]["fields"]
    created = client.post(
        f"/api/v1/benefits/{benefit.id}/review-decision",
        headers=headers,
        json={"decision": "continue", "causes": "Late go-live.", "version": benefit.version},
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["decision"] == "continue" and body["actual_value"] == 900 and body["holds"] is True
    assert body["variance"] == pytest.approx(body["actual_value"] - body["planned_value"])
    stale = client.post(
        f"/api/v1/benefits/{benefit.id}/review-decision",
        headers=headers,
        json={"decision": "continue", "causes": "Again.", "version": benefit.version},
    )
    assert stale.status_code == 409
    listed = client.get(f"/api/v1/improvements/{improvement.id}/review-decisions", headers=headers).get_json()
    assert [item["benefit_id"] for item in listed["items"]] == [benefit.id]

    lesson = client.post(
        "/api/v1/lessons",
        headers=headers,
        json={
            "improvement_id": improvement.id,
            "title": "Measure before go-live",
            "what_happened": "No baseline was taken for weekend calls.",
            "next_time": "Take the baseline a quarter before.",
            "team": review["team"].code,
        },
    )
    assert lesson.status_code == 201, lesson.get_json()
    assert lesson.get_json()["team"] == review["team"].code
    both = client.post(
        "/api/v1/lessons",
        headers=headers,
        json={
            "improvement_id": improvement.id,
            "programme_id": 1,
            "title": "x",
            "what_happened": "y",
            "next_time": "z",
        },
    )
    assert both.status_code == 422
    found = client.get("/api/v1/lessons?q=baseline", headers=headers).get_json()
    assert found["total"] == 1 and found["items"][0]["title"] == "Measure before go-live"
    outsider = client.post(
        "/api/v1/lessons",
        headers=_headers(UserFactory()),
        json={"improvement_id": improvement.id, "title": "Mine", "what_happened": "y", "next_time": "z"},
    )
    assert outsider.status_code == 403
