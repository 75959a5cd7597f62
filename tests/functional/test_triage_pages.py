"""The G0 journey through the pages: submit, triage with every decision, follow the outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth.models import ConflictDeclaration, Improvement, Notification
from tests.factories import ImprovementFactory, SupportFactory, UserFactory
from tests.helpers import field_errors, page

IDEA = {
    "title": "Text reminders for bin collections",
    "problem": "Residents miss collections and phone us.",
    "proposal": "Send a text the evening before.",
    "benefit_drivers": ["channel_shift"],
    "team": "",
}


def _submit(client: FlaskClient, login_as: Any, db_session: Any, submitter: Any) -> Improvement:
    login_as(submitter)
    assert client.post("/improvements/new", data=IDEA).status_code == 302
    return db_session.scalar(select(Improvement).where(Improvement.title == IDEA["title"]))


@pytest.mark.parametrize(
    ("decision", "extra", "stage"),
    [
        ("go", "owner", "business_case"),
        ("quick_win", "owner", "delivery"),
        ("merge", "target", "merged"),
        ("recycle", None, "idea"),
        ("hold", "date", "on_hold"),
        ("stop", None, "declined"),
    ],
)
def test_every_g0_decision_through_the_pages(
    client: FlaskClient, login_as: Any, db_session: Any, decision: str, extra: str | None, stage: str
) -> None:
    submitter, da, owner = (
        UserFactory(name="Sam Submitter"),
        UserFactory(design_authority=True),
        UserFactory(),
    )
    target = ImprovementFactory(title="Existing reminders work")
    idea = _submit(client, login_as, db_session, submitter)

    login_as(da)
    queue = page(client.get("/triage/"))
    assert IDEA["title"] in queue.get_text()
    form = {"decision": decision, "rationale": "Because of the reasons given.", "version": idea.version}
    if extra == "owner":
        form["owner_id" if decision == "go" else "quick_win_owner_id"] = str(owner.id)
    elif extra == "target":
        form["duplicate_of"] = target.ref
    elif extra == "date":
        form["hold_until"] = "2030-01-31"
    response = client.post(f"/triage/{idea.id}", data=form)
    assert response.status_code == 302, field_errors(response)

    db_session.expire_all()
    assert db_session.get(Improvement, idea.id).stage == stage
    login_as(submitter)
    detail = page(client.get(f"/improvements/{idea.id}"))
    history = detail.select_one(".timeline").get_text(" ", strip=True)
    assert "Because of the reasons given." in history
    assert "G0: decide what to do with the idea" in history
    notifications = page(client.get("/notifications/")).get_text(" ", strip=True)
    assert "Because of the reasons given." in notifications


def test_triage_bad_input_keeps_what_was_typed(client: FlaskClient, login_as: Any, db_session: Any) -> None:
    idea = ImprovementFactory()
    login_as(UserFactory(design_authority=True))
    response = client.post(
        f"/triage/{idea.id}",
        data={
            "decision": "merge",
            "rationale": "Same as another",
            "duplicate_of": "IMP-0000-9999",
            "version": 1,
        },
    )
    assert response.status_code == 422
    assert "There is no improvement with that reference to merge into." in field_errors(response)
    assert page(response).select_one("#rationale").get_text().strip() == "Same as another"
    db_session.expire_all()
    assert db_session.get(Improvement, idea.id).stage == "idea"


def test_staff_cannot_see_the_triage_pages(client: FlaskClient, login_as: Any) -> None:
    idea = ImprovementFactory()
    login_as(UserFactory())
    assert client.get("/triage/").status_code == 403
    assert (
        client.post(
            f"/triage/{idea.id}", data={"decision": "stop", "rationale": "x", "version": 1}
        ).status_code
        == 403
    )


def test_a_da_member_who_submitted_the_idea_is_told_someone_else_decides(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    da = UserFactory(design_authority=True)
    idea = ImprovementFactory(submitter=da)
    login_as(da)
    response = client.post(f"/triage/{idea.id}", data={"decision": "stop", "rationale": "x", "version": 1})
    assert "Another design authority member will decide it." in page(response).get_text()
    db_session.expire_all()
    assert db_session.get(Improvement, idea.id).stage == "idea"


def test_a_conflicted_member_cannot_decide(client: FlaskClient, login_as: Any, db_session: Any) -> None:
    da = UserFactory(design_authority=True)
    idea = ImprovementFactory()
    login_as(da)
    client.post(f"/improvements/{idea.id}/conflicts", data={"note": "My partner runs that team."})
    assert db_session.scalar(select(ConflictDeclaration.user_id)) == da.id
    client.post(f"/triage/{idea.id}", data={"decision": "stop", "rationale": "x", "version": 1})
    db_session.expire_all()
    assert db_session.get(Improvement, idea.id).stage == "idea"


def test_recycle_then_the_submitter_answers_and_resubmits(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    submitter, da = UserFactory(), UserFactory(design_authority=True)
    idea = ImprovementFactory(submitter=submitter)
    login_as(da)
    client.post(
        f"/triage/{idea.id}", data={"decision": "recycle", "rationale": "How many calls?", "version": 1}
    )
    login_as(submitter)
    detail = page(client.get(f"/improvements/{idea.id}"))
    assert detail.select_one("#needs-info") is not None
    response = client.post(
        f"/improvements/{idea.id}/resubmit", data={"note": "About 400 a month.", "version": 2}
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Improvement, idea.id).status == "submitted"
    assert (
        "About 400 a month."
        in page(client.get(f"/improvements/{idea.id}")).select_one(".timeline").get_text()
    )


def test_anonymous_submitters_are_never_named_in_the_timeline(client: FlaskClient, login_as: Any) -> None:
    submitter = UserFactory(name="Secret Person")
    idea = ImprovementFactory(submitter=submitter, is_anonymous=True)
    login_as(submitter)
    client.post(f"/improvements/{idea.id}/comments", data={"body": "More detail from me."})
    login_as(UserFactory())
    text = client.get(f"/improvements/{idea.id}").get_data(as_text=True)
    assert "Secret Person" not in text
    assert "The submitter (anonymous)" in text


def test_support_once_and_comment(client: FlaskClient, login_as: Any, db_session: Any) -> None:
    idea = ImprovementFactory()
    login_as(UserFactory())
    client.post(f"/improvements/{idea.id}/support", data={})
    client.post(f"/improvements/{idea.id}/support", data={})
    detail = page(client.get(f"/improvements/{idea.id}"))
    assert "You already support this improvement." in detail.get_text()
    supporters = detail.find("dt", string="Supporters").find_next("dd").get_text(strip=True)
    assert supporters == "1"
    response = client.post(f"/improvements/{idea.id}/comments", data={"body": "<b>bold</b> idea"})
    assert response.status_code == 302
    html = client.get(f"/improvements/{idea.id}").get_data(as_text=True)
    assert "&lt;b&gt;bold&lt;/b&gt; idea" in html


def test_notifications_are_marked_read_only_by_post(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    idea = ImprovementFactory()
    supporter = UserFactory()
    SupportFactory(improvement_id=idea.id, user_id=supporter.id)
    login_as(UserFactory(design_authority=True))
    client.post(f"/triage/{idea.id}", data={"decision": "stop", "rationale": "Not now.", "version": 1})
    login_as(supporter)
    assert "Notifications (1 unread)" in client.get("/").get_data(as_text=True)
    client.get("/notifications/")
    assert db_session.scalar(select(Notification.read_at).where(Notification.user_id == supporter.id)) is None
    client.post("/notifications/read", data={})
    db_session.expire_all()
    assert (
        db_session.scalar(select(Notification.read_at).where(Notification.user_id == supporter.id))
        is not None
    )


def test_similar_suggestions_while_typing(client: FlaskClient, login_as: Any) -> None:
    ImprovementFactory(title="Online booking for bulky waste", closed=True)
    login_as(UserFactory())
    fragment = client.get("/improvements/similar", query_string={"title": "book bulky waste online"})
    assert "Online booking for bulky waste" in fragment.get_data(as_text=True)
    assert "Closed" in fragment.get_data(as_text=True)


def test_the_queue_shows_fifty_ideas_a_page_oldest_first(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    for number in range(52):
        ImprovementFactory(title=f"Waiting idea {number:02d}", created_at=start + timedelta(days=number))
    login_as(UserFactory(design_authority=True))

    first = page(client.get("/triage/")).get_text()
    assert "Waiting idea 00" in first and "Waiting idea 49" in first
    assert "Waiting idea 50" not in first
    assert "Page 1 of 2 (52 in all)" in " ".join(first.split())

    second = page(client.get("/triage/?page=2")).get_text()
    assert "Waiting idea 50" in second and "Waiting idea 51" in second
    assert "Waiting idea 49" not in second


def test_the_triage_queue_says_which_ideas_wait_for_another_member_and_why(
    client: FlaskClient, login_as: Any
) -> None:
    member = UserFactory(design_authority=True)
    own = ImprovementFactory(title="The member's own idea", submitter=member)
    other = ImprovementFactory(title="Someone else's idea")
    login_as(member)
    response = client.get("/triage/")
    html = response.get_data(as_text=True)
    text = " ".join(page(response).get_text(" ").split())
    assert "The member's own idea Waiting for another member: you submitted it" in text
    assert f'/triage/{own.id}"' not in html and f'/triage/{other.id}"' in html
