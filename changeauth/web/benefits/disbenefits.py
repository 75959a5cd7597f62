"""Dis-benefits, kept on an improvement's benefits pages: recording, changing and removing one, by whoever
may write the improvement's benefits (docs/benefits-and-resources.md#dis-benefits)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from changeauth.domain import permissions
from changeauth.domain.disbenefits import DisbenefitDetails, DisbenefitStatus, validate_details
from changeauth.domain.errors import ValidationFailed
from changeauth.models import Disbenefit, Improvement
from changeauth.queries import disbenefits as disbenefit_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.queries.users import list_possible_owners
from changeauth.services import disbenefits as disbenefit_service
from changeauth.services.benefits import PROFILE_STAGES
from changeauth.web.benefits.views import bp
from changeauth.web.forms import (
    CheckboxesField,
    DayMonthYearField,
    MoneyField,
    PageForm,
    apply_field_errors,
    version_read,
)

NOT_MONEY = "none"
MONEY_LABELS = {
    NOT_MONEY: "It is not money",
    "cashable": "Cashable: money the council loses or no longer earns",
    "non_cashable": "Non-cashable: value lost, but no money leaves a budget",
}
STATUS_LABELS = {status.value: status.label for status in DisbenefitStatus}


class DisbenefitForm(PageForm):
    """A dis-benefit as a whole: what it is, who it affects, who owns it, how it is mitigated, the benefits
    it offsets and, if it is money, its value a year."""

    title = StringField("Title", description="For example ‘Customers who cannot go online are left behind’.")
    description = TextAreaField("What is the dis-benefit?", description="What gets worse, and why.")
    affected = StringField("Who is affected?", description="For example ‘Customers without internet access’.")
    owner_id = SelectField("Who owns the dis-benefit?", validate_choice=False)
    mitigation = TextAreaField("How is it mitigated?", description="What is done to lessen it, and by whom.")
    offsets = CheckboxesField(
        "Which benefits does it offset? (optional)",
        description="The benefits it is set against. Leave them all clear if it offsets none in particular.",
        validate_choice=False,
    )
    status = RadioField(
        "Where does it stand?",
        choices=[SelectChoice(value, label) for value, label in STATUS_LABELS.items()],
        validate_choice=False,
    )
    cash_class = RadioField(
        "Is it money?",
        choices=[SelectChoice(value, label) for value, label in MONEY_LABELS.items()],
        validate_choice=False,
        description="Only a cashable dis-benefit comes off the net saving by financial year.",
    )
    annual_value_pence = MoneyField("Value a year, in pounds (only if it is money)", validators=[Optional()])
    starts_on = DayMonthYearField("Date it starts to cost (only if it is money)", validators=[Optional()])
    ends_on = DayMonthYearField("Date it stops (optional)", validators=[Optional()])
    version = HiddenField()

    def details(self) -> DisbenefitDetails:
        owner = self.owner_id.data or ""
        money = self.cash_class.data or NOT_MONEY
        return DisbenefitDetails(
            title=self.title.data or "",
            description=self.description.data or "",
            affected=self.affected.data or "",
            owner_id=int(owner) if owner.isdigit() else None,
            mitigation=self.mitigation.data or "",
            status=self.status.data or "",
            offsets=tuple(int(value) for value in self.offsets.data or () if str(value).isdigit()),
            annual_value_pence=self.annual_value_pence.data,
            cash_class=None if money == NOT_MONEY else money,
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
        )


def _all_errors(form: DisbenefitForm) -> None:
    """After a box the form could not read (an amount or a date), name every other problem too, so the
    person fixes them all at once rather than one page at a time."""
    for name, messages in validate_details(form.details()).items():
        field = getattr(form, name, None)
        if field is not None and not field.errors:
            field.errors = list(messages)


class RemoveDisbenefitForm(PageForm):
    version = HiddenField()


def _may_keep(improvement: Improvement | None) -> bool:
    """The forms are offered to whoever may write the benefits, while the improvement may have them."""
    facts = improvement_queries.access_to(improvement, current_user).improvement if improvement else None
    return permissions.can_edit_benefit_profile(current_user.as_actor(), facts) and (
        improvement is None or improvement.stage in PROFILE_STAGES
    )


def may_keep_disbenefits(improvement: Improvement) -> bool:
    """Whether the improvement's benefits page offers to record a dis-benefit."""
    return _may_keep(improvement)


def _choices(form: DisbenefitForm, disbenefit: Disbenefit | None, improvement_id: int | None) -> None:
    form.owner_id.choices = [SelectChoice("", "Choose a person")] + [
        SelectChoice(str(u.id), u.name) for u in list_possible_owners()
    ]
    form.offsets.choices = [
        SelectChoice(str(benefit_id), title)
        for benefit_id, title in disbenefit_queries.offset_choices(
            improvement_id=improvement_id, programme_id=disbenefit.programme_id if disbenefit else None
        )
    ]


def _back(disbenefit_or_improvement_id: int | None) -> ResponseReturnValue:
    if disbenefit_or_improvement_id is None:
        return redirect(url_for("main.home"))
    return redirect(
        url_for(
            "benefits.for_improvement", improvement_id=disbenefit_or_improvement_id, _anchor="dis-benefits"
        )
    )


def _page(form: DisbenefitForm, *, disbenefit: Disbenefit | None, improvement: Improvement | None) -> Any:
    return render_template(
        "benefits/disbenefit_form.html", form=form, disbenefit=disbenefit, improvement=improvement
    ), (422 if form.errors or form.form_errors else 200)


@bp.route("/improvements/<int:improvement_id>/disbenefits/new", methods=["GET", "POST"])
@login_required
def new_disbenefit(improvement_id: int) -> ResponseReturnValue:
    improvement = improvement_queries.get_improvement(improvement_id, current_user)
    if not _may_keep(improvement):
        abort(403)
    form = DisbenefitForm(
        owner_id=str(improvement.owner_id or ""), status=DisbenefitStatus.OPEN.value, cash_class=NOT_MONEY
    )
    _choices(form, None, improvement.id)
    valid = form.validate_on_submit()
    if form.is_submitted() and not valid:
        _all_errors(form)
    if valid:
        try:
            disbenefit = disbenefit_service.record_disbenefit(
                current_user, improvement_id=improvement.id, details=form.details()
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash(f"The dis-benefit ‘{disbenefit.title}’ has been recorded.", "success")
            return _back(improvement.id)
    return _page(form, disbenefit=None, improvement=improvement)


def _loaded(disbenefit_id: int) -> tuple[Disbenefit, Improvement | None]:
    """The dis-benefit, if the person may see what it belongs to, and may keep it (else 404 or 403)."""
    disbenefit = disbenefit_queries.get_disbenefit(disbenefit_id)
    improvement = (
        improvement_queries.get_improvement(disbenefit.improvement_id, current_user)
        if disbenefit.improvement_id is not None
        else None
    )
    if not _may_keep(improvement):
        abort(403)
    return disbenefit, improvement


@bp.route("/disbenefits/<int:disbenefit_id>/edit", methods=["GET", "POST"])
@login_required
def edit_disbenefit(disbenefit_id: int) -> ResponseReturnValue:
    disbenefit, improvement = _loaded(disbenefit_id)
    form = DisbenefitForm(
        title=disbenefit.title,
        description=disbenefit.description,
        affected=disbenefit.affected,
        owner_id=str(disbenefit.owner_id),
        mitigation=disbenefit.mitigation,
        offsets=[str(benefit.id) for benefit in disbenefit.offsets],
        status=disbenefit.status.value,
        cash_class=disbenefit.cash_class.value if disbenefit.cash_class else NOT_MONEY,
        annual_value_pence=disbenefit.annual_value_pence,
        starts_on=disbenefit.starts_on,
        ends_on=disbenefit.ends_on,
        version=str(disbenefit.version),
    )
    _choices(form, disbenefit, disbenefit.improvement_id)
    valid = form.validate_on_submit()
    if form.is_submitted() and not valid:
        _all_errors(form)
    if valid:
        try:
            disbenefit_service.change_disbenefit(
                disbenefit,
                actor=current_user,
                expected_version=version_read(form.version.data),
                details=form.details(),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash(f"The dis-benefit ‘{(form.title.data or '').strip()}’ has been changed.", "success")
            return _back(disbenefit.improvement_id)
    return _page(form, disbenefit=disbenefit, improvement=improvement)


@bp.route("/disbenefits/<int:disbenefit_id>/remove", methods=["GET", "POST"])
@login_required
def remove_disbenefit(disbenefit_id: int) -> ResponseReturnValue:
    disbenefit, improvement = _loaded(disbenefit_id)
    form = RemoveDisbenefitForm(version=str(disbenefit.version))
    if form.validate_on_submit():
        title, improvement_id = disbenefit.title, disbenefit.improvement_id
        disbenefit_service.remove_disbenefit(
            disbenefit, actor=current_user, expected_version=version_read(form.version.data)
        )
        flash(f"The dis-benefit ‘{title}’ has been removed.", "success")
        return _back(improvement_id)
    return render_template(
        "benefits/disbenefit_remove.html", form=form, disbenefit=disbenefit, improvement=improvement
    )
