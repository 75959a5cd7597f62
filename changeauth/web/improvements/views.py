"""Improvement pages: the searchable list, one improvement, and the idea submission form."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from changeauth.domain import permissions
from changeauth.domain.errors import ValidationFailed
from changeauth.domain.lifecycle import STAGE_LABELS
from changeauth.queries import improvements as improvement_queries
from changeauth.queries import reference
from changeauth.services import improvements as improvement_service
from changeauth.web.forms import apply_field_errors
from changeauth.web.improvements.forms import IdeaForm, ImprovementFilterForm

bp = Blueprint("improvements", __name__, url_prefix="/improvements")


def _filter_form() -> ImprovementFilterForm:
    form = ImprovementFilterForm(request.args)
    form.stage.choices = [("", "Any stage")] + [(s.value, label) for s, label in STAGE_LABELS.items()]
    form.driver.choices = [("", "Any driver")] + [(d.code, d.name) for d in reference.list_drivers()]
    form.team.choices = [("", "Any team")] + [(t.code, t.name) for t in reference.list_teams()]
    return form


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    form = _filter_form()
    valid = form.validate()
    filters = improvement_queries.ImprovementFilters(
        stage=form.stage.data or None if valid else None,
        driver=form.driver.data or None if valid else None,
        team=form.team.data or None if valid else None,
        q=form.q.data or None if valid else None,
    )
    page = improvement_queries.list_improvements(
        current_user, filters, page=request.args.get("page", 1, type=int)
    )
    return render_template("improvements/index.html", form=form, page=page)


@bp.route("/<int:improvement_id>")
@login_required
def detail(improvement_id: int) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    return render_template(
        "improvements/detail.html",
        improvement=improvement,
        show_submitter=permissions.can_see_submitter(current_user.as_actor(), improvement.facts()),
        support_count=improvement_queries.support_count(improvement.id),
        comments=improvement_queries.list_comments(improvement.id),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    form = IdeaForm()
    form.benefit_drivers.choices = [(d.code, d.name) for d in reference.list_drivers()]
    form.team.choices = [("", "Choose a team")] + [(t.code, t.name) for t in reference.list_teams()]
    if form.validate_on_submit():
        try:
            improvement = improvement_service.submit_idea(
                current_user,
                title=form.title.data or "",
                problem=form.problem.data or "",
                proposal=form.proposal.data or "",
                expected_effect=form.expected_effect.data or "",
                driver_codes=form.benefit_drivers.data or [],
                team_code=form.team.data or None,
                is_anonymous=bool(form.is_anonymous.data),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash(f"Your idea has been submitted as {improvement.ref}.", "success")
            return redirect(url_for("improvements.detail", improvement_id=improvement.id))
    status = 422 if form.errors else 200
    return render_template("improvements/new.html", form=form), status
