"""The list reads made lean for council scale (issue 13): the benefits tracker's order, read in two
indexed parts, the counts of the ideas list and the decision register, and the home page's recent stage
changes, on the real database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import event

from changeauth.domain.lifecycle import Stage
from changeauth.models import GateDecision
from changeauth.queries.activity import recent_stage_changes
from changeauth.queries.benefits import BenefitFilters, list_benefits
from changeauth.queries.gates import RegisterFilters, decision_register
from changeauth.queries.improvements import ImprovementFilters, list_improvements
from changeauth.services.audit import record_event
from tests.factories import BenefitFactory, ImprovementFactory, TeamFactory, UserFactory

AS_OF = date(2026, 6, 30)
# Due within the grace days of AS_OF, so the red ones are red today (the filter reads today's rating).
FIRST_DUE = date(2026, 6, 25)


@contextmanager
def _statements(db_session: Any) -> Iterator[list[tuple[str, Any]]]:
    """The statements the block sends, with their parameters."""
    sent: list[tuple[str, Any]] = []
    connection = db_session.connection()

    def _before(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        sent.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", _before)
    try:
        yield sent
    finally:
        event.remove(connection, "before_cursor_execute", _before)


def _plan(db_session: Any, statement: str, parameters: Any) -> str:
    """The database's plan for a statement. PostgreSQL is told to avoid scans and sorts where an index
    can serve, since on a handful of rows it would rightly prefer them."""
    connection = db_session.connection()
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
        return "\n".join(str(row[-1]) for row in rows)
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    connection.exec_driver_sql("SET LOCAL enable_sort = off")
    return "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters))


def _tracker_benefits() -> tuple[Any, list[Any]]:
    """Eight benefits of one owner: due 0-5 days after the first due date, three of them closed and
    three red. In the tracker's order they are 3, 7, 5, 2, 0 (open, soonest due, then by id) and 6, 1,
    4 (closed, soonest due)."""
    owner = UserFactory(manager=True)
    improvement = ImprovementFactory(delivery=True, owner=owner)
    due_in_days = [5, 1, 3, 1, 4, 2, 0, 1]
    closed = {1: "realised", 4: "not_realised", 6: "partially_realised"}
    red = {0, 3, 4}
    benefits = [
        BenefitFactory(
            improvement=improvement,
            owner=owner,
            next_due_on=FIRST_DUE + timedelta(days=days),
            closing_status=closed.get(number),
            rag="red" if number in red else None,
            # Worse than the 1,000 baseline of a benefit that should go down: red on any day.
            last_value=Decimal(2000) if number in red else None,
        )
        for number, days in enumerate(due_in_days)
    ]
    return owner, benefits


def _tracker_ids(filters: BenefitFilters, *, per_page: int) -> tuple[list[int], set[int]]:
    """Every page of the tracker in turn: the ids in order, and the totals the pages reported."""
    ids: list[int] = []
    totals: set[int] = set()
    for number in range(1, 6):
        page = list_benefits(filters, as_of=AS_OF, grace_days=14, page=number, per_page=per_page)
        ids += [figures.benefit.id for figures in page.items]
        totals.add(page.total)
    return ids, totals


def test_the_tracker_lists_open_benefits_soonest_due_first_then_closed_ones_on_every_page() -> None:
    owner, benefits = _tracker_benefits()
    # Pages of three: the second page holds the last two open benefits and the first closed one.
    ids, totals = _tracker_ids(BenefitFilters(owner_id=owner.id), per_page=3)
    assert ids == [benefits[n].id for n in (3, 7, 5, 2, 0, 6, 1, 4)]
    assert totals == {8}


def test_the_tracker_filters_both_its_open_and_its_closed_benefits() -> None:
    owner, benefits = _tracker_benefits()
    ids, totals = _tracker_ids(BenefitFilters(owner_id=owner.id, rag="red"), per_page=2)
    assert ids == [benefits[n].id for n in (3, 0, 4)]
    assert totals == {3}


def test_a_tracker_page_costs_the_same_queries_whether_its_benefits_are_open_closed_or_both(
    db_session: Any,
) -> None:
    owner, _ = _tracker_benefits()
    mine = BenefitFilters(owner_id=owner.id)
    sent_per_page = []
    for number in (1, 2, 3):  # open only, open and closed, closed only
        with _statements(db_session) as sent:
            list_benefits(mine, as_of=AS_OF, grace_days=14, page=number, per_page=3)
        sent_per_page.append(len(sent))
    assert len(set(sent_per_page)) == 1, sent_per_page


def test_the_tracker_reads_open_benefits_from_their_index_without_sorting_them(db_session: Any) -> None:
    _tracker_benefits()
    with _statements(db_session) as sent:
        list_benefits(BenefitFilters(), as_of=AS_OF, grace_days=14, page=1, per_page=2)
    (page_read,) = [(statement, parameters) for statement, parameters in sent if "UNION ALL" in statement]
    plan = _plan(db_session, *page_read)
    assert "ix_benefit_open_next_due_on_id" in plan, plan


def test_the_ideas_list_counts_what_the_viewer_may_see() -> None:
    team = TeamFactory()
    me = UserFactory()
    visible = ImprovementFactory.create_batch(2, team=team)
    mine = ImprovementFactory(team=team, submitter=me, withdrawn=True)
    others = [
        ImprovementFactory(team=team, withdrawn=True),
        # Imported ideas may have no submitter; they are still someone else's.
        ImprovementFactory(team=team, submitter=None, withdrawn=True),
    ]
    in_team = ImprovementFilters(team=team.code)

    page = list_improvements(me, in_team)
    assert page.total == 3 and {i.id for i in page.items} == {i.id for i in [*visible, mine]}
    withdrawn = list_improvements(me, ImprovementFilters(team=team.code, stage=Stage.WITHDRAWN.value))
    assert withdrawn.total == 1 and [i.id for i in withdrawn.items] == [mine.id]
    design_authority = list_improvements(UserFactory(design_authority=True), in_team)
    assert design_authority.total == 5 and {i.id for i in design_authority.items} >= {i.id for i in others}


def test_the_decision_register_counts_and_searches(db_session: Any) -> None:
    panel = UserFactory(design_authority=True)
    garden = ImprovementFactory(title="Garden waste permits online")
    other = ImprovementFactory(title="Parking appeals")
    decided = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    for improvement, gate, to_stage in [
        (garden, "G0", Stage.BUSINESS_CASE),
        (garden, "G1", Stage.APPROVED),
        (other, "G0", Stage.BUSINESS_CASE),
    ]:
        db_session.add(
            GateDecision(
                improvement_id=improvement.id,
                gate=gate,
                decision="go",
                rationale="Worth doing.",
                decided_by_id=panel.id,
                decided_at=decided,
                from_stage=Stage.IDEA.value,
                to_stage=to_stage.value,
            )
        )
    db_session.flush()
    everything = decision_register(RegisterFilters(), panel)
    assert everything.total == 3 and len(everything.items) == 3
    found = decision_register(RegisterFilters(q="GARDEN waste"), panel)
    assert found.total == 2 and {d.improvement.title for d in found.items} == {garden.title}
    assert decision_register(RegisterFilters(q="garden", gate="G1"), panel).total == 1


def test_the_home_page_shows_the_newest_stage_changes_and_nothing_else() -> None:
    moved = ImprovementFactory(title="Bulky waste bookings")
    decided = ImprovementFactory(title="Garden waste permits")
    record_event(
        actor_id=None,
        action="improvement.transitioned",
        subject_type="improvement",
        subject_id=moved.id,
        before={"stage": "idea"},
        after={"stage": "business_case"},
    )
    record_event(actor_id=None, action="improvement.edited", subject_type="improvement", subject_id=moved.id)
    for number in range(3):
        record_event(
            actor_id=None,
            action="improvement.decided",
            subject_type="improvement",
            subject_id=decided.id,
            before={"stage": "business_case"},
            after={"stage": "approved"},
            reason=f"Decision {number}",
        )
    viewer = UserFactory()

    newest = recent_stage_changes(viewer, limit=3)
    assert [change.reason for change in newest] == ["Decision 2", "Decision 1", "Decision 0"]
    every = recent_stage_changes(viewer, limit=10)
    assert [(change.improvement_id, change.to_stage) for change in every] == [
        *[(decided.id, "approved")] * 3,
        (moved.id, "business_case"),
    ]
    assert every[-1].ref == moved.ref and every[-1].from_stage == "idea"


def test_a_search_finds_any_part_of_reference_title_or_problem_from_trigram_indexes_on_postgresql(
    db_session: Any,
) -> None:
    viewer = UserFactory(design_authority=True)
    by_title = ImprovementFactory(title="Online parking permits")
    by_problem = ImprovementFactory(title="Permits", problem="Residents queue for PARKING permits.")
    ImprovementFactory(title="Bin collection reminders", problem="Missed bins.")
    with _statements(db_session) as sent:
        page = list_improvements(viewer, ImprovementFilters(q="  Parking "))
    assert page.total == 2 and {i.id for i in page.items} == {by_title.id, by_problem.id}
    assert list_improvements(viewer, ImprovementFilters(q=by_title.ref.lower())).total == 1
    if db_session.connection().dialect.name != "postgresql":
        return  # SQLite has no trigram index: it scans, which the benchmark shows it can afford
    count_read = next((s, p) for s, p in sent if "count(" in s.lower() and "like" in s.lower())
    plan = _plan(db_session, *count_read)
    for column in ("ref", "title", "problem"):
        assert f"ix_improvement_{column}_trigram" in plan, plan
