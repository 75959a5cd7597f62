"""``changeauth seed reference|demo``: load seeds/ idempotently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import yaml
from flask import current_app, has_app_context
from flask.cli import with_appcontext

from changeauth.config import PROJECT_ROOT
from changeauth.services import (
    demo_benefits,
    demo_business_cases,
    demo_data,
    gates,
    portfolio,
    reference_data,
    scoring,
    transaction,
)
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


def load_demo(seeds_dir: Path = SEEDS_DIR) -> UpsertCounts:
    """Demo users, the programme, driver maturity and the example improvements."""
    demo = seeds_dir / "demo"
    counts = UpsertCounts()
    users = demo_data.ensure_demo_users()
    programme = demo_data.load_programme(read_yaml(demo / "programme.yaml"), counts)
    demo_data.load_maturity(read_yaml(demo / "maturity.yaml"), counts)
    demo_data.load_improvements(read_yaml(demo / "improvements.yaml"), users, programme, counts)
    demo_business_cases.load_demo_business_cases(
        read_yaml(demo / "business_cases.yaml"), read_yaml(demo / "programme.yaml"), programme, users, counts
    )
    demo_benefits.load_benefits(read_yaml(demo / "benefits.yaml"), users, programme, counts)
    demo_benefits.load_adjustments(read_yaml(demo / "adjustments.yaml"), users, counts)
    resources = read_yaml(demo / "temporary_resources.yaml")
    demo_benefits.load_temporary_resources(resources, users, programme, counts)
    scoring.load_demo_assessments(read_yaml(demo / "scores.yaml"), users, counts, **_scoring_rules())
    portfolio.load_demo_delivery_estimates(read_yaml(demo / "delivery_estimates.yaml"), counts)
    return counts


def _scoring_rules() -> dict[str, int]:
    """The configured score quorum and disagreement threshold (the design's 3 and 3 outside an app)."""
    config = current_app.config if has_app_context() else {}
    return {
        "quorum": config.get("SCORE_QUORUM", 3),
        "disagreement_threshold": config.get("DISAGREEMENT_THRESHOLD", 3),
    }


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
    """Benefit drivers, teams, strategic priorities and the default scoring scheme (safe in production)."""
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
