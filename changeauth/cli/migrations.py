"""Alembic wiring: the migrations folder, a Config bound to an app's database, and the plan of an upgrade
(where the database is, what would be applied, whether it holds data worth a backup first)."""

from __future__ import annotations

from dataclasses import dataclass

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, inspect, literal, pool, select, table

from changeauth.config import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
HEAD_FILE = MIGRATIONS_DIR / ".current-alembic-head"
ALEMBIC_VERSION_TABLE = "alembic_version"
# The tables whose rows a council would miss; their counts are printed before an upgrade.
COUNTED_TABLES = (
    ("user_account", "people"),
    ("improvement", "improvements"),
    ("audit_event", "audit events"),
)


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def script_head(database_url: str = "sqlite://") -> str | None:
    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


@dataclass(frozen=True)
class Step:
    revision: str
    description: str


@dataclass(frozen=True)
class UpgradePlan:
    """What ``changeauth db upgrade`` will do to one database."""

    current: str | None
    target: str
    steps: tuple[Step, ...]
    holds_data: bool
    counts: dict[str, int]

    @property
    def needs_backup(self) -> bool:
        return self.holds_data and bool(self.steps)


def summary(doc: str | None, width: int = 100) -> str:
    """A migration's docstring's first paragraph on one line, shortened at a word to ``width``."""
    paragraph = " ".join((doc or "").strip().split("\n\n")[0].split())
    if len(paragraph) <= width:
        return paragraph
    return paragraph[: paragraph.rfind(" ", 0, width)].rstrip(",;:") + " …"


def upgrade_plan(database_url: str, target: str = "head") -> UpgradePlan:
    """Read the database's revision and rows (without changing anything) and list the migrations that
    would take it to ``target``, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            names = set(inspect(connection).get_table_names()) - {ALEMBIC_VERSION_TABLE}
            holds_data = any(
                connection.execute(select(literal(1)).select_from(table(name)).limit(1)).first() is not None
                for name in sorted(names)
            )
            counts = {
                label: int(connection.scalar(select(func.count()).select_from(table(name))) or 0)
                for name, label in COUNTED_TABLES
                if name in names
            }
    finally:
        engine.dispose()
    resolved = script.get_revision(target)
    target_revision = resolved.revision if resolved is not None else target
    revisions = list(script.iterate_revisions(target_revision, current))
    steps = tuple(Step(rev.revision, summary(rev.doc)) for rev in reversed(revisions))
    return UpgradePlan(current, target_revision, steps, holds_data, counts)
