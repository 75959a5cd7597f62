"""The five cases through the task list's pages: the commercial, financial and management cases save
as you go with their statuses, bad lines are refused by their box, submitting waits for all five, and
the case page and the G1 gate page word NPV against business as usual, switching values and the
sensitivity table in plain English."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from changeauth.models import Improvement
from changeauth.queries import business_cases as case_queries
from tests.factories import ImprovementFactory, UserFactory
from tests.functional.test_business_case_pages import (
    APPRAISAL,
    COMMERCIAL,
    FINANCIAL,
    MANAGEMENT,
    save_page,
    write_case,
)
from tests.helpers import page


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


def _may_submit(client: FlaskClient, improvement: Improvement) -> bool:
    return bool(page(client.get(f"{_base(improvement)}/tasks")).select("form[action*='submit']"))


def test_submitting_waits_for_the_commercial_financial_and_management_cases(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
) -> None:
    login_as(improvement.owner)
    write_case(client, improvement.id, commercial={}, financial={}, management={})
    statuses = _statuses(client, improvement)
    assert statuses["The commercial case: procurement and the deal"] == "Not started"
    assert not _may_submit(client, improvement)
    base = _base(improvement)
    assert save_page(client, f"{base}/commercial", COMMERCIAL).status_code == 302
    assert save_page(client, f"{base}/financial", FINANCIAL).status_code == 302
    assert not _may_submit(client, improvement)
    assert (
        save_page(client, f"{base}/management", {"delivery_arrangements": "The waste team."}).status_code
        == 302
    )
    assert (
        _statuses(client, improvement)["The management case: delivery, benefits and evaluation"]
        == "In progress"
    )
    assert save_page(client, f"{base}/management", MANAGEMENT).status_code == 302
    assert set(_statuses(client, improvement).values()) == {"Completed"}
    assert _may_submit(client, improvement)
    # What was saved reads back on the pages.
    financial = page(client.get(f"{base}/financial"))
    assert financial.select_one("#funding-0-source")["value"] == "Digital transformation reserve"
    assert (
        "The funding matches the £10,000 of costs" in financial.select_one("#affordability-check").get_text()
    )


def test_optimism_bias_needs_a_justification_and_reaches_the_appraisal(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
) -> None:
    login_as(improvement.owner)
    biased = {**APPRAISAL, "benefits_bias_pct": "10", "duration_bias_pct": "0", "price_base_year": "2025"}
    write_case(client, improvement.id, appraisal=biased)
    assert _statuses(client, improvement)["The preferred option and appraisal settings"] == "In progress"
    assert not _may_submit(client, improvement)
    justified = {**biased, "optimism_bias_justification": "A standard online form: the lower bound."}
    assert save_page(client, f"{_base(improvement)}/preferred-option", justified).status_code == 302
    assert _may_submit(client, improvement)
    case = case_queries.latest_for_improvement(improvement.id)
    assert case is not None and (case.benefits_bias_pct, case.price_base_year) == (10, 2025)
    shown = page(client.get(_base(improvement))).get_text(" ", strip=True)
    assert "2025/26 prices" in shown
    # Benefits £11,398 × 0.9 = £10,258 against £10,000: £258 better than business as usual (all zeros).
    # Benefits may fall 258 / 10,258 = 2.5 % → "2%"; costs rise 2.58 % → "2%".
    assert "returns £258 more than it costs" in shown
    assert "Benefits could fall by 2% before this option costs more than it returns." in shown
    assert "Costs could rise by 2% before this option costs more than it returns." in shown


def test_the_sensitivity_table_and_the_gate_page_in_words(
    client: FlaskClient, login_as: Any, db_session: Any, improvement: Improvement
) -> None:
    login_as(improvement.owner)
    write_case(client, improvement.id)
    shown = page(client.get(_base(improvement)))
    rows = {
        tr.th.get_text(strip=True): [td.get_text(strip=True) for td in tr.select("td")]
        for tr in shown.select("#sensitivity table tbody tr")
    }
    # NPV £1,398 (PV costs £10,000, benefits £11,398): benefits may fall 12.27 % → 12 %,
    # costs rise 13.98 % → 13 %.
    assert rows["As estimated"] == ["£1,398", "Yes"]
    assert rows["Costs 20% higher"] == ["−£602", "No"] or rows["Costs 20% higher"] == ["-£602", "No"]
    assert rows["Benefits 10% lower"] == ["£258", "Yes"]
    # A year late: the year 2 saving falls past the last year: 6,000/1.035² = £5,601 − £10,000.
    assert rows["Benefits a year late"][1] == "No"
    text = shown.get_text(" ", strip=True)
    assert "Benefits could fall by 12% before this option costs more than it returns." in text
    login_as(UserFactory(design_authority=True))
    gate = page(client.get(f"/improvements/{improvement.id}/gate"))
    facts = gate.select_one("#switching-values").get_text(" ", strip=True)
    assert (
        "Benefits could fall by 12% or costs rise by 13% before this option costs more than it returns."
        in facts
    )


@pytest.mark.parametrize(
    ("answers", "box", "message"),
    [
        (
            {"funding-0-financial_year": "2026", "funding-0-capital": "10"},
            "funding-0-source",
            "Line 1: Say where",
        ),
        (
            {"funding-1-capital": "10", "funding-1-source": "Reserve"},
            "funding-1-financial_year",
            "Line 2: Enter the year",
        ),
        (
            {"funding-0-financial_year": "twenty", "funding-0-source": "Reserve"},
            "funding-0-financial_year",
            "",
        ),
        (
            {"funding-0-financial_year": "2026", "funding-0-capital": "-5", "funding-0-source": "R"},
            "funding-0-capital",
            "",
        ),
    ],
)
def test_a_bad_funding_line_is_refused_by_its_box_and_nothing_is_stored(
    client: FlaskClient,
    login_as: Any,
    db_session: Any,
    improvement: Improvement,
    answers: dict[str, str],
    box: str,
    message: str,
) -> None:
    login_as(improvement.owner)
    write_case(client, improvement.id)
    before = case_queries.latest_for_improvement(improvement.id)
    assert before is not None
    response = save_page(client, f"{_base(improvement)}/financial", answers)
    assert response.status_code == 422
    # The message sits by its box (and in the summary, which links to the box).
    shown = page(response)
    by_box = shown.select_one(f"#{box}").find_parent("td").select_one(".error-message")
    assert by_box is not None and message in by_box.get_text()
    assert shown.select_one(f".error-summary a[href='#{box}']")
    after = case_queries.get_case(before.id, improvement.owner, fresh=True)
    assert after.content().funding == before.content().funding
