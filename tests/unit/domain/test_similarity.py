"""Text similarity: normalising and scoring texts (the database's text index gives the shortlist at scale:
tests/integration/test_similar_work.py)."""

from __future__ import annotations

from changeauth.domain.similarity import most_similar, normalise


def test_normalise_drops_stop_words_case_and_punctuation() -> None:
    text = "The Council should REPLACE paper forms, with online ones!"
    assert normalise(text) == "replace paper forms online ones"


def test_most_similar_ignores_word_order_and_leaves_out_the_excluded_text() -> None:
    matches = most_similar(
        "permits for parking",
        [(1, "Parking permits"), (2, "Bin collection days"), (3, "Parking permits online")],
        exclude_id=3,
    )
    assert [m.id for m in matches] == [1]
    assert matches[0].similarity == 1.0
