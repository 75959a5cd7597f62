"""Working out the backlog's rank ranges once per change of the backlog, for every process (issue 22).

A rank range (the best and worst rank if any one should weight moved by 20 %) depends on the whole
backlog, so no write can keep it up to date for the rows it touches. The ranges are kept in
``backlog_rank_range`` with, in the ``shared_view`` row ``rank_ranges``, the backlog token they were
worked out for. When a view finds them out of date, it claims the next computation with a conditional
UPDATE of that row (``claim``: only one process at a time holds it, until it finishes or its lease
runs out), and the claimer works them out (``compute``) while every view shows the previous ranges,
saying they are being recalculated. The caller commits after each step.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, insert, or_, select, update

from changeauth import db
from changeauth.domain.ranking import RankTable
from changeauth.models import BacklogRankRange, DerivedState, SharedView
from changeauth.models.backlog_key import RANK_RANGES
from changeauth.models.derived_state import BACKLOG
from changeauth.queries import backlog as backlog_queries

# A claim older than this is taken to be of a process that died, and may be taken over.
LEASE = timedelta(minutes=2)
_ROWS_PER_INSERT = 5_000


def claim() -> str | None:
    """Claim the computation of the rank ranges if they are out of date and nobody is computing them.

    Returns the backlog token to compute them for, or None (up to date, or claimed by another)."""
    token = db.session.scalar(select(DerivedState.token).where(DerivedState.name == BACKLOG))
    if token is None:
        return None
    now = db.utcnow()
    state = SharedView.__table__
    claimed = db.rows_affected(
        db.session.execute(
            update(state)
            .where(
                state.c.name == RANK_RANGES,
                or_(state.c.computed_for.is_(None), state.c.computed_for != token),
                or_(state.c.claimed_at.is_(None), state.c.claimed_at < now - LEASE),
            )
            .values(claimed_at=now)
        )
    )
    return token if claimed else None


def compute(token: str) -> int:
    """Work out every ranked improvement's rank range and record them as those of ``token``.

    ``token`` was read before the backlog is read here, so the ranges are never older than it says.
    Returns the number of ranked improvements."""
    criteria, inputs = backlog_queries.current_inputs()
    ranges = RankTable(inputs, criteria).ranges()
    table = BacklogRankRange.__table__
    db.session.execute(delete(table))
    rows = [{"improvement_id": key, "best": best, "worst": worst} for key, (best, worst) in ranges.items()]
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        db.session.execute(insert(table), rows[start : start + _ROWS_PER_INSERT])
    state = SharedView.__table__
    db.session.execute(
        update(state).where(state.c.name == RANK_RANGES).values(computed_for=token, claimed_at=None)
    )
    return len(rows)


def release() -> None:
    """Give up a claim (the computation failed), so the next view may claim it again."""
    state = SharedView.__table__
    db.session.execute(update(state).where(state.c.name == RANK_RANGES).values(claimed_at=None))
