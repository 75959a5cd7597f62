"""Accountable owners and change control through the pages and the API: the benefit's owner accepts its
profile (and nobody else may); a change to an approved benefit's target is proposed, shown waiting, and
approved or rejected by an independent design authority member; the proposer, the benefit's owner and a
conflicted member are refused with nothing written."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from changeauth.models import BenefitChangeRequest, Notification
from changeauth.services import users as user_service
from tests.factories import BenefitFactory, ConflictDeclarationFactory, ImprovementFactory, UserFactory
from tests.helpers import field_errors, form_values, page


def _headers(db_session: Any, user: Any) -> dict[str, str]:
    token, _ = user_service.issue_api_token(user, name="t", actor_id=user.id)
    db_session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def setting(db_session: Any) -> dict[str, Any]:
    improvement_owner = UserFactory(manager=True)
    benefit_owner = UserFactory()
    improvement = ImprovementFactory(delivery=True, owner=improvement_owner)
    benefit = BenefitFactory(improvement=improvement, owner=benefit_owner)
    conflicted = UserFactory(design_authority=True)
    ConflictDeclarationFactory(improvement=improvement, user_id=conflicted.id)
    db_session.commit()
    return {
        "benefit": benefit,
        "owner": benefit_owner,
        "improvement_owner": improvement_owner,
        "da": UserFactory(design_authority=True),
        "conflicted": conflicted,
    }


def _requests(db_session: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(BenefitChangeRequest)) or 0


class TestPages:
    def test_the_owner_accepts_and_proposes_and_an_independent_member_approves(
        self, client: FlaskClient, login_as: Any, setting: Any, db_session: Any
    ) -> None:
        benefit, owner = setting["benefit"], setting["owner"]
        login_as(owner)
        home = page(client.get("/"))
        assert "Benefits waiting for you to accept" in home.get_text()
        shown = client.get(f"/benefits/{benefit.id}")
        assert f"Waiting for {owner.name} to accept" in page(shown).select_one("#acceptance").get_text()
        accepted = client.post(
            f"/benefits/{benefit.id}/accept", data=form_values(shown, "form[action$='/accept']")
        )
        assert accepted.status_code == 302
        shown = page(client.get(f"/benefits/{benefit.id}"))
        assert shown.select_one("#acceptance").get_text().startswith(f"Accepted by {owner.name} on ")
        assert shown.select_one("#accept") is None

        new = client.get(f"/benefits/{benefit.id}/change-requests/new")
        form = form_values(new)
        assert (form["target_value"], form["target_date"]) == ("600", "2027-01-31")
        form.update(target_value="650", reason="")
        refused = client.post(f"/benefits/{benefit.id}/change-requests/new", data=form)
        assert refused.status_code == 422 and _requests(db_session) == 0
        assert any("Say why" in e for e in field_errors(refused))
        form["reason"] = "The contact centre's new rota starts a quarter later."
        sent = client.post(f"/benefits/{benefit.id}/change-requests/new", data=form)
        assert sent.status_code == 302, field_errors(sent)
        shown = page(client.get(f"/benefits/{benefit.id}"))
        waiting = shown.select_one("[aria-labelledby=pending-change-heading]").get_text(" ")
        assert "650 calls per month" in " ".join(waiting.split()) and "Record the decision" not in waiting
        db_session.refresh(benefit)
        assert benefit.target_value == 600

        member = setting["da"]
        login_as(member)
        home = page(client.get("/"))
        assert benefit.title in home.select_one("#change-requests-heading").find_next("ul").get_text()
        shown = client.get(f"/benefits/{benefit.id}")
        decision = form_values(shown, "form[action$='/decision']")
        decision.update(decision="approve", note="Agreed at the December meeting.")
        request = db_session.scalar(select(BenefitChangeRequest))
        done = client.post(f"/benefits/{benefit.id}/change-requests/{request.id}/decision", data=decision)
        assert done.status_code == 302
        db_session.refresh(benefit)
        assert benefit.target_value == 650 and not benefit.is_accepted
        history = page(client.get(f"/benefits/{benefit.id}")).find(
            "table", attrs={"aria-labelledby": "plan-history"}
        )
        last = " ".join(history.select("tbody tr")[-1].get_text(" ").split())
        assert (
            owner.name in last and member.name in last and "new rota" in last and "December meeting" in last
        )
        assert (
            db_session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.user_id == owner.id, Notification.kind == "benefit.change_approved")
            )
            == 1
        )

    def test_nobody_but_the_owner_accepts(self, client: FlaskClient, login_as: Any, setting: Any) -> None:
        benefit = setting["benefit"]
        login_as(setting["improvement_owner"])
        assert page(client.get(f"/benefits/{benefit.id}")).select_one("#accept") is None
        assert client.post(f"/benefits/{benefit.id}/accept", data={"version": "1"}).status_code == 403

    @pytest.mark.parametrize("who", ["proposer", "owner", "conflicted"])
    def test_refused_deciders_see_no_form_and_are_403(
        self, client: FlaskClient, login_as: Any, setting: Any, db_session: Any, who: str
    ) -> None:
        benefit = setting["benefit"]
        proposer = setting["da"]
        login_as(proposer)
        form = form_values(client.get(f"/benefits/{benefit.id}/change-requests/new"))
        form.update(target_value="700", reason="The rota changed.")
        assert client.post(f"/benefits/{benefit.id}/change-requests/new", data=form).status_code == 302
        request = db_session.scalar(select(BenefitChangeRequest))
        if who == "owner":
            decider = UserFactory(design_authority=True)
            db_session.refresh(benefit)
            benefit.owner_id = decider.id
            db_session.commit()
        else:
            decider = proposer if who == "proposer" else setting["conflicted"]
        login_as(decider)
        shown = client.get(f"/benefits/{benefit.id}")
        assert page(shown).select_one("form[action$='/decision']") is None
        refused = client.post(
            f"/benefits/{benefit.id}/change-requests/{request.id}/decision",
            data={
                "decision": "approve",
                "note": "",
                "version": str(request.version),
                "request_id": str(request.id),
            },
        )
        assert refused.status_code == 403
        db_session.refresh(request)
        db_session.refresh(benefit)
        assert request.is_pending and benefit.target_value == 600

    def test_the_sponsor_is_named_senior_responsible_owner(
        self, client: FlaskClient, login_as: Any, setting: Any, db_session: Any
    ) -> None:
        improvement = setting["benefit"].improvement
        improvement.sponsor_id = setting["da"].id
        db_session.commit()
        login_as(setting["owner"])
        shown = page(client.get(f"/improvements/{improvement.id}")).get_text(" ")
        assert "Senior responsible owner (sponsor)" in shown


class TestApi:
    def test_accept_propose_and_reject_with_refusals(
        self, client: FlaskClient, setting: Any, db_session: Any
    ) -> None:
        benefit = setting["benefit"]
        url = f"/api/v1/benefits/{benefit.id}"
        owner = _headers(db_session, setting["owner"])
        other = _headers(db_session, setting["improvement_owner"])
        assert client.post(f"{url}/accept", json={"version": 1}, headers=other).status_code == 403
        accepted = client.post(f"{url}/accept", json={"version": 1}, headers=owner)
        assert accepted.status_code == 200, accepted.get_json()
        body = accepted.get_json()
        assert body["is_accepted"] is True and body["accepted_by_id"] == setting["owner"].id
        assert (
            client.post(f"{url}/accept", json={"version": body["version"]}, headers=owner).status_code == 409
        )

        no_reason = client.post(
            f"{url}/change-requests", json={"target_value": 700, "version": body["version"]}, headers=owner
        )
        assert no_reason.status_code == 422 and _requests(db_session) == 0
        proposed = client.post(
            f"{url}/change-requests",
            json={
                "target_value": 700,
                "target_date": "2027-04-30",
                "reason": "Rota.",
                "version": body["version"],
            },
            headers=owner,
        )
        assert proposed.status_code == 201, proposed.get_json()
        request = proposed.get_json()
        assert request["status"] == "pending" and request["was_target_value"] == 600
        current = client.get(url, headers=owner).get_json()["version"]
        again = client.post(
            f"{url}/change-requests",
            json={"target_value": 650, "reason": "Again.", "version": current},
            headers=owner,
        )
        assert again.status_code == 409
        decide = f"{url}/change-requests/{request['id']}/decision"
        for refused in ("owner", "conflicted"):
            headers = owner if refused == "owner" else _headers(db_session, setting["conflicted"])
            answer = client.post(decide, json={"decision": "approve", "version": 1}, headers=headers)
            assert answer.status_code == 403, refused
        da = _headers(db_session, setting["da"])
        no_note = client.post(decide, json={"decision": "reject", "version": 1}, headers=da)
        assert no_note.status_code == 422 and "note" in no_note.get_json()["error"]["fields"]
        rejected = client.post(
            decide, json={"decision": "reject", "note": "Keep the target.", "version": 1}, headers=da
        )
        assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
        listed = client.get(f"{url}/change-requests", headers=owner).get_json()
        assert [item["status"] for item in listed["items"]] == ["rejected"]
        read = client.get(url, headers=owner).get_json()
        assert (read["target_value"], read["target_date"]) == (600, date(2027, 1, 31).isoformat())
        assert client.post(decide, json={"decision": "approve", "version": 2}, headers=da).status_code == 409
