"""``changeauth demo``: the newcomer's one command.

Creates the SQLite database under ``instance/``, migrates it, loads the reference data, the worked
example and one demo account per role, prints the sign-ins and serves the app with waitress on
http://127.0.0.1:5000, with the job scheduler running in the same process (only here). Running it
again reuses the data.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from alembic import command

from changeauth.cli.migrations import alembic_config
from changeauth.config import PROJECT_ROOT, default_sqlite_url, generate_secret_key


def _demo_secret_key(instance_path: Path) -> str:
    # A random key kept beside the demo database, so sign-ins survive a restart of the demo.
    key_file = instance_path / "demo-secret-key"
    if not key_file.exists():
        key_file.write_text(generate_secret_key(), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the database and exit without serving.")
def demo_command(host: str, port: int, no_serve: bool) -> None:
    """Set up the worked example on SQLite and serve it."""
    from changeauth.app import create_app
    from changeauth.cli.seed import load_reference
    from changeauth.devtools import demo_data
    from changeauth.devtools.worked_example import load_demo
    from changeauth.services import transaction

    instance_path = Path(os.environ.get("CHANGEAUTH_INSTANCE_PATH", PROJECT_ROOT / "instance"))
    instance_path.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("CHANGEAUTH_DEMO_DATABASE_URL", default_sqlite_url(instance_path))
    app = create_app(
        {
            "ENV_NAME": "demo",
            "INSTANCE_PATH": instance_path,
            "DATABASE_URL": database_url,
            "SECRET_KEY": _demo_secret_key(instance_path),
        }
    )
    click.echo(f"Database: {database_url}")
    command.upgrade(alembic_config(database_url), "head")
    with app.app_context():
        transaction.begin_unit_of_work(writes=True)
        load_reference()
        counts = load_demo()
        transaction.commit()
    created = sum(t["created"] for t in counts.by_table.values())
    click.echo("Worked example loaded." if created else "Worked example already present; reusing it.")
    click.echo("")
    click.echo(f"Demo sign-ins (password for all: {demo_data.DEMO_PASSWORD}):")
    for key, (name, roles, _team) in demo_data.DEMO_USERS.items():
        click.echo(f"  {demo_data.demo_email(key):45} {name} ({', '.join(str(r) for r in roles)})")
    click.echo("")
    click.echo("Design authority, finance and admin accounts also ask for a code from an authenticator app.")
    click.echo(f"Add this demo key to the app (time-based, 6 digits): {demo_data.DEMO_TOTP_SECRET}")
    click.echo(
        "or print the current code with: "
        f".venv/bin/python -c \"import pyotp; print(pyotp.TOTP('{demo_data.DEMO_TOTP_SECRET}').now())\""
    )
    click.echo("")
    if no_serve:
        return
    from waitress import serve

    from changeauth.jobs.scheduler import build_scheduler

    # The one place a scheduler runs beside the web server: a single-process demo. Production runs
    # `changeauth scheduler` in a process of its own.
    scheduler = build_scheduler(app, background=True)
    scheduler.start()
    click.echo(f"Scheduler started with {len(scheduler.get_jobs())} jobs (Europe/London).")
    click.echo(f"Serving changeauth on http://{host}:{port}  (Ctrl+C to stop)")
    try:
        serve(app, host=host, port=port, threads=8, ident="changeauth")
    finally:
        scheduler.shutdown(wait=False)
