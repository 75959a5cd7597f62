"""The worked example's like-for-like staffing register (seeds/demo/staffing.yaml, modelled from report
§3.2), recorded through ``services.staffing`` on its own dates in the replayed history, so the audit log
tells it as any register. Loaded once: a register already there is left as it is."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import select

from changeauth import db
from changeauth.devtools.demo_data import HistoryStep
from changeauth.models import Benefit, BenefitStaffing, User
from changeauth.services import staffing as staffing_service
from changeauth.services.reference_data import UpsertCounts

# The register is recorded at noon on its day (modelled time; the days are in staffing.yaml).
RECORDED_AT = time(12, 0)


def staffing_steps(
    row: Mapping[str, Any], users: Mapping[str, User], counts: UpsertCounts
) -> list[HistoryStep]:
    """The programme saving's register as steps of the replay: its price base and posts on ``recorded_on``
    (before the saving was validated), each pay award on its own ``recorded_on``. Nothing if a register
    exists already."""
    benefit_id = db.session.scalar(
        select(Benefit.id).where(Benefit.programme_id.is_not(None), Benefit.title == row["benefit"])
    )
    if benefit_id is not None and db.session.scalar(
        select(BenefitStaffing.id).where(BenefitStaffing.benefit_id == benefit_id)
    ):
        counts.add("benefit_staffing", "unchanged")
        return []
    actor = users[row["recorded_by"]]
    steps: list[HistoryStep] = [
        (_at(row["recorded_on"]), 3, partial(_record_register, row, actor, counts)),
    ]
    for award in row.get("pay_awards") or []:
        steps.append((_at(award["recorded_on"]), 3, partial(_record_pay_award, row["benefit"], award, actor)))
    return steps


def _at(day: date) -> datetime:
    return datetime.combine(day, RECORDED_AT, tzinfo=UTC)


def _benefit(title: str) -> Benefit:
    benefit = db.session.scalar(
        select(Benefit).where(Benefit.programme_id.is_not(None), Benefit.title == title)
    )
    if benefit is None:
        raise LookupError(f"the programme benefit {title!r} must be profiled before its register")
    return benefit


def _record_register(row: Mapping[str, Any], actor: User, counts: UpsertCounts) -> None:
    """The price base, on-cost rates and posts, through ``services.staffing``."""
    benefit = _benefit(row["benefit"])
    staffing_service.set_price_base(
        benefit,
        actor=actor,
        expected_version=0,
        price_base_year=int(row["price_base_year"]),
        employer_ni_pct=Decimal(str(row["employer_ni_pct"])),
        pension_pct=Decimal(str(row["pension_pct"])),
    )
    for post in row["posts"]:
        staffing_service.add_post(
            benefit,
            actor=actor,
            side=post["side"],
            title=post["title"],
            grade=post["grade"],
            annual_salary_pence=int(post["annual_salary_pence"]),
            fte=Decimal(str(post["fte"])),
            in_scope=bool(post["in_scope"]),
            note=post.get("note", ""),
        )
    counts.add("benefit_staffing", "created")


def _record_pay_award(title: str, award: Mapping[str, Any], actor: User) -> None:
    """A year's pay award, recorded when it was known, through ``services.staffing``."""
    staffing_service.record_pay_award(
        _benefit(title),
        actor=actor,
        financial_year=int(award["financial_year"]),
        pay_award_pct=Decimal(str(award["pay_award_pct"])),
    )
