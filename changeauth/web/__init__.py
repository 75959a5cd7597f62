"""The web layer: blueprints for people (HTML) and for integrations (the JSON API)."""

from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    """Register request hooks, error handlers, template filters and every blueprint."""
    from changeauth.web import auth, errors, filters, hooks, improvements, main
    from changeauth.web.api import register_api

    hooks.register(app)
    errors.register(app)
    filters.register(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(main.bp)
    app.register_blueprint(improvements.bp)
    register_api(app)
