"""Text similarity: normalising, scoring every text, and the stem index that scores a shortlist at scale."""

from __future__ import annotations

import random

import pytest

from changeauth.domain import similarity
from changeauth.domain.similarity import (
    EXHAUSTIVE_UP_TO,
    SHORTLIST_SIZE,
    SimilarityIndex,
    most_similar,
    most_similar_normalised,
    normalise,
    stems,
)

TOPICS = [
    "bin collection reminders by text message",
    "parking permit renewals online",
    "council tax direct debit sign up",
    "library book reservations through the app",
    "planning application status tracker",
    "pothole reporting with photographs",
    "housing repairs appointment booking",
    "garden waste subscription payments",
    "street lighting fault map",
    "licensing renewals for taxi drivers",
]
WORDS = [
    "digital",
    "form",
    "portal",
    "automate",
    "paper",
    "process",
    "spreadsheet",
    "manual",
    "duplicate",
    "invoices",
    "contractor",
    "route",
    "schedule",
    "mobile",
    "email",
    "letters",
    "backlog",
    "queue",
    "customer",
    "complaint",
    "survey",
    "data",
    "dashboard",
    "team",
    "officer",
    "visit",
    "inspection",
    "payment",
    "refund",
    "booking",
    "reminder",
    "alert",
    "tracking",
    "licence",
    "permit",
    "waste",
    "recycling",
]


def _corpus(size: int, seed: int = 7) -> dict[int, str]:
    chooser = random.Random(seed)
    texts = {}
    for number in range(1, size + 1):
        topic = chooser.choice(TOPICS)
        extra = " ".join(chooser.sample(WORDS, chooser.randint(2, 12)))
        texts[number] = normalise(f"{topic} {topic} {extra}")
    return texts


def test_normalise_drops_stop_words_case_and_punctuation() -> None:
    text = "The Council should REPLACE paper forms, with online ones!"
    assert normalise(text) == "replace paper forms online ones"


def test_stems_are_the_first_five_letters_of_each_distinct_word() -> None:
    assert stems("parking permits permit online") == {"parki", "permi", "onlin"}


def test_most_similar_ignores_word_order_and_leaves_out_the_excluded_text() -> None:
    matches = most_similar(
        "permits for parking",
        [(1, "Parking permits"), (2, "Bin collection days"), (3, "Parking permits online")],
        exclude_id=3,
    )
    assert [m.id for m in matches] == [1]
    assert matches[0].similarity == 1.0


def test_a_small_index_scores_every_text_like_the_plain_search() -> None:
    texts = _corpus(300)
    index = SimilarityIndex(texts)
    for query in TOPICS:
        assert index.search(query, limit=5) == most_similar_normalised(query, texts, limit=5)


def test_a_large_index_gives_the_same_best_matches_as_scoring_every_text() -> None:
    texts = _corpus(EXHAUSTIVE_UP_TO * 3)
    index = SimilarityIndex(texts)
    chooser = random.Random(11)
    for text_id in chooser.sample(sorted(texts), 40):
        query = texts[text_id]
        best = most_similar_normalised(query, texts, exclude_id=text_id, limit=5)
        found = index.search(query, exclude_id=text_id, limit=5)
        assert [m.similarity for m in found] == [m.similarity for m in best]


def test_a_large_index_scores_only_a_shortlist(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _corpus(EXHAUSTIVE_UP_TO * 3)
    index = SimilarityIndex(texts)
    scored: list[int] = []
    plain = similarity.most_similar_normalised

    def counting(query: str, choices: dict[int, str], **options: object) -> list[similarity.Match]:
        scored.append(len(choices))
        return plain(query, choices, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(similarity, "most_similar_normalised", counting)
    index.search(TOPICS[0], limit=5)
    assert scored == [SHORTLIST_SIZE]


def test_the_shortlist_prefers_texts_sharing_most_of_their_words() -> None:
    texts = {1: "bin collection", 2: "parking permit", 3: "bin"}
    texts.update({n: f"unrelated words number{n}" for n in range(4, 50)})
    assert set(SimilarityIndex(texts).shortlist("bin collection reminders", size=2)) == {1, 3}


def test_a_search_sharing_no_stem_finds_nothing_in_a_large_index() -> None:
    index = SimilarityIndex(_corpus(EXHAUSTIVE_UP_TO + 1))
    assert index.shortlist(normalise("zebra crossing")) == {}
    assert index.search("zebra crossing") == []
