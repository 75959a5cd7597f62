"""Tests for the audit hash chain: canonical JSON, event hashes and chain verification."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from changeauth.domain.audit import (
    GENESIS_HASH,
    ChainReport,
    ChainRow,
    canonical_json,
    event_hash,
    verify_chain,
)

T0 = datetime(2025, 4, 1, 9, 30, tzinfo=UTC)
FIRST_ID = 11  # ids need not start at 1 (and the chain never looks at them)


def content(n: int) -> dict[str, Any]:
    """The fields an audit event's hash covers, distinct for each n."""
    return {
        "occurred_at": T0 + timedelta(minutes=n),
        "actor_id": 7,
        "action": f"improvement.action_{n}",
        "subject_type": "improvement",
        "subject_id": 100 + n,
        "subject_version": n,
        "before": {"stage": "idea", "cost": Decimal("1200.50")},
        "after": {"stage": "business_case", "due": date(2025, 6, 30)},
        "reason": f"reason {n}",
        "request_id": f"req-{n:08d}",
    }


def build_chain(count: int = 5) -> list[ChainRow]:
    """A correctly linked chain, as ``services.audit.record_event`` builds it."""
    rows: list[ChainRow] = []
    prev = GENESIS_HASH
    for n in range(count):
        body = content(n)
        row_hash = event_hash(prev, body)
        rows.append(ChainRow(id=FIRST_ID + n, prev_hash=prev, row_hash=row_hash, content=body))
        prev = row_hash
    return rows


def with_content(row: ChainRow, **changes: Any) -> ChainRow:
    return dataclasses.replace(row, content={**row.content, **changes})


class TestVerifyChain:
    def test_intact_chain_is_ok(self) -> None:
        assert verify_chain(build_chain(5)) == ChainReport(ok=True, events=5, first_broken_id=None)

    def test_empty_chain_is_ok(self) -> None:
        assert verify_chain([]) == ChainReport(ok=True, events=0, first_broken_id=None)

    def test_accepts_a_generator(self) -> None:
        report = verify_chain(row for row in build_chain(3))
        assert report.ok is True
        assert report.events == 3

    @pytest.mark.parametrize("index", range(5))
    def test_edited_content_breaks_at_that_row(self, index: int) -> None:
        rows = build_chain(5)
        rows[index] = with_content(rows[index], reason="quietly changed")
        report = verify_chain(rows)
        assert report.ok is False
        assert report.first_broken_id == FIRST_ID + index
        assert report.events == index + 1

    @pytest.mark.parametrize("field", list(content(0)))
    def test_edited_field_breaks_chain(self, field: str) -> None:
        rows = build_chain(5)
        rows[2] = with_content(rows[2], **{field: "tampered"})
        assert verify_chain(rows).first_broken_id == FIRST_ID + 2

    @pytest.mark.parametrize("index", range(4))
    def test_edited_row_rehashed_breaks_at_next_row(self, index: int) -> None:
        rows = build_chain(5)
        edited = with_content(rows[index], actor_id=999)
        rows[index] = dataclasses.replace(edited, row_hash=event_hash(edited.prev_hash, edited.content))
        assert verify_chain(rows).first_broken_id == FIRST_ID + index + 1

    @pytest.mark.parametrize("index", range(5))
    def test_edited_row_hash_breaks_at_that_row(self, index: int) -> None:
        rows = build_chain(5)
        rows[index] = dataclasses.replace(rows[index], row_hash="f" * 64)
        assert verify_chain(rows).first_broken_id == FIRST_ID + index

    @pytest.mark.parametrize("index", range(5))
    def test_edited_prev_hash_breaks_at_that_row(self, index: int) -> None:
        rows = build_chain(5)
        rows[index] = dataclasses.replace(rows[index], prev_hash="e" * 64)
        assert verify_chain(rows).first_broken_id == FIRST_ID + index

    @pytest.mark.parametrize("index", [1, 2, 3])
    def test_deleted_middle_row_breaks_at_row_after_gap(self, index: int) -> None:
        rows = build_chain(5)
        del rows[index]
        report = verify_chain(rows)
        assert report.ok is False
        assert report.first_broken_id == FIRST_ID + index + 1

    def test_deleted_first_row_breaks_at_new_first_row(self) -> None:
        rows = build_chain(5)[1:]
        assert verify_chain(rows).first_broken_id == FIRST_ID + 1

    @pytest.mark.parametrize(("i", "j"), [(0, 1), (1, 3), (2, 4), (0, 4)])
    def test_swapped_rows_break_at_first_swapped_position(self, i: int, j: int) -> None:
        # Whole rows exchanged in order: the row now at position i is reported.
        rows = build_chain(5)
        rows[i], rows[j] = rows[j], rows[i]
        report = verify_chain(rows)
        assert report.ok is False
        assert report.first_broken_id == FIRST_ID + j
        assert report.events == i + 1

    @pytest.mark.parametrize(("i", "j"), [(0, 1), (1, 3), (2, 4), (0, 4)])
    def test_swapped_contents_break_at_first_swapped_id(self, i: int, j: int) -> None:
        # As in the database: ids stay in order, what is stored under them is exchanged.
        rows = build_chain(5)
        a, b = rows[i], rows[j]
        rows[i] = dataclasses.replace(b, id=a.id)
        rows[j] = dataclasses.replace(a, id=b.id)
        assert verify_chain(rows).first_broken_id == FIRST_ID + i

    def test_swapped_contents_only_break_at_first_swapped_id(self) -> None:
        rows = build_chain(5)
        a, b = rows[1], rows[3]
        rows[1] = dataclasses.replace(a, content=b.content)
        rows[3] = dataclasses.replace(b, content=a.content)
        assert verify_chain(rows).first_broken_id == FIRST_ID + 1

    def test_chain_not_starting_at_genesis_breaks_at_first_row(self) -> None:
        body = content(0)
        prev = "a" * 64
        row = ChainRow(id=1, prev_hash=prev, row_hash=event_hash(prev, body), content=body)
        assert verify_chain([row]) == ChainReport(ok=False, events=1, first_broken_id=1)

    def test_report_stops_at_first_break(self) -> None:
        rows = build_chain(5)
        rows[1] = with_content(rows[1], reason="first")
        rows[3] = with_content(rows[3], reason="second")
        assert verify_chain(rows).first_broken_id == FIRST_ID + 1


BASE = content(0)


class TestEventHash:
    def test_is_sha256_hex(self) -> None:
        digest = event_hash(GENESIS_HASH, BASE)
        assert len(digest) == 64
        assert int(digest, 16) >= 0

    def test_is_deterministic(self) -> None:
        assert event_hash(GENESIS_HASH, content(0)) == event_hash(GENESIS_HASH, content(0))

    def test_changes_with_previous_hash(self) -> None:
        assert event_hash(GENESIS_HASH, BASE) != event_hash("1" * 64, BASE)

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("occurred_at", T0 + timedelta(microseconds=1)),
            ("actor_id", 8),
            ("actor_id", None),
            ("action", "improvement.action_1"),
            ("subject_type", "user"),
            ("subject_id", 101),
            ("subject_version", 1),
            ("before", {"stage": "idea", "cost": Decimal("1200.51")}),
            ("before", None),
            ("after", {"stage": "business_case", "due": date(2025, 7, 1)}),
            ("reason", "reason 0 "),
            ("reason", None),
            ("request_id", "req-00000001"),
        ],
    )
    def test_changes_when_content_field_changes(self, field: str, value: Any) -> None:
        assert BASE[field] != value
        assert event_hash(GENESIS_HASH, {**BASE, field: value}) != event_hash(GENESIS_HASH, BASE)

    def test_changes_when_field_added(self) -> None:
        assert event_hash(GENESIS_HASH, {**BASE, "extra": None}) != event_hash(GENESIS_HASH, BASE)

    def test_independent_of_key_order(self) -> None:
        reordered = dict(reversed(list(BASE.items())))
        assert list(reordered) != list(BASE)
        assert event_hash(GENESIS_HASH, reordered) == event_hash(GENESIS_HASH, BASE)


class TestCanonicalJson:
    @pytest.mark.parametrize(
        ("left", "right"),
        [
            ({"b": 1, "a": 2}, {"a": 2, "b": 1}),
            (
                {"outer": {"z": 1, "y": [1, {"q": 1, "p": 2}]}},
                {"outer": {"y": [1, {"p": 2, "q": 1}], "z": 1}},
            ),
        ],
    )
    def test_independent_of_key_order(self, left: Mapping[str, Any], right: Mapping[str, Any]) -> None:
        assert canonical_json(left) == canonical_json(right)

    def test_sorted_keys_and_no_spaces(self) -> None:
        assert canonical_json({"b": [1, 2], "a": "x"}) == '{"a":"x","b":[1,2]}'

    def test_list_order_is_kept(self) -> None:
        assert canonical_json([2, 1]) != canonical_json([1, 2])

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (date(2025, 4, 1), '"2025-04-01"'),
            (datetime(2025, 4, 1, 9, 30, 15, 123456, tzinfo=UTC), '"2025-04-01T09:30:15.123456+00:00"'),
            (datetime(2025, 4, 1, 9, 30), '"2025-04-01T09:30:00"'),
            (Decimal("1200.50"), '"1200.50"'),
            (Decimal("-0.01"), '"-0.01"'),
            (frozenset({"b", "a", "c"}), '["a","b","c"]'),
            ({3, 1, 2}, "[1,2,3]"),
        ],
        ids=["date", "aware-datetime", "naive-datetime", "decimal", "negative-decimal", "frozenset", "set"],
    )
    def test_serialises_special_values(self, value: Any, expected: str) -> None:
        assert canonical_json(value) == expected

    def test_decimal_keeps_exact_digits(self) -> None:
        # Serialised as a string, not a float: no rounding, and 0.1 + 0.2 stays exact.
        assert canonical_json({"v": Decimal("0.1") + Decimal("0.2")}) == '{"v":"0.3"}'
        assert canonical_json(Decimal("12345678901234567890.01")) == '"12345678901234567890.01"'

    def test_nested_dates_and_decimals(self) -> None:
        value = {"after": {"due": date(2025, 6, 30), "cost": Decimal("9.99")}}
        assert canonical_json(value) == '{"after":{"cost":"9.99","due":"2025-06-30"}}'

    def test_non_ascii_kept_verbatim(self) -> None:
        assert canonical_json({"org": "Ynys Môn £"}) == '{"org":"Ynys Môn £"}'

    def test_output_is_valid_json(self) -> None:
        assert json.loads(canonical_json(content(3)))["subject_id"] == 103

    @pytest.mark.parametrize("value", [object(), b"bytes", 1 + 2j])
    def test_refuses_unserialisable_values(self, value: Any) -> None:
        with pytest.raises(TypeError):
            canonical_json({"x": value})
