"""Two app servers behind nginx on one PostgreSQL and one Redis, under the load test (issue 22, item 4).

Starts two gunicorn instances (separate processes standing for separate machines, each with its own
``--workers``) on local ports with the same secret key, database and Redis, nginx from Debian's package
in front of them (round robin, from a configuration written to a scratch directory), and one
``changeauth scheduler``. Before the load it checks that a session opened on one server is honoured by
the other, and that the API's rate limit is counted across both (requests sent alternately to each are
refused once the limit is reached in total, not per server). Then it runs the same load test as
``run.py`` (``--write-heavy`` too) against nginx, and afterwards checks that no scheduled job claimed the
same period twice. It prints the figures and checks, writes them to
``bench/results/load-<name>-two-servers.json``, and exits 0 only when the checks and the load test's own
verdict pass (1 otherwise, 2 when it could not run).

    .venv/bin/python bench/load/two_servers.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/NAME \\
        [--write-heavy] [--users 20] [--duration 60] [--workers 2]

Needs nginx (``apt-get install nginx-light``; never downloaded here) and Redis on 127.0.0.1:6379.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
import run
from browsing import ProxiedHttpsCookieJar, csrf_token
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# Low enough to reach in a check, high enough for the load test's API readers (a few requests a minute).
CHECK_RATE_LIMIT = 60
NGINX_CONFIG = """
worker_processes 1;
pid {scratch}/nginx.pid;
error_log {scratch}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {scratch}/client-body;
    proxy_temp_path {scratch}/proxy;
    fastcgi_temp_path {scratch}/fastcgi;
    uwsgi_temp_path {scratch}/uwsgi;
    scgi_temp_path {scratch}/scgi;
    upstream changeauth {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://changeauth;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


def nginx_config(scratch: Path, port: int, upstreams: list[int]) -> str:
    """nginx's configuration: round robin over the app servers, everything in ``scratch``."""
    servers = "\n".join(f"        server 127.0.0.1:{upstream};" for upstream in upstreams)
    return NGINX_CONFIG.format(scratch=scratch, port=port, servers=servers)


def start_nginx(scratch: Path, port: int, upstreams: list[int]) -> subprocess.Popen[bytes]:
    if not Path(NGINX).exists():
        raise run.SetupError("nginx is not installed: apt-get install nginx-light")
    config = scratch / "nginx.conf"
    config.write_text(nginx_config(scratch, port, upstreams), encoding="utf-8")
    with (scratch / "nginx.log").open("wb") as output:
        return subprocess.Popen(  # noqa: S603 - a fixed command
            [NGINX, "-p", str(scratch), "-c", str(config), "-g", "daemon off;"],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def start_scheduler(environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(  # noqa: S603 - a fixed command
            [str(run.BIN / "changeauth"), "scheduler"],
            cwd=run.ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL to the whole group if it lingers."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _signed_in(base_url: str, account: dict[str, Any]) -> requests.Session:
    browser = requests.Session()
    browser.cookies = ProxiedHttpsCookieJar()
    page = browser.get(f"{base_url}/sign-in", timeout=60)
    form = {"csrf_token": csrf_token(page.text), "email": account["email"], "password": run.DEMO_PASSWORD}
    browser.post(f"{base_url}/sign-in", data=form, timeout=60)
    return browser


def check_sessions(first: str, second: str, account: dict[str, Any]) -> dict[str, Any]:
    """Sign in on the first server; the second must serve the home page with that session."""
    browser = _signed_in(first, account)
    on_first = browser.get(f"{first}/", timeout=60)
    on_second = browser.get(f"{second}/", timeout=60)
    passed = (
        on_first.ok and on_second.ok and "/sign-in" not in on_second.url and "/sign-in" not in on_first.url
    )
    return {"passed": passed, "first_server": on_first.url, "second_server": on_second.url}


def check_rate_limits(first: str, second: str, account: dict[str, Any], limit: int) -> dict[str, Any]:
    """One person's API requests, alternately to each server: refused once ``limit`` is reached in
    total. Per-server counters would let twice as many through."""
    browser = _signed_in(first, account)
    page = browser.get(f"{first}/profile/tokens", timeout=60)
    made = browser.post(
        f"{first}/profile/tokens",
        data={"csrf_token": csrf_token(page.text), "name": f"Two servers {secrets.token_hex(4)}"},
        timeout=60,
    )
    start = made.text.find('<code id="new-token">')
    if start < 0:
        return {"passed": False, "reason": "no API token was made"}
    token = made.text[start + len('<code id="new-token">') : made.text.find("</code>", start)].strip()
    headers = {"Authorization": f"Bearer {token}"}
    answered = 0
    refused_at = None
    for number in range(1, 2 * limit + 2):
        base = first if number % 2 else second
        response = requests.get(f"{base}/api/v1/improvements?per_page=1", headers=headers, timeout=60)
        if response.status_code == 429:
            refused_at = number
            break
        answered += response.ok
    return {"passed": refused_at == limit + 1, "answered": answered, "refused_at_request": refused_at}


def check_scheduler(url: str, since: datetime) -> dict[str, Any]:
    """No job claimed the same period twice, and what the scheduler ran during the test."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            repeated = connection.execute(
                text(
                    "SELECT job, period_key, count(*) FROM job_run"
                    " GROUP BY job, period_key HAVING count(*) > 1"
                )
            ).all()
            ran = connection.execute(
                text("SELECT job, period_key, status FROM job_run WHERE started_at >= :since ORDER BY id"),
                {"since": since.replace(tzinfo=None)},
            ).all()
    finally:
        engine.dispose()
    return {
        "passed": not repeated,
        "repeated_claims": [list(row) for row in repeated],
        "ran_during_the_test": [list(row) for row in ran],
    }


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0915 - one straight sequence of steps
    args = run.parse_args(argv)
    database_url = run.sqlalchemy_url(args.database_url)
    label = f"{args.label or run.database_label(database_url)}-two-servers"
    results = args.results or run.RESULTS / f"load-{label}.json"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    storage = run.ratelimit_storage("auto")
    if not storage.startswith("redis"):
        print("Two servers not run: Redis does not answer on 127.0.0.1:6379", file=sys.stderr)
        return run.SETUP_FAILED
    with tempfile.TemporaryDirectory(prefix="changeauth-two-servers-") as directory:
        scratch = Path(directory)
        processes: list[subprocess.Popen[bytes]] = []
        try:
            accounts = run.select_accounts(
                database_url,
                per_role=args.users + run.writers(args),
                password=run.DEMO_PASSWORD,
                totp_key=run.DEMO_TOTP_KEY,
            )
            if args.write_heavy:
                accounts["measurer"] = run.measuring_accounts(
                    database_url, count=args.measurers, password=run.DEMO_PASSWORD
                )
            analyzed = run.gather_statistics(database_url) if args.analyze else False
            (scratch / "accounts.json").write_text(json.dumps(accounts), encoding="utf-8")
            environment = run.server_environment(
                database_url,
                storage,
                secret_key=secrets.token_urlsafe(48),
                extra={"CHANGEAUTH_API_RATE_LIMIT": f"{CHECK_RATE_LIMIT} per minute"},
            )
            ports = [run.free_port(), run.free_port()]
            servers = []
            for number, port in enumerate(ports, start=1):
                log = scratch / f"gunicorn-{number}.log"
                server = run.start_server(
                    database_url,
                    workers=args.workers,
                    port=port,
                    storage=storage,
                    log=log,
                    environment=environment,
                )
                processes.append(server)
                servers.append((server, port, log))
            for server, port, log in servers:
                run.wait_until_ready(f"http://127.0.0.1:{port}", server, workers=args.workers, log=log)
                run.warm_up(f"http://127.0.0.1:{port}", workers=args.workers)
            proxy_port = run.free_port()
            processes.append(start_nginx(scratch, proxy_port, ports))
            since = datetime.now(UTC)
            processes.append(start_scheduler(environment, scratch / "scheduler.log"))
            proxy = f"http://127.0.0.1:{proxy_port}"
            deadline = time.monotonic() + 30
            while not run._answers(proxy) and time.monotonic() < deadline:  # noqa: SLF001 - the runner's own probe
                time.sleep(0.5)
            first, second = (f"http://127.0.0.1:{port}" for port in ports)
            checks = {
                "sessions_across_servers": check_sessions(first, second, accounts["staff"][0]),
                "rate_limit_across_servers": check_rate_limits(
                    first, second, accounts["staff"][-1], CHECK_RATE_LIMIT
                ),
            }
            print(f"two gunicorn servers ({args.workers} workers each) behind nginx on {proxy}", flush=True)
            load_before = os.getloadavg()
            started_at = datetime.now(UTC).isoformat(timespec="seconds")
            cpu_before = sum(run.server_cpu_seconds(server) for server, _, _ in servers)
            with run.CpuSampler([server for server, _, _ in servers]) as sampler:
                locust = run.run_locust(
                    proxy, args, accounts=scratch / "accounts.json", figures=scratch / "figures.json"
                )
            server_cpu = sum(run.server_cpu_seconds(server) for server, _, _ in servers) - cpu_before
            checks["scheduler_once"] = check_scheduler(database_url, since)
            server_errors = [
                line
                for _, _, log in servers
                for line in log.read_text(errors="replace").splitlines()
                if "[ERROR]" in line
            ][:20]
        except (run.SetupError, subprocess.TimeoutExpired) as problem:
            print(f"Two servers not run: {problem}", file=sys.stderr)
            return run.SETUP_FAILED
        finally:
            for process in reversed(processes):
                stop(process)
        if not (scratch / "figures.json").exists():
            print(f"locust exited with code {locust.returncode} and wrote no figures", file=sys.stderr)
            return run.SETUP_FAILED
        figures = json.loads((scratch / "figures.json").read_text(encoding="utf-8"))
        figures["phase_cpu_seconds"] = run.phase_cpu(sampler.samples, figures.get("phase_times", {}))
    context = {
        "database": label,
        "database_url": make_url(database_url).render_as_string(hide_password=True),
        "code": run.code_version(),
        "started_at": started_at,
        "servers": 2,
        "users": args.users,
        "write_heavy": args.write_heavy,
        "writers": {"scorers": args.scorers, "idea_writers": args.idea_writers, "measurers": args.measurers}
        if args.write_heavy
        else {},
        "judge": args.judge,
        "read_duration_seconds": args.read_duration,
        "duration_seconds": args.duration,
        "workers": args.workers,
        "worker_class": "sync",
        "ratelimit_storage": storage,
        "analyzed": analyzed,
        "p95_budget_ms": args.p95_budget_ms,
        "cpus": os.cpu_count(),
        "server_cpu_seconds": round(server_cpu, 1),
        "load_average_before": [round(value, 2) for value in load_before],
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
        "server_errors": server_errors,
        "checks": checks,
    }
    outcome = run.report(args, figures, context)
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(outcome, indent=2, default=str) + "\n", encoding="utf-8")
    run.print_summary(outcome, results)
    for name, check in checks.items():
        print(f"{name}: {'passed' if check['passed'] else 'FAILED'} {json.dumps(check, default=str)[:300]}")
    return 0 if outcome["passed"] and all(check["passed"] for check in checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
