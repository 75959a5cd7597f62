"""The previous release: found in releases.toml, checked out in a work tree of its own (``git worktree``)
and driven through its own command line in a process of its own, never imported into the tests.

The old code runs from its own tree (first on ``PYTHONPATH``, and a bootstrap checks ``changeauth`` came
from there), with a distribution record of its own so that only its own command plugins load. It reuses
this environment's libraries when each of the release's running dependencies is installed within the
range the release declared; otherwise it gets a virtual environment of its own, built once from the
release's lock file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

from changeauth.config import PROJECT_ROOT

RELEASES_FILE = PROJECT_ROOT / "releases.toml"

# Run by the old interpreter: import the release's own package from its tree, refuse any other, then hand
# the rest of the arguments to its command line.
_BOOTSTRAP = """
import sys
from pathlib import Path
tree = Path(sys.argv[1]).resolve()
import changeauth
if tree not in Path(changeauth.__file__).resolve().parents:
    sys.exit(f"changeauth was imported from {changeauth.__file__}, not from the release's tree {tree}")
from changeauth.cli import main
sys.argv = ["changeauth", *sys.argv[2:]]
main()
"""


@dataclass(frozen=True)
class Release:
    version: str
    commit: str


def releases(path: Path = RELEASES_FILE) -> list[Release]:
    """Every release in the file, oldest first."""
    with path.open("rb") as handle:
        entries = tomllib.load(handle)["release"]
    return [Release(version=str(entry["version"]), commit=str(entry["commit"])) for entry in entries]


def _git(*args: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


def previous_release(repo: Path = PROJECT_ROOT) -> Release:
    """The newest release that the code under test came after: its commit is an ancestor of HEAD and is
    not HEAD itself (on a release's own commit, the one before it)."""
    head = _git("rev-parse", "HEAD", cwd=repo).stdout.strip()
    for release in reversed(releases()):
        if release.commit == head:
            continue
        if _git("merge-base", "--is-ancestor", release.commit, "HEAD", cwd=repo).returncode == 0:
            return release
    raise LookupError(
        "No release in releases.toml comes before HEAD in this clone's history "
        "(a shallow clone lacks it: fetch the full history)."
    )


@contextmanager
def checked_out(release: Release, where: Path, repo: Path = PROJECT_ROOT) -> Iterator[Path]:
    """The release's tree in a detached work tree at ``where``, removed afterwards."""
    added = _git("worktree", "add", "--detach", str(where), release.commit, cwd=repo)
    if added.returncode != 0:
        raise RuntimeError(f"git worktree add failed: {added.stderr.strip()}")
    try:
        yield where
    finally:
        _git("worktree", "remove", "--force", str(where), cwd=repo)
        _git("worktree", "prune", cwd=repo)


def libraries_outside(tree: Path) -> list[str]:
    """The release's running dependencies (its pyproject.toml) that are missing here or whose installed
    version is outside the range the release declared it works with."""
    with (tree / "pyproject.toml").open("rb") as handle:
        declared = [Requirement(text) for text in tomllib.load(handle)["project"]["dependencies"]]
    outside = []
    for requirement in declared:
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            outside.append(f"{requirement.name} is not installed here")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            outside.append(f"{requirement.name} {installed} here; the release wants {requirement.specifier}")
    return outside


def release_metadata(tree: Path, where: Path) -> Path:
    """A ``changeauth`` distribution record for the release (its version and entry points, from its own
    pyproject.toml) in a folder of its own. Put on the path before this environment's libraries, it is
    the ``changeauth`` that importlib.metadata finds first, so Flask loads the release's command plugins
    and never this code's."""
    with (tree / "pyproject.toml").open("rb") as handle:
        project = tomllib.load(handle)["project"]
    groups = {"console_scripts": project.get("scripts", {}), **project.get("entry-points", {})}
    record = where / f"changeauth-{project['version']}.dist-info"
    record.mkdir(parents=True, exist_ok=True)
    (record / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: changeauth\nVersion: {project['version']}\n", encoding="utf-8"
    )
    (record / "entry_points.txt").write_text(
        "".join(
            f"[{group}]\n" + "".join(f"{name} = {target}\n" for name, target in points.items()) + "\n"
            for group, points in groups.items()
            if points
        ),
        encoding="utf-8",
    )
    return where


def release_python(tree: Path, scratch: Path) -> str:
    """An interpreter with libraries the release runs with: this one when every running dependency is
    within the release's declared ranges, else a fresh virtual environment from the release's lock file."""
    if not libraries_outside(tree):
        return sys.executable
    home = scratch / "release-venv"
    venv.EnvBuilder(with_pip=True).create(home)
    python = home / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-c", str(tree / "requirements.lock"), "-e", str(tree)],
        check=True,
    )
    return str(python)


@dataclass(frozen=True)
class CommandLine:
    """``changeauth`` of one tree (the release's, or this one's) against one database. ``paths`` go on
    the import path after the tree (the release's distribution record)."""

    tree: Path
    python: str
    paths: tuple[Path, ...] = ()

    def run(self, database_url: str, instance: Path, *args: str) -> str:
        env = {key: value for key, value in os.environ.items() if not key.startswith("CHANGEAUTH_")}
        env.update(
            CHANGEAUTH_ENV="development",
            CHANGEAUTH_DATABASE_URL=database_url,
            # `changeauth demo` reads its own two (and keeps its secret key in the instance folder).
            CHANGEAUTH_DEMO_DATABASE_URL=database_url,
            CHANGEAUTH_INSTANCE_PATH=str(instance),
            PYTHONPATH=os.pathsep.join(str(path) for path in (self.tree, *self.paths)),
        )
        completed = subprocess.run(
            [self.python, "-c", _BOOTSTRAP, str(self.tree), *args],
            cwd=self.tree,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise AssertionError(
                f"changeauth {' '.join(args)} ({self.tree}) exited {completed.returncode}:\n"
                f"{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}"
            )
        return completed.stdout
