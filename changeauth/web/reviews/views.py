"""Pages of the benefits review (G3) and the lessons log: each benefit's variance against plan and the
decision on it, recording a decision, recording a lesson, and the searchable log of lessons
(docs/benefits-and-resources.md#the-benefits-review)."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms import SelectChoice

from changeauth.domain import permissions
from changeauth.domain.errors import ValidationFailed
from changeauth.domain.lifecycle import Stage
from changeauth.domain.reviews import REVIEW_DECISION_LABELS, ReviewDecision, causes_required
from changeauth.models import Improvement
from changeauth.queries import benefits as benefit_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.queries import reference
from changeauth.queries import reviews as review_queries
from changeauth.queries.users import list_possible_owners
from changeauth.services import reviews as review_service
from changeauth.web.forms import apply_field_errors, parse_value
from changeauth.web.reviews.forms import LessonForm, LessonSearchForm, ReviewDecisionForm

bp = Blueprint("reviews", __name__)


@bp.app_context_processor
def _labels() -> dict[str, object]:
    return {"review_decision_labels": REVIEW_DECISION_LABELS}


def _may_review(improvement_id: int) -> tuple[Improvement, bool, bool]:
    """The improvement, whether the viewer may take the review's decisions (its owner or the design
    authority; at any stage, the page says when the review is held) and whether they may record lessons."""
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    facts = improvement_queries.access_to(improvement, current_user).improvement
    actor = current_user.as_actor()
    return (
        improvement,
        permissions.can_edit_benefit_profile(actor, facts),
        permissions.can_record_lesson(actor, facts),
    )


@bp.route("/improvements/<int:improvement_id>/benefits-review")
@login_required
def review(improvement_id: int) -> ResponseReturnValue:
    """Each benefit's planned and latest value, the variance, and the decision taken on it."""
    improvement, can_decide, can_record_lesson = _may_review(improvement_id)
    return render_template(
        "reviews/review.html",
        improvement=improvement,
        rows=review_queries.review_rows(improvement_id),
        lessons=review_queries.lessons_of(improvement_id),
        can_decide=can_decide and improvement.stage == Stage.REALISATION,
        can_record_lesson=can_record_lesson,
    )


@bp.route("/benefits/<int:benefit_id>/review-decision", methods=["GET", "POST"])
@login_required
def decide(benefit_id: int) -> ResponseReturnValue:
    """Record the benefits review's decision on one benefit of an improvement in realisation."""
    benefit = benefit_queries.get_benefit(benefit_id)
    if benefit.improvement_id is None:
        abort(404)
    improvement, can_decide, _ = _may_review(benefit.improvement_id)
    if not can_decide:
        abort(403)
    if improvement.stage != Stage.REALISATION:
        return render_template("reviews/not_now.html", benefit=benefit, improvement=improvement), (
            200 if request.method == "GET" else 409
        )
    current = review_queries.get_review(benefit.id)
    form = ReviewDecisionForm(
        version=benefit.version,
        decision=current.decision.value if current else None,
        causes=current.causes if current else None,
    )
    form.owner_id.choices = [SelectChoice("", "Choose a person")] + [
        SelectChoice(str(user.id), user.name) for user in list_possible_owners()
    ]
    variance = review_queries.variance_of(benefit)
    if form.validate_on_submit():
        try:
            target_value: Decimal | None = None
            if form.decision.data == ReviewDecision.REVISE and (form.target_value.data or "").strip():
                try:
                    target_value = parse_value(form.target_value.data, benefit.unit)
                except ValueError as error:
                    raise ValidationFailed({"target_value": [str(error)]}) from error
            review_service.record_review_decision(
                benefit.id,
                actor=current_user,
                decision=form.decision.data or "",
                causes=form.causes.data or "",
                expected_version=int(form.version.data) if (form.version.data or "").isdigit() else None,
                closing_status=form.closing_status.data or None,
                target_value=target_value,
                target_date=form.target_date.data,
                reason=form.reason.data or "",
                owner_id=form.owner_id.data,
                handed_over_on=form.handed_over_on.data,
                note=form.note.data or "",
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash(f"The review's decision on ‘{benefit.title}’ has been recorded.", "success")
            return redirect(url_for("reviews.review", improvement_id=benefit.improvement_id))
    return render_template(
        "reviews/decide.html",
        form=form,
        benefit=benefit,
        improvement=improvement,
        variance=variance,
        causes_needed=causes_required(variance),
    ), (422 if form.errors else 200)


def _team_choices(first: str) -> list[SelectChoice]:
    return [SelectChoice("", first)] + [SelectChoice(team.code, team.name) for team in reference.list_teams()]


@bp.route("/improvements/<int:improvement_id>/lessons/new", methods=["GET", "POST"])
@login_required
def new_lesson(improvement_id: int) -> ResponseReturnValue:
    """Record a lesson learned from the improvement (its owner, its sponsor or the design authority)."""
    improvement, _, can_record_lesson = _may_review(improvement_id)
    if not can_record_lesson:
        abort(403)
    team = improvement.team
    form = LessonForm(team=team.code if team is not None and request.method == "GET" else None)
    form.team.choices = _team_choices("The whole council")
    if form.validate_on_submit():
        try:
            review_service.record_lesson(
                actor=current_user,
                improvement_id=improvement_id,
                title=form.title.data or "",
                what_happened=form.what_happened.data or "",
                next_time=form.next_time.data or "",
                team_code=form.team.data or None,
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("The lesson has been recorded in the lessons log.", "success")
            return redirect(url_for("reviews.review", improvement_id=improvement_id))
    return render_template("reviews/lesson_form.html", form=form, improvement=improvement), (
        422 if form.errors else 200
    )


@bp.route("/lessons/")
@login_required
def lessons() -> ResponseReturnValue:
    """The lessons log: every lesson learned, newest first, searchable by words and by area."""
    form = LessonSearchForm(request.args)
    form.team.choices = _team_choices("Any area")
    valid = form.validate()
    filters = review_queries.LessonFilters(
        q=(form.q.data or None) if valid else None, team=(form.team.data or None) if valid else None
    )
    page = review_queries.list_lessons(filters, page=request.args.get("page", 1, type=int))
    return render_template("reviews/lessons.html", form=form, page=page, filters=filters)
