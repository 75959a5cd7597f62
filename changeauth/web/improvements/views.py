"""Improvement pages: the searchable list, one improvement with its timeline, submitting an idea,
and what staff do on an idea (comment, support, declare a conflict, withdraw, answer and resubmit)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from changeauth.domain import permissions
from changeauth.domain.errors import (
    AlreadyExists,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    VersionConflict,
)
from changeauth.domain.lifecycle import ENDED_STAGES, STAGE_LABELS, Stage
from changeauth.queries import dependencies as dependency_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.queries import reference, similar, timeline, users
from changeauth.queries import reviews as review_queries
from changeauth.services import dependencies as dependency_service
from changeauth.services import engagement, transitions
from changeauth.services import improvements as improvement_service
from changeauth.web.forms import ConfirmForm, apply_field_errors
from changeauth.web.improvements.forms import (
    CommentForm,
    ConflictForm,
    DependencyForm,
    EditIdeaForm,
    IdeaForm,
    ImprovementFilterForm,
    ReassignForm,
    RemoveDependencyForm,
    ResubmitForm,
)
from changeauth.web.pages import case_section

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
        stage=(form.stage.data or None) if valid else None,
        driver=(form.driver.data or None) if valid else None,
        team=(form.team.data or None) if valid else None,
        q=(form.q.data or None) if valid else None,
    )
    page = improvement_queries.list_improvements(
        current_user, filters, page=request.args.get("page", 1, type=int)
    )
    return render_template("improvements/index.html", form=form, page=page)


def _detail_context(improvement_id: int) -> dict[str, object]:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    actor = current_user.as_actor()
    facts = improvement_queries.access_to(improvement, current_user).improvement
    show_submitter = permissions.can_see_submitter(actor, facts)
    return {
        "improvement": improvement,
        "show_submitter": show_submitter,
        "support_count": improvement_queries.support_count(improvement.id),
        "timeline": timeline.timeline(improvement, show_submitter=show_submitter),
        "similar": similar.similar_to(improvement, limit=5),
        # Beside the similar work of a new idea: what earlier work in its area learned.
        "earlier_lessons": review_queries.lessons_for(improvement) if improvement.stage == Stage.IDEA else [],
        "supports": improvement_queries.has_supported(improvement.id, current_user.id),
        "can_comment": permissions.can_comment(actor, facts),
        "can_support": permissions.can_support(actor, facts),
        "can_withdraw": permissions.can_withdraw(actor, facts),
        "can_resubmit": permissions.can_resubmit(actor, facts) and improvement.needs_info,
        "can_triage": permissions.can_triage(actor, facts) and improvement.stage == Stage.IDEA.value,
        "can_estimate_delivery": permissions.can_record_delivery_estimate(actor, facts),
        "has_conflict": current_user.id in facts.conflicted_user_ids,
        "can_declare_conflict": permissions.can_declare_conflict(actor, facts)
        and current_user.id not in facts.conflicted_user_ids,
        "can_edit_idea": permissions.can_edit_idea_text(actor, facts)
        or permissions.can_assign_roles_on_improvement(actor),
        "can_reassign": permissions.can_reassign_improvement(
            actor, improvement_queries.access_to(improvement, current_user).improvement
        )
        and improvement.stage not in {s.value for s in ENDED_STAGES},
        "dependencies": dependency_queries.dependencies_of(improvement, current_user),
        "can_record_dependency": permissions.can_record_dependency(actor, facts),
        "can_record_lesson": permissions.can_record_lesson(actor, facts),
        "can_remove_dependency": permissions.can_remove_dependency(actor, facts),
        "comment_form": CommentForm(),
        "confirm_form": ConfirmForm(version=improvement.version),
        "conflict_form": ConflictForm(),
        "resubmit_form": ResubmitForm(version=improvement.version),
        **case_section(improvement),
    }


@bp.route("/<int:improvement_id>")
@login_required
def detail(improvement_id: int) -> ResponseReturnValue:
    return render_template("improvements/detail.html", **_detail_context(improvement_id))


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
            # No flash: the confirmation page gives the reference, and a flash could be lost to a late
            # similar-work request writing the session back (its cookie is renewed on every request).
            return redirect(url_for("improvements.submitted", improvement_id=improvement.id))
    suggestions = similar.find_similar(form.title.data, limit=5) if form.title.data else []
    return render_template(
        "improvements/new.html", form=form, suggestions=suggestions
    ), 422 if form.errors else 200


@bp.route("/<int:improvement_id>/submitted")
@login_required
def submitted(improvement_id: int) -> ResponseReturnValue:
    """The confirmation after submitting: the reference and what happens next. Only the submitter sees it."""
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    if improvement.submitter_id != current_user.id:
        abort(404)
    return render_template(
        "improvements/submitted.html",
        improvement=improvement,
        earlier_lessons=review_queries.lessons_for(improvement),
        triage_days=current_app.config["TRIAGE_SLA_WORKING_DAYS"],
    )


@bp.route("/similar")
@login_required
def similar_fragment() -> ResponseReturnValue:
    """Suggestions while typing a title (an HTML fragment the submit form's script shows)."""
    title = request.args.get("title", "")[:200]
    items = similar.find_similar(title, limit=5) if len(title.strip()) >= 3 else []
    return render_template("improvements/_similar.html", suggestions=items)


def _back(improvement_id: int) -> ResponseReturnValue:
    return redirect(url_for("improvements.detail", improvement_id=improvement_id))


def _rerender(improvement_id: int, **forms: object) -> ResponseReturnValue:
    context = _detail_context(improvement_id)
    context.update(forms)
    return render_template("improvements/detail.html", **context), 422


@bp.route("/<int:improvement_id>/comments", methods=["POST"])
@login_required
def comment(improvement_id: int) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            engagement.add_comment(improvement, actor=current_user, body=form.body.data or "")
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("Your comment has been added.", "success")
            return _back(improvement_id)
    return _rerender(improvement_id, comment_form=form)


@bp.route("/<int:improvement_id>/support", methods=["POST"])
@login_required
def support(improvement_id: int) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if request.form.get("withdraw"):
            engagement.withdraw_support(improvement, actor=current_user)
            flash("You no longer support this improvement.", "success")
        else:
            engagement.support(improvement, actor=current_user)
            flash("You now support this improvement. We will tell you when it is decided.", "success")
    except (AlreadyExists, NotFound) as error:
        flash(error.message, "info")
    return _back(improvement_id)


@bp.route("/<int:improvement_id>/conflicts", methods=["POST"])
@login_required
def declare_conflict(improvement_id: int) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    form = ConflictForm()
    if form.validate_on_submit():
        try:
            engagement.declare_conflict(improvement, actor=current_user, note=form.note.data or "")
        except AlreadyExists as error:
            flash(error.message, "info")
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
            return _rerender(improvement_id, conflict_form=form)
        else:
            flash(
                "Your conflict of interest is recorded. You will not score or decide this improvement.",
                "success",
            )
        return _back(improvement_id)
    return _rerender(improvement_id, conflict_form=form)


@bp.route("/<int:improvement_id>/withdraw", methods=["POST"])
@login_required
def withdraw(improvement_id: int) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    transitions.apply_action(improvement, actor=current_user, action="withdraw", version=form.version.data)
    flash(f"You have withdrawn {improvement.ref}.", "success")
    return redirect(url_for("main.home"))


@bp.route("/<int:improvement_id>/resubmit", methods=["POST"])
@login_required
def resubmit(improvement_id: int) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    form = ResubmitForm()
    if form.validate_on_submit():
        try:
            transitions.apply_action(
                improvement,
                actor=current_user,
                action="resubmit",
                version=form.version.data,
                note=form.note.data or "",
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        except DomainError as error:
            flash(error.message, "error")
            return _back(improvement_id)
        else:
            flash("Thank you. Your idea is back with the design authority.", "success")
            return _back(improvement_id)
    return _rerender(improvement_id, resubmit_form=form)


def _save_changes(improvement: Any, form: Any, changes: dict[str, Any]) -> bool:
    """Send the changes to the service; its refusals are shown on the form with what was typed kept."""
    try:
        improvement_service.update_improvement(
            improvement, actor=current_user, expected_version=form.version.data, changes=changes
        )
    except ValidationFailed as failure:
        apply_field_errors(form, failure)
    except (PermissionDenied, VersionConflict) as refusal:
        form.form_errors.append(refusal.message)
    else:
        return True
    return False


@bp.route("/<int:improvement_id>/edit", methods=["GET", "POST"])
@login_required
def edit(improvement_id: int) -> ResponseReturnValue:
    """Correct the title and drivers (the submitter at idea, the owner later) and the team (the design
    authority): only the fields this person may change are offered."""
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    actor = current_user.as_actor()
    may_text = permissions.can_edit_idea_text(*improvement_queries.access_to(improvement, current_user))
    may_team = permissions.can_assign_roles_on_improvement(actor)
    if not (may_text or may_team):
        abort(403)
    form = EditIdeaForm(
        data={
            "title": improvement.title,
            "benefit_drivers": [driver.code for driver in improvement.drivers],
            "team": improvement.team.code if improvement.team else "",
            "version": improvement.version,
        }
    )
    form.benefit_drivers.choices = [(d.code, d.name) for d in reference.list_drivers()]
    form.team.choices = [("", "No team")] + [(t.code, t.name) for t in reference.list_teams()]
    if not may_text:
        del form.title, form.benefit_drivers
    if not may_team:
        del form.team
    if form.validate_on_submit():
        changes: dict[str, Any] = {}
        if may_text:
            changes |= {"title": form.title.data or "", "benefit_drivers": form.benefit_drivers.data or []}
        if may_team:
            changes["team"] = form.team.data or None
        if _save_changes(improvement, form, changes):
            flash("Your changes are saved.", "success")
            return _back(improvement_id)
    return render_template(
        "improvements/edit.html", form=form, improvement=improvement, may_text=may_text, may_team=may_team
    ), 422 if form.errors else 200


@bp.route("/<int:improvement_id>/owner", methods=["GET", "POST"])
@login_required
def reassign(improvement_id: int) -> ResponseReturnValue:
    """Change who owns or sponsors the improvement: an independent design authority member's or an
    administrator's decision, which the service checks and records in the audit log."""
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    if not permissions.can_reassign_improvement(
        current_user.as_actor(), improvement_queries.access_to(improvement, current_user).improvement
    ) or improvement.stage in {stage.value for stage in ENDED_STAGES}:
        abort(403)
    form = ReassignForm(
        data={
            "owner_id": str(improvement.owner_id or ""),
            "sponsor_id": str(improvement.sponsor_id or ""),
            "version": improvement.version,
        }
    )
    people = [(str(u.id), u.name) for u in users.list_possible_owners()]
    form.owner_id.choices = [("", "No owner yet")] + people
    form.sponsor_id.choices = [("", "No sponsor")] + people
    if form.validate_on_submit():
        changes = {
            "owner_id": int(form.owner_id.data) if form.owner_id.data else None,
            "sponsor_id": int(form.sponsor_id.data) if form.sponsor_id.data else None,
        }
        if _save_changes(improvement, form, changes):
            flash("The owner and sponsor are saved.", "success")
            return _back(improvement_id)
    return render_template("improvements/reassign.html", form=form, improvement=improvement), (
        422 if form.errors else 200
    )


@bp.route("/<int:improvement_id>/dependencies/new", methods=["GET", "POST"])
@login_required
def new_dependency(improvement_id: int) -> ResponseReturnValue:
    """Record that this improvement needs another delivered first: its owner or a design authority member."""
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    if not permissions.can_record_dependency(*improvement_queries.access_to(improvement, current_user)):
        abort(403)
    form = DependencyForm(version=improvement.version)
    if form.validate_on_submit():
        target = improvement_queries.find_by_ref(form.depends_on.data or "")
        try:
            dependency_service.record_dependency(
                improvement,
                actor=current_user,
                expected_version=form.version.data,
                depends_on_id=target.id if target else None,
                reason=form.reason.data or "",
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        except (AlreadyExists, VersionConflict) as refusal:
            form.form_errors.append(refusal.message)
        else:
            assert target is not None  # the service refuses an unknown reference
            flash(f"{improvement.ref} now needs {target.ref} delivered first.", "success")
            return _back(improvement_id)
    return render_template("improvements/dependency_new.html", form=form, improvement=improvement), (
        422 if form.errors else 200
    )


@bp.route("/dependencies/<int:dependency_id>/remove", methods=["GET", "POST"])
@login_required
def remove_dependency(dependency_id: int) -> ResponseReturnValue:
    """Remove a dependency, with a reason: a design authority member independent of the improvement."""
    dependency = dependency_queries.get_dependency(dependency_id, current_user)
    improvement = improvement_queries.get_improvement(dependency.improvement_id, current_user)
    if not permissions.can_remove_dependency(*improvement_queries.access_to(improvement, current_user)):
        abort(403)
    side = dependency_queries.side_of(dependency)
    form = RemoveDependencyForm(version=dependency.version)
    if form.validate_on_submit():
        try:
            dependency_service.remove_dependency(
                dependency,
                actor=current_user,
                expected_version=form.version.data,
                reason=form.reason.data or "",
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        except VersionConflict as refusal:
            form.form_errors.append(refusal.message)
        else:
            flash(f"{improvement.ref} no longer needs {side.depends_on.ref} delivered first.", "success")
            return _back(improvement.id)
    return render_template(
        "improvements/dependency_remove.html", form=form, improvement=improvement, side=side
    ), (422 if form.errors else 200)
