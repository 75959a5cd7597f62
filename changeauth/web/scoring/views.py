"""Scoring pages: my assessments to do, the assessment form, an improvement's score, and the
administrators' scheme versions (draft, edit, preview, activate)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from changeauth.domain import permissions
from changeauth.domain.errors import InvalidTransition, PermissionDenied, ValidationFailed
from changeauth.queries import improvements as improvement_queries
from changeauth.queries import scoring as scoring_queries
from changeauth.services import scoring as scoring_service
from changeauth.web.forms import apply_field_errors, version_read
from changeauth.web.scoring import forms

bp = Blueprint("scoring", __name__, url_prefix="/scoring")


def _allow(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied("You do not have permission to do that.")


def _rules() -> dict[str, int]:
    return {
        "quorum": current_app.config["SCORE_QUORUM"],
        "disagreement_threshold": current_app.config["DISAGREEMENT_THRESHOLD"],
    }


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    _allow(permissions.is_design_authority(current_user.as_actor()))
    scheme = scoring_queries.active_scheme()
    done = scoring_queries.my_recent_assessments(current_user)
    left_out = scoring_queries.left_out_for(current_user)
    facts = improvement_queries.facts_for_member(left_out, current_user)
    actor = current_user.as_actor()
    return render_template(
        "scoring/index.html",
        scheme=scheme,
        # What waits for other members' scores, each with the member's interest in plain words.
        left_out=[
            (improvement, permissions.INTEREST_WORDS[interest])
            for improvement in left_out
            if (interest := permissions.interest_in(actor.id, facts[improvement.id])) is not None
        ],
        to_do=scoring_queries.assessments_to_do(
            current_user, scheme, page=request.args.get("page", 1, type=int)
        ),
        done=done,
        refs=scoring_queries.improvement_refs([assessment.improvement_id for assessment in done]),
    )


@bp.route("/improvements/<int:improvement_id>", methods=["GET", "POST"])
@login_required
def assess(improvement_id: int) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    facts = improvement_queries.access_to(improvement, current_user).improvement
    _allow(permissions.can_score(current_user.as_actor(), facts))
    if not permissions.is_scoreable(facts):
        raise InvalidTransition("Improvements are scored from the business case stage until the work ends.")
    scheme = scoring_queries.active_scheme()
    specs = scheme.specs()
    data, revising = _starting_point(improvement.id, scheme.id)
    form = forms.assessment_form(specs, data=data)
    if form.validate_on_submit():
        try:
            scoring_service.save_assessment(
                improvement.id,
                actor=current_user,
                scores=forms.submitted_scores(form, specs),
                rationale=form.rationale.data or "",
                expected_version=version_read(form.version.data),
                **_rules(),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash(f"Your assessment of {improvement.ref} has been saved.", "success")
            return redirect(url_for("scoring.score", improvement_id=improvement.id))
    return render_template(
        "scoring/assess.html",
        improvement=improvement,
        scheme=scheme,
        form=form,
        fields=forms.criterion_fields(form, specs),
        revising=revising,
    ), 422 if form.errors else 200


def _starting_point(improvement_id: int, scheme_id: int) -> tuple[dict[str, object], bool]:
    """The form's initial data: my assessment under this scheme, else my latest under an earlier one
    (so a new criterion is all that is left to score), else nothing; and whether this is a revision."""
    mine = scoring_queries.own_assessment(improvement_id, current_user.id, scheme_id)
    initial = mine or scoring_queries.latest_own_assessment(improvement_id, current_user.id)
    if initial is None:
        return {}, False
    return forms.assessment_data(
        initial.values(), initial.rationale, mine.version if mine else 0
    ), mine is not None


@bp.route("/improvements/<int:improvement_id>/score")
@login_required
def score(improvement_id: int) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    facts = improvement_queries.access_to(improvement, current_user).improvement
    view = scoring_queries.score_view(
        improvement.id, current_user, disagreement_threshold=current_app.config["DISAGREEMENT_THRESHOLD"]
    )
    return render_template(
        "scoring/score.html",
        improvement=improvement,
        view=view,
        criteria_rows=list(zip(view.specs, view.criteria, strict=True)),
        may_score=permissions.can_score(current_user.as_actor(), facts) and permissions.is_scoreable(facts),
        quorum=current_app.config["SCORE_QUORUM"],
    )


# --- scheme versions (administrators) -----------------------------------------------------------


@bp.route("/schemes")
@login_required
def schemes() -> ResponseReturnValue:
    _allow(permissions.can_manage_scoring_schemes(current_user.as_actor()))
    return render_template("scoring/schemes.html", schemes=scoring_queries.list_schemes())


def _editor(scheme_id: int | None) -> ResponseReturnValue:
    """The shared body of 'new version' and 'edit draft'."""
    _allow(permissions.can_manage_scoring_schemes(current_user.as_actor()))
    draft = scoring_queries.get_scheme(scheme_id) if scheme_id else None
    start = draft or scoring_queries.active_scheme()
    initial = forms.scheme_data(
        [scoring_service.spec_as_input(spec) for spec in start.specs()],
        note=draft.note if draft else "",
        revision=draft.revision if draft else None,
    )
    rows = forms.row_count(request.form.get("rows"), int(initial["rows"]))
    form = forms.scheme_form(rows, data=initial)
    row_errors: dict[int, list[str]] = {}
    if form.validate_on_submit():
        criteria, origin = forms.submitted_criteria(form, rows)
        try:
            if draft is None:
                saved = scoring_service.draft_scheme(current_user, criteria, note=form.note.data or "")
            else:
                saved = scoring_service.update_draft(
                    draft.id,
                    actor=current_user,
                    criteria=criteria,
                    expected_version=version_read(form.revision.data),
                    note=form.note.data or "",
                )
        except ValidationFailed as failure:
            row_errors, general = forms.row_errors(failure, origin)
            form.form_errors.extend(general or ["Correct the criteria marked below."])
        else:
            flash(
                f"Draft version {saved.version} saved. Check the preview before you activate it.", "success"
            )
            return redirect(url_for("scoring.scheme", scheme_id=saved.id))
    return render_template(
        "scoring/scheme_form.html", form=form, draft=draft, rows=range(rows), row_errors=row_errors
    ), 422 if form.errors or row_errors else 200


@bp.route("/schemes/new", methods=["GET", "POST"])
@login_required
def new_scheme() -> ResponseReturnValue:
    return _editor(None)


@bp.route("/schemes/<int:scheme_id>/edit", methods=["GET", "POST"])
@login_required
def edit_scheme(scheme_id: int) -> ResponseReturnValue:
    return _editor(scheme_id)


@bp.route("/schemes/<int:scheme_id>")
@login_required
def scheme(scheme_id: int) -> ResponseReturnValue:
    _allow(permissions.can_manage_scoring_schemes(current_user.as_actor()))
    shown = scoring_queries.get_scheme(scheme_id)
    preview = (
        scoring_service.preview_scheme(shown.id, actor=current_user, **_rules()) if shown.is_draft else None
    )
    return render_template(
        "scoring/scheme.html",
        scheme=shown,
        preview=preview,
        preview_rows=preview.rows[:50] if preview else [],
        used=scoring_queries.scheme_is_used(shown.id),
    )


@bp.route("/schemes/<int:scheme_id>/activate", methods=["POST"])
@login_required
def activate(scheme_id: int) -> ResponseReturnValue:
    _allow(permissions.can_manage_scoring_schemes(current_user.as_actor()))
    outcome = scoring_service.activate_scheme(scheme_id, actor=current_user, **_rules())
    flash(
        f"Version {outcome.scheme.version} is now active; {outcome.recomputed} stored scores recomputed.",
        "success",
    )
    return redirect(url_for("scoring.scheme", scheme_id=scheme_id))
