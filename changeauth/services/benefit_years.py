"""A cashable benefit by financial year: the owner plans the saving (and any one-off cost of securing it)
for each year, and finance signs off the saving taken out of a budget for a year.

Each use case checks permission first (403), then the benefit's state (409), then the values (422), and
writes nothing until all of them pass. Writes are guarded by the year's version (``guards``); one audit
event per change, in the same transaction.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.benefits import CashClass
from changeauth.domain.errors import (
    AlreadyExists,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    VersionConflict,
)
from changeauth.domain.money import MAX_PENCE, format_money
from changeauth.domain.savings import (
    FIRST_FINANCIAL_YEAR,
    LAST_FINANCIAL_YEAR,
    financial_year_end,
    financial_year_label,
)
from changeauth.models import Benefit, BenefitYear, Improvement, User
from changeauth.queries.clock import today as council_today
from changeauth.queries.improvements import access_to
from changeauth.services import notifications
from changeauth.services.audit import record_event
from changeauth.services.benefits import GBP, PROFILE_STAGES, measurement_recorder_ids
from changeauth.services.guards import expect_version, flush_guarded

BUDGET_LINE_MIN, BUDGET_LINE_MAX = 2, 200
YEAR_FIELDS = ("planned_pence", "one_off_cost_pence")
REDUCTION_FIELDS = ("budget_line", "taken_out_pence", "taken_out_on", "taken_out_by_id")


def _load(benefit_or_id: Benefit | int) -> tuple[Benefit, Improvement | None]:
    benefit = benefit_or_id if isinstance(benefit_or_id, Benefit) else db.session.get(Benefit, benefit_or_id)
    if benefit is None:
        raise NotFound("There is no benefit with that number.")
    improvement = db.session.get(Improvement, benefit.improvement_id) if benefit.improvement_id else None
    return benefit, improvement


def _facts(improvement: Improvement | None, actor: User) -> permissions.ImprovementFacts | None:
    return access_to(improvement, actor).improvement if improvement is not None else None


def _year_row(benefit_id: int, year: int) -> BenefitYear | None:
    return db.session.scalar(
        select(BenefitYear).where(BenefitYear.benefit_id == benefit_id, BenefitYear.financial_year == year)
    )


def _check_cashable(benefit: Benefit) -> None:
    if benefit.cash_class is not CashClass.CASHABLE or benefit.unit != GBP:
        raise InvalidTransition("Only a cashable saving measured in pounds is planned by financial year.")


def _year_errors(year: int | None) -> dict[str, list[str]]:
    if year is None or isinstance(year, bool):
        return {"financial_year": ["Choose the financial year."]}
    if not FIRST_FINANCIAL_YEAR <= year <= LAST_FINANCIAL_YEAR:
        return {
            "financial_year": [
                f"Choose a financial year between {financial_year_label(FIRST_FINANCIAL_YEAR)} and "
                f"{financial_year_label(LAST_FINANCIAL_YEAR)}."
            ]
        }
    return {}


def _money_errors(errors: dict[str, list[str]], field: str, value: int | None, *, least: int) -> None:
    if value is None or isinstance(value, bool):
        errors.setdefault(field, []).append("Enter an amount in pounds, for example £250,000.")
    elif not least <= value <= MAX_PENCE:
        smallest = "0" if least == 0 else "1p"
        errors.setdefault(field, []).append(f"Enter an amount between {smallest} and £1,000,000,000.")


def _expect(row: BenefitYear | None, expected_version: int | None) -> None:
    """The person saw the year as it is: ``0`` means they saw nothing recorded for it."""
    if row is None:
        if expected_version not in (None, 0):
            raise VersionConflict()
        return
    expect_version(row, expected_version)


def _insert(row: BenefitYear) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError as error:  # someone recorded the same year at the same moment
        raise VersionConflict() from error


def _state(row: BenefitYear | None, fields: tuple[str, ...]) -> dict[str, object] | None:
    return None if row is None else {field: getattr(row, field) for field in fields}


def plan_year(
    benefit_or_id: Benefit | int,
    *,
    actor: User,
    expected_version: int | None,
    financial_year: int | None,
    planned_pence: int | None,
    one_off_cost_pence: int | None = 0,
) -> BenefitYear:
    """Set the saving a cashable benefit plans for one financial year and the one-off cost of securing
    it that falls in that year (investment). Who may: as for the profile (the improvement's owner or the
    design authority; a programme's saving the design authority). ``expected_version`` is the year's
    version the person read (0 when nothing was recorded for it). Raises NotFound, PermissionDenied,
    InvalidTransition, VersionConflict or ValidationFailed. Flushes, does not commit."""
    benefit, improvement = _load(benefit_or_id)
    if not permissions.can_edit_benefit_profile(actor.as_actor(), _facts(improvement, actor)):
        raise PermissionDenied("Only the improvement's owner or the design authority plans its savings.")
    _check_cashable(benefit)
    if benefit.closing_status:
        raise InvalidTransition("This benefit has been closed; its plan can no longer change.")
    if improvement is not None and improvement.stage not in PROFILE_STAGES:
        raise InvalidTransition("Savings are planned from the business case stage until closure.")
    errors = _year_errors(financial_year)
    _money_errors(errors, "planned_pence", planned_pence, least=0)
    _money_errors(errors, "one_off_cost_pence", one_off_cost_pence, least=0)
    if errors:
        raise ValidationFailed(errors)
    assert financial_year is not None and planned_pence is not None and one_off_cost_pence is not None
    row = _year_row(benefit.id, financial_year)
    _expect(row, expected_version)
    before = _state(row, YEAR_FIELDS)
    if row is None:
        row = BenefitYear(
            benefit_id=benefit.id,
            financial_year=financial_year,
            planned_pence=planned_pence,
            one_off_cost_pence=one_off_cost_pence,
        )
        _insert(row)
    elif (row.planned_pence, row.one_off_cost_pence) == (planned_pence, one_off_cost_pence):
        return row
    else:
        row.planned_pence = planned_pence
        row.one_off_cost_pence = one_off_cost_pence
        flush_guarded()
    record_event(
        actor_id=actor.id,
        action="benefit.year_planned",
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        before=before,
        after={"financial_year": financial_year, **(_state(row, YEAR_FIELDS) or {})},
    )
    return row


def take_out_of_budget(
    benefit_or_id: Benefit | int,
    *,
    actor: User,
    expected_version: int | None,
    financial_year: int | None,
    budget_line: str,
    taken_out_pence: int | None,
    taken_out_on: date | None,
    today: date | None = None,
) -> BenefitYear:
    """Finance signs off that a cashable benefit's saving for a financial year was taken out of a budget:
    the budget line, the amount and the date. Finance only, and independent of the benefit as for its
    validation (``permissions.can_sign_off_budget_reduction``). The date may not be in the future nor
    after the year's end. Once signed off it stands (a second sign-off is refused). The benefit's owner
    is told. Flushes, does not commit."""
    benefit, improvement = _load(benefit_or_id)
    if not permissions.can_sign_off_budget_reduction(
        actor.as_actor(),
        benefit_owner_id=benefit.owner_id,
        improvement=_facts(improvement, actor),
        recorder_ids=measurement_recorder_ids(benefit.id),
    ):
        raise PermissionDenied(
            "Finance signs off budget reductions independently: never for a benefit they own, one of an "
            "improvement they submitted, own, sponsor or declared a conflict on, nor figures they recorded."
        )
    _check_cashable(benefit)
    today = today or council_today()
    errors = _year_errors(financial_year)
    line = (budget_line or "").strip()
    if not BUDGET_LINE_MIN <= len(line) <= BUDGET_LINE_MAX:
        errors.setdefault("budget_line", []).append(
            f"Enter the budget line the saving was taken out of ({BUDGET_LINE_MIN} to "
            f"{BUDGET_LINE_MAX} characters)."
        )
    _money_errors(errors, "taken_out_pence", taken_out_pence, least=1)
    if taken_out_on is None:
        errors.setdefault("taken_out_on", []).append("Enter the date the budget was reduced.")
    elif taken_out_on > today:
        errors.setdefault("taken_out_on", []).append(
            "The date the budget was reduced cannot be in the future."
        )
    elif (
        financial_year is not None
        and "financial_year" not in errors
        and taken_out_on > financial_year_end(financial_year)
    ):
        errors.setdefault("taken_out_on", []).append(
            f"A saving for {financial_year_label(financial_year)} is taken out of the budget by the end "
            f"of that year, 31 March {financial_year + 1}."
        )
    if errors:
        raise ValidationFailed(errors)
    assert financial_year is not None and taken_out_pence is not None and taken_out_on is not None
    row = _year_row(benefit.id, financial_year)
    _expect(row, expected_version)
    if row is not None and row.is_taken_out:
        raise AlreadyExists(
            f"The saving for {financial_year_label(financial_year)} has already been taken out of a budget."
        )
    fields = {
        "budget_line": line,
        "taken_out_pence": taken_out_pence,
        "taken_out_on": taken_out_on,
        "taken_out_by_id": actor.id,
        "taken_out_at": db.utcnow(),
    }
    if row is None:
        row = BenefitYear(benefit_id=benefit.id, financial_year=financial_year, **fields)
        _insert(row)
    else:
        for name, value in fields.items():
            setattr(row, name, value)
        flush_guarded()
    record_event(
        actor_id=actor.id,
        action="benefit.budget_reduced",
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        after={"financial_year": financial_year, **(_state(row, REDUCTION_FIELDS) or {})},
    )
    notifications.enqueue(
        user_ids=[benefit.owner_id],
        kind="benefit.budget_reduced",
        text=(
            f"Finance has taken {format_money(taken_out_pence)} of the saving “{benefit.title}” out of the "
            f"budget line “{line}” for {financial_year_label(financial_year)}."
        ),
        event_key=f"benefit-budget:{benefit.id}:{financial_year}",
        subject_type="benefit",
        subject_id=benefit.id,
    )
    return row
