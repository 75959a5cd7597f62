"""The load test's pass mark and its figures, as plain data: no locust, no gevent, no database.

A run passes when it made requests, none of them failed, no journey raised an exception, and the 95th
percentile of all response times together is under the budget (500 ms unless told otherwise). The
locustfile turns locust's statistics into ``EndpointFigures``; the runner and the tests judge them here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

P95_BUDGET_MS = 500.0
AGGREGATE_NAME = "Aggregated"


@dataclass(frozen=True)
class EndpointFigures:
    """One row of the statistics: an endpoint (method and grouped path), or the aggregate of them all."""

    method: str
    name: str
    requests: int
    failures: int
    median_ms: float
    average_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    requests_per_second: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EndpointFigures:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Verdict:
    """Whether the run passed, and every reason it did not."""

    passed: bool
    reasons: list[str] = field(default_factory=list)


def judge(total: EndpointFigures, *, exceptions: int = 0, p95_budget_ms: float = P95_BUDGET_MS) -> Verdict:
    """Fail on no requests, any failed request, any exception in a journey, or a p95 at or over budget."""
    reasons = []
    if total.requests == 0:
        reasons.append("no requests were made")
    if total.failures:
        reasons.append(f"{total.failures} of {total.requests} requests failed")
    if exceptions:
        reasons.append(f"{exceptions} exceptions were raised in the journeys")
    if total.requests and total.p95_ms >= p95_budget_ms:
        reasons.append(f"95th percentile {total.p95_ms:.0f} ms is not under {p95_budget_ms:.0f} ms")
    return Verdict(passed=not reasons, reasons=reasons)


def slowest(endpoints: Iterable[EndpointFigures], count: int = 5) -> list[EndpointFigures]:
    """The endpoints with the highest 95th percentile (ties: the busier first)."""
    ranked = sorted(endpoints, key=lambda row: (row.p95_ms, row.requests), reverse=True)
    return ranked[:count]


def over_budget(
    endpoints: Iterable[EndpointFigures], p95_budget_ms: float = P95_BUDGET_MS
) -> list[EndpointFigures]:
    """The endpoints whose own 95th percentile is at or over budget, slowest first."""
    return slowest([row for row in endpoints if row.p95_ms >= p95_budget_ms], count=1_000)


def table(endpoints: Sequence[EndpointFigures], total: EndpointFigures) -> str:
    """A fixed-width table of the figures, one line per endpoint and the aggregate last."""
    columns = ("reqs", "fails", "median", "p95", "p99", "max", "req/s")
    header = f"{'endpoint':<44} " + " ".join(f"{column:>7}" for column in columns)
    lines = [header, "-" * len(header)]
    for row in [*sorted(endpoints, key=lambda row: row.name), total]:
        label = f"{row.method} {row.name}".strip()[:44]
        lines.append(
            f"{label:<44} {row.requests:>7} {row.failures:>7} {row.median_ms:>7.0f} {row.p95_ms:>7.0f} "
            f"{row.p99_ms:>7.0f} {row.max_ms:>7.0f} {row.requests_per_second:>7.2f}"
        )
    return "\n".join(lines)
