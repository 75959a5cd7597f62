"""Finding related improvements, closed, declined and merged ones included.

The normalised corpus (titles and the start of each problem, lower-cased words without stop words) and
its word-stem index are kept per process while the ``similar`` view's marker is unchanged: any change
to an improvement renews it (``queries.derived``). Each search then costs one token read and
rapidfuzz's comparison with a shortlist (``domain.similarity.SimilarityIndex``), not a read of every row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from changeauth import db
from changeauth.domain.lifecycle import Stage
from changeauth.domain.similarity import SimilarityIndex, normalise
from changeauth.models import Improvement
from changeauth.models.derived_state import SIMILAR
from changeauth.queries.derived import cached


@dataclass(frozen=True)
class SimilarImprovement:
    id: int
    ref: str
    title: str
    stage: str
    similarity: float


@dataclass(frozen=True)
class Corpus:
    """Every improvement that searches may show, normalised for comparison (shared: read only)."""

    index: SimilarityIndex
    shown: Mapping[int, tuple[str, str, str]]  # id: (ref, title, stage)


def _load_corpus() -> Corpus:
    rows = db.session.execute(
        select(
            Improvement.id, Improvement.ref, Improvement.title, Improvement.stage, Improvement.problem
        ).where(Improvement.stage != Stage.WITHDRAWN.value)
    ).all()
    return Corpus(
        index=SimilarityIndex(
            {row.id: normalise(f"{row.title} {row.title} {(row.problem or '')[:300]}") for row in rows}
        ),
        shown={row.id: (row.ref, row.title, row.stage) for row in rows},
    )


def corpus() -> Corpus:
    """This process's copy of the corpus, read afresh when an improvement has changed."""
    return cached(SIMILAR, "corpus", _load_corpus)


def find_similar(text: str, *, exclude_id: int | None = None, limit: int = 10) -> list[SimilarImprovement]:
    """Improvements whose title (and first lines of the problem) resemble ``text``, best first.

    Withdrawn ideas are left out: their submitters took them back and nobody else may see them.
    """
    kept = corpus()
    matches = kept.index.search(text, exclude_id=exclude_id, limit=limit)
    return [
        SimilarImprovement(
            id=m.id,
            ref=kept.shown[m.id][0],
            title=kept.shown[m.id][1],
            stage=kept.shown[m.id][2],
            similarity=m.similarity,
        )
        for m in matches
    ]


def similar_to(improvement: Improvement, *, limit: int = 10) -> list[SimilarImprovement]:
    return find_similar(
        f"{improvement.title} {improvement.problem[:300]}", exclude_id=improvement.id, limit=limit
    )
