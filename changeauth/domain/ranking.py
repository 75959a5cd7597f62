"""Ordering the backlog: the rank of each improvement, what-if re-weighting and weight sensitivity.

Pure: no database and no web. The backlog order (``backlog_sort_key``) is mandatory first, then final
before provisional before unscored, then weighted score descending with no score last, then earliest
submitted, then id.

Re-ranking a council-sized backlog (tens of thousands of rows) under other weights is the costly part,
so ``RankTable`` holds the rows in integer form: each row's adjusted medians scaled to whole numbers,
its group (mandatory, status) and its tie-break position. Any set of weights then gives one exact
integer key per row, computed as whole-array arithmetic with NumPy, that sorts exactly like
``backlog_sort_key`` on the recomputed, rounded weighted score. Integers throughout: a key is built from
the same half-up rounding as ``scoring.weighted_score``, never from a float. When the numbers could
overflow 64 bits (weights with very many decimals), the same arithmetic runs on Python integers.
"""

from __future__ import annotations

from base64 import b64decode, b64encode
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal, localcontext
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from changeauth.domain.scoring import (
    EXACT_CONTEXT,
    MAX_TENTHS,
    STATUS_ORDER,
    CriterionKind,
    CriterionSpec,
    RankInput,
    adjusted_median,
    require_unique_codes,
    weighted_score,
)

__all__ = [
    "WhatIfRow",
    "RankTable",
    "WhatIfRanking",
    "backlog_sort_key",
    "rank",
    "rank_ranges",
    "rescore",
    "what_if",
]

_ZERO = Decimal(0)
_SPAN = MAX_TENTHS + 1  # score buckets per group: 0.0 to 100.0 in tenths, plus "no score"
_INT64_SAFE = 2**62


def backlog_sort_key(row: RankInput) -> tuple[int, int, int, Decimal, datetime, int]:
    """Sort key for the backlog.

    Mandatory (statutory) first, then final before provisional before unscored, then
    weighted score descending with no score last, then earliest submitted, then id.
    """
    score = row.weighted_score
    return (
        0 if row.is_mandatory else 1,
        STATUS_ORDER[row.status],
        1 if score is None else 0,
        _ZERO if score is None else -score,
        row.submitted_at,
        row.id,
    )


def rank(rows: Sequence[RankInput]) -> tuple[list[RankInput], list[RankInput]]:
    """Return (ranked rows in backlog order, rows excluded for failing a must criterion).

    A row's rank is its 1-based position in the first list. Excluded rows are returned in
    the same order so they can be listed apart.
    """
    ranked = sorted((row for row in rows if row.must_meet_passed is not False), key=backlog_sort_key)
    excluded = sorted((row for row in rows if row.must_meet_passed is False), key=backlog_sort_key)
    return ranked, excluded


def rescore(
    rows: Sequence[RankInput],
    criteria: Sequence[CriterionSpec],
    weights: Mapping[str, Decimal] | None = None,
) -> list[RankInput]:
    """Return copies of ``rows`` with weighted scores recomputed from their stored medians.

    A weights-only change needs no new assessments: medians do not depend on weights.
    """
    return [replace(row, weighted_score=weighted_score(row.medians, criteria, weights)) for row in rows]


def _decimal_places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite values only reach here
    return max(0, -exponent)


def _scaled(value: Decimal, places: int) -> int:
    numerator, denominator = value.as_integer_ratio()
    return int(numerator * 10**places) // denominator


class RankTable:
    """The ranked rows of a backlog in integer form, ready to be re-ranked under any weights.

    Build it from rows already in backlog order (the first list ``rank`` returns): position ``i`` of
    the table is rank ``i + 1`` under the stored scores.
    """

    def __init__(self, ranked: Sequence[RankInput], criteria: Sequence[CriterionSpec]) -> None:
        require_unique_codes(criteria)
        self.rows = list(ranked)
        self.shoulds = [spec for spec in criteria if spec.kind is CriterionKind.SHOULD]
        count = len(self.rows)
        self.count = count
        codes = [spec.code for spec in self.shoulds]
        # Medians take few distinct values (multiples of 0.5), so adjust and scale each value once.
        raw = [[row.medians.get(code) for code in codes] for row in self.rows]
        adjusted: dict[tuple[int, Decimal], Decimal] = {}
        for column, spec in enumerate(self.shoulds):
            for value in {line[column] for line in raw} - {None}:
                assert value is not None
                adjusted[column, value] = adjusted_median(spec, value)
        self.a_places = max((_decimal_places(value) for value in adjusted.values()), default=0)
        as_int = {key: _scaled(value, self.a_places) for key, value in adjusted.items()}
        shape = (count, len(codes))
        self.values = np.array(
            [
                [0 if value is None else as_int[column, value] for column, value in enumerate(line)]
                for line in raw
            ],
            dtype=np.int64,
        ).reshape(shape)
        self.present = np.array(
            [[value is not None for value in line] for line in raw], dtype=np.int64
        ).reshape(shape)
        self.max_value = max(as_int.values(), default=0)
        tie_order = sorted(
            range(count), key=lambda index: (self.rows[index].submitted_at, self.rows[index].id)
        )
        tie = np.empty(count, dtype=np.int64)
        tie[np.asarray(tie_order, dtype=np.int64)] = np.arange(count, dtype=np.int64)
        self.tie = tie
        self.group = np.asarray(
            [((0 if row.is_mandatory else 1) * 3 + STATUS_ORDER[row.status]) * 2 for row in self.rows],
            dtype=np.int64,
        )
        self.ids = [row.id for row in self.rows]

    def to_plain(self) -> dict[str, Any]:
        """The table as JSON-ready values, read back by ``from_plain``: each array is the base64 text of
        its little-endian 64-bit integers, so reading it back is a decode and a view of the bytes rather
        than parsing and converting a number per cell (never a pickle)."""
        return {
            "codes": [spec.code for spec in self.shoulds],
            "count": self.count,
            "ids": _packed(np.asarray(self.ids, dtype=np.int64)),
            "values": _packed(self.values),
            "present": _packed(self.present),
            "tie": _packed(self.tie),
            "group": _packed(self.group),
            "a_places": self.a_places,
            "max_value": self.max_value,
        }

    @classmethod
    def from_plain(cls, plain: Mapping[str, Any], criteria: Sequence[CriterionSpec]) -> RankTable:
        """A table from ``to_plain``'s values under ``criteria`` (ValueError if its criteria differ)."""
        shoulds = [spec for spec in criteria if spec.kind is CriterionKind.SHOULD]
        if [spec.code for spec in shoulds] != list(plain["codes"]):
            raise ValueError("the table was made under other criteria")
        table = cls.__new__(cls)
        table.rows = []
        table.shoulds = shoulds
        table.count = int(plain["count"])
        shape = (table.count, len(shoulds))
        table.ids = _unpacked(plain["ids"], table.count).tolist()
        table.values = _unpacked(plain["values"], table.count * len(shoulds)).reshape(shape)
        table.present = _unpacked(plain["present"], table.count * len(shoulds)).reshape(shape)
        table.tie = _unpacked(plain["tie"], table.count)
        table.group = _unpacked(plain["group"], table.count)
        table.a_places = int(plain["a_places"])
        table.max_value = int(plain["max_value"])
        return table

    def _weights(self, weights: Mapping[str, Decimal] | None) -> list[Decimal]:
        chosen = [
            spec.weight if weights is None else weights.get(spec.code, spec.weight) for spec in self.shoulds
        ]
        for spec, weight in zip(self.shoulds, chosen, strict=True):
            if not weight.is_finite() or weight < 0:
                raise ValueError(f"criterion {spec.code!r}: weight must be a non-negative number")
        return chosen

    def buckets(self, weights: Mapping[str, Decimal] | None = None) -> npt.NDArray[np.int64]:
        """Each row's group and rounded score under ``weights`` as one integer (smaller sorts first).

        Codes that ``weights`` leaves out keep the scheme's weight. The score in tenths is
        ``MAX_TENTHS - bucket % span`` for rows in a scored bucket.
        """
        chosen = self._weights(weights)
        places = max((_decimal_places(weight) for weight in chosen), default=0)
        as_int = [_scaled(weight, places) for weight in chosen]
        a_scale = 10**self.a_places
        biggest_total = self.max_value * sum(as_int)
        fits = 400 * biggest_total + sum(as_int) * a_scale < _INT64_SAFE
        if fits:
            weight_vector: npt.NDArray[np.int64] | npt.NDArray[np.object_] = np.asarray(
                as_int, dtype=np.int64
            )
            values: npt.NDArray[np.int64] | npt.NDArray[np.object_] = self.values
            present: npt.NDArray[np.int64] | npt.NDArray[np.object_] = self.present
        else:  # exact Python integers: slower, never wrong
            weight_vector = np.asarray(as_int, dtype=object)
            values = self.values.astype(object)
            present = self.present.astype(object)
        total = values @ weight_vector
        total_weight = present @ weight_vector
        unscored = total_weight == 0
        bottom = np.where(unscored, 1, total_weight) * a_scale
        # score x 10 = 200 * total / (total_weight * a_scale); adding 1/2 and taking the floor is half-up.
        tenths = (400 * total + bottom) // (2 * bottom)
        scored = self.group * _SPAN + MAX_TENTHS - tenths
        return np.where(unscored, (self.group + 1) * _SPAN, scored).astype(np.int64)

    def order(self, weights: Mapping[str, Decimal] | None = None) -> npt.NDArray[np.int64]:
        """Table positions in backlog order under ``weights``."""
        keys = self.buckets(weights) * self.count + self.tie
        return np.argsort(keys, kind="stable").astype(np.int64)

    def score(self, bucket: int) -> Decimal | None:
        """The rounded weighted score a bucket stands for (None for a row without a score)."""
        if (bucket // _SPAN) % 2 == 1:  # scored groups are even, "no score" is the odd slot after each
            return None
        return Decimal(MAX_TENTHS - bucket % _SPAN).scaleb(-1)

    def ranges(self, *, swing: Decimal = Decimal("0.2")) -> dict[int, tuple[int, int]]:
        """{id: (best rank, worst rank)} if any ONE should weight moved by +/- ``swing``."""
        if not swing.is_finite() or not 0 <= swing <= 1:
            raise ValueError("swing must be between 0 and 1")
        count = self.count
        best = np.arange(1, count + 1, dtype=np.int64)
        worst = best.copy()
        with localcontext(EXACT_CONTEXT):
            scenarios = [
                {spec.code: spec.weight * factor}
                for spec in self.shoulds
                if spec.weight != 0
                for factor in (1 - swing, 1 + swing)
            ]
        positions = np.empty(count, dtype=np.int64)
        ones = np.arange(1, count + 1, dtype=np.int64)
        for weights in scenarios if count else []:
            positions[self.order(weights)] = ones
            np.minimum(best, positions, out=best)
            np.maximum(worst, positions, out=worst)
        return {
            row_id: (int(low), int(high))
            for row_id, low, high in zip(self.ids, best.tolist(), worst.tolist(), strict=True)
        }

    def what_if(self, weights: Mapping[str, Decimal]) -> WhatIfRanking:
        """(id, new rank, new score, rank change) in new backlog order; change = old rank - new rank.

        The order is worked out at once; each row's tuple only when it is read, so a page of a large
        backlog costs one vectorised sort and the rows on the page."""
        buckets = self.buckets(weights)
        order = (buckets * self.count + self.tie).argsort(kind="stable").tolist()
        return WhatIfRanking(self, buckets.tolist(), order)


_PACKED = np.dtype("<i8")  # how a table's arrays are carried: little-endian 64-bit integers


def _packed(array: npt.NDArray[np.int64]) -> str:
    """An integer array as the base64 text of its little-endian 64-bit values."""
    return b64encode(np.ascontiguousarray(array, dtype=_PACKED).tobytes()).decode("ascii")


def _unpacked(text: str, count: int) -> npt.NDArray[np.int64]:
    """``_packed``'s array (read-only, as the table never changes its arrays); ValueError if it does
    not hold ``count`` values."""
    array = np.frombuffer(b64decode(text, validate=True), dtype=_PACKED)
    if array.size != count:
        raise ValueError("the table's arrays do not match its size")
    return array.astype(np.int64, copy=False)


WhatIfRow = tuple[int, int, Decimal | None, int]


class WhatIfRanking(Sequence[WhatIfRow]):
    """The rows of a what-if ranking, in new backlog order, built as they are read."""

    def __init__(self, table: RankTable, buckets: list[int], order: list[int]) -> None:
        self._table, self._buckets, self._order = table, buckets, order

    def __len__(self) -> int:
        return len(self._order)

    def _row(self, position: int) -> WhatIfRow:
        index = self._order[position]
        return (
            self._table.ids[index],
            position + 1,
            self._table.score(self._buckets[index]),
            index - position,
        )

    @overload
    def __getitem__(self, item: int) -> WhatIfRow: ...

    @overload
    def __getitem__(self, item: slice) -> list[WhatIfRow]: ...

    def __getitem__(self, item: int | slice) -> WhatIfRow | list[WhatIfRow]:
        if isinstance(item, slice):
            return [self._row(position) for position in range(*item.indices(len(self)))]
        if item < 0:
            item += len(self)
        if not 0 <= item < len(self):
            raise IndexError(item)
        return self._row(item)


def _require_unique_ids(rows: Sequence[RankInput]) -> None:
    if len({row.id for row in rows}) != len(rows):
        raise ValueError("row ids must be unique")


def what_if(
    rows: Sequence[RankInput],
    criteria: Sequence[CriterionSpec],
    weights: Mapping[str, Decimal],
) -> list[WhatIfRow]:
    """Rank ``rows`` under other weights.

    Returns (id, new rank, new score, rank change) in new backlog order, where rank
    change is old rank - new rank (positive means the row moved up). The old ranking is
    the one given by the rows' stored scores. Excluded rows are left out.
    """
    _require_unique_ids(rows)
    ranked, _ = rank(rows)
    return list(RankTable(ranked, criteria).what_if(weights))


def rank_ranges(
    rows: Sequence[RankInput],
    criteria: Sequence[CriterionSpec],
    *,
    swing: Decimal = Decimal("0.2"),
) -> dict[int, tuple[int, int]]:
    """Return {id: (best rank, worst rank)} if any ONE should weight moved by +/- ``swing``.

    For each should criterion the weight is multiplied by (1 - swing) and (1 + swing),
    every weighted score is recomputed from the stored medians and the backlog re-ranked;
    the range also includes the current ranking (from the stored scores). Excluded rows
    are left out. This is 2K re-sorts for K criteria, each a vectorised O(N log N).
    """
    if not swing.is_finite() or not 0 <= swing <= 1:
        raise ValueError("swing must be between 0 and 1")
    _require_unique_ids(rows)
    ranked, _ = rank(rows)
    return RankTable(ranked, criteria).ranges(swing=swing)
