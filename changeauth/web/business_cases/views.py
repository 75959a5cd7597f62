"""Business-case pages: the latest version with every option appraised, any earlier version, the
editor, submitting a draft, comparing two versions, and the programme's own case (read only)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms import SelectChoice

from changeauth.domain import permissions
from changeauth.domain.business_cases import (
    KIND_LABELS,
    STATUS_LABELS,
    CaseContent,
    CaseStatus,
    compare_appraisals,
    compare_versions,
    open_for_writing,
)
from changeauth.domain.errors import InvalidTransition, ValidationFailed
from changeauth.models import BusinessCase, Improvement, Programme
from changeauth.queries import business_cases as case_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.queries import reference
from changeauth.services import business_cases as case_service
from changeauth.web.business_cases.forms import (
    OPTIONS_IN_FORM,
    YEARS_IN_FORM,
    BusinessCaseForm,
    CaseListForm,
    CompareForm,
    SubmitCaseForm,
    apply_case_errors,
    chosen_versions,
    error_list,
    fill_from,
    fits_editor,
    set_preferred_choices,
    starting_content,
    to_content,
)

bp = Blueprint("business_cases", __name__)


@bp.app_template_filter("percent")
def format_percent(value: Decimal | None) -> str:
    """40.00 → "40%", 3.50 → "3.5%"."""
    return "" if value is None else f"{Decimal(value).normalize():f}%"


@bp.app_template_filter("rate_percent")
def format_rate(value: Decimal | None) -> str:
    """A discount rate held as a fraction: 0.0350 → "3.5%"."""
    return "" if value is None else format_percent(Decimal(value) * 100)


@bp.app_template_filter("case_status_label")
def case_status_label(value: str) -> str:
    return STATUS_LABELS.get(value, value)  # type: ignore[call-overload]


@bp.app_template_filter("case_kind_label")
def case_kind_label(value: str) -> str:
    return KIND_LABELS.get(value, value)  # type: ignore[call-overload]


@bp.app_template_filter("decimal_places")
def format_decimal(value: Decimal | None, places: int = 2) -> str:
    """A BCR or payback to ``places`` decimal places, rounded half up ("" when there is none)."""
    if value is None:
        return ""
    return f"{Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"


def _may_edit(improvement: Improvement) -> bool:
    return permissions.can_write_business_case(
        current_user.as_actor(), improvement.facts()
    ) and open_for_writing(improvement.stage, improvement.route)


def _case_page(
    case: BusinessCase | None, *, improvement: Improvement | None = None, programme: Programme | None = None
) -> str:
    versions = case_queries.list_versions(
        improvement_id=improvement.id if improvement else None,
        programme_id=programme.id if programme else None,
    )
    may_edit = improvement is not None and _may_edit(improvement)
    is_latest = case is not None and bool(versions) and versions[0].id == case.id
    return render_template(
        "business_cases/show.html",
        improvement=improvement,
        programme=programme,
        appraised=case_queries.appraise_case(case) if case else None,
        versions=versions,
        is_latest=is_latest,
        current_approved=case_queries.latest_approved_version(versions),
        may_edit=may_edit,
        may_submit=may_edit and is_latest and case is not None and case.status == CaseStatus.DRAFT.value,
        submit_form=SubmitCaseForm(lock_version=case.lock_version if case else None),
    )


@bp.route("/business-cases")
@login_required
def index() -> ResponseReturnValue:
    form = CaseListForm(request.args)
    form.status.choices = [SelectChoice("", "Any status")] + [
        SelectChoice(status.value, label) for status, label in STATUS_LABELS.items()
    ]
    valid = form.validate()
    page = case_queries.list_latest_cases(
        current_user,
        status=(form.status.data or None) if valid else None,
        owner_id=current_user.id if valid and form.mine.data else None,
        page=request.args.get("page", 1, type=int),
    )
    return render_template("business_cases/index.html", form=form, page=page)


@bp.route("/improvements/<int:improvement_id>/business-case")
@login_required
def show(improvement_id: int) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    return _case_page(case_queries.latest_for_improvement(improvement.id), improvement=improvement)


@bp.route("/business-cases/<int:case_id>")
@login_required
def version(case_id: int) -> ResponseReturnValue:
    case = case_queries.get_case(case_id, current_user)
    if case.improvement_id is None:
        return _case_page(case, programme=case_queries.get_programme(case.programme_id or 0))
    improvement = improvement_queries.get_improvement(case.improvement_id, current_user)
    return _case_page(case, improvement=improvement)


@bp.route("/programmes/<int:programme_id>/business-case")
@login_required
def programme_case(programme_id: int) -> ResponseReturnValue:
    programme = case_queries.get_programme(programme_id)
    return _case_page(case_queries.latest_for_programme(programme.id), programme=programme)


def _editor_form(improvement: Improvement, latest: BusinessCase | None) -> BusinessCaseForm:
    form = BusinessCaseForm()
    form.strategic_priorities.choices = [SelectChoice(p.code, p.title) for p in reference.list_priorities()]
    form.benefit_drivers.choices = [SelectChoice(d.code, d.name) for d in reference.list_drivers()]
    if not form.is_submitted():
        content: CaseContent = latest.content() if latest else starting_content(improvement)
        fill_from(form, content)
        form.based_on_version.data = latest.version if latest else 0
        editing_draft = latest is not None and latest.status == CaseStatus.DRAFT.value
        form.lock_version.data = latest.lock_version if editing_draft else None
    set_preferred_choices(form)
    return form


def _latest_to_edit(improvement: Improvement) -> BusinessCase | None:
    """The version the editor starts from, once the person and the stage may write it."""
    if not permissions.can_write_business_case(current_user.as_actor(), improvement.facts()):
        abort(403)
    if not open_for_writing(improvement.stage, improvement.route):
        raise InvalidTransition("This improvement's stage has no business case to write.")
    latest = case_queries.latest_for_improvement(improvement.id)
    if latest is not None and not fits_editor(latest.content()):
        raise InvalidTransition(
            f"This business case has more than {OPTIONS_IN_FORM} options or figures after year "
            f"{YEARS_IN_FORM - 1}, more than this page can show. Revise it through the API."
        )
    return latest


@bp.route("/improvements/<int:improvement_id>/business-case/edit", methods=["GET", "POST"])
@login_required
def edit(improvement_id: int) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    latest = _latest_to_edit(improvement)
    form = _editor_form(improvement, latest)
    if form.validate_on_submit():
        content, rows = to_content(form)
        try:
            saved = case_service.edit_business_case(
                current_user,
                improvement.id,
                content,
                based_on_version=form.based_on_version.data or 0,
                expected_lock_version=form.lock_version.data,
            )
        except ValidationFailed as failure:
            apply_case_errors(form, failure, rows)
        else:
            flash(f"Version {saved.version} of the business case has been saved as a draft.", "success")
            return redirect(url_for("business_cases.show", improvement_id=improvement.id))
    errors = error_list(form)
    context: dict[str, Any] = {"form": form, "errors": errors, "improvement": improvement, "latest": latest}
    return render_template("business_cases/edit.html", **context), 422 if errors else 200


@bp.route("/business-cases/<int:case_id>/submit", methods=["POST"])
@login_required
def submit(case_id: int) -> ResponseReturnValue:
    case = case_queries.get_case(case_id, current_user)
    form = SubmitCaseForm()
    if not form.validate_on_submit():
        abort(400)
    lock = form.lock_version.data
    case_service.submit_business_case(
        current_user, case.id, expected_lock_version=int(lock) if lock and lock.isdigit() else None
    )
    flash(
        f"Version {case.version} of the business case has been submitted for the investment decision (G1).",
        "success",
    )
    return redirect(url_for("business_cases.show", improvement_id=case.improvement_id))


@bp.route("/improvements/<int:improvement_id>/business-case/compare")
@login_required
def compare(improvement_id: int) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    versions = case_queries.list_versions(improvement_id=improvement.id)
    if len(versions) < 2:
        return render_template("business_cases/compare.html", improvement=improvement, form=None)
    form = CompareForm(request.args)
    older_number, newer_number = chosen_versions(form, versions)
    older = case_queries.get_version(current_user, older_number, improvement_id=improvement.id)
    newer = case_queries.get_version(current_user, newer_number, improvement_id=improvement.id)
    return render_template(
        "business_cases/compare.html",
        improvement=improvement,
        form=form,
        older=older,
        newer=newer,
        comparison=compare_versions(older.content(), newer.content()),
        appraisals=compare_appraisals(older.content(), newer.content()),
    )


def case_section(improvement: Improvement) -> dict[str, Any]:
    """What the improvement page's "Business case" section needs (the view there merges it in)."""
    programme_id = improvement.programme_id
    return {
        "business_case": case_queries.summary_for_improvement(improvement.id),
        "may_write_business_case": _may_edit(improvement),
        "programme_case_url": (
            url_for("business_cases.programme_case", programme_id=programme_id)
            if programme_id is not None and case_queries.programme_case_exists(programme_id)
            else None
        ),
    }
