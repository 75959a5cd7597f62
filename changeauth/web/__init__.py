"""The web layer: blueprints for people (HTML) and for integrations (the JSON API)."""

from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    """Register request hooks, error handlers, template filters and every blueprint."""
    from changeauth.web import (
        account,
        actions,
        admin,
        attachments,
        auth,
        backlog,
        benefits,
        business_cases,
        decisions,
        errors,
        filters,
        gates,
        health,
        hooks,
        improvements,
        main,
        meetings,
        notifications,
        portfolio,
        profile,
        reports,
        reviews,
        scoring,
        temporary_resources,
        triage,
    )
    from changeauth.web.api import register_api

    auth.provider.init_app(app)
    hooks.register(app)
    errors.register(app)
    filters.register(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(main.bp)
    app.register_blueprint(improvements.bp)
    app.register_blueprint(business_cases.bp)
    app.register_blueprint(triage.bp)
    app.register_blueprint(gates.bp)
    app.register_blueprint(decisions.bp)
    app.register_blueprint(meetings.bp)
    app.register_blueprint(attachments.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(backlog.bp)
    app.register_blueprint(scoring.bp)
    app.register_blueprint(benefits.bp)
    app.register_blueprint(reviews.bp)
    app.register_blueprint(temporary_resources.bp)
    app.register_blueprint(actions.bp)
    app.register_blueprint(portfolio.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(profile.bp)
    register_api(app)
