"""Portfolio use cases: run the optimiser, save a run as a named scenario and mark the agreed plan."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain import portfolio as rules
from changeauth.domain.errors import AlreadyExists, PermissionDenied, ValidationFailed, VersionConflict
from changeauth.models import PortfolioScenario, User
from changeauth.queries import portfolio as portfolio_queries
from changeauth.services import optimiser
from changeauth.services.audit import record_event
from changeauth.services.guards import expect_version, flush_guarded


def optimise(
    actor: User,
    *,
    budget_pence: int | None,
    objective: str | None,
    cost_basis: str | None = None,
    capacity: Decimal | int | float | str | None = None,
    force_in: Sequence[int] = (),
    force_out: Sequence[int] = (),
    shared: SharedRuns | None = None,
) -> dict[str, Any]:
    """The best set of candidates within the budget and capacity, explained (``rules.result_json``).

    With ``shared`` (the web's, ``web.shared_views``), the inputs are checked against its candidates and
    the answer is worked out once per change for every process and kept as JSON, so the same run asked
    again is not solved again; without it, the candidates are read and the run solved now.

    Writes nothing.
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
    return _solve(inputs) if shared is None else _shared_run(inputs, shared)


class SharedRuns(Protocol):
    """Where the web keeps the candidates and the optimiser's answers for every process."""

    def candidates(self) -> Sequence[rules.Candidate]: ...

    def run(
        self,
        inputs: rules.Inputs,
        answer: Callable[[Sequence[rules.Candidate]], dict[str, Any]],
        check: Callable[[Sequence[rules.Candidate]], object],
    ) -> dict[str, Any]:
        """The kept answer for ``inputs`` while it is current; else ``check(candidates)`` (which raises
        for refused inputs, before anything is claimed) and ``answer(candidates)``, given the candidates
        as they are when it is computed."""
        ...


def _shared_run(inputs: rules.Inputs, shared: SharedRuns) -> dict[str, Any]:
    # Refused inputs (ValidationFailed) are refused against the shared candidates before anything is
    # claimed (an answer kept for the current state was of inputs that were not refused).
    return shared.run(
        inputs,
        lambda candidates: rules.result_json(optimiser.optimise(rules.build_problem(candidates, inputs))),
        lambda candidates: rules.build_problem(candidates, inputs),
    )


def _solve(inputs: rules.Inputs) -> dict[str, Any]:
    # Outside the web (a command, a test) the candidates are read and the run solved afresh each time:
    # nothing is kept per process.
    return rules.result_json(
        optimiser.optimise(rules.build_problem(portfolio_queries.load_candidates(), inputs))
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
    shared: SharedRuns | None = None,
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
    result = _solve(inputs) if shared is None else _shared_run(inputs, shared)
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


_AGREED_AT_THE_SAME_MOMENT = (
    "Another scenario was marked as the agreed plan at the same moment. Reload and try again."
)


def agree_scenario(
    scenario: PortfolioScenario, *, actor: User, expected_version: int | None
) -> PortfolioScenario:
    """Mark ``scenario`` as the agreed plan; the plan agreed before (if any) stops being agreed.

    Raises PermissionDenied, ValidationFailed (no version), VersionConflict (stale version, or another
    plan agreed at the same moment) or AlreadyExists (it is already the agreed plan). One audit event
    records the change from the old plan to the new. Flushes, does not commit.
    """
    if not permissions.can_agree_portfolio_plan(actor.as_actor()):
        raise PermissionDenied("Only a design authority member may mark the agreed plan.")
    if expected_version is None:
        raise ValidationFailed({"version": ["Send the version of the scenario you are agreeing."]})
    expect_version(scenario, expected_version)
    if scenario.is_agreed:
        raise AlreadyExists(f"“{scenario.name}” is already the agreed plan.")
    previous = portfolio_queries.agreed_scenario()
    try:
        with db.session.begin_nested():
            if previous is not None:
                previous.is_agreed = False
                try:
                    flush_guarded()
                except VersionConflict as error:  # another plan replaced it at the same moment
                    raise VersionConflict(_AGREED_AT_THE_SAME_MOMENT) from error
            scenario.is_agreed = True
            scenario.agreed_at = db.utcnow()
            scenario.agreed_by_id = actor.id
            flush_guarded()
    except IntegrityError as error:  # another plan was agreed at the same moment (one agreed plan at most)
        raise VersionConflict(_AGREED_AT_THE_SAME_MOMENT) from error
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
