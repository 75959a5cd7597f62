"""The audit hash chain: each event's hash covers its content and the previous event's hash.

Editing any row, deleting a middle row or swapping two rows breaks the chain at the first affected row.

Personal values (a person's name and email) are kept beside the chain, not in it: the hash covers a
salted digest of them, so they can later be erased for a leaver while the chain still verifies, and
while they are held, changing them is caught like any other edit (docs/personal-data.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

GENESIS_HASH = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot serialise {type(value).__name__} in an audit event")


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, ISO dates."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_default, ensure_ascii=False)


def event_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    """SHA-256 over the previous hash and the event's canonical content."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical_json(content).encode("utf-8"))
    return digest.hexdigest()


def personal_digest(personal: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical personal values, which carry a random salt of their own so the digest
    cannot be used to test a guess at someone's email once the values are erased."""
    return hashlib.sha256(canonical_json(personal).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainRow:
    id: int
    prev_hash: str
    row_hash: str
    content: Mapping[str, Any]
    # The personal values beside the chain: None when there were none or they have been erased.
    personal: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    first_broken_id: int | None


def verify_chain(rows: Iterable[ChainRow]) -> ChainReport:
    """Walk events in id order; report the first whose link or hash does not hold."""
    expected_prev = GENESIS_HASH
    count = 0
    for row in rows:
        count += 1
        digest = row.content.get("personal_digest")
        personal_altered = row.personal is not None and personal_digest(row.personal) != digest
        if (
            row.prev_hash != expected_prev
            or row.row_hash != event_hash(row.prev_hash, row.content)
            or personal_altered
        ):
            return ChainReport(ok=False, events=count, first_broken_id=row.id)
        expected_prev = row.row_hash
    return ChainReport(ok=True, events=count, first_broken_id=None)
