"""Dependencies between improvements through the pages and the API: who records and removes one, the
plain refusal of a cycle, the warning when delivery starts, the block at go-live, the roadmap, and who
sees a dependency (both ends visible; no submitter named)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth.models import AuditEvent, Improvement, ImprovementDependency
from changeauth.services import users as user_service
from tests.factories import ImprovementFactory, UserFactory
from tests.helpers import field_errors, page


def _headers(db_session: Any, user: Any) -> dict[str, str]:
    token, _ = user_service.issue_api_token(user, name="t", actor_id=user.id)
    db_session.commit()
    return {"Authorization": f"Bearer {token}"}


def _record(client: FlaskClient, headers: dict[str, str], work: Improvement, needed: Improvement) -> Any:
    return client.post(
        f"/api/v1/improvements/{work.id}/dependencies",
        headers=headers,
        json={"depends_on_id": needed.id, "reason": "The forms need the new customer account live."},
    )


@pytest.fixture
def member(db_session: Any) -> Any:
    return UserFactory(design_authority=True)


class TestPages:
    def test_the_owner_records_one_and_both_pages_show_it(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        work = ImprovementFactory(delivery=True, title="Online forms")
        needed = ImprovementFactory(approved=True, title="Customer account")
        db_session.commit()
        login_as(work.owner)
        form = client.get(f"/improvements/{work.id}/dependencies/new")
        assert form.status_code == 200
        saved = client.post(
            f"/improvements/{work.id}/dependencies/new",
            data={
                "depends_on": needed.ref.lower(),
                "reason": "Forms sign in with the account.",
                "version": work.version,
            },
        )
        assert saved.status_code == 302, field_errors(saved)
        mine = page(client.get(f"/improvements/{work.id}"))
        needs = mine.select_one("#needs-first").get_text(" ", strip=True)
        assert needed.ref in needs and "Customer account" in needs and "Not delivered yet" in needs
        assert "Forms sign in with the account." in needs
        assert "cannot go live" in mine.select_one("#dependency-warning").get_text()
        theirs = (
            page(client.get(f"/improvements/{needed.id}")).select_one("#needed-by").get_text(" ", strip=True)
        )
        assert work.ref in theirs and "Online forms" in theirs
        event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "dependency.recorded"))
        assert event.subject_id == work.id and event.reason == "Forms sign in with the account."

    def test_bad_input_is_refused_in_words_never_a_500(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        work = ImprovementFactory(delivery=True)
        declined = ImprovementFactory(declined=True)
        db_session.commit()
        login_as(work.owner)
        url = f"/improvements/{work.id}/dependencies/new"
        cases = {
            "IMP-NOPE": "There is no improvement with that reference.",
            work.ref: "An improvement cannot need itself.",
            declined.ref: f"{declined.ref} was stopped, withdrawn or merged, so it will never be delivered.",
        }
        for ref, message in cases.items():
            answer = client.post(url, data={"depends_on": ref, "reason": "Because.", "version": work.version})
            assert answer.status_code == 422
            assert any(message in error for error in field_errors(answer)), field_errors(answer)
        blank = client.post(url, data={"depends_on": "", "reason": "", "version": work.version})
        assert blank.status_code == 422 and len(field_errors(blank)) == 2
        assert (
            client.post(url, data={"depends_on": "x" * 500, "reason": "y", "version": "z"}).status_code == 422
        )
        assert db_session.scalar(select(ImprovementDependency)) is None

    def test_a_cycle_is_refused_with_the_chain_named(
        self, client: FlaskClient, login_as: Any, db_session: Any, member: Any
    ) -> None:
        first, second, third = (ImprovementFactory(delivery=True) for _ in range(3))
        db_session.commit()
        headers = _headers(db_session, member)
        assert _record(client, headers, second, third).status_code == 201
        assert _record(client, headers, third, first).status_code == 201
        login_as(member)
        answer = client.post(
            f"/improvements/{first.id}/dependencies/new",
            data={"depends_on": second.ref, "reason": "Circular.", "version": first.version},
        )
        assert answer.status_code == 422
        assert field_errors(answer) == [
            f"{second.ref} already needs {first.ref} delivered first (through {third.ref}). Each would wait "
            "for the other and neither could go live, so this dependency is not recorded."
        ]

    def test_only_an_independent_member_removes_one(
        self, client: FlaskClient, login_as: Any, db_session: Any, member: Any
    ) -> None:
        work = ImprovementFactory(delivery=True)
        needed = ImprovementFactory(delivery=True)
        db_session.commit()
        assert _record(client, _headers(db_session, work.owner), work, needed).status_code == 201
        dependency = db_session.scalar(select(ImprovementDependency))
        url = f"/improvements/dependencies/{dependency.id}/remove"
        login_as(work.owner)
        assert (
            "Remove" not in page(client.get(f"/improvements/{work.id}")).select_one("#needs-first").get_text()
        )
        assert client.get(url).status_code == 403
        assert (
            client.post(url, data={"reason": "Not needed.", "version": dependency.version}).status_code == 403
        )
        login_as(member)
        assert client.post(url, data={"reason": "", "version": dependency.version}).status_code == 422
        assert (
            client.post(url, data={"reason": "Built another way.", "version": dependency.version}).status_code
            == 302
        )
        assert db_session.scalar(select(ImprovementDependency)) is None
        event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "dependency.removed"))
        assert event.actor_id == member.id and event.reason == "Built another way."
        # The history keeps both, with who and why, though the dependency itself is gone.
        history = (
            page(client.get(f"/improvements/{work.id}")).select_one(".timeline").get_text(" ", strip=True)
        )
        assert f"Needs {needed.ref} delivered first. Recorded by {work.owner.name}." in history
        assert f"No longer needs {needed.ref} delivered first. Removed by {member.name}." in history
        assert "Reason: Built another way." in history

    def test_a_viewer_cannot_record_one(self, client: FlaskClient, login_as: Any, db_session: Any) -> None:
        work = ImprovementFactory(delivery=True)
        db_session.commit()
        login_as(UserFactory())
        assert client.get(f"/improvements/{work.id}/dependencies/new").status_code == 403
        assert "Record that it needs" not in page(client.get(f"/improvements/{work.id}")).get_text()


class TestGates:
    def test_starting_delivery_warns_but_is_allowed(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        work = ImprovementFactory(approved=True)
        needed = ImprovementFactory(delivery=True)
        db_session.commit()
        headers = _headers(db_session, work.owner)
        assert _record(client, headers, work, needed).status_code == 201
        login_as(work.owner)
        gate_page = page(client.get(f"/improvements/{work.id}/gate"))
        warning = gate_page.select_one("#start-delivery-warning").get_text(" ", strip=True)
        assert needed.ref in warning and "Delivery may start" in warning
        version = client.get(f"/api/v1/improvements/{work.id}", headers=headers).get_json()["version"]
        started = client.post(
            f"/api/v1/improvements/{work.id}/transitions",
            headers=headers,
            json={"action": "start_delivery", "version": version},
        )
        assert started.status_code == 200 and started.get_json()["stage"] == "delivery"

    def test_go_live_is_blocked_until_what_it_needs_is_delivered(
        self, client: FlaskClient, db_session: Any
    ) -> None:
        panel = [UserFactory(design_authority=True) for _ in range(3)]
        work = ImprovementFactory(delivery=True)
        needed = ImprovementFactory(delivery=True)
        db_session.commit()
        headers = _headers(db_session, panel[0])
        assert _record(client, headers, work, needed).status_code == 201

        def criterion() -> dict[str, Any]:
            gate = client.get(f"/api/v1/improvements/{work.id}/gate", headers=headers).get_json()
            return next(c for c in gate["criteria"] if c["code"] == "dependencies_delivered")

        blocked = criterion()
        assert blocked["met"] is False and blocked["kind"] == "must"
        assert blocked["detail"] == "1 of the improvements it needs is not delivered yet."
        version = client.get(f"/api/v1/improvements/{work.id}", headers=headers).get_json()["version"]
        decided = client.post(
            f"/api/v1/improvements/{work.id}/decisions",
            headers=headers,
            json={
                "version": version,
                "gate": "G2",
                "decision": "go",
                "rationale": "Live.",
                "attendee_ids": [p.id for p in panel[1:]],
            },
        )
        assert decided.status_code == 422 and "dependencies_delivered" in decided.get_json()["error"]["unmet"]
        db_session.refresh(needed)  # recording the dependency moved its version
        needed.stage, needed.status = "realisation", "active"
        db_session.commit()
        assert criterion()["met"] is True

    def test_quick_wins_are_blocked_at_go_live_too(
        self, client: FlaskClient, db_session: Any, member: Any
    ) -> None:
        work = ImprovementFactory(quick_win=True)
        needed = ImprovementFactory(business_case=True)
        db_session.commit()
        headers = _headers(db_session, member)
        assert _record(client, headers, work, needed).status_code == 201
        gate = client.get(f"/api/v1/improvements/{work.id}/gate", headers=headers).get_json()
        assert {c["code"]: c["met"] for c in gate["criteria"]}["dependencies_delivered"] is False


class TestApi:
    def test_read_write_and_refusals(self, client: FlaskClient, db_session: Any, member: Any) -> None:
        work = ImprovementFactory(delivery=True)
        needed = ImprovementFactory(realisation=True)
        db_session.commit()
        headers = _headers(db_session, member)
        created = _record(client, headers, work, needed)
        assert created.status_code == 201
        body = created.get_json()
        assert body["improvement"]["id"] == work.id and body["depends_on"]["ref"] == needed.ref
        assert body["state"] == "delivered" and "submitter_id" not in body["depends_on"]
        assert _record(client, headers, work, needed).status_code == 409
        assert _record(client, headers, needed, work).status_code == 422
        listed = client.get(f"/api/v1/improvements/{needed.id}/dependencies", headers=headers).get_json()
        assert listed["needs"] == [] and [d["improvement"]["id"] for d in listed["needed_by"]] == [work.id]
        bad = client.post(
            f"/api/v1/improvements/{work.id}/dependencies",
            headers=headers,
            json={"depends_on_id": "x", "reason": "", "colour": "red"},
        )
        assert bad.status_code == 422
        stale = client.post(
            f"/api/v1/dependencies/{body['id']}/remove",
            headers=headers,
            json={"reason": "Done.", "version": 99},
        )
        assert stale.status_code == 409
        removed = client.post(
            f"/api/v1/dependencies/{body['id']}/remove",
            headers=headers,
            json={"reason": "Done.", "version": body["version"]},
        )
        assert removed.status_code == 204
        assert (
            client.get(f"/api/v1/improvements/{work.id}/dependencies", headers=headers).get_json()["needs"]
            == []
        )

    def test_the_owner_may_not_remove_one(self, client: FlaskClient, db_session: Any) -> None:
        work = ImprovementFactory(delivery=True)
        needed = ImprovementFactory(delivery=True)
        db_session.commit()
        headers = _headers(db_session, work.owner)
        created = _record(client, headers, work, needed).get_json()
        refused = client.post(
            f"/api/v1/dependencies/{created['id']}/remove",
            headers=headers,
            json={"reason": "I want to go live."},
        )
        assert refused.status_code == 403

    def test_an_interested_member_may_not_remove_one(self, client: FlaskClient, db_session: Any) -> None:
        sponsor = UserFactory(design_authority=True)
        work = ImprovementFactory(delivery=True, sponsor=sponsor)
        needed = ImprovementFactory(delivery=True)
        db_session.commit()
        headers = _headers(db_session, sponsor)
        created = _record(client, headers, work, needed).get_json()
        refused = client.post(
            f"/api/v1/dependencies/{created['id']}/remove", headers=headers, json={"reason": "Mine."}
        )
        assert refused.status_code == 403


class TestWhoSeesWhat:
    def test_a_withdrawn_idea_at_the_other_end_stays_hidden(
        self, client: FlaskClient, login_as: Any, db_session: Any, member: Any
    ) -> None:
        submitter = UserFactory()
        idea = ImprovementFactory(submitter=submitter, is_anonymous=True, title="Secret idea")
        work = ImprovementFactory(delivery=True)
        db_session.commit()
        assert _record(client, _headers(db_session, member), work, idea).status_code == 201
        dependency_id = db_session.scalar(select(ImprovementDependency.id))
        db_session.refresh(idea)
        idea.stage, idea.status = "withdrawn", "withdrawn"
        db_session.commit()
        stranger = UserFactory()
        db_session.commit()
        headers = _headers(db_session, stranger)
        listed = client.get(f"/api/v1/improvements/{work.id}/dependencies", headers=headers).get_json()
        assert listed == {"needs": [], "needed_by": []}
        login_as(stranger)
        shown_to_stranger = page(client.get(f"/improvements/{work.id}")).get_text()
        assert "Secret idea" not in shown_to_stranger and idea.ref not in shown_to_stranger
        assert "Needs another improvement delivered first." in shown_to_stranger
        assert client.get(f"/improvements/dependencies/{dependency_id}/remove").status_code == 404
        # The design authority still sees it, and no submitter is named beside it.
        login_as(member)
        shown = (
            page(client.get(f"/improvements/{work.id}")).select_one("#needs-first").get_text(" ", strip=True)
        )
        assert "Secret idea" in shown and submitter.name not in shown

    def test_the_roadmap_shows_what_each_needs_and_flags_a_later_quarter(
        self, client: FlaskClient, login_as: Any, db_session: Any, member: Any
    ) -> None:
        work = ImprovementFactory(business_case=True, planned_quarter="2027-Q1", title="Online forms")
        needed = ImprovementFactory(business_case=True, planned_quarter="2027-Q3", title="Customer account")
        db_session.commit()
        assert _record(client, _headers(db_session, member), work, needed).status_code == 201
        login_as(member)
        roadmap = page(client.get("/backlog/roadmap"))
        row = roadmap.select_one(f'tr[data-id="{work.id}"]')
        assert row is not None, roadmap.get_text()
        cell = row.select_one(".needs-first").get_text(" ", strip=True)
        assert needed.ref in cell and "after this one" in cell
