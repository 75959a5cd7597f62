"""The password policy (AUTH-01, AUTH-02): 12 to 128 characters as typed, no composition rules, no common
passwords and no council or service words."""

from __future__ import annotations

import random

import pytest

from changeauth.domain import passwords
from changeauth.domain.passwords import MAX_LENGTH, MIN_LENGTH, common_passwords, password_problems


def test_the_bundled_list_has_at_least_ten_thousand_entries() -> None:
    assert len(common_passwords()) >= 10_000
    assert {"password", "123456", "qwerty", "iloveyou"} <= common_passwords()


@pytest.mark.parametrize("length", [1, 7, 8, MIN_LENGTH - 1])
def test_shorter_than_twelve_is_refused(length: int) -> None:
    assert password_problems("q" * (length - 1) + "z") == [
        "Your password must be at least 12 characters long."
    ]


def test_twelve_characters_of_lower_case_letters_are_enough() -> None:
    # No composition rules: no digits, capitals or symbols needed (ASVS 6.2.5).
    assert password_problems("plumtreeclog") == []
    assert password_problems("correct horse battery staple") == []


def test_sixty_four_characters_with_spaces_and_emoji_are_accepted() -> None:
    phrase = "  the 🦊 quick brown fox, jumps over 🐕 the lazy dog — twice!  ☕".ljust(64, ".")
    assert len(phrase) == 64
    assert password_problems(phrase) == []


def test_128_accepted_and_129_refused() -> None:
    assert password_problems("ab" * (MAX_LENGTH // 2)) == []
    assert password_problems("ab" * (MAX_LENGTH // 2) + "c") == [
        "Your password must be 128 characters or fewer."
    ]


def test_twenty_sampled_common_passwords_are_refused_however_they_are_cased() -> None:
    rng = random.Random(12)
    long_enough = sorted(p for p in common_passwords() if len(p) >= MIN_LENGTH)
    for entry in rng.sample(long_enough, 20):
        assert password_problems(entry), entry
        assert password_problems(entry.upper()), entry


@pytest.mark.parametrize(
    "password", ["Password123456!", "!!qwerty123456789", "iloveyou12345678", "1234567890123"]
)
def test_common_passwords_padded_with_digits_and_symbols_are_refused(password: str) -> None:
    assert password_problems(password) == [
        "This password is too common. Try three or four random words instead."
    ]


@pytest.mark.parametrize(
    "password",
    ["Changeauth2026!", "council council", "DesignAuthority1", "Improvement-Ideas-2026", "SouthSomerset99"],
)
def test_council_and_service_words_are_refused(password: str) -> None:
    problems = password_problems(password, org_name="South Somerset District Council")
    assert problems == ["Do not base your password on the name of the council or of this service."]


def test_the_council_name_comes_from_the_setting() -> None:
    assert password_problems("Wychavon Wychavon") == []
    assert password_problems("Wychavon Wychavon", org_name="Wychavon District Council") != []


def test_the_email_address_is_refused() -> None:
    assert password_problems("priya.patel!!!", email="priya.patel@council.example") == [
        "Do not base your password on your email address."
    ]


def test_the_demo_password_meets_the_policy() -> None:
    from changeauth.devtools.demo_data import DEMO_PASSWORD

    assert password_problems(DEMO_PASSWORD, org_name="Your Council") == []


def test_the_context_words_are_documented_in_the_module() -> None:
    assert "changeauth" in passwords.CONTEXT_WORDS and "council" in passwords.CONTEXT_WORDS
