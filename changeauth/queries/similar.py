"""Finding related improvements, closed, declined and merged ones included.

The normalised corpus (titles and the start of each problem, lower-cased words without stop words) and
its word-stem index are kept per process while the ``similar`` view's marker is unchanged: any change
to an improvement renews it (``queries.derived``). Each search then costs one token read and
rapidfuzz's comparison with a shortlist (``domain.similarity.SimilarityIndex``), not a read of every row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select

from changeauth import db
from changeauth.domain.lifecycle import Stage
from changeauth.domain.similarity import SimilarityIndex, normalise
from changeauth.models import Improvement
from changeauth.models.derived_state import SIMILAR
from changeauth.queries.derived import cached, reads


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
    # id: (hash of the raw text, its normalised form), so the next read normalises only what changed
    normalised: Mapping[int, tuple[int, str]]


_latest: Corpus | None = None  # this process's last corpus, whichever database it came from


@reads(SIMILAR, "improvement")
def _load_corpus() -> Corpus:
    global _latest
    # On the session's connection, without the ORM's per-row processing (a third of the read's time).
    rows = (
        db.session.connection()
        .execute(
            select(
                Improvement.id,
                Improvement.ref,
                Improvement.title,
                Improvement.stage,
                func.substr(Improvement.problem, 1, 300),
            ).where(Improvement.stage != Stage.WITHDRAWN.value)
        )
        .all()
    )
    before = _latest.normalised if _latest is not None else {}
    normalised: dict[int, tuple[int, str]] = {}
    shown: dict[int, tuple[str, str, str]] = {}
    for improvement_id, ref, title, stage, problem in rows:
        raw = f"{title} {title} {problem or ''}"
        digest = hash(raw)
        kept = before.get(improvement_id)
        normalised[improvement_id] = kept if kept and kept[0] == digest else (digest, normalise(raw))
        shown[improvement_id] = (ref, title, stage)
    _latest = Corpus(
        index=SimilarityIndex({key: text for key, (_digest, text) in normalised.items()}),
        shown=shown,
        normalised=normalised,
    )
    return _latest


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
