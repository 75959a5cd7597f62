"""Jinja filters and globals: dates, money, stage labels, and the signed-in person's navigation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_login import current_user

from changeauth.domain import permissions
from changeauth.domain.lifecycle import DECISION_LABELS, GATE_NAMES, STAGE_LABELS, Decision, Gate, Stage
from changeauth.domain.money import format_money
from changeauth.domain.roles import ROLE_LABELS, Role
from changeauth.queries import notifications as notification_queries


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


def gate_name(value: str | None) -> str:
    try:
        gate = Gate(value or "")
    except ValueError:
        return value or ""
    return f"{GATE_NAMES[gate]} ({gate.value})"


def decision_label(value: str | None) -> str:
    try:
        return DECISION_LABELS[Decision(value or "")]
    except ValueError:
        return value or ""


ACTION_LABELS = {
    "start_delivery": "Delivery started",
    "resume": "Resumed after a hold",
    "withdraw": "Withdrawn by the submitter",
    "resubmit": "Answered and resubmitted",
}


def action_label(value: str | None) -> str:
    return ACTION_LABELS.get(value or "", (value or "").replace("_", " ").capitalize())


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
    if permissions.is_design_authority(actor):
        items.append(("triage.queue", "Triage"))
    if permissions.can_view_backlog(actor):
        items.append(("backlog.index", "Backlog"))
    if permissions.is_design_authority(actor):
        items.append(("scoring.index", "Scoring"))
        items.append(("gates.meeting_list", "Meetings"))
    if permissions.can_browse_business_cases(actor):
        items.append(("business_cases.index", "Business cases"))
    if permissions.can_use_portfolio(actor):
        items.append(("portfolio.index", "Portfolio"))
    items.append(("gates.register", "Decisions"))
    if permissions.can_view_dashboard(actor):
        items.append(("reports.dashboard_page", "Dashboard"))
    if permissions.can_view_benefits_and_resources(actor):
        items.append(("benefits.tracker", "Benefits"))
        items.append(("temporary_resources.index", "Temporary resources"))
        items.append(("actions.flags", "Flags"))
    if actor.has(Role.MANAGER, Role.DESIGN_AUTHORITY, Role.FINANCE):
        items.append(("actions.mine", "My actions"))
    if permissions.can_manage_scoring_schemes(actor):
        items.append(("scoring.schemes", "Scoring schemes"))
    if permissions.can_view_audit_log(actor):
        items.append(("main.audit", "Audit log"))
    if permissions.is_admin(actor):
        items.append(("gates.criteria_admin", "Gate criteria"))
    if permissions.can_manage_users(actor):
        items.append(("admin.users", "Users"))
    if permissions.can_view_job_runs(actor):
        items.append(("actions.job_runs", "Job runs"))
    items.append(("profile.tokens", "API tokens"))
    unread = notification_queries.unread_count(current_user.id)
    items.append(("notifications.index", f"Notifications ({unread} unread)" if unread else "Notifications"))
    return {"nav_items": items}


def register(app: Flask) -> None:
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_money, "money")
    app.add_template_filter(stage_label, "stage_label")
    app.add_template_filter(role_label, "role_label")
    app.add_template_filter(gate_name, "gate_name")
    app.add_template_filter(decision_label, "decision_label")
    app.add_template_filter(action_label, "action_label")
    app.context_processor(_navigation)

    @app.context_processor
    def _org() -> dict[str, Any]:
        return {"org_name": app.config["ORG_NAME"]}
