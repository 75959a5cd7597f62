"""Text similarity between ideas, so staff and the design authority see related work before duplicating it.

rapidfuzz's token-set ratio compares the sets of meaningful words, so word order and repeated words do
not matter; common English and council filler words are dropped first so that "the" and "council" do
not make unrelated ideas look alike.

At council scale (tens of thousands of texts) only a shortlist is scored: the texts that share the most
word stems (the first ``STEM_LENGTH`` letters of a word) with the search, which the database's text index
finds (``queries.similar``). The token-set ratio rewards exactly that overlap, so the best matches are on
the shortlist; a text that shares no stem with the search is not considered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "could",
        "do",
        "for",
        "from",
        "has",
        "have",
        "how",
        "in",
        "into",
        "is",
        "it",
        "its",
        "more",
        "of",
        "on",
        "or",
        "our",
        "should",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "there",
        "these",
        "this",
        "to",
        "up",
        "use",
        "used",
        "using",
        "was",
        "we",
        "were",
        "what",
        "when",
        "which",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
        "council",
        "residents",
        "staff",
        "new",
        "better",
        "improve",
        "improvement",
        "make",
    }
)
_WORD = re.compile(r"[a-z0-9]+")
DEFAULT_CUTOFF = 0.5
DEFAULT_LIMIT = 10
STEM_LENGTH = 5


@dataclass(frozen=True)
class Match:
    id: int
    similarity: float


def normalise(text: str) -> str:
    """Lower-case words without stop words, for comparison."""
    return " ".join(word for word in _WORD.findall(text.lower()) if word not in STOP_WORDS and len(word) > 1)


def most_similar(
    query: str,
    candidates: Iterable[tuple[int, str]],
    *,
    exclude_id: int | None = None,
    limit: int = DEFAULT_LIMIT,
    cutoff: float = DEFAULT_CUTOFF,
) -> list[Match]:
    """The ``limit`` candidates most like ``query``, best first, each with a similarity from 0 to 1."""
    return most_similar_normalised(
        query,
        {candidate_id: normalise(text) for candidate_id, text in candidates},
        exclude_id=exclude_id,
        limit=limit,
        cutoff=cutoff,
    )


def most_similar_normalised(
    query: str,
    choices: Mapping[int, str],
    *,
    exclude_id: int | None = None,
    limit: int = DEFAULT_LIMIT,
    cutoff: float = DEFAULT_CUTOFF,
) -> list[Match]:
    """As ``most_similar``, over candidates already put through ``normalise`` (so a caller can keep them)."""
    wanted = normalise(query)
    if not wanted:
        return []
    # One more than asked for, so leaving out ``exclude_id`` afterwards still leaves ``limit``.
    results: Sequence[tuple[str, float, int]] = process.extract(
        wanted, choices, scorer=fuzz.token_set_ratio, limit=limit + 1, score_cutoff=cutoff * 100
    )
    matches = [
        Match(id=key, similarity=round(score / 100, 2)) for _text, score, key in results if key != exclude_id
    ]
    return matches[:limit]
