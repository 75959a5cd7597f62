"""Templates ask a state's properties (``condition.is_open``, ``spec.is_must``) instead of comparing it to a
word (``condition.status == 'open'``) or reading a message's wording (``detail.startswith(...)``).

A word compared in a template is invisible to the type checker and to a search for the enum: renaming a
state or rewording a message silently changes what a page offers. Any comparison fails here
(docs/architecture.md#habits-every-layer-keeps)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

STATE_NAMES = (
    "status|stage|kind|state|route|change|severity|direction|cash_class|check|subject_type|score_status|"
    "staleness|decision|outcome|gate|rag|recurrence"
)
WORD_COMPARISON = re.compile(
    rf"\b[a-z_]+(?:\.[a-z_]+)*\.(?:{STATE_NAMES})(?:\.value)?\s*(?:==|!=)\s*['\"][a-z_]+['\"]"
    rf"|['\"][a-z_]+['\"]\s*(?:==|!=)\s*[a-z_]+(?:\.[a-z_]+)*\.(?:{STATE_NAMES})\b"
    r"|\.(?:detail|message|text|label)\.startswith\("
    # A bare rating compared to a word, as in the benefits' tag macro.
    r"|\brag\s*(?:==|!=)\s*['\"][a-z_]+['\"]"
)

# A stored code turned into words by capitalising it ("Non_cashable", "Active"): the state's own label
# (or a filter over it) names it in plain English instead.
CAPITALISED_CODE = re.compile(
    rf"\.(?:{STATE_NAMES})(?:\.value)?\s*(?:\|\s*replace\([^)]*\)\s*)?\|\s*capitalize\b"
)


def comparisons() -> Counter[str]:
    found: Counter[str] = Counter()
    for path in sorted(TEMPLATES.rglob("*.html")):
        count = len(WORD_COMPARISON.findall(path.read_text(encoding="utf-8")))
        if count:
            found[path.relative_to(TEMPLATES).as_posix()] = count
    return found


def test_no_template_compares_a_state_to_a_word() -> None:
    found = dict(comparisons())
    assert not found, (
        f"ask the state a property instead (for example `condition.is_open`, `spec.is_must`): {found}"
    )


def test_no_template_capitalises_a_code_into_words() -> None:
    texts = {
        path.relative_to(TEMPLATES).as_posix(): path.read_text(encoding="utf-8")
        for path in TEMPLATES.rglob("*.html")
    }
    found = {
        name: len(CAPITALISED_CODE.findall(text))
        for name, text in texts.items()
        if CAPITALISED_CODE.search(text)
    }
    assert not found, f"show the state's label (for example `condition.status.label`): {found}"


def test_the_pattern_finds_what_it_is_meant_to() -> None:
    assert WORD_COMPARISON.search("{% if condition.status == 'open' %}")
    assert WORD_COMPARISON.search("{% if f.staleness.value == 'escalated' %}")
    assert WORD_COMPARISON.search("{% if 'draft' != case.status %}")
    assert WORD_COMPARISON.search("{% for s in statuses if s.detail.startswith('Not yet') %}")
    assert WORD_COMPARISON.search("{% if rag == 'no_current_data' %}")
    assert WORD_COMPARISON.search("{{ 'Every year' if a.recurrence == 'recurring' else 'Once' }}")
    assert CAPITALISED_CODE.search("<td>{{ c.kind | capitalize }}</td>")
    assert CAPITALISED_CODE.search("{{ view.status.value | capitalize }}")
    assert CAPITALISED_CODE.search("{{ benefit.cash_class | replace('_', ' ') | capitalize }}")
    assert not CAPITALISED_CODE.search("{{ year_labels[loop.index0] | capitalize }}")
    assert not WORD_COMPARISON.search("{% if condition.is_open %}")
    assert not WORD_COMPARISON.search("{{ 'Choose' if purpose == 'set' else 'Change' }}")
