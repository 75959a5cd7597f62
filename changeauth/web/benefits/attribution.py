"""What a benefit shares: the measure or budget line it claims with other benefits and its improvement's
share of it, reached from the benefit's page."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms import HiddenField, StringField
from wtforms.validators import Optional

from changeauth.domain.errors import ValidationFailed
from changeauth.queries import attribution as attribution_queries
from changeauth.queries import benefits as benefit_queries
from changeauth.services import attribution as attribution_service
from changeauth.services.benefits import PROFILE_STAGES
from changeauth.web.benefits.views import _ensure, _permitted, bp
from changeauth.web.forms import DecimalTextField, PageForm, apply_field_errors


class AttributionForm(PageForm):
    shared_measure = StringField(
        "Measure or budget line this benefit shares (optional)",
        description="Name it the same way as the other benefits that measure it, for example ‘Calls to "
        "Customer Connect’ or ‘Revenues and benefits staffing budget’. Leave it blank if no other "
        "improvement could claim the same change.",
        validators=[Optional()],
    )
    share_pct = DecimalTextField(
        "Share of it this improvement claims (per cent, optional)",
        places=2,
        suffix="%",
        example="40",
        description="The share agreed with the other improvements' owners. The shares of one measure add up "
        "to 100 % at most; leave it blank until it is agreed, and the benefit is shown as a possible double "
        "count.",
        validators=[Optional()],
    )
    version = HiddenField()


@bp.route("/benefits/<int:benefit_id>/attribution", methods=["GET", "POST"])
@login_required
def attribution(benefit_id: int) -> ResponseReturnValue:
    """Say which measure the benefit shares and its improvement's share of it."""
    benefit = benefit_queries.get_benefit(benefit_id)
    improvement = benefit.improvement
    _ensure(
        _permitted(benefit)["edit"]
        and not benefit.closing_status
        and (improvement is None or improvement.stage in PROFILE_STAGES)
    )
    form = AttributionForm(
        shared_measure=benefit.shared_measure or "", share_pct=benefit.share_pct, version=str(benefit.version)
    )
    if form.validate_on_submit():
        version = form.version.data or ""
        try:
            attribution_service.set_attribution(
                benefit,
                actor=current_user,
                expected_version=int(version) if version.isdigit() else None,
                shared_measure=form.shared_measure.data,
                share_pct=form.share_pct.data,
            )
        except ValidationFailed as failure:
            apply_field_errors(form, failure)
        else:
            flash("What this benefit shares has been saved.", "success")
            return redirect(url_for("benefits.detail", benefit_id=benefit.id, _anchor="shared-measure"))
    return render_template(
        "benefits/attribution.html",
        form=form,
        benefit=benefit,
        shared=attribution_queries.shared_with(benefit),
    ), (422 if form.errors or form.form_errors else 200)
