"""Dis-benefits through the pages and the API: the improvement's owner records one on the benefits page,
changes it, sees it against the benefit it offsets, and removes it; a cashable one lowers the net saving
on the improvement's benefits page. Bad input is 422 with the message beside the field, never 500, and
people who may not write the benefits are refused."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from changeauth.models import AuditEvent, Disbenefit
from changeauth.services import users as user_service
from tests.factories import BenefitFactory, BenefitMeasurementFactory, UserFactory
from tests.helpers import field_errors, page


def _form(owner_id: int, **values: Any) -> dict[str, Any]:
    return {
        "title": "Customers who cannot go online are left behind",
        "description": "Some customers will not or cannot deal with the council online.",
        "affected": "Customers without the internet",
        "owner_id": str(owner_id),
        "mitigation": "Phone and face to face contact stay open.",
        "status": "open",
        "cash_class": "none",
        "annual_value_pence": "",
        "starts_on": "",
        "ends_on": "",
        **values,
    }


def _text(response: Any, selector: str) -> str:
    found = page(response).select_one(selector)
    assert found is not None, f"nothing matches {selector}"
    return found.get_text(" ", strip=True)


def test_the_owner_records_changes_and_removes_a_dis_benefit_on_the_pages(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    benefit = BenefitFactory(cashable=True, baseline_date=date(2025, 4, 1))
    BenefitMeasurementFactory(benefit=benefit, period_end=date(2026, 3, 31), value=Decimal(5_000_000))
    benefit.validated_by_id = UserFactory(finance=True).id
    benefit.validated_at = datetime(2026, 4, 10, tzinfo=UTC)
    db_session.commit()
    improvement = benefit.improvement
    owner = improvement.owner
    login_as(owner)

    listing = client.get(f"/improvements/{improvement.id}/benefits")
    assert "No dis-benefits recorded." in listing.get_data(as_text=True)
    link = page(listing).find("a", string="Record a dis-benefit")
    assert link is not None and link["href"] == f"/improvements/{improvement.id}/disbenefits/new"

    refused = client.post(
        link["href"], data=_form(owner.id, title="x", annual_value_pence="lots", cash_class="cashable")
    )
    assert refused.status_code == 422
    # Every problem at once: the amount it could not read and the title too short.
    assert field_errors(refused) == [
        "Enter a title of at least 3 characters.",
        "Enter the amount using numbers only, for example £1,234.50.",
    ]
    assert db_session.scalar(select(func.count()).select_from(Disbenefit)) == 0

    recorded = client.post(
        link["href"],
        data=_form(
            owner.id,
            offsets=[str(benefit.id)],
            cash_class="cashable",
            annual_value_pence="12,000",
            starts_on="1 10 2025",
        ),
    )
    assert recorded.status_code == 302, field_errors(recorded)
    disbenefit = db_session.scalar(select(Disbenefit))
    benefits_page = client.get(f"/improvements/{improvement.id}/benefits")
    card = _text(benefits_page, f"#disbenefit-{disbenefit.id}")
    assert "£12,000 a year from" in card and benefit.title in card
    # The net saving of 2025/26 is £50,000 less half a year of £12,000.
    assert "£44,000" in _text(benefits_page, "#improvement-years-2025")
    assert "£38,000" in _text(benefits_page, "#improvement-years-2026")
    # Shown against the benefit it offsets.
    assert "Customers who cannot go online" in _text(
        client.get(f"/benefits/{benefit.id}"), "#disbenefit-" + str(disbenefit.id)
    )

    edit = client.get(f"/disbenefits/{disbenefit.id}/edit")
    assert edit.status_code == 200
    changed = client.post(
        f"/disbenefits/{disbenefit.id}/edit",
        data=_form(owner.id, status="mitigated", cash_class="none", version=str(disbenefit.version)),
    )
    assert changed.status_code == 302, field_errors(changed)
    db_session.expire_all()
    assert db_session.get(Disbenefit, disbenefit.id).status.value == "mitigated"
    # No money now: the net is the saving again, and it offsets nothing.
    after = client.get(f"/improvements/{improvement.id}/benefits")
    assert "£50,000" in _text(after, "#improvement-years-2025")
    assert "Dis-benefits set against this benefit" not in client.get(f"/benefits/{benefit.id}").get_data(
        as_text=True
    ) or "None recorded." in client.get(f"/benefits/{benefit.id}").get_data(as_text=True)

    # A form read before that change is refused.
    stale = client.post(f"/disbenefits/{disbenefit.id}/edit", data=_form(owner.id, version="1"))
    assert stale.status_code == 409

    removed = client.post(f"/disbenefits/{disbenefit.id}/remove", data={"version": "2"})
    assert removed.status_code == 302
    assert db_session.scalar(select(func.count()).select_from(Disbenefit)) == 0
    actions = db_session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_type == "disbenefit").order_by(AuditEvent.id)
    ).all()
    assert actions == ["disbenefit.recorded", "disbenefit.changed", "disbenefit.removed"]


def test_others_see_dis_benefits_without_the_forms_and_are_refused(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    benefit = BenefitFactory()
    improvement = benefit.improvement
    disbenefit = Disbenefit(
        improvement_id=improvement.id,
        title="Experience lost when posts go early",
        description="Long-serving staff leave before the new team is trained.",
        affected="Customers and the remaining team",
        owner_id=improvement.owner_id,
        mitigation="Handover notes and shadowing.",
    )
    db_session.add(disbenefit)
    db_session.commit()
    login_as(UserFactory(manager=True))
    listing = client.get(f"/improvements/{improvement.id}/benefits")
    assert "Experience lost when posts go early" in listing.get_data(as_text=True)
    assert page(listing).find("a", string="Record a dis-benefit") is None
    assert client.get(f"/improvements/{improvement.id}/disbenefits/new").status_code == 403
    assert client.get(f"/disbenefits/{disbenefit.id}/edit").status_code == 403
    assert client.post(f"/disbenefits/{disbenefit.id}/remove", data={"version": "1"}).status_code == 403


def test_the_api_lists_records_changes_and_deletes_in_one_shape(client: FlaskClient, db_session: Any) -> None:
    benefit = BenefitFactory()
    improvement = benefit.improvement
    owner = improvement.owner
    token, _ = user_service.issue_api_token(owner, name="t", actor_id=owner.id)
    db_session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/improvements/{improvement.id}/disbenefits"
    body = {
        "title": "Customers who cannot go online are left behind",
        "description": "Some customers will not or cannot deal with the council online.",
        "affected": "Customers without the internet",
        "owner_id": owner.id,
        "mitigation": "Phone lines stay open.",
        "offsets": [benefit.id],
    }
    created = client.post(url, json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    shape = created.get_json()
    assert shape["offsets"] == [benefit.id] and shape["status"] == "open" and shape["version"] == 1
    assert shape["annual_value_pence"] is None and shape["cash_class"] is None

    half_money = client.post(url, json={**body, "annual_value_pence": 100_000}, headers=headers)
    assert half_money.status_code == 422
    assert set(half_money.get_json()["error"]["fields"]) >= {"cash_class", "starts_on"}
    assert client.post(url, json={**body, "version": 1}, headers=headers).status_code == 422
    assert client.post(url, json={**body, "id": 5}, headers=headers).status_code == 422

    listed = client.get(url, headers=headers).get_json()
    assert listed["total"] == 1 and listed["items"][0] == shape

    one = f"/api/v1/disbenefits/{shape['id']}"
    money = {
        **body,
        "status": "mitigated",
        "annual_value_pence": 1_200_000,
        "cash_class": "cashable",
        "starts_on": "2025-10-01",
        "version": 1,
    }
    changed = client.put(one, json=money, headers=headers)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["version"] == 2 and changed.get_json()["annual_value_pence"] == 1_200_000
    assert client.put(one, json=money, headers=headers).status_code == 409
    assert client.get(one, headers=headers).get_json()["status"] == "mitigated"

    assert client.delete(one, headers={**headers, "If-Match": '"1"'}).status_code == 409
    assert client.delete(one, headers={**headers, "If-Match": '"2"'}).status_code == 204
    assert client.get(one, headers=headers).status_code == 404

    stranger = UserFactory(manager=True)
    other_token, _ = user_service.issue_api_token(stranger, name="s", actor_id=stranger.id)
    db_session.commit()
    refused = client.post(url, json=body, headers={"Authorization": f"Bearer {other_token}"})
    assert refused.status_code == 403
