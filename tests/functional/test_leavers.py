"""Leavers (issue 25, item 2): a switched-off account is anonymised after the configured period by the
``anonymise-leavers`` job; the person's name and email then appear nowhere, the audit chain still
verifies, and the decisions they attended read "A former design authority member"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth.jobs import get_job
from changeauth.jobs.runner import run_job
from changeauth.models import AuditEvent, DaMeeting, GateDecision, LoginAttempt, Notification, User
from changeauth.models.review import Lesson
from changeauth.services import audit as audit_service
from changeauth.services import notifications
from changeauth.services import users as user_service
from tests.factories import CommentFactory, ImprovementFactory, UserFactory

NAME = "Morgan Quillfeather"
FIRST_EMAIL = "morgan.q@council.example"
EMAIL = "morgan.quillfeather@council.example"
IDENTIFIERS = (NAME, FIRST_EMAIL, EMAIL, "Quillfeather")


@pytest.fixture(autouse=True)
def _app_context(app: Flask, db_session: Any) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def leaver(db_session: Any) -> User:
    """A design authority member with a history: an idea, a comment, a decision attended, a changed
    email, a sign-in, and a colleague's notification naming them."""
    person = user_service.create_user(
        email=FIRST_EMAIL,
        name=NAME,
        roles=["staff", "design_authority"],
        password="a long and private one 42",
    )
    user_service.change_email(person, new_email=EMAIL)
    user_service.authenticate(EMAIL, "a long and private one 42", ip_address="192.0.2.9")
    idea = ImprovementFactory(title="Shared rota for the contact centre", submitter=person)
    CommentFactory(improvement=idea, author=person, body="I can help test this.")
    chair = UserFactory(design_authority=True, name="Chair Person")
    decision = GateDecision(
        improvement_id=idea.id,
        gate="G0",
        decision="go",
        rationale="A clear case.",
        decided_by_id=chair.id,
        decided_at=datetime(2026, 11, 1, tzinfo=UTC),
        from_stage="idea",
        to_stage="business_case",
    )
    decision.attendees = [chair, person]
    db_session.add(decision)
    colleague = UserFactory()
    notifications.enqueue(
        user_ids=[colleague.id], kind="comment", text=f"{NAME} commented on {idea.ref}.", event_key="c:1"
    )
    notifications.enqueue(
        user_ids=[colleague.id],
        kind="meeting_invitation",
        text="Design authority meeting on 3 December",
        event_key="m:1",
        calendar=f"BEGIN:VCALENDAR\r\nATTENDEE;CN={NAME}:mailto:{EMAIL}\r\nEND:VCALENDAR\r\n",
    )
    db_session.flush()
    return person


def _switch_off(client: FlaskClient, login_as: Any, admin: Any, leaver: User) -> None:
    login_as(admin)
    # Followed, so the flash naming the person is read on the next page, as a person would see it.
    assert client.post(f"/admin/users/{leaver.id}/deactivate", follow_redirects=True).status_code == 200


def _everything_an_admin_can_read(client: FlaskClient, admin: Any, leaver: User, idea_id: int) -> str:
    plain, _ = user_service.issue_api_token(admin, name="reader", actor_id=admin.id)
    headers = {"Authorization": f"Bearer {plain}"}
    texts = []
    for url in (
        "/admin/users",
        f"/admin/users/{leaver.id}",
        f"/improvements/{idea_id}",
        "/decisions",
        "/decisions/export.csv",
        "/audit",
        "/audit/export.csv",
        "/notifications/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        texts.append(response.get_data(as_text=True))
    texts.append(client.post(f"/admin/users/{leaver.id}/personal-data?form=file").get_data(as_text=True))
    for url in (
        "/api/v1/audit?per_page=100",
        f"/api/v1/audit?subject_type=user&subject_id={leaver.id}",
        f"/api/v1/improvements/{idea_id}",
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        texts.append(json.dumps(response.get_json()))
    export = client.post(f"/api/v1/users/{leaver.id}/personal-data-exports", json={}, headers=headers)
    assert export.status_code == 201
    texts.append(json.dumps(export.get_json()))
    return "\n".join(texts)


def test_before_the_period_nothing_changes_after_it_the_name_and_email_are_gone(
    client: FlaskClient, login_as: Any, db_session: Any, leaver: User, app: Flask
) -> None:
    admin = UserFactory(admin=True)
    idea_id = db_session.scalar(select(GateDecision.improvement_id))
    _switch_off(client, login_as, admin, leaver)
    assert leaver.deactivated_at is not None
    period = app.config["LEAVER_ANONYMISE_AFTER_DAYS"]
    today = leaver.deactivated_at.date()

    early = run_job(get_job("anonymise-leavers"), today + timedelta(days=period - 1))
    assert early.status == "succeeded" and early.counts["anonymised"] == 0
    before = _everything_an_admin_can_read(client, admin, leaver, idea_id)
    assert NAME in before and EMAIL in before and FIRST_EMAIL in before  # the test can fail

    due = run_job(get_job("anonymise-leavers"), today + timedelta(days=period + 1))
    assert due.status == "succeeded" and due.counts["anonymised"] == 1
    db_session.expire_all()
    after = _everything_an_admin_can_read(client, admin, leaver, idea_id)
    for identifier in IDENTIFIERS:
        assert identifier.lower() not in after.lower(), identifier
    assert db_session.scalar(select(LoginAttempt).where(LoginAttempt.email_key == EMAIL)) is None
    calendars = " ".join(n.calendar or "" for n in db_session.scalars(select(Notification)))
    assert "ATTENDEE" in calendars and EMAIL not in calendars and NAME not in calendars

    # The record of what they did stays, under the part they played.
    register = client.get("/decisions").get_data(as_text=True)
    assert "A former design authority member" in register and "Chair Person" in register
    assert "I can help test this." in client.get(f"/improvements/{idea_id}").get_data(as_text=True)

    report = audit_service.verify_audit_chain()
    assert report.ok, report
    anonymised = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "user.anonymised"))
    assert anonymised is not None and anonymised.subject_id == leaver.id

    again = run_job(get_job("anonymise-leavers"), today + timedelta(days=period + 1))
    assert again.ran is False


def test_the_chain_still_catches_a_changed_personal_value(db_session: Any, leaver: User) -> None:
    """Personal values are outside the hash but not outside its reach: editing one breaks verification."""
    from sqlalchemy import text

    event = db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.created", AuditEvent.subject_id == leaver.id)
    )
    assert event.personal["after"]["email"] == FIRST_EMAIL and "email" not in (event.after or {})
    if db_session.get_bind().dialect.name == "sqlite":
        db_session.execute(text("DROP TRIGGER audit_event_personal_erase_only"))
    else:
        db_session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
    forged = json.dumps({**event.personal, "after": {"email": "someone.else@council.example", "name": NAME}})
    db_session.execute(
        text("UPDATE audit_event SET personal = :p WHERE id = :id"), {"p": forged, "id": event.id}
    )
    db_session.expire_all()
    report = audit_service.verify_audit_chain()
    assert not report.ok and report.first_broken_id == event.id


def test_the_database_refuses_any_other_change_to_an_audit_event(db_session: Any, leaver: User) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    event_id = db_session.scalar(select(AuditEvent.id).where(AuditEvent.subject_id == leaver.id).limit(1))
    for statement in (
        "UPDATE audit_event SET action = 'forged' WHERE id = :id",
        "UPDATE audit_event SET personal = '{}' WHERE id = :id",
        "UPDATE audit_event SET personal = NULL, reason = 'x' WHERE id = :id",
    ):
        savepoint = db_session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            db_session.execute(text(statement), {"id": event_id})
        savepoint.rollback()


def test_an_admin_can_anonymise_at_once_and_replace_the_name_in_free_text(
    client: FlaskClient, login_as: Any, db_session: Any, leaver: User
) -> None:
    admin = UserFactory(admin=True)
    idea = ImprovementFactory(problem=f"Raised by {NAME} at the team meeting.")
    CommentFactory(improvement=idea, body=f"Ask {EMAIL} for the figures.")
    lesson = Lesson(
        improvement_id=idea.id,
        title="Brief the crews early",
        what_happened=f"{NAME} found out from residents.",
        next_time="Brief crews a week before.",
        recorded_by_id=admin.id,
    )
    meeting = DaMeeting(
        title="Design authority",
        meets_on=date(2026, 3, 4),
        created_by_id=admin.id,
        minutes=f"{NAME} presented.",
    )
    db_session.add_all([lesson, meeting])
    db_session.flush()
    _switch_off(client, login_as, admin, leaver)
    response = client.post(
        f"/admin/users/{leaver.id}/anonymise", data={"free_text": "yes"}, follow_redirects=True
    )
    assert response.status_code == 200 and "has been anonymised" in response.get_data(as_text=True)
    db_session.expire_all()
    page_text = client.get(f"/improvements/{idea.id}").get_data(as_text=True)
    assert NAME not in page_text and EMAIL not in page_text
    assert "Raised by A former design authority member at the team meeting." in page_text
    # What people wrote elsewhere is scrubbed the same way: a lesson, a meeting's minutes.
    assert lesson.what_happened == "A former design authority member found out from residents."
    assert meeting.minutes == "A former design authority member presented."
    assert audit_service.verify_audit_chain().ok


def test_an_active_account_cannot_be_anonymised(client: FlaskClient, login_as: Any, leaver: User) -> None:
    login_as(UserFactory(admin=True))
    client.post(f"/admin/users/{leaver.id}/anonymise")
    assert leaver.name == NAME


def test_the_job_counts_from_the_day_the_account_was_switched_off(db_session: Any, app: Flask) -> None:
    person = UserFactory(is_active=False, deactivated_at=datetime(2026, 1, 1, 12, tzinfo=UTC))
    period = app.config["LEAVER_ANONYMISE_AFTER_DAYS"]
    run_job(get_job("anonymise-leavers"), date(2026, 1, 1) + timedelta(days=period))
    assert person.anonymised_at is None
    run_job(get_job("anonymise-leavers"), date(2026, 1, 2) + timedelta(days=period))
    db_session.expire_all()
    assert person.anonymised_at is not None and person.name == "A former member of staff"
