"""The password policy (AUTH-01, AUTH-02): length only, no composition rules, no common or context words.

- 12 to 128 characters, counted as typed: nothing is trimmed or case-folded, spaces and emoji count.
- Refused: any of the 19,640 common passwords bundled in ``data/common_passwords.txt.gz`` (compared
  without regard to case, and also with leading and trailing digits and symbols taken off, so
  ``Password123456!`` is refused too), and passwords whose letters are nothing but context words: the
  service's and the council's names (whole and word by word) and the words in ``CONTEXT_WORDS``.

The list is Django 5.2.19's ``django/contrib/auth/common-passwords.txt.gz`` (BSD licence; Django took it
from Royce Williams' list of the 20,000 most common passwords), copied at build time; see
``data/README.md``. Nothing is downloaded at run time.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable
from enum import StrEnum
from functools import cache
from importlib import resources

MIN_LENGTH = 12
MAX_LENGTH = 128

# Words a person guessing a council employee's password for this service would try first (ASVS 6.2.11).
CONTEXT_WORDS = frozenset(
    {
        "changeauth",
        "changeauthority",
        "council",
        "districtcouncil",
        "countycouncil",
        "boroughcouncil",
        "citycouncil",
        "localauthority",
        "designauthority",
        "improvement",
        "improvements",
        "improvementideas",
        "ideas",
        "backlog",
        "businesscase",
        "benefits",
        "transformation",
        "password",
        "passw0rd",
        "welcome",
        "letmein",
        "customerconnect",
    }
)

_EDGE_NOISE = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_NOT_LETTERS = re.compile(r"[^a-z]")
_TOO_SHORT = f"Your password must be at least {MIN_LENGTH} characters long."
_TOO_LONG = f"Your password must be {MAX_LENGTH} characters or fewer."
_COMMON = "This password is too common. Try three or four random words instead."
_CONTEXT = "Do not base your password on the name of the council or of this service."
_EMAIL = "Do not base your password on your email address."


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list, lower-cased."""
    data = resources.files("changeauth.domain").joinpath("data/common_passwords.txt.gz").read_bytes()
    return frozenset(line.strip().lower() for line in gzip.decompress(data).decode("utf-8").splitlines())


def context_words(org_name: str | None) -> frozenset[str]:
    """The fixed context words plus the council's name, whole and word by word (words of 4+ letters)."""
    words = set(CONTEXT_WORDS)
    if org_name:
        lowered = org_name.lower()
        words.add(_NOT_LETTERS.sub("", lowered))
        words.update(w for w in (_NOT_LETTERS.sub("", part) for part in lowered.split()) if len(w) >= 4)
    words.discard("")
    return frozenset(words)


def _is_common(password: str) -> bool:
    listed = common_passwords()
    lowered = password.lower()
    core = _EDGE_NOISE.sub("", lowered)
    return lowered in listed or (len(core) >= 4 and core in listed)


def _made_of(letters: str, words: frozenset[str]) -> bool:
    """True when ``letters`` is nothing but context words run together (``southsomerset``)."""
    if not letters:
        return False
    reachable = [True] + [False] * len(letters)
    for end in range(1, len(letters) + 1):
        reachable[end] = any(reachable[start] and letters[start:end] in words for start in range(end))
    return reachable[-1]


def password_problems(
    password: str, *, org_name: str | None = None, email: str | None = None, extra_words: Iterable[str] = ()
) -> list[str]:
    """Why ``password`` is refused (an empty list when it is acceptable). Only the first problem is named."""
    if len(password) < MIN_LENGTH:
        return [_TOO_SHORT]
    if len(password) > MAX_LENGTH:
        return [_TOO_LONG]
    if _is_common(password):
        return [_COMMON]
    letters = _NOT_LETTERS.sub("", password.lower())
    if _made_of(letters, context_words(org_name) | {w.lower() for w in extra_words}):
        return [_CONTEXT]
    if email:
        local = _NOT_LETTERS.sub("", email.lower().partition("@")[0])
        if len(local) >= 4 and (letters == local or letters == _NOT_LETTERS.sub("", email.lower())):
            return [_EMAIL]
    return []


class TokenPurpose(StrEnum):
    """What a single-use password link is for: setting a new account's first password, or a reset."""

    RESET = "reset"
    SET = "set"
