"""The notifications list; reading it changes nothing, marking as read is a separate POST."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from changeauth.queries import notifications as notification_queries
from changeauth.services import notifications as notification_service
from changeauth.web.forms import PageForm

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    page = notification_queries.list_notifications(
        current_user.id, page=request.args.get("page", 1, type=int)
    )
    return render_template("notifications/index.html", page=page, form=PageForm())


@bp.route("/read", methods=["POST"])
@login_required
def mark_all_read() -> ResponseReturnValue:
    if not PageForm().validate_on_submit():
        abort(400)
    notification_service.mark_all_read(user_id=current_user.id)
    return redirect(url_for("notifications.index"))
