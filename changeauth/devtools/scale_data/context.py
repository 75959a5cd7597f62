"""What every part of the generator shares: the seed's random streams, the timeline, id allocation,
the reference data, the people, the audit events collected so far, and the stage timings."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from changeauth.devtools.scale_data.events import EventLog
from changeauth.devtools.scale_data.scale import HISTORY_YEARS, Scale
from changeauth.devtools.scale_data.writer import Progress, ProgressFactory, Writer
from changeauth.domain.scoring import CriterionSpec
from changeauth.models import BenefitDriver, StrategicPriority, Team
from changeauth.queries import scoring as scoring_queries


@dataclass(frozen=True)
class Rules:
    """The configured decision rules the generated history obeys."""

    gate_quorum: int = 3
    score_quorum: int = 3
    disagreement_threshold: int = 3
    benefit_grace_days: int = 14
    triage_sla_working_days: int = 10
    timezone: str = "Europe/London"


@dataclass(frozen=True)
class Reference:
    """Reference rows the generated data points at."""

    drivers: dict[str, int]
    priorities: dict[str, int]
    teams: dict[str, int]
    scheme_id: int
    scheme_version: int
    specs: tuple[CriterionSpec, ...]


def _ids_by_code(session: Session, model: Any) -> dict[str, int]:
    return dict(session.execute(select(model.code, model.id).order_by(model.id)).all())


def load_reference(session: Session) -> Reference:
    """The benefit drivers, priorities, teams and active scoring scheme (loaded by ``seed reference``)."""
    scheme = scoring_queries.active_scheme()
    return Reference(
        drivers=_ids_by_code(session, BenefitDriver),
        priorities=_ids_by_code(session, StrategicPriority),
        teams=_ids_by_code(session, Team),
        scheme_id=scheme.id,
        scheme_version=scheme.version,
        specs=scheme.specs(),
    )


@dataclass
class StageReport:
    """How many rows a stage wrote and how long it took, planning included."""

    label: str
    rows: int
    seconds: float


@dataclass
class Build:
    """The state of one generation run."""

    session: Session
    scale: Scale
    seed: int
    anchor: date
    rules: Rules
    reference: Reference
    progress: ProgressFactory
    writer: Writer
    events: EventLog = field(default_factory=EventLog)
    stages: list[StageReport] = field(default_factory=list)
    _next_ids: dict[str, int] = field(default_factory=dict)

    @property
    def end(self) -> datetime:
        """The instant the history stops: midnight (UTC) at the start of the anchor day."""
        return datetime.combine(self.anchor, day_time.min, tzinfo=UTC)

    @property
    def start(self) -> datetime:
        """The first instant of the history, six years before the end."""
        return self.end - timedelta(days=365 * HISTORY_YEARS + HISTORY_YEARS // 4)

    def rng(self, stream: str) -> random.Random:
        """A random stream of its own per part of the data, so each part is stable on its own."""
        return random.Random(f"changeauth-scale-data:{self.seed}:{stream}")

    def next_id(self, table: Table) -> int:
        """The next free id of a table: one past the largest stored id, then counting on."""
        if table.name not in self._next_ids:
            largest = self.session.scalar(select(func.max(table.c.id))) or 0
            self._next_ids[table.name] = largest + 1
        value = self._next_ids[table.name]
        self._next_ids[table.name] = value + 1
        return value

    def write(self, table: Table, rows: Any, progress: Progress) -> int:
        """Write rows to a table in bulk (see ``writer``); returns how many."""
        return self.writer.insert(table, rows, progress)

    @contextmanager
    def stage(self, label: str) -> Iterator[Stage]:
        """Time a stage, planning included; ``Stage.rows(n)`` then shows progress over the n rows written."""
        started = time.perf_counter()
        with ExitStack() as stack:
            current = Stage(label, self.progress, stack)
            yield current
        self.stages.append(StageReport(label, current.total, time.perf_counter() - started))


class Stage:
    """One timed stage of the run; its progress bar opens once the number of rows is known."""

    def __init__(self, label: str, progress: ProgressFactory, stack: ExitStack) -> None:
        self.label = label
        self.total = 0
        self._progress = progress
        self._stack = stack

    def rows(self, total: int) -> Progress:
        """Open the stage's progress over the ``total`` rows it is about to write."""
        self.total = total
        return self._stack.enter_context(self._progress(self.label, total))
