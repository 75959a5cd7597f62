"""Text similarity between ideas, so staff and the design authority see related work before duplicating it.

rapidfuzz's token-set ratio compares the sets of meaningful words, so word order and repeated words do
not matter; common English and council filler words are dropped first so that "the" and "council" do
not make unrelated ideas look alike.

At council scale (tens of thousands of texts) a ``SimilarityIndex`` scores only a shortlist: the texts
that share the most word stems (first five letters) with the search, relative to the shorter of the two.
The token-set ratio rewards exactly that overlap, so the best matches are on the shortlist; a text that
shares no stem with the search is not considered.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
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
SHORTLIST_SIZE = 500  # texts scored in full per search, at most
EXHAUSTIVE_UP_TO = 2_000  # a corpus this small is scored in full: the shortlist would save little


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


def stems(normalised: str) -> set[str]:
    """The distinct word stems of a normalised text (the first ``STEM_LENGTH`` letters of each word)."""
    return {word[:STEM_LENGTH] for word in normalised.split()}


class SimilarityIndex:
    """Normalised texts with an index from word stem to the texts holding it (built once, then read only).

    ``search`` gives the same answer as ``most_similar_normalised`` over every text when the corpus is
    small, and over a shortlist of ``SHORTLIST_SIZE`` texts when it is large.
    """

    def __init__(self, texts: Mapping[int, str]) -> None:
        self.texts: dict[int, str] = dict(texts)
        self._ids = list(self.texts)
        self._normalised = list(self.texts.values())
        postings: defaultdict[str, list[int]] = defaultdict(list)
        sizes = np.zeros(len(self._ids), dtype=np.int32)
        for position, text in enumerate(self._normalised):
            text_stems = stems(text)
            sizes[position] = len(text_stems)
            for stem in text_stems:
                postings[stem].append(position)
        self._postings = {stem: np.asarray(found, dtype=np.int32) for stem, found in postings.items()}
        self._sizes = sizes

    def __len__(self) -> int:
        return len(self._ids)

    def shortlist(self, wanted: str, size: int = SHORTLIST_SIZE) -> dict[int, str]:
        """Up to ``size`` texts sharing the largest part of their stems with ``wanted`` (normalised)."""
        wanted_stems = stems(wanted)
        found = [self._postings[stem] for stem in wanted_stems if stem in self._postings]
        if not found:
            return {}
        shared = np.bincount(np.concatenate(found), minlength=len(self._ids))
        positions = np.flatnonzero(shared)
        if len(positions) > size:
            overlap = shared[positions] / np.maximum(np.minimum(self._sizes[positions], len(wanted_stems)), 1)
            # Overlap first (what the token-set ratio rewards), then the number of stems shared.
            key = overlap * 1_000 + shared[positions]
            positions = positions[np.argpartition(-key, size - 1)[:size]]
        return {self._ids[p]: self._normalised[p] for p in sorted(positions.tolist())}

    def search(
        self,
        query: str,
        *,
        exclude_id: int | None = None,
        limit: int = DEFAULT_LIMIT,
        cutoff: float = DEFAULT_CUTOFF,
    ) -> list[Match]:
        """The ``limit`` texts most like ``query`` (raw text), best first, as ``most_similar_normalised``."""
        if len(self) <= EXHAUSTIVE_UP_TO:
            choices: Mapping[int, str] = self.texts
        else:
            choices = self.shortlist(normalise(query))
        return most_similar_normalised(query, choices, exclude_id=exclude_id, limit=limit, cutoff=cutoff)
