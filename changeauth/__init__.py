"""changeauth: a change authority and improvement backlog for local councils.

The factory is imported lazily so that ``changeauth.domain`` stays importable without Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from flask import Flask


def create_app(config_overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask application (see ``changeauth.app.create_app``)."""
    from changeauth.app import create_app as _create_app

    return _create_app(config_overrides)


__all__ = ["create_app"]
