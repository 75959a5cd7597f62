"""The backlog's sort key kept in indexed columns, and the shared rank ranges (issue 22).

``backlog_key`` holds one row per improvement in the backlog (not ended) with the parts of
``domain.ranking.backlog_sort_key``: whether it is ranked (no failed must criterion), its group
(mandatory, score status, has a score), its score in tenths negated, when it was submitted and its id.
An index in that order makes the backlog page an index range read, with rank positions from
``ROW_NUMBER()`` in the database (``queries.backlog``).

The rows are kept by the transaction that changes what they are built from, through the session
events below, in the same transaction: after each flush, the rows of the improvements flushed (an
improvement or its stored score) are written again from those two tables with one DELETE and one
INSERT ... SELECT; a bulk statement on either table (activating a scheme rewrites every stored score)
marks the session, and every row is written again before the transaction commits or the backlog is
read in it (``bring_up_to_date``); a bulk UPDATE that sets none of the columns the keys come from
(``_KEY_COLUMNS``) does not. Nothing is computed in Python, so bulk loads (the scale data) call
``refresh_backlog_keys`` once at the end.

``backlog_rank_range`` holds each ranked improvement's best and worst rank if one weight moved by
20 %, which depend on the whole backlog: they are worked out once per change of the backlog by
whichever process claims them (``shared_view``: a conditional UPDATE of its row) and read by all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Table,
    Text,
    case,
    cast,
    delete,
    event,
    false,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from changeauth.db import Base
from changeauth.domain.lifecycle import ENDED_STAGES
from changeauth.domain.scoring import STATUS_ORDER, ScoreStatus

RANK_RANGES = "rank_ranges"
_SOURCE_TABLES = frozenset({"improvement", "improvement_score"})
# The columns of each source the keys are built from (``_key_rows``): a bulk UPDATE that sets none of
# them (an idea's reference written after its insert, a leaver's name) leaves every key as it was.
_KEY_COLUMNS = {
    "improvement": frozenset({"id", "stage", "is_mandatory", "created_at"}),
    "improvement_score": frozenset({"improvement_id", "status", "weighted_score", "must_meet_passed"}),
}
_PENDING_ALL = "backlog_key_all"
# Ids per DELETE/INSERT, well under SQLite's limit of bound variables.
_IDS_PER_STATEMENT = 5_000


class BacklogKey(Base):
    """The sort key of one backlog improvement, in the columns the backlog is ordered by."""

    __tablename__ = "backlog_key"
    __table_args__ = (
        Index("ix_backlog_key_order", "ranked", "rank_group", "score_key", "submitted_at", "improvement_id"),
    )

    improvement_id: Mapped[int] = mapped_column(
        ForeignKey("improvement.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    # False when a must criterion failed: listed apart, out of the ranking.
    ranked: Mapped[bool] = mapped_column(Boolean)
    # ((0 mandatory, 1 not) * 3 + status order) * 2 + (1 when there is no score): smaller ranks first.
    rank_group: Mapped[int] = mapped_column(Integer)
    # The weighted score in tenths, negated (0 without a score), so the highest score sorts first.
    score_key: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime]


class BacklogRankRange(Base):
    """A ranked improvement's best and worst rank if any one should weight moved by 20 %."""

    __tablename__ = "backlog_rank_range"

    improvement_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    best: Mapped[int] = mapped_column(Integer)
    worst: Mapped[int] = mapped_column(Integer)


class SharedView(Base):
    """A view computed once per change for every process: the marker token it was computed for, the
    time a process claimed its next computation (None when nobody is computing it), and its result as
    JSON text (None for the rank ranges, kept in their own table)."""

    __tablename__ = "shared_view"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    computed_for: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None]
    payload: Mapped[str | None] = mapped_column(Text)


def _key_rows(ids: list[int] | None) -> Select[Any]:
    """The backlog_key rows of ``ids`` (every backlog improvement when None), read from the sources."""
    improvement = Base.metadata.tables["improvement"]
    score = Base.metadata.tables["improvement_score"]
    status_order = case(
        {status.value: order for status, order in STATUS_ORDER.items()},
        value=score.c.status,
        else_=STATUS_ORDER[ScoreStatus.UNSCORED],
    )
    rank_group = (
        case((improvement.c.is_mandatory, 0), else_=1) * 6
        + status_order * 2
        + case((score.c.weighted_score.is_(None), 1), else_=0)
    )
    score_key = literal(0) - func.coalesce(cast(func.round(score.c.weighted_score * 10), Integer), 0)
    statement = (
        select(
            improvement.c.id,
            case((score.c.must_meet_passed == false(), False), else_=True),
            rank_group,
            score_key,
            improvement.c.created_at,
        )
        .select_from(improvement.outerjoin(score, score.c.improvement_id == improvement.c.id))
        .where(improvement.c.stage.not_in([stage.value for stage in ENDED_STAGES]))
    )
    return statement if ids is None else statement.where(improvement.c.id.in_(ids))


def refresh_backlog_keys(connection: Connection, ids: Iterable[int] | None = None) -> None:
    """Write the backlog_key rows of ``ids`` (all of them when None) again from their sources."""
    table = BacklogKey.__table__
    columns = ["improvement_id", "ranked", "rank_group", "score_key", "submitted_at"]
    if ids is None:
        connection.execute(delete(table))
        connection.execute(insert(table).from_select(columns, _key_rows(None)))
        return
    chosen = sorted(set(ids))
    for start in range(0, len(chosen), _IDS_PER_STATEMENT):
        batch = chosen[start : start + _IDS_PER_STATEMENT]
        connection.execute(delete(table).where(table.c.improvement_id.in_(batch)))
        connection.execute(insert(table).from_select(columns, _key_rows(batch)))


def bring_up_to_date(session: Session) -> None:
    """Write the rows a bulk statement of this transaction left out of date (nothing when none did)."""
    if session.info.pop(_PENDING_ALL, False):
        refresh_backlog_keys(session.connection())


@event.listens_for(Session, "after_flush")
def _refresh_flushed(session: Session, _context: Any) -> None:
    ids = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__table__", None)
        if isinstance(table, Table) and table.name == "improvement":
            ids.add(obj.id)
        elif isinstance(table, Table) and table.name == "improvement_score":
            ids.add(obj.improvement_id)
    ids.discard(None)
    if ids:
        refresh_backlog_keys(session.connection(), ids)


def _sets_no_key_column(state: ORMExecuteState, table: Table) -> bool:
    """Whether the statement is an UPDATE whose SET clause names only columns the keys do not use."""
    values = getattr(state.statement, "_values", None)
    if not state.is_update or not values:
        return False
    names = {getattr(column, "key", column) for column in values}
    return all(isinstance(name, str) for name in names) and not names & _KEY_COLUMNS[table.name]


@event.listens_for(Session, "do_orm_execute")
def _mark_bulk(state: ORMExecuteState) -> None:
    """A bulk statement on a source table marks every key out of date, unless it is an UPDATE that sets
    none of the key columns: rewriting every row would then be a whole-backlog recomputation on an
    ordinary write (submitting an idea sets its reference this way), and its lock on every backlog
    improvement's row deadlocked with concurrent writers holding one of those rows."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if isinstance(table, Table) and table.name in _SOURCE_TABLES and not _sets_no_key_column(state, table):
        state.session.info[_PENDING_ALL] = True


@event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    if session.info.get(_PENDING_ALL):
        session.flush()
        bring_up_to_date(session)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(_PENDING_ALL, None)


__all__ = [
    "RANK_RANGES",
    "BacklogKey",
    "BacklogRankRange",
    "SharedView",
    "bring_up_to_date",
    "refresh_backlog_keys",
]
