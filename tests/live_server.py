"""A real multi-threaded server (waitress) on a database of its own, for browser and concurrency tests."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from flask import Flask

from changeauth import create_app, db
from changeauth.cli.migrations import alembic_config
from tests.conftest import TEST_SECRET_KEY, _fresh_postgres_database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def own_database(tmp_dir: Path, name: str) -> Iterator[str]:
    """A fresh, migrated database: on the PostgreSQL server under test when configured, else SQLite."""
    pg = os.environ.get("CHANGEAUTH_TEST_DATABASE_URL")
    if pg:
        with _fresh_postgres_database(pg, name) as url:
            command.upgrade(alembic_config(url), "head")
            yield url
        return
    url = f"sqlite:///{tmp_dir / f'{name}.db'}"
    command.upgrade(alembic_config(url), "head")
    yield url


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
