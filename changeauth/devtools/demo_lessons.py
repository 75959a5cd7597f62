"""The worked example's lessons learned: the close-down report's own lessons (seeds/demo/lessons.yaml),
recorded in the lessons log through the lessons service by the design authority on the day the programme
ended, as steps of the replayed history. Keyed by title, so a second load adds nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from functools import partial
from typing import Any

from sqlalchemy import select

from changeauth import db
from changeauth.devtools.demo_data import HistoryStep
from changeauth.models import Lesson, Programme, User
from changeauth.services import reviews as review_service
from changeauth.services.reference_data import UpsertCounts

# After finance's adjustments of the same day (14:00): the lessons close the programme's record.
RECORDED_AT = time(15, 0)


def lesson_steps(
    rows: Iterable[Mapping[str, Any]],
    users: Mapping[str, User],
    programme: Programme,
    counts: UpsertCounts,
    *,
    recorded_on: date,
) -> list[HistoryStep]:
    """Each lesson as a step of the replay, recorded by the first design authority member (who sponsored
    the programme's work) at the programme's end."""
    at = datetime.combine(recorded_on, RECORDED_AT, tzinfo=UTC)
    return [
        (at, 6 + number, partial(_record, row, users["design_authority"], programme, counts))
        for number, row in enumerate(rows)
    ]


def _record(row: Mapping[str, Any], recorder: User, programme: Programme, counts: UpsertCounts) -> None:
    title = " ".join(str(row["title"]).split())
    if db.session.scalar(select(Lesson.id).where(Lesson.title == title)) is not None:
        counts.add("lesson", "unchanged")
        return
    review_service.record_lesson(
        actor=recorder,
        programme_id=programme.id,
        title=title,
        what_happened=" ".join(str(row["what_happened"]).split()),
        next_time=" ".join(str(row["next_time"]).split()),
        team_code=row.get("area") or None,
    )
    counts.add("lesson", "created")
