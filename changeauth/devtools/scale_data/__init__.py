"""A realistic council at scale, for benchmarks and load tests (``changeauth demo-data``).

``generate`` fills an empty, migrated database that holds the reference data with six years of a
council's history: people, improvements in every stage with their decisions, business cases, scores,
benefits with measurements, temporary resources, flags and an audit log whose hash chain verifies.
The same seed and anchor day always give the same rows. Rows are written in bulk with the ids the
generator chose; nothing is committed here (the command commits once, at the end).

The parts, in the order they run: ``people``, ``improvements`` (with ``lifecycle``), ``business_cases``,
``decisions``, ``scores``, ``benefits``, ``resources``, ``engagement``, ``audit`` and ``flags``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, select

from changeauth import db
from changeauth.devtools.scale_data import (
    benefits,
    business_cases,
    decisions,
    engagement,
    flags,
    improvements,
    people,
    resources,
    scores,
)
from changeauth.devtools.scale_data.audit import stored_count, write_events
from changeauth.devtools.scale_data.context import Build, Rules, StageReport, load_reference
from changeauth.devtools.scale_data.scale import (
    DEFAULT_ANCHOR,
    DEFAULT_SEED,
    SCALES,
    AlreadyFilled,
    GenerationRefused,
    Scale,
)
from changeauth.devtools.scale_data.writer import ProgressFactory, Writer, silent_progress
from changeauth.models import Improvement
from changeauth.models.backlog_key import refresh_backlog_keys
from changeauth.models.derived_state import DERIVED_VIEWS, mark_changed

__all__ = [
    "DEFAULT_ANCHOR",
    "DEFAULT_SEED",
    "SCALES",
    "AlreadyFilled",
    "Generated",
    "GenerationRefused",
    "Rules",
    "Scale",
    "StageReport",
    "generate",
]


@dataclass(frozen=True)
class Generated:
    """What a run wrote: rows per table and each stage's time."""

    counts: dict[str, int]
    stages: list[StageReport]

    @property
    def seconds(self) -> float:
        """The time of all stages together."""
        return sum(stage.seconds for stage in self.stages)


def generate(
    scale: Scale,
    *,
    seed: int = DEFAULT_SEED,
    anchor: date = DEFAULT_ANCHOR,
    rules: Rules | None = None,
    progress: ProgressFactory = silent_progress,
) -> Generated:
    """Fill the database with a council of ``scale``'s size whose history ends the day before ``anchor``.

    Raises AlreadyFilled when improvements or the generated accounts exist, another GenerationRefused when
    the scale cannot be met (too few design authority members, or fewer audit events than its rows
    imply), NotFound when no scoring scheme is active (the reference data is missing); nothing is
    written then. Writes through the current session; flushes, does not commit.
    """
    session = db.session()
    if session.scalar(select(exists().where(Improvement.id.is_not(None)))):
        raise AlreadyFilled(
            "This database already has improvements. Generated data goes only into an empty database."
        )
    build = Build(
        session=session,
        scale=scale,
        seed=seed,
        anchor=anchor,
        rules=rules or Rules(),
        reference=load_reference(session),
        progress=progress,
        writer=Writer(session),
    )
    audit_target = scale.audit_events - stored_count(build)
    who = people.generate(build)
    work = improvements.generate(build, who)
    business_cases.generate(build, work)
    decisions.generate(build, who, work)
    scores.generate(build, who, work)
    benefits.generate(build, who, work)
    resources.generate(build, who, work)
    engagement.generate(build, who, work, audit_target)
    with build.stage("Audit log") as stage:
        write_events(build, build.events, stage.rows(len(build.events)))
    flags.generate(build)
    build.writer.reset_sequences()
    build.writer.finish()
    # The rows went in below the ORM's change tracking: write the backlog's sort keys from them and
    # tell every cached view, once.
    refresh_backlog_keys(session.connection())
    mark_changed(session, DERIVED_VIEWS)
    return Generated(counts=dict(build.writer.counts), stages=list(build.stages))
