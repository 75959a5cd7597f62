"""The generated audit log: events collected while the other rows are generated, then written in time
order as one hash chain that continues from the last stored event.

Each event is hashed exactly as ``services.audit.record_event`` hashes it (``domain.audit.event_hash``
over the same fields), with JSON-ready before and after values, so ``changeauth audit verify`` checks a
generated log like any other.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from changeauth.devtools.scale_data.context import Build
from changeauth.devtools.scale_data.events import Event, EventLog
from changeauth.devtools.scale_data.writer import Progress
from changeauth.domain.audit import GENESIS_HASH, event_hash
from changeauth.models import AuditEvent
from changeauth.models.audit import CHAIN_FIELDS

_table = AuditEvent.__table__


def stored_count(build: Build) -> int:
    """How many audit events the database holds already."""
    return int(build.session.scalar(select(func.count()).select_from(_table)) or 0)


def write_events(build: Build, log: EventLog, progress: Progress) -> int:
    """Sort the events by time and append them to the stored chain with ids in that order."""
    if log.events and tuple(_content(log.events[0])) != CHAIN_FIELDS:
        raise RuntimeError("the audit chain covers other fields than the generator writes")
    previous = build.session.scalar(select(_table.c.row_hash).order_by(_table.c.id.desc()).limit(1))
    log.events.sort(key=lambda event: (event.occurred_at, event.seq))
    return build.write(_table, _chained_rows(build, log.events, previous or GENESIS_HASH), progress)


def _chained_rows(build: Build, events: list[Event], previous: str) -> Iterator[dict[str, Any]]:
    for event in events:
        content = _content(event)
        row_hash = event_hash(previous, content)
        yield {"id": build.next_id(_table), **content, "prev_hash": previous, "row_hash": row_hash}
        previous = row_hash


def _content(event: Event) -> dict[str, Any]:
    """The hashed fields of an event, as ``models.audit.CHAIN_FIELDS`` lists them (checked above)."""
    return {
        "occurred_at": event.occurred_at,
        "actor_id": event.actor_id,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "subject_version": event.subject_version,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "request_id": None,
    }
