"""Portfolio use cases: run the optimiser, save a run as a named scenario, mark the agreed plan, and
load the worked example's delivery estimates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain import portfolio as rules
from changeauth.domain.errors import AlreadyExists, PermissionDenied, ValidationFailed, VersionConflict
from changeauth.models import Improvement, PortfolioScenario, User
from changeauth.models.derived_state import PORTFOLIO
from changeauth.queries import derived
from changeauth.queries import portfolio as portfolio_queries
from changeauth.services import optimiser
from changeauth.services.audit import record_event
from changeauth.services.reference_data import UpsertCounts


def optimise(
    actor: User,
    *,
    budget_pence: int | None,
    objective: str | None,
    cost_basis: str | None = None,
    capacity: Decimal | int | float | str | None = None,
    force_in: Sequence[int] = (),
    force_out: Sequence[int] = (),
) -> dict[str, Any]:
    """The best set of candidates within the budget and capacity, explained (``rules.result_json``).

    Writes nothing. The answer is kept, like the candidates, while nothing they are read from changes,
    so the same run asked again is not solved again: it is shared, so callers must not change it.
    Raises PermissionDenied, or ValidationFailed for bad inputs, no candidates, or mandatory and
    forced-in improvements that alone break a limit.
    """
    if not permissions.can_use_portfolio(actor.as_actor()):
        raise PermissionDenied("The portfolio optimiser is for the design authority, viewers and admins.")
    inputs = rules.parse_inputs(
        budget_pence=budget_pence,
        objective=objective,
        cost_basis=cost_basis,
        capacity=capacity,
        force_in=force_in,
        force_out=force_out,
    )
    return _solve(inputs)


def _solve(inputs: rules.Inputs) -> dict[str, Any]:
    # The answer depends only on the inputs and the candidates, so it is kept under the candidates'
    # marker. ValidationFailed is raised afresh each time (nothing is kept for a refused run).
    return derived.cached(
        PORTFOLIO,
        ("run", inputs),
        lambda: rules.result_json(
            optimiser.optimise(rules.build_problem(portfolio_queries.current_candidates(), inputs))
        ),
    )


def _check_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationFailed({"name": ["Give the scenario a name."]})
    if len(cleaned) > rules.SCENARIO_NAME_MAX:
        raise ValidationFailed({"name": [f"Keep the name to {rules.SCENARIO_NAME_MAX} characters or fewer."]})
    taken = db.session.scalar(
        select(PortfolioScenario.id).where(func.lower(PortfolioScenario.name) == cleaned.lower())
    )
    if taken is not None:
        raise AlreadyExists(f"A scenario called “{cleaned}” already exists. Choose another name.")
    return cleaned


def save_scenario(
    actor: User,
    *,
    name: str,
    budget_pence: int | None,
    objective: str | None,
    cost_basis: str | None = None,
    capacity: Decimal | int | float | str | None = None,
    force_in: Sequence[int] = (),
    force_out: Sequence[int] = (),
) -> PortfolioScenario:
    """Run the optimiser on these inputs and keep the run under ``name`` (unique, ignoring case).

    The result is computed here, never taken from the caller. Raises PermissionDenied,
    ValidationFailed or AlreadyExists; nothing is written on failure. Flushes, does not commit.
    """
    if not permissions.can_save_portfolio_scenario(actor.as_actor()):
        raise PermissionDenied("Only the design authority and admins save portfolio scenarios.")
    inputs = rules.parse_inputs(
        budget_pence=budget_pence,
        objective=objective,
        cost_basis=cost_basis,
        capacity=capacity,
        force_in=force_in,
        force_out=force_out,
    )
    cleaned = _check_name(name)
    result = _solve(inputs)
    scenario = PortfolioScenario(
        name=cleaned, inputs=inputs.to_json(), result=result, created_by_id=actor.id, created_at=db.utcnow()
    )
    try:
        with db.session.begin_nested():
            db.session.add(scenario)
            db.session.flush()
    except IntegrityError as error:  # the same name saved at the same moment
        raise AlreadyExists(f"A scenario called “{cleaned}” already exists. Choose another name.") from error
    record_event(
        actor_id=actor.id,
        action="portfolio_scenario.saved",
        subject_type="portfolio_scenario",
        subject_id=scenario.id,
        subject_version=scenario.version,
        after={
            "name": scenario.name,
            "inputs": scenario.inputs,
            "selected": [row["id"] for row in result["selected"]],
            "total_cost_pence": result["total_cost_pence"],
            "total_value": result["total_value"],
        },
    )
    return scenario


def agree_scenario(actor: User, scenario: PortfolioScenario, *, version: int | None) -> PortfolioScenario:
    """Mark ``scenario`` as the agreed plan; the plan agreed before (if any) stops being agreed.

    Raises PermissionDenied, ValidationFailed (no version), VersionConflict (stale version, or another
    plan agreed at the same moment) or AlreadyExists (it is already the agreed plan). One audit event
    records the change from the old plan to the new. Flushes, does not commit.
    """
    if not permissions.can_agree_portfolio_plan(actor.as_actor()):
        raise PermissionDenied("Only a design authority member may mark the agreed plan.")
    if version is None:
        raise ValidationFailed({"version": ["Send the version of the scenario you are agreeing."]})
    if version != scenario.version:
        raise VersionConflict()
    if scenario.is_agreed:
        raise AlreadyExists(f"“{scenario.name}” is already the agreed plan.")
    previous = portfolio_queries.agreed_scenario()
    now = db.utcnow()
    try:
        with db.session.begin_nested():
            if previous is not None:
                db.session.execute(
                    update(PortfolioScenario)
                    .where(PortfolioScenario.id == previous.id, PortfolioScenario.is_agreed.is_(True))
                    .values(is_agreed=False, version=PortfolioScenario.version + 1)
                    .execution_options(synchronize_session=False)
                )
            changed = db.session.execute(
                update(PortfolioScenario)
                .where(PortfolioScenario.id == scenario.id, PortfolioScenario.version == version)
                .values(
                    is_agreed=True,
                    agreed_at=now,
                    agreed_by_id=actor.id,
                    version=PortfolioScenario.version + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if changed.rowcount != 1:
                raise VersionConflict()
    except IntegrityError as error:  # another plan was agreed at the same moment
        raise VersionConflict(
            "Another scenario was marked as the agreed plan at the same moment. Reload and try again."
        ) from error
    if previous is not None:
        db.session.refresh(previous)
    db.session.refresh(scenario)
    record_event(
        actor_id=actor.id,
        action="portfolio_scenario.agreed",
        subject_type="portfolio_scenario",
        subject_id=scenario.id,
        subject_version=scenario.version,
        before={"agreed_scenario_id": previous.id if previous else None},
        after={"agreed_scenario_id": scenario.id, "name": scenario.name},
    )
    return scenario


def load_demo_delivery_estimates(rows: Iterable[Mapping[str, Any]], counts: UpsertCounts) -> None:
    """The worked example's delivery estimates, by improvement reference (an upsert: a second load
    changes nothing). Seed data, so no audit event. Flushes, does not commit."""
    refs = [row["improvement_ref"] for row in rows]
    found = {
        improvement.ref: improvement
        for improvement in db.session.scalars(select(Improvement).where(Improvement.ref.in_(refs)))
    }
    for row in rows:
        improvement = found[row["improvement_ref"]]
        estimate = Decimal(str(row["delivery_person_months"]))
        if improvement.delivery_person_months == estimate:
            counts.add("improvement", "unchanged")
            continue
        improvement.delivery_person_months = estimate
        counts.add("improvement", "updated")
    db.session.flush()
