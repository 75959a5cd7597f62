"""Appraisal figures in words: payback never "0.0 years", BCR to two places (never four)."""

from __future__ import annotations

from decimal import Decimal

from changeauth.web.business_cases.views import format_bcr, format_payback, payback_sentence


def test_payback_in_words() -> None:
    assert format_payback(None) == "Does not pay back within the appraisal period"
    assert format_payback(Decimal(0)) == "Pays back within the first year"
    assert format_payback(Decimal("0.02")) == "Pays back within the first year"
    assert format_payback(Decimal("1")) == "1.0 year"
    assert format_payback(Decimal("1.6667")) == "1.7 years"


def test_payback_inside_a_sentence() -> None:
    assert payback_sentence(Decimal("1.6667")) == "pays back in 1.7 years"
    assert payback_sentence(Decimal(0)) == "pays back within the first year"
    assert payback_sentence(None) == "does not pay back within the appraisal period"
    assert payback_sentence(None, True) == (
        "does not pay back within the appraisal period (payback counts cashable benefits only)"
    )
    assert payback_sentence(None, False).startswith("does not pay back in cash: payback counts cashable")


def test_bcr_to_two_places() -> None:
    assert format_bcr(Decimal("1.13983")) == "1.14"
    assert format_bcr(None) == "None (no costs)"
