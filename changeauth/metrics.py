"""Prometheus metrics (prometheus-client): what each process counts, and what is read from the database
when ``/metrics`` is scraped. See docs/operations.md#metrics.

Counted in the process (in multiprocess mode, one memory-mapped file per gunicorn worker, added up at
scrape time, when ``PROMETHEUS_MULTIPROC_DIR`` is set before the app is imported):

- ``changeauth_http_requests_total{method,endpoint,status}`` and
  ``changeauth_http_request_duration_seconds{method,endpoint}`` (a histogram): one per request, labelled
  with the Flask endpoint (never the raw path, so the number of series stays bounded);
- ``changeauth_db_connections_in_use`` and ``changeauth_db_connections_open``: the connection pool,
  from SQLAlchemy's pool events;
- ``changeauth_sign_in_failures_total{via,reason}``: refused sign-ins (password, code, single sign-on).

Read from the database at scrape time, so they are right whichever process did the work (the scheduler
runs apart from the web workers) and survive restarts:

- ``changeauth_job_runs{job,outcome}``, ``changeauth_job_last_duration_seconds{job}`` and
  ``changeauth_job_last_finished_timestamp_seconds{job,outcome}``, from ``job_run``;
- ``changeauth_outbox_pending``, ``changeauth_outbox_retrying`` and ``changeauth_outbox_given_up``;
- ``changeauth_open_flags{kind}``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.engine import Engine

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Seconds: from a cached page (a few milliseconds) to an export or a first view after a change.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "changeauth_http_requests",
    "HTTP requests answered, by method, Flask endpoint and status code.",
    ("method", "endpoint", "status"),
)
REQUEST_SECONDS = Histogram(
    "changeauth_http_request_duration_seconds",
    "Time from the start of the request to the response, by method and Flask endpoint.",
    ("method", "endpoint"),
    buckets=LATENCY_BUCKETS,
)
CONNECTIONS_IN_USE = Gauge(
    "changeauth_db_connections_in_use",
    "Database connections checked out of the pool now (all live processes).",
    multiprocess_mode="livesum",
)
CONNECTIONS_OPEN = Gauge(
    "changeauth_db_connections_open",
    "Database connections open now, in use or idle in the pool (all live processes).",
    multiprocess_mode="livesum",
)
SIGN_IN_FAILURES = Counter(
    "changeauth_sign_in_failures",
    "Refused sign-ins, by how (password, second_factor, single_sign_on) and why.",
    ("via", "reason"),
)


def observe_request(method: str, endpoint: str | None, status: int, seconds: float) -> None:
    """Count one answered request and its duration."""
    name = endpoint or "unmatched"
    REQUESTS.labels(method, name, str(status)).inc()
    REQUEST_SECONDS.labels(method, name).observe(seconds)


def sign_in_failed(via: str, reason: str) -> None:
    SIGN_IN_FAILURES.labels(via, reason).inc()


def watch_pool(engine: Engine) -> None:
    """Keep the connection gauges in step with the engine's pool (once per engine)."""
    if getattr(engine, "_changeauth_pool_watched", False):
        return
    engine._changeauth_pool_watched = True  # type: ignore[attr-defined]

    @event.listens_for(engine, "connect")
    def _opened(*_: Any) -> None:
        CONNECTIONS_OPEN.inc()

    @event.listens_for(engine, "close")
    def _closed(*_: Any) -> None:
        CONNECTIONS_OPEN.dec()

    @event.listens_for(engine, "close_detached")
    def _closed_detached(*_: Any) -> None:
        CONNECTIONS_OPEN.dec()

    @event.listens_for(engine, "checkout")
    def _checked_out(*_: Any) -> None:
        CONNECTIONS_IN_USE.inc()

    @event.listens_for(engine, "checkin")
    def _checked_in(*_: Any) -> None:
        CONNECTIONS_IN_USE.dec()


class DatabaseCollector(Collector):
    """Gauges read from the database when scraped; ``read`` returns the rows (see queries.health)."""

    def __init__(self, read: Callable[[], dict[str, Any]]) -> None:
        self._read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        figures = self._read()
        runs = GaugeMetricFamily(
            "changeauth_job_runs",
            "Scheduled job runs recorded, by job and outcome.",
            labels=("job", "outcome"),
        )
        for (job, outcome), count in sorted(figures["job_runs"].items()):
            runs.add_metric((job, outcome), count)
        yield runs
        duration = GaugeMetricFamily(
            "changeauth_job_last_duration_seconds",
            "How long each job's latest finished run took.",
            labels=("job",),
        )
        finished = GaugeMetricFamily(
            "changeauth_job_last_finished_timestamp_seconds",
            "When each job last finished, by outcome (Unix time).",
            labels=("job", "outcome"),
        )
        for job, (outcome, seconds, at) in sorted(figures["job_latest"].items()):
            duration.add_metric((job,), seconds)
            finished.add_metric((job, outcome), at)
        yield duration
        yield finished
        yield GaugeMetricFamily(
            "changeauth_outbox_pending",
            "Notifications waiting to be emailed (sendable: not given up, to active people).",
            value=figures["outbox_pending"],
        )
        yield GaugeMetricFamily(
            "changeauth_outbox_retrying",
            "Notifications waiting after a failed send, to be tried again.",
            value=figures["outbox_retrying"],
        )
        yield GaugeMetricFamily(
            "changeauth_outbox_given_up",
            "Notifications not sent after the most attempts allowed.",
            value=figures["outbox_given_up"],
        )
        flags = GaugeMetricFamily("changeauth_open_flags", "Open flags, by kind.", labels=("kind",))
        for kind, count in sorted(figures["open_flags"].items()):
            flags.add_metric((kind,), count)
        yield flags


def multiprocess_directory() -> str | None:
    return os.environ.get(MULTIPROCESS_DIR_VARIABLE) or None


def exposition(read_database: Callable[[], dict[str, Any]]) -> tuple[bytes, str]:
    """The text format for a scrape: every process's counters plus the database's figures."""
    database = CollectorRegistry()
    database.register(DatabaseCollector(read_database))
    if multiprocess_directory():
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
        body = generate_latest(processes)
    else:
        body = generate_latest(REGISTRY)
    return body + generate_latest(database), CONTENT_TYPE_LATEST
