"""What the accessibility scan covers, read from ``app.url_map`` so that a new page cannot escape it:
every page a person opens with GET, the ids that fill its URL (from the worked example in the live
server's database, plus the few objects the example lacks), the routes that are not pages (with the
reason), and the error state of every form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from changeauth import db
from changeauth.devtools.demo_data import demo_email
from changeauth.domain.gate_decisions import DecisionRequest
from changeauth.models import (
    Benefit,
    BenefitPlannedPoint,
    BenefitPost,
    BenefitStaffing,
    BusinessCase,
    Condition,
    Disbenefit,
    GateCriterion,
    GateDecision,
    Improvement,
    ImprovementDependency,
    Programme,
    TemporaryResource,
    User,
)
from changeauth.queries import scoring as scoring_queries
from changeauth.services import credentials, improvements, meetings, portfolio, scoring, transitions
from changeauth.services.meeting_invitations import InvitationSettings
from tests.functional.routes import PUBLIC_ENDPOINTS, ROUTES, Route, url_for_route
from tests.functional.test_route_security import ACCESS

# WCAG 2.0, 2.1 and 2.2 at levels A and AA. ``wcag22aa`` brings in target-size (2.5.8, 24 by 24 px).
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")

# The persona of each role and the demo account that plays it. The first demo design authority member
# sponsors the worked example, so may not score or decide it; the second has no tie to it and therefore
# opens every design authority page.
ROLE_ACCOUNTS: dict[str, str] = {
    "staff": demo_email("staff"),
    "manager": demo_email("manager"),
    "design_authority": demo_email("design_authority_2"),
    "finance": demo_email("finance"),
    "viewer": demo_email("viewer"),
    "admin": demo_email("admin"),
}
ROLES = tuple(ROLE_ACCOUNTS)

# GET routes that are not HTML pages, or not pages of their own, and why the scan leaves them out.
NOT_PAGES: dict[str, str] = {
    "static": "stylesheets, scripts and fonts, not pages",
    "health.live": "plain-text health check for the load balancer",
    "health.ready": "plain-text health check for the load balancer",
    "health.metrics": "Prometheus text format for the monitoring system",
    "attachments.download": "downloads an evidence file as an attachment",
    "meetings.meeting_pack": "downloads the meeting pack as XLSX",
    "meetings.meeting_invitation": "downloads the meeting as an iCalendar (.ics) file",
    "reports.export_audit": "CSV or XLSX download",
    "reports.close_down_xlsx": "XLSX download of a programme's close-down figures",
    "reports.export_backlog": "CSV or XLSX download",
    "reports.export_benefits": "CSV or XLSX download",
    "reports.export_resources": "CSV or XLSX download",
    "reports.savings_by_year": "CSV or XLSX download",
    "benefits.choose_plan_year": "redirects to the plan of the financial year chosen on the benefit's page",
    "decisions.export_register": "CSV or XLSX download",
    "reports.import_template": "CSV or XLSX template download",
    "backlog.matrix_chart": "PNG chart; scanned through the page that shows it with its alt text and table",
    "benefits.chart": "PNG chart; scanned through the page that shows it with its alt text and table",
    "reports.chart": "PNG chart; scanned through the page that shows it with its alt text and table",
    "auth.password_link": "keeps the link's token in the session and redirects to auth.set_password",
    "improvements.similar_fragment": "HTML fragment shown inside the idea form; scanned there while typing",
    "auth.sso_start": "redirects to the council's sign-in service (scanned in test_single_sign_on)",
    "auth.sso_confirm": "redirects to the council's sign-in service (scanned in test_single_sign_on)",
    "auth.sso_callback": "the sign-in service's way back: redirects on, whatever the outcome",
    "auth.signed_out": "the sign-in service's way back after signing out: redirects to the sign-in page",
}

# Pages for people who are not signed in (signed in, they redirect). auth.two_factor comes after a
# password, so the scan reaches it through the sign-in form.
SIGNED_OUT_PAGES = ("auth.login", "auth.forgot_password", "auth.set_password", "auth.two_factor")

# Improvement references of the worked example, one per stage the pages show differently.
IDEA, BUSINESS_CASE, APPROVED, DELIVERY, REALISATION, CLOSED, ON_HOLD, DECLINED = (
    "IMP-2021-0008",
    "IMP-2021-0003",
    "IMP-2021-0002",
    "IMP-2021-0006",
    "IMP-2021-0001",
    "IMP-2021-0007",
    "IMP-2021-0004",
    "IMP-2021-0005",
)

# Pages whose URL needs other samples than the defaults (see demo_samples), one entry per URL scanned.
PAGE_VARIANTS: dict[str, tuple[dict[str, str], ...]] = {
    "improvements.detail": tuple(
        {"improvement_id": ref}
        for ref in (IDEA, BUSINESS_CASE, APPROVED, DELIVERY, REALISATION, CLOSED, ON_HOLD, DECLINED)
    ),
    "triage.decide": ({"improvement_id": IDEA},),
    "improvements.submitted": ({"improvement_id": IDEA},),
    "gates.gate": ({"improvement_id": BUSINESS_CASE}, {"improvement_id": DELIVERY}),
    "backlog.plan": ({"improvement_id": APPROVED},),
    "benefits.for_improvement": ({"improvement_id": REALISATION},),
    "reviews.review": ({"improvement_id": REALISATION}, {"improvement_id": CLOSED}),
    "reviews.new_lesson": ({"improvement_id": REALISATION},),
    "reviews.decide": ({"benefit_id": "review_benefit_id"},),
    "benefits.reopen": ({"benefit_id": "closed_benefit_id"}, {"benefit_id": "benefit_id"}),
    "benefits.plan": ({"benefit_id": "stepped_benefit_id"},),
    "benefits.propose_change": ({"benefit_id": "controlled_benefit_id"}, {"benefit_id": "benefit_id"}),
    "scoring.scheme": ({"scheme_id": "active_scheme"}, {"scheme_id": "draft_scheme"}),
    "scoring.edit_scheme": ({"scheme_id": "draft_scheme"},),
    "business_cases.version": ({"case_id": "submitted_case"}, {"case_id": "programme_case"}),
}

# Query strings some pages need to show anything.
PAGE_QUERIES: dict[str, str] = {"portfolio.compare": "ids={scenario_id}&ids={second_scenario_id}"}

# Pages the route-security matrix gives to nobody (they need a tie to the object) and the persona whose
# tie in the worked example opens them: the manager owns the example's improvements and resources.
OPENED_THROUGH_A_TIE: dict[str, frozenset[str]] = {
    "benefits.measure": frozenset({"manager"}),
    "temporary_resources.end": frozenset({"manager"}),
    # The confirmation after submitting: the member of staff submitted the example's idea.
    "improvements.submitted": frozenset({"staff"}),
}


def _stepped_benefit(*, exclude: set[int]) -> int:
    """An open benefit of the example planned in steps, with one step, for its planned-values page."""
    benefit = db.session.scalar(
        select(Benefit)
        .where(Benefit.id.not_in(exclude), Benefit.closing_status.is_(None))
        .order_by(Benefit.id)
    )
    assert benefit is not None
    benefit.profile_shape = "stepped"
    db.session.add(
        BenefitPlannedPoint(
            benefit_id=benefit.id,
            period_end=benefit.baseline_date + (benefit.target_date - benefit.baseline_date) / 2,
            planned_value=(benefit.baseline_value + benefit.target_value) / 2,
        )
    )
    db.session.flush()
    return benefit.id


def page_routes() -> list[Route]:
    """Every GET route of the app that is not the API and not on NOT_PAGES."""
    return [
        route
        for route in ROUTES
        if route.method == "GET" and not route.is_api and route.endpoint not in NOT_PAGES
    ]


def html_get_endpoints() -> set[str]:
    return {route.endpoint for route in ROUTES if route.method == "GET" and not route.is_api}


def expected_openers(endpoint: str) -> frozenset[str]:
    """The personas who must be able to open ``endpoint`` (so the scan reaches it): everyone for a public
    page, else those the route-security matrix names, and those a tie in the worked example lets in."""
    if endpoint in PUBLIC_ENDPOINTS:
        return frozenset(ROLES)
    return ACCESS.get(endpoint, frozenset()) | OPENED_THROUGH_A_TIE.get(endpoint, frozenset())


def page_urls(samples: dict[str, Any], *, signed_in: bool) -> list[tuple[str, str]]:
    """(endpoint, URL) for every page to scan, signed in or not."""
    urls = []
    for route in page_routes():
        if (route.endpoint in SIGNED_OUT_PAGES) == signed_in:
            continue
        for variant in PAGE_VARIANTS.get(route.endpoint, ({},)):
            values = samples | {name: samples[key] for name, key in variant.items()}
            url = url_for_route(route, values)
            if route.endpoint in PAGE_QUERIES:
                url += "?" + PAGE_QUERIES[route.endpoint].format(**samples)
            urls.append((route.endpoint, url))
    return urls


def demo_samples(app: Any) -> dict[str, Any]:
    """Ids from the worked example in ``app``'s database, after adding what it lacks: a meeting, two
    portfolio scenarios, a draft scoring scheme, a conditional gate decision with an open condition,
    and a set-password link for a new account."""
    with app.app_context():
        db.set_write_intent(True)
        try:
            samples = _add_and_read_samples()
            db.session.commit()
        finally:
            db.set_write_intent(False)
    return samples


def _user(key: str) -> User:
    found = db.session.scalar(select(User).where(User.email == demo_email(key)))
    assert found is not None, key
    return found


def _add_and_read_samples() -> dict[str, Any]:
    refs = {ref: id_ for id_, ref in db.session.execute(select(Improvement.id, Improvement.ref)).all()}
    admin, da, manager = _user("admin"), _user("design_authority_2"), _user("manager")
    meeting = meetings.create_meeting(
        actor=da,
        details=meetings.MeetingDetails(
            title="Design authority, January",
            meets_on=date(2027, 1, 14),
            starts_at=time(14, 0),
            duration_minutes=120,
            location="Council chamber",
            member_ids=[da.id],
        ),
        invitations=InvitationSettings(
            organiser_email="changeauth@demo.council.example",
            organiser_name="changeauth",
            timezone="Europe/London",
            agenda_url=lambda meeting_id: f"http://localhost/meetings/{meeting_id}",
        ),
    )
    scenarios = [
        portfolio.save_scenario(da, name=f"Accessibility scan {n}", budget_pence=budget, objective="score")
        for n, budget in ((1, 50_000_000), (2, 150_000_000))
    ]
    active = scoring_queries.active_scheme()
    draft = scoring.draft_scheme(admin, [scoring.spec_as_input(spec) for spec in active.specs()])
    # A conditional go at G2 for an improvement now in delivery, as the gate would have recorded it.
    decision = GateDecision(
        improvement_id=refs["IMP-2021-0020"],
        gate="G2",
        decision="go_with_conditions",
        rationale="Go, once the mailing calendar is shared with Customer Connect.",
        decided_by_id=da.id,
        from_stage="approved",
        to_stage="delivery",
    )
    db.session.add(decision)
    db.session.flush()
    condition = Condition(
        decision_id=decision.id,
        improvement_id=decision.improvement_id,
        text="Share the mailing calendar with Customer Connect every month.",
        owner_id=manager.id,
        due_date=date(2027, 2, 26),
    )
    db.session.add(condition)
    staff = _user("staff")
    asked = improvements.submit_idea(
        staff,
        title="Large-print copies of council tax letters",
        problem="Residents with sight loss phone us to have their bills read out.",
        proposal="Offer a large-print copy on request and remember the choice.",
        driver_codes=["customer_enablement"],
    )
    transitions.decide_gate(
        asked,
        DecisionRequest(
            gate="G0",
            decision="recycle",
            rationale="How many residents ask each month, and which letters?",
            version=asked.version,
        ),
        actor=da,
    )
    link = credentials.create_account_with_link(
        email="new.starter@demo.council.example",
        name="New Starter",
        roles=["staff"],
        team_code=None,
        actor_id=admin.id,
    )
    db.session.flush()
    benefit_id = db.session.scalar(
        select(Benefit.id).where(Benefit.improvement_id == refs[REALISATION], Benefit.unit == "GBP")
    ) or db.session.scalar(select(Benefit.id).where(Benefit.unit == "GBP").order_by(Benefit.id))
    # A benefit closed too early at the benefits review, for the page that reopens it.
    closed_benefit = db.session.scalar(
        select(Benefit)
        .where(Benefit.improvement_id == refs[REALISATION], Benefit.id != benefit_id)
        .order_by(Benefit.id)
    )
    assert closed_benefit is not None
    closed_benefit.closing_status = "realised"
    closed_benefit.version += 1
    stepped_benefit_id = _stepped_benefit(exclude={benefit_id, closed_benefit.id})
    # An open benefit of the improvement realising its benefits, for the benefits review's decision.
    review_benefit_id = db.session.scalar(
        select(Benefit.id)
        .where(Benefit.improvement_id == refs[REALISATION], Benefit.id != closed_benefit.id)
        .order_by(Benefit.id)
    )
    assert review_benefit_id is not None
    # An open benefit whose business case is approved: a change to its target is proposed, not edited.
    controlled_benefit_id = db.session.scalar(
        select(Benefit.id)
        .where(
            Benefit.improvement_id.in_([refs[DELIVERY], refs[REALISATION]]),
            Benefit.closing_status.is_(None),
            Benefit.id != closed_benefit.id,
        )
        .order_by(Benefit.id)
    )
    assert controlled_benefit_id is not None
    post_id = _staffing_register(benefit_id)
    disbenefit_id = _disbenefit(refs[REALISATION], da.id)
    # The improvement in delivery needs the closed one delivered first (it is, so no gate is blocked).
    dependency = ImprovementDependency(
        improvement_id=refs[DELIVERY],
        depends_on_id=refs[CLOSED],
        reason="The new letters reuse the templates the closed work delivered.",
        recorded_by_id=da.id,
    )
    db.session.add(dependency)
    db.session.flush()
    cases = {(case.improvement_id, case.status): case.id for case in db.session.scalars(select(BusinessCase))}
    return {
        "dependency_id": dependency.id,
        **refs,
        "improvement_id": refs[BUSINESS_CASE],
        "case_id": cases[(refs[BUSINESS_CASE], "submitted")],
        "number": 1,  # the business case's first option
        "submitted_case": cases[(refs[BUSINESS_CASE], "submitted")],
        "programme_case": cases[(None, "approved")],
        "benefit_id": benefit_id,
        "closed_benefit_id": closed_benefit.id,
        "stepped_benefit_id": stepped_benefit_id,
        "review_benefit_id": review_benefit_id,
        "controlled_benefit_id": controlled_benefit_id,
        "post_id": post_id,
        "disbenefit_id": disbenefit_id,
        "resource_id": _overrunning_resource(),
        "condition_id": condition.id,
        "meeting_id": meeting.id,
        "programme_id": db.session.scalar(select(Programme.id).order_by(Programme.id)),
        "criterion_id": db.session.scalar(select(GateCriterion.id).order_by(GateCriterion.id)),
        "scheme_id": active.id,
        "active_scheme": active.id,
        "draft_scheme": draft.id,
        "scenario_id": scenarios[0].id,
        "second_scenario_id": scenarios[1].id,
        "user_id": staff.id,
        "needs_information": asked.id,
        "password_link": link.token,
        "year": 2026,  # a financial year of the benefit's plan and budget reduction
    }


def _staffing_register(benefit_id: int) -> int:
    """A post in the sample benefit's staffing register (the worked example's, or one added here)."""
    found = db.session.scalar(select(BenefitPost.id).where(BenefitPost.benefit_id == benefit_id))
    if found is not None:
        return found
    if db.session.scalar(select(BenefitStaffing.id).where(BenefitStaffing.benefit_id == benefit_id)) is None:
        db.session.add(
            BenefitStaffing(
                benefit_id=benefit_id,
                price_base_year=2025,
                employer_ni_pct=Decimal(13),
                pension_pct=Decimal(17),
            )
        )
    post = BenefitPost(
        benefit_id=benefit_id,
        side="before",
        title="Customer adviser",
        grade="Grade 3, SCP 9",
        annual_salary_pence=2_400_000,
        fte=Decimal(2),
        in_scope=True,
    )
    db.session.add(post)
    db.session.flush()
    return post.id


def _disbenefit(improvement_id: int, owner_id: int) -> int:
    """A dis-benefit (the worked example's, or one recorded here on the improvement realising benefits)."""
    found = db.session.scalar(select(Disbenefit.id).order_by(Disbenefit.id))
    if found is not None:
        return found
    disbenefit = Disbenefit(
        improvement_id=improvement_id,
        title="Customers who cannot go online are left behind",
        description="Some customers will not or cannot use online services.",
        affected="Customers without the internet",
        owner_id=owner_id,
        mitigation="Phone and face to face contact stay open.",
    )
    db.session.add(disbenefit)
    db.session.flush()
    return disbenefit.id


def _overrunning_resource() -> int:
    found = db.session.scalar(
        select(TemporaryResource.id)
        .where(TemporaryResource.improvement_id.is_not(None), TemporaryResource.actual_end_date.is_(None))
        .order_by(TemporaryResource.id)
    )
    assert found is not None
    return found


@dataclass(frozen=True)
class FormCase:
    """One form submitted with missing or wrong answers, to scan the page that shows its errors.

    ``fill`` maps a field's label (the first field with it) to what is typed; every typed value must still
    be there afterwards, as must every box ticked (``tick``, by label). ``clear`` lists labels of fields
    that start filled. ``query`` is added to the page's URL before the form is used.
    """

    endpoint: str
    role: str | None
    page: str
    button: str
    variant: dict[str, str] = field(default_factory=dict)
    fill: dict[str, str] = field(default_factory=dict)
    clear: tuple[str, ...] = ()
    tick: tuple[str, ...] = ()
    query: str = ""
    shows: str = ""  # a CSS selector the error state must contain

    @property
    def id(self) -> str:
        return f"{self.role or 'signed-out'}:{self.endpoint}"


# The error state of every form, as the persona who may use it. GET forms (what-if, optimiser) are here
# too under their page's endpoint.
FORM_CASES: tuple[FormCase, ...] = (
    FormCase("auth.login", None, "auth.login", "Sign in", fill={"Email address": "sam@example.org"}),
    FormCase("auth.forgot_password", None, "auth.forgot_password", "Send the link"),
    FormCase("auth.set_password", None, "auth.password_link", "Save password", {"token": "password_link"}),
    FormCase("auth.two_factor", None, "auth.two_factor", "Continue", fill={"Code": "12"}),
    FormCase("account.confirm", "staff", "account.confirm", "Continue"),
    FormCase(
        "account.change_email",
        "staff",
        "account.change_email",
        "Change email address",
        fill={"New email address": "not an address"},
    ),
    FormCase("account.change_password", "staff", "account.change_password", "Change password"),
    FormCase(
        "account.two_factor_setup",
        "staff",
        "account.two_factor_setup",
        "Turn on",
        fill={"Code from your authenticator app": "12"},
    ),
    FormCase("profile.create_token", "staff", "profile.tokens", "Create token"),
    FormCase(
        "improvements.new",
        "staff",
        "improvements.new",
        "Submit idea",
        fill={"Title": "Planning validation checklist"},
        shows="#similar-suggestions a",  # the similar-work fragment, scanned in place
    ),
    FormCase("improvements.comment", "staff", "improvements.detail", "Add comment"),
    FormCase(
        "improvements.resubmit",
        "staff",
        "improvements.detail",
        "Answer and resubmit",
        {"improvement_id": "needs_information"},
    ),
    FormCase("reports.import_ideas", "manager", "reports.import_ideas", "Check the file"),
    FormCase(
        "improvements.edit",
        "staff",
        "improvements.edit",
        "Save changes",
        {"improvement_id": IDEA},
        clear=("Title",),
    ),
    FormCase("admin.edit_user", "admin", "admin.edit_user", "Save changes", clear=("Full name",)),
    FormCase(
        "temporary_resources.new",
        "manager",
        "temporary_resources.new",
        "Add to the register",
        fill={"Role or item": "Planning enforcement officer"},
    ),
    FormCase("benefits.measure", "manager", "benefits.measure", "Record measurement", fill={"Value": "lots"}),
    FormCase("temporary_resources.end", "manager", "temporary_resources.end", "Record the actual end"),
    # The owner closes as met only (the status is not asked), so the note left empty is the error.
    FormCase("gates.close_condition", "manager", "gates.close_condition", "Close condition"),
    FormCase(
        "business_cases.option",
        "manager",
        "business_cases.option",
        "Save and continue",
        fill={"Option 1, year 0 (now), capital cost": "12.345"},
    ),
    FormCase(
        "business_cases.appraisal_settings",
        "manager",
        "business_cases.appraisal_settings",
        "Save and continue",
        fill={"Discount rate (%)": "lots"},
    ),
    FormCase(
        "benefits.new", "manager", "benefits.new", "Add benefit", fill={"What is the benefit?": "Fewer calls"}
    ),
    FormCase(
        "business_cases.financial",
        "manager",
        "business_cases.financial",
        "Save and continue",
        fill={"Line 1, financial year": "next year"},
    ),
    FormCase(
        "improvements.new_dependency",
        "design_authority",
        "improvements.new_dependency",
        "Record the dependency",
        fill={"Why does it need that one first?": "The new form reuses its letters."},
    ),
    FormCase(
        "improvements.remove_dependency",
        "design_authority",
        "improvements.remove_dependency",
        "Remove the dependency",
    ),
    FormCase(
        "triage.decide",
        "design_authority",
        "triage.decide",
        "Record decision",
        {"improvement_id": IDEA},
        fill={"Reasons": "The problem needs numbers first."},
    ),
    FormCase(
        "gates.gate",
        "design_authority",
        "gates.gate",
        "Record decision",
        {"improvement_id": BUSINESS_CASE},
        fill={"Reasons": "The case is ready for investment."},
    ),
    FormCase(
        "attachments.attach",
        "design_authority",
        "gates.gate",
        "Attach evidence",
        {"improvement_id": BUSINESS_CASE},
        fill={"Title": "Minutes of the January meeting"},
    ),
    FormCase(
        "meetings.meeting_new",
        "design_authority",
        "meetings.meeting_new",
        "Arrange meeting",
        fill={"Title": "February design authority"},
    ),
    FormCase("meetings.agenda_add", "design_authority", "meetings.meeting", "Add to the agenda"),
    FormCase(
        "meetings.meeting_action",
        "design_authority",
        "meetings.meeting",
        "Record the action",
        fill={"Action": "Send the fee table to finance"},
    ),
    FormCase(
        "meetings.meeting_edit",
        "design_authority",
        "meetings.meeting_edit",
        "Save and send the update",
        clear=("Title",),
    ),
    # The second member has scored most of the worked example, and a revision starts from the last
    # scores; IMP-2021-0010 (a deep dive's idea at the business case stage) is one nobody has scored, so
    # the form starts empty.
    FormCase(
        "scoring.assess",
        "design_authority",
        "scoring.assess",
        "Save my assessment",
        {"improvement_id": "IMP-2021-0010"},
    ),
    FormCase(
        "portfolio.estimate",
        "design_authority",
        "portfolio.estimate",
        "Save the estimate",
        fill={"Delivery estimate in person-months": "lots"},
    ),
    FormCase(
        "portfolio.index",
        "design_authority",
        "portfolio.index",
        "Find the best set",
        fill={"Budget": "lots"},
        tick=("Always include IMP-2021-0002", "Leave out IMP-2021-0002"),  # both: refused
    ),
    FormCase(
        "portfolio.save",
        "design_authority",
        "portfolio.index",
        "Save the scenario",
        query="budget_pence=500000&objective=score&cost_basis=first_year",
    ),
    FormCase(
        "backlog.what_if",
        "design_authority",
        "backlog.what_if",
        "Show the ranking",
        fill={"Weight for Fit with Council Plan priorities": "heavy"},
    ),
    FormCase(
        "benefits.edit", "design_authority", "benefits.edit", "Save changes", clear=("What is the benefit?",)
    ),
    FormCase(
        "temporary_resources.extend",
        "design_authority",
        "temporary_resources.extend",
        "Record the extension",
        fill={"Reason for the extension": "Cover until the new structure starts."},
    ),
    FormCase("benefits.close", "design_authority", "benefits.close", "Close the benefit"),
    FormCase("benefits.hand_over", "design_authority", "benefits.hand_over", "Hand the benefit over"),
    FormCase(
        "reviews.decide",
        "design_authority",
        "reviews.decide",
        "Record the decision",
        {"benefit_id": "review_benefit_id"},
    ),
    FormCase(
        "reviews.new_lesson",
        "design_authority",
        "reviews.new_lesson",
        "Record the lesson",
        {"improvement_id": REALISATION},
        fill={"What happened?": "The form went live late."},
    ),
    FormCase(
        "benefits.reopen",
        "design_authority",
        "benefits.reopen",
        "Reopen the benefit",
        {"benefit_id": "closed_benefit_id"},
    ),
    FormCase(
        "benefits.adjust", "finance", "benefits.adjust", "Record adjustment", fill={"Why": "Grant funded"}
    ),
    FormCase(
        "benefits.plan_year",
        "design_authority",
        "benefits.plan_year",
        "Save the plan for 2026/27",
        fill={"Saving planned for the year": "lots"},
    ),
    FormCase("benefits.take_out", "finance", "benefits.take_out", "Sign off the budget reduction"),
    FormCase(
        "benefits.plan",
        "design_authority",
        "benefits.plan",
        "Save the planned values",
        {"benefit_id": "stepped_benefit_id"},
        fill={"Planned value": "lots"},
    ),
    FormCase(
        "benefits.propose_change",
        "design_authority",
        "benefits.propose_change",
        "Send the change to the design authority",
        {"benefit_id": "controlled_benefit_id"},
        fill={"Target value": "lots"},
    ),
    FormCase(
        "benefits.attribution",
        "design_authority",
        "benefits.attribution",
        "Save what this benefit shares",
        fill={"Share of it this improvement claims (per cent, optional)": "most"},
    ),
    FormCase(
        "benefits.new_disbenefit",
        "design_authority",
        "benefits.new_disbenefit",
        "Record the dis-benefit",
        fill={"Title": "x", "Value a year, in pounds (only if it is money)": "lots"},
    ),
    FormCase(
        "benefits.edit_disbenefit",
        "design_authority",
        "benefits.edit_disbenefit",
        "Save the dis-benefit",
        clear=("Who is affected?",),
    ),
    FormCase(
        "benefits.staffing_price_base",
        "design_authority",
        "benefits.staffing_price_base",
        "Save the price base and on-costs",
        fill={"Employer's National Insurance (per cent of salary)": "lots"},
    ),
    FormCase(
        "benefits.staffing_add_post",
        "design_authority",
        "benefits.staffing_add_post",
        "Add the post",
        fill={"Post title": "Case officer", "Full-time equivalent (FTE)": "none"},
    ),
    FormCase(
        "benefits.staffing_change_post",
        "design_authority",
        "benefits.staffing_change_post",
        "Save the post",
        clear=("Grade or pay point",),
    ),
    FormCase(
        "benefits.staffing_pay_award",
        "design_authority",
        "benefits.staffing_pay_award",
        "Save the pay award",
        fill={"Pay award (per cent)": "a lot"},
    ),
    FormCase(
        "admin.new_user", "admin", "admin.new_user", "Create account", fill={"Full name": "Alex Example"}
    ),
    FormCase("gates.criterion_edit", "admin", "gates.criterion_edit", "Save criterion", clear=("Criterion",)),
    FormCase("scoring.new_scheme", "admin", "scoring.new_scheme", "Save the draft", clear=("Weight",)),
    FormCase(
        "scoring.edit_scheme",
        "admin",
        "scoring.edit_scheme",
        "Save the draft",
        {"scheme_id": "draft_scheme"},
        clear=("Weight",),
    ),
)

# Forms with nothing to get wrong, and why no error state of theirs is scanned.
NO_ERROR_STATE: dict[str, str] = {
    "benefits.confirm_adjustment": "a button with an evidence box on the benefit page; a refusal returns "
    "to that page with the message at its top (the benefit page's scan covers it)",
    "improvements.reassign": "two lists of the people who may own work; its refusals are checked in "
    "tests/functional/test_dead_ends.py",
    "auth.logout": "a button",
    "meetings.agenda_move": "a button (move up, move down, take off the agenda)",
    "meetings.meeting_action_done": "a button (mark a meeting's action done, on My actions or the meeting's "
    "page); a refusal (done already, someone else's) is a page of its own, checked in "
    "tests/functional/test_meeting_agenda.py",
    "meetings.meeting_minutes": "the minutes are optional; only more than 50,000 characters is refused",
    "account.stay_signed_in": "a button (the idle warning; scanned shown in test_idle_warning)",
    "account.sign_out_everywhere": "a button",
    "account.disable_two_factor": "a button (after confirming the password, whose error state is scanned)",
    "account.new_recovery_codes": "a button (after confirming the password, whose error state is scanned)",
    "admin.deactivate": "a button",
    "admin.anonymise": "a tick box and a button, both optional",
    "admin.export_personal_data": "a button (its page is scanned in tests/browser/test_personal_data.py)",
    "admin.end_sessions": "a button",
    "admin.password_link": "a button",
    "admin.reset_second_factor": "a button",
    "backlog.adopt": "the weights are hidden copies of the previewed ones and the note is optional",
    "backlog.plan": "one list whose every choice, including 'Not planned', is valid",
    "benefits.staffing_remove_post": "a button confirming the removal",
    "benefits.remove_disbenefit": "a button confirming the removal",
    "benefits.accept": "a button (the benefit's owner accepts its profile); scanned in "
    "test_benefit_change_request_page",
    "benefits.decide_change": "offered on the benefit page only while a change waits; its error state (a "
    "rejection without a note) is scanned in test_benefit_change_request_page",
    "benefits.validate": "its error state (no note) is scanned in test_finance_validation_page",
    "benefits.ask_owner": "its error state (no question) is scanned in test_finance_validation_page",
    "benefits.answer_finance": "offered only while finance's question is open; scanned in "
    "test_finance_validation_page",
    "business_cases.submit": "a button",
    "business_cases.new_option": "the same boxes as an option's own page (business_cases.option), "
    "scanned there",
    "business_cases.remove_option": "a button confirming the removal",
    "business_cases.strategic_case": "its only refusal in a browser is text over 10,000 characters, which "
    "the box's maxlength stops; the refusal is checked in tests/functional/test_business_case_task_list.py",
    "business_cases.commercial": "its only refusal in a browser is text over 10,000 characters, which "
    "the box's maxlength stops; what an outline or full case needs is asked at submission, on the task list",
    "business_cases.management": "its only refusal in a browser is text over 10,000 characters, which "
    "the box's maxlength stops; what an outline or full case needs is asked at submission, on the task list",
    "business_cases.risks": "its only refusal in a browser is text over 10,000 characters, which the "
    "box's maxlength stops; the refusal is checked in tests/functional/test_business_case_task_list.py",
    "business_cases.option_preview": "an HTML fragment the option page fetches while the person types; the "
    "option page's scan covers it, and a refusal there is a sentence, not a form",
    "gates.act": "a button (start delivery, resume)",
    "gates.tick": "a missing piece of evidence returns to the gate page with a message at the top",
    "improvements.support": "a button",
    "improvements.declare_conflict": "the note is optional, and the browser stops it at its length limit",
    "meetings.meeting_cancel": "the reason is optional, and the browser stops it at its length limit",
    "improvements.withdraw": "a button",
    "notifications.mark_all_read": "a button",
    "portfolio.agree": "a button",
    "profile.revoke_token": "a button",
    "scoring.activate": "a button",
}


def post_page_endpoints() -> set[str]:
    return {route.endpoint for route in ROUTES if route.method == "POST" and not route.is_api}
