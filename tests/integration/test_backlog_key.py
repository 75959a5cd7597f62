"""The backlog's order read from the database (``backlog_key`` and ROW_NUMBER) is exactly the domain's
``backlog_sort_key`` order, on generated backlogs, after ORM writes and after bulk statements."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update

from changeauth import db
from changeauth.domain.lifecycle import Stage
from changeauth.domain.ranking import rank
from changeauth.models import Improvement, ImprovementScore
from changeauth.queries import backlog as backlog_queries
from changeauth.queries.scoring import active_scheme
from tests.factories import ImprovementFactory, ImprovementScoreFactory, UserFactory

STAGES = [Stage.IDEA, Stage.BUSINESS_CASE, Stage.APPROVED, Stage.DELIVERY, Stage.CLOSED, Stage.DECLINED]
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _generate(chance: random.Random, count: int) -> list[Improvement]:
    submitter = UserFactory()
    made = []
    for _ in range(count):
        stage = chance.choice(STAGES)
        improvement = ImprovementFactory(
            submitter=submitter,
            stage=stage.value,
            status="closed" if stage in (Stage.CLOSED, Stage.DECLINED) else "active",
            is_mandatory=chance.random() < 0.2,
            # few distinct instants, so the submitted-at and id tie-breaks both matter
            created_at=START + timedelta(hours=chance.randrange(8)),
        )
        kind = chance.choice(["none", "final", "provisional", "unscored"])
        if kind != "none":
            ImprovementScoreFactory(
                improvement=improvement,
                status=kind,
                scorers=0 if kind == "unscored" else chance.randrange(1, 4),
                weighted_score=None
                if kind == "unscored" or chance.random() < 0.1
                else Decimal(chance.randrange(0, 1001)).scaleb(-1).quantize(Decimal("0.1"))
                if chance.random() < 0.7
                else Decimal(chance.choice([40, 55, 70])),  # ties on the score
                must_meet_passed=chance.choice([True, True, True, False, None]),
            )
        made.append(improvement)
    return made


def _expected() -> tuple[list[int], list[int]]:
    criteria = active_scheme().specs()
    ranked, excluded = rank([entry.rank_input() for entry in backlog_queries.load_entries(criteria)])
    return [row.id for row in ranked], [row.id for row in excluded]


def _from_database(per_page: int = 200) -> tuple[list[int], list[int]]:
    everything = backlog_queries.BacklogFilters()
    pages = []
    page = 1
    while True:
        window, total = backlog_queries.ranked_page(everything, page=page, per_page=per_page)
        pages.extend(window)
        if page * per_page >= total:
            break
        page += 1
    assert [position for _, position in pages] == list(range(1, len(pages) + 1))
    return [improvement_id for improvement_id, _ in pages], backlog_queries.excluded_ids(everything)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_database_order_is_the_domain_order(db_session: Any, seed: int) -> None:
    chance = random.Random(seed)
    made = _generate(chance, 70)
    assert _from_database() == _expected()
    assert _from_database(per_page=7) == _expected()

    # ORM writes: rescore some, end some, make some mandatory, in one transaction.
    for improvement in chance.sample(made, 15):
        stored = db.session.get(ImprovementScore, improvement.id)
        if stored is not None and stored.weighted_score is not None:
            stored.weighted_score = Decimal(chance.randrange(0, 1001)).scaleb(-1)
        improvement.is_mandatory = not improvement.is_mandatory
    ended = chance.choice([m for m in made if m.stage not in (Stage.CLOSED, Stage.DECLINED)])
    ended.stage, ended.status = Stage.WITHDRAWN, "closed"
    db.session.flush()
    assert _from_database() == _expected()
    assert ended.id not in _from_database()[0]

    # A bulk statement (as activating a scheme does) is caught up before the next read.
    table = ImprovementScore.__table__
    db.session.execute(
        update(table).where(table.c.weighted_score > 50).values(weighted_score=Decimal("50.0"))
    )
    assert _from_database() == _expected()
    db.session.commit()
    assert _from_database() == _expected()


def test_a_bulk_update_of_columns_no_key_uses_rewrites_no_key(db_session: Any) -> None:
    # Submitting an idea writes its reference with a bulk UPDATE after the insert: rewriting every key
    # then made each submission a whole-backlog refresh that locked every backlog improvement's row.
    made = _generate(random.Random(7), 20)
    db.session.flush()
    idea = made[0]
    db.session.execute(update(Improvement).where(Improvement.id == idea.id).values(ref="IMP-2026-9999"))
    assert not db.session.info.get("backlog_key_all")
    table = ImprovementScore.__table__
    db.session.execute(update(table).values(weighted_score=Decimal("50.0")))
    assert db.session.info.get("backlog_key_all")  # a key column: every key is written again
    assert _from_database() == _expected()
    db.session.execute(update(Improvement).where(Improvement.id == idea.id).values(is_mandatory=True))
    assert db.session.info.get("backlog_key_all")
    assert _from_database() == _expected()

    made = _generate(random.Random(7), 40)
    ranked, _ = _expected()
    positions = {improvement_id: position for position, improvement_id in enumerate(ranked, start=1)}
    stage = Stage.APPROVED.value
    window, total = backlog_queries.ranked_page(
        backlog_queries.BacklogFilters(stage=stage), page=1, per_page=200
    )
    wanted = [i for i in ranked if db.session.get(Improvement, i).stage == stage]
    assert [improvement_id for improvement_id, _ in window] == wanted
    assert total == len(wanted)
    assert all(position == positions[improvement_id] for improvement_id, position in window)
    assert made


def test_every_backlog_reading_follows_the_pages_order_after_a_write(db_session: Any) -> None:
    """What-if (its ranks before the new weights), the matrix, the roadmap and the export rank the backlog as
    the page does, straight after a write moved an improvement (no process keeps an older ranking)."""
    from changeauth.reporting import datasets
    from changeauth.services import scoring

    chance = random.Random(22)
    criteria = active_scheme().specs()
    codes = [spec.code for spec in criteria if spec.kind.value == "should"]
    made, stored = [], []
    for number in range(12):
        improvement = ImprovementFactory(
            stage=Stage.BUSINESS_CASE.value,
            planned_quarter="2027-Q1" if number % 3 else "2027-Q2",
            created_at=START + timedelta(hours=number % 4),
        )
        score = ImprovementScoreFactory(
            improvement=improvement,
            weighted_score=Decimal(chance.choice([40, 55, 70, 85])),
            medians={code: str(Decimal(chance.randrange(0, 11)) / 2) for code in codes},
        )
        made.append(improvement)
        stored.append(score)
    db_session.flush()
    before = backlog_queries.backlog_table_json()  # the shared table as it was before the write
    moved = made[-1]
    stored[-1].weighted_score = Decimal(99)
    db_session.flush()

    page = backlog_queries.backlog_view(backlog_queries.BacklogFilters(), per_page=100)
    ranks = {row.entry.id: row.rank for row in page.page.items}
    assert ranks[moved.id] == 1

    member = UserFactory(design_authority=True)
    weights = {spec.code: spec.weight for spec in criteria if spec.kind.value == "should"}
    # The shared table worked out once after the change (web.shared_views), read back from its JSON.
    table = backlog_queries.backlog_table_from_json(backlog_queries.backlog_table_json(), criteria)
    assert backlog_queries.backlog_table_json() != before
    preview = scoring.preview_weights(member, weights, table)
    # Each what-if row's rank before the new weights (its new rank plus its change) is the page's rank.
    assert {row.entry.id: row.rank + (row.rank_change or 0) for row in preview.rows} == ranks

    matrix = backlog_queries.matrix_view(backlog_queries.BacklogFilters(), table, per_page=100)
    assert matrix.items and all(ranks[point.entry.id] == point.rank for point in matrix.items)
    assert [point.rank for point in matrix.items] == sorted(point.rank for point in matrix.items)

    roadmap = backlog_queries.roadmap_view(per_page=100)
    assert {item.entry.id: item.rank for item in roadmap.page.items} == ranks
    assert [item.entry.planned_quarter for item in roadmap.page.items][0] == "2027-Q1"

    refs = {improvement.ref: improvement.id for improvement in made}
    exported = {
        refs[row["reference"]]: row["rank"] for row in datasets.backlog_rows(backlog_queries.BacklogFilters())
    }
    assert exported == ranks


def test_the_shared_table_re_ranks_as_the_table_it_was_made_from(db_session: Any) -> None:
    from changeauth.domain.ranking import RankTable

    _generate(random.Random(7), 40)
    db_session.flush()
    criteria = active_scheme().specs()
    table = backlog_queries.backlog_table_from_json(backlog_queries.backlog_table_json(), criteria).table
    direct = RankTable(backlog_queries.ranked_inputs(criteria), criteria)
    weights = {spec.code: spec.weight * 2 for spec in criteria if spec.kind.value == "should"}
    assert list(table.what_if(weights)) == list(direct.what_if(weights))
    assert table.ranges() == direct.ranges()
