"""Meeting invitations: the iCalendar each member is sent when a meeting is arranged, changed or cancelled.

Every calendar is read back by two parsers: icalendar (which wrote it) and ``ical``, an independent strict
RFC 5545 implementation, so a calendar program would open it without errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar
from sqlalchemy import select

from changeauth import db
from changeauth.domain.errors import InvalidTransition, ValidationFailed, VersionConflict
from changeauth.jobs.notifications import send_notifications
from changeauth.models import AuditEvent, DaMeeting, Notification
from changeauth.services import meetings
from changeauth.services.meeting_invitations import InvitationSettings
from tests.factories import UserFactory
from tests.integration.test_send_notifications import Recorder, _free_port

SETTINGS = InvitationSettings(
    organiser_email="changeauth@council.example",
    organiser_name="changeauth, Test Council",
    timezone="Europe/London",
    agenda_url=lambda meeting_id: f"https://changeauth.council.example/meetings/{meeting_id}",
)


@pytest.fixture(autouse=True)
def _app_context(app: Flask, db_session: Any) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def panel(db_session: Any) -> list[Any]:
    return [
        UserFactory(design_authority=True, email=f"member{n}@council.example", name=f"Member {n}")
        for n in range(3)
    ]


def details(members: list[Any], **changes: Any) -> meetings.MeetingDetails:
    values: dict[str, Any] = {
        "title": "Design authority, March",
        "meets_on": date(2027, 3, 4),
        "starts_at": time(14, 30),
        "duration_minutes": 90,
        "location": "Committee room 2",
        "member_ids": [m.id for m in members],
    }
    values.update(changes)
    return meetings.MeetingDetails(**values)


def sent(kind: str | None = None) -> list[Notification]:
    statement = (
        select(Notification).where(Notification.subject_type == "da_meeting").order_by(Notification.id)
    )
    if kind:
        statement = statement.where(Notification.kind == kind)
    return list(db.session.scalars(statement))


def read(calendar_text: str) -> tuple[Calendar, Any]:
    """Parse with both parsers; return icalendar's calendar and its one event."""
    strict = IcsCalendarStream.calendar_from_ics(calendar_text)
    assert len(strict.events) == 1
    parsed = Calendar.from_ical(calendar_text)
    (event,) = parsed.walk("VEVENT")
    return parsed, event


def attendees(event: Any) -> set[str]:
    found = event.get("attendee", [])
    found = found if isinstance(found, list) else [found]
    return {str(address).removeprefix("mailto:") for address in found}


def test_arranging_a_meeting_invites_every_member_with_an_agenda_link(panel: list[Any]) -> None:
    chair, *others = panel
    meeting = meetings.create_meeting(actor=chair, details=details(others), invitations=SETTINGS)

    invitations = sent("meeting_invitation")
    assert sorted(n.user_id for n in invitations) == sorted(m.id for m in panel)  # the organiser too
    assert f"Agenda: https://changeauth.council.example/meetings/{meeting.id}" in invitations[0].text
    assert "Thursday 04 March 2027 at 14:30, Committee room 2" in invitations[0].text
    calendar, event = read(invitations[0].calendar or "")
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == meeting.calendar_uid and event["sequence"] == 0
    assert str(event["status"]) == "CONFIRMED"
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start == datetime(2027, 3, 4, 14, 30, tzinfo=start.tzinfo) and end - start == timedelta(minutes=90)
    assert str(event["dtstart"].params["TZID"]) == "Europe/London"
    assert [str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert str(event["url"]) == f"https://changeauth.council.example/meetings/{meeting.id}"
    assert str(event["location"]) == "Committee room 2"
    assert str(event["organizer"]) == "mailto:changeauth@council.example"
    assert attendees(event) == {m.email for m in panel}
    created = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "meeting.created"))
    assert created is not None and created.after["starts_at"] == "14:30"


def test_a_summer_meeting_keeps_its_london_time(panel: list[Any]) -> None:
    meetings.create_meeting(
        actor=panel[0], details=details(panel, meets_on=date(2027, 7, 8)), invitations=SETTINGS
    )
    _, event = read(sent()[0].calendar or "")
    # 14:30 British Summer Time is 13:30 UTC.
    assert event.decoded("dtstart").astimezone(UTC) == datetime(2027, 7, 8, 13, 30, tzinfo=UTC)


def test_a_change_sends_an_update_with_the_same_uid_and_a_higher_sequence(panel: list[Any]) -> None:
    chair, second, third = panel
    newcomer = UserFactory(design_authority=True, email="newcomer@council.example")
    meeting = meetings.create_meeting(actor=chair, details=details([second, third]), invitations=SETTINGS)
    uid = meeting.calendar_uid

    meetings.update_meeting(
        meeting.id,
        actor=chair,
        details=details([second, newcomer], starts_at=time(10, 0), location="Online"),
        expected_sequence=0,
        invitations=SETTINGS,
    )

    db.session.refresh(meeting)
    assert meeting.sequence == 1 and meeting.calendar_uid == uid
    updates = sent("meeting_updated")
    assert sorted(n.user_id for n in updates) == sorted([chair.id, second.id, newcomer.id])
    calendar, event = read(updates[0].calendar or "")
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == uid and event["sequence"] == 1
    assert event.decoded("dtstart").time() == time(10, 0) and str(event["location"]) == "Online"
    assert attendees(event) == {chair.email, second.email, newcomer.email}
    # The member taken off the meeting has it taken out of their calendar.
    (removal,) = sent("meeting_cancelled")
    assert removal.user_id == third.id
    calendar, event = read(removal.calendar or "")
    assert str(calendar["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == uid and event["sequence"] == 1 and attendees(event) == {third.email}
    changed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "meeting.changed"))
    assert (
        changed is not None
        and changed.before["starts_at"] == "14:30"
        and changed.after["starts_at"] == "10:00"
    )


def test_a_change_from_a_stale_page_is_refused_and_nothing_is_sent(panel: list[Any]) -> None:
    meeting = meetings.create_meeting(actor=panel[0], details=details(panel), invitations=SETTINGS)
    meetings.update_meeting(
        meeting.id,
        actor=panel[0],
        details=details(panel, title="First change"),
        expected_sequence=0,
        invitations=SETTINGS,
    )
    with pytest.raises(VersionConflict):
        meetings.update_meeting(
            meeting.id,
            actor=panel[1],
            details=details(panel, title="Lost"),
            expected_sequence=0,
            invitations=SETTINGS,
        )
    assert db.session.scalar(select(DaMeeting.title).where(DaMeeting.id == meeting.id)) == "First change"
    assert len(sent("meeting_updated")) == len(panel)


def test_saving_without_a_change_sends_nothing(panel: list[Any]) -> None:
    meeting = meetings.create_meeting(actor=panel[0], details=details(panel), invitations=SETTINGS)
    meetings.update_meeting(
        meeting.id, actor=panel[0], details=details(panel), expected_sequence=0, invitations=SETTINGS
    )
    assert meeting.sequence == 0 and sent("meeting_updated") == []


def test_cancelling_sends_every_member_a_cancellation_with_the_same_uid(panel: list[Any]) -> None:
    meeting = meetings.create_meeting(actor=panel[0], details=details(panel), invitations=SETTINGS)
    uid = meeting.calendar_uid

    meetings.cancel_meeting(
        meeting.id,
        actor=panel[1],
        reason="Nothing is ready for a gate.",
        expected_sequence=0,
        invitations=SETTINGS,
    )

    cancellations = sent("meeting_cancelled")
    assert sorted(n.user_id for n in cancellations) == sorted(m.id for m in panel)
    assert "has been cancelled. Nothing is ready for a gate." in cancellations[0].text
    calendar, event = read(cancellations[0].calendar or "")
    assert str(calendar["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == uid and event["sequence"] == 1
    with pytest.raises(InvalidTransition):
        meetings.cancel_meeting(
            meeting.id, actor=panel[1], reason="", expected_sequence=1, invitations=SETTINGS
        )
    with pytest.raises(InvalidTransition):
        meetings.update_meeting(
            meeting.id, actor=panel[0], details=details(panel), expected_sequence=1, invitations=SETTINGS
        )
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "meeting.cancelled"))
    assert audit is not None and audit.reason == "Nothing is ready for a gate."


def test_the_download_is_the_meeting_as_it_is_now(panel: list[Any]) -> None:
    meeting = meetings.create_meeting(actor=panel[0], details=details(panel), invitations=SETTINGS)
    calendar, event = read(meetings.download_calendar(meeting, invitations=SETTINGS))
    assert str(calendar["method"]) == "PUBLISH" and str(event["uid"]) == meeting.calendar_uid
    meetings.cancel_meeting(meeting.id, actor=panel[0], reason="", expected_sequence=0, invitations=SETTINGS)
    calendar, event = read(meetings.download_calendar(meeting, invitations=SETTINGS))
    assert str(calendar["method"]) == "CANCEL" and event["sequence"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": " "}, "title"),
        ({"meets_on": None}, "meets_on"),
        ({"starts_at": None}, "starts_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 24 * 60 + 1}, "duration_minutes"),
        ({"location": "x" * 201}, "location"),
    ],
)
def test_bad_details_are_refused_field_by_field(panel: list[Any], change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as failure:
        meetings.create_meeting(actor=panel[0], details=details(panel, **change), invitations=SETTINGS)
    assert field in failure.value.fields
    assert sent() == []


def test_the_email_carries_the_invitation_for_calendar_programs(
    app: Flask, panel: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{controller.port}")
    try:
        meeting = meetings.create_meeting(actor=panel[0], details=details(panel[:1]), invitations=SETTINGS)
        assert send_notifications(date(2027, 3, 1))["sent"] == 1
    finally:
        controller.stop()

    message = message_from_bytes(recorder.envelopes[0].content)
    assert message.get_content_type() == "multipart/mixed"
    parts = {part.get_content_type(): part for part in message.walk()}
    assert (
        "You are invited to the design authority meeting"
        in parts["text/plain"].get_payload(decode=True).decode()
    )
    assert parts["text/calendar"].get_param("method") == "REQUEST"
    attachment = parts["application/ics"]
    assert attachment.get_filename() == "invite.ics"
    for part in (parts["text/calendar"], attachment):
        _, event = read(part.get_payload(decode=True).decode("utf-8"))
        assert str(event["uid"]) == meeting.calendar_uid


def test_a_meeting_that_has_taken_place_cannot_be_changed_or_cancelled(panel: list[Any]) -> None:
    with db.clock_at(datetime(2027, 2, 18, 9, 0, tzinfo=UTC)):
        meeting = meetings.create_meeting(actor=panel[0], details=details(panel), invitations=SETTINGS)
    # On its day it can still be changed (say, moved to the afternoon).
    with db.clock_at(datetime(2027, 3, 4, 8, 0, tzinfo=UTC)):
        meetings.update_meeting(
            meeting.id,
            actor=panel[0],
            details=details(panel, starts_at=time(15, 0)),
            expected_sequence=0,
            invitations=SETTINGS,
        )
    before = len(sent())
    with db.clock_at(datetime(2027, 3, 5, 9, 0, tzinfo=UTC)):
        with pytest.raises(InvalidTransition, match="has taken place"):
            meetings.update_meeting(
                meeting.id,
                actor=panel[0],
                details=details(panel, title="Renamed"),
                expected_sequence=1,
                invitations=SETTINGS,
            )
        with pytest.raises(InvalidTransition, match="has taken place"):
            meetings.cancel_meeting(
                meeting.id, actor=panel[0], reason="", expected_sequence=1, invitations=SETTINGS
            )
    assert meeting.title == "Design authority, March" and meeting.cancelled_at is None
    assert len(sent()) == before
