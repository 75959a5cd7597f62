"""One way to guard a write (docs/architecture.md#guarding-a-write): services guard with
``guards.expect_version`` and ``guards.flush_guarded`` over a mapper's ``version_id_col``, never by moving a
version by hand, taking a row lock or writing their own compare-and-set UPDATE.

The row locks kept on purpose (each guards an order among several rows, not an update of one: the service
says why) are listed below with how many times each service file uses an older idiom; the test fails on a
new use anywhere and on a count that has gone down without the list following, so the list only
shrinks."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "changeauth" / "services"

OLDER_IDIOMS = {
    "a version moved by hand": re.compile(r"\.(?:version|revision|lock_version|sequence)\s*\+=\s*1\b"),
    "a row lock": re.compile(r"with_for_update"),
    "a compare-and-set UPDATE": re.compile(
        r"\b(?:version|revision|sequence)[\"']?\s*[=:]\s*[\w.]+\s*\+\s*1\b"
    ),
}

# Row locks kept on purpose, by file: uses of any older idiom (the inventory in docs/architecture.md).
NOT_YET_MOVED = {
    # Kept: recording a measurement locks the benefit, for one value per period and the latest value and
    # next due date worked out from every measurement (benefits.record_measurement says why).
    "benefits.py": 1,
    # Kept: the improvement's row lock orders the writers of its series of business cases (the next case's
    # number, the latest case's status, the stage) rather than guarding an update of the improvement
    # (business_cases._lock_improvement says why).
    "business_cases.py": 1,
    # Kept: members scoring one improvement take turns on its row, so its stored score is worked out from
    # every committed assessment (scoring.save_assessment says why).
    "scoring.py": 1,
}


def _uses() -> Counter[str]:
    found: Counter[str] = Counter()
    for path in SERVICES.rglob("*.py"):
        if path.name == "guards.py":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if any(pattern.search(line) for pattern in OLDER_IDIOMS.values()):
                found[str(path.relative_to(SERVICES))] += 1
    return found


def test_the_patterns_catch_each_older_idiom() -> None:
    samples = {
        "a version moved by hand": "    resource.version += 1",
        "a row lock": "select(Benefit).where(Benefit.id == 1).with_for_update()",
        "a compare-and-set UPDATE": ".values(version=Improvement.version + 1)",
    }
    assert OLDER_IDIOMS["a compare-and-set UPDATE"].search('"version": Improvement.version + 1,')
    for name, line in samples.items():
        assert OLDER_IDIOMS[name].search(line), name
    assert not any(pattern.search("    user.session_version += 1") for pattern in OLDER_IDIOMS.values())


def test_no_service_guards_a_write_another_way() -> None:
    uses = _uses()
    grown = {name: count for name, count in uses.items() if count > NOT_YET_MOVED.get(name, 0)}
    assert not grown, (
        f"Guard the write with services/guards.py (expect_version, flush_guarded) instead: {grown}"
    )
    shrunk = {name: count for name, count in NOT_YET_MOVED.items() if uses.get(name, 0) < count}
    assert not shrunk, f"Lower (or remove) these in NOT_YET_MOVED, the write was moved to guards.py: {shrunk}"
