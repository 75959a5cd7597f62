"""The dashboard's figures and charts are worked out once per change for every process and kept as JSON
in ``shared_view`` (issue 22); whoever wrote sees their change on their next page even while another
process is working the new figures out, and everyone else meanwhile sees the previous ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from changeauth.models import DerivedState, SharedView
from changeauth.reporting import dashboard
from changeauth.web import shared_views
from tests.factories import ImprovementFactory, TemporaryResourceFactory, UserFactory
from tests.helpers import sign_in_by_session

IDEA = {
    "title": "Text reminders for bin collections",
    "problem": "Residents miss collections and phone us.",
    "proposal": "Send a text the evening before.",
    "benefit_drivers": ["channel_shift"],
    "team": "",
}


def _ideas(figures: dashboard.Dashboard) -> int:
    return int(figures.pipeline.set_index("stage").loc["idea", "count"])


@pytest.fixture
def shown(monkeypatch: Any) -> list[dashboard.Dashboard]:
    """The figures each dashboard page was given, in order."""
    seen: list[dashboard.Dashboard] = []
    real = shared_views.dashboard_figures

    def recording(on: Any) -> dashboard.Dashboard:
        seen.append(real(on))
        return seen[-1]

    monkeypatch.setattr(shared_views, "dashboard_figures", recording)
    return seen


@pytest.fixture
def built(monkeypatch: Any) -> list[Any]:
    """The days the dashboard's figures were worked out for, each time they were."""
    days: list[Any] = []
    real = dashboard.build

    def counting(on: Any) -> dashboard.Dashboard:
        days.append(on)
        return real(on)

    monkeypatch.setattr(dashboard, "build", counting)
    return days


def test_the_dashboard_is_worked_out_once_per_change_and_kept_as_json(
    client: FlaskClient, login_as: Any, db_session: Any, shown: list[Any], built: list[Any]
) -> None:
    login_as(UserFactory(manager=True))
    assert client.get("/dashboard").status_code == 200
    assert client.get("/dashboard").status_code == 200
    assert client.get("/reports/scrutiny").status_code == 200
    assert len(built) == 1
    kept = db_session.scalar(select(SharedView).where(SharedView.name.like("dashboard:%")))
    reports = db_session.scalar(select(DerivedState.token).where(DerivedState.name == "reports"))
    assert kept.computed_for == reports and set(json.loads(kept.payload)["frames"]) == set(dashboard.SECTIONS)

    ImprovementFactory()
    db_session.commit()
    assert client.get("/dashboard").status_code == 200
    assert len(built) == 2
    assert _ideas(shown[-1]) == _ideas(shown[0]) + 1


def test_a_chart_is_drawn_once_per_change(
    client: FlaskClient, login_as: Any, db_session: Any, monkeypatch: Any
) -> None:
    drawn: list[str] = []
    real = dashboard.chart
    monkeypatch.setattr(
        dashboard, "chart", lambda section, frame: drawn.append(section) or real(section, frame)
    )
    login_as(UserFactory(manager=True))
    first = client.get("/dashboard/resources.png")
    assert first.status_code == 200 and first.data.startswith(b"\x89PNG")
    assert client.get("/dashboard/resources.png").data == first.data
    assert drawn == ["resources"]
    TemporaryResourceFactory()
    db_session.commit()
    assert client.get("/dashboard/resources.png").status_code == 200
    assert drawn == ["resources", "resources"]


def test_whoever_wrote_sees_their_change_while_another_process_works_the_figures_out(
    app: Flask, client: FlaskClient, login_as: Any, db_session: Any, shown: list[Any]
) -> None:
    reader = app.test_client()
    sign_in_by_session(reader, UserFactory(viewer=True))
    assert reader.get("/dashboard").status_code == 200
    before = _ideas(shown[-1])

    # Another process claims the next computation just as a member of staff submits an idea.
    writer = UserFactory(manager=True)
    login_as(writer)
    response = client.post("/improvements/new", data=IDEA)
    assert response.status_code == 302
    db_session.execute(
        update(SharedView).where(SharedView.name.like("dashboard:%")).values(claimed_at=datetime.now(UTC))
    )
    db_session.commit()

    assert client.get("/dashboard").status_code == 200
    assert _ideas(shown[-1]) == before + 1  # the writer's next page has their idea
    assert reader.get("/dashboard").status_code == 200
    assert _ideas(shown[-1]) == before  # the others see the previous figures until they are kept

    db_session.execute(update(SharedView).where(SharedView.name.like("dashboard:%")).values(claimed_at=None))
    db_session.commit()
    assert reader.get("/dashboard").status_code == 200
    assert _ideas(shown[-1]) == before + 1


def test_figures_come_back_from_json_as_they_were(db_session: Any) -> None:
    ImprovementFactory()
    TemporaryResourceFactory()
    db_session.flush()
    figures = dashboard.build(datetime.now(UTC).date())
    again = dashboard.from_json(dashboard.to_json(figures))
    assert again.as_of == figures.as_of
    for section in dashboard.SECTIONS:
        assert dashboard.records(getattr(again, section)) == dashboard.records(getattr(figures, section))


def test_the_maturity_table_keeps_its_days_through_json(db_session: Any) -> None:
    from datetime import date

    import pandas as pd

    frame = pd.DataFrame(
        {"Channel shift": [40.0, None]}, index=pd.Index([date(2026, 4, 1), date(2026, 10, 1)])
    )
    figures = dashboard.build(date(2026, 12, 1))
    again = dashboard.from_json(
        dashboard.to_json(dashboard.Dashboard(**{**figures.__dict__, "maturity": frame}))
    )
    assert dashboard.maturity_records(again.maturity) == dashboard.maturity_records(frame)


def test_the_programmes_savings_come_back_from_json_as_they_were(db_session: Any) -> None:
    from datetime import date

    from changeauth.models import Programme

    db_session.add(Programme(code="sv_one", name="One", starts_on=date(2025, 4, 1)))
    db_session.add(Programme(code="sv_two", name="Two", ends_on=date(2026, 3, 31)))
    ImprovementFactory()
    db_session.flush()
    figures = dashboard.build(date(2026, 12, 1))
    assert figures.savings is not None and {p.code for p in figures.savings} >= {"sv_one", "sv_two"}
    assert dashboard.from_json(dashboard.to_json(figures)).savings == figures.savings


def test_another_process_shows_the_dashboard_without_working_out_the_savings(
    client: FlaskClient, login_as: Any, db_session: Any, monkeypatch: Any
) -> None:
    """The programmes' savings on the dashboard and the scrutiny report come with the shared figures:
    another request (of any process) does not work them out again while nothing has changed."""
    from changeauth.queries import savings as savings_queries

    login_as(UserFactory(manager=True))
    ImprovementFactory()
    db_session.commit()
    assert client.get("/dashboard").status_code == 200  # works out and keeps the figures
    worked_out: list[Any] = []
    real = savings_queries._programmes
    monkeypatch.setattr(
        savings_queries, "_programmes", lambda on, *ids: worked_out.append(on) or real(on, *ids)
    )
    assert client.get("/dashboard").status_code == 200
    assert client.get("/reports/scrutiny").status_code == 200
    assert worked_out == []


def test_the_register_and_close_down_page_read_the_figures_kept_for_every_process(
    client: FlaskClient, login_as: Any, db_session: Any, monkeypatch: Any
) -> None:
    """The benefit at risk and the programmes' savings are worked out once per change and kept as JSON:
    no process keeps them in its memory, another request reads them without working them out, and a
    change is worked out once and shown on the next page."""
    from datetime import date

    from changeauth.models import Programme, TemporaryResource
    from changeauth.queries import savings as savings_queries
    from changeauth.queries import temporary_resources as resource_queries

    programme = Programme(code="sv_risk", name="Risky programme", starts_on=date(2025, 4, 1))
    db_session.add(programme)
    db_session.flush()
    resource = TemporaryResourceFactory(
        overrun=True, improvement=ImprovementFactory(delivery=True, programme=programme)
    )
    login_as(UserFactory(manager=True))
    db_session.commit()
    close_down = f"/programmes/{programme.id}/close-down"
    assert client.get("/temporary-resources/").status_code == 200
    assert client.get(close_down).status_code == 200
    kept = set(db_session.scalars(select(SharedView.name)))
    assert {name.split(":")[0] for name in kept} >= {"savings", "at_risk"}

    worked_out: list[str] = []
    real_savings, real_risk = savings_queries._programmes, resource_queries._benefit_at_risk
    monkeypatch.setattr(
        savings_queries,
        "_programmes",
        lambda on, *ids: worked_out.append("savings") or real_savings(on, *ids),
    )
    monkeypatch.setattr(
        resource_queries, "_benefit_at_risk", lambda on: worked_out.append("at risk") or real_risk(on)
    )

    def exposures() -> list[int]:
        payload = db_session.scalar(select(SharedView.payload).where(SharedView.name.like("at_risk:%")))
        return [item["exposure_pence"] for item in json.loads(payload)]

    assert client.get("/temporary-resources/").status_code == 200
    assert client.get(close_down).status_code == 200
    assert client.get(f"/temporary-resources/{resource.id}").status_code == 200
    assert worked_out == []

    before = exposures()
    assert before and all(before)
    db_session.execute(
        update(TemporaryResource)
        .where(TemporaryResource.id == resource.id)
        .values(annual_cost_pence=7_300_000)
    )
    db_session.commit()
    db_session.expire_all()
    assert client.get("/temporary-resources/").status_code == 200
    assert client.get("/temporary-resources/").status_code == 200
    assert client.get(close_down).status_code == 200
    # Worked out once each after the change: the register's (with its programme's savings) and the
    # programmes' savings the close-down page shows.
    assert sorted(worked_out) == ["at risk", "savings", "savings"]
    assert exposures() == [2 * exposure for exposure in before]


def test_the_benefit_at_risk_comes_back_from_json_as_it_was(db_session: Any) -> None:
    from decimal import Decimal

    from changeauth.domain.temporary_resources import BenefitAtRisk
    from changeauth.queries import temporary_resources as resource_queries

    items = [
        resource_queries.AtRisk(
            "improvement", 3, "IMP-3: Bins", BenefitAtRisk(100, 1_000, 900, Decimal("10.0"))
        ),
        resource_queries.AtRisk("programme", 4, "Programme", BenefitAtRisk(100, -5, -105, None)),
    ]
    assert resource_queries.at_risk_from_json(resource_queries.at_risk_json(items)) == items
