"""releases.toml: every release names its version and full commit, oldest first, starting with the first
release; the upgrade test reads it to find the previous release."""

from __future__ import annotations

import re

from packaging.version import Version

from tests.upgrade.release import releases

FIRST_RELEASE_COMMIT = "6e42d30af5277d2c47b0b1f342a29976e8cfebcc"


def test_the_first_release_is_the_first_entry() -> None:
    assert releases()[0].commit == FIRST_RELEASE_COMMIT


def test_each_release_names_a_full_commit_and_a_version_newer_than_the_last() -> None:
    entries = releases()
    assert all(re.fullmatch(r"[0-9a-f]{40}", entry.commit) for entry in entries)
    versions = [Version(entry.version) for entry in entries]
    assert versions == sorted(set(versions))
    assert len({entry.commit for entry in entries}) == len(entries)
