"""API tokens on the profile page: create one (shown once), list them, revoke one."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from changeauth.domain import permissions
from changeauth.domain.errors import ValidationFailed
from changeauth.queries import api_tokens as token_queries
from changeauth.services import users as user_service
from changeauth.web.auth import sessions
from changeauth.web.forms import apply_field_errors
from changeauth.web.profile.forms import NewTokenForm, RevokeTokenForm

bp = Blueprint("profile", __name__, url_prefix="/profile")


def _render(form: NewTokenForm, *, new_token: str | None = None, status: int = 200) -> ResponseReturnValue:
    response = render_template(
        "profile/tokens.html",
        form=form,
        revoke_form=RevokeTokenForm(),
        tokens=token_queries.tokens_of(current_user.id),
        new_token=new_token,
        now=datetime.now(UTC),
        per_person=user_service.API_TOKENS_PER_PERSON,
    )
    # The new token appears in this response only: never cache it.
    return response, status, {"Cache-Control": "no-store"}


@bp.route("/tokens", methods=["GET"])
@login_required
def tokens() -> ResponseReturnValue:
    return _render(NewTokenForm())


@bp.route("/tokens", methods=["POST"])
@login_required
def create_token() -> ResponseReturnValue:
    """A token acts as the person without a second factor, so making one needs them to have proved who
    they are in the last few minutes (password, and code if they have one; or the council's provider)."""
    if not sessions.is_fresh():
        flash("For your security, confirm it is you before making a token.", "info")
        return redirect(url_for("account.confirm", next=url_for("profile.tokens")))
    form = NewTokenForm()
    if not form.validate_on_submit():
        return _render(form, status=422)
    me = current_user._get_current_object()
    try:
        plain, _ = user_service.issue_api_token(
            me, name=form.name.data or "", actor_id=me.id, days=int(form.days.data or 0)
        )
    except ValidationFailed as failure:
        apply_field_errors(form, failure)
        return _render(form, status=422)
    # Rendered, not redirected: the token exists only in this response and is never stored in plain.
    return _render(NewTokenForm(formdata=None), new_token=plain, status=201)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int) -> ResponseReturnValue:
    token = token_queries.get_token(token_id)
    if token is None or not permissions.can_manage_api_tokens(current_user.as_actor(), token.user_id):
        abort(404)  # someone else's token is none of your business, not even its existence
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    user_service.revoke_api_token(token, actor_id=current_user.id)
    flash(f"Token “{token.name}” revoked. It no longer works.")
    return redirect(url_for("profile.tokens"))
