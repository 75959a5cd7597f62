"""Similar work from the database's text index (migration 0042), on SQLite and on PostgreSQL
(CHANGEAUTH_TEST_DATABASE_URL): a write is found in the same transaction and by the next request, an edit
of a title or problem moves the idea, withdrawn ideas stay hidden and anonymous submitters unnamed, and
the shortlist the index gives holds the same best matches as scoring every text."""

from __future__ import annotations

import random
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from changeauth.domain.similarity import most_similar_normalised, normalise
from changeauth.models import DerivedState, Improvement
from changeauth.queries import similar
from changeauth.services import users as user_service
from tests.factories import ImprovementFactory, UserFactory

TOPICS = [
    "bin collection reminders by text message",
    "parking permit renewals online",
    "council tax direct debit sign up",
    "library book reservations through the app",
    "planning application status tracker",
    "pothole reporting with photographs",
    "housing repairs appointment booking",
    "garden waste subscription payments",
    "street lighting fault map",
    "licensing renewals for taxi drivers",
]
WORDS = [
    "digital",
    "form",
    "portal",
    "automate",
    "paper",
    "process",
    "spreadsheet",
    "manual",
    "duplicate",
    "invoices",
    "contractor",
    "route",
    "schedule",
    "mobile",
    "email",
    "letters",
    "backlog",
    "queue",
    "customer",
    "complaint",
    "survey",
    "data",
    "dashboard",
    "team",
    "officer",
    "visit",
    "inspection",
    "payment",
    "refund",
    "booking",
    "reminder",
    "alert",
    "tracking",
    "licence",
    "permit",
    "waste",
    "recycling",
]


def titles(text: str, **options: Any) -> list[str]:
    return [found.title for found in similar.find_similar(text, **options)]


def test_a_new_idea_is_found_in_the_transaction_that_wrote_it(db_session: Any) -> None:
    assert titles("bin collection text reminders") == []
    ImprovementFactory(title="Text reminders for bin collections")
    assert titles("bin collection text reminders") == ["Text reminders for bin collections"]
    ImprovementFactory(title="Bin collection reminders by text message")
    assert set(titles("bin collection text reminders")) == {
        "Text reminders for bin collections",
        "Bin collection reminders by text message",
    }


def test_no_marker_or_process_cache_is_kept_for_similar_work(db_session: Any) -> None:
    ImprovementFactory(title="Parking permits online")
    db_session.flush()
    assert db_session.scalar(select(func.count()).where(DerivedState.name == "similar")) == 0
    assert not hasattr(similar, "corpus")


def test_a_new_title_or_problem_moves_the_idea(db_session: Any) -> None:
    idea = ImprovementFactory(title="Parking permits", problem="Renewals are sent out on paper forms.")
    assert titles("parking permits") == ["Parking permits"]
    idea.title = "Garden waste subscriptions"
    db_session.flush()
    assert titles("parking permits") == []
    assert titles("garden waste subscriptions") == ["Garden waste subscriptions"]
    # The problem's words count too, and a set-based statement is seen like an ORM change.
    db_session.execute(
        update(Improvement)
        .where(Improvement.id == idea.id)
        .values(problem="Street lighting faults are reported by phone.")
    )
    assert titles("street lighting faults") == ["Garden waste subscriptions"]
    assert titles("renewals paper forms") == []


def test_a_deleted_improvement_leaves_the_index(db_session: Any) -> None:
    idea = ImprovementFactory(title="Pothole reports with photographs", drivers=[])
    db_session.flush()
    assert titles("pothole photographs") == ["Pothole reports with photographs"]
    db_session.delete(idea)
    db_session.flush()
    assert titles("pothole photographs") == []


def test_withdrawn_ideas_are_never_suggested(db_session: Any) -> None:
    kept = ImprovementFactory(title="Library book reservations in the app")
    ImprovementFactory(title="Library book reservations through the app", withdrawn=True)
    assert titles("library book reservations app") == ["Library book reservations in the app"]
    kept.stage, kept.status = "withdrawn", "withdrawn"
    db_session.flush()
    assert titles("library book reservations app") == []


def test_the_search_itself_and_words_shared_with_nothing_are_left_out(db_session: Any) -> None:
    idea = ImprovementFactory(title="Council tax direct debit sign up")
    other = ImprovementFactory(title="Direct debit for council tax")
    assert [m.id for m in similar.similar_to(idea)] == [other.id]
    assert titles("zebra crossing") == []
    assert titles("the and of") == []  # only stop words: nothing to look up


def test_short_words_match_whole_words_and_long_ones_their_stem(db_session: Any) -> None:
    ImprovementFactory(title="Bin collections", problem="")
    ImprovementFactory(title="Binary data collected", problem="")
    db_session.flush()

    def shortlisted(text: str) -> set[str]:
        return {row.title for row in similar._candidates(similar.search_terms(normalise(text)), [], None)}

    assert similar.search_terms(normalise("Bin collection, bin collections")) == ["bin", "colle"]
    # "bin" stands for itself; "collection" for every word starting "colle", as the scoring compares.
    assert shortlisted("bin") == {"Bin collections"}
    assert shortlisted("collection") == {"Bin collections", "Binary data collected"}
    assert shortlisted("binary") == {"Binary data collected"}


def test_the_shortlist_holds_the_best_matches_of_scoring_every_text(db_session: Any) -> None:
    chooser = random.Random(7)
    texts: dict[int, str] = {}
    for _number in range(300):
        topic = chooser.choice(TOPICS)
        extra = " ".join(chooser.sample(WORDS, chooser.randint(2, 12)))
        idea = ImprovementFactory(title=topic[:200], problem=extra, drivers=[])
        texts[idea.id] = normalise(f"{topic} {extra}")
    db_session.flush()
    every = {
        key: normalise(f"{title} {problem}")
        for key, title, problem in db_session.execute(
            select(Improvement.id, Improvement.title, Improvement.problem)
        )
    }
    for text_id in chooser.sample(sorted(texts), 25):
        query = texts[text_id]
        best = most_similar_normalised(query, every, exclude_id=text_id, limit=5)
        found = similar.find_similar(query, exclude_id=text_id, limit=5)
        assert [m.similarity for m in found] == [m.similarity for m in best]


def test_a_submitted_idea_is_suggested_on_the_next_request(client: FlaskClient, login_as: Any) -> None:
    submitter = UserFactory(name="Morwenna Trelawney")
    login_as(submitter)
    submitted = client.post(
        "/improvements/new",
        data={
            "title": "Weekend rota for noise complaint visits",
            "problem": "Weekend noise complaints wait until Monday.",
            "proposal": "A weekend rota.",
            "expected_effect": "Complaints answered the same weekend.",
            "benefit_drivers": ["channel_shift"],
            "is_anonymous": "y",
        },
    )
    assert submitted.status_code == 302, submitted.get_data(as_text=True)
    login_as(UserFactory())
    fragment = client.get(
        "/improvements/similar", query_string={"title": "noise complaint visits at weekends"}
    )
    shown = fragment.get_data(as_text=True)
    assert "Weekend rota for noise complaint visits" in shown
    assert "Morwenna" not in shown and "Trelawney" not in shown  # anonymous: never named


def test_the_api_lists_similar_work_without_submitters(client: FlaskClient, db_session: Any) -> None:
    reader = UserFactory()
    token, _ = user_service.issue_api_token(reader, name="t", actor_id=reader.id)
    hidden = UserFactory(name="Peregrine Aldous")
    idea = ImprovementFactory(title="Street lighting fault map")
    ImprovementFactory(title="Map of street lighting faults", submitter=hidden, is_anonymous=True)
    ImprovementFactory(title="Street lighting fault map for residents", withdrawn=True)
    db_session.commit()
    answer = client.get(
        f"/api/v1/improvements/{idea.id}/similar", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    items = answer.get_json()["items"]
    assert [item["title"] for item in items] == ["Map of street lighting faults"]
    assert set(items[0]) == {"id", "ref", "title", "stage", "similarity"}
    assert "Peregrine" not in answer.get_data(as_text=True)
