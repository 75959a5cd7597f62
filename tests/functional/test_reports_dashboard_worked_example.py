"""The dashboard on the worked example: every chart with its alt text and its table, the example's figures
(report §3.2), a constant number of queries, and the printable scrutiny report. The example is loaded once
for the module (``worked_example``) rather than by each test; test_reports_dashboard.py has the tests
that need a database without it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from changeauth import db
from changeauth.queries import clock
from tests.factories import ImprovementFactory, UserFactory
from tests.functional.test_reports_dashboard import AS_OF, SECTIONS, _cells
from tests.helpers import page

pytestmark = pytest.mark.worked_example(as_of=AS_OF)


@pytest.fixture
def demo(db_session: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from changeauth.devtools.worked_example import load_demo

    # The pages' today is fixed; the example's replayed history keeps its own dates while it is built.
    replayed_today = clock.today
    monkeypatch.setattr(clock, "today", lambda: replayed_today() if db.replayed_instant() else AS_OF)
    # The module's example is already loaded: loading it again changes nothing, in a fraction of a second
    # (as tests/functional/test_report_oracle.py does).
    load_demo()
    db_session.commit()


def test_every_chart_has_alt_text_and_a_table_beside_it(
    client: FlaskClient, login_as: Any, demo: None
) -> None:
    login_as(UserFactory(viewer=True))
    html = page(client.get("/dashboard"))
    for section in SECTIONS:
        img = html.select_one(f'img[src="/dashboard/{section}.png"]')
        assert img is not None, section
        assert len(img["alt"]) > 40 and "table" in img["alt"]
        # The figures' table follows the chart, in the box that lets a wide table scroll sideways.
        box = img.find_parent("figure").find_next_sibling(class_="table-scroll")
        following = box.select_one("table") if box is not None else None
        assert following is not None and following.select_one("caption"), section
        chart = client.get(f"/dashboard/{section}.png")
        assert chart.status_code == 200 and chart.mimetype == "image/png"
        assert chart.data.startswith(b"\x89PNG")


def test_the_worked_example_figures(client: FlaskClient, login_as: Any, demo: None) -> None:
    login_as(UserFactory(viewer=True))
    html = page(client.get("/dashboard"))
    pipeline = _cells(html.select_one("#pipeline-table"))
    # Four ideas wait for triage and one for its submitter's answer; the deep dives' others are triaged.
    assert pipeline["Idea"] == ["5"] and pipeline["Closed"] == ["1"]
    benefits = _cells(html.select_one("#benefits-table"))
    # Programme, target, realised (validated by finance), estimates not yet validated, like-for-like. The
    # programme's staff savings: £2,483,925, validated; the report's two adjustments are only proposed, so
    # they count nothing. The later work's modelled licence saving (£18,000) is an estimate, never realised.
    closed, later = "SSDC Transformation Programme", "Continuous improvement, from 2021"
    assert benefits["Remodelling"] == [closed, "£2,483,925", "£2,483,925", "£0", "£2,483,925"]
    assert benefits["Technology and processes"] == [later, "£45,000", "£0", "£18,000", "£0"]
    resources = _cells(html.select_one("#resources-table"))
    # The modelled overrun: 6,570,000p × 29 / 365 = 522,000p.
    assert resources["Overrun"] == ["1", "£65,700", "£5,220"]
    # The seven 2019–21 posts: £494,990 + £240,230 = £735,220 a year in all.
    assert resources["Ended"] == ["7", "£735,220", "£0"]
    maturity = html.select_one("#maturity-table")
    text = maturity.get_text(" ", strip=True)
    for pct in ("86%", "79%", "61%", "83%"):
        assert pct in text
    programme = _cells(html.select_one("#programme-transformation"))
    assert programme["Projected annual saving (business case)"] == ["£2,483,925"]
    assert programme["Validated saving (a year)"] == ["£2,483,925"]
    assert programme["Proposed adjustments, not counted"] == ["£418,821"]
    assert programme["Like-for-like saving (a year)"] == ["£2,483,925"]
    # Report §3.2: each year's saving less that year's temporary staff.
    assert programme["Temporary resource cost 2019/20"] == ["£494,990"]
    assert programme["Net saving 2019/20"] == ["£1,988,935"]
    assert programme["Temporary resource cost 2020/21"] == ["£240,230"]
    assert programme["Net saving 2020/21"] == ["£2,243,695"]
    headline = html.select_one("#dashboard-headline").get_text(" ", strip=True)
    assert "SSDC Transformation Programme £2,483,925 a year" in headline


def test_the_page_costs_a_constant_number_of_queries(
    client: FlaskClient, login_as: Any, demo: None, count_queries: Any
) -> None:
    login_as(UserFactory(viewer=True))
    client.get("/dashboard")
    ImprovementFactory()  # a change, so the figures are built afresh rather than reused
    with count_queries() as before:
        assert client.get("/dashboard").status_code == 200
    ImprovementFactory.create_batch(5)
    ImprovementFactory.create_batch(3, delivery=True)
    with count_queries() as after:
        assert client.get("/dashboard").status_code == 200
    # Twelve report selects (the programmes' money figures, queries.savings, have seven of their own: the
    # sixth reads the plans by financial year, the seventh the dis-benefits in money), the measures more
    # than one improvement claims (one select, queries.attribution), the reports' marker and the request's
    # plumbing; and the shared figures' row read, claimed (the marker again, the row and a conditional
    # update) and written with the new figures (web.shared_views).
    assert after.count == before.count <= 25
    with count_queries() as unchanged:
        assert client.get("/dashboard").status_code == 200
    # Nothing changed since: the figures are the shared JSON kept for every process; no report select.
    assert unchanged.count <= after.count - 9


def test_the_scrutiny_report_is_printable_and_dated(
    client: FlaskClient, login_as: Any, demo: None, project_root: Path
) -> None:
    login_as(UserFactory(viewer=True))
    dashboard = page(client.get("/dashboard"))
    assert any(a.get("href") == "/reports/scrutiny" for a in dashboard.select("a"))
    response = client.get("/reports/scrutiny")
    assert response.status_code == 200
    html = page(response)
    assert "Produced on 29 November 2026" in html.select_one("#produced").get_text()
    summary = {
        row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(" ", strip=True)
        for row in html.select("#portfolio-summary .summary-list__row")
    }
    # Idea 5 + business case 5 + approved 1 + delivery 5 + realisation 2 + closed 1 + on hold 2 + declined 3
    # + merged 1
    assert summary["Improvements recorded, all programmes"] == "25"
    closed, later = "SSDC Transformation Programme", "Continuous improvement, from 2021"
    assert summary[f"{closed}: benefit realised (validated by finance)"] == "£2,483,925"
    assert summary[f"{closed}: estimates not yet validated"] == "£0"
    assert summary[f"{later}: estimates not yet validated"] == "£18,000"
    # The modelled overrun: £5,220.
    assert summary["Cost of temporary resources running past their end date"] == "£5,220"
    programme = _cells(html.select_one("#scrutiny-programme-transformation"))
    assert programme["Net saving 2020/21"] == ["£2,243,695"]
    assert "SSDC Transformation Programme" in html.select_one(".scrutiny__programme h2").get_text()
    # The print stylesheet hides navigation and starts each programme on a new page.
    css = (project_root / "changeauth" / "static" / "css" / "changeauth.css").read_text()
    assert ".scrutiny__programme { page-break-before: always; }" in css
