"""Benchmark: the stale-benefits and temporary-resources jobs at council scale.

20,000 benefits, 400,000 measurements and 5,000 temporary resources; each job is timed for a first
day (raising thousands of flags) and the next day (a steady-state run). Targets: stale-benefits under
2 s, temporary-resources under 0.5 s, on SQLite and PostgreSQL. Run:

    .venv/bin/python bench/watch_jobs.py [DATABASE_URL]

With no URL a scratch SQLite file is used; a PostgreSQL URL must name an empty database.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from alembic import command
from sqlalchemy import insert, select, text

from changeauth import db
from changeauth.app import create_app
from changeauth.cli.migrations import alembic_config
from changeauth.cli.seed import load_reference
from changeauth.domain.benefits import add_months, escalate_after, next_due
from changeauth.jobs import get_job
from changeauth.jobs.runner import run_job
from changeauth.models import Benefit, BenefitDriver, BenefitMeasurement, Improvement, TemporaryResource, User

AS_OF = date(2026, 11, 29)
BENEFITS, MEASUREMENTS_EACH, RESOURCES, IMPROVEMENTS, PEOPLE = 20_000, 20, 5_000, 10_000, 500


def _load(rng: random.Random) -> None:
    session, now = db.session, datetime.now(UTC)
    session.execute(
        insert(User),
        [
            {
                "email": f"u{i}@bench.example",
                "name": f"U {i}",
                "is_active": True,
                "session_version": 1,
                "created_at": now,
            }
            for i in range(PEOPLE)
        ],
    )
    people = list(session.scalars(select(User.id)))
    stages = ["delivery", "realisation", "closed", "business_case"]
    session.execute(
        insert(Improvement),
        [
            {
                "ref": f"IMP-B-{i:06d}",
                "title": f"Improvement {i}",
                "problem": "",
                "proposal": "",
                "expected_effect": "",
                "stage": rng.choice(stages),
                "status": "active",
                "route": "standard",
                "owner_id": rng.choice(people),
                "sponsor_id": rng.choice(people),
                "is_anonymous": False,
                "is_mandatory": False,
                "created_at": now,
                "updated_at": now,
                "stage_changed_at": now,
                "version": 1,
            }
            for i in range(IMPROVEMENTS)
        ],
    )
    session.execute(text("UPDATE improvement SET status = 'closed' WHERE stage = 'closed'"))
    improvements = list(session.scalars(select(Improvement.id)))
    drivers = list(session.scalars(select(BenefitDriver.id)))
    rows = []
    for i in range(BENEFITS):
        baseline = date(2024, 1, 31) + timedelta(days=rng.randrange(0, 600))
        frequency = rng.choice(["monthly", "quarterly", "six_monthly", "annually"])
        last = min(AS_OF, baseline + timedelta(days=rng.randrange(0, 900))) if rng.random() < 0.9 else None
        due = next_due(baseline_date=baseline, latest_period_end=last, frequency=frequency)
        rows.append(
            {
                "improvement_id": rng.choice(improvements),
                "driver_id": rng.choice(drivers),
                "title": f"Benefit {i}",
                "cash_class": "not_monetised",
                "unit": "n",
                "direction": "increase",
                "baseline_value": Decimal(0),
                "baseline_date": baseline,
                "target_value": Decimal(100),
                "target_date": baseline + timedelta(days=1000),
                "frequency": frequency,
                "owner_id": rng.choice(people),
                "tolerance_pct": Decimal(10),
                "last_period_end": last,
                "last_value": Decimal(50) if last else None,
                "next_due_on": due,
                "escalate_after_on": escalate_after(due, frequency),
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        )
    session.execute(insert(Benefit), rows)
    benefits = list(session.scalars(select(Benefit.id)))
    for start in range(0, len(benefits), 1000):
        session.execute(
            insert(BenefitMeasurement),
            [
                {
                    "benefit_id": benefit,
                    "period_end": add_months(date(2020, 1, 31), k),
                    "value": Decimal(k),
                    "data_quality": "measured",
                    "note": "",
                    "recorded_at": now,
                }
                for benefit in benefits[start : start + 1000]
                for k in range(MEASUREMENTS_EACH)
            ],
        )
    session.execute(
        insert(TemporaryResource),
        [
            {
                "role_title": f"Role {i}",
                "kind": "agency",
                "annual_cost_pence": rng.randrange(0, 10_000_000),
                "funding_source": "base budget",
                "reason": "",
                "start_date": date(2025, 1, 1) + timedelta(days=rng.randrange(0, 500)),
                "end_date": date(2026, 6, 1) + timedelta(days=rng.randrange(0, 400)),
                "actual_end_date": None,
                "owner_id": rng.choice(people),
                "improvement_id": rng.choice(improvements),
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for i in range(RESOURCES)
        ],
    )
    session.execute(text("UPDATE temporary_resource SET end_date = start_date WHERE end_date < start_date"))
    session.commit()


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="changeauth-bench-"))
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{scratch / 'jobs.db'}"
    command.upgrade(alembic_config(url), "head")
    app = create_app(
        {
            "ENV_NAME": "testing",
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-" + "k" * 40,
            "INSTANCE_PATH": scratch,
        }
    )
    with app.app_context(), db.write_intent():
        load_reference()
        db.session.commit()
        _load(random.Random(7))
        if url.startswith("postgresql"):
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        count = db.session.scalar(text("SELECT count(*) FROM benefit_measurement"))
    print(
        f"database: {url.split('://')[0]}; benefits {BENEFITS:,}; measurements {count:,}; "
        f"resources {RESOURCES:,}"
    )
    print("| job | day | seconds | raised | resolved |")
    print("|---|---|---|---|---|")
    for day in (AS_OF, AS_OF + timedelta(days=1)):
        for name in ("stale-benefits", "temporary-resources"):
            with app.app_context():
                started = time.perf_counter()
                run = run_job(get_job(name), day)
                elapsed = time.perf_counter() - started
            print(
                f"| {name} | {day} | {elapsed:.3f} | {run.counts.get('raised')} "
                f"| {run.counts.get('resolved')} |"
            )
    db.get_engine(app).dispose()


if __name__ == "__main__":
    main()
