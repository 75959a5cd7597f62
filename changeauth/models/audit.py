"""The append-only audit log. Rows are inserted by ``services.audit`` and never updated or deleted:
the ORM refuses here, and database triggers refuse raw SQL (see migration 0001)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Connection, ForeignKey, Index, String, Text, event, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from changeauth.db import Base, utcnow

# The fields the hash covers: everything but the id and the hashes themselves.
CHAIN_FIELDS = (
    "occurred_at",
    "actor_id",
    "action",
    "subject_type",
    "subject_id",
    "subject_version",
    "before",
    "after",
    "reason",
    "request_id",
)


# What events about a person may say that identifies them.
PERSONAL_KEYS = frozenset({"email", "name"})


def chain_content_of(values: dict[str, Any]) -> dict[str, Any]:
    """The hashed content of an event from its column values. The personal digest counts only when
    present, so events written before it existed hash exactly as they always did."""
    content = {name: values[name] for name in CHAIN_FIELDS}
    if values.get("personal_digest") is not None:
        content["personal_digest"] = values["personal_digest"]
    return content


# Any constant works: it names the lock that serialises appends to the chain on PostgreSQL.
AUDIT_CHAIN_LOCK_KEY = 7_204_113


def lock_audit_chain(connection: Connection) -> None:
    """Take the transaction-scoped lock that makes appends to the chain take turns (PostgreSQL only;
    SQLite writers already take turns with ``BEGIN IMMEDIATE``). Taking it twice is harmless."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK_KEY})


class AuditEventImmutable(RuntimeError):
    """Raised when code tries to change or remove an audit event."""


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_subject", "subject_type", "subject_id"),
        # The latest events of one action (the home page's recent stage changes), newest first.
        Index("ix_audit_event_action_id", "action", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    subject_version: Mapped[int | None]
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Names and emails the event records, beside the chain so they can be erased for a leaver:
    # {"salt": …, "before": {…}, "after": {…}}. The hash covers their digest, not them.
    personal: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    personal_digest: Mapped[str | None] = mapped_column(String(64))

    def chain_content(self) -> dict[str, Any]:
        """The fields the hash covers, as stored."""
        return chain_content_of({name: getattr(self, name) for name in (*CHAIN_FIELDS, "personal_digest")})

    def shown(self, side: str, *, subject_anonymised: bool = False) -> dict[str, Any] | None:
        """``before`` or ``after`` as people read it: with the personal values put back while they are
        held. About an anonymised person, names and emails that events written before the personal
        values moved beside the chain still carry are left out."""
        stored: dict[str, Any] | None = getattr(self, side)
        if subject_anonymised and stored:
            stored = {key: value for key, value in stored.items() if key not in PERSONAL_KEYS}
        extra = (self.personal or {}).get(side)
        if not extra:
            return stored
        return {**(stored or {}), **extra}

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action}>"


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditEventImmutable("audit events are append-only")


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(*_args: Any) -> None:
    raise AuditEventImmutable("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(*_args: Any) -> None:
    raise AuditEventImmutable("audit events are append-only")
