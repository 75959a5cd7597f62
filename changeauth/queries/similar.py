"""Finding related improvements, closed, declined and merged ones included.

The database's own text index gives the candidates: the words of every improvement's title and the start
of its problem, indexed in the transaction that writes them (migration 0042: an FTS5 table on SQLite, a
``tsvector`` column with a GIN index on PostgreSQL), so a search sees every write at once and nothing is
kept per process. The index returns the ``SHORTLIST`` improvements sharing most word stems (first five
letters) with the search, and rapidfuzz scores that shortlist as it always has (``domain.similarity``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from changeauth import db
from changeauth.domain.lifecycle import Stage
from changeauth.domain.similarity import STEM_LENGTH, most_similar_normalised, normalise
from changeauth.models import Improvement

SHORTLIST = 100  # candidates the text index returns for scoring, at most
MOST_TERMS = 40  # word stems of the search looked up, at most (the title's come first)
SHOWN_PROBLEM = 300  # characters of the problem compared (as the index holds them)

_SQLITE = f"""
SELECT i.id, i.ref, i.title, i.stage, substr(i.problem, 1, {SHOWN_PROBLEM})
FROM improvement_search JOIN improvement AS i ON i.id = improvement_search.rowid
WHERE improvement_search MATCH :match AND i.stage != :withdrawn AND i.id != :exclude_id
ORDER BY bm25(improvement_search, 2.0, 1.0), i.id
LIMIT :shortlist
"""
# Ordered as the token-set ratio rewards: the share of the search's (or the text's, when shorter) stems
# the text holds, then the number held.
_POSTGRESQL = f"""
SELECT id, ref, title, stage, left(problem, {SHOWN_PROBLEM}) FROM (
    SELECT id, ref, title, stage, problem, {{shared}} AS shared, length(search_words) AS size
    FROM improvement
    WHERE search_words @@ to_tsquery('simple', :match) AND stage != :withdrawn AND id != :exclude_id
) AS found
ORDER BY shared::float / greatest(least(size, :terms), 1) DESC, shared DESC, id
LIMIT :shortlist
"""


@dataclass(frozen=True)
class SimilarImprovement:
    id: int
    ref: str
    title: str
    stage: str
    similarity: float


def search_terms(normalised: str) -> list[str]:
    """The distinct word stems of a normalised text, in order of first use, ``MOST_TERMS`` at most."""
    return list(dict.fromkeys(word[:STEM_LENGTH] for word in normalised.split()))[:MOST_TERMS]


def _candidates(terms: Sequence[str], exclude_id: int | None) -> list[Any]:
    """The shortlist from the text index: (id, ref, title, stage, start of the problem) rows."""
    # A stem as long as STEM_LENGTH stands for every word starting with it; a shorter word for itself.
    params: dict[str, Any] = {
        "withdrawn": Stage.WITHDRAWN.value,
        "exclude_id": exclude_id if exclude_id is not None else 0,
        "shortlist": SHORTLIST,
        "terms": len(terms),
    }
    if db.session.get_bind().dialect.name == "postgresql":
        queries = [f"{term}:*" if len(term) == STEM_LENGTH else term for term in terms]
        params["match"] = " | ".join(queries)
        params.update({f"t{n}": query for n, query in enumerate(queries)})
        shared = " + ".join(
            f"(search_words @@ to_tsquery('simple', :t{n}))::int" for n in range(len(queries))
        )
        statement = _POSTGRESQL.format(shared=shared)
    else:
        params["match"] = " OR ".join(
            f'"{term}"*' if len(term) == STEM_LENGTH else f'"{term}"' for term in terms
        )
        statement = _SQLITE
    return list(db.session.execute(text(statement), params))


def find_similar(text: str, *, exclude_id: int | None = None, limit: int = 10) -> list[SimilarImprovement]:
    """Improvements whose title (and first lines of the problem) resemble ``text``, best first.

    Withdrawn ideas are left out: their submitters took them back and nobody else may see them.
    """
    terms = search_terms(normalise(text))
    if not terms:
        return []
    rows = _candidates(terms, exclude_id)
    shown = {row[0]: (row[1], row[2], row[3]) for row in rows}
    choices = {row[0]: normalise(f"{row[2]} {row[4] or ''}") for row in rows}
    matches = most_similar_normalised(text, choices, exclude_id=exclude_id, limit=limit)
    return [
        SimilarImprovement(
            id=m.id, ref=shown[m.id][0], title=shown[m.id][1], stage=shown[m.id][2], similarity=m.similarity
        )
        for m in matches
    ]


def similar_to(improvement: Improvement, *, limit: int = 10) -> list[SimilarImprovement]:
    return find_similar(
        f"{improvement.title} {improvement.problem[:SHOWN_PROBLEM]}", exclude_id=improvement.id, limit=limit
    )
