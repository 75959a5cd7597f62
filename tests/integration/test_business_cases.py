"""Business-case services on the real database: versions, the frozen and immutable states, the G1
outcomes, permissions and stages, every bad-input rule storing nothing, audit events, and the
database's own constraints."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from changeauth.domain.appraisal import OptionFigures, YearFigures
from changeauth.domain.business_cases import CaseContent
from changeauth.domain.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    VersionConflict,
)
from changeauth.models import (
    AuditEvent,
    BusinessCase,
    BusinessCaseOption,
    BusinessCaseOptionYear,
    ConflictDeclaration,
    Programme,
)
from changeauth.queries import business_cases as case_queries
from changeauth.services import business_cases as case_service
from tests.factories import BusinessCaseFactory, ImprovementFactory, UserFactory

POUND = 100

BAU = OptionFigures("Business as usual", True, (YearFigures(0),))
ONLINE = OptionFigures(
    "Online booking",
    False,
    (
        YearFigures(0, capital_pence=20_000 * POUND),
        YearFigures(1, revenue_pence=2_000 * POUND, cashable_benefit_pence=12_000 * POUND),
        YearFigures(2, revenue_pence=2_000 * POUND, cashable_benefit_pence=12_000 * POUND),
    ),
)
CONTENT = CaseContent(
    kind="outline",
    options=(BAU, ONLINE),
    preferred_option="online booking",  # matched ignoring case; stored as the option spells it
    strategic_fit="Channel shift for bulky waste.",
    preferred_reasons="Pays back in two years.",
    fte_change=Decimal("-0.5"),
    risks="Take-up.",
    reform_risk="A successor council can keep the form.",
    priority_codes=("excellent_customer_service",),
    driver_codes=("channel_shift",),
)


def _counts(db_session: Any) -> tuple[int, int, int, int]:
    return tuple(  # type: ignore[return-value]
        db_session.scalar(select(func.count()).select_from(model))
        for model in (BusinessCase, BusinessCaseOption, BusinessCaseOptionYear, AuditEvent)
    )


def _events(db_session: Any, case_id: int) -> list[str]:
    return list(
        db_session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_type == "business_case", AuditEvent.subject_id == case_id)
            .order_by(AuditEvent.id)
        )
    )


def _last_event(db_session: Any, case_id: int) -> AuditEvent:
    return db_session.scalar(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "business_case", AuditEvent.subject_id == case_id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


@pytest.fixture
def improvement(db_session: Any) -> Any:
    return ImprovementFactory(business_case=True)


@pytest.fixture
def owner(improvement: Any) -> Any:
    return improvement.owner


@pytest.fixture
def panel(db_session: Any) -> Any:
    return UserFactory(design_authority=True)


class TestCreating:
    def test_the_first_case_is_a_draft_version_1_with_its_options_years_and_links(
        self, db_session: Any, improvement: Any, owner: Any
    ) -> None:
        case = case_service.create_business_case(owner, improvement.id, CONTENT)
        stored = case_queries.get_case(case.id, owner, fresh=True)
        assert (stored.version, stored.status, stored.kind) == (1, "draft", "outline")
        assert stored.preferred_option == "Online booking"
        assert stored.discount_rate == Decimal("0.035") and stored.optimism_bias_pct == 0
        assert stored.fte_change == Decimal("-0.5")
        assert [o.name for o in stored.options] == ["Business as usual", "Online booking"]
        assert [y.year for y in stored.options[1].years] == [0, 1, 2]
        assert stored.options[1].years[1].cashable_benefit_pence == 1_200_000
        assert [p.code for p in stored.priorities] == ["excellent_customer_service"]
        assert [d.code for d in stored.drivers] == ["channel_shift"]
        assert stored.created_by_id == owner.id
        assert _events(db_session, case.id) == ["business_case.created"]

    def test_the_audit_event_records_the_figures(self, db_session: Any, improvement: Any, owner: Any) -> None:
        case = case_service.create_business_case(owner, improvement.id, CONTENT)
        event = _last_event(db_session, case.id)
        assert event.actor_id == owner.id and event.subject_version == 1
        assert event.after["discount_rate"] == "0.035"
        assert event.after["options"][1]["years"][0] == [0, 2_000_000, 0, 0, 0]

    def test_appraisal_of_the_stored_case(self, db_session: Any, improvement: Any, owner: Any) -> None:
        case = case_service.create_business_case(owner, improvement.id, CONTENT)
        appraised = case_queries.appraise_case(case_queries.get_case(case.id, owner, fresh=True))
        online = appraised.preferred
        assert online is not None and online.figures.name == "Online booking"
        # PV costs = 20,000 + 2,000/1.035 + 2,000/1.035² = 20,000 + 1,932.37 + 1,867.02 = £23,799.39
        # PV benefits = 12,000/1.035 + 12,000/1.035² = 11,594.20 + 11,202.13 = £22,796.33
        assert online.appraisal.pv_costs_pence == 2_379_939
        assert online.appraisal.pv_benefits_pence == 2_279_633
        assert online.appraisal.npv_pence == 2_279_633 - 2_379_939
        # Undiscounted: −20,000 at 0, −10,000 at 1, 0 at 2, so payback is exactly 2 years.
        assert online.appraisal.payback_years == Decimal("2.0000")
        assert appraised.business_as_usual_warning is None

    def test_a_design_authority_member_may_write_it(
        self, db_session: Any, improvement: Any, panel: Any
    ) -> None:
        case = case_service.create_business_case(panel, improvement.id, CONTENT)
        assert case.created_by_id == panel.id

    @pytest.mark.parametrize("who", ["staff", "submitter", "finance", "viewer"])
    def test_nobody_else_may(self, db_session: Any, improvement: Any, who: str) -> None:
        actor = (
            improvement.submitter
            if who == "submitter"
            else UserFactory(**({} if who == "staff" else {who: True}))
        )
        before = _counts(db_session)
        with pytest.raises(PermissionDenied):
            case_service.create_business_case(actor, improvement.id, CONTENT)
        assert _counts(db_session) == before

    @pytest.mark.parametrize("trait", ["approved", "delivery"])
    def test_allowed_while_approved_or_in_delivery(self, db_session: Any, trait: str) -> None:
        improvement = ImprovementFactory(**{trait: True})
        case = case_service.create_business_case(improvement.owner, improvement.id, CONTENT)
        assert case.version == 1

    @pytest.mark.parametrize("trait", [None, "quick_win", "realisation", "closed", "on_hold", "declined"])
    def test_refused_at_other_stages_and_for_quick_wins(self, db_session: Any, trait: str | None) -> None:
        improvement = ImprovementFactory(**({trait: True} if trait else {}))
        panel = UserFactory(design_authority=True)
        with pytest.raises(InvalidTransition):
            case_service.create_business_case(panel, improvement.id, CONTENT)
        assert db_session.scalar(select(func.count()).select_from(BusinessCase)) == 0

    def test_an_unknown_improvement_is_not_found(self, db_session: Any, panel: Any) -> None:
        with pytest.raises(NotFound):
            case_service.create_business_case(panel, 987_654, CONTENT)

    def test_each_create_is_a_new_version_and_supersedes_the_open_draft(
        self, db_session: Any, improvement: Any, owner: Any
    ) -> None:
        first = case_service.create_business_case(owner, improvement.id, CONTENT)
        second = case_service.create_business_case(
            owner, improvement.id, replace(CONTENT, kind="full"), expected_version=1
        )
        assert (second.version, second.based_on_version, second.status) == (2, 1, "draft")
        db_session.refresh(first)
        assert first.status == "superseded" and first.kind == "outline"
        event = _last_event(db_session, second.id)
        assert event.after["supersedes_draft_id"] == first.id

    def test_a_stale_expected_version_is_a_conflict(
        self, db_session: Any, improvement: Any, owner: Any
    ) -> None:
        case_service.create_business_case(owner, improvement.id, CONTENT)
        before = _counts(db_session)
        with pytest.raises(VersionConflict):
            case_service.create_business_case(owner, improvement.id, CONTENT, expected_version=0)
        assert _counts(db_session) == before

    def test_unknown_priorities_and_drivers_are_refused(
        self, db_session: Any, improvement: Any, owner: Any
    ) -> None:
        bad = replace(CONTENT, priority_codes=("world_peace",), driver_codes=("magic",))
        with pytest.raises(ValidationFailed) as caught:
            case_service.create_business_case(owner, improvement.id, bad)
        assert set(caught.value.fields) == {"strategic_priorities", "benefit_drivers"}


def _with_option(option: OptionFigures) -> CaseContent:
    return replace(CONTENT, options=(BAU, option))


BAD_INPUT = {
    "no options": (replace(CONTENT, options=()), "options"),
    "an option with no years": (_with_option(replace(ONLINE, years=())), "options.1.years"),
    "duplicate years": (
        _with_option(replace(ONLINE, years=(YearFigures(1), YearFigures(1)))),
        "options.1.years.1.year",
    ),
    "a negative cost": (
        _with_option(replace(ONLINE, years=(YearFigures(0, capital_pence=-1),))),
        "options.1.years.0.capital_pence",
    ),
    "a negative benefit": (
        _with_option(replace(ONLINE, years=(YearFigures(0, non_cashable_benefit_pence=-5),))),
        "options.1.years.0.non_cashable_benefit_pence",
    ),
    "an amount over £1bn": (
        _with_option(replace(ONLINE, years=(YearFigures(0, revenue_pence=100_000_000_001),))),
        "options.1.years.0.revenue_pence",
    ),
    "a year beyond 60": (_with_option(replace(ONLINE, years=(YearFigures(61),))), "options.1.years.0.year"),
    "a preferred option that does not exist": (
        replace(CONTENT, preferred_option="Gold plated"),
        "preferred_option",
    ),
    "no preferred option": (replace(CONTENT, preferred_option=None), "preferred_option"),
    "a discount rate over 20%": (replace(CONTENT, discount_rate=Decimal("0.2001")), "discount_rate"),
    "a negative discount rate": (replace(CONTENT, discount_rate=Decimal("-0.01")), "discount_rate"),
    "a NaN discount rate": (replace(CONTENT, discount_rate=Decimal("NaN")), "discount_rate"),
    "optimism bias over 200%": (replace(CONTENT, optimism_bias_pct=Decimal("200.01")), "optimism_bias_pct"),
    "negative optimism bias": (replace(CONTENT, optimism_bias_pct=Decimal("-1")), "optimism_bias_pct"),
    "an unknown kind": (replace(CONTENT, kind="strategic"), "kind"),
    "a duplicated option name": (
        replace(CONTENT, options=(BAU, ONLINE, replace(ONLINE, name=" online  BOOKING"))),
        "options.2.name",
    ),
    "a blank option name": (_with_option(replace(ONLINE, name="  ")), "options.1.name"),
    "an overlong option name": (_with_option(replace(ONLINE, name="x" * 121)), "options.1.name"),
    "too much text": (replace(CONTENT, risks="r" * 10_001), "risks"),
    "an absurd FTE change": (replace(CONTENT, fte_change=Decimal("1E+999")), "fte_change"),
    "FTE to two places": (replace(CONTENT, fte_change=Decimal("1.25")), "fte_change"),
}


class TestBadInputStoresNothing:
    @pytest.mark.parametrize("name", list(BAD_INPUT))
    def test_on_create(self, db_session: Any, improvement: Any, owner: Any, name: str) -> None:
        content, key = BAD_INPUT[name]
        before = _counts(db_session)
        with pytest.raises(ValidationFailed) as caught:
            case_service.create_business_case(owner, improvement.id, content)
        assert key in caught.value.fields, caught.value.fields
        assert all(caught.value.fields[key])
        assert _counts(db_session) == before

    @pytest.mark.parametrize("name", ["no options", "a negative cost", "a discount rate over 20%"])
    def test_on_editing_a_draft_the_draft_is_unchanged(
        self, db_session: Any, improvement: Any, owner: Any, name: str
    ) -> None:
        case = case_service.create_business_case(owner, improvement.id, CONTENT)
        before = _counts(db_session)
        with pytest.raises(ValidationFailed):
            case_service.edit_business_case(owner, improvement.id, BAD_INPUT[name][0], based_on_version=1)
        assert _counts(db_session) == before
        stored = case_queries.get_case(case.id, owner, fresh=True)
        assert stored.content() == case_queries.get_case(case.id, owner).content()
        assert [o.name for o in stored.options] == ["Business as usual", "Online booking"]
        assert stored.discount_rate == Decimal("0.035")


class TestEditing:
    def test_a_draft_is_changed_in_place(self, db_session: Any, improvement: Any, owner: Any) -> None:
        case = case_service.create_business_case(owner, improvement.id, CONTENT)
        lock = case.lock_version
        changed = replace(
            CONTENT, options=(BAU,), preferred_option="Business as usual", optimism_bias_pct=Decimal(40)
        )
        saved = case_service.edit_business_case(
            owner, improvement.id, changed, based_on_version=1, expected_lock_version=lock
        )
        assert saved.id == case.id and saved.version == 1
        stored = case_queries.get_case(case.id, owner, fresh=True)
        assert [o.name for o in stored.options] == ["Business as usual"]
        assert stored.optimism_bias_pct == Decimal("40.00")
        assert stored.lock_version == lock + 1
        assert db_session.scalar(select(func.count()).select_from(BusinessCaseOption)) == 1
        assert _events(db_session, case.id) == ["business_case.created", "business_case.updated"]

    def test_a_stale_lock_version_is_a_conflict(self, db_session: Any, improvement: Any, owner: Any) -> None:
        case = case_service.create_business_case(owner, improvement.id, CONTENT)
        case_service.edit_business_case(owner, improvement.id, CONTENT, based_on_version=1)
        with pytest.raises(VersionConflict):
            case_service.edit_business_case(
                owner,
                improvement.id,
                CONTENT,
                based_on_version=1,
                expected_lock_version=case.lock_version - 1,
            )

    def test_a_newer_version_since_the_editor_opened_is_a_conflict(
        self, db_session: Any, improvement: Any, owner: Any
    ) -> None:
        case_service.create_business_case(owner, improvement.id, CONTENT)
        case_service.create_business_case(owner, improvement.id, CONTENT)
        with pytest.raises(VersionConflict):
            case_service.edit_business_case(owner, improvement.id, CONTENT, based_on_version=1)

    @pytest.mark.parametrize("trait", ["submitted", "approved", "returned"])
    def test_editing_a_frozen_version_makes_a_new_draft_and_leaves_it_alone(
        self, db_session: Any, trait: str
    ) -> None:
        frozen = BusinessCaseFactory(**{trait: True})
        improvement, owner = frozen.improvement, frozen.improvement.owner
        frozen_content = case_queries.get_case(frozen.id, owner).content()
        lock = frozen.lock_version
        new = case_service.edit_business_case(owner, improvement.id, CONTENT, based_on_version=1)
        assert (new.version, new.status, new.based_on_version) == (2, "draft", 1)
        old = case_queries.get_case(frozen.id, owner, fresh=True)
        assert old.status == trait and old.lock_version == lock
        assert old.content() == frozen_content
        assert case_queries.latest_for_improvement(improvement.id).id == new.id


class TestSubmitting:
    def test_a_draft_is_submitted_and_frozen(self, db_session: Any, improvement: Any, owner: Any) -> None:
        case = case_service.create_business_case(owner, improvement.id, CONTENT)
        case_service.submit_business_case(case, actor=owner, expected_version=1)
        stored = case_queries.get_case(case.id, owner, fresh=True)
        assert stored.status == "submitted" and stored.submitted_by_id == owner.id
        assert stored.submitted_at is not None
        assert _events(db_session, case.id) == ["business_case.created", "business_case.submitted"]

    def test_only_a_draft_can_be_submitted(self, db_session: Any) -> None:
        case = BusinessCaseFactory(submitted=True)
        with pytest.raises(InvalidTransition):
            case_service.submit_business_case(case, actor=case.improvement.owner)

    def test_a_superseded_draft_cannot_be_submitted(
        self, db_session: Any, improvement: Any, owner: Any
    ) -> None:
        first = case_service.create_business_case(owner, improvement.id, CONTENT)
        case_service.create_business_case(owner, improvement.id, CONTENT)
        with pytest.raises(InvalidTransition):
            case_service.submit_business_case(first, actor=owner)

    def test_staff_may_not_submit(self, db_session: Any) -> None:
        case = BusinessCaseFactory()
        with pytest.raises(PermissionDenied):
            case_service.submit_business_case(case, actor=UserFactory())
        db_session.refresh(case)
        assert case.status == "draft"

    def test_a_stale_lock_version_is_a_conflict(self, db_session: Any) -> None:
        case = BusinessCaseFactory()
        with pytest.raises(VersionConflict):
            case_service.submit_business_case(case, actor=case.improvement.owner, expected_lock_version=99)

    def test_a_later_submission_supersedes_the_one_waiting_at_the_gate(self, db_session: Any) -> None:
        waiting = BusinessCaseFactory(submitted=True)
        owner = waiting.improvement.owner
        revised = case_service.edit_business_case(owner, waiting.improvement_id, CONTENT, based_on_version=1)
        case_service.submit_business_case(revised, actor=owner)
        db_session.refresh(waiting)
        assert waiting.status == "superseded"


class TestDeciding:
    def test_approval_by_an_independent_design_authority_member(self, db_session: Any, panel: Any) -> None:
        case = BusinessCaseFactory(submitted=True)
        case_service.approve_business_case(case, actor=panel)
        stored = case_queries.get_case(case.id, panel, fresh=True)
        assert stored.status == "approved" and stored.decided_by_id == panel.id and stored.approved_at
        assert _events(db_session, case.id) == ["business_case.approved"]

    def test_an_approved_version_is_immutable(self, db_session: Any, panel: Any) -> None:
        case = BusinessCaseFactory(approved=True)
        with pytest.raises(InvalidTransition):
            case_service.submit_business_case(case, actor=case.improvement.owner)
        with pytest.raises(InvalidTransition):
            case_service.approve_business_case(case, actor=panel)
        with pytest.raises(InvalidTransition):
            case_service.return_business_case(case, actor=panel, reason="Try again")
        db_session.refresh(case)
        assert case.status == "approved" and case.lock_version == 1

    def test_an_earlier_approval_stays_approved_after_a_later_one(self, db_session: Any, panel: Any) -> None:
        first = BusinessCaseFactory(approved=True)
        owner = first.improvement.owner
        second = case_service.edit_business_case(owner, first.improvement_id, CONTENT, based_on_version=1)
        case_service.submit_business_case(second, actor=owner)
        case_service.approve_business_case(second, actor=panel)
        versions = case_queries.list_versions(improvement_id=first.improvement_id)
        assert [(v.version, v.status) for v in versions] == [(2, "approved"), (1, "approved")]
        assert case_queries.latest_approved_version(versions) == 2

    def test_only_a_submitted_case_can_be_approved(self, db_session: Any, panel: Any) -> None:
        case = BusinessCaseFactory()
        with pytest.raises(InvalidTransition):
            case_service.approve_business_case(case, actor=panel)

    @pytest.mark.parametrize("who", ["owner", "submitter", "conflicted", "staff", "manager"])
    def test_separation_of_duties(self, db_session: Any, who: str) -> None:
        case = BusinessCaseFactory(submitted=True)
        improvement = case.improvement
        if who == "owner":
            actor = improvement.owner
            actor.role_links.append(type(actor.role_links[0])(role="design_authority"))
        elif who == "submitter":
            actor = improvement.submitter
            actor.role_links.append(type(actor.role_links[0])(role="design_authority"))
        elif who == "conflicted":
            actor = UserFactory(design_authority=True)
            db_session.add(
                ConflictDeclaration(improvement_id=improvement.id, user_id=actor.id, note="My team")
            )
        else:
            actor = UserFactory(**({"manager": True} if who == "manager" else {}))
        db_session.flush()
        with pytest.raises(PermissionDenied):
            case_service.approve_business_case(case, actor=actor)
        with pytest.raises(PermissionDenied):
            case_service.return_business_case(case, actor=actor, reason="No")

    def test_returning_needs_a_reason_and_records_it(self, db_session: Any, panel: Any) -> None:
        case = BusinessCaseFactory(submitted=True)
        with pytest.raises(ValidationFailed) as caught:
            case_service.return_business_case(case, actor=panel, reason="   ")
        assert "reason" in caught.value.fields
        case_service.return_business_case(case, actor=panel, reason="Add a do-minimum option.")
        stored = case_queries.get_case(case.id, panel, fresh=True)
        assert stored.status == "returned" and stored.return_reason == "Add a do-minimum option."
        event = _last_event(db_session, case.id)
        assert event.action == "business_case.returned" and event.reason == "Add a do-minimum option."


class TestConstraints:
    def _refused(self, db_session: Any, sql: str, **params: object) -> None:
        nested = db_session.begin_nested()
        with pytest.raises(IntegrityError):
            db_session.execute(text(sql), params)
        nested.rollback()

    def test_version_is_unique_per_improvement(self, db_session: Any) -> None:
        case = BusinessCaseFactory()
        nested = db_session.begin_nested()
        with pytest.raises(IntegrityError):
            BusinessCaseFactory(improvement=case.improvement, version=1)
        nested.rollback()

    @pytest.mark.parametrize(
        "assignment",
        [
            "improvement_id = NULL",
            "programme_id = :programme_id",
            "status = 'lost'",
            "kind = 'strategic'",
            "discount_rate = 0.25",
            "optimism_bias_pct = 201",
            "version = 0",
        ],
    )
    def test_checks_on_the_case(self, db_session: Any, assignment: str) -> None:
        case = BusinessCaseFactory()
        programme = Programme(code="test_programme", name="A real programme")
        db_session.add(programme)
        db_session.flush()
        self._refused(
            db_session,
            f"UPDATE business_case SET {assignment} WHERE id = :id",
            id=case.id,
            programme_id=programme.id,
        )

    @pytest.mark.parametrize("column", ["capital_pence", "revenue_pence", "cashable_benefit_pence", "year"])
    def test_option_years_are_never_negative(self, db_session: Any, column: str) -> None:
        case = BusinessCaseFactory()
        year_id = case.options[1].years[0].id
        self._refused(
            db_session, f"UPDATE business_case_option_year SET {column} = -1 WHERE id = :id", id=year_id
        )

    def test_an_option_has_each_year_once(self, db_session: Any) -> None:
        case = BusinessCaseFactory()
        year_id = case.options[1].years[0].id
        self._refused(db_session, "UPDATE business_case_option_year SET year = 1 WHERE id = :id", id=year_id)


class TestProgrammeCase:
    """A programme's own case goes through the service too: written and submitted by the design
    authority, which records its members' approval; nobody else may."""

    def _programme(self, db_session: Any) -> Programme:
        programme = Programme(code="test_programme", name="A real programme")
        db_session.add(programme)
        db_session.flush()
        return programme

    def test_written_submitted_and_approved_by_the_design_authority(self, db_session: Any) -> None:
        programme = self._programme(db_session)
        member, other = UserFactory(design_authority=True), UserFactory(design_authority=True)
        case = case_service.create_programme_business_case(member, programme.id, CONTENT, costs_split=False)
        assert (case.version, case.status, case.costs_split) == (1, "draft", False)
        assert case.programme_id == programme.id and case.improvement_id is None
        case_service.submit_business_case(case, actor=member)
        case_service.approve_business_case(case, actor=other)
        assert (case.status, case.decided_by_id) == ("approved", other.id)
        assert _events(db_session, case.id) == [
            "business_case.created",
            "business_case.submitted",
            "business_case.approved",
        ]
        assert _last_event(db_session, case.id).actor_id == other.id
        assert case_queries.latest_for_programme(programme.id).id == case.id
        # A second version starts from the first, which stays as members approved it.
        again = case_service.create_programme_business_case(member, programme.id, CONTENT)
        assert (again.version, again.based_on_version, case.status) == (2, 1, "approved")

    def test_only_the_design_authority_writes_or_decides_it(self, db_session: Any) -> None:
        programme = self._programme(db_session)
        before = _counts(db_session)
        for person in (UserFactory(manager=True), UserFactory(finance=True), UserFactory(admin=True)):
            with pytest.raises(PermissionDenied):
                case_service.create_programme_business_case(person, programme.id, CONTENT)
        assert _counts(db_session) == before
        member = UserFactory(design_authority=True)
        case = case_service.create_programme_business_case(member, programme.id, CONTENT)
        with pytest.raises(PermissionDenied):
            case_service.submit_business_case(case, actor=UserFactory(manager=True))
        case_service.submit_business_case(case, actor=member)
        with pytest.raises(PermissionDenied):
            case_service.approve_business_case(case, actor=UserFactory(finance=True))
        assert case.status == "submitted"

    def test_it_is_validated_as_an_improvements_case(self, db_session: Any) -> None:
        programme = self._programme(db_session)
        before = _counts(db_session)
        with pytest.raises(ValidationFailed):
            case_service.create_programme_business_case(
                UserFactory(design_authority=True), programme.id, replace(CONTENT, options=(BAU,))
            )
        with pytest.raises(NotFound):
            case_service.create_programme_business_case(UserFactory(design_authority=True), 0, CONTENT)
        assert _counts(db_session) == before
