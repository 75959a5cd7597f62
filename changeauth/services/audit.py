"""Appending to the audit log and verifying its hash chain."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from changeauth import db
from changeauth.domain.audit import (
    GENESIS_HASH,
    ChainReport,
    ChainRow,
    canonical_json,
    event_hash,
    personal_digest,
    verify_chain,
)
from changeauth.models import AuditEvent
from changeauth.models.audit import CHAIN_FIELDS, chain_content_of, lock_audit_chain
from changeauth.runtime import current_request_id


def jsonable(value: Any) -> Any:
    """A value as the audit log stores it: through canonical JSON and back (dates as ISO text, decimals
    as strings)."""
    return None if value is None else json.loads(canonical_json(value))


def record_event(
    *,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: int | None,
    subject_version: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    personal_before: dict[str, Any] | None = None,
    personal_after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event, chained to the previous one. Flushes, does not commit.

    Names and emails go in ``personal_before`` / ``personal_after``, not ``before`` / ``after``: they are
    kept beside the chain, which hashes only their salted digest, so a leaver's can be erased later.

    On PostgreSQL a transaction-scoped advisory lock makes concurrent appends take turns, so the chain
    stays linear; on SQLite writers already take turns (``BEGIN IMMEDIATE``).
    """
    session = db.session()
    lock_audit_chain(session.connection())
    prev_hash = session.scalar(select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1))
    personal: dict[str, Any] | None = None
    if personal_before or personal_after:
        personal = {"salt": secrets.token_hex(16)}
        if personal_before:
            personal["before"] = jsonable(personal_before)
        if personal_after:
            personal["after"] = jsonable(personal_after)
    event = AuditEvent(
        occurred_at=db.utcnow(),
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        subject_version=subject_version,
        before=jsonable(before),
        after=jsonable(after),
        reason=reason,
        request_id=current_request_id(),
        prev_hash=prev_hash or GENESIS_HASH,
        row_hash="",
        personal=personal,
        personal_digest=personal_digest(personal) if personal else None,
    )
    event.row_hash = event_hash(event.prev_hash, event.chain_content())
    session.add(event)
    session.flush()
    return event


def verify_audit_chain(batch_size: int = 5_000) -> ChainReport:
    """Verify the whole chain in id order, streaming plain rows in batches; report the first broken event.

    Reads columns, not entities, so the session's identity map neither grows nor hides what is stored.
    """
    session = db.session()
    table = AuditEvent.__table__
    content_columns = [table.c[name] for name in (*CHAIN_FIELDS, "personal_digest", "personal")]
    total = session.scalar(select(func.count()).select_from(table)) or 0

    def rows() -> Iterator[ChainRow]:
        last_id = 0
        while True:
            batch = session.execute(
                select(table.c.id, table.c.prev_hash, table.c.row_hash, *content_columns)
                .where(table.c.id > last_id)
                .order_by(table.c.id)
                .limit(batch_size)
            ).all()
            if not batch:
                return
            for row in batch:
                content = chain_content_of(row._asdict())
                yield ChainRow(row.id, row.prev_hash, row.row_hash, content, row.personal)
            last_id = batch[-1].id

    report = verify_chain(rows())
    return ChainReport(ok=report.ok, events=total, first_broken_id=report.first_broken_id)
