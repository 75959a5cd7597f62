"""Markers that change whenever the data a derived view is computed from changes.

Some views are costly to derive at council scale (the dashboard aggregates every benefit, flag and
resource with pandas; the portfolio optimiser appraises every candidate's business case and solves
over all of them; the programmes' savings read every cashable benefit), so they are worked out once
per change of the view's marker and kept as JSON for every process and server (``web.shared_views``);
the backlog's rank ranges are kept against its marker too. Nothing is kept per process.
Every transaction that writes a table a view reads sets a new random token on that view's row, in
the same transaction, through the session events below: ORM flushes and bulk INSERT/UPDATE/DELETE
statements through the session alike. A rolled-back change never becomes visible, and a committed
one becomes visible together with its token, so a reader that reads the token before the data can
never keep a stale result.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import String, Table, event, update
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from changeauth.db import Base, utcnow
from changeauth.models.audit import lock_audit_chain

BACKLOG = "backlog"
REPORTS = "reports"
PORTFOLIO = "portfolio"

# The tables each derived view reads. A write to any of them renews the view's token.
WATCHED_TABLES: Mapping[str, frozenset[str]] = {
    BACKLOG: frozenset({"improvement", "improvement_score", "scoring_scheme", "scheme_criterion", "team"}),
    PORTFOLIO: frozenset(
        {
            "improvement",
            "improvement_score",
            "business_case",
            "business_case_option",
            "business_case_option_year",
        }
    ),
    REPORTS: frozenset(
        {
            "improvement",
            "benefit",
            "benefit_adjustment",
            "benefit_year",
            "benefit_driver",
            "disbenefit",
            "flag",
            "temporary_resource",
            "maturity_assessment",
            "programme",
            "team",
        }
    ),
}
DERIVED_VIEWS = tuple(WATCHED_TABLES)


class DerivedState(Base):
    """One row per derived view: the token of the latest change to what it reads."""

    __tablename__ = "derived_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


def views_reading(tables: Iterable[str]) -> list[str]:
    """The derived views that read any of ``tables``."""
    touched = set(tables)
    return [name for name, watched in WATCHED_TABLES.items() if watched & touched]


def mark_changed(session: Session, views: Iterable[str]) -> None:
    """Give each of ``views`` a new token in the session's transaction.

    On PostgreSQL the audit chain's advisory lock is taken first, as every writing transaction takes
    it anyway, so writers always lock in the same order (chain, then these rows) and cannot deadlock.
    """
    names = sorted(set(views))
    if not names:
        return
    connection = session.connection()
    lock_audit_chain(connection)
    table = DerivedState.__table__
    connection.execute(
        update(table).where(table.c.name.in_(names)).values(token=secrets.token_hex(16), changed_at=utcnow())
    )


@event.listens_for(Session, "before_flush")
def _mark_on_flush(session: Session, _context: Any, _instances: Any) -> None:
    tables = {
        obj.__table__.name
        for obj in (*session.new, *session.deleted, *session.dirty)
        if isinstance(getattr(obj, "__table__", None), Table)
        and (obj not in session.dirty or session.is_modified(obj))
    }
    mark_changed(session, views_reading(tables))


@event.listens_for(Session, "do_orm_execute")
def _mark_on_bulk_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if isinstance(table, Table):
        mark_changed(state.session, views_reading([table.name]))
