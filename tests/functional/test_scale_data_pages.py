"""Every page and API read answers on generated council data (``changeauth demo-data``): no route fails
on the shapes real history takes, and the main pages show the generated work. A tiny scale keeps it
quick; the benchmark and the load test run the same code at full size."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth import db
from changeauth.devtools import scale_data
from changeauth.models import (
    Benefit,
    BusinessCase,
    Condition,
    DaMeeting,
    Improvement,
    Programme,
    TemporaryResource,
    User,
)
from changeauth.services import users as user_service
from tests.functional.routes import ROUTES, make_samples, super_user, url_for_route
from tests.integration.test_scale_data import TINY

PUBLIC = frozenset({"static", "auth.login", "auth.two_factor", "auth.forgot_password", "health.live"})
GETS = [route for route in ROUTES if route.method == "GET" and route.endpoint not in PUBLIC]


def _sign_in(client: FlaskClient, user: User) -> None:
    now = int(time.time())
    with client.session_transaction() as session:
        session.update(
            {
                "_user_id": user.get_id(),
                "_signed_in_at": now,
                "_last_seen": now,
                "_auth_at": now,
                "_2fa": True,
            }
        )


@pytest.fixture
def generated(app: Flask, db_session: Any) -> dict[str, Any]:
    """Tiny generated data, and sample ids for every kind of URL, taken from it where it has them."""
    with app.app_context():
        scale_data.generate(TINY)
        samples = make_samples()
        delivery = db_session.scalar(
            select(Improvement)
            .where(Improvement.stage == "delivery", Improvement.route == "standard")
            .order_by(Improvement.id)
        )
        samples.update(
            improvement_id=delivery.id,
            case_id=db_session.scalar(
                select(BusinessCase.id).where(BusinessCase.improvement_id == delivery.id)
            ),
            benefit_id=db_session.scalar(select(Benefit.id).where(Benefit.improvement_id.is_not(None))),
            resource_id=db_session.scalar(select(TemporaryResource.id).order_by(TemporaryResource.id)),
            condition_id=db_session.scalar(select(Condition.id).order_by(Condition.id)),
            meeting_id=db_session.scalar(select(DaMeeting.id).order_by(DaMeeting.id.desc())),
            programme_id=db_session.scalar(select(Programme.id).order_by(Programme.id)),
        )
        db_session.commit()
    return samples


def test_every_read_answers_on_generated_data(app: Flask, generated: dict[str, Any]) -> None:
    person = super_user()
    token, _ = user_service.issue_api_token(person, name="scale", actor_id=person.id)
    db.session.commit()
    pages = app.test_client()
    _sign_in(pages, person)
    failures = []
    for route in GETS:
        url = url_for_route(route, generated)
        if route.is_api:
            response = app.test_client().get(url, headers={"Authorization": f"Bearer {token}"})
        else:
            response = pages.get(url)
        response.get_data()
        response.close()
        if response.status_code >= 500:
            failures.append(f"{route.id}: {response.status_code}")
    assert failures == []


LISTS_WORK = ("/backlog/", "/backlog/roadmap", "/decisions", "/improvements/", "/triage/")
OTHER_PAGES = (
    "/benefits/",
    "/business-cases",
    "/dashboard",
    "/flags",
    "/temporary-resources/",
    "/portfolio/",
)


@pytest.mark.parametrize("path", LISTS_WORK + OTHER_PAGES)
def test_the_main_pages_answer_a_design_authority_member(
    app: Flask, generated: dict[str, Any], path: str
) -> None:
    member = db.session.scalar(select(User).where(User.email == "design.authority@demo.council.example"))
    client = app.test_client()
    _sign_in(client, member)
    response = client.get(path)
    assert response.status_code == 200
    if path in LISTS_WORK:
        assert "IMP-20" in response.get_data(as_text=True)


def test_a_submitter_sees_their_ideas_on_the_home_page(app: Flask, generated: dict[str, Any]) -> None:
    submitter_id, ref = db.session.execute(
        select(Improvement.submitter_id, Improvement.ref).order_by(Improvement.id.desc()).limit(1)
    ).one()
    client = app.test_client()
    _sign_in(client, db.session.get(User, submitter_id))
    response = client.get("/")
    assert response.status_code == 200
    assert ref in response.get_data(as_text=True)
