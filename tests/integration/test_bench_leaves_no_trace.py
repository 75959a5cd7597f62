"""The council benchmark measures on a filled database and leaves it exactly as it found it: every
case, and the API token it issues for itself, is rolled back (on SQLite too, where the driver would
otherwise treat the first savepoint as the transaction and commit on its release)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from bench import council
from changeauth import db
from changeauth.cli import main
from changeauth.devtools import scale_data
from changeauth.models import ApiToken, AuditEvent, ImprovementScore, ScoringScheme
from tests.integration.test_scale_data import TINY
from tests.integration.test_scale_data_command import file_app  # noqa: F401 - the fixture

COUNTED = (ApiToken, AuditEvent, ScoringScheme, ImprovementScore)


def _counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in COUNTED
        }


def test_a_benchmark_run_changes_nothing(
    file_app: Flask,  # noqa: F811 - the fixture imported above
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setitem(scale_data.SCALES, "small", TINY)
    filled = file_app.test_cli_runner().invoke(main, args=["demo-data", "--scale", "small", "--seed", "5"])
    assert filled.exit_code == 0, filled.output
    before = _counts(file_app)

    code = council.main(
        [
            "--database-url",
            file_app.config["DATABASE_URL"],
            "--repeat",
            "1",
            "--only",
            "backlog API",
            "--only",
            "re-ranking",
            "--output",
            str(tmp_path / "results"),
        ]
    )

    assert code in (0, 1)  # 1 when a target is missed, which on a tiny council is not the point here
    assert (tmp_path / "results" / "sqlite.json").exists()
    assert _counts(file_app) == before
