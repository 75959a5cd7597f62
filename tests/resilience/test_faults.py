"""Faults against an app with a database of its own (issue 12 item 7):

- RES-01: the database goes away: pages and the API answer 503 (no trace), and the next request after it
  comes back is 200 without a restart. SQLite: the file is moved aside and a directory stands in its place
  (root ignores file permissions, a directory cannot be opened as a database). PostgreSQL: the app talks
  to the server through a TCP relay that the test stops, dropping every connection, and starts again.
- RES-03: the disk fills during a submission: all of it rolls back, the person is told nothing was saved,
  and reads go on working. SQLite's disk really is full (``PRAGMA max_page_count`` at the current size);
  PostgreSQL's disk_full error (SQLSTATE 53100) is injected at the INSERT.
- RES-05: ``/healthz`` says the process is alive whatever the database does; ``/healthz/ready`` follows
  the database, and neither needs a session or says anything about internals.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from changeauth import create_app, db
from changeauth.models import AuditEvent, Improvement
from changeauth.services import users
from tests.conftest import TEST_SECRET_KEY
from tests.live_server import own_database

TITLE = "Bigger bins for flats"


class TcpRelay:
    """Forwards 127.0.0.1:<port> to the database server; ``stop`` drops the listener and every connection."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        if self._listener is not None:
            # shutdown wakes the thread blocked in accept(); close alone can leave the port listening.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()


@dataclass
class OwnApp:
    app: Flask
    url: str
    relay: TcpRelay | None
    user_id: int
    user_session_id: str

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def client(self) -> FlaskClient:
        client = self.app.test_client()
        now = int(time.time())
        with client.session_transaction() as session:
            session.update(
                {
                    "_user_id": self.user_session_id,
                    "_signed_in_at": now,
                    "_last_seen": now,
                    "_auth_at": now,
                    "_2fa": True,
                }
            )
        return client

    def take_database_down(self) -> None:
        if self.relay is not None:
            self.relay.stop()
            return
        path = Path(make_url(self.url).database or "")
        db.get_engine(self.app).dispose()  # the pooled connections die with the database
        path.rename(path.with_name(path.name + ".away"))
        path.mkdir()

    def bring_database_back(self) -> None:
        if self.relay is not None:
            self.relay.start()
            return
        path = Path(make_url(self.url).database or "")
        path.rmdir()
        path.with_name(path.name + ".away").rename(path)


@pytest.fixture
def own(tmp_path: Path, worker_id: str) -> Iterator[OwnApp]:
    with own_database(tmp_path, f"faults_{worker_id}_{os.getpid()}") as url:
        relay = None
        app_url = url
        if not url.startswith("sqlite"):
            parsed = make_url(url)
            relay = TcpRelay((parsed.host or "127.0.0.1", parsed.port or 5432))
            relay.start()
            app_url = parsed.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
        app = create_app(
            {
                "ENV_NAME": "testing",
                "DATABASE_URL": app_url,
                "SECRET_KEY": TEST_SECRET_KEY,
                "INSTANCE_PATH": tmp_path / "instance",
            }
        )
        with app.app_context():
            db.set_write_intent(True)
            from changeauth.cli.seed import load_reference

            load_reference()
            user = users.create_user(email="resident.services@council.example", name="Rae", roles=["staff"])
            db.session.commit()
            db.set_write_intent(False)
            found = OwnApp(app, app_url, relay, user.id, user.get_id())
        try:
            yield found
        finally:
            db.get_engine(app).dispose()
            if relay is not None:
                relay.stop()


def _submit(client: FlaskClient) -> Any:
    return client.post(
        "/improvements/new",
        data={
            "title": TITLE,
            # Longer than a database page, so the row needs pages the file does not have.
            "problem": "Overflowing bins at the flats on Station Road. " * 200,
            "proposal": "Swap the 240-litre bins for 1,100-litre communal bins.",
            "benefit_drivers": ["channel_shift"],
        },
    )


def _count(own: OwnApp, model: Any, *where: Any) -> int:
    with own.app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


class TestDatabaseDown:
    def test_503_while_down_and_200_once_back(self, own: OwnApp) -> None:
        client = own.client()
        assert client.get("/").status_code == 200
        own.take_database_down()
        try:
            page = client.get("/")
            assert page.status_code == 503
            body = page.get_data(as_text=True)
            assert "temporarily unavailable" in body
            assert "Traceback" not in body and "OperationalError" not in body
            assert page.headers["Retry-After"] == "30"
            api = own.app.test_client().get("/api/v1/me", headers={"Authorization": "Bearer ca_x"})
            assert api.status_code == 503
            assert api.get_json()["error"]["code"] == "unavailable"
            write = _submit(client)
            assert write.status_code == 503
        finally:
            own.bring_database_back()
        assert client.get("/").status_code == 200  # no restart: the pool reconnects by itself
        assert _submit(client).status_code == 302

    def test_health_checks_follow_the_database(self, own: OwnApp) -> None:
        anonymous = own.app.test_client()
        assert anonymous.get("/healthz").get_json() == {"status": "ok"}
        assert anonymous.get("/healthz/ready").get_json() == {"status": "ok"}
        own.take_database_down()
        try:
            assert anonymous.get("/healthz").status_code == 200
            ready = anonymous.get("/healthz/ready")
            assert ready.status_code == 503
            assert ready.get_json() == {"status": "unavailable"}
        finally:
            own.bring_database_back()
        assert anonymous.get("/healthz/ready").status_code == 200


@pytest.fixture
def full_disk(own: OwnApp) -> Iterator[None]:
    engine = db.get_engine(own.app)
    if own.is_sqlite:
        with own.app.app_context():
            pages = int(db.session.connection().exec_driver_sql("PRAGMA page_count").scalar() or 0)

        def _cap(dbapi_connection: Any, *_args: Any) -> None:
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        event.listen(engine, "checkout", _cap)
        try:
            yield
        finally:
            event.remove(engine, "checkout", _cap)
            engine.dispose()
        return
    import psycopg

    def _disk_full(_conn: Any, _cursor: Any, statement: str, params: Any, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO IMPROVEMENT "):
            raise OperationalError(
                statement, params, psycopg.errors.DiskFull("could not extend file: No space left on device")
            )

    event.listen(engine, "before_cursor_execute", _disk_full)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", _disk_full)


class TestDiskFull:
    def test_a_full_disk_rolls_back_with_a_clear_message(self, own: OwnApp, full_disk: None) -> None:
        client = own.client()
        audit_before = _count(own, AuditEvent)
        response = _submit(client)
        assert response.status_code == 503
        body = response.get_data(as_text=True)
        assert "run out of storage space, so nothing was saved" in body
        assert "Traceback" not in body and "disk is full" not in body.lower()
        assert _count(own, Improvement, Improvement.title == TITLE) == 0
        assert _count(own, AuditEvent) == audit_before
        assert client.get("/improvements/").status_code == 200  # reads go on

    def test_the_same_submission_works_with_space(self, own: OwnApp) -> None:
        assert _submit(own.client()).status_code == 302
        assert _count(own, Improvement, Improvement.title == TITLE) == 1
