"""The application factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from changeauth import db, security_log
from changeauth.config import PROJECT_ROOT, check_config, load_config


def create_app(config_overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, database, sign-in, CSRF, blueprints, API, errors and CLI.

    It never starts the scheduler; ``changeauth scheduler`` (or ``changeauth demo``) does.
    """
    overrides = dict(config_overrides or {})
    instance_path = Path(overrides.pop("INSTANCE_PATH", PROJECT_ROOT / "instance"))
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    app.config.update(load_config(overrides.get("ENV_NAME"), instance_path=instance_path))
    app.config.update(overrides)
    check_config(app.config)
    security_log.configure()

    db.init_app(app)
    _register_extensions(app)

    from changeauth.web import register_web

    register_web(app)

    from changeauth.cli import register_cli

    register_cli(app)
    return app


def _register_extensions(app: Flask) -> None:
    from changeauth.extensions import api, csrf, login_manager

    login_manager.init_app(app)
    csrf.init_app(app)
    api.init_app(app)
