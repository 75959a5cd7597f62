"""Benchmark: what the per-request metrics and the JSON access-log line cost.

Run (SQLite by default; a PostgreSQL URL works too, the database is only asked ``SELECT 1``):

    .venv/bin/python bench/request_instrumentation.py [REQUESTS] [DATABASE_URL]

It serves ``/healthz/ready`` (one database round trip, the cheapest real request) through the whole Flask
stack, in rounds that alternate between instrumentation on and off, and reports the median time per
request of each and their difference. With ``PROMETHEUS_MULTIPROC_DIR`` set (as under gunicorn) the
counters go to memory-mapped files; the access log is written to a file, as a server's stderr would be.
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = 10


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    scratch = Path(tempfile.mkdtemp(prefix="changeauth-bench-"))
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(scratch))
    url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{scratch / 'bench.db'}"

    from changeauth.app import create_app
    from changeauth.security_log import JsonFormatter
    from changeauth.web import hooks

    app = create_app({"ENV_NAME": "development", "DATABASE_URL": url, "INSTANCE_PATH": scratch})
    handler = logging.FileHandler(scratch / "access.log")
    handler.setFormatter(JsonFormatter())
    logging.getLogger("changeauth").handlers = [handler]
    client = app.test_client()
    measure = hooks._measure
    timings: dict[str, list[float]] = {"on": [], "off": []}
    for _ in range(100):  # warm up
        client.get("/healthz/ready")
    for round_number in range(ROUNDS * 2):
        mode = "on" if round_number % 2 == 0 else "off"
        hooks._measure = measure if mode == "on" else (lambda response: None)
        started = time.perf_counter()
        for _ in range(requests // ROUNDS):
            client.get("/healthz/ready")
        timings[mode].append((time.perf_counter() - started) / (requests // ROUNDS) * 1e6)
    hooks._measure = measure
    on, off = statistics.median(timings["on"]), statistics.median(timings["off"])
    print(f"database: {url.split(':', 1)[0]}; {requests} requests each way in {ROUNDS} alternating rounds")
    print(f"per request, instrumented: {on:.0f} µs; without: {off:.0f} µs; difference {on - off:.0f} µs")


if __name__ == "__main__":
    main()
