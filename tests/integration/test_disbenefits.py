"""Dis-benefits on a real database (services.disbenefits, queries.disbenefits, queries.savings): recorded,
changed and removed by whoever may write the improvement's benefits, guarded by version, audited, and
taken off the improvement's and the programme's net saving by financial year when they are cashable
money; a dis-benefit that is not money changes no figure."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update

from changeauth.domain.disbenefits import DisbenefitDetails
from changeauth.domain.errors import InvalidTransition, PermissionDenied, ValidationFailed, VersionConflict
from changeauth.models import AuditEvent, Benefit, Disbenefit, Programme, disbenefit_offset
from changeauth.queries import disbenefits as disbenefit_queries
from changeauth.queries import savings as savings_queries
from changeauth.services import disbenefits as disbenefit_service
from tests.factories import BenefitFactory, BenefitMeasurementFactory, ImprovementFactory, UserFactory

AS_OF = date(2026, 11, 29)


def _details(owner_id: int, **changes: Any) -> DisbenefitDetails:
    base = DisbenefitDetails(
        title="Customers who cannot go online are left behind",
        description="Some customers will not or cannot deal with the council online.",
        affected="Customers without the internet",
        owner_id=owner_id,
        mitigation="Phone and face to face contact stay open.",
    )
    return replace(base, **changes)


def _actions(db_session: Any, disbenefit_id: int) -> list[str]:
    return list(
        db_session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_type == "disbenefit", AuditEvent.subject_id == disbenefit_id)
            .order_by(AuditEvent.id)
        )
    )


def _validated_saving(improvement: Any, pence: int) -> Benefit:
    """A cashable saving of ``pence`` a year, measured on 31 March 2026 and validated by finance."""
    benefit = BenefitFactory(improvement=improvement, cashable=True, baseline_date=date(2025, 4, 1))
    BenefitMeasurementFactory(benefit=benefit, period_end=date(2026, 3, 31), value=Decimal(pence))
    benefit.validated_by_id = UserFactory(finance=True).id
    benefit.validated_at = datetime(2026, 4, 10, tzinfo=UTC)
    return benefit


def test_the_owner_records_changes_and_removes_one_and_each_step_is_audited(db_session: Any) -> None:
    benefit = BenefitFactory()
    improvement = benefit.improvement
    owner = improvement.owner
    disbenefit = disbenefit_service.record_disbenefit(
        owner, improvement_id=improvement.id, details=_details(owner.id, offsets=(benefit.id,))
    )
    db_session.commit()
    assert disbenefit.version == 1
    assert [d.id for d in disbenefit_queries.against_benefits([benefit.id])[benefit.id]] == [disbenefit.id]

    changed = disbenefit_service.change_disbenefit(
        disbenefit.id, actor=owner, expected_version=1, details=_details(owner.id, status="mitigated")
    )
    db_session.commit()
    assert (changed.status.value, changed.version) == ("mitigated", 2)
    # It no longer offsets the benefit.
    assert disbenefit_queries.against_benefits([benefit.id]) == {}

    disbenefit_service.remove_disbenefit(disbenefit.id, actor=owner, expected_version=2)
    db_session.commit()
    assert db_session.get(Disbenefit, disbenefit.id) is None
    assert db_session.scalar(select(func.count()).select_from(disbenefit_offset)) == 0
    assert _actions(db_session, disbenefit.id) == [
        "disbenefit.recorded",
        "disbenefit.changed",
        "disbenefit.removed",
    ]
    removed = db_session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "disbenefit.removed", AuditEvent.subject_id == disbenefit.id
        )
    )
    assert removed.before["status"] == "mitigated"


def test_a_change_only_to_what_it_offsets_still_moves_the_version(db_session: Any) -> None:
    benefit = BenefitFactory()
    owner = benefit.improvement.owner
    disbenefit = disbenefit_service.record_disbenefit(
        owner, improvement_id=benefit.improvement_id, details=_details(owner.id)
    )
    disbenefit_service.change_disbenefit(
        disbenefit, actor=owner, expected_version=1, details=_details(owner.id, offsets=(benefit.id,))
    )
    db_session.commit()
    assert disbenefit.version == 2
    with pytest.raises(VersionConflict):
        disbenefit_service.change_disbenefit(
            disbenefit.id, actor=owner, expected_version=1, details=_details(owner.id)
        )


def test_only_those_who_may_write_the_benefits_may_keep_its_dis_benefits(db_session: Any) -> None:
    improvement = ImprovementFactory(delivery=True)
    owner = improvement.owner
    for stranger in (UserFactory(), UserFactory(manager=True), UserFactory(finance=True)):
        with pytest.raises(PermissionDenied):
            disbenefit_service.record_disbenefit(
                stranger, improvement_id=improvement.id, details=_details(owner.id)
            )
    by_da = disbenefit_service.record_disbenefit(
        UserFactory(design_authority=True), improvement_id=improvement.id, details=_details(owner.id)
    )
    with pytest.raises(PermissionDenied):
        disbenefit_service.remove_disbenefit(by_da, actor=UserFactory(manager=True), expected_version=1)
    assert db_session.scalar(select(func.count()).select_from(Disbenefit)) == 1


def test_an_idea_has_no_dis_benefits_yet(db_session: Any) -> None:
    improvement = ImprovementFactory()
    with pytest.raises(InvalidTransition):
        disbenefit_service.record_disbenefit(
            UserFactory(design_authority=True), improvement_id=improvement.id, details=_details(1)
        )


def test_bad_details_write_nothing(db_session: Any) -> None:
    benefit = BenefitFactory()
    other = BenefitFactory()  # another improvement's benefit
    owner = benefit.improvement.owner
    with pytest.raises(ValidationFailed) as failure:
        disbenefit_service.record_disbenefit(
            owner,
            improvement_id=benefit.improvement_id,
            details=_details(
                UserFactory(inactive=True).id, title="x", offsets=(other.id,), cash_class="cashable"
            ),
        )
    assert set(failure.value.fields) == {"title", "owner_id", "offsets", "annual_value_pence"}
    assert db_session.scalar(select(func.count()).select_from(Disbenefit)) == 0
    assert (
        db_session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.subject_type == "disbenefit")
        )
        == 0
    )


def test_a_stale_form_is_refused_and_changes_nothing(db_session: Any) -> None:
    benefit = BenefitFactory()
    owner = benefit.improvement.owner
    disbenefit = disbenefit_service.record_disbenefit(
        owner, improvement_id=benefit.improvement_id, details=_details(owner.id)
    )
    db_session.commit()
    db_session.execute(
        update(Disbenefit)
        .where(Disbenefit.id == disbenefit.id)
        .values(version=Disbenefit.version + 1, title="Changed by someone else")
        .execution_options(synchronize_session=False)
    )
    db_session.commit()
    with pytest.raises(VersionConflict):
        disbenefit_service.change_disbenefit(
            disbenefit.id, actor=owner, expected_version=1, details=_details(owner.id, status="closed")
        )
    db_session.rollback()
    with pytest.raises(VersionConflict):
        disbenefit_service.remove_disbenefit(disbenefit.id, actor=owner, expected_version=1)
    db_session.rollback()
    assert db_session.scalar(select(Disbenefit.title).where(Disbenefit.id == disbenefit.id)) == (
        "Changed by someone else"
    )


def test_a_cashable_dis_benefit_comes_off_the_improvement_and_programme_net(db_session: Any) -> None:
    programme = Programme(code="digital", name="Digital programme", starts_on=date(2025, 4, 1))
    db_session.add(programme)
    db_session.flush()
    improvement = ImprovementFactory(delivery=True, programme_id=programme.id)
    saving = _validated_saving(improvement, 5_000_000)
    db_session.commit()
    owner = improvement.owner
    before_years = savings_queries.improvement_years(improvement.id, AS_OF)
    before = savings_queries.programme("digital", AS_OF)
    assert before is not None

    # Digital exclusion: not money, so nothing moves.
    disbenefit_service.record_disbenefit(owner, improvement_id=improvement.id, details=_details(owner.id))
    # A non-cashable value is shown, not taken off.
    disbenefit_service.record_disbenefit(
        owner,
        improvement_id=improvement.id,
        details=_details(
            owner.id,
            title="Staff time lost to two systems",
            annual_value_pence=900_000,
            cash_class="non_cashable",
            starts_on=date(2025, 4, 1),
        ),
    )
    db_session.commit()
    assert savings_queries.improvement_years(improvement.id, AS_OF) == before_years
    unchanged = savings_queries.programme("digital", AS_OF)
    assert unchanged is not None and unchanged.figures == before.figures

    # Income lost from 1 October 2025, £12,000 a year, against the saving.
    disbenefit_service.record_disbenefit(
        owner,
        improvement_id=improvement.id,
        details=_details(
            owner.id,
            title="Car park permit income lost",
            annual_value_pence=1_200_000,
            cash_class="cashable",
            starts_on=date(2025, 10, 1),
            offsets=(saving.id,),
        ),
    )
    db_session.commit()
    years = {y.year: y for y in savings_queries.improvement_years(improvement.id, AS_OF)}
    assert years[2025].disbenefit_pence == 600_000
    assert years[2025].net_pence == 5_000_000 - 600_000
    assert years[2026].disbenefit_pence == 1_200_000
    after = savings_queries.programme("digital", AS_OF)
    assert after is not None
    assert before.figures.net_pence - after.figures.net_pence == 1_800_000
    assert after.figures.realised_pence == before.figures.realised_pence
    # The export's lines come from the same definition.
    lost = savings_queries.disbenefit_years(AS_OF)
    assert [(d.year, d.cost_pence) for d in lost] == [(2025, 600_000), (2026, 1_200_000)]
