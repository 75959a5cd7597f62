"""The notification outbox: a row per person per event, never twice (the dedupe key is unique).

Services enqueue inside their transaction; the ``send-notifications`` job delivers after commit, so
a failing mail server never blocks or undoes a decision.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update

from changeauth import db
from changeauth.models import Notification


def enqueue(
    *,
    user_ids: Iterable[int | None],
    kind: str,
    text: str,
    event_key: str,
    subject_type: str | None = None,
    subject_id: int | None = None,
    calendar: str | None = None,
) -> list[Notification]:
    """Queue one notification per distinct person for an event. Flushes, does not commit.

    ``event_key`` names the event (for example ``decision:42``); with the person's id it forms the
    dedupe key, so enqueuing the same event again adds nothing. ``calendar`` is an iCalendar text the email
    carries (a meeting invitation).
    """
    wanted = sorted({uid for uid in user_ids if uid is not None})
    if not wanted:
        return []
    keys = {uid: f"{event_key}:user:{uid}" for uid in wanted}
    existing = set(
        db.session.scalars(select(Notification.dedupe_key).where(Notification.dedupe_key.in_(keys.values())))
    )
    created = []
    for uid in wanted:
        if keys[uid] in existing:
            continue
        notification = Notification(
            user_id=uid,
            kind=kind,
            text=text,
            dedupe_key=keys[uid],
            subject_type=subject_type,
            subject_id=subject_id,
            created_at=db.utcnow(),
            calendar=calendar,
        )
        db.session.add(notification)
        created.append(notification)
    db.session.flush()
    return created


def mark_read(notification: Notification, *, user_id: int) -> None:
    """Mark a person's own notification as read. Flushes."""
    if notification.user_id == user_id and notification.read_at is None:
        notification.read_at = db.utcnow()
        db.session.flush()


def mark_all_read(*, user_id: int) -> int:
    """Mark every unread notification of a person as read; returns how many. Flushes."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=db.utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return int(db.rows_affected(result) or 0)
