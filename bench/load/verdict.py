"""The load test's pass marks and its figures, as plain data: no locust, no gevent, no database.

A run passes when it made requests, none of them failed, no journey raised an exception, and the 95th
percentile of all response times together is under the budget (500 ms unless told otherwise). The
write-heavy run is judged on issue 22's targets (``judge_phases``) or, in CI, on a pass mark a short run
on a small council can be held to on two cores (``judge_write_phase``). The locustfile turns locust's
statistics into ``EndpointFigures``; the runner and the tests judge them here.
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


# --- the write-heavy run: the same mix read-only, then with writes ------------------------------------------

WRITE_P95_BUDGET_MS = 250.0
WRITES_PER_SECOND = 1.0
WRITE_P95_RATIO = 1.5
THROUGHPUT_DROP = 0.10
# An endpoint's p95 is compared between the phases only when each phase has this many of its requests:
# the 95th percentile of a handful is its slowest one.
RATIO_MIN_REQUESTS = 20


@dataclass(frozen=True)
class PhaseRow:
    """One endpoint in both phases: its p95 without and with writes, and their ratio."""

    name: str
    read_requests: int
    read_p95_ms: float
    write_requests: int
    write_p95_ms: float
    write_max_ms: float

    @property
    def ratio(self) -> float | None:
        if self.read_p95_ms <= 0 or min(self.read_requests, self.write_requests) < RATIO_MIN_REQUESTS:
            return None
        return self.write_p95_ms / self.read_p95_ms

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": None if self.ratio is None else round(self.ratio, 2)}


def phase_rows(read: Iterable[EndpointFigures], write: Iterable[EndpointFigures]) -> list[PhaseRow]:
    """The endpoints of either phase, by name; an endpoint missing from a phase shows 0 requests there."""
    before = {f"{row.method} {row.name}": row for row in read}
    after = {f"{row.method} {row.name}": row for row in write}
    rows = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        rows.append(
            PhaseRow(
                name=name,
                read_requests=old.requests if old else 0,
                read_p95_ms=old.p95_ms if old else 0.0,
                write_requests=new.requests if new else 0,
                write_p95_ms=new.p95_ms if new else 0.0,
                write_max_ms=new.max_ms if new else 0.0,
            )
        )
    return rows


def reads_per_second(endpoints: Iterable[EndpointFigures], seconds: float) -> float:
    """GET requests a second in a phase (writes and their redirects are POSTs and not counted)."""
    return sum(row.requests for row in endpoints if row.method == "GET") / seconds if seconds else 0.0


def writes_per_second(endpoints: Iterable[EndpointFigures], seconds: float) -> float:
    """POST requests a second in a phase (sign-ins happen before the phases)."""
    return sum(row.requests for row in endpoints if row.method == "POST") / seconds if seconds else 0.0


def judge_phases(
    rows: Sequence[PhaseRow],
    *,
    failures: int,
    exceptions: int,
    read_rate: float,
    write_rate: float,
    writes: float,
) -> Verdict:
    """Issue 22's targets: no errors, at least one write a second, every endpoint's p95 with writes under
    250 ms and within 1.5x of its read-only p95, and reads served within 10 % of the read-only phase."""
    reasons = []
    if failures or exceptions:
        reasons.append(f"{failures} requests failed and {exceptions} exceptions were raised")
    if writes < WRITES_PER_SECOND:
        reasons.append(f"only {writes:.2f} writes a second")
    slow = [row for row in rows if row.write_requests and row.write_p95_ms >= WRITE_P95_BUDGET_MS]
    if slow:
        reasons.append(
            f"{len(slow)} endpoints have a p95 of {WRITE_P95_BUDGET_MS:.0f} ms or more with writes: "
            + ", ".join(f"{row.name} {row.write_p95_ms:.0f} ms" for row in slow)
        )
    worse = [row for row in rows if row.ratio is not None and row.ratio > WRITE_P95_RATIO]
    if worse:
        reasons.append(
            f"{len(worse)} endpoints are more than {WRITE_P95_RATIO}x slower with writes: "
            + ", ".join(f"{row.name} {row.ratio:.1f}x" for row in worse)
        )
    if read_rate and write_rate < read_rate * (1 - THROUGHPUT_DROP):
        reasons.append(f"reads a second fell from {read_rate:.1f} to {write_rate:.1f} with writes")
    return Verdict(passed=not reasons, reasons=reasons)


# CI's short write-heavy run (``.ci/run``): the 95th percentile of every request in the phase with writes
# must be under this. The ratio targets are not judged there: they hold only for a run long enough for
# each endpoint to have its 20 requests a phase, on the large council, on a machine with nothing else
# running; a CI machine shares its two cores between the app, PostgreSQL and the load generator.
CI_WRITE_P95_BUDGET_MS = 1000.0


def judge_write_phase(
    total: EndpointFigures,
    *,
    failures: int,
    exceptions: int,
    writes: float,
    p95_budget_ms: float = CI_WRITE_P95_BUDGET_MS,
) -> Verdict:
    """CI's pass mark for the short write-heavy run: no request failed in either phase and no journey
    raised an exception, at least one write a second, and the 95th percentile of all requests in the
    phase with writes (``total``, reads and writes together) under the budget."""
    reasons = []
    if total.requests == 0:
        reasons.append("no requests were made with writes")
    if failures or exceptions:
        reasons.append(f"{failures} requests failed and {exceptions} exceptions were raised")
    if writes < WRITES_PER_SECOND:
        reasons.append(f"only {writes:.2f} writes a second")
    if total.requests and total.p95_ms >= p95_budget_ms:
        reasons.append(
            f"95th percentile with writes {total.p95_ms:.0f} ms is not under {p95_budget_ms:.0f} ms"
        )
    return Verdict(passed=not reasons, reasons=reasons)


def phase_table(rows: Sequence[PhaseRow]) -> str:
    """A Markdown table: each endpoint's p95 reads only and with writes, and the ratio."""
    lines = [
        "| endpoint | requests (reads only / with writes) | p95 reads only | p95 with writes "
        "| max with writes | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = "" if row.ratio is None else f"{row.ratio:.1f}x"
        read = f"{row.read_p95_ms:,.0f} ms" if row.read_requests else ""
        write = f"{row.write_p95_ms:,.0f} ms" if row.write_requests else ""
        peak = f"{row.write_max_ms:,.0f} ms" if row.write_requests else ""
        counts = f"{row.read_requests} / {row.write_requests}"
        lines.append(f"| {row.name} | {counts} | {read} | {write} | {peak} | {ratio} |")
    return "\n".join(lines)
