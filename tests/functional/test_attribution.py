"""Attribution through the pages and the API: two improvements' benefits name the same measure; without
agreed shares the benefit, the gate and the dashboard warn of a double count; shares that would pass
100 % are refused in plain words; agreed shares clear the warning."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient

from changeauth.services import attribution as attribution_service
from changeauth.services import users as user_service
from tests.factories import BenefitFactory, UserFactory
from tests.helpers import field_errors, page

MEASURE = "Calls to Customer Connect"


def _text(response: Any, selector: str) -> str:
    found = page(response).select_one(selector)
    assert found is not None, f"nothing matches {selector}"
    return found.get_text(" ", strip=True)


def test_two_improvements_claiming_one_measure_are_warned_until_shares_are_agreed(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    first, second = BenefitFactory(), BenefitFactory()
    attribution_service.set_attribution(
        first,
        actor=first.improvement.owner,
        expected_version=first.version,
        shared_measure=MEASURE,
        share_pct=None,
    )
    login_as(second.improvement.owner)
    detail = client.get(f"/benefits/{second.id}")
    link = page(detail).find("a", string=lambda s: bool(s) and "shares with other improvements" in s)
    assert link is not None and link["href"] == f"/benefits/{second.id}/attribution"
    saved = client.post(
        f"/benefits/{second.id}/attribution",
        data={
            "shared_measure": "  calls to customer  CONNECT ",
            "share_pct": "60",
            "version": str(second.version),
        },
    )
    assert saved.status_code == 302, field_errors(saved)
    warned = _text(client.get(f"/benefits/{second.id}"), "#shared-measure-claims")
    assert "Possible double count" in warned and "no share agreed yet" in warned and "60%" in warned

    da = UserFactory(design_authority=True)
    login_as(da)
    assert "Possible double count" in _text(
        client.get(f"/improvements/{second.improvement_id}/gate"), "#shared-measure-claims"
    )
    assert "Possible double count" in client.get("/dashboard").get_data(as_text=True)

    # The first improvement's owner may claim at most the 40 % left.
    login_as(first.improvement.owner)
    refused = client.post(
        f"/benefits/{first.id}/attribution",
        data={"shared_measure": MEASURE, "share_pct": "50", "version": str(first.version)},
    )
    assert refused.status_code == 422
    assert field_errors(refused) == [
        "The shares of this measure would add up to more than 100 %: other improvements already claim 60 %, "
        "so at most 40 % is left."
    ]
    agreed = client.post(
        f"/benefits/{first.id}/attribution",
        data={"shared_measure": MEASURE, "share_pct": "40", "version": str(first.version)},
    )
    assert agreed.status_code == 302
    claims = _text(client.get(f"/benefits/{first.id}"), "#shared-measure-claims")
    assert "Possible double count" not in claims and "Shares agreed: 100%" in claims


def test_bad_attribution_is_422_and_others_are_refused(client: FlaskClient, login_as: Any) -> None:
    benefit = BenefitFactory()
    login_as(benefit.improvement.owner)
    for data in [
        {"shared_measure": MEASURE, "share_pct": "NaN"},
        {"shared_measure": MEASURE, "share_pct": "0"},
        {"shared_measure": MEASURE, "share_pct": "101"},
        {"shared_measure": MEASURE, "share_pct": "12.345"},
        {"shared_measure": "", "share_pct": "50"},
        {"shared_measure": "x" * 201, "share_pct": ""},
    ]:
        refused = client.post(
            f"/benefits/{benefit.id}/attribution", data=data | {"version": str(benefit.version)}
        )
        assert refused.status_code == 422, data
    assert (
        client.post(
            f"/benefits/{benefit.id}/attribution",
            data={"shared_measure": MEASURE, "share_pct": "", "version": "999"},
        ).status_code
        == 409
    )
    login_as(UserFactory(finance=True))
    assert client.get(f"/benefits/{benefit.id}/attribution").status_code == 403


def test_the_api_sets_and_reads_the_share(client: FlaskClient, db_session: Any) -> None:
    benefit = BenefitFactory()
    owner = benefit.improvement.owner
    token, _ = user_service.issue_api_token(owner, name="t", actor_id=owner.id)
    db_session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    put = client.put(
        f"/api/v1/benefits/{benefit.id}/attribution",
        json={"shared_measure": MEASURE, "share_pct": 25, "version": benefit.version},
        headers=headers,
    )
    assert put.status_code == 200, put.get_json()
    body = client.get(f"/api/v1/benefits/{benefit.id}", headers=headers).get_json()
    assert body["shared_measure"] == MEASURE and body["share_pct"] == 25
    too_much = client.put(
        f"/api/v1/benefits/{benefit.id}/attribution",
        json={"shared_measure": MEASURE, "share_pct": 125, "version": body["version"]},
        headers=headers,
    )
    assert too_much.status_code == 422
    assert Decimal(str(body["share_pct"])) == Decimal(25)
