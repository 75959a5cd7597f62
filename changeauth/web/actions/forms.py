"""Filters for the flags and job-run lists."""

from __future__ import annotations

from wtforms import SelectChoice, SelectField
from wtforms.validators import Optional

from changeauth.domain.flags import FLAG_LABELS
from changeauth.web.forms import PageForm

FLAG_KIND_LABELS = {kind.value: label for kind, label in FLAG_LABELS.items()}


class FlagFilterForm(PageForm):
    class Meta:
        csrf = False

    kind = SelectField(
        "Kind",
        choices=[SelectChoice("", "Any")] + [SelectChoice(k, v) for k, v in FLAG_KIND_LABELS.items()],
        validators=[Optional()],
    )
    status = SelectField(
        "Status",
        choices=[
            SelectChoice("open", "Open"),
            SelectChoice("resolved", "Resolved"),
            SelectChoice("all", "All"),
        ],
        validators=[Optional()],
    )
