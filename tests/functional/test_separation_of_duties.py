"""Separation of duties holds on every act that needs an independent member (docs/security.md, "Who
sees what"): an interested member cannot hand their role to someone else for a moment and then act.

For each act the sequence is the one an attacker would try: a design authority member who sponsors the
improvement tries to hand the sponsorship on (refused: reassigning is itself an act that needs
independence); an administrator then does it for them; they try the act (refused: having sponsored it
in the current stage still counts); and an independent member's identical request is not refused, so
the refusal is about who asks, not about the request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from changeauth.models import Condition, GateDecision, Improvement, ImprovementDependency
from changeauth.services import benefit_control
from changeauth.services import users as user_service
from tests.factories import BenefitFactory, BenefitMeasurementFactory, ImprovementFactory, UserFactory

SCORES = {
    "strategic_priority": 3,
    "customer_need": 3,
    "transaction_volume": 3,
    "complexity": 2,
    "reform_risk": 2,
    "within_remit": True,
}


def _headers(db_session: Any, user: Any) -> dict[str, str]:
    token, _ = user_service.issue_api_token(user, name="t", actor_id=user.id)
    db_session.commit()
    return {"Authorization": f"Bearer {token}"}


def _version(client: FlaskClient, headers: dict[str, str], improvement_id: int) -> int:
    return int(client.get(f"/api/v1/improvements/{improvement_id}", headers=headers).get_json()["version"])


@dataclass(frozen=True)
class Act:
    """One act that needs independence: how to arrange the improvement and how to ask for the act."""

    route: str  # as docs/api.md lists it
    arrange: Callable[[Any, Any], Improvement]
    request: Callable[[FlaskClient, dict[str, str], Improvement, Any], Any]
    role: str = "design_authority"  # who may do it when independent


def _condition(db_session: Any, work: Improvement) -> Condition:
    decision = GateDecision(
        improvement_id=work.id,
        gate="G1",
        decision="go_with_conditions",
        rationale="ok",
        decided_by_id=UserFactory(design_authority=True).id,
        decided_at=datetime(2026, 11, 1, tzinfo=UTC),
        from_stage="business_case",
        to_stage="approved",
    )
    condition = Condition(
        improvement_id=work.id, text="Train the team", owner_id=work.owner_id, due_date=date(2027, 1, 31)
    )
    condition.status = "open"
    decision.conditions = [condition]
    db_session.add(decision)
    db_session.commit()
    return condition


def _measured_cashable_benefit(db_session: Any, work: Improvement) -> Any:
    benefit = BenefitFactory(improvement=work, owner=work.owner, cashable=True)
    BenefitMeasurementFactory(benefit=benefit, recorded_by_id=work.owner_id)
    db_session.commit()
    return benefit


def _closed_benefit(db_session: Any, work: Improvement) -> Any:
    benefit = BenefitFactory(improvement=work, owner=work.owner, closing_status="realised")
    db_session.commit()
    return benefit


def _dependency(db_session: Any, work: Improvement) -> Any:
    dependency = ImprovementDependency(
        improvement_id=work.id,
        depends_on_id=ImprovementFactory(delivery=True).id,
        reason="It needs the other delivered first.",
        recorded_by_id=work.owner_id,
    )
    db_session.add(dependency)
    db_session.commit()
    return dependency


def _pending_change(db_session: Any, work: Improvement) -> Any:
    """A benefit of the improvement with a change to its target waiting, proposed by its owner."""
    benefit = BenefitFactory(improvement=work, owner=work.owner)
    db_session.commit()
    request = benefit_control.propose_plan_change(
        benefit.id,
        actor=work.owner,
        expected_version=benefit.version,
        reason="Later.",
        target_value=Decimal(700),
    )
    db_session.commit()
    return request


ACTS = [
    Act(
        "PATCH /improvements/{id}",  # re-ranking: a mandatory improvement ranks first
        lambda s, sponsor: ImprovementFactory(business_case=True, sponsor=sponsor),
        lambda c, h, work, _: c.patch(
            f"/api/v1/improvements/{work.id}",
            json={"is_mandatory": True, "version": _version(c, h, work.id)},
            headers=h,
        ),
    ),
    Act(
        "PUT /improvements/{id}/assessment",
        lambda s, sponsor: ImprovementFactory(business_case=True, sponsor=sponsor),
        lambda c, h, work, _: c.put(
            f"/api/v1/improvements/{work.id}/assessment", json={"scores": SCORES, "rationale": "r"}, headers=h
        ),
    ),
    Act(
        "POST /improvements/{id}/decisions",
        lambda s, sponsor: ImprovementFactory(sponsor=sponsor),
        lambda c, h, work, _: c.post(
            f"/api/v1/improvements/{work.id}/decisions",
            json={
                "gate": "G0",
                "decision": "stop",
                "rationale": "Not for us.",
                "version": _version(c, h, work.id),
            },
            headers=h,
        ),
    ),
    Act(
        "POST /improvements/{id}/transitions",  # resume from hold
        lambda s, sponsor: ImprovementFactory(on_hold=True, sponsor=sponsor),
        lambda c, h, work, _: c.post(
            f"/api/v1/improvements/{work.id}/transitions",
            json={"action": "resume", "version": _version(c, h, work.id)},
            headers=h,
        ),
    ),
    Act(
        "POST /conditions/{id}/close",  # waive
        lambda s, sponsor: ImprovementFactory(approved=True, sponsor=sponsor),
        lambda c, h, work, s: c.post(
            f"/api/v1/conditions/{_condition(s, work).id}/close",
            json={"status": "waived", "note": "Not needed after all."},
            headers=h,
        ),
    ),
    Act(
        "POST /benefits/{id}/reopen",
        lambda s, sponsor: ImprovementFactory(realisation=True, sponsor=sponsor),
        lambda c, h, work, s: c.post(
            f"/api/v1/benefits/{_closed_benefit(s, work).id}/reopen",
            json={"reason": "Closed too early.", "version": 1},
            headers=h,
        ),
    ),
    Act(
        "POST /dependencies/{id}/remove",  # lifts the block at go-live
        lambda s, sponsor: ImprovementFactory(delivery=True, sponsor=sponsor),
        lambda c, h, work, s: c.post(
            f"/api/v1/dependencies/{_dependency(s, work).id}/remove",
            json={"reason": "We will go live without it."},
            headers=h,
        ),
    ),
    Act(
        "POST /benefits/{id}/validate",
        lambda s, sponsor: ImprovementFactory(delivery=True, sponsor=sponsor),
        lambda c, h, work, s: c.post(
            f"/api/v1/benefits/{_measured_cashable_benefit(s, work).id}/validate", json={}, headers=h
        ),
        role="finance",
    ),
    Act(
        "POST /benefits/{id}/change-requests/{request_id}/decision",
        lambda s, sponsor: ImprovementFactory(delivery=True, sponsor=sponsor),
        lambda c, h, work, s: (
            lambda request: c.post(
                f"/api/v1/benefits/{request.benefit_id}/change-requests/{request.id}/decision",
                json={"decision": "approve", "version": request.version},
                headers=h,
            )
        )(_pending_change(s, work)),
    ),
]


@pytest.mark.parametrize("act", ACTS, ids=[a.route for a in ACTS])
def test_reassign_then_act_is_refused(client: FlaskClient, db_session: Any, act: Act) -> None:
    sponsor = UserFactory(**{act.role: True})
    work = act.arrange(db_session, sponsor)
    db_session.commit()
    mine = _headers(db_session, sponsor)
    stand_in = UserFactory(design_authority=True)

    handed_on = client.patch(
        f"/api/v1/improvements/{work.id}",
        json={"sponsor_id": stand_in.id, "version": _version(client, mine, work.id)},
        headers=mine,
    )
    assert handed_on.status_code == 403, "an interested member reassigned their own improvement"

    admin = _headers(db_session, UserFactory(admin=True))
    reassigned = client.patch(
        f"/api/v1/improvements/{work.id}",
        json={"sponsor_id": stand_in.id, "version": _version(client, admin, work.id)},
        headers=admin,
    )
    assert reassigned.status_code == 200, reassigned.get_json()

    refused = act.request(client, mine, work, db_session)
    assert refused.status_code == 403, (act.route, refused.get_json())
    assert refused.get_json()["error"]["code"] == "forbidden"

    independent = act.request(client, _headers(db_session, UserFactory(**{act.role: True})), work, db_session)
    assert independent.status_code != 403, (act.route, independent.get_json())


def test_an_independent_member_reassigns_and_it_is_audited(client: FlaskClient, db_session: Any) -> None:
    work = ImprovementFactory(business_case=True)
    db_session.commit()
    member = _headers(db_session, UserFactory(design_authority=True))
    new_owner = UserFactory(manager=True)
    moved = client.patch(
        f"/api/v1/improvements/{work.id}",
        json={"owner_id": new_owner.id, "version": _version(client, member, work.id)},
        headers=member,
    )
    assert moved.status_code == 200 and moved.get_json()["owner_id"] == new_owner.id
    admin = _headers(db_session, UserFactory(admin=True))
    events = client.get(
        "/api/v1/audit", query_string={"subject_type": "improvement", "subject_id": work.id}, headers=admin
    ).get_json()["items"]
    assert events[0]["action"] == "improvement.edited" and events[0]["after"]["owner_id"] == new_owner.id


def test_a_former_owner_stays_interested_only_for_the_current_stage(
    client: FlaskClient, db_session: Any
) -> None:
    """Handing the role on counts until the improvement moves on; after a decision a former holder is
    independent again (they did not hold it in the stage being decided)."""
    member = UserFactory(design_authority=True)
    work = ImprovementFactory(sponsor=member)
    db_session.commit()
    admin = _headers(db_session, UserFactory(admin=True))
    client.patch(
        f"/api/v1/improvements/{work.id}",
        json={"sponsor_id": None, "version": _version(client, admin, work.id)},
        headers=admin,
    )
    mine = _headers(db_session, member)
    refused = client.post(
        f"/api/v1/improvements/{work.id}/decisions",
        json={
            "gate": "G0",
            "decision": "stop",
            "rationale": "No.",
            "version": _version(client, mine, work.id),
        },
        headers=mine,
    )
    assert refused.status_code == 403
    owner = UserFactory(manager=True)
    other = _headers(db_session, UserFactory(design_authority=True))
    accepted = client.post(
        f"/api/v1/improvements/{work.id}/decisions",
        json={
            "gate": "G0",
            "decision": "go",
            "rationale": "Worth a case.",
            "owner_id": owner.id,
            "version": _version(client, other, work.id),
        },
        headers=other,
    )
    assert accepted.status_code == 201, accepted.get_json()
    scored = client.put(
        f"/api/v1/improvements/{work.id}/assessment", json={"scores": SCORES, "rationale": "r"}, headers=mine
    )
    assert scored.status_code in (200, 201), scored.get_json()


def test_every_act_the_api_reserves_for_independent_members_is_tried() -> None:
    """docs/api.md names who may call each route; every route it reserves for independent members is in
    ACTS, so a new one cannot be added without the reassign-then-act check."""
    text = (Path(__file__).parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    reserved = {
        match.group(1)
        for match in re.finditer(r"^\| `([A-Z]+ [^`]+)` \| ([^|]*) \|", text, re.MULTILINE)
        if "independent" in match.group(2)
    }
    assert reserved
    assert reserved <= {act.route for act in ACTS}


def test_the_sponsor_may_not_waive_a_condition_and_its_owner_closes_it_as_met(
    client: FlaskClient, db_session: Any
) -> None:
    sponsor = UserFactory(design_authority=True)
    work = ImprovementFactory(approved=True, sponsor=sponsor)
    db_session.commit()
    waive = {"status": "waived", "note": "Not needed."}
    first = _condition(db_session, work)
    refused = client.post(
        f"/api/v1/conditions/{first.id}/close", json=waive, headers=_headers(db_session, sponsor)
    )
    assert refused.status_code == 403
    owner = _headers(db_session, work.owner)
    assert client.post(f"/api/v1/conditions/{first.id}/close", json=waive, headers=owner).status_code == 403
    no_note = client.post(
        f"/api/v1/conditions/{first.id}/close", json={"status": "met", "note": ""}, headers=owner
    )
    assert no_note.status_code == 422
    met = client.post(
        f"/api/v1/conditions/{first.id}/close",
        json={"status": "met", "note": "Trained on 3 March."},
        headers=owner,
    )
    assert met.status_code == 200, met.get_json()
    second = _condition(db_session, work)
    independent = _headers(db_session, UserFactory(design_authority=True))
    waived = client.post(f"/api/v1/conditions/{second.id}/close", json=waive, headers=independent)
    assert waived.status_code == 200, waived.get_json()


def test_a_former_sponsor_is_not_offered_the_score_or_decision_forms(
    client: FlaskClient, db_session: Any, login_as: Any
) -> None:
    sponsor = UserFactory(design_authority=True)
    work = ImprovementFactory(business_case=True, sponsor=sponsor)
    db_session.commit()
    admin = _headers(db_session, UserFactory(admin=True))
    moved = client.patch(
        f"/api/v1/improvements/{work.id}",
        json={"sponsor_id": None, "version": _version(client, admin, work.id)},
        headers=admin,
    )
    assert moved.status_code == 200
    login_as(sponsor)
    score_page = client.get(f"/scoring/improvements/{work.id}/score").get_data(as_text=True)
    assert "Score this improvement" not in score_page
    assert client.get(f"/scoring/improvements/{work.id}").status_code in (403, 404)
    gate_page = client.get(f"/improvements/{work.id}/gate")
    assert gate_page.status_code == 200
    assert 'name="decision"' not in gate_page.get_data(as_text=True)

    login_as(UserFactory(design_authority=True))  # an independent member is offered both
    assert "Score this improvement" in client.get(f"/scoring/improvements/{work.id}/score").get_data(
        as_text=True
    )
    assert 'name="decision"' in client.get(f"/improvements/{work.id}/gate").get_data(as_text=True)
