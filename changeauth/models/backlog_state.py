"""A marker that changes whenever anything the backlog ranking is computed from changes.

Ranking a council-sized backlog reads every open improvement, so the read side keeps the last ranking
in memory and reuses it while this marker is unchanged. Every transaction that writes an improvement,
a stored score, a scoring scheme or a team sets a new random token in the same transaction, through
the session events below: ORM flushes and bulk INSERT/UPDATE/DELETE statements through the session
alike. A rolled-back change never becomes visible, and a committed one is visible together with its
token, so a reader that reads the token before the rows can never keep a stale ranking.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import String, Table, event, update
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from changeauth.db import Base, utcnow
from changeauth.models.audit import lock_audit_chain
from changeauth.models.improvement import Improvement
from changeauth.models.organisation import Team
from changeauth.models.scoring import ImprovementScore, SchemeCriterion, ScoringScheme

BACKLOG_STATE_ID = 1
_WATCHED_CLASSES = (Improvement, ImprovementScore, ScoringScheme, SchemeCriterion, Team)
_WATCHED_TABLES = frozenset(cls.__tablename__ for cls in _WATCHED_CLASSES)


class BacklogState(Base):
    """One row: the token of the latest change to what the backlog ranking reads."""

    __tablename__ = "backlog_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


def mark_backlog_changed(session: Session) -> None:
    """Give the backlog a new token in the session's transaction.

    On PostgreSQL the audit chain's advisory lock is taken first, as every writing transaction takes
    it anyway, so writers always lock in the same order (chain, then this row) and cannot deadlock.
    """
    connection = session.connection()
    lock_audit_chain(connection)
    connection.execute(
        update(BacklogState.__table__)
        .where(BacklogState.__table__.c.id == BACKLOG_STATE_ID)
        .values(token=secrets.token_hex(16), changed_at=utcnow())
    )


@event.listens_for(Session, "before_flush")
def _mark_on_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, _WATCHED_CLASSES) and (obj not in session.dirty or session.is_modified(obj)):
            mark_backlog_changed(session)
            return


@event.listens_for(Session, "do_orm_execute")
def _mark_on_bulk_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if isinstance(table, Table) and table.name in _WATCHED_TABLES:
        mark_backlog_changed(state.session)
