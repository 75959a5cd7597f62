"""The close-down report is the oracle: each of its figures, listed here with its section, is checked on
the close-down page, the dashboard, the scrutiny report, the XLSX and the API for the worked example;
and every page that shows a realised, like-for-like or net figure shows the same one."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from changeauth import db
from changeauth.domain.lifecycle import Stage
from changeauth.models import Programme
from changeauth.queries import clock
from changeauth.services import users as user_service
from tests.factories import UserFactory
from tests.helpers import page

AS_OF = date(2026, 11, 29)
# The worked example is loaded once for the module (tests/conftest.py); loading it again adds nothing.
pytestmark = pytest.mark.worked_example(as_of=AS_OF)

# (section of the report, what it says, the figure: pence for money)
MONEY = [
    ("§3.2", "one-off investment", "investment", 744_815_500),
    ("§3.2", "projected financial benefit a year", "projected", 248_392_500),
    ("§3.2", "recurring savings the SWAP audit confirmed in November 2019", "realised", 248_392_500),
    ("§3.2", "additional staff 2019/20", "temporary_2019", 49_499_000),
    ("§3.2", "additional staff 2020/21", "temporary_2020", 24_023_000),
    ("§3.2", "additional staff in total", "temporary_total", 73_522_000),
    ("§3.2", "net saving 2019/20: £2,483,925 − £494,990", "net_2019", 198_893_500),
    ("§3.2", "net saving 2020/21: £2,483,925 − £240,230", "net_2020", 224_369_500),
    ("§3.2", "external funding offsetting baseline roles (if…)", "adjustment_external_funding", 9_576_100),
    ("§3.2", "19 posts taken as savings already (possible)", "adjustment_taken_as_savings", 32_306_000),
    ("§3.2", "shortfall: the projected savings were achieved", "shortfall", 0),
]
OTHER = [
    ("§3.2", "reduction in posts (FTE)", "fte", Decimal("77.3")),
    ("§3.2", "payback of approximately three years", "payback", Decimal("3.0")),
    ("§3.3", "customer enablement efficiency achieved", "driver_1", Decimal(86)),
    ("§3.3", "customer channel shift efficiency achieved", "driver_2", Decimal(79)),
    ("§3.3", "technology and processes efficiency achieved", "driver_3", Decimal(61)),
    ("§3.3", "remodelling efficiency achieved", "driver_4", Decimal(83)),
]

# The report's other headline figures, each with the words it uses: (section, quote, key, figure).
CONTEXT = [
    (
        "§1",
        "over £4.1million of savings from the then current budget by 2020-21",
        "savings_needed",
        410_000_000,
    ),
    (
        "§1",
        "46%, or £32.3 million of SSDC's gross annual expenditure, was staff related",
        "staff_cost_share",
        46,
    ),
    (
        "§1",
        "46%, or £32.3 million of SSDC's gross annual expenditure, was staff related",
        "staff_cost",
        3_230_000_000,
    ),
    (
        "§3.2",
        "19 posts have entries totalling £323,060 for “taken as savings already”",
        "posts_taken_as_savings",
        19,
    ),
    (
        "§3.3.1",
        "a significant channel shift for customers to self-serve, now approximately 73%",
        "self_serve_share",
        73,
    ),
    ("§3.4", "out of the 41 questions asked, 36 of these (88%) have improved", "survey_questions", 41),
    (
        "§3.4",
        "out of the 41 questions asked, 36 of these (88%) have improved",
        "survey_questions_improved",
        36,
    ),
    ("§3.4", "out of the 41 questions asked, 36 of these (88%) have improved", "survey_improved_share", 88),
    ("§3.6.2", "up to 16 systems", "systems_per_query", 16),
]
MONEY_CONTEXT = {"savings_needed", "staff_cost"}
PERCENT_CONTEXT = {"staff_cost_share", "self_serve_share", "survey_improved_share"}


def pounds(pence: int) -> str:
    return f"£{pence // 100:,}" if pence % 100 == 0 else f"£{pence / 100:,.2f}"


@pytest.fixture
def demo(db_session: Any, monkeypatch: pytest.MonkeyPatch) -> int:
    from changeauth.devtools.worked_example import load_demo

    # The pages' today is fixed; the example's replayed history keeps its own dates while it is built.
    replayed_today = clock.today
    monkeypatch.setattr(clock, "today", lambda: replayed_today() if db.replayed_instant() else AS_OF)
    load_demo()
    db_session.commit()
    return db_session.scalar(select(Programme.id).where(Programme.code == "transformation"))


def _rows(table: Any) -> dict[str, str]:
    return {
        tr.select_one("th").get_text(" ", strip=True): tr.select("td")[0].get_text(" ", strip=True)
        for tr in table.select("tbody tr")
        if tr.select_one("th") and tr.select("td")
    }


def _close_down_by_figure(html: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for table in html.select("table[id^=close-down-]"):
        found |= _rows(table)
    return found


def test_the_close_down_page_shows_every_figure_of_the_report(
    client: FlaskClient, login_as: Any, demo: int
) -> None:
    from changeauth.reporting import closedown

    login_as(UserFactory(viewer=True))
    response = client.get(f"/programmes/{demo}/close-down")
    assert response.status_code == 200
    view = closedown.build(demo, AS_OF)
    assert view is not None
    shown = _close_down_by_figure(page(response))
    for section, said, key, expected in MONEY + OTHER:
        assert view.value(key) == expected, (section, said)
        row = next(r for s in view.sections for r in s.rows if r.key == key)
        text = shown[row.figure]
        if isinstance(expected, int):
            assert text == pounds(expected), (section, said, text)
        else:
            assert text.startswith(f"{expected:g}"), (section, said, text)
    # The report's conditional adjustments are listed, with their condition, but not counted.
    assert view.value("confirmed_adjustments") == 0 and view.value("proposed_adjustments") == 41_882_100
    assert view.value("like_for_like") == 248_392_500


def test_the_xlsx_carries_the_same_figures(client: FlaskClient, login_as: Any, demo: int) -> None:
    login_as(UserFactory(viewer=True))
    response = client.get(f"/programmes/{demo}/close-down.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = {row[1]: row[2] for row in sheet.iter_rows(min_row=4, values_only=True) if row[1]}
    page_rows = _close_down_by_figure(page(client.get(f"/programmes/{demo}/close-down")))
    assert set(values) == set(page_rows)
    assert values["One-off investment"] == 7_448_155
    assert values["Net saving 2019/20"] == 1_988_935 and values["Net saving 2020/21"] == 2_243_695
    assert (
        values["Temporary resources 2019/20"] == 494_990 and values["Temporary resources 2020/21"] == 240_230
    )
    assert values["Achieved annual saving, validated by finance"] == 2_483_925
    assert values["Reduction in posts (FTE)"] == 77.3


def test_the_dashboard_scrutiny_report_and_api_agree_with_the_close_down_page(
    client: FlaskClient, login_as: Any, demo: int, db_session: Any
) -> None:
    viewer = login_as(UserFactory(viewer=True))
    close_down = _close_down_by_figure(page(client.get(f"/programmes/{demo}/close-down")))
    dashboard = page(client.get("/dashboard"))
    scrutiny = page(client.get("/reports/scrutiny"))
    token, _ = user_service.issue_api_token(viewer, name="oracle", actor_id=viewer.id)
    db_session.commit()
    api = client.get("/api/v1/programmes", headers={"Authorization": f"Bearer {token}"}).get_json()
    programme = next(p for p in api["items"] if p["code"] == "transformation")
    api_years = {y["label"]: y for y in programme["years"]}

    # The figures called "realised", "like-for-like" and "net", as each place names them.
    expected = {
        "realised": 248_392_500,
        "like_for_like": 248_392_500,
        "temporary_2019": 49_499_000,
        "temporary_2020": 24_023_000,
        "net_2019": 198_893_500,
        "net_2020": 224_369_500,
    }
    seen = {
        "close-down page": {
            "realised": close_down["Achieved annual saving, validated by finance"],
            "like_for_like": close_down["Like-for-like annual saving"],
            "temporary_2019": close_down["Temporary resources 2019/20"],
            "temporary_2020": close_down["Temporary resources 2020/21"],
            "net_2019": close_down["Net saving 2019/20"],
            "net_2020": close_down["Net saving 2020/21"],
        },
    }
    for name, html, table_id, prefix in (
        ("dashboard", dashboard, "#programme-transformation", "#dashboard"),
        ("scrutiny report", scrutiny, "#scrutiny-programme-transformation", "#scrutiny"),
    ):
        rows = _rows(html.select_one(table_id))
        seen[name] = {
            "realised": rows["Validated saving (a year)"],
            "like_for_like": rows["Like-for-like saving (a year)"],
            "temporary_2019": rows["Temporary resource cost 2019/20"],
            "temporary_2020": rows["Temporary resource cost 2020/21"],
            "net_2019": rows["Net saving 2019/20"],
            "net_2020": rows["Net saving 2020/21"],
        }
        reconciliation = _rows(html.select_one(f"{prefix}-reconciliation-transformation"))
        name_prefix = "SSDC Transformation Programme: "
        seen[f"{name} reconciliation"] = {
            "temporary_2019": reconciliation[f"{name_prefix}temporary staff 2019/20"],
            "temporary_2020": reconciliation[f"{name_prefix}temporary staff 2020/21"],
            "net_2019": reconciliation[f"{name_prefix}net saving 2019/20"],
            "net_2020": reconciliation[f"{name_prefix}net saving 2020/21"],
        }
        headline = html.select_one(f"{prefix}-headline").get_text(" ", strip=True)
        assert f"SSDC Transformation Programme {pounds(248_392_500)} a year" in headline, name
        # The reconciliation agrees with itself to the penny: gross less estimates is the validated saving,
        # the closed programme's alone (the later work's estimates are in its own table).
        gross = reconciliation["Gross saving measured (a year)"]
        estimates = reconciliation["Less estimates not yet validated by finance"]
        assert (gross, estimates) == (pounds(248_392_500), "£0"), name
    seen["API"] = {
        "realised": pounds(programme["realised_pence"]),
        "like_for_like": pounds(programme["like_for_like_pence"]),
        "temporary_2019": pounds(api_years["2019/20"]["temporary_cost_pence"]),
        "temporary_2020": pounds(api_years["2020/21"]["temporary_cost_pence"]),
        "net_2019": pounds(api_years["2019/20"]["net_pence"]),
        "net_2020": pounds(api_years["2020/21"]["net_pence"]),
    }
    for place, figures in seen.items():
        for key, text in figures.items():
            assert text == pounds(expected[key]), (place, key, text)
    # The dashboard's programme table, the API and the close-down page name the same programmes' figures.
    assert (
        programme["proposed_adjustments_pence"] == 41_882_100
        and programme["confirmed_adjustments_pence"] == 0
    )


def test_the_closed_programme_holds_only_the_reports_work(demo: int, db_session: Any) -> None:
    from changeauth.models import Improvement, TemporaryResource

    later = db_session.scalar(select(Programme).where(Programme.code == "continuous_improvement"))
    assert later is not None and later.name == "Continuous improvement, from 2021"
    recommendations = db_session.scalars(
        select(Improvement.programme_id).where(
            Improvement.ref.in_([f"IMP-2021-000{n}" for n in range(1, 10)])
        )
    ).all()
    assert set(recommendations) == {later.id}
    # Only the seven report posts are the closed programme's; the 2026 resources are the later work's.
    assert (
        db_session.scalar(
            select(TemporaryResource.id).where(TemporaryResource.programme_id == demo).limit(8).offset(7)
        )
        is None
    )


def test_the_reports_nine_projects_are_there_with_the_leadership_priority(
    client: FlaskClient, login_as: Any, demo: int, db_session: Any
) -> None:
    from changeauth.models import Improvement

    # §4.1–§4.3: (reference, the leadership team's published priority within its driver)
    projects = {
        "IMP-2021-0001": 1,  # §4.1 Review Customer Access Strategy
        "IMP-2021-0002": 1,  # §4.2 Career progression framework
        "IMP-2021-0003": 2,  # §4.2 Review strategic planning cycle
        "IMP-2021-0004": 3,  # §4.2 Flexible staffing initiative
        "IMP-2021-0005": 4,  # §4.2 Case Services resourcing model
        "IMP-2021-0006": 1,  # §4.3 Implement the technology architecture and roadmap
        "IMP-2021-0007": 2,  # §4.3 Review and prioritise technology capability development
        "IMP-2021-0008": 3,  # §4.3 Incremental technology process improvements
        "IMP-2021-0025": 4,  # §4.3 Expand digital channels
    }
    stored = dict(
        db_session.execute(
            select(Improvement.ref, Improvement.leadership_priority).where(Improvement.ref.in_(projects))
        ).all()
    )
    assert stored == projects
    login_as(UserFactory(viewer=True))
    digital = db_session.scalar(select(Improvement).where(Improvement.ref == "IMP-2021-0025"))
    assert digital.title == "Expand digital channels"
    shown = page(client.get(f"/improvements/{digital.id}")).select_one("#leadership-priority")
    assert shown is not None and "4" in shown.get_text()


def test_the_recommendations_hold_the_decisions_that_put_them_there(demo: int, db_session: Any) -> None:
    from changeauth.domain.gates import measured_since_go_live
    from changeauth.models import Benefit, GateDecision, Improvement
    from changeauth.queries import gates as gate_queries

    refs = dict(db_session.execute(select(Improvement.ref, Improvement.id)).all())
    declined = db_session.scalar(
        select(GateDecision).where(
            GateDecision.improvement_id == refs["IMP-2021-0005"], GateDecision.to_stage == Stage.DECLINED
        )
    )
    assert declined is not None and declined.to_stage == "declined" and "report §4.2" in declined.rationale
    for ref in ("IMP-2021-0001", "IMP-2021-0009"):
        went_live = gate_queries.went_live_on(refs[ref])
        assert went_live is not None and went_live < AS_OF, ref
        # Every benefit has a measurement since go-live, so the benefits review (G3) can be passed.
        latest = db_session.scalars(
            select(Benefit.last_period_end).where(Benefit.improvement_id == refs[ref])
        ).all()
        assert latest and all(measured_since_go_live(on, went_live) for on in latest), ref


def test_the_audit_validation_is_dated_when_it_happened_with_its_evidence(demo: int, db_session: Any) -> None:
    from changeauth.models import Benefit

    saving = db_session.scalar(
        select(Benefit).where(Benefit.title == "Recurring staff cost savings (77.3 FTE)")
    )
    # §3.2: the SWAP internal audit of November 2019, not the day the example was loaded.
    assert saving.validated_at.date() == date(2019, 11, 30)
    assert "South West Audit Partnership" in saving.validation_note


def test_the_reports_other_figures_are_loaded_and_shown(
    client: FlaskClient, login_as: Any, demo: int, db_session: Any
) -> None:
    from changeauth.models import Benefit
    from changeauth.reporting import closedown

    login_as(UserFactory(viewer=True))
    shown = _rows(page(client.get(f"/programmes/{demo}/close-down")).select_one("#close-down-context"))
    view = closedown.build(demo, AS_OF)
    assert view is not None
    rows = {r.key: r for s in view.sections for r in s.rows}
    for section, said, key, expected in CONTEXT:
        row = rows[f"context_{key}"]
        assert row.value == expected and row.source.endswith(section), (section, said)
        text = shown[row.figure]
        if key in MONEY_CONTEXT:
            assert text == pounds(expected), (section, said, text)
        elif key in PERCENT_CONTEXT:
            assert text == f"{expected}%", (section, said, text)
        else:
            assert text == str(expected), (section, said, text)
    # §3.6.2's 16 systems is also where IMP-2021-0006's benefit starts from, and §3.3.1's 73 % where
    # IMP-2021-0001's share online starts from.
    baselines = dict(
        db_session.execute(
            select(Benefit.title, Benefit.baseline_value).where(
                Benefit.title.in_(
                    [
                        "Systems an adviser opens to answer a query",
                        "Share of customer transactions completed online",
                    ]
                )
            )
        ).all()
    )
    assert baselines == {
        "Systems an adviser opens to answer a query": 16,
        "Share of customer transactions completed online": 73,
    }


def test_the_share_online_changes_in_percentage_points(
    client: FlaskClient, login_as: Any, demo: int, db_session: Any
) -> None:
    from changeauth.models import Benefit

    # §3.3.1: "now approximately 73%" self-serve is the baseline; the latest share is 80.5 %, so the
    # change is 7.5 percentage points (7.5 % of 73 would be about 5.5 points).
    online = db_session.scalar(
        select(Benefit).where(Benefit.title == "Share of customer transactions completed online")
    )
    login_as(UserFactory(viewer=True))
    text = page(client.get(f"/benefits/{online.id}")).get_text(" ", strip=True)
    assert "Realised (gross) 7.5 percentage points" in text
    assert "7.5 % online" not in text and "7.5% online" not in text


def test_the_live_queue_is_dated_from_the_day_the_demo_is_loaded(
    client: FlaskClient, login_as: Any, demo: int, db_session: Any
) -> None:
    from changeauth.models import GateDecision, Improvement
    from changeauth.queries import triage

    queue = triage.triage_queue(AS_OF, per_page=100).items
    ages = {item.improvement.ref: item.working_days for item in queue}
    # Four ideas wait, the longest (IMP-2021-0008) submitted 4 working days before the day the demo was
    # loaded, inside the 10-day target; not ~1,500: the deep dives' other ideas have been triaged. (AS_OF
    # is a Sunday, so the count of working days waited is one less.)
    assert len(ages) == 4 and next(iter(ages)) == "IMP-2021-0008"
    assert ages["IMP-2021-0008"] == 3 and max(ages.values()) <= 10
    business_case = db_session.scalar(select(Improvement).where(Improvement.ref == "IMP-2021-0003"))
    # It entered the business case stage at its triage, 40 working days before AS_OF; its revised case was
    # submitted 8 working days before AS_OF.
    assert business_case.stage_changed_at.date() == date(2026, 10, 5)
    # The report's history keeps its dates: IMP-2021-0005 was declined (§4.2) on its decision's date.
    declined = db_session.scalar(select(Improvement).where(Improvement.ref == "IMP-2021-0005"))
    decided = db_session.scalar(
        select(GateDecision.decided_at).where(
            GateDecision.improvement_id == declined.id, GateDecision.to_stage == Stage.DECLINED
        )
    )
    assert declined.stage_changed_at.date() == decided.date() == date(2025, 10, 8)
    # Home shows the design authority the same ages.
    login_as(UserFactory(design_authority=True))
    home = page(client.get("/")).get_text(" ", strip=True)
    assert "1,5" not in home.replace("£1,5", "")


def test_the_programme_case_shows_the_investment_as_the_report_does_not_as_capital(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    # §3.2: "a one-off investment of £7,448,155"; the report gives no split into capital and revenue.
    programme = db_session.scalar(select(Programme).where(Programme.code == "transformation"))
    login_as(UserFactory(viewer=True))
    shown = page(client.get(f"/programmes/{programme.id}/business-case"))
    figures = shown.select("table caption")
    assert figures
    headings = [th.get_text(" ", strip=True) for th in shown.select("table thead th")]
    assert "Capital cost" not in headings and "Revenue cost" not in headings
    assert "Cost: one-off investment (year 0), then running costs" in headings
    year_0 = [
        row.select("td")[0].get_text(strip=True)
        for row in shown.select("table tbody tr")
        if row.select_one("th") and row.select_one("th").get_text(strip=True) == "0" and row.select("td")
    ]
    assert "£7,448,155" in year_0
    assert shown.select_one("#costs-not-split") is not None


# Report §3.2, in its own words: "The SWAP internal audit in November 2019 confirms that £2,483,925
# recurring savings were achieved", and "Additional staff resources (i.e. above the transformation target
# level) of £494,990 for 2019/20 and £240,230 in 2020/21 (total £735,220) were approved in 2019."
# Each year's net saving is that year's saving less that year's temporary staff.
REPORT_YEARS = {
    "2019/20": {"realised": "2483925.00", "temporary": "494990.00", "net": "1988935.00"},
    "2020/21": {"realised": "2483925.00", "temporary": "240230.00", "net": "2243695.00"},
}


@pytest.mark.parametrize(("label", "year"), [("2019/20", 2019), ("2020/21", 2020)])
def test_the_financial_year_export_agrees_with_the_report(
    client: FlaskClient, login_as: Any, demo: int, label: str, year: int
) -> None:
    import csv

    login_as(UserFactory(finance=True))
    expected = REPORT_YEARS[label]
    text = client.get(f"/savings-by-year/export.csv?year={year}").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["Financial year"] for row in rows} == {label}
    saving = next(r for r in rows if r["Saving or cost"] == "Recurring staff cost savings (77.3 FTE)")
    assert saving["Programme or improvement"] == "SSDC Transformation Programme"
    assert saving["Realised, validated by finance (£)"] == expected["realised"]
    assert saving["Planned saving (£)"] == expected["realised"]  # the full year planned from 2019/20
    staff = next(r for r in rows if r["Saving or cost"] == "Temporary resources")
    assert staff["Temporary resources (£)"] == expected["temporary"]
    total = rows[-1]
    # The total names what it sums: the closed programme's rows, no other programme's.
    assert total["Saving or cost"] == "All savings and costs of SSDC Transformation Programme"
    assert total["Realised, validated by finance (£)"] == expected["realised"]
    assert total["Temporary resources (£)"] == expected["temporary"]
    assert total["Net saving (£)"] == expected["net"]
    # The spreadsheet says the same, and so does the close-down page's table by financial year.
    sheet = load_workbook(io.BytesIO(client.get(f"/savings-by-year/export.xlsx?year={year}").data)).active
    last = [row for row in sheet.iter_rows(values_only=True) if any(row)][-1]
    assert last[4] == "All savings and costs of SSDC Transformation Programme"
    assert f"{last[11]:.2f}" == expected["net"]
    table = page(client.get(f"/programmes/{demo}/close-down")).select_one(f"#programme-years-{year}")
    assert table is not None
    cells = [td.get_text(strip=True) for td in table.select("td")]
    assert cells[1] == f"£{int(Decimal(expected['realised'])):,}"
    assert cells[3] == f"£{int(Decimal(expected['temporary'])):,}"
    assert cells[5] == f"£{int(Decimal(expected['net'])):,}"


def test_the_investment_falls_in_the_programmes_first_year(
    client: FlaskClient, login_as: Any, demo: int
) -> None:
    # Report §3.2: "a one-off investment of £7,448,155"; the plan puts it in the business case's first year.
    # It is its own column, never a negative net saving: 2017/18's net saving is £0 (no saving, no staff).
    login_as(UserFactory(viewer=True))
    table = page(client.get(f"/programmes/{demo}/close-down")).select_one("#programme-years-2017")
    assert table is not None
    cells = [td.get_text(strip=True) for td in table.select("td")]
    assert cells[4] == "£7,448,155" and cells[5] == "£0"
    for url, prefix in (("/dashboard", "#dashboard"), ("/reports/scrutiny", "#scrutiny")):
        html = page(client.get(url))
        text = html.get_text(" ", strip=True)
        assert "-£7,448,155" not in text and "−£7,448,155" not in text, url
        rows = _rows(html.select_one(f"{prefix}-reconciliation-transformation"))
        name = "SSDC Transformation Programme: "
        assert rows[f"{name}one-off investment 2017/18"] == "£7,448,155", url
        assert rows[f"{name}net saving 2017/18"] == "£0", url
        # §3.2's nets, £1,988,935 and £2,243,695, less the £7,448,155: named apart, never a net saving.
        after = rows[f"{name}left after the one-off investment, over these years"]
        assert after == "-" + pounds(744_815_500 - 198_893_500 - 224_369_500), url


def test_the_staffing_register_counts_the_grant_funded_posts_once(
    client: FlaskClient, login_as: Any, demo: int, db_session: Any
) -> None:
    from changeauth.models import Benefit

    # §3.2: "a reduction of 77.3 FTE"; roles out of scope are "omitted from establishment data in both
    # the baseline and new operating model": the 6 grant-funded FTE are kept through the change, listed on
    # both sides, and are 6 FTE on each side, never 12.
    saving = db_session.scalar(
        select(Benefit).where(Benefit.title == "Recurring staff cost savings (77.3 FTE)")
    )
    login_as(UserFactory(viewer=True))
    shown = page(client.get(f"/benefits/{saving.id}/staffing"))
    figures = shown.select_one("#staffing-figures").get_text(" ", strip=True)
    assert "277.3 FTE costing" in figures and "200 FTE costing" in figures
    assert "£2,483,925 a year from 77.3 FTE" in shown.select_one("#staffing-saving").get_text(" ", strip=True)
    out_of_scope = shown.select_one("#staffing-out-of-scope").get_text(" ", strip=True)
    assert out_of_scope == "6 FTE before and 6 FTE after the change"
    assert "12 FTE" not in figures


def test_a_benefits_own_figure_by_year_is_not_called_a_net_saving(
    client: FlaskClient, login_as: Any, demo: int, db_session: Any
) -> None:
    from changeauth.models import Benefit

    # §3.2: the programme's net saving in 2019/20 is £2,483,925 − £494,990 = £1,988,935, after the
    # temporary staff. The saving's own row for the year (£2,483,925) is the benefit alone: it must not
    # share the words "net saving" with the programme's figure.
    login_as(UserFactory(viewer=True))
    saving = db_session.scalar(
        select(Benefit).where(Benefit.title == "Recurring staff cost savings (77.3 FTE)")
    )
    table = page(client.get(f"/benefits/{saving.id}")).select_one("#benefit-years")
    headings = [th.get_text(" ", strip=True) for th in table.select("thead th")]
    assert "This benefit, after its one-off costs" in headings
    assert not any(h.lower().startswith("net") for h in headings), headings
    column = headings.index("This benefit, after its one-off costs")
    row = table.select_one("#year-2019")
    assert row.select("th, td")[column].get_text(strip=True) == pounds(248_392_500)
    close_down = _close_down_by_figure(page(client.get(f"/programmes/{demo}/close-down")))
    assert close_down["Net saving 2019/20"] == pounds(198_893_500)


def test_every_financial_year_of_the_plan_is_listed_with_nothing_shown_plainly(
    client: FlaskClient, login_as: Any, demo: int, db_session: Any
) -> None:
    import csv

    from changeauth.models import Benefit

    # §3.2: the one-off investment of £7,448,155 falls in 2017/18 (the plan's start), the savings came in
    # 2019/20 and 2020/21; 2018/19, with nothing saved or spent, is a year of the plan all the same.
    years = ["2017/18", "2018/19", "2019/20", "2020/21"]
    viewer = login_as(UserFactory(finance=True))
    close_down = _close_down_by_figure(page(client.get(f"/programmes/{demo}/close-down")))
    assert close_down["Net saving 2018/19"] == "£0" and close_down["Temporary resources 2018/19"] == "£0"
    assert page(client.get(f"/programmes/{demo}/close-down")).select_one("#programme-years-2018")
    dashboard = _rows(page(client.get("/dashboard")).select_one("#programme-transformation"))
    net_rows = [label for label in dashboard if label.startswith("Net saving")]
    assert net_rows == [f"Net saving {y}" for y in years]
    assert dashboard["Net saving 2018/19"] == "£0"
    saving = db_session.scalar(
        select(Benefit).where(Benefit.title == "Recurring staff cost savings (77.3 FTE)")
    )
    benefit = page(client.get(f"/benefits/{saving.id}")).select_one("#benefit-years")
    shown = [th.get_text(strip=True) for th in benefit.select("tbody th")]
    assert shown[:4] == years, shown
    text = client.get("/savings-by-year/export.csv").get_data(as_text=True)
    exported = [row["Financial year"] for row in csv.DictReader(io.StringIO(text))]
    assert sorted(set(exported))[:4] == years
    token, _ = user_service.issue_api_token(viewer, name="years", actor_id=viewer.id)
    db_session.commit()
    api = client.get("/api/v1/programmes", headers={"Authorization": f"Bearer {token}"}).get_json()
    programme = next(p for p in api["items"] if p["code"] == "transformation")
    assert [y["label"] for y in programme["years"]] == years


def test_every_benefit_figure_names_the_programme_it_covers(
    client: FlaskClient, login_as: Any, demo: int, db_session: Any
) -> None:
    # §3.2: "The business case projected a financial benefit of £2,483,925"; the follow-on programme's
    # £45,000 target (Continuous improvement, from 2021) is shown apart, never added to it under a label
    # that reads as the closed programme's (the persona walk read "Benefit targeted £2,528,925").
    closed, later = "SSDC Transformation Programme", "Continuous improvement, from 2021"
    login_as(UserFactory(viewer=True))
    scrutiny = page(client.get("/reports/scrutiny"))
    summary = _summary(scrutiny.select_one("#portfolio-summary"))
    assert summary[f"{closed}: benefit targeted"] == pounds(248_392_500)
    assert summary[f"{closed}: benefit realised (validated by finance)"] == pounds(248_392_500)
    assert summary[f"{closed}: estimates not yet validated"] == "£0"
    assert summary[f"{later}: benefit targeted"] == pounds(4_500_000)
    assert summary[f"{later}: benefit realised (validated by finance)"] == "£0"
    assert "Benefit targeted" not in summary
    dashboard = page(client.get("/dashboard"))
    for html in (scrutiny, dashboard):
        text = html.get_text(" ", strip=True)
        assert "£2,528,925" not in text and "£2,501,925" not in text
        # The benefits by driver name their programme on every row.
        table = html.select_one("#scrutiny-benefits, #benefits-table")
        programmes = {tr.select("td")[0].get_text(strip=True) for tr in table.select("tbody tr")}
        assert programmes == {closed, later}
        headline = _summary(html.select_one("#scrutiny-headline, #dashboard-headline"))
        assert headline == {
            closed: f"{pounds(248_392_500)} a year, validated by finance",
            later: "£0 a year, validated by finance",
        }
        later_table = _rows(html.select_one("[id$=-reconciliation-continuous_improvement]"))
        assert later_table["Gross saving measured (a year)"] == pounds(1_800_000)
    login_as(UserFactory(viewer=True))
    home = _summary(page(client.get("/")).select_one("#viewer-overview"))
    assert home[f"Benefit realised (like-for-like adjusted), {closed}"] == (
        f"{pounds(248_392_500)} of {pounds(248_392_500)} targeted"
    )


def _summary(html: Any) -> dict[str, str]:
    return {
        row.select_one("dt").get_text(" ", strip=True): row.select_one("dd").get_text(" ", strip=True)
        for row in html.select(".summary-list__row")
    }


def test_a_driver_achievement_is_a_percentage_not_percentage_points(
    client: FlaskClient, login_as: Any, demo: int, db_session: Any
) -> None:
    from changeauth.models import Benefit

    # §3.3: "Customer enablement benefit – 86%": a percentage counted from nothing, not a change of one.
    login_as(UserFactory(viewer=True))
    title = "Customer enablement efficiency achieved against target"
    tracker = page(client.get("/benefits/", query_string={"driver": "customer_enablement"}))
    row = next(tr for tr in tracker.select("tbody tr") if tr.find("a", string=title))
    cells = row.get_text(" ", strip=True)
    assert "86% of target efficiency" in cells and "percentage points" not in cells, cells
    enablement = db_session.scalar(select(Benefit).where(Benefit.title == title))
    text = page(client.get(f"/benefits/{enablement.id}")).get_text(" ", strip=True)
    assert "Realised (gross) 86% of target efficiency" in text and "86 percentage points" not in text
    # §3.3 on the scrutiny report: the four drivers' achievements as percentages.
    scrutiny = page(client.get("/reports/scrutiny"))
    maturity = scrutiny.select_one("#scrutiny-maturity").get_text(" ", strip=True)
    for achieved in ("86%", "79%", "61%", "83%"):
        assert achieved in maturity


def _pence(text: str) -> int:
    return int(round(Decimal(text or "0") * 100))


def _money(pence: int) -> str:
    """As the pages show money: a minus sign before the pound sign."""
    return "-" + pounds(-pence) if pence < 0 else pounds(pence)


def test_the_savings_by_year_export_is_the_pages_figures_for_every_year(
    client: FlaskClient, login_as: Any, demo: int, db_session: Any
) -> None:
    import csv

    # The export read £2,483,925 realised by the closed programme in every year to 2026/27, with "planned
    # 0.00", and one "All savings and costs" total adding both programmes, while the pages stop at
    # 2020/21 (§3.2: the saving in 2019/20 and 2020/21). It must be the pages' figures, programme by
    # programme, for every year each page lists, and each total names what it sums.
    login_as(UserFactory(viewer=True))
    text = client.get("/savings-by-year/export.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    columns = [
        ("Planned saving (£)", 0),
        ("Realised, validated by finance (£)", 1),
        ("Confirmed adjustments (£)", 2),
        ("Temporary resources (£)", 3),
        ("One-off investment (£)", 4),
        ("Net saving (£)", 5),
    ]
    programmes = db_session.execute(select(Programme.id, Programme.name)).all()
    assert len(programmes) == 2
    dashboard = page(client.get("/dashboard"))
    for programme_id, name in programmes:
        html = page(client.get(f"/programmes/{programme_id}/close-down"))
        table = html.select_one("#programme-years")
        shown = {
            tr.select_one("th").get_text(strip=True): [td.get_text(strip=True) for td in tr.select("td")]
            for tr in table.select("tbody tr")
            if tr.select_one("th")
        }
        if len(table.select("thead th")) == 10:  # a dis-benefits column sits before the net saving
            shown = {label: cells[:5] + cells[6:] for label, cells in shown.items()}
        totals = {
            r["Financial year"]: r for r in rows if r["Saving or cost"] == f"All savings and costs of {name}"
        }
        assert list(totals) == list(shown), name
        for label, cells in shown.items():
            total = totals[label]
            for column, index in columns:
                assert _money(_pence(total[column])) == cells[index], (name, label, column)
            # The lines above the total add up to it.
            lines = [
                r
                for r in rows
                if r["Financial year"] == label
                and r["Programme"] == name
                and not r["Saving or cost"].startswith("All savings and costs")
            ]
            for column, _index in columns:
                assert sum(_pence(r[column]) for r in lines) == _pence(total[column]), (name, label, column)
        # The dashboard's table for the programme lists the same net saving for each of those years.
        code = db_session.scalar(select(Programme.code).where(Programme.id == programme_id))
        on_dashboard = _rows(dashboard.select_one(f"#programme-{code}"))
        for label, cells in shown.items():
            assert on_dashboard[f"Net saving {label}"] == cells[5], (name, label)
    # No total adds the two programmes together.
    assert not any(r["Saving or cost"] == "All savings and costs" for r in rows)
    # §3.2: the closed programme's saving is counted in its own years, 2019/20 and 2020/21, no later.
    closed = [r for r in rows if r["Saving or cost"] == "Recurring staff cost savings (77.3 FTE)"]
    assert [r["Financial year"] for r in closed] == ["2017/18", "2018/19", "2019/20", "2020/21"]


def test_the_staffing_registers_restatement_cannot_be_read_as_the_validated_saving(
    client: FlaskClient, login_as: Any, demo: int, db_session: Any
) -> None:
    from changeauth.models import Benefit

    # §3.2: "£2,483,925 recurring savings were achieved", salary points kept the same (so not eroded by
    # inflation). The pay-award restatement is a check, labelled so; and the report's £95,761 is external
    # funding offsetting baseline roles (a proposed adjustment), not the 6 grant-funded FTE out of scope.
    saving = db_session.scalar(
        select(Benefit).where(Benefit.title == "Recurring staff cost savings (77.3 FTE)")
    )
    login_as(UserFactory(viewer=True))
    shown = page(client.get(f"/benefits/{saving.id}/staffing"))
    heading = shown.select_one("#pay-awards").get_text(" ", strip=True)
    assert "not the validated saving" in heading
    note = shown.select_one("#staffing-restated-note").get_text(" ", strip=True)
    assert "£2,483,925 a year" in note and "not a second saving" in note
    column = shown.select("#staffing-by-year thead th")[-1].get_text(" ", strip=True)
    assert column != "Saving" and "not the validated saving" in column
    assert "95,761" not in shown.select_one("#table-before").get_text(" ", strip=True)


def test_the_running_programmes_page_holds_no_findings_of_the_report(
    client: FlaskClient, login_as: Any, demo: int, db_session: Any
) -> None:
    # §3.2 and §3.3 are the closed programme's findings (the drivers' 86 %, 79 %, 61 % and 83 % were
    # assessed in December 2020). The follow-on programme started after the report and still runs: its
    # page is its figures to date, with no report sections and no assessments made before it began.
    later = db_session.scalar(select(Programme.id).where(Programme.code == "continuous_improvement"))
    login_as(UserFactory(viewer=True))
    html = page(client.get(f"/programmes/{later}/close-down"))
    title = html.select_one("h1").get_text(" ", strip=True)
    assert title == "Continuous improvement, from 2021: figures to date"
    text = html.get_text(" ", strip=True)
    assert "report section" not in text and "close-down figures" not in text
    assert html.select_one("#close-down-drivers") is None
    closed = page(client.get(f"/programmes/{demo}/close-down"))
    assert closed.select_one("h1").get_text(" ", strip=True).endswith("close-down figures")
    caption = closed.select_one("#close-down-drivers caption").get_text(" ", strip=True)
    assert caption.endswith("(report section 3.3)")
    dashboard = page(client.get("/dashboard")).get_text(" ", strip=True)
    assert "Continuous improvement, from 2021: figures to date" in dashboard


def test_the_plan_by_year_is_the_plan_the_benefit_page_shows(
    client: FlaskClient, login_as: Any, demo: int, db_session: Any
) -> None:
    import csv

    from changeauth.models import Benefit

    # §3.2 and the business case: £2,483,925 a year from year 1; the saving's own plan reaches it by
    # 31 March 2019, so 2018/19 plans £2,483,925 (it read £0), on every page and in the export; and a
    # plan in pounds is shown in whole pounds (the plan read £1,243,666.15 on 1 April 2018).
    login_as(UserFactory(viewer=True))
    saving = db_session.scalar(
        select(Benefit).where(Benefit.title == "Recurring staff cost savings (77.3 FTE)")
    )
    detail = page(client.get(f"/benefits/{saving.id}"))
    text = detail.get_text(" ", strip=True)
    assert "£1,243,666.15" not in text and "£1,243,666" in text
    benefit_row = detail.select_one("#benefit-years #year-2018")
    assert benefit_row.select("td")[0].get_text(strip=True) == pounds(248_392_500)
    close_down = _close_down_by_figure(page(client.get(f"/programmes/{demo}/close-down")))
    assert close_down["Planned saving 2018/19"] == pounds(248_392_500)
    assert close_down["Planned saving 2019/20"] == close_down["Planned saving 2020/21"] == pounds(248_392_500)
    # 2017/18, the investment's year, the owner planned no saving: the owner's plan for a year wins.
    assert close_down["Planned saving 2017/18"] == "£0"
    text = client.get("/savings-by-year/export.csv?year=2018").get_data(as_text=True)
    rows = csv.DictReader(io.StringIO(text))
    exported = next(r for r in rows if r["Saving or cost"] == "Recurring staff cost savings (77.3 FTE)")
    assert exported["Planned saving (£)"] == "2483925.00"


def test_projected_means_the_business_case_and_every_count_names_what_it_covers(
    client: FlaskClient, login_as: Any, demo: int, db_session: Any
) -> None:
    # §3.2: "The business case projected a financial benefit of £2,483,925". The follow-on programme has
    # no business case: it projects nothing, and its benefits' £45,000 of targets is not a projection;
    # it read "Projected annual saving £0" beside "£45,000 targeted".
    later = db_session.scalar(select(Programme.id).where(Programme.code == "continuous_improvement"))
    login_as(UserFactory(viewer=True))
    shown = _close_down_by_figure(page(client.get(f"/programmes/{later}/close-down")))
    assert shown["Projected annual saving"] == "Not available"
    assert shown["Shortfall against the projected saving"] == "Not available"
    assert _close_down_by_figure(page(client.get(f"/programmes/{demo}/close-down")))[
        "Projected annual saving"
    ] == pounds(248_392_500)
    scrutiny = page(client.get("/reports/scrutiny")).get_text(" ", strip=True)
    assert "projected annual saving of £0" not in scrutiny
    assert "projected annual saving of £2,483,925" in scrutiny
    home = _summary(page(client.get("/")).select_one("#viewer-overview"))
    assert "Improvements recorded" not in home and "Improvements recorded, all programmes" in home


def test_each_programmes_figures_alone_and_through_json_are_its_figures_among_all(
    demo: int, db_session: Any
) -> None:
    """The close-down page and a resource's benefit at risk work out one programme's figures from its own
    rows, and the web reads every programme's from JSON kept for every process: both are the figures of
    ``all_programmes``, the report's own."""
    from changeauth.queries import savings as savings_queries

    everyone = savings_queries.all_programmes(AS_OF)
    assert demo in {p.programme_id for p in everyone}
    for programme in everyone:
        assert savings_queries.programmes(AS_OF, [programme.programme_id]) == (programme,)
    assert savings_queries.from_plain(savings_queries.to_plain(everyone)) == everyone
