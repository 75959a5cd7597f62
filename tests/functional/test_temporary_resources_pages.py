"""Temporary resources pages: the register on any date with overrun exposure and benefit at risk, the
form's field errors (nothing stored), an overrun taken out by an extension, and the actual end."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from changeauth.jobs import get_job
from changeauth.jobs.runner import run_job
from changeauth.models import Flag, TemporaryResource
from changeauth.queries.clock import today
from tests.factories import (
    BenefitFactory,
    BenefitMeasurementFactory,
    ImprovementFactory,
    TemporaryResourceFactory,
    UserFactory,
)
from tests.helpers import field_errors, page


def _form(owner_id: int, **changes: Any) -> dict[str, Any]:
    data = {
        "role_title": "Agency planning officer",
        "kind": "agency",
        "team": "planning",
        "improvement_ref": "",
        "annual_cost_pence": "36,500",
        "funding_source": "Planning reserve",
        "start_date": (today() - timedelta(days=200)).isoformat(),
        "end_date": (today() + timedelta(days=100)).isoformat(),
        "owner_id": str(owner_id),
        "reason": "",
    }
    data.update(changes)
    return data


class TestTheRegister:
    def test_status_on_any_date_and_benefit_at_risk(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        login_as(UserFactory(finance=True))
        improvement = ImprovementFactory(delivery=True)
        # The improvement's cashable benefit: £0 to £18,000 measured and validated by finance, so £18,000
        # realised. Before it is validated it is an estimate, and there is no realised benefit to set against.
        benefit = BenefitFactory(improvement=improvement, cashable=True)
        BenefitMeasurementFactory(benefit=benefit, value=Decimal(1_800_000), period_end=date(2026, 4, 30))
        TemporaryResourceFactory(
            improvement=improvement, end_date=date(2026, 10, 31), annual_cost_pence=6_570_000
        )

        on_day = page(client.get("/temporary-resources/", query_string={"on": "2026-11-29"}))
        text = on_day.get_text(" ")
        # 29 days past 31 October at £65,700 a year: 6,570,000 × 29 / 365 = 522,000 pence = £5,220;
        # against £18,000 that is 29.0 %.
        assert "Overrun" in text and "£5,220" in text and "No realised benefit yet" in text
        benefit.validated_by_id = UserFactory(finance=True).id
        benefit.validated_at = datetime(2026, 5, 1, tzinfo=UTC)
        db_session.flush()
        text = page(client.get("/temporary-resources/", query_string={"on": "2026-11-29"})).get_text(" ")
        assert "Overrun" in text and "£5,220" in text and "29.0%" in text
        before = page(client.get("/temporary-resources/", query_string={"on": "2026-10-15"})).get_text(" ")
        assert "Ending within 30 days" in before and "£5,220" not in before

    def test_a_bad_date_falls_back_to_today(self, client: FlaskClient, login_as: Any) -> None:
        login_as(UserFactory(viewer=True))
        response = client.get("/temporary-resources/", query_string={"on": "31/02/2026"})
        assert response.status_code == 200
        assert today().strftime("%B %Y") in page(response).get_text()


class TestAdding:
    def test_bad_input_shows_errors_and_stores_nothing(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        manager = login_as(UserFactory(manager=True))
        response = client.post(
            "/temporary-resources/new",
            data=_form(
                manager.id, annual_cost_pence="-5", end_date="2020-01-01", improvement_ref="IMP-1999-9999"
            ),
        )
        assert response.status_code == 422
        errors = field_errors(response)
        assert "Enter an amount of £0 or more." in errors
        assert page(response).select_one("#annual_cost_pence")["value"] == "-5"
        assert db_session.scalar(select(func.count()).select_from(TemporaryResource)) == 0

    def test_an_end_before_the_start_is_refused(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        manager = login_as(UserFactory(manager=True))
        response = client.post("/temporary-resources/new", data=_form(manager.id, end_date="2020-01-01"))
        assert response.status_code == 422
        assert "The end date must be on or after the start date." in field_errors(response)
        assert db_session.scalar(select(func.count()).select_from(TemporaryResource)) == 0

    def test_a_manager_adds_one_linked_by_reference(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        manager = login_as(UserFactory(manager=True))
        improvement = ImprovementFactory(delivery=True)
        response = client.post(
            "/temporary-resources/new", data=_form(manager.id, improvement_ref=improvement.ref.lower())
        )
        assert response.status_code == 302
        resource = db_session.scalar(select(TemporaryResource))
        assert (resource.improvement_id, resource.annual_cost_pence) == (improvement.id, 3_650_000)

    def test_staff_cannot_add(self, client: FlaskClient, login_as: Any) -> None:
        login_as(UserFactory())
        assert client.get("/temporary-resources/new").status_code == 403


def test_an_overrun_taken_out_by_an_extension_then_ended(
    client: FlaskClient, login_as: Any, app: Flask, db_session: Any
) -> None:
    resource = TemporaryResourceFactory(end_date=today() - timedelta(days=5))
    with app.app_context():
        run_job(get_job("temporary-resources"), today())
    assert (
        db_session.scalar(select(Flag.kind).where(Flag.resolved_on.is_(None))) == "temporary_resource_overrun"
    )

    login_as(resource.owner)
    assert client.get(f"/temporary-resources/{resource.id}/extend").status_code == 403
    login_as(UserFactory(design_authority=True))
    url = f"/temporary-resources/{resource.id}/extend"
    no_reason = client.post(
        url, data={"extension_until": (today() + timedelta(days=60)).isoformat(), "version": "1"}
    )
    assert no_reason.status_code == 422
    assert "Enter the reason for the extension." in field_errors(no_reason)
    too_early = client.post(
        url,
        data={
            "extension_until": (today() - timedelta(days=6)).isoformat(),
            "extension_reason": "x",
            "version": "1",
        },
    )
    assert too_early.status_code == 422
    extended = client.post(
        url,
        data={
            "extension_until": (today() + timedelta(days=60)).isoformat(),
            "extension_reason": "Go-live slipped",
            "version": "1",
        },
    )
    assert extended.status_code == 302
    assert db_session.scalar(select(func.count()).select_from(Flag).where(Flag.resolved_on.is_(None))) == 0
    detail = page(client.get(f"/temporary-resources/{resource.id}")).get_text(" ")
    assert "Go-live slipped" in detail and "Active" in detail

    login_as(resource.owner)
    ended = client.post(
        f"/temporary-resources/{resource.id}/end",
        data={"actual_end_date": today().isoformat(), "version": "2"},
    )
    assert ended.status_code == 302
    db_session.refresh(resource)
    assert resource.actual_end_date == today()
