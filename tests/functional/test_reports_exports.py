"""Exports of the backlog, the benefits tracker, the temporary-resource register and the audit log:
read back with csv and openpyxl, the page's filters applied, formula cells neutralised (OUT-09),
downloaded as attachments, the CSV streamed, and each refused to those who may not see the page."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import openpyxl
import pytest
from flask.testing import FlaskClient

from changeauth.queries import clock
from tests.factories import (
    BenefitFactory,
    BenefitMeasurementFactory,
    ImprovementFactory,
    TeamFactory,
    TemporaryResourceFactory,
    UserFactory,
)
from tests.helpers import page

AS_OF = date(2026, 11, 29)
HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: AS_OF)


def _csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _xlsx(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def test_backlog_export_applies_the_team_filter_and_round_trips(client: FlaskClient, login_as: Any) -> None:
    team, other = TeamFactory(), TeamFactory()
    ours = ImprovementFactory.create_batch(3, team=team)
    ImprovementFactory.create_batch(2, team=other)
    login_as(UserFactory())
    listing = page(client.get(f"/backlog/?team={team.code}&page=1"))
    link = next(a["href"] for a in listing.select("a") if a.get_text() == "CSV")
    assert f"team={team.code}" in link and "page=" not in link
    rows = _csv(client.get(link))
    assert sorted(r["Reference"] for r in rows) == sorted(i.ref for i in ours)
    assert {r["Team"] for r in rows} == {team.name}
    sheet = _xlsx(client.get(f"/backlog/export.xlsx?team={team.code}"))
    assert sorted(r["Reference"] for r in sheet) == sorted(i.ref for i in ours)
    assert [r["Rank"] for r in sheet] == [int(r["Rank"]) for r in rows]


def test_formula_injection_is_neutralised_in_csv_and_xlsx(client: FlaskClient, login_as: Any) -> None:
    team = TeamFactory()
    for title in HOSTILE:
        ImprovementFactory(title=title, team=team)
    login_as(UserFactory())
    titles = {r["Title"] for r in _csv(client.get(f"/backlog/export.csv?team={team.code}"))}
    assert titles == {"'" + title for title in HOSTILE}
    response = client.get(f"/backlog/export.xlsx?team={team.code}")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    cells = [row[2] for row in workbook.active.iter_rows(min_row=2)]
    assert len(cells) == len(HOSTILE)
    # (XlsxWriter stores the carriage return as the escape _x000D_; what matters is the apostrophe.)
    assert all(cell.value.startswith("'") for cell in cells)
    assert {cell.value for cell in cells} >= {"'" + title for title in HOSTILE if "\r" not in title}
    # Stored as text, never as a formula.
    assert {cell.data_type for cell in cells} == {"s"}


def test_benefits_export_with_the_trackers_filters(client: FlaskClient, login_as: Any) -> None:
    money = BenefitFactory(cashable=True, title="Income from garden waste")
    BenefitMeasurementFactory(benefit=money, period_end=date(2026, 4, 30), value=1_250_000)
    BenefitFactory(title="Calls a month")
    login_as(UserFactory(finance=True))
    rows = _csv(client.get("/benefits/export.csv?driver=channel_shift"))
    assert {r["Title"] for r in rows} >= {"Income from garden waste", "Calls a month"}
    garden = next(r for r in rows if r["Title"] == "Income from garden waste")
    # 1,250,000 pence measured against a baseline of 0: £12,500 gross, no adjustments.
    assert garden["Unit (GBP values in pounds)"] == "GBP"
    assert garden["Realised (gross)"] == "12500.00"
    assert garden["Realised (like-for-like adjusted)"] == "12500.00"
    assert garden["Target"] == "50000.00"
    sheet = _xlsx(client.get("/benefits/export.xlsx?driver=channel_shift"))
    garden_cell = next(r for r in sheet if r["Title"] == "Income from garden waste")
    assert garden_cell["Realised (gross)"] == 12500
    assert isinstance(garden_cell["Baseline date"], type(garden_cell["Target date"]))
    none = _csv(client.get("/benefits/export.csv?driver=remodelling"))
    assert "Income from garden waste" not in {r["Title"] for r in none}


def test_temporary_resources_export_on_a_date_and_status(client: FlaskClient, login_as: Any) -> None:
    overrun = TemporaryResourceFactory(overrun=True, role_title="Agency social worker")
    TemporaryResourceFactory(role_title="Contract developer on time")
    login_as(UserFactory(manager=True))
    rows = _csv(client.get("/temporary-resources/export.csv?status=overrun&on=2026-04-30"))
    assert [r["Role"] for r in rows if r["Role"] in {overrun.role_title, "Contract developer on time"}] == [
        "Agency social worker"
    ]
    row = next(r for r in rows if r["Role"] == "Agency social worker")
    # Ended 31 March 2026; on 30 April that is 30 days over: 3,650,000 × 30 / 365 = 300,000 pence.
    assert row["Days overrun"] == "30" and row["Overrun exposure (£)"] == "3000.00"
    sheet = _xlsx(client.get("/temporary-resources/export.xlsx?status=overrun&on=2026-04-30"))
    assert next(r for r in sheet if r["Role"] == "Agency social worker")["Overrun exposure (£)"] == 3000


def test_audit_log_export_is_for_admins(client: FlaskClient, login_as: Any) -> None:
    ImprovementFactory()
    login_as(UserFactory(viewer=True))
    assert client.get("/audit/export.csv").status_code == 403
    assert "Download the log" not in client.get("/audit").get_data(as_text=True)


def test_audit_log_export_streams_and_round_trips(client: FlaskClient, login_as: Any) -> None:
    admin = UserFactory(admin=True)
    login_as(admin)
    client.get("/")  # signing in may itself be audited
    assert "Download the log" in client.get("/audit").get_data(as_text=True)
    response = client.get("/audit/export.csv")
    assert response.is_streamed
    rows = _csv(response)
    ids = [int(r["Event"]) for r in rows]
    assert ids == sorted(ids)
    sheet = _xlsx(client.get("/audit/export.xlsx"))
    assert [r["Event"] for r in sheet] == ids


@pytest.mark.parametrize(
    "url", ["/benefits/export.csv", "/temporary-resources/export.xlsx", "/audit/export.csv"]
)
def test_staff_without_a_reporting_role_are_refused(client: FlaskClient, login_as: Any, url: str) -> None:
    login_as(UserFactory())
    assert client.get(url).status_code == 403


def test_bad_filters_are_ignored_not_a_500(client: FlaskClient, login_as: Any) -> None:
    login_as(UserFactory(admin=True))
    for url in (
        "/backlog/export.csv?team=nope&fmt=xlsx",
        "/benefits/export.csv?owner=abc&rag=purple",
        "/temporary-resources/export.csv?on=not-a-date&status=zzz",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/backlog/export.pdf").status_code == 404
