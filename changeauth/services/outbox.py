"""Delivering the notification outbox: pick what is due, claim one row at a time, record failures.

A row is claimed by setting ``sent_at`` with a conditional UPDATE that is committed before the email
leaves, so two senders can never both send it (at most once). A failed send clears ``sent_at`` again
and keeps the error and the attempt count, so a later run retries it, up to ``MAX_SEND_ATTEMPTS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select, update

from changeauth import db
from changeauth.models import Notification, User
from changeauth.models.flag import MAX_SEND_ATTEMPTS

ERROR_MAX = 1_000
_notification = Notification.__table__


@dataclass(frozen=True)
class OutgoingEmail:
    notification_id: int
    to: str
    name: str
    kind: str
    text: str
    calendar: str | None = None


def _due() -> tuple[ColumnElement[bool], ...]:
    """Unsent, not given up on, and for someone who can still read it."""
    return (
        _notification.c.sent_at.is_(None),
        _notification.c.send_attempts < MAX_SEND_ATTEMPTS,
        User.is_active.is_(True),
    )


def due_emails(*, limit: int) -> list[OutgoingEmail]:
    """Unsent notifications for active people, oldest first."""
    rows = db.session.execute(
        select(
            _notification.c.id,
            User.email,
            User.name,
            _notification.c.kind,
            _notification.c.text,
            _notification.c.calendar,
        )
        .join(User, User.id == _notification.c.user_id)
        .where(*_due())
        .order_by(_notification.c.id)
        .limit(limit)
    ).all()
    return [OutgoingEmail(row.id, row.email, row.name, row.kind, row.text, row.calendar) for row in rows]


def count_due() -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(_notification)
            .join(User, User.id == _notification.c.user_id)
            .where(*_due())
        )
        or 0
    )


def claim(notification_id: int) -> bool:
    """Mark the row as being sent; False when someone else already has. Flushes, does not commit."""
    result = db.session.execute(
        update(_notification)
        .where(_notification.c.id == notification_id, _notification.c.sent_at.is_(None))
        .values(sent_at=db.utcnow(), send_attempts=_notification.c.send_attempts + 1, last_error=None)
    )
    return db.rows_affected(result) == 1


def release_after_failure(notification_id: int, error: str) -> None:
    """Put a claimed row back in the outbox with the error, for a later retry. Does not commit."""
    db.session.execute(
        update(_notification)
        .where(_notification.c.id == notification_id)
        .values(sent_at=None, last_error=error[:ERROR_MAX])
    )
