"""Two people who read the same version of a row write it at the same moment, each in a transaction of
its own on a fresh database: the harness for guarded writes the pages offer and the API does not.

Each person reads the row, waits for the other at a barrier, then writes with the version they read and
commits. On PostgreSQL both have read before either writes, so exactly one write may land and the other
must be refused as "Someone else changed this" (VersionConflict) with nothing of it written. SQLite
writers take turns (BEGIN IMMEDIATE), so the race exists only on PostgreSQL, where these tests run."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from changeauth import create_app, db
from changeauth.domain.errors import VersionConflict
from changeauth.models import AuditEvent, User
from changeauth.services import users
from tests.conftest import TEST_SECRET_KEY
from tests.live_server import own_database

ON_POSTGRESQL_ONLY = pytest.mark.skipif(
    not os.environ.get("CHANGEAUTH_TEST_DATABASE_URL"),
    reason="Two transactions read the same row at once only on PostgreSQL (SQLite writers take turns).",
)

PEOPLE = 2


def _people() -> dict[str, User]:
    def person(name: str, *roles: str) -> User:
        return users.create_user(email=f"{name}@council.example", name=name.title(), roles=["staff", *roles])

    return {
        "owner": person("owner", "manager"),
        "member": person("member", "design_authority"),
        "other_member": person("other", "design_authority"),
        "finance": person("finance", "finance"),
        "service": person("service", "manager"),
        "admin": person("admin", "admin"),
    }


def race(
    tmp_path: Path,
    *,
    model: type[Any],
    prepare: Callable[[dict[str, User]], Any],
    write: Callable[[dict[str, User], int, int, int], Any],
    action: str | tuple[str, ...],
    version_column: str = "version",
) -> None:
    """Prepare a row of ``model``, then have PEOPLE transactions each read it, wait for one another and
    write with the version they read (``write(people, row_id, version, which)``). Exactly one lands, the
    rest are refused, one audit event of ``action`` (or of any of them), and the version moved once."""
    actions = (action,) if isinstance(action, str) else action
    with own_database(tmp_path, "race") as url:
        app = create_app(
            {
                "ENV_NAME": "testing",
                "DATABASE_URL": url,
                "SECRET_KEY": TEST_SECRET_KEY,
                "INSTANCE_PATH": tmp_path / "instance",
            }
        )
        try:
            with app.app_context():
                from changeauth.cli.seed import load_reference

                db.set_write_intent(True)
                load_reference()
                people = _people()
                row = prepare(people)
                db.session.commit()
                row_id, seen = row.id, getattr(row, version_column)
                ids = {name: person.id for name, person in people.items()}
                db.session.remove()

            barrier = threading.Barrier(PEOPLE, timeout=60)
            outcomes: list[str] = []
            lock = threading.Lock()

            def person(which: int) -> None:
                with app.app_context():
                    db.set_write_intent(True)
                    try:
                        everyone = {name: db.session.get(User, id_) for name, id_ in ids.items()}
                        read = db.session.get(model, row_id)
                        assert read is not None and getattr(read, version_column) == seen
                        barrier.wait()
                        try:
                            write(everyone, row_id, seen, which)  # type: ignore[arg-type]
                            db.session.commit()
                            outcome = "landed"
                        except VersionConflict:
                            db.session.rollback()
                            outcome = "someone else changed this"
                    except Exception as error:  # noqa: BLE001 - any other failure is the test's finding
                        db.session.rollback()
                        outcome = f"failed: {error!r}"
                    finally:
                        db.session.remove()
                    with lock:
                        outcomes.append(outcome)

            threads = [threading.Thread(target=person, args=(which,)) for which in range(PEOPLE)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)

            assert sorted(outcomes) == ["landed"] + ["someone else changed this"] * (PEOPLE - 1), outcomes
            with app.app_context():
                events = db.session.scalar(
                    select(func.count())
                    .select_from(AuditEvent)
                    .where(AuditEvent.action.in_(actions), AuditEvent.subject_id == row_id)
                )
                assert events == 1
                assert getattr(db.session.get(model, row_id), version_column) == seen + 1
                db.session.remove()
        finally:
            # Close the pooled connections before the database is dropped.
            db.get_engine(app).dispose()
