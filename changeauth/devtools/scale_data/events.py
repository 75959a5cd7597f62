"""Audit events as the generator collects them, before they are sorted and chained (see ``audit``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple


class Event(NamedTuple):
    """One audit event to write; ``seq`` keeps events at the same instant in the order they happened."""

    occurred_at: datetime
    seq: int
    actor_id: int | None
    action: str
    subject_type: str
    subject_id: int | None
    subject_version: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


class EventLog:
    """Audit events gathered from every part of the generator."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __len__(self) -> int:
        return len(self.events)

    def add(
        self,
        at: datetime,
        action: str,
        subject_type: str,
        subject_id: int | None,
        *,
        actor_id: int | None = None,
        version: int | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> None:
        """Record an event; ``before`` and ``after`` must already be JSON-ready (dates as ISO text)."""
        self.events.append(
            Event(
                at,
                len(self.events),
                actor_id,
                action,
                subject_type,
                subject_id,
                version,
                before,
                after,
                reason,
            )
        )
