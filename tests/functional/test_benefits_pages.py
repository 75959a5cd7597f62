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
from tests.factories import (
    BenefitFactory,
    BenefitMeasurementFactory,
    ConflictDeclarationFactory,
    ImprovementFactory,
    UserFactory,
)
from tests.helpers import field_errors, form_values, page


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
        "baseline_quality": "measured",
        "baseline_evidence": "Bookings system report, bulky waste, last quarter",
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
        detail = page(client.get(f"/benefits/{benefit.id}")).get_text()
        # Recorded as proposed: listed with its status, and not counted.
        assert "£95,761" in detail and "Proposed (not counted)" in detail

    def test_finance_confirms_a_proposed_adjustment_with_evidence_and_then_it_counts(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        benefit = BenefitFactory(cashable=True)
        adjustment = BenefitAdjustment(
            benefit_id=benefit.id, category="external_funding", amount_pence=9_576_100, rationale="If grant"
        )
        db_session.add(adjustment)
        db_session.flush()
        assert not adjustment.counts
        login_as(UserFactory(finance=True))
        url = f"/benefits/{benefit.id}/adjustments/confirm"
        client.post(url, data={"adjustment_id": str(adjustment.id), "evidence": ""})
        db_session.refresh(adjustment)
        assert adjustment.status == "proposed"  # no evidence, nothing confirmed
        response = client.post(url, data={"adjustment_id": str(adjustment.id), "evidence": "Grant letter"})
        assert response.status_code == 302
        db_session.refresh(adjustment)
        assert adjustment.status == "confirmed" and "Grant letter" in adjustment.evidence
        assert "Proposed (not counted)" not in page(client.get(f"/benefits/{benefit.id}")).get_text()

    def test_a_refused_confirmation_comes_back_on_the_page_with_the_evidence_as_typed(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        benefit = BenefitFactory(cashable=True)
        adjustment = BenefitAdjustment(
            benefit_id=benefit.id, category="external_funding", amount_pence=9_576_100, rationale="If grant"
        )
        db_session.add(adjustment)
        db_session.flush()
        login_as(UserFactory(finance=True))
        url = f"/benefits/{benefit.id}/adjustments/confirm"
        too_long = "The grant letter of 3 April. " * 400
        response = client.post(url, data={"adjustment_id": str(adjustment.id), "evidence": too_long})
        assert response.status_code == 422
        refused = page(response)
        assert refused.title is not None and refused.title.get_text().startswith("Error:")
        summary = refused.select_one(".error-summary")
        assert summary is not None
        link = summary.select_one("a")
        assert link is not None and link["href"] == f"#evidence-{adjustment.id}"
        assert link.get_text() == "Keep this to 10,000 characters or fewer."
        box = refused.select_one(f"textarea#evidence-{adjustment.id}")
        assert box is not None and box.get_text() == too_long
        assert "error" in str(box.get("aria-describedby"))
        db_session.refresh(adjustment)
        assert adjustment.status == "proposed"

        blank = client.post(url, data={"adjustment_id": str(adjustment.id), "evidence": "  "})
        assert blank.status_code == 422
        assert "Give the evidence" in page(blank).select_one(".error-summary").get_text()

        adjustment.status = "confirmed"
        db_session.flush()
        again = client.post(url, data={"adjustment_id": str(adjustment.id), "evidence": "Grant letter"})
        assert again.status_code == 422
        assert "already been confirmed" in page(again).select_one(".error-summary").get_text()

    def test_finance_validates_a_cashable_benefit(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        measurement = BenefitMeasurementFactory(
            benefit=BenefitFactory(cashable=True), value=Decimal(1_500_000), period_end=date(2026, 4, 30)
        )
        validator = login_as(UserFactory(finance=True))
        detail = page(client.get(f"/benefits/{measurement.benefit_id}"))
        assert detail.find("button", string="Validate this cashable benefit") is not None
        response = client.post(
            f"/benefits/{measurement.benefit_id}/validate",
            data={"version": str(measurement.benefit.version), "note": "Ledger checked."},
        )
        assert response.status_code == 302
        benefit = db_session.get(Benefit, measurement.benefit_id)
        db_session.refresh(benefit)
        assert benefit.validated_by_id == validator.id

    def test_the_page_asks_who_recorded_the_figures_once(
        self, client: FlaskClient, login_as: Any, count_queries: Any
    ) -> None:
        # Validation and the budget sign-off both exclude whoever recorded the figures; the page reads
        # them once for both.
        measurement = BenefitMeasurementFactory(
            benefit=BenefitFactory(cashable=True), value=Decimal(1_500), period_end=date(2026, 4, 30)
        )
        login_as(UserFactory(finance=True))
        with count_queries() as sent:
            assert client.get(f"/benefits/{measurement.benefit_id}").status_code == 200
        recorders = [
            statement
            for statement in sent.statements
            if "DISTINCT" in statement.upper() and "recorded_by_id" in statement
        ]
        assert len(recorders) == 1, recorders


class TestTrackerAndChart:
    def test_the_chart_is_a_png_with_alt_text_and_a_table_alternative(
        self, client: FlaskClient, login_as: Any
    ) -> None:
        measurement = BenefitMeasurementFactory(period_end=date(2026, 4, 30), value=Decimal(900))
        login_as(UserFactory(viewer=True))
        detail = page(client.get(f"/benefits/{measurement.benefit_id}"))
        image = detail.select_one("figure.chart img")
        assert image is not None and "the plan (a straight line)" in image["alt"]
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
        assert "Benefits" in nav
        section = page(client.get("/benefits/")).select_one("nav.section-nav").get_text()
        assert "Temporary resources" in section and "Flags" in section


class TestChangingAProfile:
    """The profile form opens with the benefit as it is, and saving it changes only what was changed."""

    def test_a_change_that_lost_to_someone_elses_gives_back_what_was_typed(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        owner = login_as(UserFactory(manager=True))
        benefit = BenefitFactory(improvement=ImprovementFactory(delivery=True, owner=owner))
        form = form_values(client.get(f"/benefits/{benefit.id}/edit"))
        # Someone else saves the benefit after this person opened the form.
        form.update(
            version=str(int(form["version"]) - 1), title="Calls avoided by the online form, per month"
        )
        host = client.application.config.get("SERVER_NAME") or "localhost"
        edit_url = f"http://{host}/benefits/{benefit.id}/edit"
        refused = client.post(f"/benefits/{benefit.id}/edit", data=form, headers={"Referer": edit_url})
        assert refused.status_code == 409
        shown = page(refused)
        assert "Your change has not been saved." in shown.get_text(" ", strip=True)
        assert shown.select_one("main a[href='" + edit_url + "']").get_text() == "Open the page again"
        given_back = {
            row.dt.get_text(strip=True): row.dd.get_text(strip=True)
            for row in shown.select("dl .summary-list__row")
        }
        # Under the label the person read on the form, not the field's name ("Title").
        assert given_back["What is the benefit?"] == "Calls avoided by the online form, per month"
        assert not any("csrf" in words.lower() or "version" in words.lower() for words in given_back)
        db_session.refresh(benefit)
        assert benefit.title != "Calls avoided by the online form, per month"
        # A link to another site is never offered as the way back.
        elsewhere = client.post(
            f"/benefits/{benefit.id}/edit", data=form, headers={"Referer": "https://elsewhere.example/x"}
        )
        assert "elsewhere.example" not in elsewhere.get_data(as_text=True)

    def test_the_form_opens_with_the_benefit_as_it_is(self, client: FlaskClient, login_as: Any) -> None:
        owner = login_as(UserFactory(manager=True))
        benefit = BenefitFactory(improvement=ImprovementFactory(delivery=True, owner=owner))
        form = form_values(client.get(f"/benefits/{benefit.id}/edit"))
        assert form["driver"] == "channel_shift"
        assert form["owner_id"] == str(owner.id)
        assert (form["baseline_value"], form["target_value"]) == ("1000", "600")
        assert form["frequency"] == "quarterly"

    def test_saving_a_corrected_target_keeps_everything_else(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        owner = login_as(UserFactory(manager=True))
        benefit = BenefitFactory(improvement=ImprovementFactory(delivery=True, owner=owner))
        driver_id = benefit.driver_id
        form = form_values(client.get(f"/benefits/{benefit.id}/edit"))
        form.update(target_value="550", target_date="2027-03-31", frequency="monthly")
        # In delivery the business case is approved: the target changes only by a change request.
        refused = client.post(f"/benefits/{benefit.id}/edit", data=form)
        assert refused.status_code == 422
        summary = page(refused).select_one(".error-summary").get_text(" ")
        assert "propose the change to the design authority" in summary
        form.update(target_value="600", target_date="2027-01-31")
        saved = client.post(f"/benefits/{benefit.id}/edit", data=form)
        assert saved.status_code == 302, field_errors(saved)
        db_session.refresh(benefit)
        assert (benefit.target_value, benefit.target_date, benefit.frequency) == (
            600,
            date(2027, 1, 31),
            "monthly",
        )
        assert (benefit.driver_id, benefit.owner_id, benefit.baseline_value) == (driver_id, owner.id, 1000)
        shown = page(client.get(f"/benefits/{benefit.id}"))
        assert "The benefit profile has been updated." in shown.get_text()
        # The page shows the baseline and target and says how to change them.
        edit = page(client.get(f"/benefits/{benefit.id}/edit"))
        assert "Propose a change to the baseline or target" in edit.get_text()

    def test_a_money_benefit_is_saved_back_in_pounds(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        owner = login_as(UserFactory(manager=True))
        benefit = BenefitFactory(cashable=True, improvement=ImprovementFactory(delivery=True, owner=owner))
        form = form_values(client.get(f"/benefits/{benefit.id}/edit"))
        assert form["target_value"] == "50,000"
        saved = client.post(f"/benefits/{benefit.id}/edit", data={**form, "title": "Agency spend saved"})
        assert saved.status_code == 302, field_errors(saved)
        db_session.refresh(benefit)
        assert (benefit.title, benefit.target_value) == ("Agency spend saved", 5_000_000)


class TestTheUnitIsChosenFromAList:
    """Money is one choice, in pounds; any other unit is named under ‘Something else’."""

    def test_money_named_another_way_is_refused_with_what_was_typed_kept(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        owner = login_as(UserFactory(manager=True))
        improvement = ImprovementFactory(delivery=True, owner=owner)
        form = _profile_form(
            owner.id, unit="other", unit_other="£", baseline_value="0", target_value="12,500"
        )
        response = client.post(f"/improvements/{improvement.id}/benefits/new", data=form)
        assert response.status_code == 422
        assert any("Money, in pounds" in error for error in field_errors(response))
        kept = form_values(response)
        assert (kept["unit"], kept["unit_other"], kept["target_value"]) == ("other", "£", "12,500")
        assert _count(db_session, Benefit) == 0

    def test_money_is_stored_in_pounds_and_counts(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        owner = login_as(UserFactory(manager=True))
        improvement = ImprovementFactory(delivery=True, owner=owner)
        form = _profile_form(
            owner.id, cash_class="cashable", unit="GBP", baseline_value="0", target_value="12,500"
        )
        response = client.post(f"/improvements/{improvement.id}/benefits/new", data=form)
        assert response.status_code == 302, field_errors(response)
        benefit = db_session.scalar(select(Benefit))
        assert (benefit.unit, benefit.target_value) == ("GBP", 1_250_000)

    def test_the_form_offers_the_list_and_reopens_an_other_unit_with_its_name(
        self, client: FlaskClient, login_as: Any
    ) -> None:
        owner = login_as(UserFactory(manager=True))
        benefit = BenefitFactory(improvement=ImprovementFactory(delivery=True, owner=owner))
        response = client.get(f"/benefits/{benefit.id}/edit")
        offered = [str(radio["value"]) for radio in page(response).select("input[name=unit]")]
        assert offered == ["GBP", "count", "%", "hours", "days", "FTE", "other"]
        form = form_values(response)
        assert (form["unit"], form["unit_other"]) == ("other", "calls per month")


class TestHandover:
    def test_the_design_authority_hands_a_programme_saving_to_a_named_owner(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        from changeauth.models import AuditEvent, Programme

        programme = Programme(code="ended", name="Ended programme", ends_on=today() - timedelta(days=30))
        db_session.add(programme)
        db_session.flush()
        saving = BenefitFactory(improvement=None, programme=programme, cashable=True)
        service_manager = UserFactory(manager=True, name="Sasha Service")
        db_session.commit()
        login_as(saving.owner)
        assert client.get(f"/benefits/{saving.id}/hand-over").status_code == 403
        login_as(UserFactory(design_authority=True))
        assert (
            "Hand the benefit over to business as usual"
            in page(client.get(f"/benefits/{saving.id}")).get_text()
        )
        form = client.get(f"/benefits/{saving.id}/hand-over")
        values = form_values(form)
        future = client.post(
            f"/benefits/{saving.id}/hand-over",
            data={
                **values,
                "owner_id": str(service_manager.id),
                "handed_over_on": "2099-01-01",
                "note": "kept",
            },
        )
        assert future.status_code == 422
        assert "The handover date cannot be in the future." in field_errors(future)
        assert "kept" in future.get_data(as_text=True)
        on = today() - timedelta(days=1)
        done = client.post(
            f"/benefits/{saving.id}/hand-over",
            data={**values, "owner_id": str(service_manager.id), "handed_over_on": on.isoformat()},
        )
        assert done.status_code == 302, field_errors(done)
        shown = (
            page(client.get(f"/benefits/{saving.id}")).select_one("#benefit-owner").get_text(" ", strip=True)
        )
        assert shown.startswith("Sasha Service, since the handover on")
        assert db_session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.action == "benefit.handed_over", AuditEvent.subject_id == saving.id
            )
        )


def test_a_member_with_a_declared_conflict_is_not_offered_a_reopening(
    client: FlaskClient, login_as: Any
) -> None:
    benefit = BenefitFactory()
    conflicted = UserFactory(design_authority=True)
    ConflictDeclarationFactory(improvement=benefit.improvement, user_id=conflicted.id)
    login_as(conflicted)
    assert client.get(f"/benefits/{benefit.id}/reopen").status_code == 403
    login_as(UserFactory(design_authority=True))
    assert client.get(f"/benefits/{benefit.id}/reopen").status_code == 200


class TestTrackerRagFilter:
    def test_the_rag_filter_reads_todays_rating_not_the_stored_one(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        # Quarterly from 1000 to 600 over a year; 900 measured a quarter in was on plan (green when
        # stored). Today, with the next measurement overdue, it has no current data: not green.
        start = today() - timedelta(days=400)
        benefit = BenefitFactory(
            baseline_date=start, target_date=start + timedelta(days=365), frequency="quarterly"
        )
        BenefitMeasurementFactory(benefit=benefit, period_end=start + timedelta(days=91), value=Decimal(900))
        db_session.commit()
        assert benefit.rag == "green"
        login_as(UserFactory(design_authority=True))
        shown = page(client.get("/benefits/?rag=green")).get_text(" ", strip=True)
        assert benefit.title not in shown
        # A current benefit behind today's plan is found under red, though it was green when measured.
        behind = BenefitFactory(
            baseline_date=today() - timedelta(days=200),
            target_date=today() + timedelta(days=165),
            frequency="annually",
        )
        BenefitMeasurementFactory(
            benefit=behind, period_end=today() - timedelta(days=190), value=Decimal(999)
        )
        db_session.commit()
        assert behind.rag == "green"
        red = page(client.get("/benefits/?rag=red")).get_text(" ", strip=True)
        assert behind.title in red and benefit.title not in red

    def test_the_rating_is_named_in_words(self, client: FlaskClient, login_as: Any, db_session: Any) -> None:
        start = today() - timedelta(days=400)
        stale = BenefitFactory(
            baseline_date=start, target_date=start + timedelta(days=365), frequency="quarterly"
        )
        BenefitMeasurementFactory(benefit=stale, period_end=start + timedelta(days=91), value=Decimal(900))
        unmeasured = BenefitFactory()
        db_session.commit()
        login_as(UserFactory(design_authority=True))
        tracker = page(client.get("/benefits/"))
        assert [th.get_text(strip=True) for th in tracker.select("th")].count("Against plan") == 1
        assert "RAG" not in tracker.get_text(" ")
        filter_words = [option.get_text(strip=True) for option in tracker.select("select#rag option")]
        assert filter_words == ["Any", "On track", "Behind plan", "Well behind plan"]
        tags = {tag.get_text(strip=True) for tag in tracker.select("strong[class*=tag--rag-]")}
        assert {"No current data", "Not measured"} <= tags
        assert not tags & {"Green", "Amber", "Red"}
        detail = page(client.get(f"/benefits/{unmeasured.id}")).get_text(" ", strip=True)
        assert "Not measured" in detail


def test_mixed_units_plan_precision_and_an_unvalidated_saving_read_correctly(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    """The tracker's realised column says each benefit is in its own unit and names the improvement; a plan
    in pounds shows whole pounds; a measured saving finance has not validated is not called realised."""
    start = today() - timedelta(days=100)
    saving = BenefitFactory(
        cashable=True,
        title="Licence savings",
        baseline_date=start,
        target_date=start + timedelta(days=300),
        target_value=Decimal(1_000_001),  # £10,000.01: a third of the way is £3,333.34 planned
    )
    BenefitMeasurementFactory(benefit=saving, period_end=start + timedelta(days=100), value=Decimal(300_000))
    closed = BenefitFactory(title="Bins emptied on time", closing_status="partially_realised")
    db_session.commit()
    login_as(UserFactory(design_authority=True))
    tracker = page(client.get("/benefits/"))
    # A closed benefit's status is its status, not part of its name.
    link = tracker.find("a", string="Bins emptied on time")
    assert link is not None
    cells = [" ".join(td.get_text(" ").split()) for td in link.find_parent("tr").find_all("td")]
    assert cells[0] == closed.title and "Closed: partially realised" in cells
    headings = [th.get_text(" ", strip=True) for th in tracker.select("th")]
    assert "Realised (gross), each in its own unit" in headings
    assert f"{saving.improvement.ref}: {saving.improvement.title}" in tracker.get_text(" ")
    detail = page(client.get(f"/benefits/{saving.id}"))
    text = " ".join(detail.get_text(" ").split())
    assert "Measured (gross), not yet validated £3,000" in text
    assert "Realised (gross)" not in text and "Realised (like-for-like)" not in text
    assert "Measured, not yet validated: it counts as realised once finance validates it" in text
    cells = [td.get_text(strip=True) for td in detail.select("table td.numeric")]
    assert "£3,333" in cells and "£333 behind" in cells
    assert not any(".3" in cell for cell in cells)
