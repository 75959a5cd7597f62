"""Business-case pages: the latest version with every option appraised, any earlier version, the
task list and its section pages for writing a case (one section or one option a page, saved as
you go, with a live appraisal preview), submitting a draft, comparing two versions, and the
programme's own case (read only)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms import SelectChoice

from changeauth.domain import permissions
from changeauth.domain.appraisal import (
    DEFAULT_APPRAISAL_YEARS,
    DEFAULT_DISCOUNT_RATE,
    Appraisal,
    OptionFigures,
    YearFigures,
    appraise,
    shown_bcr,
    shown_payback,
)
from changeauth.domain.business_cases import (
    KIND_LABELS,
    MAX_OPTIONS,
    STATUS_LABELS,
    CaseContent,
    CaseStatus,
    FundingLine,
    Section,
    SectionStatus,
    compare_appraisals,
    compare_versions,
    financial_year_label,
    name_key,
    open_for_writing,
    ready_to_submit,
    section_states,
)
from changeauth.domain.errors import InvalidTransition, ValidationFailed
from changeauth.models import BusinessCase, Improvement, Programme
from changeauth.queries import business_cases as case_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.queries import reference
from changeauth.services import business_cases as case_service
from changeauth.web import pages
from changeauth.web.business_cases.forms import (
    FUNDING_ROWS,
    YEARS_IN_FORM,
    AppraisalForm,
    CaseListForm,
    CommercialForm,
    CompareForm,
    FinancialForm,
    ManagementForm,
    OptionPageForm,
    RemoveOptionForm,
    RisksForm,
    StrategicCaseForm,
    SubmitCaseForm,
    apply_option_errors,
    apply_section_errors,
    chosen_versions,
    error_list,
    fill_option,
    option_caption,
    option_figures,
    option_fits_page,
    starting_content,
    with_option,
    without_option,
    year_label,
)
from changeauth.web.forms import PageForm

bp = Blueprint("business_cases", __name__)


@bp.app_template_filter("percent")
def format_percent(value: Decimal | None) -> str:
    """40.00 → "40%", 3.50 → "3.5%"."""
    return "" if value is None else f"{Decimal(value).normalize():f}%"


@bp.app_template_filter("rate_percent")
def format_rate(value: Decimal | None) -> str:
    """A discount rate held as a fraction: 0.0350 → "3.5%"."""
    return "" if value is None else format_percent(Decimal(value) * 100)


@bp.app_template_filter("switching_percent")
def switching_percent(value: Decimal) -> str:
    """A switching value as people read it, rounded down so the sentence stays true: 38.7 → "38%",
    and under 1 % "less than 1%"."""
    whole = int(Decimal(value))
    return "less than 1%" if whole < 1 else f"{whole}%"


@bp.app_template_filter("financial_year")
def format_financial_year(value: int) -> str:
    """2025 → "2025/26"."""
    return financial_year_label(int(value))


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


PAYS_BACK_AT_ONCE = "Pays back within the first year"
NEVER_PAYS_BACK = "Does not pay back within the appraisal period"


@bp.app_template_filter("payback")
def format_payback(value: Decimal | None) -> str:
    """Cash payback for a table or summary: "1.7 years", or in words when a figure would mislead:
    a payback under a twentieth of a year is not "0.0 years" and no payback is not a blank."""
    if value is None:
        return NEVER_PAYS_BACK
    shown = shown_payback(value)
    if shown is None or shown <= 0:
        return PAYS_BACK_AT_ONCE
    return f"{shown:f} year" if shown == 1 else f"{shown:f} years"


@bp.app_template_filter("payback_sentence")
def payback_sentence(value: Decimal | None, has_cashable_benefits: bool | None = None) -> str:
    """Cash payback inside a sentence: "pays back in 1.7 years", "pays back within the first year",
    "does not pay back within the appraisal period"; given whether the option plans any cashable benefit,
    no payback says why (payback counts cashable benefits only)."""
    if value is None and has_cashable_benefits is False:
        return (
            "does not pay back in cash: payback counts cashable benefits only, and this option's "
            "benefits are not cashable"
        )
    if value is None and has_cashable_benefits:
        return "does not pay back within the appraisal period (payback counts cashable benefits only)"
    words = format_payback(value)
    if words in (PAYS_BACK_AT_ONCE, NEVER_PAYS_BACK):
        return words[0].lower() + words[1:]
    return f"pays back in {words}"


@bp.app_template_filter("bcr")
def format_bcr(value: Decimal | None) -> str:
    """A benefit-cost ratio to two places, or why there is none."""
    shown = shown_bcr(value)
    return "None (no costs)" if shown is None else f"{shown:f}"


def _case_page(
    case: BusinessCase | None, *, improvement: Improvement | None = None, programme: Programme | None = None
) -> str:
    versions = case_queries.list_versions(
        improvement_id=improvement.id if improvement else None,
        programme_id=programme.id if programme else None,
    )
    may_edit = improvement is not None and pages.may_write_business_case(improvement)
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
        appraisal_years=case.appraisal_years if case else DEFAULT_APPRAISAL_YEARS,
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


# ---------------------------------------------------------------- writing: the task list and its pages


@dataclass(frozen=True)
class _Writing:
    """What every section page starts from: the improvement, the version it opens, and its content
    (a new case's starting content before anything is saved)."""

    improvement: Improvement
    latest: BusinessCase | None
    content: CaseContent

    @property
    def stored(self) -> CaseContent | None:
        return self.latest.content() if self.latest is not None else None

    @property
    def editing_draft(self) -> bool:
        return self.latest is not None and CaseStatus(self.latest.status) is CaseStatus.DRAFT


def _latest_to_edit(improvement: Improvement) -> BusinessCase | None:
    """The version the pages start from, once the person and the stage may write it."""
    if not permissions.can_write_business_case(*improvement_queries.access_to(improvement, current_user)):
        abort(403)
    if not open_for_writing(improvement.stage, improvement.route):
        raise InvalidTransition("This improvement's stage has no business case to write.")
    return case_queries.latest_for_improvement(improvement.id)


def _writing(improvement_id: int) -> _Writing:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    latest = _latest_to_edit(improvement)
    content = latest.content() if latest is not None else starting_content(improvement)
    return _Writing(improvement, latest, content)


def _open_on(form: PageForm, writing: _Writing) -> None:
    """Remember which version the page was opened on (and the draft's lock), for the service's
    check that nobody saved in between."""
    if not form.is_submitted():
        form.based_on_version.data = writing.latest.version if writing.latest else 0
        draft = writing.latest if writing.editing_draft else None
        form.lock_version.data = draft.lock_version if draft is not None else None


def _save(writing: _Writing, form: PageForm, content: CaseContent) -> BusinessCase:
    """Save one page's answers through the one write path (a draft may be incomplete)."""
    return case_service.edit_business_case(
        current_user,
        writing.improvement.id,
        content,
        based_on_version=form.based_on_version.data or 0,
        expected_lock_version=form.lock_version.data,
        complete=False,
    )


def _saved(writing: _Writing, what: str) -> ResponseReturnValue:
    flash(f"{what} has been saved.", "success")
    return redirect(url_for("business_cases.tasks", improvement_id=writing.improvement.id))


def _page(template: str, writing: _Writing, form: PageForm, **context: Any) -> ResponseReturnValue:
    errors = context.pop("errors", None)
    if errors is None:
        errors = error_list(form)
    body = render_template(
        template,
        form=form,
        errors=errors,
        improvement=writing.improvement,
        latest=writing.latest,
        tasks_url=url_for("business_cases.tasks", improvement_id=writing.improvement.id),
        **context,
    )
    return body, 422 if errors else 200


@bp.route("/improvements/<int:improvement_id>/business-case/edit")
@login_required
def edit(improvement_id: int) -> ResponseReturnValue:
    """The old single-page editor's address: the case is now written through its task list."""
    _writing(improvement_id)
    return redirect(url_for("business_cases.tasks", improvement_id=improvement_id))


@dataclass(frozen=True)
class _Task:
    """One line of the task list as shown: the section's words, its status and its page."""

    title: str
    status: SectionStatus
    url: str
    option_number: int | None = None


_SECTION_PAGES = {
    Section.STRATEGIC: "business_cases.strategic_case",
    Section.OPTION: "business_cases.option",
    Section.APPRAISAL: "business_cases.appraisal_settings",
    Section.COMMERCIAL: "business_cases.commercial",
    Section.FINANCIAL: "business_cases.financial",
    Section.MANAGEMENT: "business_cases.management",
    Section.RISKS: "business_cases.risks",
}


def _task_list(improvement_id: int, content: CaseContent | None) -> list[_Task]:
    found = []
    for state in section_states(content):
        number: dict[str, Any] = {"number": state.option_number} if state.option_number else {}
        url = url_for(_SECTION_PAGES[state.section], improvement_id=improvement_id, **number)
        found.append(_Task(state.title, state.status, url, state.option_number))
        if state.section is Section.STRATEGIC and not (content and content.options):
            # Before the first option there is nothing to list: the options are one task to start.
            found.append(
                _Task(
                    "Options and their costs and benefits by year",
                    SectionStatus.NOT_STARTED,
                    url_for("business_cases.new_option", improvement_id=improvement_id),
                )
            )
    return found


@bp.route("/improvements/<int:improvement_id>/business-case/tasks")
@login_required
def tasks(improvement_id: int) -> ResponseReturnValue:
    writing = _writing(improvement_id)
    stored = writing.stored
    may_submit = writing.editing_draft and ready_to_submit(stored)
    return render_template(
        "business_cases/tasks.html",
        improvement=writing.improvement,
        latest=writing.latest,
        editing_draft=writing.editing_draft,
        tasks=_task_list(writing.improvement.id, stored),
        has_options=bool(stored and stored.options),
        may_add_option=len(writing.content.options) < MAX_OPTIONS,
        may_submit=may_submit,
        submit_form=SubmitCaseForm(lock_version=writing.latest.lock_version if writing.latest else None),
    )


@bp.route("/improvements/<int:improvement_id>/business-case/strategic-case", methods=["GET", "POST"])
@login_required
def strategic_case(improvement_id: int) -> ResponseReturnValue:
    writing = _writing(improvement_id)
    form = StrategicCaseForm()
    form.strategic_priorities.choices = [SelectChoice(p.code, p.title) for p in reference.list_priorities()]
    form.benefit_drivers.choices = [SelectChoice(d.code, d.name) for d in reference.list_drivers()]
    _open_on(form, writing)
    if not form.is_submitted():
        content = writing.content
        form.kind.data = content.kind
        form.strategic_fit.data = content.strategic_fit
        form.strategic_priorities.data = list(content.priority_codes)
        form.benefit_drivers.data = list(content.driver_codes)
    elif form.validate_on_submit():
        content = replace(
            writing.content,
            kind=form.kind.data or "",
            strategic_fit=form.strategic_fit.data or "",
            priority_codes=tuple(form.strategic_priorities.data or ()),
            driver_codes=tuple(form.benefit_drivers.data or ()),
        )
        try:
            _save(writing, form, content)
        except ValidationFailed as failure:
            apply_section_errors(form, failure)
        else:
            return _saved(writing, "The strategic case")
    return _page("business_cases/strategic_case.html", writing, form)


def _option_index(writing: _Writing, number: int) -> int:
    """The stored position of option ``number`` (from 1); one past the last for a new option."""
    if not 1 <= number <= len(writing.content.options):
        abort(404)
    return number - 1


def _preview(writing: _Writing, option: OptionFigures) -> Appraisal:
    """The option's appraisal at the case's own discount rate and optimism bias: the same domain
    function every other page and report uses."""
    return appraise(
        option.years,
        discount_rate=writing.content.discount_rate,
        optimism_bias_pct=writing.content.optimism_bias_pct,
    )


def _option_page(writing: _Writing, index: int, *, is_new: bool) -> ResponseReturnValue:
    number = index + 1
    form = OptionPageForm()
    _open_on(form, writing)
    if not is_new and not option_fits_page(writing.content.options[index]):
        # Saving the page would silently drop the years it cannot show.
        raise InvalidTransition(
            f"This option has figures after year {YEARS_IN_FORM - 1}, more than this page can "
            "show. Revise it through the API."
        )
    if not form.is_submitted():
        if not is_new:
            fill_option(form, writing.content.options[index])
        elif not writing.content.options:
            # The first option of a case is usually the baseline the others are compared with.
            fill_option(form, OptionFigures("Business as usual", True, (YearFigures(0),)))
        return _option_response(writing, form, number, is_new=is_new)
    previewing = request.form.get("action") == "preview"
    if previewing:
        form.validate()
        form.name.errors = []  # a preview needs no name yet
        return _option_response(writing, form, number, is_new=is_new, preview=True)
    if form.validate_on_submit():
        try:
            _save(writing, form, with_option(writing.content, index, option_figures(form)))
        except ValidationFailed as failure:
            apply_option_errors(form, failure, index)
        else:
            return _saved(writing, option_caption(number, form.name.data or ""))
    return _option_response(writing, form, number, is_new=is_new)


def _option_response(
    writing: _Writing, form: OptionPageForm, number: int, *, is_new: bool, preview: bool = False
) -> ResponseReturnValue:
    errors = error_list(form, option_number=number)
    figures = option_figures(form)
    body = render_template(
        "business_cases/option.html",
        form=form,
        errors=errors,
        improvement=writing.improvement,
        latest=writing.latest,
        tasks_url=url_for("business_cases.tasks", improvement_id=writing.improvement.id),
        number=number,
        is_new=is_new,
        stored_name="" if is_new else writing.content.options[number - 1].name,
        year_labels=[year_label(year) for year in range(YEARS_IN_FORM)],
        preview=_preview(writing, figures) if not errors else None,
        preview_years=len(figures.years),
        content=writing.content,
        action_url=(
            url_for("business_cases.new_option", improvement_id=writing.improvement.id)
            if is_new
            else url_for("business_cases.option", improvement_id=writing.improvement.id, number=number)
        ),
    )
    return body, 422 if errors and not preview else 200


@bp.route("/improvements/<int:improvement_id>/business-case/options/new", methods=["GET", "POST"])
@login_required
def new_option(improvement_id: int) -> ResponseReturnValue:
    writing = _writing(improvement_id)
    if len(writing.content.options) >= MAX_OPTIONS:
        raise InvalidTransition(f"A business case can compare at most {MAX_OPTIONS} options.")
    return _option_page(writing, len(writing.content.options), is_new=True)


@bp.route("/improvements/<int:improvement_id>/business-case/options/<int:number>", methods=["GET", "POST"])
@login_required
def option(improvement_id: int, number: int) -> ResponseReturnValue:
    writing = _writing(improvement_id)
    return _option_page(writing, _option_index(writing, number), is_new=False)


@bp.route("/improvements/<int:improvement_id>/business-case/options/preview", methods=["POST"])
@login_required
def option_preview(improvement_id: int) -> ResponseReturnValue:
    """The live appraisal preview: the option page's figures as typed, appraised, as an HTML fragment
    the page's script puts in place (without script, the page's own "Preview" button shows the same)."""
    writing = _writing(improvement_id)
    form = OptionPageForm()
    form.validate()
    form.name.errors = []
    errors = error_list(form, option_number=None)
    figures = option_figures(form)
    return render_template(
        "business_cases/_preview.html",
        preview=None if errors else _preview(writing, figures),
        preview_years=len(figures.years),
        content=writing.content,
        is_business_as_usual=bool(form.is_business_as_usual.data),
        errors=errors,
    )


@bp.route(
    "/improvements/<int:improvement_id>/business-case/options/<int:number>/remove", methods=["GET", "POST"]
)
@login_required
def remove_option(improvement_id: int, number: int) -> ResponseReturnValue:
    writing = _writing(improvement_id)
    index = _option_index(writing, number)
    if writing.latest is None:
        abort(404)  # nothing saved yet, so nothing to remove
    form = RemoveOptionForm()
    _open_on(form, writing)
    name = writing.content.options[index].name
    if form.validate_on_submit():
        try:
            _save(writing, form, without_option(writing.content, index))
        except ValidationFailed as failure:
            apply_section_errors(form, failure)
        else:
            flash(f"{option_caption(number, name)} has been removed.", "success")
            return redirect(url_for("business_cases.tasks", improvement_id=writing.improvement.id))
    return _page("business_cases/remove_option.html", writing, form, number=number, name=name)


@bp.route("/improvements/<int:improvement_id>/business-case/preferred-option", methods=["GET", "POST"])
@login_required
def appraisal_settings(improvement_id: int) -> ResponseReturnValue:
    writing = _writing(improvement_id)
    form = AppraisalForm()
    options = writing.content.options
    form.preferred_option.choices = [
        SelectChoice(str(number), option_caption(number, option.name).replace(" (", ": ", 1).rstrip(")"))
        for number, option in enumerate(options, start=1)
    ]
    _open_on(form, writing)
    content = writing.content
    if not form.is_submitted():
        preferred = name_key(content.preferred_option or "")
        form.preferred_option.data = next(
            (str(n) for n, o in enumerate(options, start=1) if preferred and name_key(o.name) == preferred),
            None,
        )
        form.preferred_reasons.data = content.preferred_reasons
        form.discount_rate.data = content.discount_rate * 100
        form.optimism_bias_pct.data = content.optimism_bias_pct
        form.benefits_bias_pct.data = content.benefits_bias_pct
        form.duration_bias_pct.data = content.duration_bias_pct
        form.optimism_bias_justification.data = content.optimism_bias_justification
        form.price_base_year.data = (
            None if content.price_base_year is None else Decimal(content.price_base_year)
        )
        form.fte_change.data = content.fte_change
        form.appraisal_years.data = Decimal(content.appraisal_years)
    elif form.validate_on_submit():
        chosen = int(form.preferred_option.data or 0)
        discount_pct = form.discount_rate.data
        years = form.appraisal_years.data
        content = replace(
            content,
            preferred_option=options[chosen - 1].name if 1 <= chosen <= len(options) else None,
            preferred_reasons=form.preferred_reasons.data or "",
            discount_rate=DEFAULT_DISCOUNT_RATE if discount_pct is None else discount_pct / 100,
            optimism_bias_pct=form.optimism_bias_pct.data
            if form.optimism_bias_pct.data is not None
            else Decimal(0),
            benefits_bias_pct=form.benefits_bias_pct.data or Decimal(0),
            duration_bias_pct=form.duration_bias_pct.data or Decimal(0),
            optimism_bias_justification=form.optimism_bias_justification.data or "",
            price_base_year=None if form.price_base_year.data is None else int(form.price_base_year.data),
            fte_change=form.fte_change.data,
            # Left blank, the period is the usual one rather than the one stored before.
            appraisal_years=DEFAULT_APPRAISAL_YEARS if years is None else int(years),
        )
        try:
            _save(writing, form, content)
        except ValidationFailed as failure:
            apply_section_errors(form, failure)
        else:
            return _saved(writing, "The preferred option with its appraisal settings")
    return _page(
        "business_cases/appraisal_settings.html",
        writing,
        form,
        appraisals=writing.content.against_baseline(),
        sensitivity=writing.content.sensitivity(),
        preferred_name=(writing.content.preferred.name if writing.content.preferred else None),
    )


def _text_section(
    improvement_id: int, form: PageForm, names: tuple[str, ...], template: str, what: str
) -> ResponseReturnValue:
    """A section page of text boxes only (the commercial and management cases)."""
    writing = _writing(improvement_id)
    _open_on(form, writing)
    if not form.is_submitted():
        for name in names:
            getattr(form, name).data = getattr(writing.content, name)
    elif form.validate_on_submit():
        texts: dict[str, Any] = {name: getattr(form, name).data or "" for name in names}
        content = replace(writing.content, **texts)
        try:
            _save(writing, form, content)
        except ValidationFailed as failure:
            apply_section_errors(form, failure)
        else:
            return _saved(writing, what)
    return _page(template, writing, form, full=writing.content.kind == "full")


@bp.route("/improvements/<int:improvement_id>/business-case/commercial", methods=["GET", "POST"])
@login_required
def commercial(improvement_id: int) -> ResponseReturnValue:
    return _text_section(
        improvement_id,
        CommercialForm(),
        ("procurement_route", "contract_terms", "risk_transfer", "commercial_notes"),
        "business_cases/commercial.html",
        "The commercial case",
    )


@bp.route("/improvements/<int:improvement_id>/business-case/management", methods=["GET", "POST"])
@login_required
def management(improvement_id: int) -> ResponseReturnValue:
    return _text_section(
        improvement_id,
        ManagementForm(),
        ("delivery_arrangements", "milestones", "benefits_realisation", "evaluation"),
        "business_cases/management.html",
        "The management case",
    )


_FUNDING_BOXES = {
    "financial_year": "financial_year",
    "capital_pence": "capital",
    "revenue_pence": "revenue",
    "source": "source",
}


def _funding_lines(form: FinancialForm) -> tuple[FundingLine, ...]:
    """The rows with anything typed in them, in order; a blank row is no line. A row without a
    year keeps year 0 so that the check names its box."""
    lines = []
    for entry in form.funding:
        row = entry.form
        if not _typed(row):
            continue
        lines.append(
            FundingLine(
                financial_year=0 if row.financial_year.data is None else int(row.financial_year.data),
                capital_pence=row.capital.data or 0,
                revenue_pence=row.revenue.data or 0,
                source=row.source.data or "",
            )
        )
    return tuple(lines)


@bp.route("/improvements/<int:improvement_id>/business-case/financial", methods=["GET", "POST"])
@login_required
def financial(improvement_id: int) -> ResponseReturnValue:
    writing = _writing(improvement_id)
    form = FinancialForm()
    _open_on(form, writing)
    content = writing.content
    if len(content.funding) > FUNDING_ROWS:
        # Saving the page would drop the lines it cannot show (possible through the API).
        raise InvalidTransition(
            f"This financial case has more than {FUNDING_ROWS} lines, more than this page shows. "
            "Change it through the API."
        )
    if not form.is_submitted():
        for entry, line in zip(form.funding, content.funding, strict=False):
            entry.form.financial_year.data = Decimal(line.financial_year)
            entry.form.capital.data = line.capital_pence
            entry.form.revenue.data = line.revenue_pence
            entry.form.source.data = line.source
    elif form.validate_on_submit():
        lines = _funding_lines(form)
        try:
            _save(writing, form, replace(content, funding=lines))
        except ValidationFailed as failure:
            # "funding.2.source" is the third typed line's box: find its row on the page.
            typed = [i for i, entry in enumerate(form.funding) if _typed(entry.form)]
            for key, messages in failure.fields.items():
                parts = key.split(".")
                if len(parts) == 3 and parts[0] == "funding" and int(parts[1]) < len(typed):
                    box = getattr(form.funding[typed[int(parts[1])]].form, _FUNDING_BOXES[parts[2]])
                    box.errors = list(box.errors) + [
                        f"Line {typed[int(parts[1])] + 1}: {m}" for m in messages
                    ]
                else:
                    form.form_errors.extend(messages)
        else:
            return _saved(writing, "The financial case")
    return _page(
        "business_cases/financial.html",
        writing,
        form,
        affordability=writing.content.affordability(),
        preferred_name=(writing.content.preferred.name if writing.content.preferred else None),
    )


def _typed(row: Any) -> bool:
    return not (
        row.financial_year.data is None
        and not row.capital.data
        and not row.revenue.data
        and not (row.source.data or "").strip()
    )


@bp.route("/improvements/<int:improvement_id>/business-case/risks", methods=["GET", "POST"])
@login_required
def risks(improvement_id: int) -> ResponseReturnValue:
    writing = _writing(improvement_id)
    form = RisksForm()
    _open_on(form, writing)
    if not form.is_submitted():
        form.risks.data = writing.content.risks
        form.reform_risk.data = writing.content.reform_risk
    elif form.validate_on_submit():
        content = replace(
            writing.content, risks=form.risks.data or "", reform_risk=form.reform_risk.data or ""
        )
        try:
            _save(writing, form, content)
        except ValidationFailed as failure:
            apply_section_errors(form, failure)
        else:
            return _saved(writing, "The risks section")
    return _page("business_cases/risks.html", writing, form)


@bp.route("/business-cases/<int:case_id>/submit", methods=["POST"])
@login_required
def submit(case_id: int) -> ResponseReturnValue:
    case = case_queries.get_case(case_id, current_user)
    form = SubmitCaseForm()
    if not form.validate_on_submit():
        abort(400)
    lock = form.lock_version.data
    case_service.submit_business_case(
        case, actor=current_user, expected_lock_version=int(lock) if lock and lock.isdigit() else None
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
        comparison=compare_versions(
            older.content(),
            newer.content(),
            {
                **{driver.code: driver.name for driver in reference.list_drivers()},
                **{priority.code: priority.title for priority in reference.list_priorities()},
            },
        ),
        appraisals=compare_appraisals(older.content(), newer.content()),
    )
