"""The Benefits, Flags and job-runs endpoints: a benefit from profile through measurements, staleness (the
job), a new measurement and resolution; finance's adjustments and validation; bad input is 422 with
nothing stored; roles and separation of duties are 403."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from changeauth.domain.benefits import add_months
from changeauth.jobs import get_job
from changeauth.jobs.runner import run_job
from changeauth.models import AuditEvent, Benefit, BenefitAdjustment, BenefitMeasurement
from changeauth.queries.clock import today
from changeauth.services import users as user_service
from tests.factories import BenefitFactory, ImprovementFactory, UserFactory


def _headers(db_session: Any, user: Any) -> dict[str, str]:
    token, _ = user_service.issue_api_token(user, name="t", actor_id=user.id)
    db_session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def setting(db_session: Any) -> dict[str, Any]:
    owner = UserFactory(manager=True)
    improvement = ImprovementFactory(delivery=True, owner=owner)
    people = {
        "owner": owner,
        "da": UserFactory(design_authority=True),
        "finance": UserFactory(finance=True),
        "staff": UserFactory(),
        "viewer": UserFactory(viewer=True),
    }
    return {
        "improvement": improvement,
        "people": people,
        "headers": {name: _headers(db_session, user) for name, user in people.items()},
    }


def _profile(owner_id: int, /, **changes: Any) -> dict[str, Any]:
    start = today() - timedelta(days=200)
    profile = {
        "title": "Calls to Customer Connect about bins",
        "driver": "channel_shift",
        "cash_class": "not_monetised",
        "unit": "calls per month",
        "direction": "decrease",
        "baseline_value": 2400,
        "baseline_date": start.isoformat(),
        "target_value": 1800.5,
        "target_date": (start + timedelta(days=565)).isoformat(),
        "frequency": "monthly",
        "owner_id": owner_id,
    }
    profile.update(changes)
    return profile


def _count(db_session: Any, model: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(model)) or 0


def test_a_benefit_from_profile_to_staleness_and_back(client: FlaskClient, app: Flask, setting: Any) -> None:
    owner, headers = setting["people"]["owner"], setting["headers"]
    improvement_id = setting["improvement"].id
    created = client.post(
        f"/api/v1/improvements/{improvement_id}/benefits", json=_profile(owner.id), headers=headers["da"]
    )
    assert created.status_code == 201, created.get_json()
    benefit = created.get_json()
    assert (benefit["baseline_value"], benefit["target_value"], benefit["tolerance_pct"]) == (
        2400,
        1800.5,
        10,
    )
    assert benefit["version"] == 1 and benefit["latest_value"] is None and benefit["rag"] is None
    baseline = date.fromisoformat(benefit["baseline_date"])
    assert benefit["next_due"] == add_months(baseline, 1).isoformat()

    # One early measurement, then silence: more than a whole month past due, so stale and escalated.
    early = baseline + timedelta(days=50)
    measured = client.post(
        f"/api/v1/benefits/{benefit['id']}/measurements",
        json={"period_end": early.isoformat(), "value": 2300, "data_quality": "estimated"},
        headers=headers["owner"],
    )
    assert measured.status_code == 201
    read = client.get(f"/api/v1/benefits/{benefit['id']}", headers=headers["staff"]).get_json()
    assert read["latest_value"] == 2300 and read["realised_gross"] == 100  # 2,400 - 2,300 for a decrease
    assert read["is_stale"] is True and read["staleness"] == "escalated"
    assert read["next_due"] == add_months(early, 1).isoformat()

    with app.app_context():
        assert run_job(get_job("stale-benefits"), today()).counts["raised"] == 2
    flags = client.get(
        "/api/v1/flags",
        query_string={"subject_type": "benefit", "subject_id": benefit["id"], "status": "open"},
        headers=headers["owner"],
    ).get_json()
    assert sorted(f["kind"] for f in flags["items"]) == ["benefit_escalated", "stale_benefit"]

    caught_up = client.post(
        f"/api/v1/benefits/{benefit['id']}/measurements",
        json={"period_end": today().isoformat(), "value": 2000},
        headers=headers["owner"],
    )
    assert caught_up.status_code == 201
    after = client.get(f"/api/v1/benefits/{benefit['id']}", headers=headers["owner"]).get_json()
    assert after["is_stale"] is False and after["next_due"] == add_months(today(), 1).isoformat()
    still_open = client.get(
        "/api/v1/flags",
        query_string={"subject_type": "benefit", "subject_id": benefit["id"], "status": "open"},
        headers=headers["owner"],
    ).get_json()
    assert still_open["items"] == []


class TestBadProfiles:
    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"target_date": "BASELINE"}, "target_date"),
            ({"frequency": "fortnightly"}, "frequency"),
            ({"baseline_value": "NaN"}, "baseline_value"),
            ({"target_value": 2600}, "target_value"),  # a decrease whose target is above the baseline
            ({"driver": "world_peace"}, "driver"),
            ({"owner_id": 987654}, "owner_id"),
            ({"tolerance_pct": 150}, "tolerance_pct"),
            ({"rag": "green"}, "rag"),  # read-only
            ({"unit": "GBP", "baseline_value": 10.5, "target_value": 5}, "baseline_value"),
        ],
    )
    def test_is_422_and_stores_nothing(
        self, client: FlaskClient, db_session: Any, setting: Any, changes: dict[str, Any], field: str
    ) -> None:
        owner = setting["people"]["owner"]
        profile = _profile(owner.id, **changes)
        if changes.get("target_date") == "BASELINE":
            profile["target_date"] = profile["baseline_date"]
        response = client.post(
            f"/api/v1/improvements/{setting['improvement'].id}/benefits",
            json=profile,
            headers=setting["headers"]["da"],
        )
        assert response.status_code == 422, response.get_json()
        error = response.get_json()["error"]
        assert error["code"] == "validation_failed" and field in error["fields"]
        assert _count(db_session, Benefit) == 0

    def test_target_not_after_baseline_says_so(self, client: FlaskClient, setting: Any) -> None:
        profile = _profile(setting["people"]["owner"].id)
        profile["target_date"] = profile["baseline_date"]
        response = client.post(
            f"/api/v1/improvements/{setting['improvement'].id}/benefits",
            json=profile,
            headers=setting["headers"]["owner"],
        )
        assert response.get_json()["error"]["fields"]["target_date"] == [
            "The target date must be after the baseline date."
        ]

    def test_only_the_owner_or_the_design_authority_may_add_one(
        self, client: FlaskClient, setting: Any
    ) -> None:
        url = f"/api/v1/improvements/{setting['improvement'].id}/benefits"
        profile = _profile(setting["people"]["owner"].id)
        assert client.post(url, json=profile, headers=setting["headers"]["staff"]).status_code == 403
        assert client.post(url, json=profile, headers=setting["headers"]["finance"]).status_code == 403
        assert client.post(url, json=profile, headers=setting["headers"]["owner"]).status_code == 201

    def test_an_idea_cannot_have_a_benefit_profile_yet(self, client: FlaskClient, db_session: Any) -> None:
        da = UserFactory(design_authority=True)
        idea = ImprovementFactory()
        response = client.post(
            f"/api/v1/improvements/{idea.id}/benefits", json=_profile(da.id), headers=_headers(db_session, da)
        )
        assert response.status_code == 409
        assert response.get_json()["error"]["code"] == "invalid_transition"


class TestMeasurements:
    def test_a_future_period_end_is_refused(self, client: FlaskClient, db_session: Any, setting: Any) -> None:
        benefit = BenefitFactory(improvement=setting["improvement"], owner=setting["people"]["owner"])
        response = client.post(
            f"/api/v1/benefits/{benefit.id}/measurements",
            json={"period_end": (today() + timedelta(days=1)).isoformat(), "value": 10},
            headers=setting["headers"]["owner"],
        )
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"] == {
            "period_end": ["The period end date cannot be in the future."]
        }
        assert _count(db_session, BenefitMeasurement) == 0

    def test_a_second_value_for_a_period_is_a_conflict(self, client: FlaskClient, setting: Any) -> None:
        benefit = BenefitFactory(improvement=setting["improvement"], owner=setting["people"]["owner"])
        body = {"period_end": "2026-04-30", "value": 900}
        url = f"/api/v1/benefits/{benefit.id}/measurements"
        assert client.post(url, json=body, headers=setting["headers"]["owner"]).status_code == 201
        again = client.post(url, json=body, headers=setting["headers"]["owner"])
        assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_exists"

    def test_someone_else_may_not_record(self, client: FlaskClient, setting: Any) -> None:
        benefit = BenefitFactory(improvement=setting["improvement"], owner=setting["people"]["owner"])
        response = client.post(
            f"/api/v1/benefits/{benefit.id}/measurements",
            json={"period_end": "2026-04-30", "value": 900},
            headers=setting["headers"]["da"],
        )
        assert response.status_code == 403


class TestFinance:
    def test_adjustments_are_finance_only_and_add_up_like_for_like(
        self, client: FlaskClient, db_session: Any, setting: Any
    ) -> None:
        benefit = BenefitFactory(
            improvement=setting["improvement"], owner=setting["people"]["owner"], cashable=True
        )
        url = f"/api/v1/benefits/{benefit.id}/adjustments"
        body = {
            "category": "external_funding",
            "amount_pence": 9_576_100,
            "rationale": "Grant netted off baseline",
            "status": "confirmed",
            "evidence": "Grant letter and the baseline costing",
        }
        refused = client.post(url, json=body, headers=setting["headers"]["owner"])
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
        assert _count(db_session, BenefitAdjustment) == 0
        assert client.post(url, json=body, headers=setting["headers"]["finance"]).status_code == 201
        client.post(
            url,
            json={
                "category": "growth_position",
                "amount_pence": -100_000,
                "rationale": "New duty absorbed",
                "status": "confirmed",
                "evidence": "Homelessness duty costing",
            },
            headers=setting["headers"]["finance"],
        )
        # A proposed adjustment (the report's "if") is listed but counts nothing.
        proposed = client.post(
            url,
            json={"category": "taken_as_savings", "amount_pence": 32_306_000, "rationale": "Possible"},
            headers=setting["headers"]["finance"],
        ).get_json()
        assert (proposed["status"], proposed["counts"], proposed["recurrence"]) == (
            "proposed",
            False,
            "recurring",
        )
        unevidenced = client.post(
            url,
            json={"category": "other", "amount_pence": 1, "rationale": "x", "status": "confirmed"},
            headers=setting["headers"]["finance"],
        )
        assert unevidenced.status_code == 422
        client.post(
            f"/api/v1/benefits/{benefit.id}/measurements",
            json={"period_end": "2026-04-30", "value": 1_200_000},
            headers=setting["headers"]["owner"],
        )
        read = client.get(f"/api/v1/benefits/{benefit.id}", headers=setting["headers"]["viewer"]).get_json()
        # Gross 1,200,000 - 0; adjustments 9,576,100 - 100,000 = 9,476,100; like-for-like 10,676,100.
        assert (read["realised_gross"], read["adjustments_total"], read["realised_adjusted"]) == (
            1_200_000,
            9_476_100,
            10_676_100,
        )

    def test_finance_confirms_a_proposed_adjustment_as_on_the_page(
        self, client: FlaskClient, db_session: Any, setting: Any
    ) -> None:
        from changeauth.models import AuditEvent

        benefit = BenefitFactory(
            improvement=setting["improvement"], owner=setting["people"]["owner"], cashable=True
        )
        finance = setting["headers"]["finance"]
        proposed = client.post(
            f"/api/v1/benefits/{benefit.id}/adjustments",
            json={"category": "external_funding", "amount_pence": 9_576_100, "rationale": "If grant-funded"},
            headers=finance,
        ).get_json()
        assert proposed["status"] == "proposed" and proposed["counts"] is False
        url = f"/api/v1/benefits/{benefit.id}/adjustments/{proposed['id']}/confirm"
        refused = client.post(url, json={"evidence": "Grant letter"}, headers=setting["headers"]["owner"])
        assert refused.status_code == 403
        empty = client.post(url, json={"evidence": ""}, headers=finance)
        assert empty.status_code == 422 and "evidence" in empty.get_json()["error"]["fields"]
        stale = client.post(
            url, json={"evidence": "Grant letter", "version": benefit.version + 1}, headers=finance
        )
        assert stale.status_code == 409
        confirmed = client.post(
            url, json={"evidence": "Grant letter of 2019", "version": benefit.version}, headers=finance
        )
        assert confirmed.status_code == 200, confirmed.get_json()
        assert confirmed.get_json()["status"] == "confirmed" and confirmed.get_json()["counts"] is True
        assert "Grant letter of 2019" in confirmed.get_json()["evidence"]
        again = client.post(url, json={"evidence": "Again"}, headers=finance)
        assert again.status_code == 409
        elsewhere = client.post(
            f"/api/v1/benefits/{BenefitFactory(cashable=True).id}/adjustments/{proposed['id']}/confirm",
            json={"evidence": "x"},
            headers=finance,
        )
        assert elsewhere.status_code == 404
        assert (
            db_session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "benefit.adjustment_confirmed")
            )
            == 1
        )

    def test_bad_adjustments_are_422(self, client: FlaskClient, setting: Any) -> None:
        benefit = BenefitFactory(improvement=setting["improvement"], owner=setting["people"]["owner"])
        url = f"/api/v1/benefits/{benefit.id}/adjustments"
        finance = setting["headers"]["finance"]
        not_money = client.post(
            url, json={"category": "other", "amount_pence": 5, "rationale": "x"}, headers=finance
        )
        assert not_money.status_code == 422 and "amount_pence" in not_money.get_json()["error"]["fields"]
        unknown = client.post(
            url, json={"category": "luck", "amount_pence": 5, "rationale": "x"}, headers=finance
        )
        assert unknown.status_code == 422 and "category" in unknown.get_json()["error"]["fields"]

    def test_validation_is_by_finance_and_never_by_the_owner(
        self, client: FlaskClient, db_session: Any
    ) -> None:
        finance_owner = UserFactory(finance=True)
        improvement = ImprovementFactory(delivery=True, owner=finance_owner)
        benefit = BenefitFactory(improvement=improvement, owner=finance_owner, cashable=True)
        owner_headers = _headers(db_session, finance_owner)
        client.post(
            f"/api/v1/benefits/{benefit.id}/measurements",
            json={"period_end": "2026-04-30", "value": 1_000_000},
            headers=owner_headers,
        )
        own = client.post(f"/api/v1/benefits/{benefit.id}/validate", headers=owner_headers)
        assert own.status_code == 403
        other = _headers(db_session, UserFactory(finance=True))
        validated = client.post(f"/api/v1/benefits/{benefit.id}/validate", headers=other)
        assert validated.status_code == 200
        body = validated.get_json()
        assert (
            body["counts_as_realised"] is True and body["validated_at"].endswith("Z") and body["version"] == 3
        )  # created at 1; the measurement moved it, then the validation
        assert client.post(f"/api/v1/benefits/{benefit.id}/validate", headers=other).status_code == 409


class TestPatch:
    def test_version_from_the_body_or_if_match(self, client: FlaskClient, setting: Any) -> None:
        benefit = BenefitFactory(improvement=setting["improvement"], owner=setting["people"]["owner"])
        url = f"/api/v1/benefits/{benefit.id}"
        owner = setting["headers"]["owner"]
        changed = client.patch(
            url, json={"title": "Calls about bins, per month", "version": 1}, headers=owner
        )
        assert changed.status_code == 200 and changed.get_json()["version"] == 2
        stale = client.patch(url, json={"title": "Another title", "version": 1}, headers=owner)
        assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "version_conflict"
        by_header = client.patch(url, json={"unit": "calls a month"}, headers={**owner, "If-Match": '"2"'})
        assert by_header.status_code == 200 and by_header.get_json()["version"] == 3
        missing = client.patch(url, json={"unit": "calls"}, headers=owner)
        assert missing.status_code == 422 and "version" in missing.get_json()["error"]["fields"]

    def test_a_new_target_after_approval_is_a_change_request(
        self, client: FlaskClient, setting: Any, db_session: Any
    ) -> None:
        benefit = BenefitFactory(improvement=setting["improvement"], owner=setting["people"]["owner"])
        url, owner = f"/api/v1/benefits/{benefit.id}", setting["headers"]["owner"]
        refused = client.patch(url, json={"version": 1, "target_value": 550}, headers=owner)
        assert refused.status_code == 422 and "target_value" in refused.get_json()["error"]["fields"]
        with_reason = client.patch(
            url, json={"version": 1, "target_value": 550, "reason": "Rota change."}, headers=owner
        )
        assert with_reason.status_code == 422
        proposed = client.post(
            f"{url}/change-requests",
            json={"version": 1, "target_value": 550, "reason": "Rota change."},
            headers=owner,
        )
        assert proposed.status_code == 201, proposed.get_json()
        request = proposed.get_json()
        decided = client.post(
            f"{url}/change-requests/{request['id']}/decision",
            json={"decision": "approve", "version": request["version"]},
            headers=setting["headers"]["da"],
        )
        assert decided.status_code == 200, decided.get_json()
        assert client.get(url, headers=owner).get_json()["target_value"] == 550

    def test_the_driver_can_be_corrected(self, client: FlaskClient, setting: Any, db_session: Any) -> None:
        benefit = BenefitFactory(improvement=setting["improvement"], owner=setting["people"]["owner"])
        response = client.patch(
            f"/api/v1/benefits/{benefit.id}",
            json={"version": 1, "driver": "remodelling"},
            headers=setting["headers"]["owner"],
        )
        assert response.status_code == 200, response.get_json()
        db_session.refresh(benefit)
        assert response.get_json()["driver"] == "remodelling"

    def test_read_only_fields_are_422(self, client: FlaskClient, setting: Any) -> None:
        benefit = BenefitFactory(improvement=setting["improvement"], owner=setting["people"]["owner"])
        response = client.patch(
            f"/api/v1/benefits/{benefit.id}",
            json={"version": 1, "validated_by_id": setting["people"]["owner"].id},
            headers=setting["headers"]["owner"],
        )
        assert response.status_code == 422

    def test_the_closing_status_waits_for_the_benefits_review(
        self, client: FlaskClient, db_session: Any, setting: Any
    ) -> None:
        benefit = BenefitFactory(improvement=setting["improvement"], owner=setting["people"]["owner"])
        url = f"/api/v1/benefits/{benefit.id}"
        early = client.patch(
            url, json={"closing_status": "realised", "version": 1}, headers=setting["headers"]["da"]
        )
        assert early.status_code == 409
        setting["improvement"].stage = "realisation"
        db_session.commit()
        closed = client.patch(
            url, json={"closing_status": "partially_realised", "version": 1}, headers=setting["headers"]["da"]
        )
        assert closed.status_code == 200 and closed.get_json()["closing_status"] == "partially_realised"
        actions = db_session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.subject_type == "benefit", AuditEvent.subject_id == benefit.id
            )
        ).all()
        assert actions == ["benefit.updated"]


class TestListsAndJobRuns:
    def test_the_tracker_filters(self, client: FlaskClient, setting: Any) -> None:
        stale = BenefitFactory(improvement=setting["improvement"], baseline_date=date(2025, 1, 31))
        BenefitFactory(
            improvement=setting["improvement"],
            baseline_date=today(),
            target_date=today() + timedelta(days=90),
        )
        response = client.get(
            "/api/v1/benefits", query_string={"stale": "true"}, headers=setting["headers"]["viewer"]
        )
        assert [item["id"] for item in response.get_json()["items"]] == [stale.id]
        bad = client.get(
            "/api/v1/benefits", query_string={"rag": "purple"}, headers=setting["headers"]["viewer"]
        )
        assert bad.status_code == 422

    def test_job_runs_are_for_admins_and_viewers(self, client: FlaskClient, app: Flask, setting: Any) -> None:
        with app.app_context():
            run_job(get_job("hold-reviews"), date(2026, 11, 29))
        listed = client.get(
            "/api/v1/job-runs", query_string={"job": "hold-reviews"}, headers=setting["headers"]["viewer"]
        )
        assert listed.status_code == 200
        (run,) = listed.get_json()["items"]
        assert (run["job"], run["period_key"], run["status"]) == ("hold-reviews", "2026-11-29", "succeeded")
        assert run["counts"]["raised"] == 0
        assert client.get("/api/v1/job-runs", headers=setting["headers"]["staff"]).status_code == 403


def test_money_under_another_name_is_refused_by_the_api(client: FlaskClient, setting: Any) -> None:
    owner = setting["people"]["owner"]
    response = client.post(
        f"/api/v1/improvements/{setting['improvement'].id}/benefits",
        json=_profile(owner.id, unit="£", cash_class="cashable", direction="increase", baseline_value=0),
        headers=setting["headers"]["owner"],
    )
    assert response.status_code == 422
    assert "Money, in pounds" in " ".join(response.get_json()["error"]["fields"]["unit"])
