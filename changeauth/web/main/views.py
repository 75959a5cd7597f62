"""The home page (my ideas, recent stage changes), the audit log for viewers and admins, and the
accessibility statement (public: anyone may read it, signed in or not)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from changeauth.domain import permissions
from changeauth.queries import activity, improvements

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home() -> ResponseReturnValue:
    return render_template(
        "main/home.html",
        my_ideas=improvements.list_my_ideas(current_user),
        recent_changes=activity.recent_stage_changes(current_user, limit=10),
    )


@bp.route("/audit")
@login_required
def audit() -> ResponseReturnValue:
    if not permissions.can_view_audit_log(current_user.as_actor()):
        abort(404)
    page = activity.list_audit_events(
        subject_type=request.args.get("subject_type") or None,
        page=request.args.get("page", 1, type=int),
    )
    return render_template(
        "main/audit.html", page=page, can_export=permissions.can_export_audit_log(current_user.as_actor())
    )


@bp.route("/accessibility")
def accessibility() -> ResponseReturnValue:
    """The accessibility statement, in the UK public sector's model format; no sign-in needed."""
    return render_template("main/accessibility.html")
