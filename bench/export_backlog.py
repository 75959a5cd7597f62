"""Benchmark: export 50,000 backlog rows as CSV and as XLSX through the same code the pages use.

Targets: CSV under 5 s, XLSX under 30 s, peak memory under 500 MB. Run:

    .venv/bin/python bench/export_backlog.py [ROWS] [DATABASE_URL]

It builds a scratch SQLite database (or uses the URL given, which must be empty), loads the reference
data, inserts ROWS improvements (a third with a hostile title, to exercise neutralising), and times each
export from the first query to the last byte, writing the files to a temporary directory.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import insert, select

from changeauth import db
from changeauth.app import create_app
from changeauth.cli.migrations import alembic_config
from changeauth.cli.seed import load_reference
from changeauth.models import BenefitDriver, Improvement
from changeauth.models.improvement import improvement_driver
from changeauth.queries.backlog import BacklogFilters
from changeauth.reporting.datasets import BACKLOG_COLUMNS, backlog_rows
from changeauth.reporting.exports import csv_stream, xlsx_bytes


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    workdir = Path(tempfile.mkdtemp(prefix="changeauth-bench-"))
    url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{workdir / 'bench.db'}"
    app = create_app(
        {"ENV_NAME": "testing", "DATABASE_URL": url, "SECRET_KEY": "b" * 48, "INSTANCE_PATH": str(workdir)}
    )
    with app.app_context():
        command.upgrade(alembic_config(url), "head")
        load_reference()
        db.session.commit()
        driver_id = db.session.scalar(select(BenefitDriver.id).where(BenefitDriver.code == "channel_shift"))
        now = datetime.now(UTC)
        started = time.perf_counter()
        for start in range(0, rows, 5_000):
            batch = range(start, min(rows, start + 5_000))
            db.session.execute(
                insert(Improvement),
                [
                    {
                        "ref": f"IMP-2026-{n:06d}",
                        "title": f"=cmd|' /C calc'!A{n}" if n % 3 == 0 else f"Improvement number {n}",
                        "created_at": now,
                        "updated_at": now,
                        "stage_changed_at": now,
                    }
                    for n in batch
                ],
            )
        ids = db.session.scalars(select(Improvement.id)).all()
        db.session.execute(
            insert(improvement_driver), [{"improvement_id": i, "driver_id": driver_id} for i in ids]
        )
        db.session.commit()
        print(f"loaded {rows:,} improvements in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        size = 0
        with (workdir / "backlog.csv").open("w", encoding="utf-8", newline="") as out:
            for chunk in csv_stream(BACKLOG_COLUMNS, backlog_rows(BacklogFilters())):
                size += len(chunk)
                out.write(chunk)
        csv_seconds = time.perf_counter() - started
        print(f"CSV : {csv_seconds:6.2f} s  {size / 1e6:6.1f} MB  peak RSS so far {_peak_mb():6.0f} MB")

        started = time.perf_counter()
        data = xlsx_bytes(BACKLOG_COLUMNS, backlog_rows(BacklogFilters()), sheet="Backlog")
        (workdir / "backlog.xlsx").write_bytes(data)
        xlsx_seconds = time.perf_counter() - started
        print(f"XLSX: {xlsx_seconds:6.2f} s  {len(data) / 1e6:6.1f} MB  peak RSS {_peak_mb():6.0f} MB")
        ok = csv_seconds < 5 and xlsx_seconds < 30 and _peak_mb() < 500
        print("within targets" if ok else "OUTSIDE TARGETS")
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
