"""The developer commands, registered with the ``changeauth`` console script through entry points.

``pyproject.toml`` declares them in the ``flask.commands`` entry-point group, which every Flask command
group (our ``changeauth`` script and ``flask --app changeauth`` alike) loads before the application's own
commands; so the application never imports this package, and the import contract can say so. They are:

- ``demo``: the newcomer's one command (``changeauth.devtools.cli.demo``);
- ``demo-data``: a council at scale for benchmarks and load tests (``changeauth.devtools.cli.demo_data``);
- ``seed``: the production ``seed reference`` together with ``seed demo``, the worked example. A plugin
  command of the same name comes before the application's, so this group is the ``seed`` people see.

After a change to the entry points, reinstall the package (``.venv/bin/pip install -e '.[test]'``) so
its metadata lists them; ``tests/unit/test_devtools_commands.py`` says so when it is stale.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from changeauth.cli.seed import load_reference, report, seed_group, seed_reference
from changeauth.devtools.worked_example import load_demo
from changeauth.services import transaction


@click.command("demo")
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
    report(counts)


seed_with_demo = click.Group(
    "seed", commands=[seed_reference, seed_demo], help=seed_group.help, short_help=seed_group.short_help
)
