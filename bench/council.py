"""The council-scale benchmark: every page, API call, job and export that matters, at the
size of a large council, against the raw SQL that fetches the same data.

Fill a database first, then run (SQLite or PostgreSQL):

    .venv/bin/changeauth demo-data --scale large    # into the database CHANGEAUTH_DATABASE_URL names
    .venv/bin/python -m bench.council --database-url sqlite:////abs/path/changeauth.db

For each case it reports the median and 95th percentile of repeated runs (after one warm-up run, whose
time is reported too), the median of a few first views after a write (each after an edit to an
improvement, which every derived view reads: issue 22), the
number of SQL statements, the floor (the same data fetched by hand-written SQL on a bare connection)
and the ratio, and whether the case meets its target. It writes ``bench/results/<database>.json`` and
``bench/results/<database>.md``. Nothing it does is kept: every case runs inside a transaction that is
rolled back, so jobs and re-ranking can be measured again and again on the same data.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, select

from bench.cases import (
    CASES,
    RENDER_ALLOWANCE_MS,
    VIEWS,
    Case,
    Subjects,
    backlog_size,
    busiest_benefit,
    busiest_improvement,
    most_active,
    score_rows,
)
from changeauth import db
from changeauth.app import create_app
from changeauth.domain.roles import Role
from changeauth.models import AuditEvent, BenefitMeasurement, Improvement, User
from changeauth.services import rank_ranges
from changeauth.services import users as user_service
from changeauth.web import rank_ranges as web_rank_ranges
from changeauth.web import shared_views as web_shared_views
from changeauth.web.shared_views import WROTE_AT

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Measured:
    case: Case
    first_ms: float
    median_ms: float
    p95_ms: float
    queries: int
    floor_ms: float
    runs: int
    after_write_ms: float | None = None  # median of another person's first views after a write (views)
    own_write_ms: float | None = None  # median of the writer's own next views (read-your-writes)

    @property
    def ratio(self) -> float:
        return self.median_ms / self.floor_ms if self.floor_ms > 0 else float("inf")

    @property
    def meets_time(self) -> bool:
        return self.median_ms < self.case.target_ms

    @property
    def meets_ratio(self) -> bool:
        return not self.case.ratio_checked or self.median_ms <= 5 * self.floor_ms + RENDER_ALLOWANCE_MS

    @property
    def meets_after_write(self) -> bool:
        return all(
            figure is None or figure < self.case.target_ms
            for figure in (self.after_write_ms, self.own_write_ms)
        )

    @property
    def met(self) -> bool:
        return self.meets_time and self.meets_ratio and self.meets_after_write

    def as_json(self) -> dict[str, Any]:
        return {
            "case": self.case.name,
            "kind": self.case.kind,
            "target_ms": self.case.target_ms,
            "first_ms": round(self.first_ms, 1),
            "median_ms": round(self.median_ms, 1),
            "p95_ms": round(self.p95_ms, 1),
            "queries": self.queries,
            "floor_ms": round(self.floor_ms, 2),
            "ratio": round(self.ratio, 1),
            "ratio_checked": self.case.ratio_checked,
            "runs": self.runs,
            "after_write_ms": None if self.after_write_ms is None else round(self.after_write_ms, 1),
            "own_write_ms": None if self.own_write_ms is None else round(self.own_write_ms, 1),
            "met": self.met,
        }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


class Clients:
    """One test client per role, each signed in with a complete session (second factor done)."""

    def __init__(self, app: Any, subjects: Subjects) -> None:
        self.anonymous = app.test_client()
        self.signed_in: dict[str, Any] = {}
        for key, user in {
            "staff": subjects.staff,
            "manager": subjects.manager,
            "design_authority": subjects.design_authority,
            "admin": subjects.admin,
        }.items():
            client = app.test_client()
            now = int(time.time())
            with client.session_transaction() as session:
                session.update(
                    {
                        "_user_id": user.session_id,
                        "_fresh": True,
                        "_signed_in_at": now,
                        "_last_seen": now,
                        "_auth_at": now,
                        "_2fa": True,
                    }
                )
            self.signed_in[key] = client


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0
        self.on = False

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.on and not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            self.count += 1


@contextmanager
def rolled_back(connection: Any) -> Iterator[None]:
    """Everything inside is undone: the app's commits become savepoints of this transaction."""
    outer = connection.begin_nested() if connection.in_transaction() else connection.begin()
    try:
        yield
    finally:
        db.session.remove()
        outer.rollback()


def time_floor(url: str, statements: list[tuple[str, dict[str, Any]]], runs: int) -> float:
    """Median time of the hand-written SQL on a bare connection, in a transaction that is rolled back."""
    engine = create_engine(url)
    times = []
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        for _ in range(runs + 1):
            cursor = raw.cursor()
            started = time.perf_counter()
            for statement, params in statements:
                cursor.execute(_pg(statement) if url.startswith("postgresql") else statement, params)
                if cursor.description is not None:
                    cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
            raw.rollback()
    engine.dispose()
    return statistics.median(times[1:])


def _pg(statement: str) -> str:
    """Named parameters in psycopg's style (:name becomes %(name)s)."""
    return re.sub(r"(?<!:):([a-z_]+)", r"%(\1)s", statement)


# Writes then first views timed per case (each a write, rolled back, and the view after it).
AFTER_WRITE_RUNS = 5


class Background:
    """The deployment's background threads, run by the benchmark beside the view it times.

    In a deployment a view that finds the rank ranges or a shared view out of date answers with the
    previous result (saying the ranges are being recalculated) while a thread of its process works the
    new one out once for every process (``web.rank_ranges``, ``web.shared_views``). The benchmark has one
    connection, so it cannot run that thread at the same time: it stands in for ``threading`` in those
    two modules, keeps each thread the view starts, and runs it after the timed view, untimed, as a
    thread on another core would. The work itself is the application's own (``_work_out``)."""

    Lock = threading.Lock

    def __init__(self) -> None:
        self.pending: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []

    def Thread(  # noqa: N802 - stands in for threading.Thread
        self, target: Callable[..., Any], args: tuple[Any, ...] = (), **_options: Any
    ) -> Any:
        pending = self.pending

        class Deferred:
            def start(self) -> None:
                pending.append((target, args))

        return Deferred()

    def run(self) -> None:
        while self.pending:
            target, args = self.pending.pop(0)
            target(*args)


def wrote_just_now(clients: Clients, on: bool) -> None:
    """Note in every signed-in person's session that they have just written (or clear the note), as the
    request hook does after a committed write: their next view is the writer's own (read-your-writes)."""
    for client in clients.signed_in.values():
        with client.session_transaction() as session:
            if on:
                session[WROTE_AT] = int(time.time())
            else:
                session.pop(WROTE_AT, None)


def measure(
    case: Case,
    app: Any,
    connection: Any,
    clients: Clients,
    subjects: Subjects,
    url: str,
    repeat: int,
    counter: StatementCounter,
    floor: float,
    background: Background,
) -> Measured:
    runs = case.repeat or repeat
    times: list[float] = []
    queries = 0
    with rolled_back(connection):
        for run in range(runs + 1):
            savepoint = connection.begin_nested()
            counter.count, counter.on = 0, True
            with app.app_context():
                started = time.perf_counter()
                case.run(clients, subjects)
                elapsed = (time.perf_counter() - started) * 1000
            counter.on = False
            queries = counter.count
            background.run()
            if run == 0 and case.kind in VIEWS:
                # A view's first run keeps what it worked out for every process (the shared views), as a
                # running deployment does; the case's transaction is still rolled back at its end.
                savepoint.commit()
            else:
                savepoint.rollback()
            db.session.remove()
            times.append(elapsed)
        after_write: list[float] = []
        own_write: list[float] = []
        for timed in (after_write, own_write) if case.write else ():
            # First another person's view after the write, then the writer's own (read-your-writes).
            wrote_just_now(clients, timed is own_write)
            for _ in range(min(runs, AFTER_WRITE_RUNS)):
                savepoint = connection.begin_nested()
                with app.app_context():
                    case.write(subjects)
                db.session.remove()
                with app.app_context():
                    started = time.perf_counter()
                    case.run(clients, subjects)
                    timed.append((time.perf_counter() - started) * 1000)
                background.run()
                savepoint.rollback()
                db.session.remove()
        wrote_just_now(clients, False)
    warm = times[1:]
    return Measured(
        case,
        times[0],
        statistics.median(warm),
        percentile(warm, 0.95),
        queries,
        floor,
        len(warm),
        statistics.median(after_write) if after_write else None,
        statistics.median(own_write) if own_write else None,
    )


def describe_machine(url: str, sizes: dict[str, int]) -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": url.split(":", 1)[0].split("+", 1)[0],
        "python": platform.python_version(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "sizes": sizes,
    }


def markdown(machine: dict[str, Any], results: list[Measured]) -> str:
    sizes = ", ".join(f"{name} {count:,}" for name, count in machine["sizes"].items())
    lines = [
        f"Database: **{machine['database']}**; {machine['cpu']}, {machine['cores']} cores, Python "
        f"{machine['python']}; load average {machine['load_average']:.1f} at the start; {machine['when']}.",
        f"Data: {sizes}.",
        "",
        "| case | target | first run | median | p95 | first view after a write | the writer's next view "
        "| queries | raw SQL floor | ratio | met |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for item in results:
        ratio = f"{item.ratio:.1f}x" if item.case.ratio_checked else f"({item.ratio:.1f}x)"
        after = "–" if item.after_write_ms is None else f"{item.after_write_ms:,.1f} ms"
        own = "–" if item.own_write_ms is None else f"{item.own_write_ms:,.1f} ms"
        lines.append(
            f"| {item.case.name} | < {item.case.target_ms:,.0f} ms | {item.first_ms:,.0f} ms "
            f"| {item.median_ms:,.1f} ms | {item.p95_ms:,.1f} ms | {after} | {own} | {item.queries} "
            f"| {item.floor_ms:,.1f} ms "
            f"| {ratio} | {'yes' if item.met else '**no**'} |"
        )
    lines += [
        "",
        f"A page or API call meets its target when its median is under the target and at most 5x its floor "
        f"plus {RENDER_ALLOWANCE_MS:.0f} ms of rendering, and the medians of its first views after a write "
        "(each after an edit to an improvement every derived view reads) are under the target: another "
        "person's, with the work a deployment does in the background (rank ranges, shared views) done "
        "beside it, and the writer's own next view, which is shown their change (read-your-writes); ratios "
        "in brackets are shown, not judged (jobs, "
        "re-ranking and exports write or stream far more than their floor reads).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("CHANGEAUTH_DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per case (after one warm-up)")
    parser.add_argument("--only", action="append", default=[], help="run only cases whose name contains this")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or set CHANGEAUTH_DATABASE_URL")
    url = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    app = create_app(
        {
            "ENV_NAME": "testing",
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-" + "k" * 42,
            "RATELIMIT_ENABLED": False,
            # As a deployment runs: a view out of date answers at once while the new result is worked
            # out beside it (here by ``Background``, after the timed view).
            "RANK_RANGES_IN_BACKGROUND": True,
            "SHARED_VIEWS_IN_BACKGROUND": True,
        }
    )
    background = Background()
    web_rank_ranges.threading = background  # type: ignore[assignment]
    web_shared_views.threading = background  # type: ignore[assignment]
    # The application's own engine settings: on SQLite, SQLAlchemy must own BEGIN, or the driver treats
    # the first savepoint as the transaction and releasing it commits (the benchmark's API token stayed).
    engine = db.make_engine(url)
    counter = StatementCounter()
    event.listen(engine, "before_cursor_execute", counter)
    connection = engine.connect()
    db.SessionFactory.configure(bind=connection, join_transaction_mode="create_savepoint")
    results: list[Measured] = []
    try:
        with rolled_back(connection), app.app_context():
            sizes = {
                "improvements": db.session.scalar(select(func.count()).select_from(Improvement)) or 0,
                "in the backlog": backlog_size(),
                "stored scores": score_rows(),
                "measurements": db.session.scalar(select(func.count()).select_from(BenefitMeasurement)) or 0,
                "audit events": db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
            }
            subjects = Subjects(
                staff=most_active(Role.STAFF.value, only_role=True),
                manager=most_active(Role.MANAGER.value),
                design_authority=most_active(Role.DESIGN_AUTHORITY.value),
                admin=most_active(Role.ADMIN.value),
                improvement_id=busiest_improvement(),
                benefit_id=busiest_benefit(),
                as_of=date.today(),
            )
        chosen = [case for case in CASES if not args.only or any(part in case.name for part in args.only)]
        # Floors first, while nothing holds a write lock (SQLite has one writer at a time).
        floors = {case.name: time_floor(url, case.floor(subjects), 15) for case in chosen}
        connection.begin()
        with app.app_context():
            manager = db.session.get(User, subjects.manager.id)
            token, _ = user_service.issue_api_token(manager, name="benchmark", actor_id=None)
            db.session.commit()  # into the outer transaction, which is rolled back at the end
            subjects.api_headers = {"Authorization": f"Bearer {token}"}
            # The shared rank ranges as a running deployment keeps them: worked out once per change by a
            # background thread, so the pages measured read them (each case's writes are rolled back).
            claimed = rank_ranges.claim()
            if claimed is not None:
                rank_ranges.compute(claimed)
            db.session.commit()
        db.session.remove()
        machine = describe_machine(url, sizes)
        print(f"{machine['database']}: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()), flush=True)
        clients = Clients(app, subjects)
        for case in chosen:
            item = measure(
                case,
                app,
                connection,
                clients,
                subjects,
                url,
                args.repeat,
                counter,
                floors[case.name],
                background,
            )
            results.append(item)
            print(
                f"{case.name:38} first {item.first_ms:8.1f}  median {item.median_ms:8.1f}  p95 "
                f"{item.p95_ms:8.1f} ms  after a write {item.after_write_ms or 0:8.1f}  "
                f"writer {item.own_write_ms or 0:8.1f}  "
                f"queries {item.queries:3}  floor {item.floor_ms:7.1f} ms  "
                f"{'met' if item.met else 'MISSED'}",
                flush=True,
            )
    finally:
        db.session.remove()
        if connection.in_transaction():
            connection.rollback()
        connection.close()
        db.SessionFactory.configure(bind=None)
        engine.dispose()
    args.output.mkdir(parents=True, exist_ok=True)
    name = machine["database"]
    (args.output / f"{name}.json").write_text(
        json.dumps({"machine": machine, "results": [item.as_json() for item in results]}, indent=2) + "\n"
    )
    (args.output / f"{name}.md").write_text(markdown(machine, results))
    print(markdown(machine, results))
    return 0 if all(item.met for item in results) else 1


if __name__ == "__main__":
    sys.exit(main())
