"""Flags raised by the scheduled jobs, and the notification outbox."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from changeauth.db import Base, utcnow
from changeauth.domain.flags import FlagKind, FlagSeverity
from changeauth.domain.subjects import SUBJECT_IMPROVEMENT
from changeauth.models._columns import EnumString, one_of

FLAG_KINDS = tuple(kind.value for kind in FlagKind)
FLAG_SEVERITIES = tuple(severity.value for severity in FlagSeverity)


class Flag(Base):
    """At most one open flag per (kind, subject): a partial unique index enforces it."""

    __tablename__ = "flag"
    __table_args__ = (
        one_of("kind", FlagKind, "kind_known"),
        one_of("severity", FlagSeverity, "severity_known"),
        Index(
            "uq_flag_open_kind_subject",
            "kind",
            "subject_type",
            "subject_id",
            unique=True,
            sqlite_where=text("resolved_on IS NULL"),
            postgresql_where=text("resolved_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FlagKind] = mapped_column(EnumString(FlagKind, 40))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    severity: Mapped[FlagSeverity] = mapped_column(EnumString(FlagSeverity, 10), default=FlagSeverity.WARNING)
    raised_on: Mapped[date]
    resolved_on: Mapped[date | None]
    message: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @property
    def is_critical(self) -> bool:
        return self.severity is FlagSeverity.CRITICAL

    def __repr__(self) -> str:
        return f"<Flag {self.kind} {self.subject_type}:{self.subject_id}>"


# The outbox gives a notification up after this many failed sends.
MAX_SEND_ATTEMPTS = 5


class Notification(Base):
    """An outbox row. The dedupe key makes the same event notify a person once."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    text: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    send_attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # An iCalendar invitation, update or cancellation sent with the email (meetings), as it was then.
    calendar: Mapped[str | None] = mapped_column(Text)

    @property
    def is_about_an_improvement(self) -> bool:
        """About an improvement that still exists, so the notification can link to it."""
        return self.subject_type == SUBJECT_IMPROVEMENT and self.subject_id is not None

    def __repr__(self) -> str:
        return f"<Notification {self.id} to {self.user_id}>"
