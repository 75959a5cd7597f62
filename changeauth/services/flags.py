"""Raising and resolving flags: at most one open flag per (kind, subject).

A new flag notifies the subject's owner once; a flag is resolved when its cause goes away.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from changeauth import db
from changeauth.models import Flag
from changeauth.services import notifications


def find_open_flag(kind: str, subject_type: str, subject_id: int) -> Flag | None:
    return db.session.scalar(
        select(Flag).where(
            Flag.kind == kind,
            Flag.subject_type == subject_type,
            Flag.subject_id == subject_id,
            Flag.resolved_on.is_(None),
        )
    )


def raise_flag(
    *,
    kind: str,
    subject_type: str,
    subject_id: int,
    on: date,
    message: str,
    severity: str = "warning",
    details: dict[str, Any] | None = None,
    notify_user_ids: tuple[int | None, ...] = (),
) -> tuple[Flag, bool]:
    """Raise a flag unless one is already open; returns (flag, created). Flushes, does not commit."""
    existing = find_open_flag(kind, subject_type, subject_id)
    if existing is not None:
        return existing, False
    flag = Flag(
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        severity=severity,
        raised_on=on,
        message=message,
        details=details or {},
    )
    db.session.add(flag)
    db.session.flush()
    notifications.enqueue(
        user_ids=notify_user_ids,
        kind=f"flag.{kind}",
        text=message,
        event_key=f"flag:{flag.id}",
        subject_type=subject_type,
        subject_id=subject_id,
    )
    return flag, True


def resolve_flag(kind: str, subject_type: str, subject_id: int, *, on: date) -> bool:
    """Resolve the open flag of this kind on this subject, if any. Flushes; returns whether one was open."""
    flag = find_open_flag(kind, subject_type, subject_id)
    if flag is None:
        return False
    flag.resolved_on = on
    db.session.flush()
    return True
