"""``changeauth demo-data --scale small|large [--seed N] [--anchor DATE]``: a council at scale for
benchmarks and load tests.

Migrates the database and loads the reference data first (both are idempotent), so it works on a new,
empty database; then refuses if improvements already exist. Everything is written in one transaction,
committed at the end, so a failed run leaves nothing behind. Never in production.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime

import click
from alembic import command
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text
from sqlalchemy.engine import make_url

from changeauth import db
from changeauth.cli.migrations import alembic_config
from changeauth.cli.seed import load_reference
from changeauth.devtools import scale_data
from changeauth.devtools.demo_data import DEMO_PASSWORD, DEMO_TOTP_SECRET
from changeauth.devtools.scale_data.people import EMAIL_DOMAIN
from changeauth.devtools.scale_data.writer import Progress
from changeauth.services import transaction

LABEL_WIDTH = 28


def _anchor(_context: click.Context, _param: click.Parameter, value: str) -> date:
    if value == "today":
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("give a date as YYYY-MM-DD, or 'today'") from None


def _progress(label: str, length: int) -> AbstractContextManager[Progress]:
    return click.progressbar(
        length=max(1, length), label=label.ljust(LABEL_WIDTH), show_pos=True, show_eta=False
    )


@click.command("demo-data")
@click.option(
    "--scale",
    "scale_name",
    type=click.Choice(sorted(scale_data.SCALES)),
    required=True,
    help="small: 1,000 improvements, in seconds; large: the council of docs/performance.md, in minutes.",
)
@click.option(
    "--seed",
    type=int,
    default=scale_data.DEFAULT_SEED,
    show_default=True,
    help="The same seed and anchor always give the same rows.",
)
@click.option(
    "--anchor",
    default=scale_data.DEFAULT_ANCHOR.isoformat(),
    show_default=True,
    callback=_anchor,
    help="The history ends the day before this date (YYYY-MM-DD, or 'today').",
)
@with_appcontext
def demo_data_command(scale_name: str, seed: int, anchor: date) -> None:
    """Fill an empty database with a realistic council at scale (never in production)."""
    started = time.perf_counter()
    config = current_app.config
    if config["ENV_NAME"] == "production":
        raise click.ClickException("Generated demo data and its accounts are never loaded in production.")
    scale = scale_data.SCALES[scale_name]
    shown = make_url(config["DATABASE_URL"]).render_as_string(hide_password=True)
    click.echo(f"Database: {shown}")
    command.upgrade(alembic_config(config["DATABASE_URL"]), "head")
    transaction.begin_unit_of_work(writes=True)
    load_reference()
    rules = scale_data.Rules(
        gate_quorum=int(config["GATE_QUORUM"]),
        score_quorum=int(config["SCORE_QUORUM"]),
        disagreement_threshold=int(config["DISAGREEMENT_THRESHOLD"]),
        benefit_grace_days=int(config["BENEFIT_GRACE_DAYS"]),
        triage_sla_working_days=int(config["TRIAGE_SLA_WORKING_DAYS"]),
        timezone=str(config["TIMEZONE"]),
    )
    try:
        generated = scale_data.generate(scale, seed=seed, anchor=anchor, rules=rules, progress=_progress)
    except scale_data.GenerationRefused as refused:
        transaction.rollback()
        raise click.ClickException(str(refused)) from refused
    except BaseException:
        transaction.rollback()
        raise
    transaction.commit()
    _gather_statistics()
    _report(generated, scale, seed, anchor, time.perf_counter() - started)


def _gather_statistics() -> None:
    """ANALYZE a PostgreSQL database once the rows are in, as one does after any bulk load: until
    autovacuum gets to it (never, on a server with it off), the planner guesses, and at a large council
    a guess turned the recent stage changes on Home into a bitmap scan of every improvement event
    (docs/performance.md). SQLite keeps no statistics unless asked, and its plans here were measured
    without them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    transaction.begin_unit_of_work(writes=True)
    db.session.execute(text("ANALYZE"))
    transaction.commit()


def _report(
    generated: scale_data.Generated, scale: scale_data.Scale, seed: int, anchor: date, elapsed: float
) -> None:
    click.echo("")
    click.echo(f"A {scale.name} council, seed {seed}, history up to {anchor.isoformat()}:")
    for stage in generated.stages:
        click.echo(f"  {stage.label:{LABEL_WIDTH}} {stage.rows:>10,} rows {stage.seconds:8.1f} s")
    rows = sum(generated.counts.values())
    click.echo(f"  {'all stages':{LABEL_WIDTH}} {rows:>10,} rows {generated.seconds:8.1f} s")
    click.echo(f"  {'with migrations and commit':{LABEL_WIDTH}} {'':>15} {elapsed:8.1f} s")
    click.echo("")
    click.echo("Rows by table:")
    for table, count in sorted(generated.counts.items()):
        click.echo(f"  {table:{LABEL_WIDTH}} {count:>10,}")
    click.echo("")
    click.echo(
        f"Every account's password is {DEMO_PASSWORD}: the demo accounts (staff@demo.council.example …)"
    )
    examples = ", ".join(f"{role}.001@{EMAIL_DOMAIN}" for role in ("staff", "manager", "da"))
    click.echo(f"and the generated ones, e.g. {examples}.")
    click.echo(f"Design authority, finance and admin accounts use the demo TOTP key {DEMO_TOTP_SECRET}.")
