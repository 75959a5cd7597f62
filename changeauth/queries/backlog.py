"""Reading the prioritised backlog: the ranking, its explanation, the value/effort matrix and the roadmap.

The backlog is every improvement that has not ended (closed, merged, declined and withdrawn ones are
left out). Ranks are positions in the *whole* backlog, so a filtered view shows the same rank numbers
as the full one. Rows are read as plain columns (no ORM objects) with their stored score; contributions
and value and effort are worked out with the domain functions. The number of queries never depends on
how many rows there are.

No process ranks the backlog in Python: the order and the rank positions come from the sort keys each
write keeps in ``backlog_key`` (``models.backlog_key``), and the rank ranges from the table one process
works out once per change for every process (``services.rank_ranges``). The page, the matrix, the
roadmap, the exports and what-if all read that one order, so they agree with each other after a write.
"""

from __future__ import annotations

import json
from base64 import b64decode, b64encode
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import Select, case, func, select

from changeauth import db
from changeauth.domain.lifecycle import ENDED_STAGES
from changeauth.domain.panel import exclusion_reason, parse_medians
from changeauth.domain.ranking import RankTable
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
from changeauth.queries.derived import reads, view_token
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


def _entry_statement() -> Select[Any]:
    """The columns of a BacklogEntry for the backlog's improvements (plain columns, no ORM objects)."""
    columns: list[Any] = [
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
    ]
    return (
        select(*columns)
        .outerjoin(Team, Team.id == Improvement.team_id)
        .outerjoin(ImprovementScore, ImprovementScore.improvement_id == Improvement.id)
        .where(Improvement.stage.not_in(ENDED))
    )


def _entry(row: Any, codes: Sequence[str]) -> BacklogEntry:
    return BacklogEntry(
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


def _should_codes(criteria: Sequence[CriterionSpec]) -> list[str]:
    return [spec.code for spec in criteria if spec.kind is CriterionKind.SHOULD]


def load_entries(criteria: Sequence[CriterionSpec], ids: Sequence[int] | None = None) -> list[BacklogEntry]:
    """Every backlog improvement (or those of ``ids``) with its score and medians, in one query (plain
    columns)."""
    if ids is not None and not ids:
        return []
    statement = _entry_statement()
    if ids is not None:
        statement = statement.where(Improvement.id.in_(list(ids)))
    codes = _should_codes(criteria)
    return [_entry(row, codes) for row in db.session.execute(statement)]


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


@dataclass(frozen=True)
class SchemeVersion:
    """The scheme a backlog view was read under (plain values)."""

    id: int
    version: int


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


def _filtered(
    statement: Select[Any], filters: BacklogFilters, key_id: Any, *, improvement_joined: bool = False
) -> Select[Any]:
    """``statement`` restricted to the improvements matching ``filters`` (``key_id``: their id column;
    ``improvement_joined``: the statement already reads ``improvement``)."""
    if (filters.stage or filters.team) and not improvement_joined:
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


def _positions() -> Any:
    """(improvement_id, rank) of every ranked backlog improvement, numbered by the database."""
    return (
        select(BacklogKey.improvement_id, func.row_number().over(order_by=_ORDER).label("rank"))
        .where(BacklogKey.ranked.is_(True))
        .subquery()
    )


def ranked_entries(
    criteria: Sequence[CriterionSpec], filters: BacklogFilters = BacklogFilters()
) -> list[tuple[BacklogEntry, int]]:
    """Every ranked backlog improvement matching ``filters`` with its rank in the whole backlog, in
    backlog order: the database's order and ranks (``backlog_key``), one query."""
    bring_up_to_date(db.session())
    ranked = _positions()
    statement = _filtered(
        _entry_statement().add_columns(ranked.c.rank).join(ranked, ranked.c.improvement_id == Improvement.id),
        filters,
        Improvement.id,
        improvement_joined=True,
    ).order_by(ranked.c.rank)
    codes = _should_codes(criteria)
    return [(_entry(row, codes), row[16]) for row in db.session.execute(statement)]


def excluded_entries(
    criteria: Sequence[CriterionSpec], filters: BacklogFilters = BacklogFilters()
) -> list[BacklogEntry]:
    """The backlog improvements matching ``filters`` out of the ranking, in backlog order, one query."""
    bring_up_to_date(db.session())
    statement = _filtered(
        _entry_statement()
        .join(BacklogKey, BacklogKey.improvement_id == Improvement.id)
        .where(BacklogKey.ranked.is_(False)),
        filters,
        Improvement.id,
        improvement_joined=True,
    ).order_by(*_ORDER)
    codes = _should_codes(criteria)
    return [_entry(row, codes) for row in db.session.execute(statement)]


def ranked_inputs(criteria: Sequence[CriterionSpec]) -> list[RankInput]:
    """Every ranked backlog improvement as a RankInput, in backlog order (the database's order)."""
    return [entry.rank_input() for entry, _ in ranked_entries(criteria)]


@reads(BACKLOG, "improvement", "improvement_score", "scoring_scheme", "scheme_criterion", "team")
def current_inputs() -> tuple[tuple[CriterionSpec, ...], list[RankInput]]:
    """The active scheme's criteria and every ranked improvement as a RankInput, in backlog order: what
    the shared rank ranges are worked out from, once per change of the backlog's token."""
    criteria = active_scheme().specs()
    return criteria, ranked_inputs(criteria)


@dataclass(frozen=True)
class BacklogTable:
    """The ranked backlog in integer form (to re-rank under other weights: what-if) and the matrix's
    points in rank order (their ids, ranks, and value and effort as decimal text, made Decimals only for
    the page shown): worked out once per change of the backlog for every process (``web.shared_views``)
    and carried as JSON whose arrays are packed integers, so a view reads it back without parsing a
    number per row."""

    table: RankTable
    point_ids: Sequence[int]
    point_ranks: Sequence[int]
    point_values: Sequence[str]
    point_efforts: Sequence[str]

    @property
    def points(self) -> list[tuple[int, int, Decimal, Decimal]]:
        """Every point as (id, rank, value, effort), in rank order."""
        return [self.point(index) for index in range(len(self.point_ids))]

    def point(self, index: int) -> tuple[int, int, Decimal, Decimal]:
        return (
            self.point_ids[index],
            self.point_ranks[index],
            Decimal(self.point_values[index]),
            Decimal(self.point_efforts[index]),
        )


@reads(BACKLOG, "improvement", "improvement_score", "scoring_scheme", "scheme_criterion", "team")
def backlog_table_json() -> str:
    """Work out the BacklogTable of the backlog as it is, as JSON text (reads every ranked row once)."""
    criteria = active_scheme().specs()
    rows = ranked_entries(criteria)
    table = RankTable([entry.rank_input() for entry, _ in rows], criteria)
    ids, ranks, values, efforts = [], [], [], []
    for entry, position in rows:
        value, effort = value_and_effort(entry.medians, criteria)
        if value is not None and effort is not None:
            ids.append(entry.id)
            ranks.append(position)
            values.append(str(value))
            efforts.append(str(effort))
    return json.dumps(
        {
            "table": table.to_plain(),
            "points": {
                "count": len(ids),
                "ids": _packed(ids),
                "ranks": _packed(ranks),
                "values": values,
                "efforts": efforts,
            },
        }
    )


def _packed(numbers: Sequence[int]) -> str:
    return b64encode(np.asarray(numbers, dtype="<i8").tobytes()).decode("ascii")


def _unpacked(text: str, count: int) -> list[int]:
    numbers = np.frombuffer(b64decode(text, validate=True), dtype="<i8")
    if numbers.size != count:
        raise ValueError("the table's points do not match their count")
    return numbers.tolist()


def backlog_table_from_json(text: str, criteria: Sequence[CriterionSpec]) -> BacklogTable:
    """A BacklogTable read back from ``backlog_table_json``'s text (ValueError under other criteria)."""
    data = json.loads(text)
    points = data["points"]
    count = int(points["count"])
    if len(points["values"]) != count or len(points["efforts"]) != count:
        raise ValueError("the table's points do not match their count")
    return BacklogTable(
        table=RankTable.from_plain(data["table"], criteria),
        point_ids=_unpacked(points["ids"], count),
        point_ranks=_unpacked(points["ranks"], count),
        point_values=points["values"],
        point_efforts=points["efforts"],
    )


def matching_ids(filters: BacklogFilters) -> set[int] | None:
    """The ids of the backlog improvements matching ``filters`` (None when nothing is filtered)."""
    if filters == BacklogFilters():
        return None
    bring_up_to_date(db.session())
    return set(
        db.session.scalars(_filtered(select(BacklogKey.improvement_id), filters, BacklogKey.improvement_id))
    )


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
    filters: BacklogFilters, table: BacklogTable, *, page: int | None = None, per_page: int | None = None
) -> Page[MatrixPoint]:
    """Ranked improvements that have both a value and an effort, in rank order, one page at a time, from
    the shared ``table``: the matching ids (when filtered) and the page's rows are read."""
    page, per_page = clamp_page(page, per_page)
    members = matching_ids(filters)
    indexes: Sequence[int] = (
        range(len(table.point_ids))
        if members is None
        else [index for index, key in enumerate(table.point_ids) if key in members]
    )
    window = [table.point(index) for index in indexes[(page - 1) * per_page : page * per_page]]
    entries = {
        entry.id: entry for entry in load_entries(active_scheme().specs(), [point[0] for point in window])
    }
    items = [
        MatrixPoint(entries[key], position, value, effort, quadrant(value, effort))
        for key, position, value, effort in window
        if key in entries
    ]
    return Page(items=items, page=page, per_page=per_page, total=len(indexes))


@dataclass(frozen=True)
class RoadmapItem:
    entry: BacklogEntry
    rank: int | None


@dataclass(frozen=True)
class RoadmapView:
    page: Page[RoadmapItem]
    unplanned: int


def roadmap_view(*, page: int | None = None, per_page: int | None = None) -> RoadmapView:
    """Planned backlog improvements by quarter, in rank order within a quarter (excluded ones last),
    ranks from the database (``backlog_key``): the page's ids, two counts and the page's rows."""
    page, per_page = clamp_page(page, per_page)
    bring_up_to_date(db.session())
    ranked = _positions()
    planned = (Improvement.planned_quarter.is_not(None), Improvement.planned_quarter != "")
    window = db.session.execute(
        select(BacklogKey.improvement_id, ranked.c.rank)
        .join(Improvement, Improvement.id == BacklogKey.improvement_id)
        .outerjoin(ranked, ranked.c.improvement_id == BacklogKey.improvement_id)
        .where(*planned)
        .order_by(
            Improvement.planned_quarter,
            case((ranked.c.rank.is_(None), 1), else_=0),
            ranked.c.rank,
            BacklogKey.improvement_id,
        )
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    total = db.session.scalar(
        select(func.count(BacklogKey.improvement_id))
        .join(Improvement, Improvement.id == BacklogKey.improvement_id)
        .where(*planned)
    )
    everything = db.session.scalar(select(func.count(BacklogKey.improvement_id)))
    entries = {entry.id: entry for entry in load_entries(active_scheme().specs(), [row[0] for row in window])}
    return RoadmapView(
        page=Page(
            items=[RoadmapItem(entries[row[0]], row[1]) for row in window],
            page=page,
            per_page=per_page,
            total=total or 0,
        ),
        unplanned=(everything or 0) - (total or 0),
    )
