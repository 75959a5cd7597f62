"""The like-for-like register of a staffing saving, reached from the benefit's page: the posts before and
after the change, the price base and on-cost rates, and the pay awards that restate the saving."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from changeauth.domain.errors import InvalidTransition, ValidationFailed
from changeauth.domain.savings import financial_year, financial_year_label
from changeauth.domain.staffing import PostSide
from changeauth.models import Benefit, BenefitPost
from changeauth.queries import benefits as benefit_queries
from changeauth.queries import staffing as staffing_queries
from changeauth.queries.clock import today
from changeauth.services import staffing as staffing_service
from changeauth.services.benefits import PROFILE_STAGES
from changeauth.web.benefits.views import _ensure, _permitted, bp
from changeauth.web.forms import DecimalTextField, MoneyField, PageForm, apply_field_errors

SIDE_LABELS = {side.value: side.label for side in PostSide}
SCOPE_LABELS = {"yes": "Yes, it is part of the saving", "no": "No, it is listed to show the scope"}


class PriceBaseForm(PageForm):
    """The register's price base and on-cost rates."""

    price_base_year = SelectField(
        "Price base", description="The financial year whose pay the salaries are at.", validate_choice=False
    )
    employer_ni_pct = DecimalTextField(
        "Employer's National Insurance (per cent of salary)",
        places=2,
        suffix="%",
        example="13.8",
        description="The average rate across the posts, the same before and after the change.",
        validators=[InputRequired("Enter the employer's National Insurance rate, for example 13.8.")],
    )
    pension_pct = DecimalTextField(
        "Employer's pension contribution (per cent of salary)",
        places=2,
        suffix="%",
        example="16.5",
        validators=[InputRequired("Enter the employer's pension rate, for example 16.5.")],
    )
    version = HiddenField()


class PostForm(PageForm):
    """One post (or a group of the same post) before or after the change."""

    side = RadioField(
        "Is this post from before or after the change?",
        choices=[SelectChoice(value, label) for value, label in SIDE_LABELS.items()],
        validate_choice=False,
        validators=[InputRequired("Choose whether the post is from before or after the change.")],
    )
    title = StringField("Post title", validators=[InputRequired("Enter the post's title.")])
    grade = StringField(
        "Grade or pay point",
        description="As the establishment shows it, for example ‘Grade 5, SCP 22’.",
        validators=[InputRequired("Enter the grade or pay point.")],
    )
    annual_salary_pence = MoneyField(
        "Full-time annual salary at the price base",
        description="Before on-costs, for one full-time post at the register's price base.",
        validators=[InputRequired("Enter the full-time annual salary in pounds, for example £28,000.")],
    )
    fte = DecimalTextField(
        "Full-time equivalent (FTE)",
        places=2,
        example="1.5",
        description="How many full-time posts this line stands for, for example 1, 0.5 or 12.8.",
        validators=[InputRequired("Enter the full-time equivalent, for example 1 or 0.5.")],
    )
    in_scope = RadioField(
        "Is the post in the saving's scope?",
        choices=[SelectChoice(value, label) for value, label in SCOPE_LABELS.items()],
        validate_choice=False,
        description="Out-of-scope posts (grant-funded, outsourced, not part of the change) count nothing.",
        validators=[InputRequired("Say whether the post is in the saving's scope.")],
    )
    note = TextAreaField("Note (optional)", validators=[Optional()])
    version = HiddenField()

    def values(self) -> dict[str, Any]:
        return {
            "side": self.side.data,
            "title": self.title.data or "",
            "grade": self.grade.data or "",
            "annual_salary_pence": self.annual_salary_pence.data,
            "fte": self.fte.data,
            "in_scope": {"yes": True, "no": False}.get(self.in_scope.data or ""),
            "note": self.note.data or "",
        }


class RemovePostForm(PageForm):
    version = HiddenField()


class PayAwardForm(PageForm):
    financial_year = SelectField("Financial year of the pay award", validate_choice=False)
    pay_award_pct = DecimalTextField(
        "Pay award (per cent)",
        places=2,
        allow_negative=True,
        suffix="%",
        example="2.75",
        description="The rise in pay that year, for example 2.75. Record 0 for a year with none.",
        validators=[InputRequired("Enter the pay award as a percentage, for example 2.75.")],
    )


@bp.app_template_filter("fte")
def fte(value: Decimal | None) -> str:
    """A full-time equivalent as people write it: 77.3, 1, 0.5."""
    if value is None:
        return ""
    text = f"{Decimal(value).quantize(Decimal('0.01')).normalize():,f}"
    return text


def _version(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _may_keep(benefit: Benefit) -> bool:
    """The register's forms are offered to whoever may change the profile, while the benefit is open."""
    improvement = benefit.improvement
    return (
        _permitted(benefit)["edit"]
        and not benefit.closing_status
        and (improvement is None or improvement.stage in PROFILE_STAGES)
    )


def _ensure_staffing_saving(benefit: Benefit) -> None:
    _ensure(benefit.is_cashable and benefit.unit == "GBP")


def _back(benefit: Benefit) -> ResponseReturnValue:
    return redirect(url_for("benefits.staffing", benefit_id=benefit.id))


@bp.route("/benefits/<int:benefit_id>/staffing")
@login_required
def staffing(benefit_id: int) -> ResponseReturnValue:
    """The register: what the saving is made of, at its price base and restated at later years' pay."""
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure_staffing_saving(benefit)
    register = staffing_queries.register_of(benefit.id)
    return render_template(
        "benefits/staffing.html",
        benefit=benefit,
        register=register,
        can_keep=_may_keep(benefit),
        label=financial_year_label,
    )


def _year_choices(benefit: Benefit, *, after: int | None = None) -> list[SelectChoice]:
    first = after + 1 if after is not None else financial_year(benefit.baseline_date) - 5
    last = max(financial_year(benefit.target_date), financial_year(today())) + 3
    return [
        SelectChoice(str(year), financial_year_label(year)) for year in range(first, max(first, last) + 1)
    ]


@bp.route("/benefits/<int:benefit_id>/staffing/price-base", methods=["GET", "POST"])
@login_required
def staffing_price_base(benefit_id: int) -> ResponseReturnValue:
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure_staffing_saving(benefit)
    _ensure(_may_keep(benefit))
    current = staffing_queries.register_of(benefit.id).staffing
    form = PriceBaseForm(
        price_base_year=str(current.price_base_year if current else financial_year(benefit.baseline_date)),
        employer_ni_pct=current.employer_ni_pct if current else None,
        pension_pct=current.pension_pct if current else None,
        version=str(current.version if current else 0),
    )
    form.price_base_year.choices = _year_choices(benefit)
    if form.validate_on_submit():
        chosen = form.price_base_year.data or ""
        try:
            staffing_service.set_price_base(
                benefit,
                actor=current_user,
                expected_version=_version(form.version.data),
                price_base_year=int(chosen) if chosen.isdigit() else None,
                employer_ni_pct=form.employer_ni_pct.data,
                pension_pct=form.pension_pct.data,
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("The price base and on-cost rates have been saved.", "success")
            return _back(benefit)
    return render_template("benefits/staffing_price_base.html", form=form, benefit=benefit), (
        422 if form.errors or form.form_errors else 200
    )


def _post_page(benefit: Benefit, form: PostForm, post: BenefitPost | None) -> ResponseReturnValue:
    return render_template("benefits/staffing_post.html", form=form, benefit=benefit, post=post), (
        422 if form.errors or form.form_errors else 200
    )


@bp.route("/benefits/<int:benefit_id>/staffing/posts/new", methods=["GET", "POST"])
@login_required
def staffing_add_post(benefit_id: int) -> ResponseReturnValue:
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure_staffing_saving(benefit)
    _ensure(_may_keep(benefit))
    if staffing_queries.register_of(benefit.id).staffing is None:
        flash("Set the price base and on-cost rates first: they say what pay the salaries are at.", "info")
        return redirect(url_for("benefits.staffing_price_base", benefit_id=benefit.id))
    side = request.args.get("side", "")
    form = PostForm(side=side if side in SIDE_LABELS else None, in_scope="yes")
    if form.validate_on_submit():
        try:
            staffing_service.add_post(benefit, actor=current_user, **form.values())
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash(f"The post ‘{(form.title.data or '').strip()}’ has been added.", "success")
            return _back(benefit)
    return _post_page(benefit, form, None)


def _post(benefit: Benefit, post_id: int) -> BenefitPost:
    for post in staffing_queries.register_of(benefit.id).posts:
        if post.id == post_id:
            return post
    _ensure(False)
    raise AssertionError  # unreachable: _ensure aborts


@bp.route("/benefits/<int:benefit_id>/staffing/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def staffing_change_post(benefit_id: int, post_id: int) -> ResponseReturnValue:
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure_staffing_saving(benefit)
    _ensure(_may_keep(benefit))
    post = _post(benefit, post_id)
    form = PostForm(
        side=post.side.value,
        title=post.title,
        grade=post.grade,
        annual_salary_pence=post.annual_salary_pence,
        fte=post.fte,
        in_scope="yes" if post.in_scope else "no",
        note=post.note,
        version=str(post.version),
    )
    if form.validate_on_submit():
        try:
            staffing_service.change_post(
                benefit,
                post.id,
                actor=current_user,
                expected_version=_version(form.version.data),
                changes=form.values(),
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash(f"The post ‘{post.title}’ has been changed.", "success")
            return _back(benefit)
    return _post_page(benefit, form, post)


@bp.route("/benefits/<int:benefit_id>/staffing/posts/<int:post_id>/remove", methods=["GET", "POST"])
@login_required
def staffing_remove_post(benefit_id: int, post_id: int) -> ResponseReturnValue:
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure_staffing_saving(benefit)
    _ensure(_may_keep(benefit))
    post = _post(benefit, post_id)
    form = RemovePostForm(version=str(post.version))
    if form.validate_on_submit():
        title = post.title
        staffing_service.remove_post(
            benefit, post.id, actor=current_user, expected_version=_version(form.version.data)
        )
        flash(f"The post ‘{title}’ has been taken out of the register.", "success")
        return _back(benefit)
    return render_template("benefits/staffing_remove.html", form=form, benefit=benefit, post=post)


@bp.route("/benefits/<int:benefit_id>/staffing/pay-awards", methods=["GET", "POST"])
@login_required
def staffing_pay_award(benefit_id: int) -> ResponseReturnValue:
    benefit = benefit_queries.get_benefit(benefit_id)
    _ensure_staffing_saving(benefit)
    _ensure(_may_keep(benefit))
    register = staffing_queries.register_of(benefit.id)
    if register.staffing is None:
        flash("Set the price base and on-cost rates first: pay awards count from the price base.", "info")
        return redirect(url_for("benefits.staffing_price_base", benefit_id=benefit.id))
    form = PayAwardForm()
    form.financial_year.choices = _year_choices(benefit, after=register.staffing.price_base_year)
    if form.validate_on_submit():
        chosen = form.financial_year.data or ""
        try:
            staffing_service.record_pay_award(
                benefit,
                actor=current_user,
                financial_year=int(chosen) if chosen.isdigit() else None,
                pay_award_pct=form.pay_award_pct.data,
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        except InvalidTransition as refused:
            form.form_errors.append(refused.message)
        else:
            flash(f"The pay award for {financial_year_label(int(chosen))} has been saved.", "success")
            return _back(benefit)
    return render_template(
        "benefits/staffing_pay_award.html",
        form=form,
        benefit=benefit,
        register=register,
        label=financial_year_label,
    ), (422 if form.errors or form.form_errors else 200)
