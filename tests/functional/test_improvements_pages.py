"""The improvement pages: submitting an idea, the list with filters, the detail page, anonymity."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth.models import AuditEvent, Improvement
from tests.factories import ImprovementFactory, UserFactory
from tests.helpers import field_errors, page

GOOD_IDEA = {
    "title": "Let residents book bulky waste online",
    "problem": "Every bulky waste booking is a phone call.",
    "proposal": "An online form that books and takes payment.",
    "expected_effect": "Fewer calls to Customer Connect.",
    "benefit_drivers": ["channel_shift", "customer_enablement"],
    "team": "",
}


def test_submitting_an_idea_creates_it_and_shows_it(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    login_as(UserFactory())
    response = client.post("/improvements/new", data=GOOD_IDEA)
    assert response.status_code == 302
    improvement = db_session.scalar(select(Improvement).where(Improvement.title == GOOD_IDEA["title"]))
    assert improvement.stage == "idea" and improvement.status == "submitted"
    assert improvement.ref == f"IMP-{improvement.created_at.year}-{improvement.id:04d}"
    assert improvement.ref in page(client.get(response.headers["Location"])).get_text()
    detail = client.get(f"/improvements/{improvement.id}")
    assert GOOD_IDEA["title"] in page(detail).h1.get_text()
    assert db_session.scalar(
        select(AuditEvent.action).where(
            AuditEvent.subject_id == improvement.id, AuditEvent.subject_type == "improvement"
        )
    )


def test_bad_input_keeps_what_was_typed_and_stores_nothing(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    login_as(UserFactory())
    data = dict(GOOD_IDEA, title="ab", benefit_drivers=[], problem="<script>alert(1)</script>")
    response = client.post("/improvements/new", data=data)
    assert response.status_code == 422
    errors = field_errors(response)
    assert "Enter a title between 3 and 200 characters." in errors
    assert "Choose at least one benefit driver." in errors
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert page(response).select_one("#proposal").get_text().strip() == GOOD_IDEA["proposal"]
    assert db_session.scalar(select(Improvement).where(Improvement.problem.contains("script"))) is None


def test_an_unknown_driver_is_refused(client: FlaskClient, login_as: Any) -> None:
    login_as(UserFactory())
    response = client.post("/improvements/new", data=dict(GOOD_IDEA, benefit_drivers=["world_peace"]))
    assert response.status_code == 422


def test_anonymous_submitters_are_hidden_except_from_admins(client: FlaskClient, login_as: Any) -> None:
    submitter = UserFactory(name="Hidden Person")
    improvement = ImprovementFactory(submitter=submitter, is_anonymous=True)
    login_as(UserFactory())
    assert "Hidden Person" not in client.get(f"/improvements/{improvement.id}").get_data(as_text=True)
    login_as(UserFactory(admin=True))
    assert "Hidden Person" in client.get(f"/improvements/{improvement.id}").get_data(as_text=True)


def test_the_list_filters_by_stage(client: FlaskClient, login_as: Any) -> None:
    login_as(UserFactory())
    idea = ImprovementFactory(title="An idea in the list")
    delivered = ImprovementFactory(delivery=True, title="Something in delivery")
    response = client.get("/improvements/", query_string={"stage": "delivery"})
    text = response.get_data(as_text=True)
    assert delivered.title in text and idea.title not in text


def test_a_missing_or_hidden_improvement_is_404(client: FlaskClient, login_as: Any) -> None:
    login_as(UserFactory())
    assert client.get("/improvements/999999").status_code == 404
    withdrawn = ImprovementFactory(withdrawn=True)
    assert client.get(f"/improvements/{withdrawn.id}").status_code == 404


def test_my_ideas_on_the_home_page(client: FlaskClient, login_as: Any) -> None:
    me = login_as(UserFactory())
    mine = ImprovementFactory(submitter=me, title="My own idea", business_case=True)
    ImprovementFactory(title="Someone else's idea")
    home = page(client.get("/"))
    my_ideas = home.select_one("#my-ideas").find_parent("section").get_text(" ")
    assert mine.title in my_ideas and "a business case is being written" in my_ideas
    assert "Someone else's idea" not in my_ideas


def test_the_list_sends_the_same_number_of_queries_for_5_and_50_rows(
    client: FlaskClient, login_as: Any, count_queries: Any
) -> None:
    login_as(UserFactory())
    ImprovementFactory.create_batch(5)
    with count_queries() as five:
        assert client.get("/improvements/").status_code == 200
    ImprovementFactory.create_batch(45)
    with count_queries() as fifty:
        assert client.get("/improvements/").status_code == 200
    assert five.count == fifty.count
