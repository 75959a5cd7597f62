"""Forms for the backlog: filters, planning a quarter, and the what-if weights. Shape only; the rules
live in the services. Weight boxes are named ``weights.<code>``, as the services name their errors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wtforms import Field, HiddenField, SelectField, TextAreaField
from wtforms.validators import Length, Optional

from changeauth.domain.improvements import TEXT_MAX
from changeauth.domain.scoring import CriterionKind, CriterionSpec
from changeauth.web.forms import DecimalTextField, PageForm


class PlanForm(PageForm):
    planned_quarter = SelectField(
        "Planned quarter",
        description="Calendar quarters: Q1 is January to March.",
        validators=[Optional()],
    )
    version = HiddenField()


class WhatIfBase(PageForm):
    class Meta:
        csrf = False


class AdoptBase(PageForm):
    note = TextAreaField(
        "Why adopt these weights",
        description="Recorded with the new version.",
        validators=[Optional(), Length(max=TEXT_MAX)],
    )


def weights_form(specs: Sequence[CriterionSpec], base: type[PageForm], **kwargs: Any) -> Any:
    """One number box per should criterion, named ``weights.<code>``."""

    # A class of its own per call: the boxes depend on the scheme's criteria.
    weights_form_class = type("WeightsForm", (base,), {})
    for spec in specs:
        if spec.kind is CriterionKind.SHOULD:
            field = DecimalTextField(
                f"Weight for {spec.name}",
                description=f"Now {spec.weight.normalize():f}.",
                places=2,
                example="25",
            )
            setattr(weights_form_class, f"weights.{spec.code}", field)
    return weights_form_class(**kwargs)


def weight_fields(form: Any, specs: Sequence[CriterionSpec]) -> list[tuple[CriterionSpec, Field]]:
    return [(spec, form[f"weights.{spec.code}"]) for spec in specs if spec.kind is CriterionKind.SHOULD]


def submitted_weights(form: Any, specs: Sequence[CriterionSpec]) -> dict[str, object]:
    """The weights typed in (blank boxes keep the current weight)."""
    return {
        code: field.data
        for spec, field in weight_fields(form, specs)
        if (code := spec.code) and field.data is not None
    }
