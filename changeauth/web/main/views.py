"""The home page (each role's worklist), the audit log for viewers and admins, and the accessibility
statement and privacy notice (public: anyone may read them, signed in or not)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from changeauth.domain import permissions
from changeauth.domain.retention import DESCRIPTIONS, RetentionSchedule
from changeauth.domain.roles import Role
from changeauth.queries import activity, worklists
from changeauth.queries.clock import today
from changeauth.web.access import role_required
from changeauth.web.forms import CATEGORY_LABELS
from changeauth.web.main import worklists as home_worklists
from changeauth.web.pages import action_words

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home() -> ResponseReturnValue:
    """What needs the signed-in person now: one worklist section for each role they hold."""
    as_of = today()
    worklist = home_worklists.build(
        current_user, today=as_of, grace_days=int(current_app.config["BENEFIT_GRACE_DAYS"])
    )
    return render_template(
        "main/home.html",
        sections=worklist.sections,
        plain_status=worklists.plain_status,
        adjustment_labels=CATEGORY_LABELS,
        as_of=as_of,
        **worklist.data,
    )


# What each recorded action says, in the log's words; an action not listed is shown with its words
# spaced out ("benefit.adjustment_loaded" -> "Benefit: adjustment loaded").
def _may_open(endpoint: str) -> bool:
    """Link an audit subject only to a page the reader may open."""
    actor = current_user.as_actor()
    return {
        "admin.user": permissions.can_manage_users,
        "gates.criterion_edit": permissions.is_admin,
        "meetings.meeting": permissions.is_design_authority,
        "portfolio.scenario": permissions.can_use_portfolio,
        "scoring.scheme": permissions.can_manage_scoring_schemes,
        "benefits.detail": permissions.can_view_benefits_and_resources,
        "temporary_resources.detail": permissions.can_view_benefits_and_resources,
        "business_cases.version": permissions.can_browse_business_cases,
    }.get(endpoint, lambda _actor: True)(actor)


def _subject_url(subject: activity.AuditSubject) -> str | None:
    if subject.endpoint is None or not _may_open(subject.endpoint):
        return None
    values: dict[str, Any] = dict(subject.args)
    return url_for(subject.endpoint, **values)


@bp.route("/audit")
@role_required(Role.ADMIN, Role.VIEWER)
def audit() -> ResponseReturnValue:
    subject_type = request.args.get("subject_type") or None
    if subject_type not in activity.SUBJECT_TYPE_LABELS:
        subject_type = None
    # Only administrators see who an anonymous submitter is, so only they may filter by person.
    actor_id = (
        request.args.get("actor_id", type=int) if permissions.is_admin(current_user.as_actor()) else None
    )
    subject_id = request.args.get("subject_id", type=int) if subject_type else None
    page = activity.list_audit_events(
        current_user,
        subject_type=subject_type,
        subject_id=subject_id,
        actor_id=actor_id,
        page=request.args.get("page", 1, type=int),
    )
    rows = [
        {
            "row": row,
            "action": action_words(row.event.action),
            "url": _subject_url(row.subject),
        }
        for row in activity.audit_rows(page.items, names_people=permissions.is_admin(current_user.as_actor()))
    ]
    return render_template(
        "main/audit.html",
        page=page,
        rows=rows,
        subject_types=sorted(
            {
                (value, label)
                for value, label in activity.SUBJECT_TYPE_LABELS.items()
                if value != "audit_event"
            },
            key=lambda item: item[1],
        ),
        actors=activity.audit_actors() if permissions.is_admin(current_user.as_actor()) else [],
        chosen={"subject_type": subject_type, "actor_id": actor_id, "subject_id": subject_id},
        can_export=permissions.can_export_audit_log(current_user.as_actor()),
    )


@bp.route("/accessibility")
def accessibility() -> ResponseReturnValue:
    """The accessibility statement, in the UK public sector's model format; no sign-in needed."""
    return render_template("main/accessibility.html")


@bp.route("/privacy")
def privacy() -> ResponseReturnValue:
    """The privacy notice: what is held, why, for how long (the retention schedule in force) and how to
    ask for it, with the council's contact details from configuration; no sign-in needed."""
    schedule = RetentionSchedule.from_config(current_app.config)
    return render_template(
        "main/privacy.html",
        retention=[(DESCRIPTIONS[kind], schedule.describe(kind)) for kind in DESCRIPTIONS],
        leaver_days=int(current_app.config["LEAVER_ANONYMISE_AFTER_DAYS"]),
        contact=current_app.config.get("PRIVACY_CONTACT"),
        officer=current_app.config.get("DATA_PROTECTION_OFFICER"),
        address=current_app.config.get("PRIVACY_ADDRESS"),
    )
