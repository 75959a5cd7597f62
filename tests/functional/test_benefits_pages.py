"""Benefit pages: a benefit from its profile through measurements, staleness (the job) and back; field
errors that keep what was typed and store nothing; finance's forms; the chart with its table; filters;
navigation; a constant number of queries."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from changeauth.domain.benefits import add_months
from changeauth.jobs import get_job
from changeauth.jobs.runner import run_job
from changeauth.models import Benefit, BenefitAdjustment, BenefitMeasurement, Flag
from changeauth.queries.clock import today
from tests.factories import BenefitFactory, BenefitMeasurementFactory, ImprovementFactory, UserFactory
from tests.helpers import field_errors, page


def _count(db_session: Any, model: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(model)) or 0


def _profile_form(owner_id: int, **changes: Any) -> dict[str, Any]:
    start = today() - timedelta(days=120)
    form = {
        "title": "Share of bulky waste bookings made online",
        "driver": "channel_shift",
        "cash_class": "not_monetised",
        "unit": "%",
        "direction": "increase",
        "baseline_value": "35",
        "baseline_date": start.isoformat(),
        "target_value": "80.5",
        "target_date": (start + timedelta(days=400)).isoformat(),
        "frequency": "monthly",
        "owner_id": str(owner_id),
        "tolerance_pct": "",
    }
    form.update(changes)
    return form


def test_a_benefit_from_profile_through_staleness_to_resolution(
    client: FlaskClient, login_as: Any, app: Flask, db_session: Any
) -> None:
    owner = login_as(UserFactory(manager=True))
    improvement = ImprovementFactory(delivery=True, owner=owner)
    created = client.post(f"/improvements/{improvement.id}/benefits/new", data=_profile_form(owner.id))
    assert created.status_code == 302, field_errors(created)
    benefit = db_session.scalar(select(Benefit))
    assert (benefit.baseline_value, benefit.target_value, benefit.tolerance_pct) == (35, Decimal("80.5"), 10)

    first_period = benefit.baseline_date + timedelta(days=28)
    measured = client.post(
        f"/benefits/{benefit.id}/measurements/new",
        data={
            "period_end": first_period.isoformat(),
            "value": "41.5",
            "data_quality": "measured",
            "note": "",
        },
    )
    assert measured.status_code == 302
    db_session.refresh(benefit)
    assert benefit.next_due_on == add_months(first_period, 1)

    with app.app_context():
        run_job(get_job("stale-benefits"), today())
    actions = page(client.get("/my-actions"))
    overdue = actions.select_one("#overdue").find_next("table")
    assert overdue is not None and benefit.title in overdue.get_text()
    assert "Escalated" in overdue.get_text()
    assert _count(db_session, Flag) == 2

    caught_up = client.post(
        f"/benefits/{benefit.id}/measurements/new",
        data={"period_end": today().isoformat(), "value": "52", "data_quality": "estimated"},
    )
    assert caught_up.status_code == 302
    assert db_session.scalar(select(func.count()).select_from(Flag).where(Flag.resolved_on.is_(None))) == 0
    detail = page(client.get(f"/benefits/{benefit.id}"))
    assert "Up to date" in detail.get_text()
    assert "Nothing due now or overdue." in page(client.get("/my-actions")).get_text()


class TestBadInput:
    def test_the_profile_form_shows_errors_keeps_typing_and_stores_nothing(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        owner = login_as(UserFactory(manager=True))
        improvement = ImprovementFactory(delivery=True, owner=owner)
        data = _profile_form(
            owner.id, target_value="eighty", target_date=_profile_form(owner.id)["baseline_date"]
        )
        response = client.post(f"/improvements/{improvement.id}/benefits/new", data=data)
        assert response.status_code == 422
        errors = field_errors(response)
        assert any("Enter a number" in e for e in errors)
        html = page(response)
        assert html.select_one("#target_value")["value"] == "eighty"
        assert html.select_one(".error-summary") is not None
        assert _count(db_session, Benefit) == 0

    def test_a_target_date_not_after_the_baseline_is_refused(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        owner = login_as(UserFactory(manager=True))
        improvement = ImprovementFactory(delivery=True, owner=owner)
        form = _profile_form(owner.id)
        form["target_date"] = form["baseline_date"]
        response = client.post(f"/improvements/{improvement.id}/benefits/new", data=form)
        assert response.status_code == 422
        assert "The target date must be after the baseline date." in field_errors(response)
        assert _count(db_session, Benefit) == 0

    def test_an_unknown_frequency_is_refused(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        owner = login_as(UserFactory(manager=True))
        improvement = ImprovementFactory(delivery=True, owner=owner)
        response = client.post(
            f"/improvements/{improvement.id}/benefits/new",
            data=_profile_form(owner.id, frequency="fortnightly"),
        )
        assert response.status_code == 422 and _count(db_session, Benefit) == 0

    def test_a_future_or_duplicate_measurement_is_a_field_error(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        measurement = BenefitMeasurementFactory(period_end=date(2026, 4, 30))
        login_as(measurement.benefit.owner)
        url = f"/benefits/{measurement.benefit_id}/measurements/new"
        future = client.post(
            url,
            data={
                "period_end": (today() + timedelta(days=3)).isoformat(),
                "value": "10",
                "data_quality": "measured",
            },
        )
        assert future.status_code == 422
        assert "The period end date cannot be in the future." in field_errors(future)
        duplicate = client.post(
            url, data={"period_end": "2026-04-30", "value": "10", "data_quality": "measured"}
        )
        assert duplicate.status_code == 422
        assert "A value for the period ending on that date is already recorded." in field_errors(duplicate)
        assert _count(db_session, BenefitMeasurement) == 1

    def test_only_the_owners_get_the_measurement_form(self, client: FlaskClient, login_as: Any) -> None:
        benefit = BenefitFactory()
        login_as(UserFactory(design_authority=True))
        assert client.get(f"/benefits/{benefit.id}/measurements/new").status_code == 403


class TestFinance:
    def test_adjustments_by_finance_in_pounds(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        benefit = BenefitFactory(cashable=True)
        login_as(benefit.owner)
        assert client.get(f"/benefits/{benefit.id}/adjustments/new").status_code == 403
        login_as(UserFactory(finance=True))
        bad = client.post(
            f"/benefits/{benefit.id}/adjustments/new",
            data={"category": "external_funding", "amount_pence": "1e5", "rationale": "Grant"},
        )
        assert bad.status_code == 422 and _count(db_session, BenefitAdjustment) == 0
        good = client.post(
            f"/benefits/{benefit.id}/adjustments/new",
            data={"category": "external_funding", "amount_pence": "£95,761", "rationale": "Grant netted off"},
        )
        assert good.status_code == 302
        assert db_session.scalar(select(BenefitAdjustment.amount_pence)) == 9_576_100
        assert "£95,761" in page(client.get(f"/benefits/{benefit.id}")).get_text()

    def test_finance_validates_a_cashable_benefit(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        measurement = BenefitMeasurementFactory(
            benefit=BenefitFactory(cashable=True), value=Decimal(1_500_000), period_end=date(2026, 4, 30)
        )
        validator = login_as(UserFactory(finance=True))
        detail = page(client.get(f"/benefits/{measurement.benefit_id}"))
        assert detail.find("button", string="Validate this cashable benefit") is not None
        response = client.post(f"/benefits/{measurement.benefit_id}/validate", data={"version": "1"})
        assert response.status_code == 302
        benefit = db_session.get(Benefit, measurement.benefit_id)
        db_session.refresh(benefit)
        assert benefit.validated_by_id == validator.id


class TestTrackerAndChart:
    def test_the_chart_is_a_png_with_alt_text_and_a_table_alternative(
        self, client: FlaskClient, login_as: Any
    ) -> None:
        measurement = BenefitMeasurementFactory(period_end=date(2026, 4, 30), value=Decimal(900))
        login_as(UserFactory(viewer=True))
        detail = page(client.get(f"/benefits/{measurement.benefit_id}"))
        image = detail.select_one("figure.chart img")
        assert image is not None and "planned trajectory" in image["alt"]
        table_text = detail.select_one("#trajectory").find_next("table").get_text(" ")
        assert "30 April 2026" in table_text and "900 calls per month" in table_text
        chart = client.get(image["src"])
        assert chart.status_code == 200 and chart.mimetype == "image/png"
        assert chart.data[:8] == b"\x89PNG\r\n\x1a\n"

    def test_filters_and_a_constant_number_of_queries(
        self, client: FlaskClient, login_as: Any, count_queries: Any
    ) -> None:
        login_as(UserFactory(viewer=True))
        stale = BenefitFactory(baseline_date=date(2025, 1, 31))
        BenefitFactory(baseline_date=today(), target_date=today() + timedelta(days=200))
        only_stale = page(client.get("/benefits/", query_string={"stale": "1"}))
        titles = [a.get_text() for a in only_stale.select("table a[href^='/benefits/']")]
        assert titles == [stale.title]
        with count_queries() as few:
            client.get("/benefits/")
        for _ in range(8):
            BenefitMeasurementFactory(period_end=date(2026, 4, 30))
        with count_queries() as many:
            response = client.get("/benefits/")
        assert response.status_code == 200
        assert many.count == few.count

    def test_staff_without_a_role_do_not_get_the_tracker_or_its_navigation(
        self, client: FlaskClient, login_as: Any
    ) -> None:
        login_as(UserFactory())
        assert client.get("/benefits/").status_code == 403
        nav = page(client.get("/")).select_one("nav.site-nav").get_text()
        assert "Benefits" not in nav and "Temporary resources" not in nav
        login_as(UserFactory(manager=True))
        nav = page(client.get("/")).select_one("nav.site-nav").get_text()
        assert "Benefits" in nav and "My actions" in nav and "Flags" in nav
