"""Reading the prioritised backlog: the ranking, its explanation, the value/effort matrix and the roadmap.

The backlog is every improvement that has not ended (closed, merged, declined and withdrawn ones are
left out). Ranks are positions in the *whole* backlog, so a filtered view shows the same rank numbers
as the full one. One query fetches every backlog row with its stored score (plain columns, no ORM
objects); ranking, rank ranges and contributions are computed with the domain functions; one more
query fetches the benefit drivers of the rows on the page, and one the ids of a driver filter. The
number of queries never depends on how many rows there are.

Caching: reading and ranking 50,000 rows takes about a second, so each process keeps the latest
ranking (with its rank ranges and its integer table for what-if) and reuses it while the backlog's
marker token is unchanged (``queries.derived``). Every change to an improvement, a stored score, a
scheme or a team sets a new token in its own transaction, so the cache is never stale: a page costs
one token read plus the page's own queries, and the first page after a change pays for the ranking.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from sqlalchemy import Select, func, select

from changeauth import db
from changeauth.domain.lifecycle import ENDED_STAGES
from changeauth.domain.panel import exclusion_reason, parse_medians
from changeauth.domain.ranking import RankTable, rank
from changeauth.domain.roadmap import Quadrant, quadrant, value_and_effort
from changeauth.domain.scoring import (
    CriterionKind,
    CriterionSpec,
    RankInput,
    ScoreStatus,
    contributions,
)
from changeauth.models import (
    BenefitDriver,
    Improvement,
    ImprovementScore,
    Team,
    improvement_driver,
)
from changeauth.models.backlog_key import (
    RANK_RANGES,
    BacklogKey,
    BacklogRankRange,
    SharedView,
    bring_up_to_date,
)
from changeauth.models.derived_state import BACKLOG
from changeauth.queries.derived import cached, reads, view_token
from changeauth.queries.pagination import Page, clamp_page
from changeauth.queries.scoring import active_scheme

ENDED = tuple(stage.value for stage in ENDED_STAGES)


@dataclass(frozen=True)
class BacklogFilters:
    driver: str | None = None
    stage: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class BacklogEntry:
    """One backlog improvement with its stored score (or none)."""

    id: int
    ref: str
    title: str
    stage: str
    is_mandatory: bool
    team_code: str | None
    team_name: str | None
    submitted_at: datetime
    planned_quarter: str | None
    version: int
    score_status: ScoreStatus
    weighted_score: Decimal | None
    must_meet_passed: bool | None
    disagreement: bool
    scorers: int
    medians: Mapping[str, Decimal]

    def rank_input(self) -> RankInput:
        return RankInput(
            id=self.id,
            is_mandatory=self.is_mandatory,
            status=self.score_status,
            weighted_score=self.weighted_score,
            submitted_at=self.submitted_at,
            must_meet_passed=self.must_meet_passed,
            medians=self.medians,
        )


def load_entries(criteria: Sequence[CriterionSpec], ids: Sequence[int] | None = None) -> list[BacklogEntry]:
    """Every backlog improvement (or those of ``ids``) with its score and medians, in one query (plain
    columns)."""
    codes = [spec.code for spec in criteria if spec.kind is CriterionKind.SHOULD]
    if ids is not None and not ids:
        return []
    statement = (
        select(
            Improvement.id,
            Improvement.ref,
            Improvement.title,
            Improvement.stage,
            Improvement.is_mandatory,
            Team.code,
            Team.name,
            Improvement.created_at,
            Improvement.planned_quarter,
            Improvement.version,
            ImprovementScore.status,
            ImprovementScore.weighted_score,
            ImprovementScore.must_meet_passed,
            ImprovementScore.disagreement,
            ImprovementScore.scorers,
            ImprovementScore.medians,
        )
        .outerjoin(Team, Team.id == Improvement.team_id)
        .outerjoin(ImprovementScore, ImprovementScore.improvement_id == Improvement.id)
        .where(Improvement.stage.not_in(ENDED))
    )
    if ids is not None:
        statement = statement.where(Improvement.id.in_(list(ids)))
    rows = db.session.execute(statement).all()
    return [
        BacklogEntry(
            id=row[0],
            ref=row[1],
            title=row[2],
            stage=row[3],
            is_mandatory=row[4],
            team_code=row[5],
            team_name=row[6],
            submitted_at=row[7],
            planned_quarter=row[8],
            version=row[9],
            score_status=ScoreStatus(row[10]) if row[10] else ScoreStatus.UNSCORED,
            weighted_score=None if row[11] is None else Decimal(row[11]),
            must_meet_passed=row[12],
            disagreement=bool(row[13]),
            scorers=row[14] or 0,
            medians=parse_medians(row[15] or {}, codes),
        )
        for row in rows
    ]


def summaries(ids: Sequence[int] | None = None) -> dict[int, Mapping[str, Any]]:
    """{improvement id: stored per-criterion summary} for the given ids (all when None), one query."""
    stmt = select(ImprovementScore.improvement_id, ImprovementScore.criteria)
    if ids is not None:
        if not ids:
            return {}
        stmt = stmt.where(ImprovementScore.improvement_id.in_(list(ids)))
    return {improvement_id: summary or {} for improvement_id, summary in db.session.execute(stmt)}


def driver_member_ids(driver_code: str) -> set[int]:
    return set(
        db.session.scalars(
            select(improvement_driver.c.improvement_id)
            .join(BenefitDriver, BenefitDriver.id == improvement_driver.c.driver_id)
            .where(BenefitDriver.code == driver_code)
        )
    )


def driver_names(ids: Sequence[int]) -> dict[int, list[str]]:
    """{improvement id: [driver names]} for the given ids, in one query."""
    names: dict[int, list[str]] = {improvement_id: [] for improvement_id in ids}
    if not ids:
        return names
    rows = db.session.execute(
        select(improvement_driver.c.improvement_id, BenefitDriver.name)
        .join(BenefitDriver, BenefitDriver.id == improvement_driver.c.driver_id)
        .where(improvement_driver.c.improvement_id.in_(list(ids)))
        .order_by(BenefitDriver.name)
    ).all()
    for improvement_id, name in rows:
        names[improvement_id].append(name)
    return names


def _matcher(filters: BacklogFilters) -> Callable[[BacklogEntry], bool]:
    members = driver_member_ids(filters.driver) if filters.driver else None

    def matches(entry: BacklogEntry) -> bool:
        return (
            (not filters.stage or entry.stage == filters.stage)
            and (not filters.team or entry.team_code == filters.team)
            and (members is None or entry.id in members)
        )

    return matches


@dataclass(frozen=True)
class SchemeVersion:
    """The scheme a ranking was made with (plain values: a cached ranking outlives every session)."""

    id: int
    version: int


@dataclass(frozen=True)
class Ranking:
    """The whole backlog ranked under the active scheme.

    Read-only once built: one Ranking is shared by every request of a process until the backlog
    changes. Its rank ranges and what-if table are worked out on first use.
    """

    scheme: SchemeVersion
    criteria: tuple[CriterionSpec, ...]
    entries: dict[int, BacklogEntry]
    inputs: dict[int, RankInput]
    ranked: list[int]
    excluded: list[int]
    positions: dict[int, int]

    @cached_property
    def table(self) -> RankTable:
        """The ranked rows in integer form, to re-rank under other weights."""
        return RankTable([self.inputs[entry_id] for entry_id in self.ranked], self.criteria)

    @cached_property
    def value_effort(self) -> dict[int, tuple[Decimal, Decimal, Quadrant]]:
        """{id: (value, effort, quadrant)} for the ranked improvements that have both, in rank order."""
        placed = {}
        for entry_id in self.ranked:
            value, effort = value_and_effort(self.entries[entry_id].medians, self.criteria)
            if value is not None and effort is not None:
                placed[entry_id] = (value, effort, quadrant(value, effort))
        return placed

    @cached_property
    def ranges(self) -> dict[int, tuple[int, int]]:
        """{id: (best rank, worst rank)} if any one should weight moved by 20 %."""
        return self.table.ranges()


def current_ranking() -> Ranking:
    """The ranking of every backlog improvement: this process's copy while the backlog's marker token
    is unchanged (one query), else read and ranked afresh (the scheme, its criteria, the rows)."""
    return cached(BACKLOG, "ranking", _rank_afresh)


@reads(BACKLOG, "improvement", "improvement_score", "scoring_scheme", "scheme_criterion", "team")
def _rank_afresh() -> Ranking:
    scheme = active_scheme()
    criteria = scheme.specs()
    entries = {entry.id: entry for entry in load_entries(criteria)}
    inputs = {entry_id: entry.rank_input() for entry_id, entry in entries.items()}
    ranked, excluded = rank(list(inputs.values()))
    return Ranking(
        scheme=SchemeVersion(scheme.id, scheme.version),
        criteria=criteria,
        entries=entries,
        inputs=inputs,
        ranked=[row.id for row in ranked],
        excluded=[row.id for row in excluded],
        positions={row.id: position for position, row in enumerate(ranked, start=1)},
    )


@dataclass(frozen=True)
class BacklogRow:
    entry: BacklogEntry
    rank: int
    rank_range: tuple[int, int] | None  # None until the shared ranges include it
    contributions: Mapping[str, Decimal]
    drivers: Sequence[str]


@dataclass(frozen=True)
class ExcludedRow:
    entry: BacklogEntry
    reason: str


@dataclass(frozen=True)
class BacklogView:
    scheme: SchemeVersion
    criteria: tuple[CriterionSpec, ...]
    page: Page[BacklogRow]
    excluded: list[ExcludedRow]
    # True while the rank ranges shown are those of an earlier state of the backlog (or missing).
    ranges_being_recalculated: bool = False


_ORDER = (BacklogKey.rank_group, BacklogKey.score_key, BacklogKey.submitted_at, BacklogKey.improvement_id)


def _filtered(statement: Select[Any], filters: BacklogFilters, key_id: Any) -> Select[Any]:
    """``statement`` restricted to the improvements matching ``filters`` (``key_id``: their id column)."""
    if filters.stage or filters.team:
        statement = statement.join(Improvement, Improvement.id == key_id)
    if filters.stage:
        statement = statement.where(Improvement.stage == filters.stage)
    if filters.team:
        statement = statement.where(
            Improvement.team_id.in_(select(Team.id).where(Team.code == filters.team).scalar_subquery())
        )
    if filters.driver:
        statement = statement.where(
            key_id.in_(
                select(improvement_driver.c.improvement_id)
                .join(BenefitDriver, BenefitDriver.id == improvement_driver.c.driver_id)
                .where(BenefitDriver.code == filters.driver)
            )
        )
    return statement


def ranked_page(filters: BacklogFilters, *, page: int, per_page: int) -> tuple[list[tuple[int, int]], int]:
    """[(id, rank)] of one page of the ranked backlog matching ``filters``, and how many match.

    Ranks are positions in the whole ranked backlog, numbered by the database (``ROW_NUMBER()`` over
    the ``backlog_key`` index, which is in backlog order), then filtered: two queries, an index range
    read each."""
    bring_up_to_date(db.session())
    offset = (page - 1) * per_page
    if filters == BacklogFilters():
        # The whole backlog: its page is the index range at the offset, the ranks follow from it.
        ids = db.session.scalars(
            select(BacklogKey.improvement_id)
            .where(BacklogKey.ranked.is_(True))
            .order_by(*_ORDER)
            .limit(per_page)
            .offset(offset)
        ).all()
        rows = [(improvement_id, offset + n) for n, improvement_id in enumerate(ids, start=1)]
    else:
        ranked = (
            select(BacklogKey.improvement_id, func.row_number().over(order_by=_ORDER).label("rank"))
            .where(BacklogKey.ranked.is_(True))
            .subquery()
        )
        rows = [
            (row[0], row[1])
            for row in db.session.execute(
                _filtered(select(ranked.c.improvement_id, ranked.c.rank), filters, ranked.c.improvement_id)
                .order_by(ranked.c.rank)
                .limit(per_page)
                .offset(offset)
            )
        ]
    total = db.session.scalar(
        _filtered(
            select(func.count(BacklogKey.improvement_id)).where(BacklogKey.ranked.is_(True)),
            filters,
            BacklogKey.improvement_id,
        )
    )
    return rows, total or 0


def excluded_ids(filters: BacklogFilters) -> list[int]:
    """The ids of backlog improvements out of the ranking (a must criterion failed), in backlog order."""
    bring_up_to_date(db.session())
    return list(
        db.session.scalars(
            _filtered(
                select(BacklogKey.improvement_id).where(BacklogKey.ranked.is_(False)),
                filters,
                BacklogKey.improvement_id,
            ).order_by(*_ORDER)
        )
    )


def ranked_inputs(criteria: Sequence[CriterionSpec]) -> list[RankInput]:
    """Every ranked backlog improvement as a RankInput, in backlog order (the database's order)."""
    bring_up_to_date(db.session())
    order = list(
        db.session.scalars(
            select(BacklogKey.improvement_id).where(BacklogKey.ranked.is_(True)).order_by(*_ORDER)
        )
    )
    entries = {entry.id: entry for entry in load_entries(criteria)}
    return [entries[improvement_id].rank_input() for improvement_id in order]


def rank_ranges_of(ids: Sequence[int]) -> tuple[dict[int, tuple[int, int]], bool]:
    """({id: (best, worst)} kept for ``ids``, whether they are current for the backlog as it is).

    The ranges are worked out once per change of the backlog for every process
    (``services.rank_ranges``); until then the previous ones are shown."""
    token = view_token(BACKLOG)
    computed_for = db.session.scalar(select(SharedView.computed_for).where(SharedView.name == RANK_RANGES))
    ranges: dict[int, tuple[int, int]] = {}
    if ids:
        ranges = {
            row[0]: (row[1], row[2])
            for row in db.session.execute(
                select(BacklogRankRange.improvement_id, BacklogRankRange.best, BacklogRankRange.worst).where(
                    BacklogRankRange.improvement_id.in_(list(ids))
                )
            )
        }
    return ranges, token is not None and computed_for == token


def rank_ranges_current() -> bool:
    """Whether the shared rank ranges were worked out for the backlog as it is now."""
    return rank_ranges_of([])[1]


def backlog_view(
    filters: BacklogFilters, *, page: int | None = None, per_page: int | None = None
) -> BacklogView:
    """One page of the ranking with each row's explanation, and the must-meet failures apart.

    The page is read in backlog order from the database with its ranks; the scheme, the page's rows,
    their drivers and rank ranges, and the failures: a fixed number of queries whatever the size."""
    page, per_page = clamp_page(page, per_page)
    scheme = active_scheme()
    criteria = scheme.specs()
    window, total = ranked_page(filters, page=page, per_page=per_page)
    ids = [improvement_id for improvement_id, _ in window]
    out_ids = excluded_ids(filters)
    entries = {entry.id: entry for entry in load_entries(criteria, [*ids, *out_ids])}
    names = driver_names(ids)
    ranges, current = rank_ranges_of(ids)
    rows = [
        BacklogRow(
            entry=entries[entry_id],
            rank=position,
            rank_range=ranges.get(entry_id),
            contributions=contributions(entries[entry_id].medians, criteria),
            drivers=names[entry_id],
        )
        for entry_id, position in window
    ]
    stored = summaries(out_ids)
    excluded = [
        ExcludedRow(entries[entry_id], exclusion_reason(stored.get(entry_id, {}), criteria))
        for entry_id in out_ids
    ]
    return BacklogView(
        scheme=SchemeVersion(scheme.id, scheme.version),
        criteria=criteria,
        page=Page(items=rows, page=page, per_page=per_page, total=total),
        excluded=excluded,
        ranges_being_recalculated=not current,
    )


@dataclass(frozen=True)
class MatrixPoint:
    entry: BacklogEntry
    rank: int
    value: Decimal
    effort: Decimal
    quadrant: Quadrant


def matrix_view(
    filters: BacklogFilters, *, page: int | None = None, per_page: int | None = None
) -> Page[MatrixPoint]:
    """Ranked improvements that have both a value and an effort, in rank order, one page at a time."""
    page, per_page = clamp_page(page, per_page)
    ranking = current_ranking()
    matches = _matcher(filters)
    points = [
        MatrixPoint(ranking.entries[entry_id], ranking.positions[entry_id], value, effort, placed)
        for entry_id, (value, effort, placed) in ranking.value_effort.items()
        if matches(ranking.entries[entry_id])
    ]
    window = points[(page - 1) * per_page : page * per_page]
    return Page(items=window, page=page, per_page=per_page, total=len(points))


@dataclass(frozen=True)
class RoadmapItem:
    entry: BacklogEntry
    rank: int | None


@dataclass(frozen=True)
class RoadmapView:
    page: Page[RoadmapItem]
    unplanned: int


def roadmap_view(*, page: int | None = None, per_page: int | None = None) -> RoadmapView:
    """Planned backlog improvements by quarter, in rank order within a quarter (excluded ones last)."""
    page, per_page = clamp_page(page, per_page)
    ranking = current_ranking()
    last = len(ranking.ranked) + 1
    planned = sorted(
        (entry for entry in ranking.entries.values() if entry.planned_quarter),
        key=lambda entry: (entry.planned_quarter, ranking.positions.get(entry.id, last), entry.id),
    )
    window = planned[(page - 1) * per_page : page * per_page]
    return RoadmapView(
        page=Page(
            items=[RoadmapItem(entry, ranking.positions.get(entry.id)) for entry in window],
            page=page,
            per_page=per_page,
            total=len(planned),
        ),
        unplanned=len(ranking.entries) - len(planned),
    )
