"""Every release upgrades a populated database: the previous release (releases.toml) builds a council with
its own code, in a work tree of its own, and this code upgrades it on SQLite and on PostgreSQL. Nothing may
be lost or changed on the way: every table keeps its rows, every money and decimal column its total, the
audit chain still verifies, and a sample of pages opens on the upgraded data.

Two councils: the worked example (``demo --no-serve``) and a small generated council (``demo-data --scale
small``); the release's generator fills only an empty database, so each has its own. Slow (a few
minutes), so it runs when CHANGEAUTH_UPGRADE_TEST=1, as .ci/run sets it; see docs/operations.md.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import select

from changeauth import create_app, db
from changeauth.cli.migrations import script_head
from changeauth.config import PROJECT_ROOT
from changeauth.models import Benefit, Improvement, TemporaryResource, User, UserRole
from tests.conftest import TEST_SECRET_KEY, _fresh_postgres_database
from tests.helpers import page, sign_in_by_session
from tests.upgrade import snapshot
from tests.upgrade.release import (
    CommandLine,
    Release,
    checked_out,
    previous_release,
    release_metadata,
    release_python,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("CHANGEAUTH_UPGRADE_TEST") != "1",
        reason="the upgrade from the previous release takes minutes; CHANGEAUTH_UPGRADE_TEST=1 runs it",
    ),
]

# How each council is built with the release's own command line, one command after another.
COUNCILS: dict[str, tuple[tuple[str, ...], ...]] = {
    "worked-example": (("demo", "--no-serve"),),
    "small-council": (("demo-data", "--scale", "small"),),
}
BACKENDS = ("sqlite", "postgresql")
# Tables whose rows an upgrade changes on purpose, with the change. Migration 0033 adds the go-live
# criterion that every improvement this one needs first has been delivered, to a council that already has
# its gate criteria (docs/gates.md), and migration 0035 the benefits review's criterion that every benefit
# has a review decision. Migration 0042 removes the similar-work view's marker (the database's text index
# replaced that per-process cache).
EXPECTED_ROW_CHANGES: dict[str, int] = {"gate_criterion": 2, "derived_state": -1}

THIS_CODE = CommandLine(PROJECT_ROOT, sys.executable)


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Release, CommandLine]]:
    found = previous_release()
    where = tmp_path_factory.mktemp("release") / f"changeauth-{found.version}"
    with checked_out(found, where) as tree:
        python = release_python(tree, tmp_path_factory.mktemp("release-python"))
        metadata = () if python != sys.executable else (release_metadata(tree, where.parent / "metadata"),)
        yield found, CommandLine(tree, python, metadata)


@contextmanager
def council_database(backend: str, tmp_path: Path, name: str) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / name}.db"
        return
    base = os.environ.get("CHANGEAUTH_TEST_DATABASE_URL")
    if not base:
        message = "PostgreSQL is not configured (CHANGEAUTH_TEST_DATABASE_URL)"
        if os.environ.get("CHANGEAUTH_REQUIRE_PG") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with _fresh_postgres_database(base, name.replace("-", "_")) as url:
        yield url


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("council", sorted(COUNCILS))
def test_a_council_upgrades_from_the_previous_release(
    release: tuple[Release, CommandLine], council: str, backend: str, tmp_path: Path
) -> None:
    found, old = release
    instance = tmp_path / "instance"
    with council_database(backend, tmp_path, council) as url:
        for command in COUNCILS[council]:
            old.run(url, instance, *command)
        before = snapshot.take(url)
        assert before.revision == (old.tree / "migrations" / ".current-alembic-head").read_text().strip()
        assert before.rows["improvement"] > 0 and before.rows["audit_event"] > 0, before.rows

        backup = tmp_path / "before-upgrade.backup"
        output = THIS_CODE.run(url, instance, "db", "upgrade", "--backup", str(backup))

        after = snapshot.take(url)
        assert after.revision == script_head()
        if before.revision == after.revision:
            assert "Nothing to do" in output
        else:
            # It said what it would do, backed up first, then migrated.
            assert f"It is at revision {before.revision}; upgrading to {after.revision}." in output
            assert output.index("Backing up to") < output.index("Migrating...")
            assert backup.stat().st_size > 0
        assert {name: after.rows.get(name) for name in before.rows} == {
            name: rows + EXPECTED_ROW_CHANGES.get(name, 0) for name, rows in before.rows.items()
        }
        assert {name: after.figures.get(name) for name in before.figures} == before.figures
        verified = json.loads(THIS_CODE.run(url, instance, "audit", "verify").strip().splitlines()[-1])
        assert verified == {"ok": True, "events": before.rows["audit_event"], "first_broken_id": None}
        _sample_pages_open(url, instance, found)


def _sample_pages_open(database_url: str, instance: Path, found: Release) -> None:
    """An administrator opens a sample of pages on the upgraded council: each answers 200, and the
    improvements' pages show their titles."""
    app = create_app(
        {
            "ENV_NAME": "testing",
            "DATABASE_URL": database_url,
            "SECRET_KEY": TEST_SECRET_KEY,
            "INSTANCE_PATH": instance,
        }
    )
    try:
        with app.app_context():
            admin = db.session.scalar(
                select(User)
                .join(UserRole, UserRole.user_id == User.id)
                .where(UserRole.role == "admin", User.is_active.is_(True))
                .order_by(User.id)
                .limit(1)
            )
            assert admin is not None
            one_per_stage = {}
            for id_, title, stage in db.session.execute(
                select(Improvement.id, Improvement.title, Improvement.stage).order_by(Improvement.id)
            ):
                one_per_stage.setdefault(stage, (id_, title))
            benefit_id = db.session.scalar(select(Benefit.id).order_by(Benefit.id).limit(1))
            resource_id = db.session.scalar(
                select(TemporaryResource.id).order_by(TemporaryResource.id).limit(1)
            )
        samples: list[tuple[str, dict[str, int], str | None]] = [
            ("main.home", {}, None),
            ("improvements.index", {}, None),
            ("backlog.index", {}, None),
            ("decisions.register", {}, None),
            ("benefits.tracker", {}, None),
            ("temporary_resources.index", {}, None),
            ("reports.dashboard_page", {}, None),
            ("main.audit", {}, None),
            ("admin.users", {}, None),
        ]
        samples += [
            ("improvements.detail", {"improvement_id": id_}, title) for id_, title in one_per_stage.values()
        ]
        if benefit_id is not None:
            samples.append(("benefits.detail", {"benefit_id": benefit_id}, None))
        if resource_id is not None:
            samples.append(("temporary_resources.detail", {"resource_id": resource_id}, None))
        client = app.test_client()
        sign_in_by_session(client, admin)
        for endpoint, values, shows in samples:
            with app.test_request_context():
                path = url_for(endpoint, **values)
            response = client.get(path)
            assert response.status_code == 200, f"{path} after upgrading from {found.version}"
            if shows is not None:
                assert shows in page(response).get_text(" "), path
    finally:
        db.get_engine(app).dispose()
