"""A benefit's plan shape and measure type through the pages and the API: the profile form's choices, the
planned-values page (rows added, removed, saved), the plan against the actuals on the benefit's page, and
the API's shape, measure type and planned points; bad input is a clear message with nothing stored."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from changeauth.models import Benefit, BenefitPlannedPoint
from changeauth.queries.clock import today
from changeauth.services import users as user_service
from tests.factories import BenefitFactory, BenefitMeasurementFactory, ImprovementFactory, UserFactory
from tests.helpers import field_errors, form_values, page


def _points(db_session: Any, benefit_id: int) -> list[tuple[date, Decimal]]:
    return [
        (p.period_end, p.planned_value)
        for p in db_session.scalars(
            select(BenefitPlannedPoint)
            .where(BenefitPlannedPoint.benefit_id == benefit_id)
            .order_by(BenefitPlannedPoint.period_end)
        )
    ]


def _profile_form(owner_id: int, start: date, **changes: Any) -> dict[str, Any]:
    form = {
        "title": "Calls to Customer Connect about bins",
        "driver": "channel_shift",
        "cash_class": "not_monetised",
        "unit": "other",
        "unit_other": "calls per month",
        "direction": "decrease",
        "baseline_value": "1000",
        "baseline_date": start.isoformat(),
        "baseline_quality": "measured",
        "target_value": "600",
        "target_date": (start + timedelta(days=365)).isoformat(),
        "frequency": "quarterly",
        "owner_id": str(owner_id),
        "tolerance_pct": "",
        "profile_shape": "stepped",
        "measure_type": "level",
    }
    form.update(changes)
    return form


def test_a_stepped_plan_through_the_pages(client: FlaskClient, login_as: Any, db_session: Any) -> None:
    owner = login_as(UserFactory(manager=True))
    improvement = ImprovementFactory(delivery=True, owner=owner)
    new_form = page(client.get(f"/improvements/{improvement.id}/benefits/new"))
    # The two questions are radios, each choice with a hint in plain words; a straight-line level is chosen.
    assert new_form.select_one("input[name=profile_shape][value=straight_line]").has_attr("checked")
    assert new_form.select_one("input[name=measure_type][value=level]").has_attr("checked")
    assert "jumps to the values you give" in new_form.get_text()

    start = today() - timedelta(days=200)
    created = client.post(f"/improvements/{improvement.id}/benefits/new", data=_profile_form(owner.id, start))
    assert created.status_code == 302, field_errors(created)
    benefit = db_session.scalar(select(Benefit))
    # A stepped plan goes on to its planned values.
    assert created.headers["Location"].endswith(f"/benefits/{benefit.id}/plan")
    assert benefit.profile_shape == "stepped"

    plan_page = client.get(f"/benefits/{benefit.id}/plan")
    assert plan_page.status_code == 200
    values = form_values(plan_page)
    step = start + timedelta(days=90)
    values.update({"planned_points-0-period_end": step.isoformat(), "planned_points-0-planned_value": "800"})
    added = client.post(f"/benefits/{benefit.id}/plan", data={**values, "add_row": "1"})
    assert added.status_code == 200
    values = form_values(added)
    assert values["planned_points-0-planned_value"] == "800"
    assert "planned_points-1-period_end" in values
    values["planned_points-1-period_end"] = (start + timedelta(days=180)).isoformat()
    values["planned_points-1-planned_value"] = "700"
    # The improvement is in delivery: its business case was approved on the plan, so a change says why.
    unexplained = client.post(f"/benefits/{benefit.id}/plan", data={**values, "save": "1"})
    assert unexplained.status_code == 422
    assert any("Say why the plan" in m for m in field_errors(unexplained))
    assert _points(db_session, benefit.id) == []
    values["reason"] = "The teams move to the new service in two waves."
    saved = client.post(f"/benefits/{benefit.id}/plan", data={**values, "save": "1"})
    assert saved.status_code == 302, field_errors(saved)
    assert _points(db_session, benefit.id) == [
        (step, Decimal(800)),
        (start + timedelta(days=180), Decimal(700)),
    ]

    db_session.refresh(benefit)
    BenefitMeasurementFactory(benefit=benefit, period_end=start + timedelta(days=150), value=Decimal(790))
    detail = page(client.get(f"/benefits/{benefit.id}"))
    assert "In steps" in detail.select_one("#benefit-plan-shape").get_text()
    table = detail.select_one("table[aria-describedby=trajectory]")
    rows = {
        tr.select("td")[0].get_text(strip=True): [td.get_text(" ", strip=True) for td in tr.select("td")[1:3]]
        for tr in table.select("tbody tr")
    }
    # The planned value between the steps is the first step's, not a point on a straight line.
    day = start + timedelta(days=150)
    measured = rows[f"{day.day} {day:%B %Y}"]
    assert measured[0].startswith("800") and measured[1].startswith("790")

    # Removing a row and saving leaves one step.
    values = form_values(client.get(f"/benefits/{benefit.id}/plan"))
    removed = client.post(f"/benefits/{benefit.id}/plan", data={**values, "remove_row": "planned_points-1"})
    assert removed.status_code == 200
    values = form_values(removed)
    assert "planned_points-1-period_end" not in values
    values["reason"] = "One wave only."
    assert client.post(f"/benefits/{benefit.id}/plan", data={**values, "save": "1"}).status_code == 302
    assert _points(db_session, benefit.id) == [(step, Decimal(800))]


def test_a_bad_planned_value_is_a_clear_message_and_stores_nothing(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    owner = login_as(UserFactory(manager=True))
    benefit = BenefitFactory(
        improvement=ImprovementFactory(delivery=True, owner=owner), profile_shape="stepped"
    )
    values = form_values(client.get(f"/benefits/{benefit.id}/plan"))
    values.update(
        {
            "planned_points-0-period_end": (benefit.target_date + timedelta(days=10)).isoformat(),
            "planned_points-0-planned_value": "800",
            "reason": "Replanned.",
        }
    )
    outside = client.post(f"/benefits/{benefit.id}/plan", data=values)
    assert outside.status_code == 422
    assert any("must be after the baseline date" in m for m in field_errors(outside)), field_errors(outside)
    assert "There is a problem" in outside.get_data(as_text=True)

    values.update(
        {
            "planned_points-0-period_end": (benefit.baseline_date + timedelta(days=10)).isoformat(),
            "planned_points-0-planned_value": "lots",
        }
    )
    not_a_number = client.post(f"/benefits/{benefit.id}/plan", data=values)
    assert not_a_number.status_code == 422
    assert any("Enter a number" in m for m in field_errors(not_a_number))

    values["planned_points-0-period_end"] = "31 13 2026"
    values["planned_points-0-planned_value"] = "800"
    bad_date = client.post(f"/benefits/{benefit.id}/plan", data=values)
    assert bad_date.status_code == 422
    assert any("real date" in m for m in field_errors(bad_date))
    assert db_session.scalar(select(func.count()).select_from(BenefitPlannedPoint)) == 0


def test_a_straight_line_has_no_planned_values_page(client: FlaskClient, login_as: Any) -> None:
    owner = login_as(UserFactory(manager=True))
    benefit = BenefitFactory(improvement=ImprovementFactory(delivery=True, owner=owner))
    response = client.get(f"/benefits/{benefit.id}/plan")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/benefits/{benefit.id}/edit")


def test_a_custom_plan_starts_from_the_straight_line_at_each_period_end(
    client: FlaskClient, login_as: Any
) -> None:
    owner = login_as(UserFactory(manager=True))
    benefit = BenefitFactory(
        improvement=ImprovementFactory(delivery=True, owner=owner), profile_shape="custom"
    )
    values = form_values(client.get(f"/benefits/{benefit.id}/plan"))
    # Quarterly from 31 January 2026 to 31 January 2027: three period ends in between.
    dates = [values[f"planned_points-{i}-period_end"] for i in range(3)]
    assert dates == ["2026-04-30", "2026-07-31", "2026-10-31"]
    assert "planned_points-3-period_end" not in values


def test_someone_who_may_not_edit_the_profile_cannot_open_the_plan(
    client: FlaskClient, login_as: Any
) -> None:
    benefit = BenefitFactory(profile_shape="stepped")
    login_as(UserFactory())
    assert client.get(f"/benefits/{benefit.id}/plan").status_code == 403
    assert client.post(f"/benefits/{benefit.id}/plan", data={}).status_code in (400, 403)


# --- API ---------------------------------------------------------------------------------------------


def _headers(db_session: Any, user: Any) -> dict[str, str]:
    token, _ = user_service.issue_api_token(user, name="t", actor_id=user.id)
    db_session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_the_api_carries_the_shape_the_measure_type_and_the_planned_points(
    client: FlaskClient, db_session: Any
) -> None:
    owner = UserFactory(manager=True)
    improvement = ImprovementFactory(delivery=True, owner=owner)
    headers = _headers(db_session, owner)
    start = today() - timedelta(days=200)
    body = {
        "title": "Saving on agency staff this quarter",
        "driver": "channel_shift",
        "cash_class": "cashable",
        "unit": "GBP",
        "direction": "increase",
        "baseline_value": 0,
        "baseline_date": start.isoformat(),
        "target_value": 3_000_000,
        "target_date": (start + timedelta(days=365)).isoformat(),
        "frequency": "quarterly",
        "owner_id": owner.id,
        "profile_shape": "stepped",
        "measure_type": "per_period",
        "planned_points": [
            {"period_end": (start + timedelta(days=90)).isoformat(), "planned_value": 1_000_000}
        ],
    }
    created = client.post(f"/api/v1/improvements/{improvement.id}/benefits", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    answer = created.get_json()
    assert answer["profile_shape"] == "stepped"
    assert answer["measure_type"] == "per_period"
    assert answer["planned_points"] == [
        {"period_end": (start + timedelta(days=90)).isoformat(), "planned_value": 1_000_000}
    ]
    benefit_id = answer["id"]
    for days, value in ((90, 900_000), (180, 1_100_000)):
        recorded = client.post(
            f"/api/v1/benefits/{benefit_id}/measurements",
            json={"period_end": (start + timedelta(days=days)).isoformat(), "value": value},
            headers=headers,
        )
        assert recorded.status_code == 201, recorded.get_json()
    got = client.get(f"/api/v1/benefits/{benefit_id}", headers=headers).get_json()
    # Per period: what was realised adds up the periods.
    assert got["realised_gross"] == 2_000_000

    changed = client.patch(
        f"/api/v1/benefits/{benefit_id}",
        json={"profile_shape": "straight_line", "version": got["version"], "reason": "One team, one date."},
        headers=headers,
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["planned_points"] == []
    assert _points(db_session, benefit_id) == []


def test_bad_plans_through_the_api_are_422_with_nothing_stored(client: FlaskClient, db_session: Any) -> None:
    owner = UserFactory(manager=True)
    benefit = BenefitFactory(improvement=ImprovementFactory(delivery=True, owner=owner))
    headers = _headers(db_session, owner)
    cases = [
        {"profile_shape": "wiggly"},
        {"measure_type": "sometimes"},
        {"planned_points": [{"period_end": "2026-06-30", "planned_value": 900}]},  # a straight line
        {"profile_shape": "stepped", "planned_points": [{"period_end": "2030-01-01", "planned_value": 900}]},
        {"profile_shape": "stepped", "planned_points": [{"period_end": "2026-06-30"}]},
        {
            "profile_shape": "stepped",
            "planned_points": [{"period_end": "2026-06-30", "planned_value": "NaN"}],
        },
        {
            "profile_shape": "custom",
            "planned_points": [
                {"period_end": "2026-06-30", "planned_value": 900},
                {"period_end": "2026-06-30", "planned_value": 800},
            ],
        },
        {"profile_shape": "stepped", "planned_points": "every quarter"},
    ]
    for case in cases:
        response = client.patch(
            f"/api/v1/benefits/{benefit.id}",
            json={**case, "version": benefit.version, "reason": "Replanned."},
            headers=headers,
        )
        assert response.status_code == 422, (case, response.get_json())
        assert response.get_json()["error"]["fields"], case
    db_session.expire_all()
    assert db_session.get(Benefit, benefit.id).profile_shape == "straight_line"
    assert db_session.scalar(select(func.count()).select_from(BenefitPlannedPoint)) == 0
