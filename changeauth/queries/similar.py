"""Finding related improvements, closed, declined and merged ones included."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from changeauth import db
from changeauth.domain.lifecycle import Stage
from changeauth.domain.similarity import most_similar
from changeauth.models import Improvement


@dataclass(frozen=True)
class SimilarImprovement:
    id: int
    ref: str
    title: str
    stage: str
    similarity: float


def find_similar(text: str, *, exclude_id: int | None = None, limit: int = 10) -> list[SimilarImprovement]:
    """Improvements whose title (and first lines of the problem) resemble ``text``, best first.

    Withdrawn ideas are left out: their submitters took them back and nobody else may see them.
    """
    rows = db.session.execute(
        select(
            Improvement.id, Improvement.ref, Improvement.title, Improvement.stage, Improvement.problem
        ).where(Improvement.stage != Stage.WITHDRAWN.value)
    ).all()
    by_id = {row.id: row for row in rows}
    matches = most_similar(
        text,
        ((row.id, f"{row.title} {row.title} {(row.problem or '')[:300]}") for row in rows),
        exclude_id=exclude_id,
        limit=limit,
    )
    return [
        SimilarImprovement(
            id=m.id,
            ref=by_id[m.id].ref,
            title=by_id[m.id].title,
            stage=by_id[m.id].stage,
            similarity=m.similarity,
        )
        for m in matches
    ]


def similar_to(improvement: Improvement, *, limit: int = 10) -> list[SimilarImprovement]:
    return find_similar(
        f"{improvement.title} {improvement.problem[:300]}", exclude_id=improvement.id, limit=limit
    )
