"""A real multi-threaded server (waitress) on a database of its own, for browser and concurrency tests."""

from __future__ import annotations

import atexit
import os
import socket
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from flask import Flask
from sqlalchemy.engine import make_url

from changeauth import create_app, db
from changeauth.cli.migrations import alembic_config
from tests.conftest import TEST_SECRET_KEY, _fresh_postgres_database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The migrated, empty database each fresh one is copied from: Alembic migrates it once per test process
# (so every run still goes through the migrations), and each test that needs a database of its own gets a
# copy, a fraction of a second where migrating from empty takes seconds. Dropped when the process ends.
_templates = ExitStack()
atexit.register(_templates.close)
_template_of: dict[str, str] = {}


def _migrated_template(pg: str | None) -> str:
    """The PostgreSQL database name (``pg`` given) or SQLite file of this process's migrated template."""
    key = pg or "sqlite"
    if key not in _template_of:
        if pg:
            url = _templates.enter_context(_fresh_postgres_database(pg, "template"))
            command.upgrade(alembic_config(url), "head")  # NullPool: no connection stays open
            _template_of[key] = str(make_url(url).database)
        else:
            folder = Path(_templates.enter_context(tempfile.TemporaryDirectory(prefix="ca-template-")))
            command.upgrade(alembic_config(f"sqlite:///{folder / 'template.db'}"), "head")
            _template_of[key] = str(folder / "template.db")
    return _template_of[key]


@contextmanager
def own_database(tmp_dir: Path, name: str) -> Iterator[str]:
    """A fresh, migrated database: on the PostgreSQL server under test when configured, else SQLite; a
    copy of this process's migrated template."""
    pg = os.environ.get("CHANGEAUTH_TEST_DATABASE_URL")
    if pg:
        with _fresh_postgres_database(pg, name, template=_migrated_template(pg)) as url:
            yield url
        return
    path = tmp_dir / f"{name}.db"
    # SQLite's backup copies a consistent database whatever its journal mode.
    with closing(sqlite3.connect(_migrated_template(None))) as source, closing(sqlite3.connect(path)) as copy:
        source.backup(copy)
    yield f"sqlite:///{path}"


@contextmanager
def serving(
    database_url: str,
    instance: Path,
    *,
    env: str = "demo",
    threads: int = 8,
    prepare: Callable[[Flask], Any] | None = None,
    settings: dict[str, Any] | None = None,
) -> Iterator[tuple[str, Flask]]:
    """Serve the app with waitress in a background thread; ``prepare`` runs first in an app context.
    ``settings`` are extra configuration (single sign-on, for one)."""
    from waitress.server import create_server

    app = create_app(
        {
            "ENV_NAME": env,
            "DATABASE_URL": database_url,
            "SECRET_KEY": TEST_SECRET_KEY,
            "INSTANCE_PATH": instance,
            **(settings or {}),
        }
    )
    if prepare is not None:
        with app.app_context():
            db.set_write_intent(True)
            prepare(app)
            db.session.commit()
            db.set_write_intent(False)
    port = free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=threads)
    closing = threading.Event()

    def run() -> None:
        try:
            server.run()
        except OSError:
            # Closing the sockets from this thread can land in the middle of the loop's select():
            # a bad file descriptor then is the server stopping, not failing.
            if not closing.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        closing.set()
        server.close()
        thread.join(timeout=5)
        db.get_engine(app).dispose()


def post_json(url: str, token: str, body: dict[str, Any], *, method: str = "POST") -> int:
    """Send a JSON body (POST unless told) with a bearer token to a live server; the status, whether it
    succeeded or not."""
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(  # noqa: S310 - a local test server
        url,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.read()
        return int(error.code)
