"""Imports every module of the app's pages and commands (``create_app`` imports them on its first call),
for a multiprocessing forkserver to load once so that the processes it starts begin with them loaded."""

from __future__ import annotations

import importlib
import pkgutil

import changeauth.cli
import changeauth.web

for _package in (changeauth.web, changeauth.cli):
    for _module in pkgutil.walk_packages(_package.__path__, f"{_package.__name__}."):
        importlib.import_module(_module.name)
