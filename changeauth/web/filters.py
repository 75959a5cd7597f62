"""Jinja filters and globals: dates, money, stage labels, and the signed-in person's navigation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask

from changeauth.domain.benefits import rag_label, rag_style
from changeauth.domain.gates import check_label
from changeauth.domain.job_titles import job_title
from changeauth.domain.lifecycle import DECISION_LABELS, STAGE_LABELS, Decision, Gate, Stage, gate_title
from changeauth.domain.money import format_money
from changeauth.domain.roles import ROLE_LABELS, Role
from changeauth.domain.scoring import ScoreStatus
from changeauth.queries import reference as reference_queries
from changeauth.services.leavers import former_label
from changeauth.web.navigation import navigation


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
    return gate_title(gate)


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


def score_status_label(value: str | None) -> str:
    """A score's status in a sentence: a provisional one says why it is not final yet."""
    status = ScoreStatus(value) if value else ScoreStatus.UNSCORED
    if status.is_provisional:
        return f"{status.label} (not every member has scored yet)"
    return status.label


def role_label(value: str) -> str:
    try:
        return ROLE_LABELS[Role(value)]
    except ValueError:
        return value


def format_duration(minutes: int) -> str:
    """A meeting's length in words: "45 minutes", "1 hour", "1 hour 30 minutes", "4 hours"."""
    hours, rest = divmod(int(minutes), 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def benefit_driver_hints() -> dict[str, str]:
    """What each benefit driver means, by code, for the hints beside the choice of driver."""
    return {driver.code: driver.description for driver in reference_queries.list_drivers()}


def register(app: Flask) -> None:
    app.add_template_global(benefit_driver_hints, "benefit_driver_hints")
    app.add_template_global(reference_queries.list_drivers, "benefit_drivers")
    app.add_template_filter(format_duration, "duration")
    app.add_template_filter(former_label, "former_label")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_money, "money")
    app.add_template_filter(rag_label, "rag_label")
    app.add_template_filter(job_title, "job_title")
    app.add_template_filter(rag_style, "rag_style")
    app.add_template_filter(stage_label, "stage_label")
    app.add_template_filter(role_label, "role_label")
    app.add_template_filter(gate_name, "gate_name")
    app.add_template_filter(check_label, "check_label")
    app.add_template_filter(score_status_label, "score_status_label")
    app.add_template_filter(decision_label, "decision_label")
    app.add_template_filter(action_label, "action_label")
    app.context_processor(navigation)

    @app.context_processor
    def _org() -> dict[str, Any]:
        return {
            "org_name": app.config["ORG_NAME"],
            "service_name": app.config["SERVICE_NAME"],
            "idle_seconds": int(app.config["SESSION_IDLE_TIMEOUT"].total_seconds()),
            "idle_minutes": int(app.config["SESSION_IDLE_TIMEOUT"].total_seconds()) // 60,
        }
