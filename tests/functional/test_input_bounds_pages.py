"""Bad values on pages give a message, never a 500 or a stored bad value: dates outside the council's
working range, two email addresses in one box, and TeX-looking text in chart titles and units."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from changeauth.models import TemporaryResource, User
from changeauth.queries.clock import today
from tests.factories import BenefitFactory, UserFactory
from tests.helpers import field_errors


def test_a_resource_ending_in_the_year_9999_is_refused(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    me = login_as(UserFactory(finance=True))
    before = db_session.scalar(select(func.count()).select_from(TemporaryResource))
    for start, end in (
        ("0001-01-01", (today() + timedelta(days=30)).isoformat()),
        (today().isoformat(), "9999-12-31"),
    ):
        response = client.post(
            "/temporary-resources/new",
            data={
                "role_title": "Agency planning officer",
                "kind": "agency",
                "team": "",
                "improvement_ref": "",
                "annual_cost_pence": "36,500",
                "funding_source": "Planning reserve",
                "start_date": start,
                "end_date": end,
                "owner_id": str(me.id),
                "reason": "",
            },
        )
        assert response.status_code == 422
        assert "Enter a date between 1 January 1990 and 31 December 2099." in field_errors(response)
    assert db_session.scalar(select(func.count()).select_from(TemporaryResource)) == before


def test_two_addresses_in_one_email_box_are_refused(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    login_as(UserFactory(admin=True))
    response = client.post(
        "/admin/users/new",
        data={"email": "me@council.example, me@gmail.com", "name": "Two Inboxes", "roles": ["staff"]},
    )
    assert response.status_code == 422
    assert "Enter one email address, like name@council.gov.uk." in field_errors(response)
    assert db_session.scalar(select(User).where(User.name == "Two Inboxes")) is None


def test_my_new_email_must_be_one_address(client: FlaskClient, login_as: Any, db_session: Any) -> None:
    me = login_as(UserFactory())
    response = client.post("/account/email", data={"email": "me@council.example, me@gmail.com"})
    assert response.status_code == 422
    db_session.expire_all()
    assert db_session.get(User, me.id).email != "me@council.example, me@gmail.com"


def test_a_benefit_titled_like_tex_is_drawn_as_typed(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    login_as(UserFactory(viewer=True))
    benefit = BenefitFactory(title=r"Savings $\foo$", unit=r"$\frac{1}$")
    db_session.commit()
    response = client.get(f"/benefits/{benefit.id}/chart.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
