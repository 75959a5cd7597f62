"""Derived views. The backlog is read in the database's order, so every change to an improvement, a
stored score or a team - through the ORM or a set-based statement - is seen at once and a change that
was rolled back never lingers; the backlog's token still marks each change (the shared rank ranges).
The dashboard's figures and charts are shared by every process (tests/functional/test_shared_views.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from changeauth.models import DerivedState, Improvement, ImprovementScore, Team
from changeauth.queries import backlog as backlog_queries
from changeauth.queries import scoring as scoring_queries
from tests.factories import (
    AssessmentFactory,
    CommentFactory,
    ConflictDeclarationFactory,
    ImprovementFactory,
    ImprovementScoreFactory,
    TeamFactory,
    UserFactory,
)


def token(db_session: Any, view: str = "backlog") -> str:
    return db_session.scalar(select(DerivedState.token).where(DerivedState.name == view))


def _backlog(db_session: Any) -> dict[int, backlog_queries.BacklogEntry]:
    """The ranked backlog as every process reads it: the database's order, no per-process copy."""
    criteria = scoring_queries.active_scheme().specs()
    return {entry.id: entry for entry, _ in backlog_queries.ranked_entries(criteria)}


def test_a_new_improvement_gives_a_new_backlog_token_and_is_in_the_backlog(db_session: Any) -> None:
    before = token(db_session)
    improvement = ImprovementFactory()
    db_session.flush()
    assert token(db_session) != before
    assert improvement.id in _backlog(db_session)


def test_an_edit_through_the_orm_is_seen(db_session: Any) -> None:
    improvement = ImprovementFactory(title="Before")
    db_session.flush()
    assert _backlog(db_session)[improvement.id].title == "Before"
    improvement.title = "After"
    db_session.flush()
    assert _backlog(db_session)[improvement.id].title == "After"


def test_a_set_based_update_is_seen(db_session: Any) -> None:
    score = ImprovementScoreFactory(weighted_score=Decimal(40))
    db_session.flush()
    assert _backlog(db_session)[score.improvement_id].weighted_score == Decimal(40)
    db_session.execute(
        update(ImprovementScore)
        .where(ImprovementScore.improvement_id == score.improvement_id)
        .values(weighted_score=Decimal(70))
        .execution_options(synchronize_session=False)
    )
    assert _backlog(db_session)[score.improvement_id].weighted_score == Decimal(70)


def test_a_team_rename_is_seen(db_session: Any) -> None:
    improvement = ImprovementFactory(team=TeamFactory(name="Old name"))
    assert _backlog(db_session)[improvement.id].team_name == "Old name"
    db_session.execute(update(Team).where(Team.id == improvement.team_id).values(name="Renamed team"))
    assert _backlog(db_session)[improvement.id].team_name == "Renamed team"


def test_unrelated_writes_keep_the_backlog_token(db_session: Any) -> None:
    improvement = ImprovementFactory()
    db_session.flush()
    before = token(db_session)
    CommentFactory(improvement=improvement)
    UserFactory()
    assert token(db_session) == before


def test_a_rolled_back_change_does_not_linger(db_session: Any) -> None:
    kept = ImprovementFactory(title="Kept")
    before = token(db_session)
    savepoint = db_session.begin_nested()
    db_session.execute(
        update(Improvement)
        .where(Improvement.id == kept.id)
        .values(title="Rolled back")
        .execution_options(synchronize_session=False)
    )
    assert _backlog(db_session)[kept.id].title == "Rolled back"
    savepoint.rollback()
    assert token(db_session) == before
    assert _backlog(db_session)[kept.id].title == "Kept"


def test_a_members_scoring_list_is_read_afresh_and_shows_a_new_score_at_once(
    db_session: Any, count_queries: Any
) -> None:
    """No process keeps a member's list: an assessment or a declared conflict leaves it on the next read
    (read-your-writes for every process), and a page costs two bounded queries, the count and the page."""
    member = UserFactory(design_authority=True)
    first, second = ImprovementFactory(business_case=True), ImprovementFactory(business_case=True)
    db_session.flush()
    scheme = scoring_queries.active_scheme()

    def to_do() -> list[int]:
        return [i.id for i in scoring_queries.assessments_to_do(member, scheme).items]

    assert {first.id, second.id} <= set(to_do())
    AssessmentFactory(improvement=first, assessor=member)
    db_session.flush()
    assert first.id not in to_do()

    ConflictDeclarationFactory(improvement=second, user_id=member.id)
    db_session.flush()
    assert second.id not in to_do()

    with count_queries() as counter:
        page = scoring_queries.assessments_to_do(member, scheme, per_page=10)
    assert len(counter.statements) == 2
    assert all("derived_state" not in statement for statement in counter.statements)
    assert any("LIMIT" in statement.upper() for statement in counter.statements)
    assert page.total >= len(page.items)
