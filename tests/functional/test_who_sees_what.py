"""Who sees what (docs/security.md): an anonymous submitter stays anonymous to everyone but admins,
withdrawn ideas stay with their submitter, and the API answers as the pages do."""

from __future__ import annotations

import json
from datetime import date
from io import BytesIO
from typing import Any

from flask.testing import FlaskClient
from openpyxl import load_workbook

from changeauth.models import Flag
from changeauth.services import users as user_service
from tests.factories import ImprovementFactory, UserFactory
from tests.helpers import page

IDEA = {
    "title": "Text reminders for bin collections",
    "problem": "Residents miss collections and phone us.",
    "proposal": "Send a text the evening before.",
    "benefit_drivers": ["channel_shift"],
}
SUBMITTER_ACTIONS = {"improvement.submitted", "improvement.edited", "comment.added"}


def _headers(db_session: Any, user: Any) -> dict[str, str]:
    token, _ = user_service.issue_api_token(user, name="t", actor_id=user.id)
    db_session.commit()
    return {"Authorization": f"Bearer {token}"}


def _anonymous_idea_with_history(client: FlaskClient, db_session: Any) -> tuple[Any, int]:
    """A submitter made by an admin (so ``user.created`` names them), who submits an anonymous idea,
    edits it and comments on it."""
    admin = UserFactory(admin=True)
    submitter = user_service.create_user(
        email="hidden.person@council.example", name="Hidden Person", roles=["staff"], actor_id=admin.id
    )
    headers = _headers(db_session, submitter)
    created = client.post("/api/v1/improvements", json={**IDEA, "is_anonymous": True}, headers=headers)
    assert created.status_code == 201
    idea = created.get_json()
    edited = client.patch(
        f"/api/v1/improvements/{idea['id']}",
        json={"title": "Text reminders for every bin collection", "version": idea["version"]},
        headers=headers,
    )
    assert edited.status_code == 200, edited.get_json()
    commented = client.post(
        f"/api/v1/improvements/{idea['id']}/comments", json={"body": "One more thought."}, headers=headers
    )
    assert commented.status_code == 201, commented.get_json()
    return submitter, idea["id"]


def test_the_audit_api_hides_an_anonymous_submitter_from_viewers(
    client: FlaskClient, db_session: Any
) -> None:
    submitter, idea_id = _anonymous_idea_with_history(client, db_session)
    viewer = _headers(db_session, UserFactory(viewer=True))
    body = client.get("/api/v1/audit", query_string={"per_page": 100}, headers=viewer).get_json()
    text = json.dumps(body)
    assert "Hidden Person" not in text and "hidden.person@" not in text
    about_idea = [
        e for e in body["items"] if (e["subject_type"], e["subject_id"]) == ("improvement", idea_id)
    ]
    assert {e["action"] for e in about_idea} >= SUBMITTER_ACTIONS
    assert all(e["actor_id"] is None for e in about_idea)
    # Nothing left to work the actor out from: no hashes, no request ids.
    assert all(e["row_hash"] is None and e["prev_hash"] is None for e in body["items"])
    assert all(e["request_id"] is None for e in body["items"])

    admin = _headers(db_session, UserFactory(admin=True))
    seen = client.get("/api/v1/audit", query_string={"per_page": 100}, headers=admin).get_json()["items"]
    actors = {e["actor_id"] for e in seen if (e["subject_type"], e["subject_id"]) == ("improvement", idea_id)}
    assert actors == {submitter.id}
    assert any(e["action"] == "user.created" and e["after"]["name"] == "Hidden Person" for e in seen)


def test_the_audit_page_hides_an_anonymous_submitter_from_viewers(
    client: FlaskClient, db_session: Any, login_as: Any
) -> None:
    _submitter, idea_id = _anonymous_idea_with_history(client, db_session)
    login_as(UserFactory(viewer=True))
    response = client.get("/audit")
    assert response.status_code == 200
    about_idea = [
        [td.get_text(" ", strip=True) for td in row.select("td")]
        for row in page(response).select("tbody tr")
        if row.select_one(f"td a[href='/improvements/{idea_id}']")
    ]
    assert len(about_idea) >= 3
    assert {row[3] for row in about_idea} == {"The submitter (anonymous)"}
    assert "Hidden Person" not in response.get_data(as_text=True)


# --- withdrawn ideas stay with their submitter (finding 8) -------------------------------------------------


def _withdrawn_idea(client: FlaskClient, db_session: Any) -> dict[str, Any]:
    """Someone's idea the design authority asked about (with a rationale), then withdrawn with a private
    note, and flagged for triage before that."""
    submitter = UserFactory()
    mine = _headers(db_session, submitter)
    idea = client.post("/api/v1/improvements", json={**IDEA, "title": "Withdrawn-secret-title"}, headers=mine)
    idea_id = idea.get_json()["id"]
    member = _headers(db_session, UserFactory(design_authority=True))
    asked = client.post(
        f"/api/v1/improvements/{idea_id}/decisions",
        json={"gate": "G0", "decision": "recycle", "rationale": "Secret-rationale-text", "version": 1},
        headers=member,
    )
    assert asked.status_code == 201, asked.get_json()
    version = asked.get_json()["improvement"]["version"]
    withdrawn = client.post(
        f"/api/v1/improvements/{idea_id}/transitions",
        json={"action": "withdraw", "version": version, "note": "Private-withdraw-note"},
        headers=mine,
    )
    assert withdrawn.status_code == 200, withdrawn.get_json()
    flag = Flag(
        kind="triage_overdue",
        subject_type="improvement",
        subject_id=idea_id,
        raised_on=date.today(),
        message="Waiting for triage",
    )
    db_session.add(flag)
    db_session.commit()
    ref = client.get(f"/api/v1/improvements/{idea_id}", headers=mine).get_json()["ref"]
    return {"id": idea_id, "ref": ref, "submitter": submitter}


SECRETS = ("Withdrawn-secret-title", "Secret-rationale-text", "Private-withdraw-note")


def test_someone_elses_withdrawn_idea_leaks_nowhere(
    client: FlaskClient, db_session: Any, login_as: Any
) -> None:
    idea = _withdrawn_idea(client, db_session)
    manager = UserFactory(manager=True)
    login_as(manager)
    for url in ("/", "/decisions", "/decisions/export.csv", "/flags?status=all"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert idea["ref"] not in text and not any(secret in text for secret in SECRETS), url
    workbook = client.get("/decisions/export.xlsx")
    assert workbook.status_code == 200
    sheet = load_workbook(BytesIO(workbook.data)).active
    cells = " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
    assert idea["ref"] not in cells and not any(secret in cells for secret in SECRETS)
    flags = client.get("/api/v1/flags", headers=_headers(db_session, manager)).get_json()
    assert all(f["subject_id"] != idea["id"] for f in flags["items"] if f["subject_type"] == "improvement")

    # The submitter still sees their own; so do the design authority's register and flags.
    login_as(idea["submitter"])
    assert "Private-withdraw-note" in client.get("/").get_data(as_text=True)
    login_as(UserFactory(design_authority=True))
    assert "Secret-rationale-text" in client.get("/decisions").get_data(as_text=True)


# --- the API follows the pages' rule (finding 11) ------------------------------------------------------


def test_staff_get_from_the_api_what_the_pages_give_them(
    client: FlaskClient, db_session: Any, login_as: Any
) -> None:
    staff = UserFactory()
    headers = _headers(db_session, staff)
    login_as(staff)
    for page_url, api_url in (
        ("/benefits/", "/api/v1/benefits"),
        ("/temporary-resources/", "/api/v1/temporary-resources"),
        ("/flags", "/api/v1/flags"),
    ):
        assert client.get(page_url).status_code == 403, page_url
        assert client.get(api_url, headers=headers).status_code == 403, api_url
    viewer = _headers(db_session, UserFactory(viewer=True))
    assert client.get("/api/v1/flags", headers=viewer).status_code == 200


# --- an anonymous design authority submitter (finding 9) --------------------------------------------------


def test_an_anonymous_da_submitter_is_not_singled_out_at_the_gate(
    client: FlaskClient, db_session: Any, login_as: Any
) -> None:
    hidden = UserFactory(design_authority=True, name="Hidden Member")
    others = [UserFactory(design_authority=True) for _ in range(3)]
    recorder = others[0]
    work = ImprovementFactory(business_case=True, submitter=hidden, is_anonymous=True)
    db_session.commit()

    login_as(recorder)
    gate_page = client.get(f"/improvements/{work.id}/gate")
    assert gate_page.status_code == 200
    offered = {int(box["value"]) for box in page(gate_page).select("input[name=attendee_ids]")}
    assert offered == {hidden.id, others[1].id, others[2].id}  # listed like every member: names nobody

    headers = _headers(db_session, recorder)
    answers = []
    for attendees in ([hidden.id, others[1].id], [others[1].id], [UserFactory().id, others[1].id]):
        response = client.post(
            f"/api/v1/improvements/{work.id}/decisions",
            json={
                "gate": "G1",
                "decision": "recycle",
                "rationale": "Needs costs.",
                "attendee_ids": attendees,
                "version": work.version,
            },
            headers=headers,
        )
        answers.append((response.status_code, response.get_json()))
    # The anonymous submitter, too few members and someone off the design authority: one answer.
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 422
    assert "Hidden" not in json.dumps(answers[0][1])


# --- blind scoring (the low finding) ----------------------------------------------------------------------


def test_a_member_who_has_not_scored_sees_medians_only(
    client: FlaskClient, db_session: Any, login_as: Any
) -> None:
    from changeauth.services import scoring

    work = ImprovementFactory(business_case=True)
    rules = {"quorum": 3, "disagreement_threshold": 3}
    for value in (1, 5):
        member = UserFactory(design_authority=True)
        scores = {
            "strategic_priority": value,
            "customer_need": 3,
            "transaction_volume": 3,
            "complexity": 2,
            "reform_risk": 2,
            "within_remit": True,
        }
        scoring.save_assessment(work.id, actor=member, scores=scores, rationale="r", **rules)
    db_session.commit()
    login_as(UserFactory(design_authority=True))
    row = page(client.get(f"/scoring/improvements/{work.id}/score")).select_one(
        "tr[data-code=strategic_priority]"
    )
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    assert cells[1] in ("3", "3.0")  # the median of 1 and 5
    assert "Shown once you have scored it" in cells and "1" not in cells and "5" not in cells
