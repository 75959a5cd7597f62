"""Meeting pages: arrange with a time and place, change, cancel, and download the calendar file."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import select

from changeauth import db
from changeauth.models import DaMeeting, Notification
from tests.factories import UserFactory
from tests.helpers import page


def arrange(client: FlaskClient, members: list[Any], **changes: str) -> str:
    data = {
        "title": "April design authority",
        "meets_on": "2027-04-08",
        "starts_at": "09:30",
        "duration_minutes": "120",
        "location": "Committee room 1",
        "member_ids": [str(m.id) for m in members],
    }
    data.update(changes)
    created = client.post("/meetings/new", data=data)
    assert created.status_code == 302, created.get_data(as_text=True)[:500]
    return created.headers["Location"]


def test_a_meeting_page_offers_the_calendar_file_and_the_changes(client: FlaskClient, login_as: Any) -> None:
    chair, member = UserFactory(design_authority=True), UserFactory(design_authority=True)
    login_as(chair)
    where = arrange(client, [member])

    text = page(client.get(where)).get_text(" ", strip=True)
    assert "Thursday 08 Apr 2027, 09:30 for 2 hours" in text or "09:30 for 2 hours" in text
    assert "Committee room 1" in text
    download = client.get(f"{where}/invitation.ics")
    assert download.status_code == 200 and download.mimetype == "text/calendar"
    assert download.headers["Content-Disposition"] == 'attachment; filename="design-authority-2027-04-08.ics"'
    event = Calendar.from_ical(download.get_data(as_text=True)).walk("VEVENT")[0]
    meeting = db.session.scalar(select(DaMeeting).where(DaMeeting.title == "April design authority"))
    assert meeting is not None and str(event["uid"]) == meeting.calendar_uid
    assert f"http://changeauth.test/meetings/{meeting.id}" == str(event["url"])


def test_changing_a_meeting_from_its_page(client: FlaskClient, login_as: Any) -> None:
    chair, member = UserFactory(design_authority=True), UserFactory(design_authority=True)
    login_as(chair)
    where = arrange(client, [member])
    form = page(client.get(f"{where}/edit"))
    assert form.find("input", {"name": "starts_at"})["value"] == "09:30"
    assert form.find("input", {"name": "sequence"})["value"] == "0"

    saved = client.post(
        f"{where}/edit",
        data={
            "title": "April design authority",
            "meets_on": "2027-04-08",
            "starts_at": "13:00",
            "duration_minutes": "60",
            "location": "Online",
            "member_ids": [str(member.id)],
            "sequence": "0",
        },
    )

    assert saved.status_code == 302
    meeting = db.session.scalar(select(DaMeeting).where(DaMeeting.title == "April design authority"))
    assert meeting is not None and meeting.sequence == 1 and meeting.location == "Online"
    updates = db.session.scalars(select(Notification).where(Notification.kind == "meeting_updated")).all()
    assert {n.user_id for n in updates} == {chair.id, member.id}


def test_a_change_from_a_stale_page_says_so_and_keeps_what_was_typed(
    client: FlaskClient, login_as: Any
) -> None:
    chair = UserFactory(design_authority=True)
    login_as(chair)
    where = arrange(client, [])
    data = {
        "title": "Renamed once",
        "meets_on": "2027-04-08",
        "starts_at": "09:30",
        "duration_minutes": "120",
        "sequence": "0",
    }
    assert client.post(f"{where}/edit", data=data).status_code == 302

    stale = client.post(f"{where}/edit", data={**data, "title": "Renamed from an old page"})

    assert stale.status_code == 409
    text = page(stale).get_text(" ", strip=True)
    assert "Someone else changed or cancelled this meeting" in text
    assert page(stale).find("input", {"name": "title"})["value"] == "Renamed from an old page"


def test_cancelling_a_meeting(client: FlaskClient, login_as: Any) -> None:
    chair, member = UserFactory(design_authority=True), UserFactory(design_authority=True)
    login_as(chair)
    where = arrange(client, [member])
    assert "Cancel the meeting" in page(client.get(f"{where}/cancel")).get_text()

    too_long = client.post(f"{where}/cancel", data={"reason": "x" * 501, "sequence": "0"})
    assert too_long.status_code == 422
    done = client.post(f"{where}/cancel", data={"reason": "Nothing to decide.", "sequence": "0"})

    assert done.status_code == 302
    text = page(client.get(where)).get_text(" ", strip=True)
    assert "This meeting was cancelled" in text and "Nothing to decide." in text
    assert "Change the meeting" not in text
    assert client.get(f"{where}/edit").status_code == 302
    cancelled = db.session.scalars(select(Notification).where(Notification.kind == "meeting_cancelled")).all()
    assert {n.user_id for n in cancelled} == {chair.id, member.id}
    assert "cancelled" in page(client.get("/meetings")).get_text()


def test_a_cancelled_meeting_is_not_offered_for_a_gate_decision(client: FlaskClient, login_as: Any) -> None:
    from tests.factories import ImprovementFactory

    chair = UserFactory(design_authority=True)
    work = ImprovementFactory(business_case=True)
    login_as(chair)
    kept = arrange(client, [], title="Kept meeting")
    dropped = arrange(client, [], title="Dropped meeting")
    client.post(f"{dropped}/cancel", data={"reason": "", "sequence": "0"})

    options = (
        page(client.get(f"/improvements/{work.id}/gate")).find("select", {"name": "meeting_id"}).get_text()
    )
    assert "Kept meeting" in options and "Dropped meeting" not in options
    assert kept


def test_only_design_authority_members_see_meetings(client: FlaskClient, login_as: Any) -> None:
    chair = UserFactory(design_authority=True)
    login_as(chair)
    where = arrange(client, [])
    login_as(UserFactory(manager=True))
    for suffix in ("", "/edit", "/cancel", "/invitation.ics"):
        assert client.get(f"{where}{suffix}").status_code == 403


def test_a_meeting_that_has_taken_place_is_a_record_not_a_plan(client: FlaskClient, login_as: Any) -> None:
    from datetime import timedelta

    from changeauth.models import GateDecision
    from changeauth.queries import clock
    from tests.factories import ImprovementFactory
    from tests.helpers import form_values

    chair, member = UserFactory(design_authority=True), UserFactory(design_authority=True)
    work = ImprovementFactory(business_case=True)
    login_as(chair)
    held = arrange(client, [member], title="Held meeting")
    today = arrange(client, [member], title="Today's meeting")
    arrange(client, [member], title="Next meeting")
    rows = {m.title: m for m in db.session.scalars(select(DaMeeting))}
    rows["Held meeting"].meets_on = clock.today() - timedelta(days=1)
    rows["Today's meeting"].meets_on = clock.today()
    db.session.commit()
    sequence = rows["Held meeting"].sequence

    text = page(client.get(held)).get_text(" ", strip=True)
    assert "This meeting has taken place" in text
    assert "Change the meeting" not in text and "cancel it" not in text
    assert "Change the meeting" in page(client.get(today)).get_text(" ", strip=True)
    for action, data in (
        (
            "edit",
            {"title": "Renamed", "meets_on": "2027-05-06", "starts_at": "10:00", "duration_minutes": "60"},
        ),
        ("cancel", {"reason": "Rewriting history.", "sequence": "1"}),
    ):
        assert client.get(f"{held}/{action}").status_code == 302
        refused = client.post(f"{held}/{action}", data=data, follow_redirects=True)
        assert refused.status_code == 200
        assert "has taken place, so it is a record" in page(refused).get_text(" ", strip=True)
    db.session.expire_all()
    kept = db.session.get(DaMeeting, rows["Held meeting"].id)
    assert kept.title == "Held meeting" and kept.cancelled_at is None and kept.sequence == sequence

    gate_page = client.get(f"/improvements/{work.id}/gate")
    options = page(gate_page).find("select", {"name": "meeting_id"}).get_text()
    assert "Today's meeting" in options and "Next meeting" in options
    assert "Held meeting" not in options
    # A past meeting sent anyway is refused with a message, not recorded.
    data = {
        **form_values(gate_page),
        "decision": "go",
        "rationale": "Decided at a meeting that has already been held.",
        "meeting_id": str(rows["Held meeting"].id),
    }
    refused = client.post(f"/improvements/{work.id}/gate", data=data)
    assert refused.status_code == 422
    assert not db.session.scalar(select(GateDecision).where(GateDecision.improvement_id == work.id))


def test_a_past_meetings_agenda_is_the_record_of_what_it_decided(client: FlaskClient, login_as: Any) -> None:
    """Once held, the agenda reads as what the meeting discussed and decided, not today's criteria, and it
    can no longer be changed on any path."""
    from datetime import UTC, datetime, timedelta

    from changeauth.domain.lifecycle import Decision, Gate, Stage
    from changeauth.models import GateDecision, MeetingAgendaItem
    from changeauth.queries import clock
    from tests.factories import ImprovementFactory

    chair, member = UserFactory(design_authority=True), UserFactory(design_authority=True)
    decided, discussed, waiting = (ImprovementFactory(business_case=True) for _ in range(3))
    login_as(chair)
    held = arrange(client, [member], title="Held meeting")
    for work in (decided, discussed):
        assert client.post(f"{held}/agenda", data={"improvement_id": str(work.id)}).status_code == 302
    meeting = db.session.scalars(select(DaMeeting).where(DaMeeting.title == "Held meeting")).one()
    meeting.meets_on = clock.today() - timedelta(days=1)
    db.session.add(
        GateDecision(
            improvement_id=decided.id,
            gate=Gate.G1,
            decision=Decision.GO,
            rationale="The case is sound.",
            from_stage=Stage.BUSINESS_CASE,
            to_stage=Stage.APPROVED,
            decided_by_id=chair.id,
            decided_at=datetime.now(UTC) - timedelta(days=1),
            meeting_id=meeting.id,
        )
    )
    db.session.commit()

    shown = page(client.get(held))
    record = shown.select_one("#agenda-record").get_text(" ", strip=True)
    items = [li.get_text(" ", strip=True) for li in shown.select("#agenda-record > li")]
    assert (
        items[0].startswith(f"{decided.ref}: {decided.title}")
        and "G1" in items[0]
        and "go" in items[0].lower()
    )
    assert items[1].startswith(f"{discussed.ref}: {discussed.title}")
    assert "no decision was recorded at this meeting" in record
    text = shown.get_text(" ", strip=True)
    assert "Move up" not in text and "Take off the agenda" not in text and "Add to the agenda" not in text
    assert "Ready for a decision" not in text
    # Posting anyway changes nothing.
    assert client.post(f"{held}/agenda", data={"improvement_id": str(waiting.id)}).status_code == 409
    assert client.post(f"{held}/agenda/{discussed.id}/remove").status_code == 409
    assert client.post(f"{held}/agenda/{discussed.id}/up").status_code == 409
    on_agenda = db.session.scalars(
        select(MeetingAgendaItem.improvement_id).where(MeetingAgendaItem.meeting_id == meeting.id)
    ).all()
    assert sorted(on_agenda) == sorted([decided.id, discussed.id])
