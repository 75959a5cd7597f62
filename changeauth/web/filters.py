"""Jinja filters and globals: dates, money, stage labels, and the signed-in person's navigation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_login import current_user

from changeauth.domain import permissions
from changeauth.domain.lifecycle import STAGE_LABELS, Stage
from changeauth.domain.money import format_money
from changeauth.domain.roles import ROLE_LABELS, Role


def format_date(value: date | datetime | None) -> str:
    """29 November 2026."""
    if value is None:
        return ""
    return f"{value.day} {value.strftime('%B %Y')}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return f"{format_date(value)} at {value.strftime('%H:%M')}"


def stage_label(value: str | None) -> str:
    if not value:
        return ""
    try:
        return STAGE_LABELS[Stage(value)]
    except ValueError:
        return value.replace("_", " ").capitalize()


def role_label(value: str) -> str:
    try:
        return ROLE_LABELS[Role(value)]
    except ValueError:
        return value


def _navigation() -> dict[str, Any]:
    if not current_user.is_authenticated:
        return {"nav_items": []}
    actor = current_user.as_actor()
    items = [
        ("main.home", "Home"),
        ("improvements.index", "Ideas and improvements"),
        ("improvements.new", "Submit an idea"),
    ]
    if permissions.can_view_audit_log(actor):
        items.append(("main.audit", "Audit log"))
    return {"nav_items": items}


def register(app: Flask) -> None:
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_money, "money")
    app.add_template_filter(stage_label, "stage_label")
    app.add_template_filter(role_label, "role_label")
    app.context_processor(_navigation)

    @app.context_processor
    def _org() -> dict[str, Any]:
        return {"org_name": app.config["ORG_NAME"]}
