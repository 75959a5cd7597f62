"""Business-case pages: write → submit → approved (by the G1 service) → revise as version 2 →
compare; money typed as people type it; bad input re-shown with messages and nothing stored;
who may read and who may write; the programme's case; the improvement page's section."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from changeauth.models import AuditEvent, BusinessCase, Improvement, Programme
from changeauth.queries import business_cases as case_queries
from changeauth.services import business_cases as case_service
from tests.factories import BusinessCaseFactory, ImprovementFactory, UserFactory
from tests.helpers import field_errors, page

STRATEGIC = {
    "kind": "outline",
    "strategic_fit": "Moves bulky-waste bookings online.",
    "strategic_priorities": ["excellent_customer_service"],
    "benefit_drivers": ["channel_shift"],
}
BUSINESS_AS_USUAL = {"name": "Business as usual", "is_business_as_usual": "y", "years-0-capital": "0"}
ONLINE_BOOKING = {
    "name": "Online booking",
    "years-0-capital": "£10,000",
    "years-1-cashable": "6,000",
    "years-2-cashable": "6000.00",
}
APPRAISAL = {
    "preferred_option": "2",
    "preferred_reasons": "Pays back in under two years.",
    "discount_rate": "3.5",
    "optimism_bias_pct": "0",
    "fte_change": "-0.5",
}
RISKS = {"risks": "Take-up may be slow.", "reform_risk": "A successor council can keep the form."}
COMMERCIAL = {"procurement_route": "In house, on the council's forms platform."}
FINANCIAL = {
    "funding-0-financial_year": "2026",
    "funding-0-capital": "10,000",
    "funding-0-source": "Digital transformation reserve",
}
MANAGEMENT = {
    "delivery_arrangements": "The waste team with digital services.",
    "benefits_realisation": "The waste manager counts bookings each month.",
}


def _case_count(db_session: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(BusinessCase)) or 0


@pytest.fixture
def improvement(db_session: Any) -> Improvement:
    return ImprovementFactory(business_case=True)


def _urls(improvement: Improvement) -> tuple[str, str, str]:
    base = f"/improvements/{improvement.id}/business-case"
    return base, f"{base}/tasks", f"{base}/compare"


def save_page(client: FlaskClient, url: str, answers: dict[str, Any]) -> Any:
    """Open a section page and send it back with ``answers``, as a person does (the page's hidden
    version and lock go with it)."""
    opened = page(client.get(url))
    hidden = {
        box["name"]: box.get("value", "")
        for box in opened.select("input[type=hidden]")
        if box["name"] in ("based_on_version", "lock_version")
    }
    return client.post(url, data={**hidden, **answers})


def write_case(client: FlaskClient, improvement_id: int, **pages: dict[str, Any]) -> None:
    """Write every section of a case through its pages; ``pages`` overrides a page's answers."""
    base = f"/improvements/{improvement_id}/business-case"
    for url, answers in (
        (f"{base}/strategic-case", pages.get("strategic", STRATEGIC)),
        (f"{base}/options/new", pages.get("first", BUSINESS_AS_USUAL)),
        (f"{base}/options/new", pages.get("second", ONLINE_BOOKING)),
        (f"{base}/preferred-option", pages.get("appraisal", APPRAISAL)),
        (f"{base}/commercial", pages.get("commercial", COMMERCIAL)),
        (f"{base}/financial", pages.get("financial", FINANCIAL)),
        (f"{base}/management", pages.get("management", MANAGEMENT)),
        (f"{base}/risks", pages.get("risks", RISKS)),
    ):
        saved = save_page(client, url, answers)
        assert saved.status_code == 302, (url, field_errors(saved))


def test_the_whole_lifecycle_through_the_pages(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
) -> None:
    show_url, tasks_url, compare_url = _urls(improvement)
    owner = login_as(improvement.owner)

    empty = client.get(show_url)
    assert empty.status_code == 200 and "No business case has been written" in empty.get_data(as_text=True)
    # The old editor's address leads to the task list.
    old = client.get(f"{show_url}/edit")
    assert old.status_code == 302 and old.headers["Location"].endswith("/business-case/tasks")
    assert client.get(tasks_url).status_code == 200
    first_option = page(client.get(f"{show_url}/options/new"))
    assert first_option.select_one("#name")["value"] == "Business as usual"

    write_case(client, improvement.id)
    case = case_queries.latest_for_improvement(improvement.id)
    assert case is not None and (case.version, case.status) == (1, "draft")
    assert [y.capital_pence for y in case.options[1].years] == [1_000_000, 0, 0]
    assert [y.cashable_benefit_pence for y in case.options[1].years] == [0, 600_000, 600_000]
    assert case.preferred_option == "Online booking"

    shown = page(client.get(show_url))
    row = next(
        tr for tr in shown.select("#appraisal ~ div table tbody tr") if "Online booking" in tr.get_text()
    )
    cells = [td.get_text(strip=True) for td in row.select("td")]
    # PV costs £10,000; PV benefits 6,000/1.035 + 6,000/1.035² = £11,398.17 → £11,398; NPV £1,398;
    # BCR 1.1398 → 1.14; payback 1 + 4,000/6,000 = 1.67 → 1.7 years.
    # Business as usual is all zeros, so the NPV compared with it is the option's own.
    assert cells == ["£10,000", "£11,398", "£1,398", "1.14", "1.7 years (discounted 1.8)", "£1,398"]
    # An option named for business as usual is not labelled so twice.
    bau = next(
        tr for tr in shown.select("#appraisal ~ div table tbody tr") if "Business as usual" in tr.get_text()
    )
    assert "(business as usual)" not in bau.get_text()

    tasks = page(client.get(tasks_url))
    submit = tasks.select_one(f"form[action='/business-cases/{case.id}/submit']")
    assert submit is not None and submit.button.get_text(strip=True) == "Submit for review"
    submitted = client.post(
        f"/business-cases/{case.id}/submit", data={"lock_version": str(case.lock_version)}
    )
    assert submitted.status_code == 302
    assert "Submitted" in page(client.get(show_url)).select_one(".tag").get_text()

    panel = UserFactory(design_authority=True)
    case_service.approve_business_case(case_queries.get_case(case.id, panel), actor=panel)
    db_session.commit()

    revise = page(client.get(tasks_url))
    assert "Revise the business case" in revise.h1.get_text()
    assert not revise.select("form[action*='submit']")
    option_url = f"{show_url}/options/2"
    assert page(client.get(option_url)).select_one("#years-0-capital")["value"] == "10,000"
    assert save_page(client, option_url, {**ONLINE_BOOKING, "years-1-cashable": "7,500"}).status_code == 302
    assert save_page(client, f"{show_url}/strategic-case", {**STRATEGIC, "kind": "full"}).status_code == 302
    versions = case_queries.list_versions(improvement_id=improvement.id)
    assert [(v.version, v.status) for v in versions] == [(2, "draft"), (1, "approved")]
    first = case_queries.get_case(case.id, owner, fresh=True)
    assert first.options[1].years[1].cashable_benefit_pence == 600_000

    compared = page(client.get(compare_url))
    text = compared.get_text(" ", strip=True)
    assert "Outline business case Full business case" in text
    year_row = next(tr for tr in compared.select("tr") if "Cashable benefit" in tr.get_text())
    assert [td.get_text(strip=True) for td in year_row.select("td")] == ["1", "£6,000", "£7,500"]
    chosen = client.get(f"{compare_url}?older=1&newer=1")
    assert "The two versions are the same." in chosen.get_data(as_text=True)

    actions = [
        e.action
        for e in db_session.scalars(
            select(AuditEvent).where(AuditEvent.subject_type == "business_case").order_by(AuditEvent.id)
        )
    ]
    # Written page by page: the first save makes version 1, each later one updates the draft.
    assert actions == [
        "business_case.created",
        *["business_case.updated"] * 7,
        "business_case.submitted",
        "business_case.approved",
        "business_case.created",
        "business_case.updated",
    ]


def test_saving_a_section_keeps_the_drafts_version(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
) -> None:
    _, tasks_url, _ = _urls(improvement)
    login_as(improvement.owner)
    write_case(client, improvement.id)
    case = case_queries.latest_for_improvement(improvement.id)
    assert case is not None
    risks_url = f"/improvements/{improvement.id}/business-case/risks"
    opened = page(client.get(risks_url))
    assert opened.select_one("#lock_version")["value"] == str(case.lock_version)
    again = {**RISKS, "based_on_version": "1", "lock_version": str(case.lock_version), "risks": "Slower."}
    assert client.post(risks_url, data=again).status_code == 302
    assert _case_count(db_session) == 1
    stale = client.post(risks_url, data=again)
    assert stale.status_code == 409


class TestWhoMayDoWhat:
    def test_a_design_authority_member_may_write(
        self, client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
    ) -> None:
        login_as(UserFactory(design_authority=True))
        write_case(client, improvement.id)
        assert _case_count(db_session) == 1

    @pytest.mark.parametrize("who", ["staff", "submitter", "viewer", "finance"])
    def test_others_may_read_but_not_write(
        self, client: FlaskClient, login_as: Any, db_session: Any, who: str
    ) -> None:
        case = BusinessCaseFactory()
        improvement = case.improvement
        login_as(
            improvement.submitter
            if who == "submitter"
            else UserFactory(**({} if who == "staff" else {who: True}))
        )
        show_url, tasks_url, _ = _urls(improvement)
        edit_url = f"{show_url}/edit"
        shown = client.get(show_url)
        assert shown.status_code == 200
        assert "Edit the draft" not in shown.get_data(as_text=True)
        assert not page(shown).select(f"form[action='/business-cases/{case.id}/submit']")
        assert client.get(f"/business-cases/{case.id}").status_code == 200
        for url in (
            edit_url,
            tasks_url,
            f"{show_url}/strategic-case",
            f"{show_url}/options/1",
            f"{show_url}/options/new",
            f"{show_url}/preferred-option",
            f"{show_url}/risks",
        ):
            assert client.get(url).status_code == 403, url
        for url in (f"{show_url}/risks", f"{show_url}/options/1", f"{show_url}/options/preview"):
            assert client.post(url, data={**RISKS, "based_on_version": "1"}).status_code == 403, url
        assert client.post(f"/business-cases/{case.id}/submit").status_code == 403
        assert db_session.scalar(select(BusinessCase.status).where(BusinessCase.id == case.id)) == "draft"

    def test_a_hidden_improvement_is_404(self, client: FlaskClient, login_as: Any, db_session: Any) -> None:
        improvement = ImprovementFactory(withdrawn=True)
        login_as(UserFactory())
        show_url, tasks_url, compare_url = _urls(improvement)
        for url in (show_url, f"{show_url}/edit", tasks_url, f"{show_url}/strategic-case", compare_url):
            assert client.get(url).status_code == 404
        assert client.get("/business-cases/999999").status_code == 404

    def test_the_editor_is_closed_at_stages_without_a_business_case(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        improvement = ImprovementFactory(realisation=True)
        login_as(improvement.owner)
        show_url, tasks_url, _ = _urls(improvement)
        assert client.get(tasks_url).status_code == 409
        assert client.get(f"{show_url}/edit").status_code == 409
        assert client.post(f"{show_url}/strategic-case", data=STRATEGIC).status_code == 409
        assert _case_count(db_session) == 0

    def test_signed_out_people_are_sent_to_sign_in(
        self, client: FlaskClient, db_session: Any, improvement: Improvement
    ) -> None:
        response = client.get(_urls(improvement)[0])
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_the_improvement_page_shows_the_case_and_its_headline_figures(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    case = BusinessCaseFactory(submitted=True)
    login_as(UserFactory())
    section = (
        page(client.get(f"/improvements/{case.improvement_id}")).select_one("#business-case-heading").parent
    )
    text = section.get_text(" ", strip=True)
    assert "Submitted" in text and "Version 1" in text
    assert "net present value £1,398" in text and "and it pays back in 1.7 years" in text
    assert section.select_one("a")["href"] == f"/improvements/{case.improvement_id}/business-case"


def test_a_case_whose_benefits_are_not_cashable_says_why_it_does_not_pay_back(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    case = BusinessCaseFactory(submitted=True)
    for option in case.options:
        for year in option.years:
            year.non_cashable_benefit_pence, year.cashable_benefit_pence = year.cashable_benefit_pence, 0
    db_session.commit()
    login_as(UserFactory())
    section = (
        page(client.get(f"/improvements/{case.improvement_id}")).select_one("#business-case-heading").parent
    )
    text = " ".join(section.get_text(" ").split())
    assert (
        "and it does not pay back in cash: payback counts cashable benefits only, and this option's benefits "
        "are not cashable." in text
    )


def test_the_owner_is_invited_to_write_one(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
) -> None:
    login_as(improvement.owner)
    section = page(client.get(f"/improvements/{improvement.id}")).select_one("#business-case-heading").parent
    assert section.select_one("a")["href"] == f"/improvements/{improvement.id}/business-case/tasks"


def test_the_programmes_case_is_shown_read_only(client: FlaskClient, login_as: Any, db_session: Any) -> None:
    from changeauth.devtools.worked_example import load_demo

    load_demo()
    db_session.commit()
    login_as(UserFactory(design_authority=True))
    # The report's recommendations belong to the programme that followed the close-down, which has no
    # case of its own; the closed programme's case is read at its own address.
    programme = db_session.scalar(select(Programme).where(Programme.code == "transformation"))
    shown = client.get(f"/programmes/{programme.id}/business-case")
    assert shown.status_code == 200
    html = page(shown)
    row = next(tr for tr in html.select("tbody tr") if "Transformation programme" in tr.get_text())
    # £7,448,155 in year 0 for £2,483,925 a year over ten years: NPV about £13.2m, BCR 2.77, cash payback
    # 2.9985 → 3.0 years, discounted 3.2.
    cells = [td.get_text(strip=True) for td in row.select("td")]
    assert cells[0] == "£7,448,155" and cells[2].startswith("£13,2") and cells[3] == "2.77"
    assert cells[4] == "3.0 years (discounted 3.2)"
    bau = next(tr for tr in html.select("tbody tr") if "business as usual" in tr.get_text().lower())
    assert bau.select("td")[4].get_text(strip=True) == "Not applicable"
    assert html.select_one("#recurring-warning") is None
    assert "Edit" not in html.get_text() and not html.select("form[action*='submit']")


def test_the_compare_page_with_one_version(client: FlaskClient, login_as: Any, db_session: Any) -> None:
    case = BusinessCaseFactory()
    login_as(UserFactory())
    response = client.get(f"/improvements/{case.improvement_id}/business-case/compare")
    assert "nothing to compare" in response.get_data(as_text=True)


def test_the_list_shows_each_improvements_latest_version(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    first = BusinessCaseFactory(approved=True)
    BusinessCaseFactory(improvement=first.improvement, version=2, based_on_version=1)
    waiting = BusinessCaseFactory(submitted=True)
    BusinessCaseFactory(improvement=ImprovementFactory(withdrawn=True))
    manager = login_as(UserFactory(manager=True))
    listing = page(client.get("/business-cases"))
    assert any(a.get_text() == "Business cases" for a in listing.select(".site-nav a, .section-nav a"))
    rows = {
        tr.select_one("a").get_text(strip=True).split(":")[0]: [
            td.get_text(strip=True) for td in tr.select("td")
        ][1:3]
        for tr in listing.select("tbody tr")
    }
    assert rows == {first.improvement.ref: ["2", "Draft"], waiting.improvement.ref: ["1", "Submitted"]}
    submitted = page(client.get("/business-cases?status=submitted"))
    assert [tr.select_one("a").get_text(strip=True).split(":")[0] for tr in submitted.select("tbody tr")] == [
        waiting.improvement.ref
    ]
    waiting.improvement.owner = manager
    db_session.commit()
    mine = page(client.get("/business-cases?mine=y"))
    assert len(mine.select("tbody tr a")) == 1


def test_staff_do_not_get_the_list_in_their_navigation(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    login_as(UserFactory())
    home = page(client.get("/business-cases"))
    assert not any(a.get_text() == "Business cases" for a in home.select(".site-nav a, .section-nav a"))


def test_an_option_longer_than_its_page_is_not_cut_down_by_it(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
) -> None:
    from changeauth.domain.appraisal import OptionFigures, YearFigures
    from changeauth.domain.business_cases import CaseContent

    long_case = CaseContent(
        kind="full",
        options=(OptionFigures("Business as usual", True, (YearFigures(0), YearFigures(12))),),
        preferred_option="Business as usual",
    )
    case_service.create_business_case(improvement.owner, improvement.id, long_case)
    db_session.commit()
    login_as(improvement.owner)
    option_url = f"/improvements/{improvement.id}/business-case/options/1"
    assert client.get(option_url).status_code == 409
    assert client.post(option_url, data={**BUSINESS_AS_USUAL, "based_on_version": "1"}).status_code == 409
    case = case_queries.latest_for_improvement(improvement.id)
    assert case is not None and [y.year for y in case.options[0].years] == [0, 12]


def test_the_case_page_sends_the_same_queries_however_many_options_and_years(
    client: FlaskClient, login_as: Any, db_session: Any, count_queries: Any
) -> None:
    from changeauth.models import BusinessCaseOption, BusinessCaseOptionYear

    small = BusinessCaseFactory()
    big = BusinessCaseFactory(
        preferred_option="Option 0",
        options=[
            BusinessCaseOption(
                position=n,
                name=f"Option {n}",
                years=[BusinessCaseOptionYear(year=year, revenue_pence=100) for year in range(10)],
            )
            for n in range(4)
        ],
    )
    login_as(UserFactory())
    counts = []
    for case in (small, big):
        with count_queries() as counter:
            assert client.get(f"/improvements/{case.improvement_id}/business-case").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]
