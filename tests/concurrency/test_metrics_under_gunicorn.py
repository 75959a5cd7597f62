"""``/metrics`` under gunicorn with several workers (prometheus-client's multiprocess mode, set up by the
project's ``gunicorn.conf.py``): requests spread over the workers, and every scrape, whichever worker
answers it, adds all of them up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.live_server import free_port, own_database

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3
REQUESTS = 90
TOKEN = "t" * 40


def _get(url: str, *, token: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - a local test server
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode()


def _requests_counted(text: str, endpoint: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "changeauth_http_requests_total" and sample.labels.get("endpoint") == endpoint
    )


@pytest.mark.slow
def test_counters_add_up_across_gunicorn_workers(tmp_path: Path) -> None:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    metrics_dir = tmp_path / "metrics"
    port = free_port()
    with own_database(tmp_path, "metrics") as database_url:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("CHANGEAUTH_", "PROMETHEUS_"))},
            "CHANGEAUTH_ENV": "development",
            "CHANGEAUTH_DATABASE_URL": database_url,
            "CHANGEAUTH_SECRET_KEY": "s" * 48,
            "CHANGEAUTH_METRICS_TOKEN": TOKEN,
            "CHANGEAUTH_ACCESS_LOG": "0",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        }
        log = tmp_path / "gunicorn.log"
        with log.open("wb") as log_file:
            server = subprocess.Popen(  # noqa: S603 - the project's own gunicorn, on this machine
                [str(gunicorn), "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if _get(f"{base}/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                assert server.poll() is None, log.read_text(errors="replace")[-2000:]
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
            # Requests in parallel until at least two workers have each written their own file of
            # counters: on a busy machine the first worker can answer everything while the others are
            # still loading the app, so one batch is not always enough.
            sent, deadline = 0, time.monotonic() + 60
            with ThreadPoolExecutor(max_workers=12) as pool:
                while True:
                    statuses = list(pool.map(lambda _: _get(f"{base}/healthz/ready")[0], range(REQUESTS)))
                    assert statuses == [200] * REQUESTS
                    sent += REQUESTS
                    worker_files = {path.name for path in metrics_dir.glob("counter_*.db")}
                    if len(worker_files) >= 2:
                        break
                    assert time.monotonic() < deadline, f"the requests reached only {worker_files}"

            # Scrapes land on different workers; each must report every worker's requests.
            totals = []
            for _ in range(2 * WORKERS):
                status, text = _get(f"{base}/metrics", token=TOKEN)
                assert status == 200
                totals.append(_requests_counted(text, "health.ready"))
            assert totals == [sent] * len(totals)
            assert "changeauth_db_connections_in_use" in text and "changeauth_outbox_pending" in text
            assert _get(f"{base}/metrics")[0] == 404
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)
