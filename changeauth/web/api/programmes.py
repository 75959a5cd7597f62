"""The Programmes endpoint of the API (docs/api.md): each programme with the money figures every page
shows (``queries.savings``), so an API answer agrees with the dashboard to the penny."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import Schema, fields

from changeauth.domain import permissions
from changeauth.domain.errors import PermissionDenied
from changeauth.queries.clock import today
from changeauth.queries.pagination import Page
from changeauth.web import shared_views
from changeauth.web.api.schemas import Blueprint, PageArgsSchema, PageSchema, window

blp = Blueprint("programmes_api", __name__, url_prefix="/api/v1", description="Programmes and their savings")


class FinancialYearSchema(Schema):
    """One financial year of a programme's saving (``domain.savings.YearFigures``): planned, realised,
    confirmed adjustments, temporary resources, the one-off investment (its own figure, not taken off
    the net saving), the net saving, and what was taken out of budgets."""

    financial_year = fields.Integer(required=True, attribute="year")
    label = fields.String(required=True)
    planned_pence = fields.Integer(required=True)
    realised_pence = fields.Integer(required=True)
    adjustments_pence = fields.Integer(required=True)
    temporary_cost_pence = fields.Integer(required=True)
    investment_pence = fields.Integer(required=True)
    net_pence = fields.Integer(required=True)
    taken_out_pence = fields.Integer(required=True)


class ProgrammeSchema(Schema):
    """A programme with its figures (``queries.savings.ProgrammeSavings``)."""

    id = fields.Integer(required=True, attribute="programme_id")
    code = fields.String(required=True)
    name = fields.String(required=True)
    starts_on = fields.Date(allow_none=True, required=True)
    ends_on = fields.Date(allow_none=True, required=True)
    planned_investment_pence = fields.Integer(required=True)
    planned_annual_benefit_pence = fields.Integer(required=True)
    gross_pence = fields.Integer(required=True, attribute="figures.gross_pence")
    unvalidated_pence = fields.Integer(required=True, attribute="figures.unvalidated_pence")
    realised_pence = fields.Integer(required=True, attribute="figures.realised_pence")
    confirmed_adjustments_pence = fields.Integer(
        required=True, attribute="figures.confirmed_adjustments_pence"
    )
    proposed_adjustments_pence = fields.Integer(required=True, attribute="figures.proposed_adjustments_pence")
    like_for_like_pence = fields.Integer(required=True, attribute="figures.like_for_like_pence")
    temporary_cost_pence = fields.Integer(required=True, attribute="figures.temporary_cost_pence")
    years = fields.List(fields.Nested(FinancialYearSchema), required=True, attribute="figures.years")


class ProgrammePageSchema(PageSchema):
    items = fields.List(fields.Nested(ProgrammeSchema), required=True)


@blp.route("/programmes", methods=["GET"], endpoint="list_programmes")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ProgrammePageSchema)
def list_programmes(args: dict[str, Any]) -> Page[Any]:
    """Every programme with its validated saving, like-for-like saving and net saving by financial year
    (viewers and above, as the dashboard)."""
    if not permissions.can_view_dashboard(g.api_user.as_actor()):
        raise PermissionDenied(
            "Programme figures are for viewers, managers, the design authority, finance and admins."
        )
    items = shared_views.programme_savings(today())
    return window(items, args["page"], args["per_page"])
