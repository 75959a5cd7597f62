"""The audit hash chain: each event's hash covers its content and the previous event's hash.

Editing any row, deleting a middle row or swapping two rows breaks the chain at the first affected row.
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


@dataclass(frozen=True)
class ChainRow:
    id: int
    prev_hash: str
    row_hash: str
    content: Mapping[str, Any]


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
        if row.prev_hash != expected_prev or row.row_hash != event_hash(row.prev_hash, row.content):
            return ChainReport(ok=False, events=count, first_broken_id=row.id)
        expected_prev = row.row_hash
    return ChainReport(ok=True, events=count, first_broken_id=None)
