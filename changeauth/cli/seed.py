"""``changeauth seed reference``: load the reference data in seeds/ idempotently (safe in production).

``changeauth seed demo``, the worked example, is a developer tool: ``changeauth.devtools.cli`` adds it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import yaml
from flask.cli import with_appcontext

from changeauth.config import PROJECT_ROOT
from changeauth.services import gates, reference_data, scoring, transaction
from changeauth.services.reference_data import UpsertCounts

SEEDS_DIR = PROJECT_ROOT / "seeds"


def read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_reference(seeds_dir: Path = SEEDS_DIR) -> UpsertCounts:
    ref = seeds_dir / "reference"
    counts = reference_data.load_reference_data(
        drivers=read_yaml(ref / "benefit_drivers.yaml"),
        teams=read_yaml(ref / "teams.yaml"),
        priorities=read_yaml(ref / "strategic_priorities.yaml"),
    )
    scoring.load_default_scheme(counts)
    for _ in range(gates.load_default_gate_criteria()):
        counts.add("gate_criterion", "created")
    return counts


def report(counts: UpsertCounts) -> None:
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
    """Benefit drivers, teams, strategic priorities and the default scoring scheme (safe in production)."""
    transaction.begin_unit_of_work(writes=True)
    counts = load_reference()
    transaction.commit()
    click.echo("Reference data loaded:")
    report(counts)
