"""Writing a business case through its task list: each section page saves on its own, statuses follow
what is stored, a refused figure names the option, year and column and keeps what was typed (nothing
stored), options are added and removed, the appraisal preview works with and without script, and
"Submit for review" is offered only once the case can be submitted."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from changeauth.models import BusinessCase, BusinessCaseOption, Improvement
from changeauth.queries import business_cases as case_queries
from tests.factories import ImprovementFactory
from tests.functional.test_business_case_pages import (
    APPRAISAL,
    BUSINESS_AS_USUAL,
    ONLINE_BOOKING,
    RISKS,
    STRATEGIC,
    save_page,
    write_case,
)
from tests.helpers import field_errors, page


@pytest.fixture
def improvement(db_session: Any) -> Improvement:
    return ImprovementFactory(business_case=True)


def _base(improvement: Improvement) -> str:
    return f"/improvements/{improvement.id}/business-case"


def _statuses(client: FlaskClient, improvement: Improvement) -> dict[str, str]:
    tasks = page(client.get(f"{_base(improvement)}/tasks"))
    return {
        item.select_one(".task-list__name").get_text(strip=True): item.select_one(
            ".task-list__status"
        ).get_text(strip=True)
        for item in tasks.select(".task-list__item")
    }


def _cases(db_session: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(BusinessCase)) or 0


def test_statuses_follow_each_saved_section(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
) -> None:
    login_as(improvement.owner)
    base = _base(improvement)
    assert _statuses(client, improvement) == {
        "The strategic case: problem, fit and priorities": "Not started",
        "Options and their costs and benefits by year": "Not started",
        "The preferred option and appraisal settings": "Not started",
        "The commercial case: procurement and the deal": "Not started",
        "The financial case: affordability and funding": "Not started",
        "The management case: delivery, benefits and evaluation": "Not started",
        "Risks, including local government reform": "Not started",
    }
    assert save_page(client, f"{base}/strategic-case", {**STRATEGIC, "strategic_fit": ""}).status_code == 302
    assert _statuses(client, improvement)["The strategic case: problem, fit and priorities"] == "In progress"
    assert save_page(client, f"{base}/strategic-case", STRATEGIC).status_code == 302
    assert save_page(client, f"{base}/options/new", {"name": "Business as usual"}).status_code == 302
    statuses = _statuses(client, improvement)
    assert statuses["The strategic case: problem, fit and priorities"] == "Completed"
    assert statuses["Option 1: Business as usual"] == "In progress"  # named, no figures yet
    assert save_page(client, f"{base}/options/1", BUSINESS_AS_USUAL).status_code == 302
    assert (
        save_page(client, f"{base}/risks", {"risks": "Slow take-up.", "reform_risk": ""}).status_code == 302
    )
    statuses = _statuses(client, improvement)
    assert statuses["Option 1: Business as usual"] == "Completed"
    assert statuses["Risks, including local government reform"] == "In progress"
    # Not every section is completed: nothing to submit yet.
    assert not page(client.get(f"{base}/tasks")).select("form[action*='submit']")


def test_submit_for_review_is_offered_once_every_section_is_completed(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
) -> None:
    login_as(improvement.owner)
    write_case(client, improvement.id, risks={"risks": "Slow take-up.", "reform_risk": ""})
    case = case_queries.latest_for_improvement(improvement.id)
    assert case is not None
    assert not page(client.get(f"{_base(improvement)}/tasks")).select("form[action*='submit']")
    # Submitting anyway (an old page, a hand-made request) a draft that lacks what the decision needs
    # (here its preferred option, removed) is refused and nothing changes.
    assert save_page(client, f"{_base(improvement)}/options/2/remove", {}).status_code == 302
    case = case_queries.get_case(case.id, improvement.owner, fresh=True)
    refused = client.post(f"/business-cases/{case.id}/submit", data={"lock_version": str(case.lock_version)})
    assert refused.status_code == 422
    assert db_session.scalar(select(BusinessCase.status).where(BusinessCase.id == case.id)) == "draft"
    assert save_page(client, f"{_base(improvement)}/options/new", ONLINE_BOOKING).status_code == 302
    assert save_page(client, f"{_base(improvement)}/preferred-option", APPRAISAL).status_code == 302
    assert not page(client.get(f"{_base(improvement)}/tasks")).select("form[action*='submit']")
    assert save_page(client, f"{_base(improvement)}/risks", RISKS).status_code == 302
    assert set(_statuses(client, improvement).values()) == {"Completed"}
    assert page(client.get(f"{_base(improvement)}/tasks")).select_one("form[action*='submit'] button")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("ten pounds", "Enter the amount using numbers only, for example £1,234.50."),
        ("12.345", "Enter the amount to the nearest penny, with no more than 2 decimal places."),
        ("1000000000.01", "Enter an amount of £1,000,000,000 or less."),
        ("-5", "Enter an amount of £0 or more."),
    ],
)
def test_a_refused_figure_names_the_option_year_and_column_and_keeps_the_input(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement, typed: str, message: str
) -> None:
    login_as(improvement.owner)
    write_case(client, improvement.id)
    before = case_queries.latest_for_improvement(improvement.id)
    assert before is not None
    response = save_page(
        client, f"{_base(improvement)}/options/2", {**ONLINE_BOOKING, "years-1-capital": typed}
    )
    assert response.status_code == 422
    assert field_errors(response) == [message]
    html = page(response)
    assert html.select_one("#years-1-capital")["value"] == typed
    assert html.select_one("#years-1-cashable")["value"] == "6,000"  # the rest as typed too
    link = html.select_one(".error-summary a")
    assert link["href"] == "#years-1-capital"
    assert link.get_text(" ", strip=True) == f"Option 2 (Online booking), year 1, capital cost: {message}"
    assert html.title.get_text().startswith("Error: ")
    after = case_queries.get_case(before.id, improvement.owner, fresh=True)
    assert after.lock_version == before.lock_version and after.options[1].years[1].capital_pence == 0


def test_the_services_own_refusals_land_on_the_option_page(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
) -> None:
    login_as(improvement.owner)
    write_case(client, improvement.id)
    # Two options may not share a name: the service says so, and the page keeps what was typed.
    response = save_page(
        client, f"{_base(improvement)}/options/2", {**ONLINE_BOOKING, "name": "business AS usual"}
    )
    assert response.status_code == 422
    summary = [(a["href"], a.get_text(strip=True)) for a in page(response).select(".error-summary a")]
    assert summary == [
        ("#name", "Option 2 has the same name as option 1. Give each option a different name.")
    ]
    assert page(response).select_one("#name")["value"] == "business AS usual"
    blank = save_page(client, f"{_base(improvement)}/options/new", {"name": "", "years-0-capital": "5"})
    assert blank.status_code == 422 and field_errors(blank) == ["Enter a name for this option."]
    assert _cases(db_session) == 1


@pytest.mark.parametrize(
    ("url", "answers", "box", "message"),
    [
        (
            "preferred-option",
            {**APPRAISAL, "preferred_option": ""},
            "preferred_option",
            "Choose the preferred option.",
        ),
        (
            "preferred-option",
            {**APPRAISAL, "discount_rate": "25"},
            "discount_rate",
            "The discount rate must be between 0% and 20%. The Green Book rate is 3.5%.",
        ),
        (
            "preferred-option",
            {**APPRAISAL, "fte_change": "1e3"},
            "fte_change",
            "Enter a number, for example -2.5.",
        ),
        (
            "preferred-option",
            {**APPRAISAL, "appraisal_years": "61"},
            "appraisal_years",
            "Enter an appraisal period between 1 and 60 years.",
        ),
        (
            "preferred-option",
            {**APPRAISAL, "appraisal_years": "ten"},
            "appraisal_years",
            "Enter a number, for example 10.",
        ),
        (
            "strategic-case",
            {**STRATEGIC, "kind": ""},
            "kind",
            "Choose whether this is an outline or a full business case.",
        ),
        ("risks", {**RISKS, "risks": "x" * 10_001}, "risks", "Keep this to 10,000 characters or fewer."),
    ],
)
def test_bad_input_on_a_section_page_is_shown_by_its_box_and_nothing_is_stored(
    client: FlaskClient,
    login_as: Any,
    db_session: Any,
    improvement: Improvement,
    url: str,
    answers: dict[str, str],
    box: str,
    message: str,
) -> None:
    login_as(improvement.owner)
    write_case(client, improvement.id)
    before = case_queries.latest_for_improvement(improvement.id)
    assert before is not None
    response = save_page(client, f"{_base(improvement)}/{url}", answers)
    assert response.status_code == 422
    summary = [(a["href"], a.get_text(strip=True)) for a in page(response).select(".error-summary a")]
    assert (f"#{box}", message) in summary
    after = case_queries.get_case(before.id, improvement.owner, fresh=True)
    assert after.lock_version == before.lock_version


def test_adding_and_removing_options(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
) -> None:
    login_as(improvement.owner)
    write_case(client, improvement.id)
    base = _base(improvement)
    third = {"name": "Shared service", "years-0-revenue": "4,000", "years-1-cashable": "5,000"}
    assert save_page(client, f"{base}/options/new", third).status_code == 302
    assert "Option 3: Shared service" in _statuses(client, improvement)
    confirm = page(client.get(f"{base}/options/2/remove"))
    assert confirm.h1.get_text(strip=True) == "Remove option 2: Online booking?"
    assert save_page(client, f"{base}/options/2/remove", {}).status_code == 302
    case = case_queries.latest_for_improvement(improvement.id)
    assert case is not None
    assert [option.name for option in case.options] == ["Business as usual", "Shared service"]
    # The removed option was preferred: none is now, so the section is back in progress.
    assert case.preferred_option == ""
    assert _statuses(client, improvement)["The preferred option and appraisal settings"] == "In progress"
    assert client.get(f"{base}/options/3").status_code == 404
    assert db_session.scalar(select(func.count()).select_from(BusinessCaseOption)) == 2


def test_renaming_the_preferred_option_keeps_it_preferred(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
) -> None:
    login_as(improvement.owner)
    write_case(client, improvement.id)
    renamed = {**ONLINE_BOOKING, "name": "Online booking and payment"}
    assert save_page(client, f"{_base(improvement)}/options/2", renamed).status_code == 302
    case = case_queries.latest_for_improvement(improvement.id)
    assert case is not None and case.preferred_option == "Online booking and payment"


def test_the_appraisal_preview_with_and_without_script(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
) -> None:
    login_as(improvement.owner)
    write_case(client, improvement.id)
    base = _base(improvement)
    # Without script: the page's own button shows the figures and stores nothing.
    before = case_queries.latest_for_improvement(improvement.id)
    assert before is not None
    shown = page(
        client.post(
            f"{base}/options/2", data={**ONLINE_BOOKING, "action": "preview", "based_on_version": "1"}
        )
    )
    figures = {
        dd["data-figure"]: dd.get_text(strip=True)
        for dd in shown.select("#appraisal-preview dd[data-figure]")
    }
    assert figures == {"npv": "£1,398", "bcr": "1.14", "payback": "1.7 years"}
    after = case_queries.get_case(before.id, improvement.owner, fresh=True)
    assert after.lock_version == before.lock_version
    # With script: the fragment the page fetches while the person types, from the same calculation.
    fragment = page(
        client.post(f"{base}/options/preview", data={**ONLINE_BOOKING, "years-1-cashable": "12,000"})
    )
    figures = {dd["data-figure"]: dd.get_text(strip=True) for dd in fragment.select("dd[data-figure]")}
    # PV benefits 12,000/1.035 + 6,000/1.035² = £17,195 against £10,000 of cost.
    assert figures == {"npv": "£7,195", "bcr": "1.72", "payback": "0.8 years"}
    free = page(client.post(f"{base}/options/preview", data={"name": "Free", "years-0-cashable": "5"}))
    assert (
        free.select_one("dd[data-figure=payback]").get_text(strip=True) == "Pays back within the first year"
    )
    never = page(client.post(f"{base}/options/preview", data={"name": "Costly", "years-0-capital": "5"}))
    assert never.select_one("dd[data-figure=payback]").get_text(strip=True) == (
        "Does not pay back within the appraisal period"
    )
    bad = client.post(f"{base}/options/preview", data={"name": "X", "years-0-capital": "lots"})
    assert bad.status_code == 200 and "Correct the figures marked" in bad.get_data(as_text=True)


def test_a_draft_without_a_preferred_option_says_so(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
) -> None:
    login_as(improvement.owner)
    assert save_page(client, f"{_base(improvement)}/strategic-case", STRATEGIC).status_code == 302
    shown = page(client.get(_base(improvement))).get_text(" ", strip=True)
    assert "Preferred option: not chosen yet" in shown
    section = page(client.get(f"/improvements/{improvement.id}")).select_one("#business-case-heading").parent
    assert "No preferred option chosen yet." in section.get_text(" ", strip=True)


def test_the_appraisal_period_is_set_on_the_preferred_option_page(
    client: FlaskClient, login_as: Any, improvement: Improvement
) -> None:
    login_as(improvement.owner)
    write_case(client, improvement.id)
    settings = page(client.get(f"{_base(improvement)}/preferred-option"))
    assert settings.select_one("#appraisal_years")["value"] == "10"  # the Green Book's usual period
    saved = save_page(
        client, f"{_base(improvement)}/preferred-option", {**APPRAISAL, "appraisal_years": "15"}
    )
    assert saved.status_code == 302
    case = case_queries.latest_for_improvement(improvement.id)
    assert case is not None and case.appraisal_years == 15
    assert (
        page(client.get(f"{_base(improvement)}/preferred-option")).select_one("#appraisal_years")["value"]
        == "15"
    )
