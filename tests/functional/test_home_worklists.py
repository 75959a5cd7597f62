"""Each role's Home page is their worklist: counts and links, from the same rules as the pages they lead
to (the triage queue, the scoring queue, the gate criteria, the benefits due, finance's validation)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth import db
from changeauth.domain.benefits import AdjustmentCategory
from changeauth.models import BenefitAdjustment, Improvement
from tests.factories import (
    BenefitFactory,
    BenefitMeasurementFactory,
    ImprovementFactory,
    SupportFactory,
    TemporaryResourceFactory,
    UserFactory,
)
from tests.helpers import page

IDEA = {
    "title": "Text reminders for bin collections",
    "problem": "Residents miss collections and phone us.",
    "proposal": "Send a text the evening before.",
    "benefit_drivers": ["channel_shift"],
    "team": "",
}


def _section(response: Any, section_id: str) -> str:
    soup = page(response)
    found = soup.find(id=section_id)
    assert found is not None, f"Home has no {section_id} section"
    return " ".join(found.get_text(" ").split())


def test_after_submitting_staff_see_the_reference_and_what_happens_next(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    login_as(UserFactory())
    response = client.post("/improvements/new", data=IDEA)
    assert response.status_code == 302
    idea = db_session.scalar(select(Improvement).where(Improvement.title == IDEA["title"]))
    assert response.headers["Location"].endswith(f"/improvements/{idea.id}/submitted")
    text = page(client.get(response.headers["Location"])).get_text(" ")
    assert idea.ref in text
    assert "within 10 working days" in text
    assert "notification every time a decision is made" in text


def test_only_the_submitter_sees_the_confirmation(client: FlaskClient, login_as: Any) -> None:
    idea = ImprovementFactory()
    login_as(UserFactory())
    assert client.get(f"/improvements/{idea.id}/submitted").status_code == 404


def test_staff_home_shows_their_ideas_in_words_and_quotes_the_question(
    client: FlaskClient, login_as: Any
) -> None:
    staff, da = UserFactory(), UserFactory(design_authority=True)
    waiting = ImprovementFactory(submitter=staff, title="Waiting idea")
    asked = ImprovementFactory(submitter=staff, title="Idea with a question")
    supported = ImprovementFactory(title="Someone else's idea")
    SupportFactory(improvement_id=supported.id, user_id=staff.id)

    login_as(da)
    response = client.post(
        f"/triage/{asked.id}",
        data={"decision": "recycle", "rationale": "How many calls a week is this?", "version": asked.version},
    )
    assert response.status_code == 302

    login_as(staff)
    text = _section(client.get("/"), "staff-work")
    assert "Your ideas (2)" in text
    assert "Waiting idea Waiting for the design authority to look at it" in text
    assert "Needs your reply" in text
    assert "How many calls a week is this?" in text
    assert "Ideas you support (1)" in text and "Someone else's idea" in text
    assert waiting.ref in text


def test_design_authority_home_lists_triage_oldest_first_scoring_gates_and_next_meeting(
    client: FlaskClient, login_as: Any
) -> None:
    da = UserFactory(design_authority=True)
    now = datetime.now(UTC)
    newer = ImprovementFactory(title="Newer idea", created_at=now - timedelta(days=1))
    older = ImprovementFactory(title="Older idea", created_at=now - timedelta(days=20))
    at_gate = ImprovementFactory(business_case=True, title="Waiting at the investment decision")

    login_as(da)
    response = client.get("/")
    text = _section(response, "design-authority-work")
    assert "Ideas waiting for triage (2)" in text
    assert text.index(older.title) < text.index(newer.title)
    assert "working days" in text
    # The scoring queue counts the improvement at G1 (scoreable, not yet scored by this member).
    assert "Improvements waiting for your score (1)" in text
    assert at_gate.title in text
    # What is missing comes from the G1 criteria: no business case yet.
    assert "A business case has been submitted." in text
    assert "No meeting is arranged" in text

    client.post(
        "/meetings/new",
        data={
            "title": "December design authority",
            "meets_on": (date.today() + timedelta(days=7)).isoformat(),
            "starts_at": "10:00",
            "duration_minutes": "60",
            "member_ids": [str(da.id)],
        },
    )
    assert "Next meeting December design authority" in _section(client.get("/"), "design-authority-work")


def test_owner_home_gives_each_improvement_its_next_step(client: FlaskClient, login_as: Any) -> None:
    owner = UserFactory(manager=True)
    writing = ImprovementFactory(business_case=True, owner=owner, title="Case to write")
    approved = ImprovementFactory(approved=True, owner=owner, title="Approved work")
    resource = TemporaryResourceFactory(improvement=approved, owner=owner)

    login_as(owner)
    text = _section(client.get("/"), "owner-work")
    assert "Improvements you own (2)" in text
    assert f"{writing.title} Business case Write and submit the business case" in text
    assert f"{approved.title} Approved Start delivery" in text
    assert f"End {resource.role_title}" in text


def test_finance_home_lists_validation_adjustments_and_overruns(client: FlaskClient, login_as: Any) -> None:
    finance = UserFactory(finance=True)
    benefit = BenefitFactory(cashable=True, title="Postage saved")
    BenefitMeasurementFactory(benefit=benefit)
    own = BenefitFactory(cashable=True, owner=finance, title="Finance's own saving")
    BenefitMeasurementFactory(benefit=own)
    overrun = TemporaryResourceFactory(
        role_title="Agency caseworker",
        end_date=date.today() - timedelta(days=10),
        start_date=date(2025, 1, 1),
    )

    db.session.add(
        BenefitAdjustment(
            benefit_id=benefit.id,
            category=next(iter(AdjustmentCategory)).value,
            amount_pence=-50_000,
            rationale="Postage prices rose.",
            status="proposed",
        )
    )
    db.session.commit()
    login_as(finance)
    text = _section(client.get("/"), "finance-work")
    assert "Benefits waiting for your validation (1)" in text
    assert "Postage saved" in text
    # Never one they own: the validation service refuses that, so Home does not offer it.
    assert "Finance's own saving" not in text
    assert "Adjustments to confirm (1)" in text
    assert "£500 proposed" in text.replace("-", "").replace("−", "")
    assert "Temporary resources running past their end date (1)" in text
    assert overrun.role_title in text


def test_viewer_home_shows_headline_figures_and_latest_decisions_with_reasons(
    client: FlaskClient, login_as: Any
) -> None:
    da, viewer = UserFactory(design_authority=True), UserFactory(viewer=True)
    idea = ImprovementFactory(title="Declined idea")
    login_as(da)
    client.post(
        f"/triage/{idea.id}",
        data={"decision": "stop", "rationale": "The contract already covers this.", "version": idea.version},
    )
    login_as(viewer)
    text = _section(client.get("/"), "viewer-overview")
    assert "Improvements recorded" in text
    assert "Benefit realised" in text
    assert "Declined idea" in text and "The contract already covers this." in text
    assert "staff-work" not in client.get("/").get_data(as_text=True)


def test_finance_home_names_each_adjustment_and_leads_to_its_own_row(
    client: FlaskClient, login_as: Any
) -> None:
    """Several adjustments on one benefit are told apart by their category, each links to its own row on
    the benefit's page, and one the report left unquantified says it has no amount yet rather than £0."""
    finance = UserFactory(finance=True)
    benefit = BenefitFactory(cashable=True, title="Staff cost savings")
    funding = BenefitAdjustment(
        benefit_id=benefit.id,
        category=AdjustmentCategory.EXTERNAL_FUNDING.value,
        amount_pence=9_576_100,
        rationale="Grant netted off the baseline only.",
        status="proposed",
    )
    growth = BenefitAdjustment(
        benefit_id=benefit.id,
        category=AdjustmentCategory.GROWTH_POSITION.value,
        amount_pence=0,
        rationale="New duties taken on; no amount given.",
        status="proposed",
    )
    db.session.add_all([funding, growth])
    db.session.commit()
    login_as(finance)
    home = page(client.get("/"))
    section = home.find(id="finance-work")
    assert section is not None
    text = " ".join(section.get_text(" ").split())
    on = f"on Staff cost savings ({benefit.improvement.ref}):"
    assert f"External funding {on} £95,761 proposed" in text
    assert f"Growth position (new duties or demand taken on) {on} proposed with no amount yet" in text
    assert "£0" not in text
    links = {a.get_text(" ", strip=True): a["href"] for a in section.find_all("a")}
    assert links["External funding"] == f"/benefits/{benefit.id}#adjustment-{funding.id}"
    detail = page(client.get(f"/benefits/{benefit.id}"))
    row = detail.find(id=f"adjustment-{growth.id}")
    assert row is not None and "Growth position" in row.get_text(" ")


def test_owner_home_calls_a_measurement_overdue_only_when_its_benefit_page_does(
    client: FlaskClient, login_as: Any
) -> None:
    """Home's measurements to record use the benefit pages' rule (overdue once the grace period has run
    out), so Home never says "Overdue" of a benefit its own page calls up to date."""
    owner = UserFactory(manager=True)
    improvement = ImprovementFactory(delivery=True, owner=owner)
    today = date.today()
    in_grace = BenefitFactory(
        improvement=improvement,
        owner=owner,
        title="Calls answered",
        next_due_on=today - timedelta(days=3),
        escalate_after_on=today + timedelta(days=60),
    )
    late = BenefitFactory(
        improvement=improvement,
        owner=owner,
        title="Letters sent",
        next_due_on=today - timedelta(days=30),
        escalate_after_on=today + timedelta(days=60),
    )
    db.session.commit()
    login_as(owner)
    items = {
        li.find("a").get_text(" ", strip=True): " ".join(li.get_text(" ").split())
        for li in page(client.get("/")).select("#owner-work li")
        if li.find("a") and "Record the measurement" in li.get_text()
    }
    calls = items[f"Record the measurement of {in_grace.title}"]
    letters = items[f"Record the measurement of {late.title}"]
    assert "Overdue" not in calls and "due now" in calls
    assert "Up to date" in page(client.get(f"/benefits/{in_grace.id}")).get_text()
    assert "Overdue" in letters


def test_admin_home_lists_work_whose_owner_or_sponsor_left_and_failed_scheduled_jobs(
    client: FlaskClient, login_as: Any
) -> None:
    from changeauth.models import JobRun
    from changeauth.models.job_run import JobRunStatus

    left, stayed = UserFactory(manager=True, is_active=False), UserFactory(manager=True)
    orphaned = ImprovementFactory(delivery=True, owner=left, sponsor=stayed, title="Orphaned work")
    ImprovementFactory(delivery=True, owner=stayed, sponsor=stayed, title="Looked-after work")
    ImprovementFactory(closed=True, owner=left, title="Finished work")
    now = datetime.now(UTC)
    db.session.add_all(
        [
            JobRun(
                job="stale-benefits",
                period_key="a",
                status=JobRunStatus.FAILED,
                started_at=now,
                error="SMTP down",
            ),
            JobRun(job="hold-reviews", period_key="b", status=JobRunStatus.SUCCEEDED, started_at=now),
            JobRun(
                job="triage-sla",
                period_key="c",
                status=JobRunStatus.FAILED,
                started_at=now - timedelta(days=45),
            ),
        ]
    )
    db.session.flush()
    login_as(UserFactory(admin=True))
    home = client.get("/")
    text = _section(home, "admin-worklist")
    assert "Work whose owner or sponsor has left (1)" in text
    assert f"Choose a new owner for {orphaned.ref} for {orphaned.ref}: Orphaned work" in text
    assert "Looked-after work" not in text and "Finished work" not in text
    link = page(home).find("a", href=f"/improvements/{orphaned.id}/owner")
    assert link is not None
    assert "Scheduled jobs that failed in the last 30 days (1)" in text
    assert "Overdue benefit measurements failed on" in text and "SMTP down" in text
    assert "stale-benefits" not in text and "Ideas waiting too long" not in text
    # The link leads somewhere the administrator may go.
    assert client.get(link["href"]).status_code == 200
    # Nobody else gets the administrator's list.
    login_as(UserFactory(design_authority=True))
    assert page(client.get("/")).find(id="admin-worklist") is None


def test_design_authority_home_lists_as_ready_only_work_the_member_is_independent_of(
    client: FlaskClient, login_as: Any
) -> None:
    """Separation of duties holds on Home: what the member sponsors, submitted, owns or declared a
    conflict on waits for another member, with the reason in plain words, and the gate page says it."""
    from tests.factories import ConflictDeclarationFactory

    da = UserFactory(design_authority=True)
    theirs = ImprovementFactory(business_case=True, title="Sponsored by the member", sponsor=da)
    conflicted = ImprovementFactory(business_case=True, title="Member declared a conflict")
    ConflictDeclarationFactory(improvement=conflicted, user_id=da.id)
    free = ImprovementFactory(business_case=True, title="Nothing to do with the member")
    own_idea = ImprovementFactory(title="The member's own idea", submitter=da)

    login_as(da)
    response = client.get("/")
    soup = page(response)
    ready = " ".join(soup.find("table", attrs={"aria-labelledby": "gates-heading"}).get_text(" ").split())
    assert free.title in ready
    assert theirs.title not in ready and conflicted.title not in ready
    text = _section(response, "design-authority-work")
    assert "Improvements at a gate (1)" in text
    assert "At a gate, waiting for another member (2)" in text
    others = " ".join(
        soup.find("table", attrs={"aria-labelledby": "gates-others-heading"}).get_text(" ").split()
    )
    assert f"{theirs.title}" in others and "Waiting for another member: you sponsor it" in others
    assert "Waiting for another member: you declared a conflict" in others
    # The triage queue on Home says the same of the member's own idea, and does not lead to triaging it.
    assert "Waiting for another member: you submitted it" in text
    assert f'/triage/{own_idea.id}"' not in response.get_data(as_text=True)

    gate_page = " ".join(page(client.get(f"/improvements/{theirs.id}/gate")).get_text(" ").split())
    assert "Waiting for another member: you sponsor it" in gate_page


def test_a_viewers_home_says_what_it_is_for_not_what_needs_them(client: FlaskClient, login_as: Any) -> None:
    login_as(UserFactory(viewer=True))
    said = page(client.get("/")).select_one("#home-purpose").get_text(" ", strip=True)
    assert "What needs you" not in said
    assert said.startswith("What the programme has decided and delivered")
    login_as(UserFactory(design_authority=True))
    assert "What needs you" in page(client.get("/")).select_one("#home-purpose").get_text(" ", strip=True)


def test_design_authority_home_shows_the_longest_waiting_at_a_gate_and_says_how_many_wait(
    client: FlaskClient, login_as: Any, monkeypatch: Any
) -> None:
    """Home lists ten of each kind, oldest first, and says how many there are; where more wait than Home
    reads (a large council), it says how many wait in all rather than a count it has not made."""
    from changeauth.web.main import worklists

    da = UserFactory(design_authority=True)
    sponsored = [
        ImprovementFactory(business_case=True, title=f"Sponsored work {n}", sponsor=da) for n in range(11)
    ]
    free = [ImprovementFactory(business_case=True, title=f"Independent work {n:02}") for n in range(12)]
    base = datetime(2026, 1, 5, 9, tzinfo=UTC)
    for n, improvement in enumerate([*free, *sponsored]):
        improvement.stage_changed_at = base + timedelta(days=n)
    db.session.flush()

    login_as(da)
    text = _section(client.get("/"), "design-authority-work")
    assert "Improvements at a gate (12)" in text
    assert "These are the 10 that have waited longest of the 12 you may decide" in text
    assert "Independent work 09" in text and "Independent work 10" not in text
    assert "At a gate, waiting for another member (11)" in text
    assert "Sponsored work 9" in text and "Sponsored work 10" not in text

    # Home reads a stretch of 5 at a time and no more than 15: it has not seen all 23.
    monkeypatch.setattr(worklists, "GATE_STRETCH", 5)
    monkeypatch.setattr(worklists, "GATE_SCAN_LIMIT", 15)
    text = _section(client.get("/"), "design-authority-work")
    assert "Improvements at a gate (10)" in text
    assert "These are the 10 you may decide that have waited longest. 23 improvements are waiting" in text
    assert "At a gate, waiting for another member (3)" in text
