"""The Business cases API: create → submit → approved (by the G1 service) → a new version, the
appraisal in every response, and 403/404/409/422 exactly as docs/api.md says, never storing bad input."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from changeauth.models import BusinessCase, BusinessCaseOption, BusinessCaseOptionYear
from changeauth.queries import business_cases as case_queries
from changeauth.services import business_cases as case_service
from changeauth.services import users as user_service
from tests.factories import BusinessCaseFactory, ImprovementFactory, UserFactory

GOOD_CASE: dict[str, Any] = {
    "kind": "outline",
    "strategic_fit": "Moves bulky-waste bookings online.",
    "risks": "Take-up may be slow.",
    "reform_risk": "A successor council can keep the form.",
    "fte_change": -0.5,
    "options": [
        {
            "name": "Business as usual",
            "is_business_as_usual": True,
            "years": [
                {
                    "year": 0,
                    "capital_pence": 0,
                    "revenue_pence": 0,
                    "cashable_benefit_pence": 0,
                    "non_cashable_benefit_pence": 0,
                }
            ],
        },
        {
            "name": "Online booking",
            "is_business_as_usual": False,
            "years": [
                {
                    "year": 0,
                    "capital_pence": 1_000_000,
                    "revenue_pence": 0,
                    "cashable_benefit_pence": 0,
                    "non_cashable_benefit_pence": 0,
                },
                {
                    "year": 1,
                    "capital_pence": 0,
                    "revenue_pence": 0,
                    "cashable_benefit_pence": 600_000,
                    "non_cashable_benefit_pence": 0,
                },
                {
                    "year": 2,
                    "capital_pence": 0,
                    "revenue_pence": 0,
                    "cashable_benefit_pence": 600_000,
                    "non_cashable_benefit_pence": 0,
                },
            ],
        },
    ],
    "preferred_option": "Online booking",
}


def _token(db_session: Any, user: Any) -> dict[str, str]:
    plain, _ = user_service.issue_api_token(user, name="test", actor_id=user.id)
    db_session.commit()
    return {"Authorization": f"Bearer {plain}"}


def _stored(db_session: Any) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        db_session.scalar(select(func.count()).select_from(model))
        for model in (BusinessCase, BusinessCaseOption, BusinessCaseOptionYear)
    )


@pytest.fixture
def improvement(db_session: Any) -> Any:
    return ImprovementFactory(business_case=True)


@pytest.fixture
def owner_auth(db_session: Any, improvement: Any) -> dict[str, str]:
    return _token(db_session, improvement.owner)


def _url(improvement: Any) -> str:
    return f"/api/v1/improvements/{improvement.id}/business-cases"


class TestLifecycle:
    def test_create_submit_approve_and_a_new_version(
        self, client: FlaskClient, db_session: Any, improvement: Any, owner_auth: dict[str, str]
    ) -> None:
        created = client.post(_url(improvement), json=GOOD_CASE, headers=owner_auth)
        assert created.status_code == 201, created.get_json()
        body = created.get_json()
        assert (body["version"], body["status"], body["improvement_id"]) == (1, "draft", improvement.id)
        assert (body["discount_rate"], body["optimism_bias_pct"], body["fte_change"]) == (0.035, 0, -0.5)
        online = body["options"][1]
        # PV benefits = 6,000/1.035 + 6,000/1.035² = 5,797.1014 + 5,601.0642 = £11,398.1657 → 1,139,817p;
        # BCR = 11,398.17 / 10,000 = 1.1398; payback: −10,000, −4,000, +2,000 → 1 + 4,000/6,000.
        assert online["appraisal"] == {
            "pv_costs_pence": 1_000_000,
            "pv_benefits_pence": 1_139_817,
            "npv_pence": 139_817,
            "bcr": 1.1398,
            "payback_years": 1.6667,
            # Discounted: −10,000, then 6,000/1.035 = 5,797.10 → −4,202.90, then 5,601.06 → 1.7504.
            "discounted_payback_years": 1.7504,
        }
        assert body["options"][0]["appraisal"]["bcr"] is None  # no costs, no BCR
        # The saving recurs in years 1 and 2 and stops: the Green Book's ten-year period is pointed out.
        assert online["is_preferred"] and len(body["warnings"]) == 1
        assert "stops after year 2" in body["warnings"][0]
        assert body["created_at"].endswith("Z")

        latest = client.get(f"{_url(improvement)}/latest", headers=owner_auth)
        assert latest.status_code == 200 and latest.get_json()["status"] == "draft"

        submitted = client.post(f"/api/v1/business-cases/{body['id']}/submit", headers=owner_auth)
        assert submitted.status_code == 200, submitted.get_json()
        assert submitted.get_json()["status"] == "submitted" and submitted.get_json()["submitted_at"]

        again = client.post(f"/api/v1/business-cases/{body['id']}/submit", headers=owner_auth)
        assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_transition"

        panel = UserFactory(design_authority=True)
        case_service.approve_business_case(case_queries.get_case(body["id"], panel), actor=panel)
        db_session.commit()
        latest = client.get(f"{_url(improvement)}/latest", headers=owner_auth)
        assert latest.get_json()["status"] == "approved"

        revised = dict(GOOD_CASE, kind="full", optimism_bias_pct=40, version=1)
        second = client.post(_url(improvement), json=revised, headers=owner_auth)
        assert second.status_code == 201, second.get_json()
        second_body = second.get_json()
        assert (second_body["version"], second_body["status"]) == (2, "draft")
        assert second_body["based_on_version"] == 1
        # Optimism bias of 40% lifts PV costs from £10,000 to £14,000.
        assert second_body["options"][1]["appraisal"]["pv_costs_pence"] == 1_400_000
        latest = client.get(f"{_url(improvement)}/latest", headers=owner_auth).get_json()
        assert latest["version"] == 2 and latest["kind"] == "full"
        first = case_queries.get_case(body["id"], panel, fresh=True)
        assert first.status == "approved" and first.kind == "outline"

    def test_a_design_authority_member_may_create(
        self, client: FlaskClient, db_session: Any, improvement: Any
    ) -> None:
        auth = _token(db_session, UserFactory(design_authority=True))
        assert client.post(_url(improvement), json=GOOD_CASE, headers=auth).status_code == 201

    def test_a_create_over_an_open_draft_supersedes_it(
        self, client: FlaskClient, db_session: Any, improvement: Any, owner_auth: dict[str, str]
    ) -> None:
        first = client.post(_url(improvement), json=GOOD_CASE, headers=owner_auth).get_json()
        second = client.post(_url(improvement), json=GOOD_CASE, headers={**owner_auth, "If-Match": '"1"'})
        assert second.status_code == 201 and second.get_json()["version"] == 2
        submit_old = client.post(f"/api/v1/business-cases/{first['id']}/submit", headers=owner_auth)
        assert submit_old.status_code == 409

    def test_everyone_who_can_see_the_improvement_may_read(
        self, client: FlaskClient, db_session: Any
    ) -> None:
        case = BusinessCaseFactory()
        auth = _token(db_session, UserFactory())
        url = f"/api/v1/improvements/{case.improvement_id}/business-cases/latest"
        response = client.get(url, headers=auth)
        assert response.status_code == 200
        assert response.get_json()["options"][1]["appraisal"]["npv_pence"] == 139_817


class TestConflicts:
    def test_a_stale_version_is_409(
        self, client: FlaskClient, db_session: Any, improvement: Any, owner_auth: dict[str, str]
    ) -> None:
        client.post(_url(improvement), json=GOOD_CASE, headers=owner_auth)
        before = _stored(db_session)
        stale = client.post(_url(improvement), json=dict(GOOD_CASE, version=0), headers=owner_auth)
        assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "version_conflict"
        stale_header = client.post(
            _url(improvement), json=GOOD_CASE, headers={**owner_auth, "If-Match": '"7"'}
        )
        assert stale_header.status_code == 409
        assert _stored(db_session) == before

    @pytest.mark.parametrize("trait", [None, "quick_win", "closed"])
    def test_a_stage_without_a_business_case_is_409(
        self, client: FlaskClient, db_session: Any, trait: str | None
    ) -> None:
        improvement = ImprovementFactory(**({trait: True} if trait else {}))
        auth = _token(db_session, UserFactory(design_authority=True))
        response = client.post(_url(improvement), json=GOOD_CASE, headers=auth)
        assert response.status_code == 409 and response.get_json()["error"]["code"] == "invalid_transition"
        assert _stored(db_session) == (0, 0, 0)


class TestRefusals:
    def test_staff_may_not_create_or_submit(
        self, client: FlaskClient, db_session: Any, improvement: Any
    ) -> None:
        auth = _token(db_session, UserFactory())
        response = client.post(_url(improvement), json=GOOD_CASE, headers=auth)
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
        case = BusinessCaseFactory()
        submit = client.post(f"/api/v1/business-cases/{case.id}/submit", headers=auth)
        assert submit.status_code == 403
        assert client.get(f"/api/v1/improvements/{case.improvement_id}/business-cases/latest", headers=auth)
        assert db_session.scalar(select(BusinessCase.status).where(BusinessCase.id == case.id)) == "draft"

    def test_missing_things_are_404(
        self, client: FlaskClient, db_session: Any, improvement: Any, owner_auth: dict[str, str]
    ) -> None:
        missing = client.post(
            "/api/v1/improvements/999999/business-cases", json=GOOD_CASE, headers=owner_auth
        )
        assert missing.status_code == 404
        no_case = client.get(f"{_url(improvement)}/latest", headers=owner_auth)
        assert no_case.status_code == 404 and no_case.get_json()["error"]["code"] == "not_found"
        assert client.post("/api/v1/business-cases/999999/submit", headers=owner_auth).status_code == 404
        missing_latest = client.get("/api/v1/improvements/999999/business-cases/latest", headers=owner_auth)
        assert missing_latest.status_code == 404

    def test_a_withdrawn_improvements_case_is_hidden_from_other_staff(
        self, client: FlaskClient, db_session: Any
    ) -> None:
        improvement = ImprovementFactory(withdrawn=True)
        auth = _token(db_session, UserFactory())
        assert client.get(f"{_url(improvement)}/latest", headers=auth).status_code == 404
        assert client.post(_url(improvement), json=GOOD_CASE, headers=auth).status_code == 404


def _bad(**changes: Any) -> dict[str, Any]:
    """GOOD_CASE with ``a__0__b=value`` changed (or removed, for ``_DELETE``)."""
    body = copy.deepcopy(GOOD_CASE)
    for path, value in changes.items():
        target: Any = body
        *parents, last = path.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        key: Any = int(last) if last.isdigit() else last
        if value is _DELETE:
            del target[key]
        else:
            target[key] = value
    return body


_DELETE = object()

BAD_BODIES = {
    "an unknown field": (_bad(colour="blue"), "colour"),
    "an unknown field in a year": (_bad(options__1__years__0__vat_pence=5), "options.1.years.0.vat_pence"),
    "a read-only field": (_bad(status="approved"), "status"),
    "a missing kind": (_bad(kind=_DELETE), "kind"),
    "an unknown kind": (_bad(kind="strategic"), "kind"),
    "no options": (_bad(options=[]), "options"),
    "an option with no years": (_bad(options__1__years=[]), "options.1.years"),
    "duplicate years": (
        _bad(options__1__years__1__year=0),
        "options.1.years.1.year",
    ),
    "a negative cost": (_bad(options__1__years__0__capital_pence=-1), "options.1.years.0.capital_pence"),
    "money as a string": (_bad(options__1__years__0__capital_pence="100"), "options.1.years.0.capital_pence"),
    "money with a fraction of a penny": (
        _bad(options__1__years__0__revenue_pence=10.5),
        "options.1.years.0.revenue_pence",
    ),
    "money over the maximum": (
        _bad(options__1__years__0__capital_pence=10**30),
        "options.1.years.0.capital_pence",
    ),
    "a preferred option that does not exist": (_bad(preferred_option="Gold plated"), "preferred_option"),
    "a discount rate over 20%": (_bad(discount_rate=0.25), "discount_rate"),
    "a discount rate given as a percent": (_bad(discount_rate=3.5), "discount_rate"),
    "a NaN discount rate": (_bad(discount_rate="NaN"), "discount_rate"),
    "an infinite discount rate": (_bad(discount_rate="Infinity"), "discount_rate"),
    "a huge discount rate": (_bad(discount_rate="1E+999"), "discount_rate"),
    "optimism bias over 200%": (_bad(optimism_bias_pct=250), "optimism_bias_pct"),
    "a yes-no that is not a boolean": (
        _bad(options__0__is_business_as_usual="yes"),
        "options.0.is_business_as_usual",
    ),
    "an unknown driver": (_bad(benefit_drivers=["world_peace"]), "benefit_drivers"),
    "a null strategic fit": (_bad(strategic_fit=None), "strategic_fit"),
}


@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_bad_input_is_422_with_the_field_and_stores_nothing(
    client: FlaskClient, db_session: Any, improvement: Any, owner_auth: dict[str, str], name: str
) -> None:
    body, field = BAD_BODIES[name]
    response = client.post(_url(improvement), json=body, headers=owner_auth)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert field in error["fields"], error["fields"]
    assert _stored(db_session) == (0, 0, 0)


def test_malformed_json_is_400(
    client: FlaskClient, db_session: Any, improvement: Any, owner_auth: dict[str, str]
) -> None:
    response = client.post(
        _url(improvement), data="{not json", content_type="application/json", headers=owner_auth
    )
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"


def test_submit_refuses_unknown_fields(client: FlaskClient, db_session: Any) -> None:
    case = BusinessCaseFactory()
    auth = _token(db_session, case.improvement.owner)
    url = f"/api/v1/business-cases/{case.id}/submit"
    response = client.post(url, json={"status": "approved"}, headers=auth)
    assert response.status_code == 422
    assert db_session.scalar(select(BusinessCase.status).where(BusinessCase.id == case.id)) == "draft"


def test_the_openapi_document_describes_the_endpoints(client: FlaskClient, db_session: Any) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/improvements/{improvement_id}/business-cases"]
    assert "get" in paths["/api/v1/improvements/{improvement_id}/business-cases/latest"]
    assert "post" in paths["/api/v1/business-cases/{case_id}/submit"]


class TestAppraisalPeriod:
    def test_a_case_states_its_appraisal_period_and_the_warning_follows_it(
        self, client: FlaskClient, db_session: Any, improvement: Any, owner_auth: dict[str, str]
    ) -> None:
        # The online option's saving recurs in years 1 and 2 and stops: short of the default ten years,
        # but the whole of a two-year period.
        default = client.post(_url(improvement), json=GOOD_CASE, headers=owner_auth).get_json()
        assert default["appraisal_years"] == 10
        assert any("10-year appraisal period" in warning for warning in default["warnings"])
        two_years = client.post(
            _url(improvement), json={**GOOD_CASE, "appraisal_years": 2}, headers=owner_auth
        ).get_json()
        assert two_years["appraisal_years"] == 2, two_years
        assert not any("appraisal period" in warning for warning in two_years["warnings"])
        bad = client.post(_url(improvement), json={**GOOD_CASE, "appraisal_years": 0}, headers=owner_auth)
        assert bad.status_code == 422 and "appraisal_years" in bad.get_json()["error"]["fields"]


FIVE_CASES: dict[str, Any] = {
    **GOOD_CASE,
    "price_base_year": 2025,
    "optimism_bias_pct": 10,
    "benefits_bias_pct": 5,
    "duration_bias_pct": 0,
    "optimism_bias_justification": "A standard form on the council's own platform: the lower bounds.",
    "procurement_route": "In house on the existing forms platform.",
    "contract_terms": "No new contract.",
    "risk_transfer": "None: the council keeps the delivery risk.",
    "funding": [
        {
            "financial_year": 2025,
            "capital_pence": 1_000_000,
            "revenue_pence": 0,
            "source": "Transformation reserve",
        }
    ],
    "delivery_arrangements": "The waste team, with digital services.",
    "milestones": "Live by June.",
    "benefits_realisation": "The waste manager measures bookings monthly.",
    "evaluation": "A review after a year.",
}


class TestFiveCases:
    def test_the_five_cases_are_written_and_read_with_the_appraisal_against_business_as_usual(
        self, client: FlaskClient, db_session: Any, improvement: Any, owner_auth: dict[str, str]
    ) -> None:
        created = client.post(_url(improvement), json=FIVE_CASES, headers=owner_auth)
        assert created.status_code == 201, created.get_json()
        body = client.get(f"{_url(improvement)}/latest", headers=owner_auth).get_json()
        for field in ("price_base_year", "procurement_route", "risk_transfer", "milestones", "evaluation"):
            assert body[field] == FIVE_CASES[field]
        assert (body["optimism_bias_pct"], body["benefits_bias_pct"], body["duration_bias_pct"]) == (10, 5, 0)
        assert body["funding"] == FIVE_CASES["funding"]
        # Costs 10,000 × 1.1 = 11,000; benefits × 0.95: 1,139,817 × 0.95 = 1,082,826p. Business as usual is
        # all zeros, so the NPV relative to it is the option's own: 1,082,826 − 1,100,000 = −17,174.
        online = body["options"][1]
        assert online["appraisal"]["pv_costs_pence"] == 1_100_000
        assert online["appraisal"]["pv_benefits_pence"] == 1_082_826
        assert online["npv_vs_business_as_usual_pence"] == -17_174
        assert body["options"][0]["npv_vs_business_as_usual_pence"] == 0
        sensitivity = body["sensitivity"]
        assert sensitivity["npv_vs_business_as_usual_pence"] == -17_174
        assert sensitivity["benefits_switching_pct"] is None  # it does not beat business as usual
        assert [row["label"] for row in sensitivity["rows"]][:2] == ["Costs 10% higher", "Costs 20% higher"]
        # The financial case: £10,000 capital in 2025/26 against the option's £10,000 of costs as entered.
        assert body["affordability"] == {
            "capital_pence": 1_000_000,
            "revenue_pence": 0,
            "total_pence": 1_000_000,
            "appraised_costs_pence": 1_000_000,
            "difference_pence": 0,
        }

    def test_a_case_without_the_new_fields_reads_as_before(
        self, client: FlaskClient, db_session: Any, improvement: Any, owner_auth: dict[str, str]
    ) -> None:
        body = client.post(_url(improvement), json=GOOD_CASE, headers=owner_auth).get_json()
        assert (body["benefits_bias_pct"], body["duration_bias_pct"], body["price_base_year"]) == (0, 0, None)
        assert body["funding"] == [] and body["procurement_route"] == ""
        assert body["options"][1]["npv_vs_business_as_usual_pence"] == 139_817
        # Benefits may fall by 139,817 / 1,139,817 = 12.27 % or costs rise by 13.98 %.
        assert (
            body["sensitivity"]["benefits_switching_pct"],
            body["sensitivity"]["costs_switching_pct"],
        ) == (
            12.27,
            13.98,
        )

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"benefits_bias_pct": 101}, "benefits_bias_pct"),
            ({"duration_bias_pct": -1}, "duration_bias_pct"),
            ({"price_base_year": 1999}, "price_base_year"),
            (
                {
                    "funding": [
                        {"financial_year": 2025, "capital_pence": -1, "revenue_pence": 0, "source": "x"}
                    ]
                },
                "funding.0.capital_pence",
            ),
            (
                {
                    "funding": [
                        {"financial_year": 2025, "capital_pence": 0, "revenue_pence": 0, "source": " "}
                    ]
                },
                "funding.0.source",
            ),
        ],
    )
    def test_bad_figures_are_refused_and_nothing_is_stored(
        self,
        client: FlaskClient,
        db_session: Any,
        improvement: Any,
        owner_auth: dict[str, str],
        change: dict[str, Any],
        field: str,
    ) -> None:
        answer = client.post(_url(improvement), json={**FIVE_CASES, **change}, headers=owner_auth)
        assert answer.status_code == 422, answer.get_json()
        assert field in str(answer.get_json())
        assert _stored(db_session) == (0, 0, 0)
