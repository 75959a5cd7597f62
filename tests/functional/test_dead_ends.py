"""Dead ends 3 and 4 of the pages: forms offer only what the person may do, refusals stay on the form with
what was typed, owner lists hold only people who can act, and data can be corrected (owner and sponsor,
an idea's title, team and drivers, a person's name, roles and team)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth import db
from changeauth.models import AuditEvent, Condition, GateDecision, Improvement, Team, User
from tests.factories import ImprovementFactory, UserFactory
from tests.helpers import field_errors, form_values, page


def _condition(owner: User) -> Condition:
    improvement = ImprovementFactory(delivery=True, owner=owner)
    decider = UserFactory(design_authority=True)
    decision = GateDecision(
        improvement_id=improvement.id,
        gate="G1",
        decision="go_with_conditions",
        rationale="Go, on conditions.",
        decided_by_id=decider.id,
        from_stage="business_case",
        to_stage="approved",
    )
    db.session.add(decision)
    db.session.flush()
    condition = Condition(
        decision_id=decision.id,
        improvement_id=improvement.id,
        text="Publish the privacy notice.",
        owner_id=owner.id,
        due_date=date.today() + timedelta(days=30),
    )
    db.session.add(condition)
    db.session.commit()
    return condition


# --- 3. Forms offer only what the person may do ------------------------------------------------------------


def test_the_owner_of_a_condition_is_offered_met_only(client: FlaskClient, login_as: Any) -> None:
    owner = UserFactory(manager=True)
    condition = _condition(owner)
    login_as(owner)
    html = page(client.get(f"/conditions/{condition.id}/close"))
    assert html.select("input[name=status][value=waived]") == []
    assert "You close it as met" in html.get_text()


def test_a_forged_waiver_is_refused_on_the_form_with_the_note_kept(
    client: FlaskClient, login_as: Any
) -> None:
    owner = UserFactory(manager=True)
    condition = _condition(owner)
    login_as(owner)
    form = form_values(client.get(f"/conditions/{condition.id}/close"))
    form.update(status="waived", note="We decided it is not needed.")
    response = client.post(f"/conditions/{condition.id}/close", data=form)
    assert response.status_code == 422
    html = page(response)
    assert html.select_one("textarea[name=note]").get_text().strip() == "We decided it is not needed."
    assert field_errors(response)
    assert db.session.get(Condition, condition.id).status == "open"


def test_an_independent_member_is_offered_both_and_a_stranger_no_form(
    client: FlaskClient, login_as: Any
) -> None:
    condition = _condition(UserFactory(manager=True))
    login_as(UserFactory(design_authority=True))
    values = [
        i["value"] for i in page(client.get(f"/conditions/{condition.id}/close")).select("input[name=status]")
    ]
    assert values == ["met", "waived"]
    login_as(UserFactory())
    html = page(client.get(f"/conditions/{condition.id}/close"))
    assert html.select("main form[method=post]") == []
    assert client.post(
        f"/conditions/{condition.id}/close", data={"status": "met", "note": "x"}
    ).status_code in (
        400,
        403,
    )


def test_a_closed_quick_win_offers_no_conflict_or_withdrawal(client: FlaskClient, login_as: Any) -> None:
    submitter = UserFactory()
    closed = ImprovementFactory(closed=True, route="quick_win", submitter=submitter)
    for person in (submitter, UserFactory(design_authority=True)):
        login_as(person)
        text = page(client.get(f"/improvements/{closed.id}")).get_text()
        assert "Declare a conflict of interest" not in text and "Withdraw" not in text


def test_the_benefits_review_shows_no_condition_fields(client: FlaskClient, login_as: Any) -> None:
    at_g3 = ImprovementFactory(realisation=True)
    at_g1 = ImprovementFactory(business_case=True)
    login_as(UserFactory(design_authority=True))
    g3 = page(client.get(f"/improvements/{at_g3.id}/gate"))
    assert g3.select("input[name^='conditions-']") == [] and g3.find(id="conditions") is None
    g1 = page(client.get(f"/improvements/{at_g1.id}/gate"))
    assert g1.select("input[name='conditions-0-text']") and g1.find(id="conditions") is not None


# --- 4. Owner lists and corrections ------------------------------------------------------------------------


def test_owner_lists_leave_out_people_who_only_read(client: FlaskClient, login_as: Any) -> None:
    viewer = UserFactory(viewer=True, name="Val Readonly")
    worker = UserFactory(manager=True, name="Wyn Worker")
    idea = ImprovementFactory()
    login_as(UserFactory(design_authority=True))
    options = [
        o.get_text() for o in page(client.get(f"/triage/{idea.id}")).select("select[name=owner_id] option")
    ]
    assert "Wyn Worker" in options and "Val Readonly" not in options
    response = client.post(
        f"/triage/{idea.id}",
        data={
            "decision": "go",
            "rationale": "Worth a case.",
            "owner_id": str(viewer.id),
            "version": idea.version,
        },
    )
    assert response.status_code == 422
    assert db.session.get(Improvement, idea.id).owner_id is None
    assert worker.id  # the worker stays choosable


def test_an_independent_member_reassigns_the_owner_and_sponsor_audited(
    client: FlaskClient, login_as: Any
) -> None:
    old, new, sponsor = (
        UserFactory(manager=True),
        UserFactory(manager=True),
        UserFactory(design_authority=True),
    )
    improvement = ImprovementFactory(business_case=True, owner=old)
    da = login_as(UserFactory(design_authority=True))
    detail = page(client.get(f"/improvements/{improvement.id}"))
    assert detail.find("a", href=f"/improvements/{improvement.id}/owner") is not None
    form = form_values(client.get(f"/improvements/{improvement.id}/owner"))
    form.update(owner_id=str(new.id), sponsor_id=str(sponsor.id))
    assert client.post(f"/improvements/{improvement.id}/owner", data=form).status_code == 302
    db.session.expire_all()
    changed = db.session.get(Improvement, improvement.id)
    assert (changed.owner_id, changed.sponsor_id) == (new.id, sponsor.id)
    assert db.session.scalar(
        select(AuditEvent.id).where(
            AuditEvent.subject_type == "improvement",
            AuditEvent.subject_id == improvement.id,
            AuditEvent.actor_id == da.id,
        )
    )


def test_the_owner_cannot_reassign_their_own_improvement(client: FlaskClient, login_as: Any) -> None:
    owner = UserFactory(manager=True, role_list=("staff", "manager", "design_authority"))
    improvement = ImprovementFactory(business_case=True, owner=owner)
    login_as(owner)
    assert client.get(f"/improvements/{improvement.id}/owner").status_code == 403
    assert (
        page(client.get(f"/improvements/{improvement.id}")).find(
            "a", href=f"/improvements/{improvement.id}/owner"
        )
        is None
    )


def test_the_submitter_edits_the_title_and_drivers_of_their_idea(client: FlaskClient, login_as: Any) -> None:
    submitter = UserFactory()
    idea = ImprovementFactory(submitter=submitter, title="Bin reminders by txt")
    login_as(submitter)
    form = form_values(client.get(f"/improvements/{idea.id}/edit"))
    assert "team" not in form  # the team is the design authority's to set
    form.update(
        title="Bin reminders by text message", benefit_drivers=["channel_shift", "technology_process"]
    )
    response = client.post(f"/improvements/{idea.id}/edit", data=form)
    assert response.status_code == 302, field_errors(response)
    db.session.expire_all()
    assert db.session.get(Improvement, idea.id).title == "Bin reminders by text message"


def test_the_design_authority_corrects_the_team_and_others_may_not_edit(
    client: FlaskClient, login_as: Any
) -> None:
    idea = ImprovementFactory()
    team = db.session.scalar(select(Team).order_by(Team.id))
    login_as(UserFactory(design_authority=True))
    form = form_values(client.get(f"/improvements/{idea.id}/edit"))
    assert "title" not in form
    form["team"] = team.code
    assert client.post(f"/improvements/{idea.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Improvement, idea.id).team_id == team.id
    login_as(UserFactory())
    assert client.get(f"/improvements/{idea.id}/edit").status_code == 403


def test_a_refused_edit_keeps_what_was_typed(client: FlaskClient, login_as: Any) -> None:
    submitter = UserFactory()
    idea = ImprovementFactory(submitter=submitter)
    login_as(submitter)
    form = form_values(client.get(f"/improvements/{idea.id}/edit"))
    form.update(title="A much better title for the idea", version=str(idea.version + 5))
    response = client.post(f"/improvements/{idea.id}/edit", data=form)
    assert response.status_code == 422
    assert page(response).select_one("input[name=title]")["value"] == "A much better title for the idea"


def test_an_admin_changes_a_persons_name_roles_and_team(client: FlaskClient, login_as: Any) -> None:
    person = UserFactory(name="Pat Persn")
    team = db.session.scalar(select(Team).order_by(Team.id))
    login_as(UserFactory(admin=True))
    assert page(client.get(f"/admin/users/{person.id}")).find("a", href=f"/admin/users/{person.id}/edit")
    form = form_values(client.get(f"/admin/users/{person.id}/edit"))
    form.update(name="Pat Person", roles=["staff", "manager"], team=team.code)
    assert client.post(f"/admin/users/{person.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    changed = db.session.get(User, person.id)
    assert (changed.name, changed.roles, changed.team_id) == (
        "Pat Person",
        frozenset({"staff", "manager"}),
        team.id,
    )
    assert db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "user.updated", AuditEvent.subject_id == person.id)
    )


def test_the_last_administrator_keeps_the_role(client: FlaskClient, login_as: Any) -> None:
    for other in db.session.scalars(select(User)):
        other.is_active = other.id < 0
    admin = UserFactory(admin=True)
    login_as(admin)
    form = form_values(client.get(f"/admin/users/{admin.id}/edit"))
    form["roles"] = ["staff"]
    response = client.post(f"/admin/users/{admin.id}/edit", data=form)
    assert response.status_code == 422
    assert "only active administrator" in " ".join(field_errors(response))
    assert page(response).select_one("input[name=name]")["value"] == admin.name
