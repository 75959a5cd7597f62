"""A staffing saving's like-for-like register, read with its figures (domain.staffing) for the benefit's
register page, the API and the export."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, select

from changeauth import db
from changeauth.domain.staffing import PostSide, StaffingFigures, like_for_like, restated_by_year
from changeauth.models import BenefitPayAward, BenefitPost, BenefitStaffing


@dataclass(frozen=True)
class Register:
    """The register as recorded: its price base and on-costs (``staffing`` is None until they are set),
    its posts (before first, then after) and pay awards by financial year, with the figures at the price
    base and restated at each year's pay up to the latest pay award."""

    staffing: BenefitStaffing | None
    posts: list[BenefitPost]
    pay_awards: dict[int, Decimal]
    figures: StaffingFigures | None
    by_year: dict[int, StaffingFigures]

    @property
    def before(self) -> list[BenefitPost]:
        return [post for post in self.posts if post.side is PostSide.BEFORE]

    @property
    def after(self) -> list[BenefitPost]:
        return [post for post in self.posts if post.side is PostSide.AFTER]

    @property
    def is_empty(self) -> bool:
        return self.staffing is None and not self.posts


def register_of(benefit_id: int) -> Register:
    """The benefit's register: three selects, whatever its size."""
    return registers_of([benefit_id])[benefit_id]


def registers_of(benefit_ids: Sequence[int]) -> dict[int, Register]:
    """The registers of many benefits (an export's chunk), keyed by benefit: three selects however many;
    a benefit with no register has an empty one."""
    ids = list(benefit_ids)
    staffing = {
        row.benefit_id: row
        for row in db.session.scalars(select(BenefitStaffing).where(BenefitStaffing.benefit_id.in_(ids)))
    }
    posts: dict[int, list[BenefitPost]] = {}
    for post in db.session.scalars(
        select(BenefitPost)
        .where(BenefitPost.benefit_id.in_(ids))
        .order_by(BenefitPost.side.desc(), BenefitPost.in_scope.desc(), BenefitPost.title, BenefitPost.id)
    ):
        posts.setdefault(post.benefit_id, []).append(post)
    awards: dict[int, dict[int, Decimal]] = {}
    for award in db.session.scalars(
        select(BenefitPayAward)
        .where(BenefitPayAward.benefit_id.in_(ids))
        .order_by(BenefitPayAward.financial_year)
    ):
        awards.setdefault(award.benefit_id, {})[award.financial_year] = award.pay_award_pct
    return {
        benefit_id: _register(staffing.get(benefit_id), posts.get(benefit_id, []), awards.get(benefit_id, {}))
        for benefit_id in ids
    }


def _register(
    staffing: BenefitStaffing | None, posts: list[BenefitPost], awards: dict[int, Decimal]
) -> Register:
    if staffing is None:
        return Register(None, posts, awards, None, {})
    lines = [post.line() for post in posts]
    on_costs = staffing.on_costs()
    last = max([staffing.price_base_year, *awards])
    by_year = restated_by_year(
        lines, on_costs, price_base=staffing.price_base_year, pay_awards=awards, last_year=last
    )
    return Register(staffing, posts, awards, like_for_like(lines, on_costs), by_year)


def register_recorders(benefit_id: int) -> tuple[Select[int | None], ...]:
    """The selects of who recorded the register's posts, price base, on-costs and pay awards, for
    ``services.benefits.measurement_recorder_ids`` to read with the measurements' recorders in one go:
    figures they may not validate."""
    return (
        select(BenefitPost.recorded_by_id).where(BenefitPost.benefit_id == benefit_id),
        select(BenefitStaffing.updated_by_id).where(BenefitStaffing.benefit_id == benefit_id),
        select(BenefitPayAward.recorded_by_id).where(BenefitPayAward.benefit_id == benefit_id),
    )
