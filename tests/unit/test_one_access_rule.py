"""What a person may do with an improvement is asked one way, ``queries.improvements.access_to``, which
always loads the declared conflicts and former holders: an improvement's facts built any other way would
silently let a conflicted member decide (docs/security.md)."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "changeauth"
# ``Improvement.facts(...)`` called anywhere but inside ``access_to``; ``visibility_facts`` is another rule.
FACTS_CALL = re.compile(r"(?<![\w])(?:\w+\.)*(?<!visibility_)facts\(|access_facts\b")


def offenders() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.lstrip().startswith("def "):
                continue
            if FACTS_CALL.search(line) and relative not in {"queries/improvements.py"}:
                found.append(f"{relative}:{number}")
    return found


def test_improvement_facts_come_only_from_access_to() -> None:
    assert not offenders(), "ask queries.improvements.access_to(improvement, user) instead: " + ", ".join(
        offenders()
    )


def test_the_pattern_finds_facts_built_by_hand() -> None:
    assert FACTS_CALL.search("    facts = improvement.facts(conflicts, holders)")
    assert FACTS_CALL.search("    facts = improvement_queries.access_facts(improvement)")
    assert not FACTS_CALL.search("    can = permissions.can_view(actor, improvement.visibility_facts())")
    assert not FACTS_CALL.search("    return gate, evaluate(specs, gate_facts(improvement, today=today))")
