"""Reports: the dashboard with its charts and table alternatives (docs/reports.md), and the CSV and XLSX
exports of the backlog, the benefits tracker, the temporary-resource register and the audit log, each
with the filters of the page it is exported from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms import SelectChoice

from changeauth.domain import permissions
from changeauth.domain.idea_import import COLUMNS, MAX_BYTES, MAX_ROWS
from changeauth.domain.lifecycle import ENDED_STAGES, STAGE_LABELS
from changeauth.domain.savings import financial_year_label
from changeauth.queries import attribution as attribution_queries
from changeauth.queries import backlog as backlog_queries
from changeauth.queries import benefits as benefit_queries
from changeauth.queries import clock, reference, worklists
from changeauth.queries import temporary_resources as resource_queries
from changeauth.reporting import closedown, dashboard, datasets, exports, imports, transforms
from changeauth.reporting.transforms import CATEGORIES, CATEGORY_LABELS
from changeauth.services import idea_import, transaction
from changeauth.web import shared_views
from changeauth.web.access import allowed_if
from changeauth.web.downloads import send_download
from changeauth.web.forms import BacklogFilterForm, ResourceFilterForm, TrackerFilterForm
from changeauth.web.reports.forms import ImportIdeasForm

bp = Blueprint("reports", __name__)

_SECTION_CHOICES = ", ".join(dashboard.SECTIONS)


def _actor() -> Any:
    return current_user.as_actor()


def _figures_context(figures: dashboard.Dashboard) -> dict[str, Any]:
    """The dashboard's frames as plain rows for the dashboard and the scrutiny report."""
    drivers, maturity_rows = dashboard.maturity_records(figures.maturity)
    return {
        "as_of": figures.as_of,
        "pipeline": dashboard.records(figures.pipeline),
        "benefits": dashboard.records(figures.benefits),
        "flags": dashboard.records(figures.flags),
        "open_flags": [row for row in dashboard.records(figures.flags) if row["count"]],
        "resources": dashboard.records(figures.resources),
        "maturity_drivers": drivers,
        "maturity_rows": maturity_rows,
        "programmes": dashboard.records(figures.programmes),
        # Carried in the shared figures (worked out once per change for every process).
        "savings": (
            figures.savings if figures.savings is not None else shared_views.programme_savings(figures.as_of)
        ),
        "categories": [(f"adj_{c}", CATEGORY_LABELS[c]) for c in CATEGORIES],
    }


@bp.route("/dashboard")
@allowed_if(permissions.can_view_dashboard)
def dashboard_page() -> ResponseReturnValue:
    return render_template(
        "reports/dashboard.html",
        **_figures_context(shared_views.dashboard_figures(clock.today())),
        shared_measures=attribution_queries.shared_measures(),
        can_import=permissions.can_import_ideas(_actor()),
    )


@bp.route(f"/dashboard/<any({_SECTION_CHOICES}):section>.png")
@allowed_if(permissions.can_view_dashboard)
def chart(section: str) -> ResponseReturnValue:
    response = Response(shared_views.dashboard_chart(section, clock.today()), mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


# The latest decisions the scrutiny report lists with their reasons (the register has them all).
SCRUTINY_DECISIONS = 20


@bp.route("/reports/scrutiny")
@allowed_if(permissions.can_view_dashboard)
def scrutiny() -> ResponseReturnValue:
    figures = shared_views.dashboard_figures(clock.today())
    summary = transforms.portfolio_summary(
        figures.pipeline, figures.benefits, figures.flags, figures.resources
    )
    return render_template(
        "reports/scrutiny.html",
        **_figures_context(figures),
        summary=summary,
        decisions=worklists.latest_decisions(limit=SCRUTINY_DECISIONS),
    )


@bp.route("/programmes/<int:programme_id>/close-down")
@allowed_if(permissions.can_view_dashboard)
def close_down(programme_id: int) -> ResponseReturnValue:
    """The close-down report's section 3.2 and 3.3 tables for one programme, laid out for printing."""
    on = clock.today()
    view = closedown.build(programme_id, on, shared_views.programme_savings(on))
    if view is None:
        abort(404)
    return render_template("reports/close_down.html", view=view, as_of=view.as_of)


@bp.route("/programmes/<int:programme_id>/close-down.xlsx")
@allowed_if(permissions.can_view_dashboard)
def close_down_xlsx(programme_id: int) -> ResponseReturnValue:
    on = clock.today()
    view = closedown.build(programme_id, on, shared_views.programme_savings(on))
    if view is None:
        abort(404)
    return send_download(
        exports.export(
            "xlsx",
            f"close-down-{view.programme.code.replace('_', '-')}",
            closedown.COLUMNS,
            closedown.xlsx_rows(view),
            on=clock.today(),
            sheet="Close-down",
            title=f"{view.title} on {view.as_of:%d %B %Y}",
        )
    )


# --- exports ---------------------------------------------------------------------------------------------


@bp.app_template_global()
def export_url(endpoint: str, fmt: str) -> str:
    """The export of the page being shown, with the page's filters (but not its page number)."""
    args: dict[str, Any] = {key: value for key, value in request.args.items() if key not in ("page", "fmt")}
    return url_for(endpoint, fmt=fmt, **args)


def _download(
    fmt: str, name: str, columns: list[tuple[str, str]], rows: Iterable[Mapping[str, Any]]
) -> Response:
    """CSV streamed row by row (the rows are a lazy generator); XLSX written in constant-memory mode."""
    return send_download(exports.export(fmt, name, columns, rows, on=clock.today()))


def _backlog_filters() -> backlog_queries.BacklogFilters:
    form = BacklogFilterForm(request.args)
    form.driver.choices = [("", "Any driver")] + [(d.code, d.name) for d in reference.list_drivers()]
    form.stage.choices = [("", "Any stage")] + [
        (stage.value, label) for stage, label in STAGE_LABELS.items() if stage not in ENDED_STAGES
    ]
    form.team.choices = [("", "Any team")] + [(t.code, t.name) for t in reference.list_teams()]
    if not form.validate():
        return backlog_queries.BacklogFilters()
    return backlog_queries.BacklogFilters(
        driver=form.driver.data or None, stage=form.stage.data or None, team=form.team.data or None
    )


def _benefit_filters() -> benefit_queries.BenefitFilters:
    form = TrackerFilterForm(request.args)
    form.driver.choices = [SelectChoice("", "Any driver")] + [
        SelectChoice(d.code, d.name) for d in reference.list_drivers()
    ]
    form.team.choices = [SelectChoice("", "Any team")] + [
        SelectChoice(t.code, t.name) for t in reference.list_teams()
    ]
    form.owner.choices = [SelectChoice("", "Anyone")] + [
        SelectChoice(str(i), n) for i, n in benefit_queries.benefit_owners()
    ]
    if not form.validate():
        return benefit_queries.BenefitFilters()
    return benefit_queries.BenefitFilters(
        driver=form.driver.data or None,
        team=form.team.data or None,
        owner_id=int(form.owner.data) if form.owner.data else None,
        rag=form.rag.data or None,
        stale=form.stale.data == "1",
    )


@bp.route("/backlog/export.<any(csv, xlsx):fmt>")
@allowed_if(permissions.can_view_backlog)
def export_backlog(fmt: str) -> ResponseReturnValue:
    return _download(fmt, "backlog", datasets.BACKLOG_COLUMNS, datasets.backlog_rows(_backlog_filters()))


@bp.route("/benefits/export.<any(csv, xlsx):fmt>")
@allowed_if(permissions.can_view_benefits_and_resources)
def export_benefits(fmt: str) -> ResponseReturnValue:
    rows = datasets.benefit_rows(
        _benefit_filters(), as_of=clock.today(), grace_days=int(current_app.config["BENEFIT_GRACE_DAYS"])
    )
    return _download(fmt, "benefits-tracker", datasets.BENEFIT_COLUMNS, rows)


@bp.route("/temporary-resources/export.<any(csv, xlsx):fmt>")
@allowed_if(permissions.can_view_benefits_and_resources)
def export_resources(fmt: str) -> ResponseReturnValue:
    form = ResourceFilterForm(request.args)
    valid = form.validate()
    on = (form.on.data if valid else None) or clock.today()
    filters = resource_queries.ResourceFilters(status=(form.status.data or None) if valid else None)
    return _download(
        fmt, "temporary-resources", datasets.RESOURCE_COLUMNS, datasets.resource_rows(filters, on=on)
    )


@bp.route("/savings-by-year/export.<any(csv, xlsx):fmt>")
@allowed_if(permissions.can_view_dashboard)
def savings_by_year(fmt: str) -> ResponseReturnValue:
    """Savings by financial year, for the medium-term financial plan; ``?year=2019`` for 2019/20 only."""
    chosen = request.args.get("year", "")
    year = int(chosen) if chosen.isdigit() and len(chosen) == 4 else None
    name = f"savings-{financial_year_label(year).replace('/', '-')}" if year else "savings-by-financial-year"
    return _download(
        fmt,
        name,
        datasets.SAVINGS_BY_YEAR_COLUMNS,
        datasets.savings_by_year_rows(as_of=clock.today(), year=year),
    )


@bp.route("/audit/export.<any(csv, xlsx):fmt>")
@allowed_if(permissions.can_export_audit_log)
def export_audit(fmt: str) -> ResponseReturnValue:
    rows = datasets.audit_rows(subject_type=request.args.get("subject_type") or None)
    return _download(fmt, "audit-log", datasets.AUDIT_COLUMNS, rows)


# --- import of ideas -------------------------------------------------------------------------------------


@bp.route("/ideas/import/template.<any(csv, xlsx):fmt>")
@allowed_if(permissions.can_import_ideas)
def import_template(fmt: str) -> ResponseReturnValue:
    media = exports.CSV if fmt == "csv" else exports.XLSX
    return send_download(exports.Download(f"ideas-template.{fmt}", media, imports.template(fmt)))


@bp.route("/ideas/import", methods=["GET", "POST"])
@allowed_if(permissions.can_import_ideas)
def import_ideas() -> ResponseReturnValue:
    form = ImportIdeasForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        # Parsing a spreadsheet takes a while: do it with no transaction open, so on SQLite no other
        # write waits for it. Nothing is written before this point; the import begins a new one.
        transaction.commit()
        try:
            parsed = imports.read_ideas(upload.filename or "", upload.read(MAX_BYTES + 1))
        finally:
            upload.close()  # large uploads are spooled to a temporary file: let it go now
        dry_run = request.form.get("action") != "import"
        report = idea_import.import_ideas(current_user, parsed.rows, report=parsed.report, dry_run=dry_run)
        if report.imported:
            flash(f"Imported {len(report.refs):,} ideas, {report.refs[0]} to {report.refs[-1]}.")
            return redirect(url_for("improvements.index"))
    failed = bool(form.errors) or (report is not None and not report.ok)
    context = {"columns": COLUMNS, "max_rows": MAX_ROWS, "max_mib": MAX_BYTES // 1024 // 1024}
    return render_template("reports/import.html", form=form, report=report, **context), 422 if failed else 200
