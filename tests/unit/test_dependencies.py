"""Dependencies: a lock file of exact versions that covers every dependency in pyproject.toml (so a
vulnerability audit such as ``pip-audit -r requirements.lock`` can be run wherever an advisory service is
reachable; CI does not depend on one), and bandit with no high-severity finding (DEP-03)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version


def _locked(project_root: Path) -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (project_root / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, separator, version = line.partition("==")
        assert separator, f"not an exact pin: {line!r}"
        pins[canonicalize_name(name)] = Version(version)
    return pins


def _declared(project_root: Path) -> list[Requirement]:
    project = tomllib.loads((project_root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = project["dependencies"] + [
        dep for deps in project["optional-dependencies"].values() for dep in deps
    ]
    return [Requirement(text) for text in listed]


def test_every_dependency_is_pinned_to_a_version_it_accepts(project_root: Path) -> None:
    pins = _locked(project_root)
    problems = []
    for requirement in _declared(project_root):
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{requirement.name} is not in requirements.lock")
        elif not requirement.specifier.contains(pinned, prereleases=True):
            problems.append(f"{requirement.name}=={pinned} does not satisfy {requirement.specifier}")
    assert problems == [], "regenerate it: .venv/bin/pip freeze --exclude-editable > requirements.lock"


def test_the_lock_file_is_not_empty_and_has_no_project_itself(project_root: Path) -> None:
    pins = _locked(project_root)
    assert len(pins) >= 40
    assert "changeauth" not in pins


def test_bandit_finds_nothing_of_high_severity(project_root: Path) -> None:
    completed = subprocess.run(  # noqa: S603 - a fixed command
        [
            sys.executable,
            "-m",
            "bandit",
            "-q",
            "-c",
            "pyproject.toml",
            "-r",
            "changeauth",
            "--severity-level",
            "high",
        ],
        cwd=project_root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
