"""Evidence files on an improvement: attaching one from its gate page, and downloading one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from changeauth.domain.errors import DomainError, ValidationFailed
from changeauth.queries import attachments as attachment_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.services import attachments
from changeauth.web.forms import AttachmentForm, apply_field_errors
from changeauth.web.pages import gate_page_with_errors

bp = Blueprint("attachments", __name__)


@bp.route("/improvements/<int:improvement_id>/attachments", methods=["POST"])
@login_required
def attach(improvement_id: int) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            attachments.add_attachment(
                improvement,
                actor=current_user,
                title=form.title.data or "",
                filename=upload.filename or "",
                content=upload.read(),
                storage_dir=attachment_queries.storage_dir(),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for("gates.gate", improvement_id=improvement_id))
        else:
            flash("The evidence is attached.", "success")
            return redirect(url_for("gates.gate", improvement_id=improvement_id))
    return gate_page_with_errors(improvement_id, attachment_form=form)


@bp.route("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int) -> ResponseReturnValue:
    attachment, path = attachment_queries.get_attachment(attachment_id, current_user)
    return send_file(
        path, mimetype=attachment.media_type, as_attachment=True, download_name=attachment.original_name
    )
