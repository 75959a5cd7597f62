"""Flags raised by the scheduled jobs, and the notification outbox."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from changeauth.db import Base, utcnow
from changeauth.models._columns import one_of

FLAG_KINDS = (
    "stale_benefit",
    "benefit_escalated",
    "temporary_resource_ending",
    "temporary_resource_overrun",
    "condition_overdue",
    "hold_review_due",
    "triage_overdue",
)
FLAG_SEVERITIES = ("info", "warning", "critical")


class Flag(Base):
    """At most one open flag per (kind, subject): a partial unique index enforces it."""

    __tablename__ = "flag"
    __table_args__ = (
        one_of("kind", FLAG_KINDS, "kind_known"),
        one_of("severity", FLAG_SEVERITIES, "severity_known"),
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
    kind: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    severity: Mapped[str] = mapped_column(String(10), default="warning")
    raised_on: Mapped[date]
    resolved_on: Mapped[date | None]
    message: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<Flag {self.kind} {self.subject_type}:{self.subject_id}>"


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

    def __repr__(self) -> str:
        return f"<Notification {self.id} to {self.user_id}>"
