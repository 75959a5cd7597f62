"""Every test ran somewhere, and each where docs/architecture.md#what-ci-runs-where says: read the JUnit
reports of .ci/run's pytest steps and fail if a test was only ever skipped, or if a database test that ran
on SQLite did not run on PostgreSQL.

    python .ci/every_test_ran.py sqlite=a.xml bench=b.xml postgresql=c.xml upgrade=d.xml

Each test's markers reach the report as a property (tests/conftest.py adds them under --junitxml). Prints
how many tests each step ran and skipped. Uses the standard library only.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET  # noqa: S405 - our own pytest's reports, not untrusted input
from collections import Counter

# Tests of the SQLite step that CI runs on PostgreSQL too, unless a rule below leaves them out.
SQLITE_ONLY_FOLDERS = ("tests/unit/", "tests/upgrade/")  # no database; the upgrade has its own step
BROWSER_FOLDERS = ("tests/browser/", "tests/journeys/")
SQLITE_ONLY_FILES = ("tests/api/test_limits.py",)  # counted in the limiter's storage, not the database
# Tests about SQLite itself, which skip on PostgreSQL by design (their skip message says why).
SQLITE_ONLY_TESTS = (
    "tests.integration.test_database_settings::test_sqlite_connections_have_the_pragmas",
    "tests.resilience.test_backup_restore::test_a_damaged_backup_is_refused_and_nothing_changes",
)
# Skip messages that mean "nothing to check here" rather than "checked elsewhere": such a test may skip in
# every step. tests/functional/test_route_security.py: an API write without a body has no field to refuse.
NOTHING_TO_CHECK = {"takes no body"}


def _outcomes(path: str) -> dict[str, tuple[str, set[str]]]:
    """test id -> ("ran" | "skipped", markers)."""
    found: dict[str, tuple[str, set[str]]] = {}
    for case in ET.parse(path).getroot().iter("testcase"):  # noqa: S314 - see the import
        test_id = f"{case.get('classname')}::{case.get('name')}"
        skipped = case.find("skipped")
        ran = (
            skipped is None
            or skipped.get("type") == "pytest.xfail"
            or skipped.get("message") in NOTHING_TO_CHECK
        )
        markers: set[str] = set()
        for prop in case.iter("property"):
            if prop.get("name") == "markers":
                markers = set((prop.get("value") or "").split())
        found[test_id] = ("ran" if ran else "skipped", markers)
    return found


def _file_of(test_id: str) -> str:
    """tests.api.test_limits.TestX::test_y -> tests/api/test_limits.py (classes are left off)."""
    parts = test_id.split("::")[0].split(".")
    while parts and not parts[-1].startswith("test_"):
        parts.pop()
    return "/".join(parts) + ".py"


def _runs_on_postgresql(test_id: str, markers: set[str]) -> bool:
    path = _file_of(test_id)
    if test_id in SQLITE_ONLY_TESTS:
        return False
    if path.startswith(SQLITE_ONLY_FOLDERS) or path in SQLITE_ONLY_FILES or "markup" in markers:
        return False
    return not path.startswith(BROWSER_FOLDERS) or "both_databases" in markers


def main(args: list[str]) -> int:
    steps = dict(arg.split("=", 1) for arg in args)
    results = {step: _outcomes(path) for step, path in steps.items()}
    problems = []
    for step, outcomes in results.items():
        counts = Counter(outcome for outcome, _ in outcomes.values())
        print(f"{step}: {counts['ran']} tests ran, {counts['skipped']} skipped")
        if not counts["ran"]:
            problems.append(f"the {step} step ran no tests")
    everything = {test_id for outcomes in results.values() for test_id in outcomes}
    never_ran = sorted(
        test_id
        for test_id in everything
        if not any(outcomes.get(test_id, ("",))[0] == "ran" for outcomes in results.values())
    )
    problems += [f"skipped in every step: {test_id}" for test_id in never_ran]
    if "sqlite" in results and "postgresql" in results:
        missing = sorted(
            test_id
            for test_id, (outcome, markers) in results["sqlite"].items()
            if outcome == "ran"
            and _runs_on_postgresql(test_id, markers)
            and results["postgresql"].get(test_id, ("",))[0] != "ran"
        )
        problems += [f"ran on SQLite but not on PostgreSQL: {test_id}" for test_id in missing]
    for problem in problems[:50]:
        print(problem)
    if len(problems) > 50:
        print(f"... and {len(problems) - 50} more")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
