"""Views computed once per change for every process and server, kept as JSON in ``shared_view``
(issue 22): the dashboard's figures and charts.

Each view has a row per name (a view and its day) holding the marker token it was computed for and its
JSON. A process that finds the row out of date claims the next computation with a conditional UPDATE
(or the INSERT of a missing row: only one succeeds), computes, and stores the result with the token it
read before computing, so a result is never older than its token. Results are JSON text, never pickled.
The caller commits after each step.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, insert, or_, select, update

from changeauth import db
from changeauth.models import SharedView

# A claim older than this is taken to be of a process that died, and may be taken over.
LEASE = timedelta(minutes=2)


def claim(name: str, token: str) -> bool:
    """Claim the computation of ``name`` for ``token`` if it is out of date and nobody is computing it.

    A missing row is inserted already claimed; two processes inserting it at once fail on its key, and
    the loser's caller rolls back."""
    now = db.utcnow()
    table = SharedView.__table__
    if db.session.scalar(select(table.c.name).where(table.c.name == name)) is None:
        db.session.execute(insert(table).values(name=name, claimed_at=now))
        return True
    return bool(
        db.rows_affected(
            db.session.execute(
                update(table)
                .where(
                    table.c.name == name,
                    or_(table.c.computed_for.is_(None), table.c.computed_for != token),
                    or_(table.c.claimed_at.is_(None), table.c.claimed_at < now - LEASE),
                )
                .values(claimed_at=now)
            )
        )
    )


def store(name: str, token: str, payload: str, *, forget: str | None = None) -> None:
    """Keep ``payload`` (JSON text) as the result of ``name`` for ``token`` and end the claim; with
    ``forget`` (a prefix of names, such as one per optimiser run), drop the results of that prefix kept
    for an earlier token that nobody is computing, so one-off results do not pile up."""
    table = SharedView.__table__
    db.session.execute(
        update(table).where(table.c.name == name).values(computed_for=token, payload=payload, claimed_at=None)
    )
    if forget is not None:
        db.session.execute(
            delete(table).where(
                table.c.name.startswith(forget, autoescape=True),
                table.c.name != name,
                or_(table.c.computed_for.is_(None), table.c.computed_for != token),
                table.c.claimed_at.is_(None),
            )
        )


def release(name: str) -> None:
    """Give up a claim (the computation failed), so the next view may claim it again."""
    table = SharedView.__table__
    db.session.execute(update(table).where(table.c.name == name).values(claimed_at=None))
