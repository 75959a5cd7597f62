"""Finding related improvements, closed, declined and merged ones included.

The database's own text index gives the candidates: the words of every improvement's title and the start
of its problem, indexed in the transaction that writes them (migration 0042: an FTS5 table on SQLite, a
``tsvector`` column with a GIN index on PostgreSQL), so a search sees every write at once and nothing is
kept per process. The index returns the ``SHORTLIST`` improvements sharing most word stems (first five
letters) with the search, and rapidfuzz scores that shortlist as it always has (``domain.similarity``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from changeauth import db
from changeauth.domain.lifecycle import Stage
from changeauth.domain.similarity import STEM_LENGTH, most_similar_normalised, normalise
from changeauth.models import Improvement

SHORTLIST = 100  # candidates the text index returns for scoring, at most
ENOUGH = 20  # candidates that end the search for looser ones
MOST_TERMS = 40  # word stems of the search looked up, at most (the title's come first)
SHOWN_PROBLEM = 300  # characters of the problem compared (as the index holds them)

# One statement per search: the texts holding every required stem (``narrow``) and, only when fewer than
# ``ENOUGH`` do, those holding any stem of the search (the condition outside the limited subquery is
# checked once, before it, so that scan and its parallel workers are skipped otherwise).
_SQLITE = f"""
WITH narrow AS (
    SELECT i.id, i.ref, i.title, i.stage, substr(i.problem, 1, {SHOWN_PROBLEM}) AS problem
    FROM improvement_search JOIN improvement AS i ON i.id = improvement_search.rowid
    WHERE improvement_search MATCH :required AND i.stage != :withdrawn AND i.id != :exclude_id
    ORDER BY bm25(improvement_search, 2.0, 1.0), i.id
    LIMIT :shortlist
)
SELECT id, ref, title, stage, problem FROM narrow
UNION ALL
SELECT * FROM (
    SELECT i.id, i.ref, i.title, i.stage, substr(i.problem, 1, {SHOWN_PROBLEM})
    FROM improvement_search JOIN improvement AS i ON i.id = improvement_search.rowid
    WHERE (SELECT count(*) FROM narrow) < :enough
        AND improvement_search MATCH :any AND i.stage != :withdrawn AND i.id != :exclude_id
    ORDER BY bm25(improvement_search, 2.0, 1.0), i.id
    LIMIT :shortlist
)
"""
_POSTGRESQL = f"""
WITH narrow AS (
    SELECT id, ref, title, stage, left(problem, {SHOWN_PROBLEM}) AS problem FROM improvement
    WHERE search_words @@ {{required}} AND stage != :withdrawn AND id != :exclude_id
    ORDER BY {{order}}
    LIMIT :shortlist
)
SELECT id, ref, title, stage, problem FROM narrow
UNION ALL
SELECT * FROM (
    SELECT id, ref, title, stage, left(problem, {SHOWN_PROBLEM}) FROM improvement
    WHERE search_words @@ {{any}} AND stage != :withdrawn AND id != :exclude_id
    ORDER BY {{order}}
    LIMIT :shortlist
) AS wide
WHERE (SELECT count(*) FROM narrow) < :enough
"""
_TERM = re.compile(r"[a-z0-9]+")


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


def _candidates(terms: Sequence[str], title_terms: Sequence[str], exclude_id: int | None) -> list[Any]:
    """The shortlist from the text index: (id, ref, title, stage, start of the problem) rows.

    The texts holding every stem of the search, or of its title when it has one (an intersection of the
    index's lists: a few milliseconds); when fewer than ``ENOUGH`` do, also those holding any stem (which
    reads most of the council when the words are common). Each part is ordered by the share of the
    search's stems the text holds. A text may come twice.
    """
    required = title_terms or terms
    params: dict[str, Any] = {
        "withdrawn": Stage.WITHDRAWN.value,
        "exclude_id": exclude_id if exclude_id is not None else 0,
        "shortlist": SHORTLIST,
        "enough": ENOUGH if len(terms) > 1 else 0,  # one stem: "every" is "any"
    }
    # A stem as long as STEM_LENGTH stands for every word starting with it; a shorter word for itself.
    if db.session.get_bind().dialect.name != "postgresql":

        def phrase(term: str) -> str:
            return f'"{term}"*' if len(term) == STEM_LENGTH else f'"{term}"'

        # bm25 ranks by every phrase of the expression: the required ones and any of the search's.
        params["any"] = " OR ".join(phrase(term) for term in terms)
        params["required"] = f"({' AND '.join(phrase(term) for term in required)}) AND ({params['any']})"
        return list(db.session.execute(text(_SQLITE), params))
    # Written into the statement (normalised words are letters and digits only), so that each search is
    # planned for its own words: a generic plan would scan every row.
    if not all(_TERM.fullmatch(term) for term in terms):
        raise ValueError("search terms are normalised words")

    def query(term: str) -> str:
        return f"{term}:*" if len(term) == STEM_LENGTH else term

    # As the token-set ratio rewards: the share of the search's (or the text's, when shorter) stems the
    # text holds, then the number held.
    shared = " + ".join(f"(search_words @@ to_tsquery('simple', '{query(term)}'))::int" for term in terms)
    size = f"greatest(least(length(search_words), {len(terms)}), 1)"
    statement = _POSTGRESQL.format(
        required=f"to_tsquery('simple', '{' & '.join(map(query, required))}')",
        any=f"to_tsquery('simple', '{' | '.join(map(query, terms))}')",
        order=f"({shared})::float / {size} DESC, ({shared}) DESC, id",
    )
    return list(db.session.execute(text(statement), params))


def find_similar(
    text: str, *, exclude_id: int | None = None, limit: int = 10, title: str | None = None
) -> list[SimilarImprovement]:
    """Improvements whose title (and first lines of the problem) resemble ``text``, best first.

    ``title``, when ``text`` is longer (a title and a problem), narrows the first look-ups. Withdrawn
    ideas are left out: their submitters took them back and nobody else may see them.
    """
    terms = search_terms(normalise(text))
    if not terms:
        return []
    title_terms = [term for term in search_terms(normalise(title)) if term in terms] if title else []
    rows = _candidates(terms, title_terms, exclude_id)
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
        f"{improvement.title} {improvement.problem[:SHOWN_PROBLEM]}",
        exclude_id=improvement.id,
        limit=limit,
        title=improvement.title,
    )
