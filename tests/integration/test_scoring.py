"""Scoring services on the real database: the seeded scheme, assessment rules and separation of duties,
blindness, audited revisions, the stored panel score, scheme versions (weights-only re-ranking without
rescoring, a new criterion making scores provisional), what-if and the roadmap quarter.

Expected figures are worked by hand in the comments: score = 100 x sum(w x a) / (5 x sum(w)), where
a is the median (or 5 - median for complexity and reform risk).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from changeauth.domain.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    VersionConflict,
)
from changeauth.models import (
    Assessment,
    AssessmentScore,
    AuditEvent,
    Improvement,
    ImprovementScore,
    ScoringScheme,
    User,
)
from changeauth.queries import backlog as backlog_queries
from changeauth.queries import scoring as scoring_queries
from changeauth.services import rank_ranges, scoring
from changeauth.services.reference_data import UpsertCounts
from tests.factories import (
    MIDDLING_SCORES,
    AssessmentFactory,
    ConflictDeclarationFactory,
    ImprovementFactory,
    UserFactory,
)

RULES = {"quorum": 3, "disagreement_threshold": 3}
D = Decimal


def scores(sp: int, cn: int, tv: int, cx: int, rr: int, remit: bool = True) -> dict[str, int | bool]:
    return {
        "strategic_priority": sp,
        "customer_need": cn,
        "transaction_volume": tv,
        "complexity": cx,
        "reform_risk": rr,
        "within_remit": remit,
    }


def score(
    member: User, improvement: Improvement, values: dict[str, Any] | None = None, **kw: Any
) -> Assessment:
    return scoring.save_assessment(
        improvement.id,
        actor=member,
        scores=values if values is not None else dict(MIDDLING_SCORES),
        rationale=kw.pop("rationale", "Scored against the descriptors."),
        **{**RULES, **kw},
    )


def panel(size: int = 3) -> list[User]:
    return [UserFactory(design_authority=True) for _ in range(size)]


def stored(session: Any, improvement: Improvement) -> ImprovementScore:
    result = session.get(ImprovementScore, improvement.id)
    session.refresh(result)
    return result


def count(session: Any, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def admin() -> User:
    return UserFactory(admin=True)


def criteria_with(**weights: int) -> list[dict[str, Any]]:
    """The active criteria as service input, with some weights changed."""
    items = [scoring.spec_as_input(spec) for spec in scoring_queries.active_scheme().specs()]
    for item in items:
        if item["code"] in weights:
            item["weight"] = D(weights[item["code"]])
    return items


class TestTheSeededScheme:
    def test_version_1_of_design_section_5_is_active(self, db_session: Any) -> None:
        scheme = scoring_queries.active_scheme()
        assert scheme.version == 1
        assert [(c.code, c.kind, int(c.weight), c.direction) for c in scheme.criteria] == [
            ("strategic_priority", "should", 25, "higher_better"),
            ("customer_need", "should", 25, "higher_better"),
            ("transaction_volume", "should", 20, "higher_better"),
            ("complexity", "should", 15, "lower_better"),
            ("reform_risk", "should", 15, "lower_better"),
            ("within_remit", "must", 0, "higher_better"),
        ]
        assert set(scheme.criteria[0].descriptors) == {"0", "1", "2", "3", "4", "5"}

    def test_loading_it_again_changes_nothing(self, db_session: Any) -> None:
        counts = UpsertCounts()
        scoring.load_default_scheme(counts)
        assert counts.by_table["scoring_scheme"] == {"created": 0, "updated": 0, "unchanged": 1}
        assert count(db_session, ScoringScheme) == 1

    def test_only_one_scheme_can_be_active(self, db_session: Any) -> None:
        nested = db_session.begin_nested()
        db_session.add(ScoringScheme(version=99, status="active"))
        with pytest.raises(IntegrityError):
            db_session.flush()
        nested.rollback()


class TestAggregation:
    def test_a_panel_of_three_gives_a_final_score(self, db_session: Any) -> None:
        improvement = ImprovementFactory(business_case=True)
        a, b, c = panel()
        score(a, improvement, scores(4, 5, 3, 2, 1))
        score(b, improvement, scores(3, 4, 3, 1, 2))
        # Two scorers: medians 3.5, 4.5, 3, 1.5, 1.5 -> a = 3.5, 4.5, 3, 3.5, 3.5
        # 25x3.5 + 25x4.5 + 20x3 + 15x3.5 + 15x3.5 = 87.5 + 112.5 + 60 + 52.5 + 52.5 = 365 -> 73.0
        result = stored(db_session, improvement)
        assert (result.status, result.scorers, result.weighted_score) == ("provisional", 2, D("73.0"))
        score(c, improvement, scores(2, 4, 2, 3, 1))
        # Medians 3, 4, 3, 2, 1 -> a = 3, 4, 3, 3, 4: 75 + 100 + 60 + 45 + 60 = 340 -> 68.0
        result = stored(db_session, improvement)
        assert (result.status, result.scorers, result.weighted_score) == ("final", 3, D("68.0"))
        assert result.must_meet_passed is True and result.disagreement is False
        assert result.criteria["strategic_priority"] == {
            "n": 3, "median": "3", "min": 2, "max": 4, "votes": 0, "passes": 0
        }  # fmt: skip
        assert result.scheme_id == scoring_queries.active_scheme().id
        finals = db_session.scalars(
            select(AuditEvent).where(AuditEvent.action == "improvement.score_final")
        ).all()
        assert [(e.subject_id, e.after["weighted_score"]) for e in finals] == [(improvement.id, "68.0")]

    def test_a_must_failure_takes_it_out_of_the_ranking_with_the_reason(self, db_session: Any) -> None:
        improvement = ImprovementFactory(business_case=True, title="Outside our powers")
        for member, remit in zip(panel(), (True, False, False), strict=True):
            score(member, improvement, scores(5, 5, 5, 0, 0, remit))
        assert stored(db_session, improvement).must_meet_passed is False
        view = backlog_queries.backlog_view(backlog_queries.BacklogFilters())
        assert improvement.id not in [row.entry.id for row in view.page.items]
        (excluded,) = [x for x in view.excluded if x.entry.id == improvement.id]
        assert (
            excluded.reason == "Fails 'Within the council's powers and remit': 1 of 3 members said it is met."
        )

    def test_a_spread_of_three_or_more_is_flagged_as_disagreement(self, db_session: Any) -> None:
        improvement = ImprovementFactory(business_case=True)
        for member, need in zip(panel(), (1, 2, 4), strict=True):
            score(member, improvement, scores(3, need, 3, 3, 3))
        # customer_need: max 4 - min 1 = 3 >= threshold 3
        result = stored(db_session, improvement)
        assert result.disagreement is True
        view = scoring_queries.score_view(improvement.id, UserFactory(viewer=True), disagreement_threshold=3)
        assert [r.code for r in view.criteria if r.disagreement] == ["customer_need"]


class TestWhoMayScore:
    @pytest.mark.parametrize(
        "who", ["staff", "manager", "admin", "submitter", "owner", "sponsor", "conflicted"]
    )
    def test_refused_and_nothing_stored(self, db_session: Any, who: str) -> None:
        member = UserFactory(
            design_authority=who not in ("staff", "manager", "admin"), manager=who == "manager"
        )
        if who == "admin":
            member = UserFactory(admin=True)
        improvement = ImprovementFactory(
            business_case=True,
            submitter=member if who == "submitter" else UserFactory(),
            owner=member if who == "owner" else UserFactory(manager=True),
            sponsor=member if who == "sponsor" else None,
        )
        if who == "conflicted":
            ConflictDeclarationFactory(improvement=improvement, user_id=member.id)
        with pytest.raises(PermissionDenied):
            score(member, improvement)
        assert count(db_session, Assessment) == 0 and count(db_session, ImprovementScore) == 0

    @pytest.mark.parametrize("trait", ["needs_info", "closed", "declined", "merged"])
    def test_only_from_the_business_case_until_the_work_ends(self, db_session: Any, trait: str) -> None:
        improvement = ImprovementFactory(**{trait: True})
        with pytest.raises(InvalidTransition):
            score(UserFactory(design_authority=True), improvement)

    def test_a_missing_improvement_is_not_found(self, db_session: Any) -> None:
        with pytest.raises(NotFound):
            scoring.save_assessment(
                999_999,
                actor=UserFactory(design_authority=True),
                scores=MIDDLING_SCORES,
                rationale="x",
                **RULES,
            )


class TestBadInput:
    @pytest.mark.parametrize(
        ("change", "field", "message"),
        [
            ({"customer_need": 6}, "scores.customer_need", "Score must be between 0 and 5."),
            ({"customer_need": -1}, "scores.customer_need", "Score must be between 0 and 5."),
            ({"customer_need": 3.5}, "scores.customer_need", "Score must be a whole number from 0 to 5."),
            ({"customer_need": "3"}, "scores.customer_need", "Score must be a whole number from 0 to 5."),
            ({"customer_need": True}, "scores.customer_need", "Score must be a whole number from 0 to 5."),
            ({"customer_need": None}, "scores.customer_need", "Give a score from 0 to 5."),
            ({"within_remit": 1}, "scores.within_remit", "Answer must be pass or fail."),
            ({"world_peace": 5}, "scores.world_peace", "This is not a criterion in the current scheme."),
        ],
    )
    def test_bad_scores_are_refused_with_a_field_error(
        self, db_session: Any, change: dict[str, Any], field: str, message: str
    ) -> None:
        improvement = ImprovementFactory(business_case=True)
        values = {**MIDDLING_SCORES, **change}
        with pytest.raises(ValidationFailed) as caught:
            score(UserFactory(design_authority=True), improvement, values)
        assert caught.value.fields[field] == [message]
        assert count(db_session, Assessment) == 0 and count(db_session, AssessmentScore) == 0

    def test_a_missing_criterion_and_a_blank_rationale(self, db_session: Any) -> None:
        improvement = ImprovementFactory(business_case=True)
        values = {k: v for k, v in MIDDLING_SCORES.items() if k != "reform_risk"}
        with pytest.raises(ValidationFailed) as caught:
            score(UserFactory(design_authority=True), improvement, values, rationale="   ")
        assert caught.value.fields == {
            "scores.reform_risk": ["Give a score from 0 to 5."],
            "rationale": ["Give the reasons for your scores."],
        }
        assert count(db_session, ImprovementScore) == 0


class TestRevisionAndBlindness:
    def test_a_member_revises_their_own_assessment_and_it_is_audited(self, db_session: Any) -> None:
        improvement = ImprovementFactory(business_case=True)
        member = UserFactory(design_authority=True)
        first = score(member, improvement, scores(1, 1, 1, 1, 1), rationale="First look.")
        revised = score(
            member, improvement, scores(5, 1, 1, 1, 1), rationale="Read the case.", expected_version=1
        )
        assert revised.id == first.id and revised.version == 2
        assert count(db_session, Assessment) == 1
        event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.revised"))
        assert event.subject_id == first.id and event.subject_version == 2
        assert event.before == {"scores": scores(1, 1, 1, 1, 1), "rationale": "First look."}
        assert (
            event.after["scores"]["strategic_priority"] == 5 and event.after["rationale"] == "Read the case."
        )
        # One scorer: a = 5, 1, 1, 4, 4 -> 125 + 25 + 20 + 60 + 60 = 290 -> 58.0
        assert stored(db_session, improvement).weighted_score == D("58.0")

    def test_a_stale_revision_is_refused(self, db_session: Any) -> None:
        improvement = ImprovementFactory(business_case=True)
        member = UserFactory(design_authority=True)
        score(member, improvement)
        score(member, improvement, scores(4, 4, 4, 4, 4), expected_version=1)
        with pytest.raises(VersionConflict):
            score(member, improvement, scores(2, 2, 2, 2, 2), expected_version=1)

    def test_individual_scores_stay_hidden_until_the_member_has_submitted(self, db_session: Any) -> None:
        improvement = ImprovementFactory(business_case=True)
        first, second = panel(2)
        score(first, improvement)

        def visible_to(user: User) -> list[int] | None:
            view = scoring_queries.score_view(improvement.id, user, disagreement_threshold=3)
            return None if view.assessments is None else [a.assessor_id for a in view.assessments]

        assert visible_to(second) is None
        assert visible_to(UserFactory()) is None
        assert visible_to(UserFactory(admin=True)) == [first.id]
        assert visible_to(UserFactory(viewer=True)) == [first.id]
        score(second, improvement)
        assert visible_to(second) == [first.id, second.id]


def _scored(values: dict[str, int | bool], members: list[User], **traits: Any) -> Improvement:
    improvement = ImprovementFactory(business_case=True, **traits)
    for member in members:
        score(member, improvement, values)
    return improvement


def _positions() -> dict[int, int]:
    """{id: rank} of the ranked backlog, in the database's order (the backlog page's)."""
    criteria = scoring_queries.active_scheme().specs()
    return {entry.id: position for entry, position in backlog_queries.ranked_entries(criteria)}


class TestSchemeVersions:
    def test_a_weights_only_version_re_ranks_without_rescoring(
        self, db_session: Any, count_queries: Any
    ) -> None:
        members = panel()
        # X: a = 5, 5, 0, 0, 0 -> 125 + 125 = 250 -> 50.0
        # Y: a = 1, 0, 5, 5, 5 -> 25 + 100 + 75 + 75 = 275 -> 55.0
        x = _scored(scores(5, 5, 0, 5, 5), members)
        y = _scored(scores(1, 0, 5, 0, 0), members)
        before = _positions()
        assert before[y.id] < before[x.id]
        assessments = count(db_session, AssessmentScore)

        draft = scoring.draft_scheme(admin(), criteria_with(strategic_priority=50), note="Strategy first")
        with count_queries() as counter:
            outcome = scoring.activate_scheme(draft.id, actor=admin(), **RULES)
        assert outcome.weights_only is True and outcome.recomputed == 2
        assert not any("assessment" in statement for statement in counter.statements)
        # sum(w) = 125.  X: 50x5 + 25x5 = 375 -> 100 x 375 / 625 = 60.0;  Y: 50 + 100 + 75 + 75 = 300 -> 48.0
        assert stored(db_session, x).weighted_score == D("60.0")
        assert stored(db_session, y).weighted_score == D("48.0")
        assert stored(db_session, x).scheme_id == draft.id and stored(db_session, x).status == "final"
        after = _positions()
        assert after[x.id] < after[y.id]
        assert count(db_session, AssessmentScore) == assessments
        versions = dict(db_session.execute(select(ScoringScheme.version, ScoringScheme.status)).all())
        assert versions == {1: "retired", 2: "active"}

    def test_activation_updates_by_distinct_result_not_by_row(
        self, db_session: Any, count_queries: Any
    ) -> None:
        members, manager = panel(), admin()
        _scored(MIDDLING_SCORES, members)
        _scored(MIDDLING_SCORES, members)
        draft = scoring.draft_scheme(manager, criteria_with(complexity=5))
        with count_queries() as few:
            scoring.activate_scheme(draft.id, actor=manager, **RULES)
        for _ in range(18):
            improvement = AssessmentFactory().improvement
            scoring.recompute_score(improvement.id, scoring_queries.active_scheme(), **RULES)
        draft = scoring.draft_scheme(manager, criteria_with(complexity=9))
        with count_queries() as many:
            outcome = scoring.activate_scheme(draft.id, actor=manager, **RULES)
        assert outcome.recomputed == 20
        assert few.count == many.count

    def test_a_new_criterion_makes_scores_provisional_until_members_score_it(self, db_session: Any) -> None:
        members = panel()
        improvement = _scored(MIDDLING_SCORES, members)
        assert stored(db_session, improvement).status == "final"
        criteria = criteria_with()
        criteria.insert(
            5,
            {
                "code": "digital_inclusion",
                "name": "Digital inclusion",
                "kind": "should",
                "weight": D(10),
                "direction": "higher_better",
                "descriptors": {str(p): f"Point {p}" for p in range(6)},
            },
        )
        outcome = scoring.activate_scheme(scoring.draft_scheme(admin(), criteria).id, actor=admin(), **RULES)
        assert outcome.weights_only is False
        result = stored(db_session, improvement)
        # Only the old criteria have medians: a = 3, 3, 3, 2, 2 -> 75 + 75 + 60 + 30 + 30 = 270 -> 54.0
        assert (result.status, result.weighted_score) == ("provisional", D("54.0"))
        scheme = scoring_queries.active_scheme()
        assert improvement.id in [i.id for i in scoring_queries.assessments_to_do(members[0], scheme).items]
        for member in members:
            score(member, improvement, {**MIDDLING_SCORES, "digital_inclusion": 5})
        # a = 3, 3, 3, 2, 2, 5 with weights 25, 25, 20, 15, 15, 10: 270 + 50 = 320
        # -> 100 x 320 / 550 = 58.18 -> 58.2
        result = stored(db_session, improvement)
        assert (result.status, result.weighted_score) == ("final", D("58.2"))
        assert count(db_session, Assessment) == 6  # the version-1 assessments are kept as they were
        assert improvement.id not in [
            i.id for i in scoring_queries.assessments_to_do(members[0], scheme).items
        ]

    @pytest.mark.parametrize(
        ("change", "field", "message"),
        [
            ({"customer_need": -5}, "criteria.1", "Weight must not be negative."),
            (
                {
                    "strategic_priority": 0,
                    "customer_need": 0,
                    "transaction_volume": 0,
                    "complexity": 0,
                    "reform_risk": 0,
                },
                "criteria",
                "At least one should-meet criterion needs a weight above zero.",
            ),
            ({"customer_need": "12.345"}, "criteria.1", "Use at most two decimal places for a weight."),
        ],
    )
    def test_bad_weights_are_refused_and_nothing_is_stored(
        self, db_session: Any, change: dict[str, Any], field: str, message: str
    ) -> None:
        items = criteria_with()
        for item in items:
            if item["code"] in change:
                item["weight"] = change[item["code"]]
        with pytest.raises(ValidationFailed) as caught:
            scoring.draft_scheme(admin(), items)
        assert message in caught.value.fields[field]
        assert count(db_session, ScoringScheme) == 1

    def test_duplicate_codes_are_refused(self, db_session: Any) -> None:
        items = criteria_with()
        items[2]["code"] = "strategic_priority"
        with pytest.raises(ValidationFailed) as caught:
            scoring.draft_scheme(admin(), items)
        assert caught.value.fields["criteria.0"] == [
            "Code 'strategic_priority' is used by more than one criterion."
        ]
        assert count(db_session, ScoringScheme) == 1

    def test_only_admins_manage_schemes(self, db_session: Any) -> None:
        with pytest.raises(PermissionDenied):
            scoring.draft_scheme(UserFactory(design_authority=True), criteria_with())

    def test_drafts_can_change_but_used_and_active_versions_never_do(self, db_session: Any) -> None:
        draft = scoring.draft_scheme(admin(), criteria_with())
        changed = scoring.update_draft(
            draft.id, actor=admin(), criteria=criteria_with(customer_need=40), expected_version=1
        )
        assert changed.revision == 2
        assert [int(c.weight) for c in changed.criteria][:2] == [25, 40]
        with pytest.raises(VersionConflict):
            scoring.update_draft(draft.id, actor=admin(), criteria=criteria_with(), expected_version=1)
        active = scoring_queries.active_scheme()
        with pytest.raises(InvalidTransition):
            scoring.update_draft(active.id, actor=admin(), criteria=criteria_with(), expected_version=None)
        scoring.activate_scheme(draft.id, actor=admin(), **RULES)
        with pytest.raises(InvalidTransition):
            scoring.activate_scheme(active.id, actor=admin(), **RULES)  # retired now

    def test_preview_shows_the_ranking_a_draft_would_give(self, db_session: Any) -> None:
        members = panel()
        x = _scored(scores(5, 5, 0, 5, 5), members)  # 50.0 now, 60.0 with strategic priority at 50
        y = _scored(scores(1, 0, 5, 0, 0), members)  # 55.0 now, 48.0
        draft = scoring.draft_scheme(admin(), criteria_with(strategic_priority=50))
        preview = scoring.preview_scheme(draft.id, actor=admin(), **RULES)
        rows = {row.entry.id: row for row in preview.rows}
        assert (rows[x.id].weighted_score, rows[x.id].previous_score) == (D("60.0"), D("50.0"))
        assert rows[x.id].rank_change == 1 and rows[y.id].rank_change == -1
        assert stored(db_session, x).weighted_score == D("50.0")  # nothing stored


class TestWhatIf:
    def test_other_weights_rank_with_each_rows_change(self, db_session: Any) -> None:
        members = panel()
        x = _scored(scores(5, 5, 0, 5, 5), members)
        y = _scored(scores(1, 0, 5, 0, 0), members)
        preview = scoring.preview_weights(UserFactory(design_authority=True), {"strategic_priority": D(50)})
        rows = {row.entry.id: row for row in preview.rows}
        assert (rows[x.id].rank_change, rows[y.id].rank_change) == (1, -1)
        assert rows[x.id].rank < rows[y.id].rank
        assert preview.weights["strategic_priority"] == D(50) and preview.weights["customer_need"] == D(25)
        assert stored(db_session, x).weighted_score == D("50.0")

    @pytest.mark.parametrize(
        ("weights", "field"),
        [
            ({"customer_need": D(-1)}, "weights.customer_need"),
            ({"customer_need": "lots"}, "weights.customer_need"),
            ({"world_peace": D(5)}, "weights.world_peace"),
            ({"within_remit": D(5)}, "weights.within_remit"),
            (
                {
                    "strategic_priority": 0,
                    "customer_need": 0,
                    "transaction_volume": 0,
                    "complexity": 0,
                    "reform_risk": 0,
                },
                "weights",
            ),
        ],
    )
    def test_bad_weights_are_field_errors(self, db_session: Any, weights: dict[str, Any], field: str) -> None:
        with pytest.raises(ValidationFailed) as caught:
            scoring.preview_weights(UserFactory(design_authority=True), weights)
        assert field in caught.value.fields

    def test_staff_cannot_preview_and_only_admins_adopt(self, db_session: Any) -> None:
        with pytest.raises(PermissionDenied):
            scoring.preview_weights(UserFactory(), {})
        with pytest.raises(PermissionDenied):
            scoring.adopt_weights(UserFactory(design_authority=True), {"complexity": D(30)}, **RULES)

    def test_an_admin_adopts_the_weights_as_a_new_active_version(self, db_session: Any) -> None:
        scheme = scoring.adopt_weights(admin(), {"complexity": D(30)}, **RULES)
        active = scoring_queries.active_scheme()
        assert (active.id, active.version) == (scheme.id, 2)
        assert {c.code: int(c.weight) for c in active.criteria}["complexity"] == 30
        assert "what-if" in active.note


class TestRoadmap:
    def test_a_da_member_plans_a_quarter_and_it_is_audited(self, db_session: Any) -> None:
        improvement = ImprovementFactory(business_case=True)
        planned = scoring.set_planned_quarter(
            improvement, actor=UserFactory(design_authority=True), expected_version=1, quarter="2027 q1"
        )
        assert (planned.planned_quarter, planned.version) == ("2027-Q1", 2)
        event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "improvement.planned"))
        assert (event.before, event.after) == ({"planned_quarter": None}, {"planned_quarter": "2027-Q1"})
        roadmap = backlog_queries.roadmap_view()
        assert [item.entry.id for item in roadmap.page.items] == [improvement.id]

    @pytest.mark.parametrize("quarter", ["2027-Q5", "next year", "1999-Q1"])
    def test_a_bad_quarter_is_refused(self, db_session: Any, quarter: str) -> None:
        improvement = ImprovementFactory(business_case=True)
        with pytest.raises(ValidationFailed) as caught:
            scoring.set_planned_quarter(
                improvement, actor=UserFactory(design_authority=True), expected_version=1, quarter=quarter
            )
        assert "planned_quarter" in caught.value.fields

    def test_staff_stale_versions_and_ended_work_are_refused(self, db_session: Any) -> None:
        improvement = ImprovementFactory(business_case=True)
        with pytest.raises(PermissionDenied):
            scoring.set_planned_quarter(
                improvement, actor=UserFactory(), expected_version=1, quarter="2027-Q1"
            )
        with pytest.raises(VersionConflict):
            scoring.set_planned_quarter(
                improvement, actor=UserFactory(design_authority=True), expected_version=7, quarter="2027-Q1"
            )
        with pytest.raises(InvalidTransition):
            scoring.set_planned_quarter(
                ImprovementFactory(closed=True),
                actor=UserFactory(design_authority=True),
                expected_version=1,
                quarter="2027-Q1",
            )


class TestTheBacklog:
    def test_order_of_design_section_5(self, db_session: Any) -> None:
        members = panel()
        low_final = _scored(scores(1, 1, 1, 4, 4), members)
        high_final = _scored(scores(5, 5, 5, 0, 0), members)
        statutory_unscored = ImprovementFactory(business_case=True, is_mandatory=True)
        provisional = ImprovementFactory(business_case=True)
        score(members[0], provisional, scores(5, 5, 5, 0, 0))
        idea = ImprovementFactory()
        closed = ImprovementFactory(closed=True)
        ranked = list(_positions())
        mine = {low_final.id, high_final.id, statutory_unscored.id, provisional.id, idea.id}
        ours = [i for i in ranked if i in mine]
        assert ours == [statutory_unscored.id, high_final.id, low_final.id, provisional.id, idea.id]
        assert closed.id not in ranked

    def test_rows_carry_contributions_and_rank_ranges(self, db_session: Any) -> None:
        members = panel()
        improvement = _scored(scores(4, 3, 2, 1, 0), members)
        before = backlog_queries.backlog_view(backlog_queries.BacklogFilters(stage="business_case"))
        assert before.ranges_being_recalculated
        token = rank_ranges.claim()
        assert token is not None
        assert rank_ranges.claim() is None  # one claim at a time
        rank_ranges.compute(token)
        view = backlog_queries.backlog_view(backlog_queries.BacklogFilters(stage="business_case"))
        assert not view.ranges_being_recalculated
        (row,) = [r for r in view.page.items if r.entry.id == improvement.id]
        # a = 4, 3, 2, 4, 5; points = 100 x w x a / 500: 20, 15, 8, 12, 15 (sum 70.0)
        assert row.contributions == {
            "strategic_priority": D("20.00"),
            "customer_need": D("15.00"),
            "transaction_volume": D("8.00"),
            "complexity": D("12.00"),
            "reform_risk": D("15.00"),
        }
        assert row.entry.weighted_score == D("70.0")
        assert row.rank_range is not None
        assert row.rank_range[0] <= row.rank <= row.rank_range[1]

    def test_filters_keep_the_overall_rank(self, db_session: Any) -> None:
        members = panel()
        first = _scored(scores(5, 5, 5, 0, 0), members)
        second = _scored(scores(1, 1, 1, 4, 4), members, stage="approved")
        full = backlog_queries.backlog_view(backlog_queries.BacklogFilters())
        ranks = {row.entry.id: row.rank for row in full.page.items}
        approved = backlog_queries.backlog_view(backlog_queries.BacklogFilters(stage="approved"))
        assert [(row.entry.id, row.rank) for row in approved.page.items] == [(second.id, ranks[second.id])]
        assert ranks[first.id] < ranks[second.id]
