"""Business-case pages: write → submit → approved (by the G1 service) → revise as version 2 →
compare; money typed as people type it; bad input re-shown with messages and nothing stored;
who may read and who may write; the programme's case; the improvement page's section."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from changeauth.models import AuditEvent, BusinessCase, Improvement
from changeauth.queries import business_cases as case_queries
from changeauth.services import business_cases as case_service
from tests.factories import BusinessCaseFactory, ImprovementFactory, UserFactory
from tests.helpers import field_errors, page


def _form(**overrides: str | list[str]) -> dict[str, Any]:
    """The editor's fields: business as usual (year 0 at £0) and "Online booking"."""
    data: dict[str, Any] = {
        "kind": "outline",
        "strategic_fit": "Moves bulky-waste bookings online.",
        "strategic_priorities": ["excellent_customer_service"],
        "benefit_drivers": ["channel_shift"],
        "options-0-name": "Business as usual",
        "options-0-is_business_as_usual": "y",
        "options-0-years-0-capital": "0",
        "options-1-name": "Online booking",
        "options-1-years-0-capital": "£10,000",
        "options-1-years-1-cashable": "6,000",
        "options-1-years-2-cashable": "6000.00",
        "preferred_option": "1",
        "preferred_reasons": "Pays back in under two years.",
        "discount_rate": "3.5",
        "optimism_bias_pct": "0",
        "fte_change": "-0.5",
        "risks": "Take-up may be slow.",
        "reform_risk": "A successor council can keep the form.",
        "based_on_version": "0",
    }
    data.update(overrides)
    return data


def _case_count(db_session: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(BusinessCase)) or 0


@pytest.fixture
def improvement(db_session: Any) -> Improvement:
    return ImprovementFactory(business_case=True)


def _urls(improvement: Improvement) -> tuple[str, str, str]:
    base = f"/improvements/{improvement.id}/business-case"
    return base, f"{base}/edit", f"{base}/compare"


def test_the_whole_lifecycle_through_the_pages(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
) -> None:
    show_url, edit_url, compare_url = _urls(improvement)
    owner = login_as(improvement.owner)

    empty = client.get(show_url)
    assert empty.status_code == 200 and "No business case has been written" in empty.get_data(as_text=True)
    editor = client.get(edit_url)
    assert editor.status_code == 200
    assert page(editor).select_one("#options-0-name")["value"] == "Business as usual"

    saved = client.post(edit_url, data=_form())
    assert saved.status_code == 302, field_errors(saved)
    case = case_queries.latest_for_improvement(improvement.id)
    assert case is not None and (case.version, case.status) == (1, "draft")
    assert [y.capital_pence for y in case.options[1].years] == [1_000_000, 0, 0]
    assert [y.cashable_benefit_pence for y in case.options[1].years] == [0, 600_000, 600_000]

    shown = page(client.get(show_url))
    row = next(
        tr for tr in shown.select("#appraisal ~ div table tbody tr") if "Online booking" in tr.get_text()
    )
    cells = [td.get_text(strip=True) for td in row.select("td")]
    # PV costs £10,000; PV benefits 6,000/1.035 + 6,000/1.035² = £11,398.17 → £11,398; NPV £1,398;
    # BCR 1.1398 → 1.14; payback 1 + 4,000/6,000 = 1.67 → 1.7 years.
    assert cells == ["£10,000", "£11,398", "£1,398", "1.14", "1.7 years"]

    submitted = client.post(
        f"/business-cases/{case.id}/submit", data={"lock_version": str(case.lock_version)}
    )
    assert submitted.status_code == 302
    assert "Submitted" in page(client.get(show_url)).select_one(".tag").get_text()

    panel = UserFactory(design_authority=True)
    case_service.approve_business_case(case_queries.get_case(case.id, panel), actor=panel)
    db_session.commit()

    revise = client.get(edit_url)
    assert "new version 2" in page(revise).h1.get_text()
    assert page(revise).select_one("#options-1-years-0-capital")["value"] == "10,000"
    revised = _form(**{"based_on_version": "1", "options-1-years-1-cashable": "7,500", "kind": "full"})
    assert client.post(edit_url, data=revised).status_code == 302
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
    assert actions == [
        "business_case.created",
        "business_case.submitted",
        "business_case.approved",
        "business_case.created",
    ]


def test_editing_a_draft_keeps_its_version(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
) -> None:
    _, edit_url, _ = _urls(improvement)
    login_as(improvement.owner)
    client.post(edit_url, data=_form())
    case = case_queries.latest_for_improvement(improvement.id)
    assert case is not None
    editor = page(client.get(edit_url))
    assert editor.select_one("#lock_version")["value"] == str(case.lock_version)
    again = _form(based_on_version="1", lock_version=str(case.lock_version), risks="Slower take-up.")
    assert client.post(edit_url, data=again).status_code == 302
    assert _case_count(db_session) == 1
    stale = client.post(edit_url, data=again)
    assert stale.status_code == 409


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("NaN", "Enter the amount using numbers only, for example £1,234.50."),
        ("sNaN", "Enter the amount using numbers only, for example £1,234.50."),
        ("Infinity", "Enter the amount using numbers only, for example £1,234.50."),
        ("1E+999", "Enter the amount using numbers only, for example £1,234.50."),
        ("12.345", "Enter the amount to the nearest penny, with no more than 2 decimal places."),
        ("1000000000.01", "Enter an amount of £1,000,000,000 or less."),
        ("-5", "Enter an amount of £0 or more."),
        ("12,34", "Check the commas in the amount: they should separate thousands, for example £1,234,567."),
    ],
)
def test_refused_money_is_kept_with_a_message_and_nothing_is_stored(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement, typed: str, message: str
) -> None:
    _, edit_url, _ = _urls(improvement)
    login_as(improvement.owner)
    response = client.post(edit_url, data=_form(**{"options-1-years-0-capital": typed}))
    assert response.status_code == 422
    assert field_errors(response) == [message]
    html = page(response)
    assert html.select_one("#options-1-years-0-capital")["value"] == typed
    assert html.select_one(".error-summary a")["href"] == "#options-1-years-0-capital"
    assert _case_count(db_session) == 0


def test_money_as_people_type_it_is_stored_as_pence(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
) -> None:
    _, edit_url, _ = _urls(improvement)
    login_as(improvement.owner)
    typed = {
        "options-1-years-0-capital": "£1,234.50",
        "options-1-years-0-revenue": " 1234 ",
        "options-1-years-0-non_cashable": "1234.5",
    }
    assert client.post(edit_url, data=_form(**typed)).status_code == 302
    case = case_queries.latest_for_improvement(improvement.id)
    assert case is not None
    year0 = case.options[1].years[0]
    assert (year0.capital_pence, year0.revenue_pence, year0.non_cashable_benefit_pence) == (
        123_450,
        123_400,
        123_450,
    )


@pytest.mark.parametrize(
    ("overrides", "box", "message"),
    [
        (
            {
                "options-0-name": "",
                "options-0-is_business_as_usual": "",
                "options-0-years-0-capital": "",
                "options-1-name": "",
                "options-1-years-0-capital": "",
                "options-1-years-1-cashable": "",
                "options-1-years-2-cashable": "",
            },
            "options-0-name",
            "Add at least one option, such as business as usual.",
        ),
        (
            {
                "options-1-years-0-capital": "",
                "options-1-years-1-cashable": "",
                "options-1-years-2-cashable": "",
            },
            "options-1-name",
            "Add figures for at least one year to this option.",
        ),
        ({"preferred_option": "2"}, "preferred_option", "Choose the preferred option."),
        (
            {"discount_rate": "25"},
            "discount_rate",
            "The discount rate must be between 0% and 20%. The Green Book rate is 3.5%.",
        ),
        ({"discount_rate": "NaN"}, "discount_rate", "Enter a number, for example 3.5."),
        ({"optimism_bias_pct": "250"}, "optimism_bias_pct", "Optimism bias must be between 0% and 200%."),
        (
            {"optimism_bias_pct": "12.345"},
            "optimism_bias_pct",
            "Enter the number with no more than 2 decimal places.",
        ),
        ({"fte_change": "1e3"}, "fte_change", "Enter a number, for example -2.5."),
        (
            {"options-1-name": "business AS usual"},
            "options-1-name",
            "Option 2 has the same name as option 1. Give each option a different name.",
        ),
    ],
)
def test_bad_input_is_shown_next_to_its_box_and_nothing_is_stored(
    client: FlaskClient,
    login_as: Any,
    db_session: Any,
    improvement: Improvement,
    overrides: dict[str, str],
    box: str,
    message: str,
) -> None:
    _, edit_url, _ = _urls(improvement)
    login_as(improvement.owner)
    response = client.post(edit_url, data=_form(**overrides))
    assert response.status_code == 422
    assert message in field_errors(response)
    summary = [(a["href"], a.get_text(strip=True)) for a in page(response).select(".error-summary a")]
    assert (f"#{box}", message) in summary
    assert page(response).select_one(f"#{box}") is not None
    assert _case_count(db_session) == 0


def test_a_preferred_option_left_blank_is_refused(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
) -> None:
    _, edit_url, _ = _urls(improvement)
    login_as(improvement.owner)
    data = _form()
    del data["preferred_option"]
    response = client.post(edit_url, data=data)
    assert response.status_code == 422
    assert "Choose the preferred option." in field_errors(response)
    assert _case_count(db_session) == 0


class TestWhoMayDoWhat:
    def test_a_design_authority_member_may_write(
        self, client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
    ) -> None:
        login_as(UserFactory(design_authority=True))
        assert client.post(_urls(improvement)[1], data=_form()).status_code == 302

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
        show_url, edit_url, _ = _urls(improvement)
        shown = client.get(show_url)
        assert shown.status_code == 200
        assert "Edit the draft" not in shown.get_data(as_text=True)
        assert not page(shown).select(f"form[action='/business-cases/{case.id}/submit']")
        assert client.get(f"/business-cases/{case.id}").status_code == 200
        assert client.get(edit_url).status_code == 403
        assert client.post(edit_url, data=_form(based_on_version="1")).status_code == 403
        assert client.post(f"/business-cases/{case.id}/submit").status_code == 403
        assert db_session.scalar(select(BusinessCase.status).where(BusinessCase.id == case.id)) == "draft"

    def test_a_hidden_improvement_is_404(self, client: FlaskClient, login_as: Any, db_session: Any) -> None:
        improvement = ImprovementFactory(withdrawn=True)
        login_as(UserFactory())
        show_url, edit_url, compare_url = _urls(improvement)
        for url in (show_url, edit_url, compare_url):
            assert client.get(url).status_code == 404
        assert client.get("/business-cases/999999").status_code == 404

    def test_the_editor_is_closed_at_stages_without_a_business_case(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        improvement = ImprovementFactory(realisation=True)
        login_as(improvement.owner)
        assert client.get(_urls(improvement)[1]).status_code == 409
        assert client.post(_urls(improvement)[1], data=_form()).status_code == 409
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
    assert "net present value £1,398" in text and "paying back in 1.7 years" in text
    assert section.select_one("a")["href"] == f"/improvements/{case.improvement_id}/business-case"


def test_the_owner_is_invited_to_write_one(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
) -> None:
    login_as(improvement.owner)
    section = page(client.get(f"/improvements/{improvement.id}")).select_one("#business-case-heading").parent
    assert section.select_one("a")["href"] == f"/improvements/{improvement.id}/business-case/edit"


def test_the_programmes_case_is_shown_read_only(client: FlaskClient, login_as: Any, db_session: Any) -> None:
    from changeauth.cli.seed import load_demo

    load_demo()
    db_session.commit()
    login_as(UserFactory(design_authority=True))
    governance = db_session.scalar(select(Improvement).where(Improvement.ref == "IMP-2021-0009"))
    detail = page(client.get(f"/improvements/{governance.id}"))
    link = next(a for a in detail.select("a") if "programme's business case" in a.get_text())
    shown = client.get(link["href"])
    assert shown.status_code == 200
    html = page(shown)
    row = next(tr for tr in html.select("tbody tr") if "Transformation programme" in tr.get_text())
    # £7,448,155 in year 0 for £2,483,925 a year in years 1–3: PV benefits £6,959,056, NPV −£489,099,
    # BCR 0.9343, payback 2.9985 → 3.0 years.
    assert [td.get_text(strip=True) for td in row.select("td")] == [
        "£7,448,155",
        "£6,959,056",
        "-£489,099",
        "0.93",
        "3.0 years",
    ]
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
    assert any(a.get_text() == "Business cases" for a in listing.select(".site-nav a"))
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
    assert not any(a.get_text() == "Business cases" for a in home.select(".site-nav a"))


def test_a_case_bigger_than_the_editor_is_not_cut_down_by_it(
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
    _, edit_url, _ = _urls(improvement)
    assert client.get(edit_url).status_code == 409
    assert client.post(edit_url, data=_form(based_on_version="1")).status_code == 409
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
