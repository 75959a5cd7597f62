"""Subject access (issue 25, item 1): an administrator exports everything held about one person, as a
printable page and a JSON file, from the person's admin page and the API; nobody else can reach it."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth.models import AuditEvent, DaMeeting, Disbenefit, MeetingAction, da_meeting_member
from changeauth.models.review import Lesson
from changeauth.services import users as user_service
from tests.factories import (
    BenefitFactory,
    CommentFactory,
    ImprovementFactory,
    SupportFactory,
    TemporaryResourceFactory,
    UserFactory,
)
from tests.functional.test_plain_words import API_TOKEN, SNAKE_CASE
from tests.helpers import page

SECRET_TITLE = "Stop the night shift rota clash in waste collection"


@pytest.fixture
def person(db_session: Any) -> Any:
    """Someone with an anonymous idea, a comment on another idea and a support."""
    person = user_service.create_user(
        email="robin.ashdown@council.example", name="Robin Ashdown", roles=["staff"]
    )
    ImprovementFactory(title=SECRET_TITLE, submitter=person, is_anonymous=True)
    other = ImprovementFactory(title="Online bulky waste booking")
    CommentFactory(improvement=other, author=person, body="Our team could pilot this.")
    SupportFactory(improvement_id=other.id, user_id=person.id)
    user_service.issue_api_token(person, name="Robin's laptop", actor_id=person.id)
    user_service.end_sessions(person, actor_id=person.id, reason="signed out")  # an action of their own
    db_session.flush()
    return person


def _export_events(db_session: Any, person: Any) -> list[AuditEvent]:
    return list(
        db_session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "user.personal_data_exported", AuditEvent.subject_id == person.id
            )
        )
    )


def test_an_admin_gets_a_printable_page_with_the_anonymous_idea(
    client: FlaskClient, login_as: Any, db_session: Any, person: Any
) -> None:
    admin = UserFactory(admin=True)
    login_as(admin)
    user_page = page(client.get(f"/admin/users/{person.id}"))
    assert user_page.select_one(f"form[action='/admin/users/{person.id}/personal-data']") is not None

    response = client.post(f"/admin/users/{person.id}/personal-data")
    assert response.status_code == 200
    html = page(response)
    assert html.h1.get_text(strip=True) == "Personal data held about Robin Ashdown"
    text = html.main.get_text(" ", strip=True)
    assert SECRET_TITLE in text
    assert "robin.ashdown@council.example" in text
    assert "Our team could pilot this." in text
    [event] = _export_events(db_session, person)
    assert event.actor_id == admin.id and event.after == {"form": "page"}
    # Plain words: the audit actions listed are named, not shown as codes.
    assert "Account created" in text and "Signed out everywhere" in text
    assert SNAKE_CASE.search(API_TOKEN.sub(" ", text)) is None and "user." not in text


def test_an_admin_downloads_the_json_file(
    client: FlaskClient, login_as: Any, db_session: Any, person: Any
) -> None:
    login_as(UserFactory(admin=True))
    response = client.post(f"/admin/users/{person.id}/personal-data?form=file")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["account"]["email"] == "robin.ashdown@council.example"
    [idea] = [i for i in data["ideas"] if i["title"] == SECRET_TITLE]
    assert idea["anonymous"] is True and idea["part"] == "submitted it"
    assert [c["body"] for c in data["comments"]] == ["Our team could pilot this."]
    assert len(data["supports"]) == 1
    for key in ("assessments", "decisions", "conflicts", "notifications", "sign_in_attempts", "api_tokens"):
        assert key in data
    assert [e.after for e in _export_events(db_session, person)] == [{"form": "file"}]
    [token] = data["api_tokens"]
    assert token["name"] == "Robin's laptop" and token["expires_at"] and "token_hash" not in token


def test_what_others_named_them_for_and_the_lessons_they_wrote_are_in_the_file(
    client: FlaskClient, login_as: Any, db_session: Any, person: Any
) -> None:
    """Every column that names a person is in the export (tests/unit/test_personal_data_coverage.py);
    these are the ones someone else sets: owner of a benefit or a temporary resource, a meeting's
    invitee, a meeting action's owner; and the lesson is the person's own writing."""
    chair = UserFactory(design_authority=True)
    improvement = ImprovementFactory(delivery=True, title="Garden waste renewals online")
    BenefitFactory(improvement=improvement, owner=person, title="Fewer renewal calls")
    TemporaryResourceFactory(improvement=improvement, owner=person, role_title="Renewals project officer")
    meeting = DaMeeting(title="Design authority, March", meets_on=date(2026, 3, 4), created_by_id=chair.id)
    db_session.add(meeting)
    db_session.flush()
    db_session.execute(da_meeting_member.insert().values(meeting_id=meeting.id, user_id=person.id))
    db_session.add(
        MeetingAction(
            meeting_id=meeting.id, text="Bring the call figures", owner_id=person.id, created_by_id=chair.id
        )
    )
    db_session.add(
        Disbenefit(
            improvement_id=improvement.id,
            title="Residents without internet",
            description="Some residents cannot renew online.",
            affected="Residents without internet access",
            owner_id=person.id,
            mitigation="Renewals by phone stay open.",
        )
    )
    db_session.add(
        Lesson(
            improvement_id=improvement.id,
            title="Tell crews before the letters go",
            what_happened="Crews heard of the change from residents.",
            next_time="Brief crews a week before.",
            recorded_by_id=person.id,
        )
    )
    db_session.flush()
    login_as(UserFactory(admin=True))
    data = json.loads(client.post(f"/admin/users/{person.id}/personal-data?form=file").data)
    parts = {(row["part"], row["what"]) for row in data["responsibilities"]}
    assert parts == {
        ("Owns the benefit", "Fewer renewal calls"),
        ("Owns the temporary resource", "Renewals project officer"),
        ("Owns the dis-benefit", "Residents without internet"),
        ("Invited to the meeting", "Design authority, March"),
        ("Owns the meeting action", "Bring the call figures"),
    }
    [lesson] = data["lessons"]
    assert (
        lesson["what_happened"] == "Crews heard of the change from residents."
        and lesson["ref"] == improvement.ref
    )
    text = page(client.post(f"/admin/users/{person.id}/personal-data")).main.get_text(" ", strip=True)
    assert "Named as owner or attendee" in text and "Brief crews a week before." in text


@pytest.mark.parametrize(
    "traits", ["staff", "manager", "design_authority", "finance", "viewer", "themselves"]
)
def test_nobody_else_reaches_it_through_the_pages(
    client: FlaskClient, login_as: Any, db_session: Any, person: Any, traits: str
) -> None:
    login_as(
        person if traits == "themselves" else UserFactory(**({} if traits == "staff" else {traits: True}))
    )
    for url in (
        f"/admin/users/{person.id}/personal-data",
        f"/admin/users/{person.id}/personal-data?form=file",
    ):
        response = client.post(url)
        assert response.status_code == 403
        assert SECRET_TITLE not in response.get_data(as_text=True)
    assert client.get(f"/admin/users/{person.id}").status_code == 403
    assert _export_events(db_session, person) == []


def test_signed_out_it_asks_for_a_sign_in(client: FlaskClient, person: Any) -> None:
    response = client.post(f"/admin/users/{person.id}/personal-data")
    assert response.status_code in (302, 401)
    assert SECRET_TITLE not in response.get_data(as_text=True)


def _token(db_session: Any, user: Any) -> dict[str, str]:
    plain, _ = user_service.issue_api_token(user, name="test", actor_id=user.id)
    db_session.flush()
    return {"Authorization": f"Bearer {plain}"}


@pytest.mark.parametrize(
    "traits", ["staff", "manager", "design_authority", "finance", "viewer", "themselves"]
)
def test_nobody_else_reaches_it_through_the_api(
    client: FlaskClient, db_session: Any, person: Any, traits: str
) -> None:
    user = person if traits == "themselves" else UserFactory(**({} if traits == "staff" else {traits: True}))
    response = client.post(
        f"/api/v1/users/{person.id}/personal-data-exports", json={}, headers=_token(db_session, user)
    )
    assert response.status_code == 403
    assert SECRET_TITLE not in response.get_data(as_text=True)
    assert client.post(f"/api/v1/users/{person.id}/personal-data-exports", json={}).status_code == 401
    assert _export_events(db_session, person) == []


def test_an_admin_gets_it_through_the_api_and_an_unknown_person_is_404(
    client: FlaskClient, db_session: Any, person: Any
) -> None:
    headers = _token(db_session, UserFactory(admin=True))
    response = client.post(
        f"/api/v1/users/{person.id}/personal-data-exports",
        json={"reason": "Subject access request of 1 December"},
        headers=headers,
    )
    assert response.status_code == 201
    assert SECRET_TITLE in [i["title"] for i in response.get_json()["ideas"]]
    assert [(e.after, e.reason) for e in _export_events(db_session, person)] == [
        ({"form": "api"}, "Subject access request of 1 December")
    ]
    assert (
        client.post("/api/v1/users/999999/personal-data-exports", json={}, headers=headers).status_code == 404
    )


def test_an_unknown_person_is_404_on_the_page(client: FlaskClient, login_as: Any) -> None:
    login_as(UserFactory(admin=True))
    assert client.post("/admin/users/999999/personal-data").status_code == 404
