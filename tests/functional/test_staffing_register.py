"""The like-for-like staffing register of a saving, through the pages and the API: the improvement's owner
sets the price base and on-costs, adds posts before and after (in scope or not), changes and removes them
and records a pay award; the saving is recomputed each time. Bad input is 422, never 500; people who may
not keep the register see it without the forms and are refused; a person who recorded the register may
not validate the saving."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth.domain.errors import PermissionDenied
from changeauth.models import AuditEvent, BenefitPost
from changeauth.services import benefits as benefit_service
from changeauth.services import staffing as staffing_service
from changeauth.services import users as user_service
from tests.factories import BenefitFactory, BenefitMeasurementFactory, UserFactory
from tests.helpers import field_errors, page


def _text(response: Any, selector: str) -> str:
    found = page(response).select_one(selector)
    assert found is not None, f"nothing matches {selector}"
    return found.get_text(" ", strip=True)


def _post(client: FlaskClient, benefit: Any, **values: Any) -> Any:
    return client.post(f"/benefits/{benefit.id}/staffing/posts/new", data=values)


def test_the_owner_keeps_the_register_and_the_saving_is_recomputed_like_for_like(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    benefit = BenefitFactory(cashable=True)
    owner = benefit.improvement.owner
    login_as(owner)
    detail = client.get(f"/benefits/{benefit.id}")
    link = page(detail).find("a", string=lambda s: bool(s) and "staffing register" in s)
    assert link is not None and link["href"] == f"/benefits/{benefit.id}/staffing"
    empty = client.get(f"/benefits/{benefit.id}/staffing")
    assert empty.status_code == 200 and "No price base or on-cost rates recorded yet" in empty.get_data(
        as_text=True
    )
    # Adding a post first sends the owner to the price base.
    assert (
        client.get(f"/benefits/{benefit.id}/staffing/posts/new")
        .headers["Location"]
        .endswith("/staffing/price-base")
    )

    saved = client.post(
        f"/benefits/{benefit.id}/staffing/price-base",
        data={"price_base_year": "2018", "employer_ni_pct": "9", "pension_pct": "16%", "version": "0"},
    )
    assert saved.status_code == 302, field_errors(saved) or saved.get_data(as_text=True)[-3000:]
    for side, title, salary, fte, scope in [
        ("before", "Case officer", "28,822.80", "150", "yes"),
        ("after", "Case officer", "£28,822.80", "100", "yes"),
        ("before", "Customer adviser", "20000", "27.3", "yes"),
        ("before", "Grant-funded project officer", "30000", "12", "no"),
    ]:
        added = _post(
            client,
            benefit,
            side=side,
            title=title,
            grade="Grade 5, SCP 22",
            annual_salary_pence=salary,
            fte=fte,
            in_scope=scope,
        )
        assert added.status_code == 302, field_errors(added)
    register = client.get(f"/benefits/{benefit.id}/staffing")
    assert "£2,483,925 a year from 77.3 FTE" in _text(register, "#staffing-saving")
    assert "12 FTE before and 0 FTE after the change" in _text(register, "#staffing-out-of-scope")

    # Scope changes: the adviser posts turn out to be out of scope, so the saving falls by their cost.
    adviser = db_session.scalar(select(BenefitPost).where(BenefitPost.title == "Customer adviser"))
    form = client.get(f"/benefits/{benefit.id}/staffing/posts/{adviser.id}/edit")
    assert form.status_code == 200
    changed = client.post(
        f"/benefits/{benefit.id}/staffing/posts/{adviser.id}/edit",
        data={
            "side": "before",
            "title": "Customer adviser",
            "grade": "Grade 3, SCP 9",
            "annual_salary_pence": "20000",
            "fte": "27.3",
            "in_scope": "no",
            "version": str(adviser.version),
        },
    )
    assert changed.status_code == 302, field_errors(changed)
    register = client.get(f"/benefits/{benefit.id}/staffing")
    # 50 FTE × £28,822.80 × 1.25 = £1,801,425.
    assert "£1,801,425 a year from 50 FTE" in _text(register, "#staffing-saving")

    # A pay award of 2% in 2019/20 restates the saving at that year's pay.
    awarded = client.post(
        f"/benefits/{benefit.id}/staffing/pay-awards", data={"financial_year": "2019", "pay_award_pct": "2"}
    )
    assert awarded.status_code == 302, field_errors(awarded)
    register = client.get(f"/benefits/{benefit.id}/staffing")
    assert "£1,837,453.50" in _text(register, "#staffing-year-2019")
    assert "Price base" in _text(register, "#staffing-year-2018")

    grant = db_session.scalar(select(BenefitPost).where(BenefitPost.title == "Grant-funded project officer"))
    assert client.get(f"/benefits/{benefit.id}/staffing/posts/{grant.id}/remove").status_code == 200
    removed = client.post(
        f"/benefits/{benefit.id}/staffing/posts/{grant.id}/remove", data={"version": str(grant.version)}
    )
    assert removed.status_code == 302
    assert "Grant-funded" not in _text(client.get(f"/benefits/{benefit.id}/staffing"), "#table-before")
    actions = set(
        db_session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.subject_type == "benefit", AuditEvent.subject_id == benefit.id
            )
        )
    )
    assert {
        "benefit.register_price_base_set",
        "benefit.register_post_added",
        "benefit.register_post_changed",
        "benefit.register_post_removed",
        "benefit.register_pay_award_recorded",
    } <= actions


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"annual_salary_pence": "lots"}, "annual_salary_pence"),
        ({"annual_salary_pence": "2000000"}, "annual_salary_pence"),
        ({"fte": "NaN"}, "fte"),
        ({"fte": "0"}, "fte"),
        ({"fte": "1.234"}, "fte"),
        ({"fte": "99999"}, "fte"),
        ({"side": "during"}, "side"),
        ({"side": ""}, "side"),
        ({"in_scope": "maybe"}, "in_scope"),
        ({"title": ""}, "title"),
        ({"grade": "x" * 61}, "grade"),
    ],
)
def test_bad_posts_are_refused_in_plain_words(
    client: FlaskClient, login_as: Any, db_session: Any, values: dict[str, str], field: str
) -> None:
    benefit = BenefitFactory(cashable=True)
    owner = benefit.improvement.owner
    staffing_service.set_price_base(
        benefit,
        actor=owner,
        expected_version=0,
        price_base_year=2018,
        employer_ni_pct=Decimal(9),
        pension_pct=Decimal(16),
    )
    login_as(owner)
    good = {
        "side": "before",
        "title": "Case officer",
        "grade": "SCP 22",
        "annual_salary_pence": "28000",
        "fte": "1",
        "in_scope": "yes",
    }
    refused = _post(client, benefit, **(good | values))
    assert refused.status_code == 422
    assert page(refused).select_one(f"#{field}") is not None
    assert field_errors(refused)
    assert db_session.scalar(select(BenefitPost.id).where(BenefitPost.benefit_id == benefit.id)) is None


def test_bad_price_base_and_pay_awards_are_422(client: FlaskClient, login_as: Any) -> None:
    benefit = BenefitFactory(cashable=True)
    login_as(benefit.improvement.owner)
    for data in [
        {"price_base_year": "x", "employer_ni_pct": "9", "pension_pct": "16", "version": "0"},
        {"price_base_year": "1800", "employer_ni_pct": "9", "pension_pct": "16", "version": "0"},
        {"price_base_year": "2018", "employer_ni_pct": "101", "pension_pct": "16", "version": "0"},
        {"price_base_year": "2018", "employer_ni_pct": "Infinity", "pension_pct": "-1", "version": "0"},
    ]:
        refused = client.post(f"/benefits/{benefit.id}/staffing/price-base", data=data)
        assert refused.status_code == 422, data
    client.post(
        f"/benefits/{benefit.id}/staffing/price-base",
        data={"price_base_year": "2018", "employer_ni_pct": "9", "pension_pct": "16", "version": "0"},
    )
    for data in [
        {"financial_year": "2018", "pay_award_pct": "2"},
        {"financial_year": "2019", "pay_award_pct": "75"},
        {"financial_year": "soon", "pay_award_pct": "two"},
    ]:
        refused = client.post(f"/benefits/{benefit.id}/staffing/pay-awards", data=data)
        assert refused.status_code == 422, data
    stale = client.post(
        f"/benefits/{benefit.id}/staffing/price-base",
        data={"price_base_year": "2019", "employer_ni_pct": "9", "pension_pct": "16", "version": "0"},
    )
    assert stale.status_code == 409


def test_others_see_the_register_without_its_forms_and_are_refused(
    client: FlaskClient, login_as: Any
) -> None:
    benefit = BenefitFactory(cashable=True)
    login_as(UserFactory(finance=True))
    register = client.get(f"/benefits/{benefit.id}/staffing")
    assert register.status_code == 200
    assert "Set the price base" not in register.get_data(as_text=True)
    assert client.get(f"/benefits/{benefit.id}/staffing/price-base").status_code == 403
    assert (
        client.post(
            f"/benefits/{benefit.id}/staffing/price-base",
            data={"price_base_year": "2018", "employer_ni_pct": "9", "pension_pct": "16", "version": "0"},
        ).status_code
        == 403
    )
    # Only a cashable saving in pounds has a register.
    assert client.get(f"/benefits/{BenefitFactory().id}/staffing").status_code == 403


def test_whoever_recorded_the_register_may_not_validate_the_saving(db_session: Any) -> None:
    finance_da = UserFactory(role_list=("staff", "finance", "design_authority"))
    benefit = BenefitMeasurementFactory(benefit=BenefitFactory(cashable=True), value=Decimal(10)).benefit
    assert benefit_service._may_validate(finance_da, benefit)
    staffing_service.set_price_base(
        benefit,
        actor=finance_da,
        expected_version=0,
        price_base_year=2018,
        employer_ni_pct=Decimal(9),
        pension_pct=Decimal(16),
    )
    with pytest.raises(PermissionDenied):
        benefit_service.validate_benefit(benefit, actor=finance_da)


def test_the_api_reads_and_writes_the_register(client: FlaskClient, db_session: Any) -> None:
    benefit = BenefitFactory(cashable=True)
    owner = benefit.improvement.owner
    token, _ = user_service.issue_api_token(owner, name="t", actor_id=owner.id)
    db_session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    empty = client.get(f"/api/v1/benefits/{benefit.id}/staffing", headers=headers)
    assert empty.status_code == 200 and empty.get_json()["figures"] is None
    put = client.put(
        f"/api/v1/benefits/{benefit.id}/staffing",
        json={"price_base_year": 2018, "employer_ni_pct": 9, "pension_pct": 16, "version": 0},
        headers=headers,
    )
    assert put.status_code == 200, put.get_json()
    for side, fte in [("before", 150), ("after", 100)]:
        created = client.post(
            f"/api/v1/benefits/{benefit.id}/staffing/posts",
            json={
                "side": side,
                "title": "Case officer",
                "grade": "SCP 22",
                "annual_salary_pence": 2_882_280,
                "fte": fte,
                "in_scope": True,
            },
            headers=headers,
        )
        assert created.status_code == 201, created.get_json()
    body = client.get(f"/api/v1/benefits/{benefit.id}/staffing", headers=headers).get_json()
    assert body["figures"]["saving_pence"] == 180_142_500 and body["figures"]["fte_saved"] == 50
    assert body["by_year"][0]["financial_year"] == 2018
    bad = client.post(
        f"/api/v1/benefits/{benefit.id}/staffing/posts",
        json={
            "side": "before",
            "title": "X",
            "grade": "",
            "annual_salary_pence": 0,
            "fte": 0,
            "in_scope": True,
        },
        headers=headers,
    )
    assert bad.status_code == 422
    nan = client.post(
        f"/api/v1/benefits/{benefit.id}/staffing/posts",
        data='{"side": "before", "title": "Officer", "grade": "SCP 1", "annual_salary_pence": 1, '
        '"fte": NaN, "in_scope": true}',
        headers=headers | {"Content-Type": "application/json"},
    )
    assert nan.status_code in (400, 422)
