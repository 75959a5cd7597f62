"""The decision register: every gate decision the viewer may see, filtered, and its exports."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from changeauth.domain.lifecycle import DECISION_LABELS, Decision, Gate, gate_title
from changeauth.queries import clock
from changeauth.queries import gates as gate_queries
from changeauth.reporting import datasets, exports
from changeauth.web.decisions.forms import RegisterFilterForm
from changeauth.web.downloads import send_download

bp = Blueprint("decisions", __name__)


def _register_filters() -> tuple[RegisterFilterForm, gate_queries.RegisterFilters]:
    form = RegisterFilterForm(request.args)
    form.gate.choices = [("", "Any gate")] + [(g.value, gate_title(g)) for g in Gate]
    form.decision.choices = [("", "Any decision")] + [(d.value, DECISION_LABELS[d]) for d in Decision]
    if not form.validate():
        return form, gate_queries.RegisterFilters()
    return form, gate_queries.RegisterFilters(
        gate=form.gate.data or None,
        decision=form.decision.data or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        q=form.q.data or None,
    )


@bp.route("/decisions")
@login_required
def register() -> ResponseReturnValue:
    form, filters = _register_filters()
    page = gate_queries.decision_register(filters, current_user, page=request.args.get("page", 1, type=int))
    # The download links carry the filters on screen, never the page number or a stray format.
    export_args = {key: value for key, value in request.args.items() if key not in ("page", "fmt")}
    return render_template("decisions/register.html", form=form, page=page, export_args=export_args)


@bp.route("/decisions/export.<any('csv', 'xlsx'):fmt>")
@login_required
def export_register(fmt: str) -> ResponseReturnValue:
    _form, filters = _register_filters()
    rows = datasets.decision_rows(filters, current_user)
    return send_download(
        exports.export(fmt, "decision-register", datasets.DECISION_COLUMNS, rows, on=clock.today())
    )
