"""The worked example's like-for-like staffing register (seeds/demo/staffing.yaml, modelled from report
§3.2), recorded through ``services.staffing`` so the audit log tells it as any register. Loaded once:
a register already there is left as it is."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from changeauth import db
from changeauth.models import Benefit, BenefitStaffing, User
from changeauth.services import staffing as staffing_service
from changeauth.services.reference_data import UpsertCounts


def load_staffing_register(row: Mapping[str, Any], users: Mapping[str, User], counts: UpsertCounts) -> None:
    """Record the programme saving's price base, posts and pay awards, unless a register exists."""
    benefit = db.session.scalar(
        select(Benefit).where(Benefit.programme_id.is_not(None), Benefit.title == row["benefit"])
    )
    if benefit is None:
        raise LookupError(f"the programme benefit {row['benefit']!r} must be loaded first")
    if db.session.scalar(select(BenefitStaffing.id).where(BenefitStaffing.benefit_id == benefit.id)):
        counts.add("benefit_staffing", "unchanged")
        return
    actor = users[row["recorded_by"]]
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
    for award in row.get("pay_awards") or []:
        staffing_service.record_pay_award(
            benefit,
            actor=actor,
            financial_year=int(award["financial_year"]),
            pay_award_pct=Decimal(str(award["pay_award_pct"])),
        )
    counts.add("benefit_staffing", "created")
