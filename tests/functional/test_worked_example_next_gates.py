"""The worked example can be taken on through the pages: every improvement beyond an idea offers its next
step on its gate page, and for each stage it holds, one improvement is taken to its next gate by the
person who may do it, posting the form the page offers; where the rules rightly refuse (an open condition,
a draft case, benefits not yet closed), the page says in plain words what is missing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth.devtools.demo_data import demo_email
from changeauth.domain.lifecycle import Stage
from changeauth.models import Improvement, User
from tests.helpers import form_values, page

AS_OF = date(2026, 11, 29)
pytestmark = pytest.mark.worked_example(as_of=AS_OF)


def _person(db_session: Any, key: str) -> User:
    return db_session.scalar(select(User).where(User.email == demo_email(key)))


def _improvement(db_session: Any, ref: str) -> Improvement:
    db_session.expire_all()
    return db_session.scalar(select(Improvement).where(Improvement.ref == ref))


def _post_the_pages_form(client: FlaskClient, url: str, form_url: str, **answers: Any) -> Any:
    """Open the page, take the form whose action is ``form_url`` as the page drew it, answer it, send it."""
    shown = client.get(url)
    assert shown.status_code == 200, url
    values = form_values(shown, f'main form[action="{form_url}"]')
    return client.post(form_url, data={**values, **answers})


def _errors(response: Any) -> str:
    summary = page(response).select_one(".error-summary")
    return summary.get_text(" ", strip=True) if summary else ""


def test_an_idea_is_triaged_into_the_business_case_stage(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    idea = _improvement(db_session, "IMP-2021-0008")
    assert idea.stage is Stage.IDEA
    login_as(_person(db_session, "design_authority_2"))
    url = f"/triage/{idea.id}"
    response = _post_the_pages_form(
        client,
        url,
        url,
        decision="go",
        rationale="The report recommends it; a business case will show what it costs and saves.",
        owner_id=str(_person(db_session, "manager").id),
    )
    assert response.status_code == 302, _errors(response)
    assert _improvement(db_session, "IMP-2021-0008").stage is Stage.BUSINESS_CASE


def _decide_gate(client: FlaskClient, db_session: Any, work: Improvement, decision: str) -> Any:
    """Independent design authority member Devi records the gate decision with the other two attending."""
    url = f"/improvements/{work.id}/gate"
    return _post_the_pages_form(
        client,
        url,
        url,
        decision=decision,
        rationale="The design authority has reviewed the evidence on the gate page and agrees.",
        attendee_ids=[
            str(_person(db_session, "design_authority_3").id),
            str(_person(db_session, "design_authority_4").id),
        ],
    )


@pytest.mark.parametrize("ref", ["IMP-2021-0006", "IMP-2021-0020"])
def test_work_in_delivery_goes_live_at_its_gate(
    client: FlaskClient, login_as: Any, db_session: Any, ref: str
) -> None:
    # IMP-2021-0006 is on the standard route, IMP-2021-0020 a quick win.
    work = _improvement(db_session, ref)
    assert work.stage is Stage.DELIVERY
    login_as(_person(db_session, "design_authority_2"))
    response = _decide_gate(client, db_session, work, "go")
    assert response.status_code == 302, _errors(response)
    assert _improvement(db_session, ref).stage is Stage.REALISATION


def test_a_business_case_is_refused_in_plain_words_until_its_benefit_is_profiled_then_approved(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    work = _improvement(db_session, "IMP-2021-0003")
    assert work.stage is Stage.BUSINESS_CASE
    login_as(_person(db_session, "design_authority_2"))
    response = _decide_gate(client, db_session, work, "go")
    assert response.status_code == 422
    said = _errors(response)
    assert "At least one benefit needs an owner, a baseline, a target and a measurement frequency" in said
    assert "send it back, put it on hold or stop it" in said
    assert _improvement(db_session, "IMP-2021-0003").stage is Stage.BUSINESS_CASE
    # Its owner profiles the benefit on the improvement's benefit form; then the case can be approved.
    login_as(_person(db_session, "manager"))
    url = f"/improvements/{work.id}/benefits/new"
    form = page(client.get(url))
    driver = next(o["value"] for o in form.select("select[name=driver] option") if o.get("value"))
    unit = form.select("input[name=unit]")[0]["value"]
    added = _post_the_pages_form(
        client,
        url,
        url,
        title="Service plans that trace to the Corporate Plan",
        driver=driver,
        unit=unit,
        baseline_value="0",
        baseline_date="2026-04-01",
        baseline_quality="estimated",
        target_value="100",
        target_date="2027-03-31",
    )
    assert added.status_code == 302, _errors(added)
    login_as(_person(db_session, "design_authority_2"))
    approved = _decide_gate(client, db_session, _improvement(db_session, "IMP-2021-0003"), "go")
    assert approved.status_code == 302, _errors(approved)
    assert _improvement(db_session, "IMP-2021-0003").stage is Stage.APPROVED


def test_approved_work_is_started_by_its_owner(client: FlaskClient, login_as: Any, db_session: Any) -> None:
    work = _improvement(db_session, "IMP-2021-0002")
    assert work.stage is Stage.APPROVED
    login_as(_person(db_session, "manager"))
    response = _post_the_pages_form(
        client, f"/improvements/{work.id}/gate", f"/improvements/{work.id}/start_delivery"
    )
    assert response.status_code == 302
    assert _improvement(db_session, "IMP-2021-0002").stage is Stage.DELIVERY


def test_held_work_is_resumed_by_an_independent_member(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    work = _improvement(db_session, "IMP-2021-0004")
    assert work.stage is Stage.ON_HOLD
    login_as(_person(db_session, "design_authority_3"))
    response = _post_the_pages_form(
        client, f"/improvements/{work.id}/gate", f"/improvements/{work.id}/resume"
    )
    assert response.status_code == 302
    assert _improvement(db_session, "IMP-2021-0004").stage is Stage.BUSINESS_CASE


def test_the_benefits_review_asks_for_closed_benefits_then_closes_the_work(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    from changeauth.models import Benefit

    work = _improvement(db_session, "IMP-2021-0001")
    assert work.stage is Stage.REALISATION
    login_as(_person(db_session, "design_authority_2"))
    refused = _decide_gate(client, db_session, work, "go")
    assert refused.status_code == 422
    assert "2 benefits have no closing status (realised, partially or not realised)" in _errors(refused)
    assert "2 benefits have no benefits review decision" in _errors(refused)
    # The benefits review closes each benefit, saying how far it was realised and why it fell short.
    for benefit in db_session.scalars(select(Benefit).where(Benefit.improvement_id == work.id)).all():
        url = f"/benefits/{benefit.id}/review-decision"
        closed = _post_the_pages_form(
            client,
            url,
            url,
            decision="close",
            closing_status="partially_realised",
            causes="Channel shift stalled when the contact centre reopened after the pandemic.",
        )
        assert closed.status_code == 302, _errors(closed)
    login_as(_person(db_session, "design_authority_2"))
    response = _decide_gate(client, db_session, _improvement(db_session, "IMP-2021-0001"), "go")
    assert response.status_code == 302, _errors(response)
    assert _improvement(db_session, "IMP-2021-0001").stage is Stage.CLOSED


@pytest.mark.parametrize("ref", ["IMP-2021-0007", "IMP-2021-0005"])
def test_closed_and_declined_work_has_no_gate_left(
    client: FlaskClient, login_as: Any, db_session: Any, ref: str
) -> None:
    work = _improvement(db_session, ref)
    assert work.stage in (Stage.CLOSED, Stage.DECLINED)
    login_as(_person(db_session, "design_authority_2"))
    shown = page(client.get(f"/improvements/{work.id}/gate"))
    assert shown.select_one("h1").get_text(strip=True) == "No gate is due"
    assert shown.select_one(f'main form[action="/improvements/{work.id}/gate"]') is None


def test_the_benefits_review_waits_for_an_open_condition_its_owner_then_closes(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    from changeauth.models import Benefit, Condition

    # IMP-2021-0009 went live with conditions; one is still open, so its benefits review cannot pass yet.
    work = _improvement(db_session, "IMP-2021-0009")
    assert work.stage is Stage.REALISATION
    login_as(_person(db_session, "design_authority_2"))
    refused = _decide_gate(client, db_session, work, "go")
    assert refused.status_code == 422
    assert "Conditions from an earlier gate are closed (1 still open)" in _errors(refused)
    # Its owner opens the condition from the gate page and closes it as met.
    login_as(_person(db_session, "manager"))
    gate_page = page(client.get(f"/improvements/{work.id}/gate"))
    close_links = [a["href"] for a in gate_page.select('a[href^="/conditions/"]')]
    assert len(close_links) == 1
    # The close form posts back to its own page.
    values = form_values(client.get(close_links[0]), 'main form[method="post"]')
    closed = client.post(
        close_links[0],
        data={
            **values,
            "note": "The reform programme confirmed the records move with the service to a successor.",
        },
    )
    assert closed.status_code == 302, _errors(closed)
    assert not db_session.scalars(
        select(Condition).where(Condition.improvement_id == work.id, Condition.status == "open")
    ).all()
    # The benefits review records a decision on each benefit; then the gate closes the work.
    login_as(_person(db_session, "design_authority_2"))
    for benefit in db_session.scalars(select(Benefit).where(Benefit.improvement_id == work.id)).all():
        url = f"/benefits/{benefit.id}/review-decision"
        answered = _post_the_pages_form(
            client,
            url,
            url,
            decision="close",
            closing_status=benefit.closing_status.value if benefit.closing_status else "realised",
            causes="Measured against the plan at the benefits review.",
        )
        assert answered.status_code == 302, _errors(answered)
    response = _decide_gate(client, db_session, _improvement(db_session, "IMP-2021-0009"), "go")
    assert response.status_code == 302, _errors(response)
    assert _improvement(db_session, "IMP-2021-0009").stage is Stage.CLOSED


def test_a_draft_case_is_refused_in_plain_words_until_its_owner_submits_it(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    from changeauth.models import BusinessCase

    work = _improvement(db_session, "IMP-2021-0014")
    assert work.stage is Stage.BUSINESS_CASE
    login_as(_person(db_session, "design_authority_2"))
    refused = _decide_gate(client, db_session, work, "go")
    assert refused.status_code == 422
    assert "business case" in _errors(refused).lower()
    # Its owner submits the draft from the case's task list.
    case = db_session.scalar(select(BusinessCase).where(BusinessCase.improvement_id == work.id))
    login_as(_person(db_session, "manager"))
    submitted = _post_the_pages_form(
        client,
        f"/improvements/{work.id}/business-case/tasks",
        f"/business-cases/{case.id}/submit",
    )
    assert submitted.status_code == 302, _errors(submitted)
    db_session.expire_all()
    assert db_session.get(BusinessCase, case.id).status.value == "submitted"


def test_every_improvement_beyond_an_idea_offers_its_next_step_on_its_gate_page(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    from changeauth.domain.lifecycle import ENDED_STAGES

    # Who takes each stage on, and the form the gate page offers them.
    next_step = {
        Stage.BUSINESS_CASE: ("design_authority_2", "/gate"),
        Stage.DELIVERY: ("design_authority_2", "/gate"),
        Stage.REALISATION: ("design_authority_2", "/gate"),
        Stage.APPROVED: ("manager", "/start_delivery"),
        Stage.ON_HOLD: ("design_authority_3", "/resume"),
    }
    work = db_session.scalars(
        select(Improvement).where(Improvement.ref.like("IMP-2021-%"), Improvement.stage != Stage.IDEA)
    ).all()
    missing = []
    for improvement in work:
        if improvement.stage in ENDED_STAGES:
            continue
        who, action = next_step[improvement.stage]
        login_as(_person(db_session, who))
        shown = page(client.get(f"/improvements/{improvement.id}/gate"))
        if shown.select_one(f'main form[action="/improvements/{improvement.id}{action}"]') is None:
            missing.append(f"{improvement.ref} ({improvement.stage.value}): no {action} form for {who}")
    assert len(work) >= 10 and not missing, "\n".join(missing)
