"""Savings by financial year through the pages, the export and the API: the owner plans each year, finance
(independent of the benefit) signs off the budget reduction, and every place shows the same figures."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from changeauth.models import AuditEvent, BenefitYear, Notification
from changeauth.queries import clock
from changeauth.services import users as user_service
from tests.factories import BenefitFactory, BenefitMeasurementFactory, UserFactory
from tests.helpers import field_errors, page

TODAY = date(2026, 11, 29)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def _saving(db_session: Any, *, validated_by: Any = None) -> Any:
    """A cashable saving of £15,000 a year measured in October 2026 (validated when a validator is given)."""
    benefit = BenefitMeasurementFactory(
        benefit=BenefitFactory(cashable=True), value=Decimal(1_500_000), period_end=date(2026, 10, 31)
    ).benefit
    if validated_by is not None:
        benefit.validated_by_id = validated_by.id
        benefit.validated_at = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    db_session.flush()
    return benefit


def _years(db_session: Any, benefit: Any) -> list[BenefitYear]:
    return list(db_session.scalars(select(BenefitYear).where(BenefitYear.benefit_id == benefit.id)))


def _year_row(response: Any, year: int) -> str:
    row = page(response).select_one(f"#year-{year}")
    assert row is not None, f"no row for {year}"
    return row.get_text(" ", strip=True)


def test_the_owner_plans_a_year_and_sees_it_beside_what_was_realised(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    finance = UserFactory(finance=True)
    benefit = _saving(db_session, validated_by=finance)
    login_as(benefit.owner)
    form = client.get(f"/benefits/{benefit.id}/years/2026/plan")
    assert form.status_code == 200 and "Plan the saving for 2026/27" in form.get_data(as_text=True)
    response = client.post(
        f"/benefits/{benefit.id}/years/2026/plan",
        data={"version": "0", "planned_pence": "12,000", "one_off_cost_pence": "2,500"},
    )
    assert response.status_code == 302, field_errors(response)
    detail = client.get(f"/benefits/{benefit.id}")
    # Planned £12,000; realised £15,000 (validated); one-off £2,500; net £12,500; not taken out.
    assert (
        _year_row(detail, 2026)
        == "2026/27 £12,000 £15,000 £2,500 £12,500 Not yet Change the plan for 2026/27"
    )
    improvement = client.get(f"/improvements/{benefit.improvement_id}/benefits")
    row = page(improvement).select_one("#improvement-years-2026")
    assert row is not None
    # The improvement's net saving is the year's saving less its temporary staff: the £2,500 investment is
    # its own column, not taken off it.
    assert row.get_text(" ", strip=True) == "2026/27 £12,000 £15,000 £0 £0 £2,500 £15,000 £0"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"planned_pence": ""}, "planned_pence", "Enter the saving planned for the year, or 0."),
        ({"planned_pence": "-5"}, "planned_pence", "Enter an amount of £0 or more."),
        (
            {"planned_pence": "12,000", "one_off_cost_pence": "lots"},
            "one_off_cost_pence",
            "using numbers only",
        ),
    ],
)
def test_a_bad_plan_says_what_is_wrong_and_writes_nothing(
    client: FlaskClient, login_as: Any, db_session: Any, data: dict[str, str], field: str, message: str
) -> None:
    benefit = _saving(db_session)
    login_as(benefit.owner)
    response = client.post(f"/benefits/{benefit.id}/years/2026/plan", data={"version": "0", **data})
    assert response.status_code == 422
    assert any(message in error for error in field_errors(response)), field_errors(response)
    assert _years(db_session, benefit) == []


def test_a_year_outside_the_range_is_refused_in_words(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    benefit = _saving(db_session)
    login_as(benefit.owner)
    response = client.post(
        f"/benefits/{benefit.id}/years/3000/plan", data={"version": "0", "planned_pence": "1"}
    )
    assert response.status_code == 422
    assert "Choose a financial year between 1990/91 and 2100/01." in response.get_data(as_text=True)
    assert _years(db_session, benefit) == []


def test_a_stale_plan_form_is_a_conflict(client: FlaskClient, login_as: Any, db_session: Any) -> None:
    benefit = _saving(db_session)
    login_as(benefit.owner)
    first = {"version": "0", "planned_pence": "10,000"}
    assert client.post(f"/benefits/{benefit.id}/years/2026/plan", data=first).status_code == 302
    # A second form read before the first was saved still says "nothing recorded".
    stale = client.post(f"/benefits/{benefit.id}/years/2026/plan", data={**first, "planned_pence": "9,000"})
    assert stale.status_code == 409
    assert [row.planned_pence for row in _years(db_session, benefit)] == [1_000_000]


def test_only_the_owner_or_the_design_authority_plans(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    benefit = _saving(db_session)
    login_as(UserFactory(finance=True))
    assert client.get(f"/benefits/{benefit.id}/years/2026/plan").status_code == 403
    response = client.post(
        f"/benefits/{benefit.id}/years/2026/plan", data={"version": "0", "planned_pence": "1"}
    )
    assert response.status_code == 403
    assert _years(db_session, benefit) == []


def test_finance_signs_off_the_budget_reduction_and_the_owner_is_told(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    benefit = _saving(db_session, validated_by=UserFactory(finance=True))
    finance = login_as(UserFactory(finance=True, name="Fran Finance"))
    detail = client.get(f"/benefits/{benefit.id}")
    assert "Record the budget reduction for 2026/27" in _year_row(detail, 2026)
    form = page(client.get(f"/benefits/{benefit.id}/years/2026/budget"))
    assert form.select_one("#taken_out_pence")["value"] == "15,000"  # the realised saving, to start from
    response = client.post(
        f"/benefits/{benefit.id}/years/2026/budget",
        data={
            "version": "0",
            "budget_line": "Customer services staffing",
            "taken_out_pence": "15,000",
            "taken_out_on": "2026-11-20",
        },
    )
    assert response.status_code == 302, field_errors(response)
    row = _year_row(client.get(f"/benefits/{benefit.id}"), 2026)
    assert "£15,000 from Customer services staffing on 20 November 2026, signed off by Fran Finance" in row
    told = db_session.scalars(select(Notification.text).where(Notification.user_id == benefit.owner_id))
    assert any("Customer services staffing" in text and "2026/27" in text for text in told)
    audit = db_session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == benefit.id))
    assert "benefit.budget_reduced" in list(audit)
    # Once signed off it stands.
    again = client.post(
        f"/benefits/{benefit.id}/years/2026/budget",
        data={"version": "1", "budget_line": "Other", "taken_out_pence": "1", "taken_out_on": "2026-11-21"},
    )
    assert again.status_code == 422
    assert "has already been taken out of a budget" in again.get_data(as_text=True)
    assert [r.budget_line for r in _years(db_session, benefit)] == ["Customer services staffing"]
    assert finance.id == _years(db_session, benefit)[0].taken_out_by_id


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"budget_line": ""}, "Enter the budget line the saving was taken out of."),
        ({"taken_out_pence": "0"}, "Enter an amount between 1p and £1,000,000,000."),
        ({"taken_out_on": "2026-12-25"}, "The date the budget was reduced cannot be in the future."),
        ({"taken_out_on": "31 February 2026"}, "Enter a real date with the day, month and year"),
    ],
)
def test_a_bad_budget_reduction_says_what_is_wrong_and_writes_nothing(
    client: FlaskClient, login_as: Any, db_session: Any, data: dict[str, str], message: str
) -> None:
    benefit = _saving(db_session)
    login_as(UserFactory(finance=True))
    good = {"version": "0", "budget_line": "Staffing", "taken_out_pence": "100", "taken_out_on": "2026-11-01"}
    response = client.post(f"/benefits/{benefit.id}/years/2026/budget", data={**good, **data})
    assert response.status_code == 422
    assert any(message in error for error in field_errors(response)), field_errors(response)
    assert _years(db_session, benefit) == []


def test_a_year_is_taken_out_of_the_budget_by_its_end(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    benefit = _saving(db_session)
    login_as(UserFactory(finance=True))
    response = client.post(
        f"/benefits/{benefit.id}/years/2024/budget",
        data={
            "version": "0",
            "budget_line": "Staffing",
            "taken_out_pence": "100",
            "taken_out_on": "2025-04-01",
        },
    )
    assert response.status_code == 422
    assert "by the end of that year, 31 March 2025" in " ".join(field_errors(response))


def test_nobody_signs_off_their_own_saving(client: FlaskClient, login_as: Any, db_session: Any) -> None:
    owner_in_finance = UserFactory(finance=True, manager=True)
    benefit = _saving(db_session)
    benefit.owner_id = owner_in_finance.id
    db_session.flush()
    data = {"version": "0", "budget_line": "Staffing", "taken_out_pence": "100", "taken_out_on": "2026-11-01"}
    for person in (owner_in_finance, benefit.improvement.owner, UserFactory(manager=True)):
        login_as(person)
        assert client.get(f"/benefits/{benefit.id}/years/2026/budget").status_code == 403
        assert client.post(f"/benefits/{benefit.id}/years/2026/budget", data=data).status_code == 403
    assert _years(db_session, benefit) == []


def _api(db_session: Any, user: Any) -> dict[str, str]:
    token, _ = user_service.issue_api_token(user, name="t", actor_id=user.id)
    db_session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_the_api_and_the_export_carry_the_same_years(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    benefit = _saving(db_session, validated_by=UserFactory(finance=True))
    login_as(benefit.owner)
    client.post(f"/benefits/{benefit.id}/years/2026/plan", data={"version": "0", "planned_pence": "12,000"})
    viewer = UserFactory(viewer=True)
    answer = client.get(f"/api/v1/benefits/{benefit.id}", headers=_api(db_session, viewer)).get_json()
    # The years before the owner's plan are the profile's (from its baseline's year): the owner's plan
    # for 2026/27 is the year's planned saving.
    assert [y["financial_year"] for y in answer["years"]][-1] == 2026
    assert answer["years"][-1:] == [
        {
            "financial_year": 2026,
            "label": "2026/27",
            "planned_pence": 1_200_000,
            "realised_pence": 1_500_000,
            "adjustments_pence": 0,
            "one_off_cost_pence": 0,
            "net_pence": 1_500_000,
            "taken_out_pence": None,
            "budget_line": None,
            "taken_out_on": None,
            "taken_out_by": None,
        }
    ]
    login_as(viewer)
    text = client.get("/savings-by-year/export.csv?year=2026").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    mine = next(r for r in rows if r["Saving or cost"] == benefit.title)
    assert (
        mine["Financial year"],
        mine["Planned saving (£)"],
        mine["Realised, validated by finance (£)"],
    ) == (
        "2026/27",
        "12000.00",
        "15000.00",
    )
    assert rows[-1]["Saving or cost"].startswith("All savings and costs of ")
    workbook = client.get("/savings-by-year/export.xlsx?year=2026")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    assert any(benefit.title in [str(v) for v in row] for row in sheet.iter_rows(values_only=True))
