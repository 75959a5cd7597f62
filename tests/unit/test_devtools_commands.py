"""The developer commands reach the ``changeauth`` console script through the ``flask.commands`` entry
points that ``pyproject.toml`` declares, and only through them (the application never imports
``changeauth.devtools``; import-linter checks that side)."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import click
import pytest

from changeauth.cli import main

ROOT = Path(__file__).resolve().parents[2]
REINSTALL = "the installed package is stale: run .venv/bin/pip install -e '.[test,bench]' again"


def _declared() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return dict(project["entry-points"]["flask.commands"])


def test_the_installed_entry_points_are_the_declared_ones() -> None:
    installed = {
        entry.name: entry.value
        for entry in metadata.entry_points(group="flask.commands")
        if entry.value.startswith("changeauth.")
    }
    assert installed == _declared(), REINSTALL


def test_every_declared_command_is_a_devtools_click_command() -> None:
    for name, target in _declared().items():
        assert target.startswith("changeauth.devtools."), name
        command = metadata.EntryPoint(name=name, value=target, group="flask.commands").load()
        assert isinstance(command, click.Command) and command.name == name


@pytest.mark.parametrize("name", ["demo", "demo-data", "seed"])
def test_the_console_script_offers_the_developer_commands(name: str) -> None:
    context = click.Context(main)
    assert main.get_command(context, name) is not None, REINSTALL


def test_seed_keeps_the_production_command_beside_the_demo() -> None:
    seed = main.get_command(click.Context(main), "seed")
    assert isinstance(seed, click.Group)
    assert sorted(seed.commands) == ["demo", "reference"]
