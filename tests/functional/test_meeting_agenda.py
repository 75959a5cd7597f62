"""A meeting's agenda, minutes and actions: the design authority curates and orders the agenda (ready
and not ready shown apart), writes the minutes and records actions whose owners are told."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth import db
from changeauth.domain.errors import InvalidTransition, PermissionDenied
from changeauth.models import AuditEvent, MeetingAction, Notification
from changeauth.services import meetings
from tests.factories import ImprovementFactory, UserFactory
from tests.functional.test_meeting_pages import arrange
from tests.helpers import field_errors, form_values, page


def _agenda_refs(response: Any) -> list[str]:
    return [h.get_text(" ", strip=True) for h in page(response).select("#agenda ~ section h4")]


def test_the_agenda_is_chosen_ordered_and_split_by_readiness(client: FlaskClient, login_as: Any) -> None:
    first = ImprovementFactory(business_case=True, title="Planning fees online")
    second = ImprovementFactory(business_case=True, title="Licensing renewals by text")
    waiting_elsewhere = ImprovementFactory(business_case=True, title="Not chosen for this meeting")
    login_as(UserFactory(design_authority=True))
    where = arrange(client, [])
    empty = client.get(where)
    assert "Nothing is on the agenda yet." in page(empty).get_text()
    offered = page(empty).select_one("#improvement_id").get_text()
    assert first.ref in offered and second.ref in offered

    for work in (first, second):
        added = client.post(f"{where}/agenda", data={"improvement_id": str(work.id)})
        assert added.status_code == 302, field_errors(added)
    shown = client.get(where)
    refs = _agenda_refs(shown)
    assert [first.ref in refs[0], second.ref in refs[1]] == [True, True]
    assert waiting_elsewhere.ref not in " ".join(refs)
    # Nothing is ready without a business case and a score: listed apart, under "Not ready yet".
    not_ready = page(shown).select_one("#agenda-not-ready").get_text()
    assert "(2)" in not_ready

    moved = client.post(f"{where}/agenda/{second.id}/up")
    assert moved.status_code == 302
    refs = _agenda_refs(client.get(where))
    assert second.ref in refs[0] and first.ref in refs[1]

    assert client.post(f"{where}/agenda/{first.id}/remove").status_code == 302
    refs = _agenda_refs(client.get(where))
    assert len(refs) == 1 and second.ref in refs[0]


def test_minutes_and_actions_are_recorded_against_the_meeting(client: FlaskClient, login_as: Any) -> None:
    owner = UserFactory(manager=True, name="Morgan Owner")
    login_as(UserFactory(design_authority=True))
    where = arrange(client, [])
    saved = client.post(f"{where}/minutes", data={"minutes": "Agreed to look at fees again in May."})
    assert saved.status_code == 302
    assert (
        "Agreed to look at fees again in May."
        in page(client.get(where)).select_one("#minutes-text").get_text()
    )

    refused = client.post(f"{where}/actions", data={"text": "Send the fee table"})
    assert refused.status_code == 422
    assert "Choose who will do it." in field_errors(refused)
    assert page(refused).title.get_text().startswith("Error: ")
    assert page(refused).select_one("#text").get_text().strip() == "Send the fee table"

    recorded = client.post(
        f"{where}/actions",
        data={"text": "Send the fee table to finance", "owner_id": str(owner.id), "due_date": "2027-05-01"},
    )
    assert recorded.status_code == 302, field_errors(recorded)
    table = page(client.get(where)).select_one("#actions ~ .table-scroll table").get_text(" ", strip=True)
    assert "Send the fee table to finance" in table and "Morgan Owner" in table and "1 May 2027" in table
    assert db.session.scalar(select(MeetingAction.text)) == "Send the fee table to finance"
    told = db.session.scalars(select(Notification.text).where(Notification.user_id == owner.id)).all()
    assert any("Send the fee table to finance" in text for text in told)


def test_an_agenda_item_gives_its_business_case_figures_in_words(client: FlaskClient, login_as: Any) -> None:
    from tests.factories import BusinessCaseFactory

    case = BusinessCaseFactory(submitted=True)
    login_as(UserFactory(design_authority=True))
    where = arrange(client, [])
    assert (
        client.post(f"{where}/agenda", data={"improvement_id": str(case.improvement_id)}).status_code == 302
    )
    text = page(client.get(where)).get_text(" ", strip=True)
    # BCR 1.1398 and payback 1.6667 years read as people read them, never to four places.
    assert "benefit-cost ratio 1.14, and it pays back in 1.7 years" in text
    assert "1.1398" not in text and "1.6667" not in text
    # Against business as usual (all zeros): £1,398, and benefits may fall 12.27 %, read as 12 %.
    assert (
        "compared with business as usual £1,398, and benefits could fall by 12% before it costs more "
        "than it returns" in text
    )


def test_an_action_is_marked_done_once_by_its_owner_or_a_member(client: FlaskClient, login_as: Any) -> None:
    owner, member = UserFactory(manager=True, name="Morgan Owner"), UserFactory(design_authority=True)
    login_as(member)
    where = arrange(client, [])
    client.post(f"{where}/actions", data={"text": "Send the fee table to finance", "owner_id": str(owner.id)})
    action = db.session.scalar(select(MeetingAction))
    with pytest.raises(PermissionDenied):
        meetings.complete_action(action.id, actor=UserFactory(manager=True), expected_version=action.version)
    assert action.done_at is None
    meetings.complete_action(action.id, actor=owner, expected_version=action.version)
    assert action.done_at is not None
    with pytest.raises(InvalidTransition):
        meetings.complete_action(action.id, actor=member, expected_version=action.version)
    done = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "meeting.action_done")).all()
    assert [(event.actor_id, event.after["action_id"]) for event in done] == [(owner.id, action.id)]
    db.session.commit()
    table = page(client.get(where)).select_one("#actions ~ .table-scroll table").get_text(" ", strip=True)
    assert "Done on" in table


def test_the_owner_marks_an_action_done_from_their_actions_and_a_member_from_the_meeting(
    client: FlaskClient, login_as: Any
) -> None:
    owner = UserFactory(manager=True, name="Morgan Owner")
    member = UserFactory(design_authority=True)
    login_as(member)
    where = arrange(client, [])
    for text in ("Send the fee table to finance", "Book the room for the review"):
        client.post(f"{where}/actions", data={"text": text, "owner_id": str(owner.id)})
    db.session.commit()

    # The owner finds both on their actions, with the meeting they came from, and marks one done.
    login_as(owner)
    mine = page(client.get("/my-actions"))
    rows = mine.select("#meeting-actions ~ .table-scroll tbody tr")
    assert [row.td.get_text(strip=True) for row in rows] == [
        "Send the fee table to finance",
        "Book the room for the review",
    ]
    form_url = rows[0].form["action"]
    values = form_values(client.get("/my-actions"), f'main form[action="{form_url}"]')
    done = client.post(form_url, data=values)
    assert done.status_code == 302 and done.headers["Location"].endswith("/my-actions#meeting-actions")
    left = page(client.get("/my-actions")).select("#meeting-actions ~ .table-scroll tbody tr")
    assert [row.td.get_text(strip=True) for row in left] == ["Book the room for the review"]
    # The same form sent again (a second tab) changes nothing: the action is done already.
    assert client.post(form_url, data=values).status_code == 409

    # Someone else may not mark the owner's action done.
    second_url = left[0].form["action"]
    second_values = form_values(client.get("/my-actions"), f'main form[action="{second_url}"]')
    login_as(UserFactory(manager=True))
    assert client.post(second_url, data=second_values).status_code == 403

    # A member marks it done from the meeting's page and comes back to it.
    login_as(member)
    shown = client.get(where)
    values = form_values(shown, f'main form[action="{second_url}"]')
    back = client.post(second_url, data=values)
    assert back.status_code == 302 and back.headers["Location"].endswith(f"{where}#actions")
    table = page(client.get(where)).select_one("#actions ~ .table-scroll table").get_text(" ", strip=True)
    assert table.count("Done on") == 2 and "Mark as done" not in table


def test_an_action_marked_done_from_a_stale_page_is_refused(client: FlaskClient, login_as: Any) -> None:
    owner, member = UserFactory(manager=True), UserFactory(design_authority=True)
    login_as(member)
    where = arrange(client, [])
    client.post(f"{where}/actions", data={"text": "Send the fee table to finance", "owner_id": str(owner.id)})
    db.session.commit()
    action = db.session.scalar(select(MeetingAction))
    shown = client.get(where)
    form_url = f"/meeting-actions/{action.id}/done"
    values = form_values(shown, f'main form[action="{form_url}"]')
    assert client.post(form_url, data={**values, "version": str(action.version + 1)}).status_code == 409
    db.session.expire_all()
    assert db.session.get(MeetingAction, action.id).done_at is None
