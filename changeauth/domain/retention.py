"""The retention schedule: how long each kind of record is kept (docs/personal-data.md#retention).

Each kind has a number of days set in configuration (``CHANGEAUTH_RETAIN_<KIND>_DAYS``); 0 keeps that
kind for ever. The ``apply-retention`` job deletes what is older; the privacy notice reads the same
schedule, so what the council says and what the service does cannot differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class RecordKind(StrEnum):
    SIGN_IN_ATTEMPTS = "sign_in_attempts"
    SECURITY_EVENTS = "security_events"
    NOTIFICATIONS = "notifications"
    JOB_RUNS = "job_runs"
    WITHDRAWN_IDEAS = "withdrawn_ideas"
    ATTACHMENTS = "attachments"

    @property
    def setting(self) -> str:
        """The environment variable that sets it."""
        return f"CHANGEAUTH_RETAIN_{self.value.upper()}_DAYS"


@dataclass(frozen=True)
class KindDescription:
    what: str
    counted_from: str
    default_days: int


DESCRIPTIONS: Mapping[RecordKind, KindDescription] = {
    RecordKind.SIGN_IN_ATTEMPTS: KindDescription(
        "Sign-in attempts: the email address tried, the network address and whether it worked",
        "the attempt",
        90,
    ),
    RecordKind.SECURITY_EVENTS: KindDescription(
        "Second-factor codes entered and set-password links",
        "the code was entered, or the link expired",
        90,
    ),
    RecordKind.NOTIFICATIONS: KindDescription(
        "Notifications shown or emailed to people",
        "the notification was made",
        365,
    ),
    RecordKind.JOB_RUNS: KindDescription(
        "Records of scheduled job runs",
        "the run started",
        30,
    ),
    RecordKind.WITHDRAWN_IDEAS: KindDescription(
        "Ideas withdrawn before any gate decision, with their comments, support and files",
        "the idea was withdrawn",
        730,
    ),
    RecordKind.ATTACHMENTS: KindDescription(
        "Files attached to work that has ended (closed, merged, declined or withdrawn)",
        "the work ended",
        2190,
    ),
}


@dataclass(frozen=True)
class RetentionSchedule:
    """Days to keep each kind of record; 0 (or absent) keeps it for ever."""

    days: Mapping[RecordKind, int]

    @classmethod
    def defaults(cls) -> RetentionSchedule:
        return cls({kind: description.default_days for kind, description in DESCRIPTIONS.items()})

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> RetentionSchedule:
        """Read from the app's ``RETENTION_DAYS`` setting (a mapping of kind value to days)."""
        raw = config.get("RETENTION_DAYS") or {}
        assert isinstance(raw, Mapping)
        return cls({kind: int(raw.get(kind.value, DESCRIPTIONS[kind].default_days)) for kind in RecordKind})

    def keeps_for_ever(self, kind: RecordKind) -> bool:
        return self.days.get(kind, 0) <= 0

    def cutoff(self, kind: RecordKind, now: datetime) -> datetime | None:
        """Records of ``kind`` from before this instant are due for deletion; None when kept for ever."""
        if self.keeps_for_ever(kind):
            return None
        return now - timedelta(days=self.days[kind])

    def describe(self, kind: RecordKind) -> str:
        """How long, in words: "90 days", "2 years", "for ever"."""
        days = self.days.get(kind, 0)
        if days <= 0:
            return "for ever"
        if days % 365 == 0:
            years = days // 365
            return f"{years} year" + ("s" if years != 1 else "")
        return f"{days} day" + ("s" if days != 1 else "")
