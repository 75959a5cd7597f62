"""The restore drill (BAK-02), run in CI on each database: seed the worked example, back it up with
``changeauth backup`` while the app is up, restore it into a new, empty database with ``changeauth
restore``, then check integrity, the migration head, every table's row count and content checksum, the
audit chain, and that a demo person can sign in and read. BAK-01: the backup never copies a live file."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from changeauth import create_app, db
from changeauth.cli.migrations import script_head
from changeauth.devtools.demo_data import demo_email
from changeauth.services.audit import verify_audit_chain
from changeauth.services.backup import integrity_ok, table_fingerprints
from tests.conftest import TEST_SECRET_KEY, _fresh_postgres_database
from tests.live_server import own_database


def _app(url: str, instance: Path) -> Flask:
    return create_app(
        {"ENV_NAME": "testing", "DATABASE_URL": url, "SECRET_KEY": TEST_SECRET_KEY, "INSTANCE_PATH": instance}
    )


@contextmanager
def _empty_database(tmp_path: Path, name: str) -> Iterator[str]:
    pg = os.environ.get("CHANGEAUTH_TEST_DATABASE_URL")
    if pg:
        with _fresh_postgres_database(pg, name) as url:
            yield url
        return
    yield f"sqlite:///{tmp_path / f'{name}.db'}"


def _snapshot(app: Flask) -> dict[str, Any]:
    with app.app_context():
        return {
            "fingerprints": table_fingerprints(),
            "revision": db.session.scalar(text("SELECT version_num FROM alembic_version")),
            "chain": verify_audit_chain(),
            "integrity": integrity_ok(),
        }


@pytest.mark.slow
def test_restore_drill(tmp_path: Path, worker_id: str) -> None:
    from changeauth.cli.seed import load_reference
    from changeauth.devtools.worked_example import load_demo

    suffix = f"{worker_id}_{os.getpid()}"
    backup_file = tmp_path / "changeauth.backup"
    with own_database(tmp_path, f"drill_source_{suffix}") as source_url:
        source = _app(source_url, tmp_path / "source")
        with source.app_context():
            db.set_write_intent(True)
            load_reference()
            load_demo()
            db.session.commit()
            db.set_write_intent(False)
        before = _snapshot(source)
        result = source.test_cli_runner().invoke(args=["backup", str(backup_file)])
        assert result.exit_code == 0, result.output
        made = json.loads(result.output)
        assert made["format"] in {"sqlite", "pg_dump"} and made["bytes"] > 0
        db.get_engine(source).dispose()

        with _empty_database(tmp_path, f"drill_target_{suffix}") as target_url:
            target = _app(target_url, tmp_path / "target")
            refused = target.test_cli_runner().invoke(args=["restore", str(backup_file)])
            assert refused.exit_code != 0 and "--yes" in refused.output
            started = time.monotonic()
            result = target.test_cli_runner().invoke(args=["restore", str(backup_file), "--yes"])
            restore_seconds = time.monotonic() - started
            assert result.exit_code == 0, result.output
            report = json.loads(result.output)
            after = _snapshot(target)

            assert after["integrity"] is True and report["integrity_ok"] is True
            assert after["revision"] == script_head() == before["revision"]
            assert set(after["fingerprints"]) == set(before["fingerprints"])
            differing = [
                name for name, fp in before["fingerprints"].items() if after["fingerprints"][name] != fp
            ]
            assert differing == []
            assert (
                sum(fp.rows for fp in after["fingerprints"].values()) > 100
            )  # the worked example, not nothing
            assert after["chain"].ok and after["chain"].events == before["chain"].events > 0
            assert report["rows"] == {name: fp.rows for name, fp in before["fingerprints"].items()}
            # Smoke: the restored service answers and a demo person can read their home page.
            with target.app_context():
                from changeauth.queries.users import find_user_by_email

                staff = find_user_by_email(demo_email("staff"))
                assert staff is not None
                session_id = staff.get_id()
            client = target.test_client()
            now = int(time.time())
            with client.session_transaction() as session:
                session.update(
                    {
                        "_user_id": session_id,
                        "_signed_in_at": now,
                        "_last_seen": now,
                        "_auth_at": now,
                        "_2fa": True,
                    }
                )
            assert target.test_client().get("/healthz/ready").status_code == 200
            assert client.get("/improvements/").status_code == 200
            db.get_engine(target).dispose()
            print(f"restore drill: {made['bytes']} bytes restored in {restore_seconds:.2f} s")  # noqa: T201


def test_a_damaged_backup_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    if os.environ.get("CHANGEAUTH_TEST_DATABASE_URL"):
        pytest.skip("SQLite's integrity check; pg_restore refuses a damaged archive by itself")
    with own_database(tmp_path, "damaged_target") as url:
        app = _app(url, tmp_path / "instance")
        before = _snapshot(app)["fingerprints"]
        damaged = tmp_path / "damaged.backup"
        damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 4000)
        db.get_engine(app).dispose()
        result = app.test_cli_runner().invoke(args=["restore", str(damaged), "--yes"])
        assert result.exit_code == 1 and "nothing was restored" in result.output
        assert _snapshot(app)["fingerprints"] == before
        db.get_engine(app).dispose()


def test_backups_never_copy_a_live_database_file(project_root: Path) -> None:
    """BAK-01: the SQLite online backup API or pg_dump, never a copy of the database file."""
    sources = [
        project_root / "changeauth" / "services" / "backup.py",
        project_root / "changeauth" / "cli" / "backup.py",
    ]
    code = "\n".join(path.read_text(encoding="utf-8") for path in sources)
    assert ".backup(" in code and "pg_dump" in code
    for forbidden in (r"shutil\.copy", r"copyfile", r"[\"']cp[\"']", r"\.read_bytes\(\)", r"os\.system"):
        assert re.search(forbidden, code) is None, forbidden
