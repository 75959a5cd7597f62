"""Alembic wiring: the migrations folder and a Config bound to an app's database."""

from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory

from changeauth.config import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
HEAD_FILE = MIGRATIONS_DIR / ".current-alembic-head"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def script_head(database_url: str = "sqlite://") -> str | None:
    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
