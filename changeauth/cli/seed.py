"""``changeauth seed reference|demo``: load seeds/ idempotently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import yaml
from flask import current_app
from flask.cli import with_appcontext

from changeauth.config import PROJECT_ROOT
from changeauth.services import demo_data, reference_data, transaction
from changeauth.services.reference_data import UpsertCounts

SEEDS_DIR = PROJECT_ROOT / "seeds"


def read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_reference(seeds_dir: Path = SEEDS_DIR) -> UpsertCounts:
    ref = seeds_dir / "reference"
    return reference_data.load_reference_data(
        drivers=read_yaml(ref / "benefit_drivers.yaml"),
        teams=read_yaml(ref / "teams.yaml"),
        priorities=read_yaml(ref / "strategic_priorities.yaml"),
    )


def load_demo(seeds_dir: Path = SEEDS_DIR) -> UpsertCounts:
    """Demo users, the programme, driver maturity and the example improvements."""
    demo = seeds_dir / "demo"
    counts = UpsertCounts()
    users = demo_data.ensure_demo_users()
    programme = demo_data.load_programme(read_yaml(demo / "programme.yaml"), counts)
    demo_data.load_maturity(read_yaml(demo / "maturity.yaml"), counts)
    demo_data.load_improvements(read_yaml(demo / "improvements.yaml"), users, programme, counts)
    return counts


def _report(counts: UpsertCounts) -> None:
    for table, outcome in sorted(counts.by_table.items()):
        click.echo(
            f"  {table}: {outcome['created']} created, {outcome['updated']} updated, "
            f"{outcome['unchanged']} unchanged"
        )


@click.group("seed")
def seed_group() -> None:
    """Load reference data or the worked example."""


@seed_group.command("reference")
@with_appcontext
def seed_reference() -> None:
    """Benefit drivers, teams and strategic priorities (safe in production)."""
    transaction.begin_unit_of_work(writes=True)
    counts = load_reference()
    transaction.commit()
    click.echo("Reference data loaded:")
    _report(counts)


@seed_group.command("demo")
@with_appcontext
def seed_demo() -> None:
    """The worked example from the council's report, with demo users (never in production)."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("The demo data and its accounts are never loaded in production.")
    transaction.begin_unit_of_work(writes=True)
    load_reference()
    counts = load_demo()
    transaction.commit()
    click.echo("Worked example loaded:")
    _report(counts)
