"""Scoring and backlog pages over HTTP: scoring through the form, the backlog's order and explanation,
blindness, what-if, the matrix and roadmap, scheme versions, permissions and the query count."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from changeauth.models import Assessment, Improvement, ImprovementScore, ScoringScheme, SharedView, User
from changeauth.queries import scoring as scoring_queries
from changeauth.services import scoring
from tests.factories import (
    AssessmentFactory,
    ConflictDeclarationFactory,
    ImprovementFactory,
    ImprovementScoreFactory,
    UserFactory,
)
from tests.helpers import field_errors, page

RULES = {"quorum": 3, "disagreement_threshold": 3}


def form_data(
    sp: int, cn: int, tv: int, cx: int, rr: int, remit: str = "pass", **extra: str
) -> dict[str, str]:
    return {
        "scores.strategic_priority": str(sp),
        "scores.customer_need": str(cn),
        "scores.transaction_volume": str(tv),
        "scores.complexity": str(cx),
        "scores.reform_risk": str(rr),
        "scores.within_remit": remit,
        "rationale": "Scored against the descriptors.",
        **extra,
    }


def ranked_ids(response: Any) -> list[int]:
    return [int(tr["data-id"]) for tr in page(response).select("#ranking tbody tr[data-id]")]


def as_submitted(html: Any) -> dict[str, str]:
    """What a browser would post for the page's form as it stands (unticked boxes left out)."""
    data = {
        field["name"]: field.get("value", "")
        for field in html.select("form[method=post] input[name]")
        if field.get("type") != "checkbox" or field.has_attr("checked")
    }
    data.update({area["name"]: area.get_text() for area in html.select("form[method=post] textarea[name]")})
    for select_ in html.select("form[method=post] select[name]"):
        chosen = select_.select_one("option[selected]") or select_.select_one("option")
        data[select_["name"]] = chosen["value"]
    return data


def count(session: Any, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def score_through_the_form(
    client: FlaskClient, login_as: Any, improvement: Improvement, data: dict[str, str]
) -> Any:
    login_as(UserFactory(design_authority=True))
    return client.post(f"/scoring/improvements/{improvement.id}", data=data)


class TestScoringThroughTheForm:
    def test_three_members_score_and_the_backlog_reads_in_order(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        weaker = ImprovementFactory(business_case=True, title="Weaker proposal")
        stronger = ImprovementFactory(business_case=True, title="Stronger proposal")
        for _ in range(3):
            # a = 2, 2, 2, 3, 3 -> 50 + 50 + 40 + 45 + 45 = 230 -> 46.0
            response = score_through_the_form(client, login_as, weaker, form_data(2, 2, 2, 2, 2))
            assert response.status_code == 302
            # a = 5, 4, 3, 4, 5 -> 125 + 100 + 60 + 60 + 75 = 420 -> 84.0
            assert (
                score_through_the_form(client, login_as, stronger, form_data(5, 4, 3, 1, 0)).status_code
                == 302
            )
        login_as(UserFactory())
        backlog = client.get("/backlog/")
        assert backlog.status_code == 200
        ids = ranked_ids(backlog)
        assert ids.index(stronger.id) < ids.index(weaker.id)
        row = page(backlog).select_one(f"#ranking tr[data-id='{stronger.id}']")
        text = row.get_text(" ", strip=True)
        assert "84.0" in text and "Final" in text
        assert "Fit with Council Plan priorities: 25.00" in text  # 100 x 25 x 5 / 500
        assert row.select_one(".rank-range").get_text(strip=True)

    def test_the_form_shows_every_descriptor(self, client: FlaskClient, login_as: Any) -> None:
        improvement = ImprovementFactory(business_case=True)
        login_as(UserFactory(design_authority=True))
        response = client.get(f"/scoring/improvements/{improvement.id}")
        assert response.status_code == 200
        html = page(response)
        labels = [label.get_text(strip=True) for label in html.select("label.radios__label")]
        assert "5 – Essential to delivering one or more Council Plan priorities." in labels
        assert "0 – Trivial: a setting or content change one team can make." in labels
        assert any(label.startswith("Not met – ") for label in labels)
        assert len(labels) == 5 * 6 + 2

    def test_bad_scores_re_render_with_errors_and_store_nothing(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        improvement = ImprovementFactory(business_case=True)
        data = form_data(4, 6, 3, 2, 1, rationale="")
        del data["scores.reform_risk"]
        response = score_through_the_form(client, login_as, improvement, data)
        assert response.status_code == 422
        errors = field_errors(response)
        assert "Score must be between 0 and 5." in errors
        assert "Give a score from 0 to 5." in errors
        assert "Give the reasons for your scores." in errors
        assert page(response).select_one("#scores\\.strategic_priority-4").has_attr("checked")
        assert count(db_session, Assessment) == 0 and count(db_session, ImprovementScore) == 0

    def test_a_tampered_value_is_a_field_error_not_a_crash(self, client: FlaskClient, login_as: Any) -> None:
        improvement = ImprovementFactory(business_case=True)
        response = score_through_the_form(
            client, login_as, improvement, form_data(4, 3, 3, 2, 1, remit="maybe")
        )
        assert response.status_code == 422
        assert "Say whether this criterion is met." in field_errors(response)
        bad = dict(form_data(4, 3, 3, 2, 1), **{"scores.customer_need": "lots"})
        assert score_through_the_form(client, login_as, improvement, bad).status_code == 422
        tampered_version = form_data(4, 3, 3, 2, 1, version="abc")
        assert score_through_the_form(client, login_as, improvement, tampered_version).status_code == 302

    def test_a_member_revises_their_assessment(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        improvement = ImprovementFactory(business_case=True)
        member = login_as(UserFactory(design_authority=True))
        client.post(f"/scoring/improvements/{improvement.id}", data=form_data(1, 1, 1, 1, 1, version="0"))
        again = page(client.get(f"/scoring/improvements/{improvement.id}"))
        assert "Revise your assessment" in again.h1.get_text()
        assert again.select_one("#scores\\.strategic_priority-1").has_attr("checked")
        assert again.select_one("input[name=version]")["value"] == "1"
        response = client.post(
            f"/scoring/improvements/{improvement.id}", data=form_data(5, 1, 1, 1, 1, version="1")
        )
        assert response.status_code == 302
        assessment = db_session.scalar(select(Assessment).where(Assessment.assessor_id == member.id))
        assert assessment.version == 2
        stale = client.post(
            f"/scoring/improvements/{improvement.id}", data=form_data(2, 1, 1, 1, 1, version="1")
        )
        assert stale.status_code == 409


class TestWhoMayScore:
    @pytest.mark.parametrize("who", ["staff", "submitter", "conflicted"])
    def test_refused_with_403_and_nothing_stored(
        self, client: FlaskClient, login_as: Any, db_session: Any, who: str
    ) -> None:
        member = UserFactory(design_authority=who != "staff")
        improvement = ImprovementFactory(
            business_case=True, submitter=member if who == "submitter" else UserFactory()
        )
        if who == "conflicted":
            ConflictDeclarationFactory(improvement=improvement, user_id=member.id)
        login_as(member)
        assert client.get(f"/scoring/improvements/{improvement.id}").status_code == 403
        response = client.post(f"/scoring/improvements/{improvement.id}", data=form_data(3, 3, 3, 3, 3))
        assert response.status_code == 403
        assert count(db_session, Assessment) == 0

    def test_my_assessments_to_do_leaves_out_what_i_may_not_score(
        self, client: FlaskClient, login_as: Any
    ) -> None:
        member = UserFactory(design_authority=True)
        to_score = ImprovementFactory(business_case=True, title="Waiting for me")
        ImprovementFactory(business_case=True, submitter=member, title="My own idea")
        conflicted = ImprovementFactory(business_case=True, title="My brother's team")
        ConflictDeclarationFactory(improvement=conflicted, user_id=member.id)
        ImprovementFactory(title="Still an idea")
        done = ImprovementFactory(business_case=True, title="Already scored")
        AssessmentFactory(improvement=done, assessor=member)
        login_as(member)
        response = client.get("/scoring/")
        assert response.status_code == 200
        ids = [int(tr["data-id"]) for tr in page(response).select("tbody tr[data-id]")]
        assert to_score.id in ids
        assert not {i.id for i in (conflicted, done)} & set(ids)
        assert "My own idea" not in response.get_data(as_text=True).split("Waiting for other members")[0]

    def test_my_list_holds_proposals_awaiting_a_decision_but_later_work_can_still_be_scored(
        self, client: FlaskClient, login_as: Any
    ) -> None:
        member = UserFactory(design_authority=True)
        proposal = ImprovementFactory(business_case=True, title="Proposal before G1")
        approved = ImprovementFactory(approved=True, title="Approved, not started")
        quick_win = ImprovementFactory(quick_win=True, title="Quick win in delivery")
        held = ImprovementFactory(on_hold=True, title="Held at triage")
        login_as(member)
        ids = [int(tr["data-id"]) for tr in page(client.get("/scoring/")).select("tbody tr[data-id]")]
        assert {proposal.id, approved.id} <= set(ids)
        assert not {quick_win.id, held.id} & set(ids)
        # Not on the list is not refused: the member may still score the quick win from its page.
        assert client.get(f"/scoring/improvements/{quick_win.id}").status_code == 200

    def test_staff_cannot_open_the_scoring_page(self, client: FlaskClient, login_as: Any) -> None:
        login_as(UserFactory())
        assert client.get("/scoring/").status_code == 403

    def test_navigation_shows_only_what_each_person_may_use(self, client: FlaskClient, login_as: Any) -> None:
        def nav(user: User) -> list[str]:
            login_as(user)
            return [a.get_text(strip=True) for a in page(client.get("/backlog/")).select("nav.site-nav a")]

        assert "Backlog" in nav(UserFactory()) and "Scoring" not in nav(UserFactory())
        assert "Scoring" in nav(UserFactory(design_authority=True))
        assert "Administration" in nav(UserFactory(admin=True))
        schemes = page(client.get("/scoring/schemes")).select("nav.section-nav a")
        assert "Scoring schemes" in [a.get_text(strip=True) for a in schemes]


class TestBlindScoring:
    def test_others_scores_show_only_after_submitting(self, client: FlaskClient, login_as: Any) -> None:
        improvement = ImprovementFactory(business_case=True)
        first = UserFactory(design_authority=True, name="First Scorer")
        scoring.save_assessment(
            improvement.id,
            actor=first,
            scores=dict(AssessmentFactory.build().values()),
            rationale="Secret reasoning.",
            **RULES,
        )
        second = login_as(UserFactory(design_authority=True))
        before = client.get(f"/scoring/improvements/{improvement.id}/score").get_data(as_text=True)
        assert "Secret reasoning." not in before and "First Scorer" not in before
        assert "Individual scores are blind" in before
        client.post(f"/scoring/improvements/{improvement.id}", data=form_data(3, 3, 3, 3, 3))
        after = client.get(f"/scoring/improvements/{improvement.id}/score").get_data(as_text=True)
        assert "Secret reasoning." in after and "First Scorer" in after and second.name in after
        login_as(UserFactory(viewer=True))
        assert "Secret reasoning." in client.get(f"/scoring/improvements/{improvement.id}/score").get_data(
            as_text=True
        )


def _scored_backlog(size: int) -> list[Improvement]:
    """``size`` improvements, each scored by a panel of three (raw rows, then the stored score)."""
    members = [UserFactory(design_authority=True) for _ in range(3)]
    scheme = scoring_queries.active_scheme()
    improvements = []
    for n in range(size):
        improvement = ImprovementFactory(business_case=True)
        for member in members:
            values = {**AssessmentFactory.build().values(), "customer_need": n % 6}
            AssessmentFactory(improvement=improvement, assessor=member, values=values)
        scoring.recompute_score(improvement.id, scheme, **RULES)
        improvements.append(improvement)
    return improvements


class TestBacklogViews:
    def test_must_meet_failures_are_listed_apart_with_the_reason(
        self, client: FlaskClient, login_as: Any
    ) -> None:
        improvement = ImprovementFactory(business_case=True, title="Not ours to do")
        for remit in ("fail", "fail", "pass"):
            score_through_the_form(client, login_as, improvement, form_data(5, 5, 5, 0, 0, remit=remit))
        response = client.get("/backlog/")
        assert improvement.id not in ranked_ids(response)
        excluded = page(response).select_one(f"tr[data-id='{improvement.id}'] .reason").get_text(strip=True)
        assert excluded == "Fails 'Within the council's powers and remit': 1 of 3 members said it is met."

    def test_filters_and_pagination(self, client: FlaskClient, login_as: Any) -> None:
        _scored_backlog(3)
        approved = ImprovementFactory(approved=True, title="Approved one")
        login_as(UserFactory())
        response = client.get("/backlog/", query_string={"stage": "approved"})
        assert ranked_ids(response) == [approved.id]
        assert client.get("/backlog/", query_string={"stage": "nonsense"}).status_code == 200
        assert client.get("/backlog/", query_string={"page": "99"}).status_code == 200

    def test_the_matrix_has_a_chart_with_alt_text_and_a_table(
        self, client: FlaskClient, login_as: Any
    ) -> None:
        _scored_backlog(2)
        login_as(UserFactory())
        html = page(client.get("/backlog/matrix"))
        image = html.select_one("figure.chart img")
        assert "Scatter chart of value against effort" in image["alt"]
        assert len(html.select("#matrix-table tbody tr[data-id]")) >= 2
        chart = client.get(image["src"])
        assert chart.status_code == 200 and chart.mimetype == "image/png"
        assert chart.data[:8] == b"\x89PNG\r\n\x1a\n"

    def test_a_da_member_plans_a_quarter_with_a_form(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        improvement = ImprovementFactory(business_case=True, title="Plan me")
        login_as(UserFactory(design_authority=True))
        form = page(client.get(f"/backlog/roadmap/{improvement.id}"))
        quarter = form.select("#planned_quarter option")[2]["value"]
        response = client.post(
            f"/backlog/roadmap/{improvement.id}", data={"planned_quarter": quarter, "version": "1"}
        )
        assert response.status_code == 302
        roadmap = page(client.get("/backlog/roadmap"))
        assert roadmap.select_one(f"#q-{quarter}") is not None
        assert "Plan me" in roadmap.get_text()
        bad = client.post(
            f"/backlog/roadmap/{improvement.id}", data={"planned_quarter": "1999-Q9", "version": "2"}
        )
        assert bad.status_code == 422
        db_session.refresh(improvement)
        assert improvement.planned_quarter == quarter

    def test_staff_read_the_roadmap_but_cannot_plan(self, client: FlaskClient, login_as: Any) -> None:
        improvement = ImprovementFactory(business_case=True)
        login_as(UserFactory())
        assert client.get("/backlog/roadmap").status_code == 200
        assert client.get(f"/backlog/roadmap/{improvement.id}").status_code == 403


class TestWhatIf:
    def test_a_da_member_sees_each_rows_rank_change(self, client: FlaskClient, login_as: Any) -> None:
        members = [UserFactory(design_authority=True) for _ in range(3)]
        # X 50.0 now, 60.0 with strategic priority at 50; Y 55.0 now, 48.0 (worked in the integration tests)
        x, y = ImprovementFactory(business_case=True), ImprovementFactory(business_case=True)
        for member in members:
            scoring.save_assessment(x.id, actor=member, scores=_values(5, 5, 0, 5, 5), rationale="r", **RULES)
            scoring.save_assessment(y.id, actor=member, scores=_values(1, 0, 5, 0, 0), rationale="r", **RULES)
        login_as(UserFactory(design_authority=True))
        response = client.get("/backlog/what-if", query_string={"weights.strategic_priority": "50"})
        assert response.status_code == 200
        html = page(response)
        assert html.select_one(f"tr[data-id='{x.id}'] .rank-change").get_text(strip=True) == "Up 1"
        assert html.select_one(f"tr[data-id='{y.id}'] .rank-change").get_text(strip=True) == "Down 1"
        assert not html.select("form[action$='/what-if/adopt']")  # only administrators adopt

    @pytest.mark.parametrize("weight", ["-3", "lots", "1e9"])
    def test_bad_weights_re_render_with_422(self, client: FlaskClient, login_as: Any, weight: str) -> None:
        login_as(UserFactory(design_authority=True))
        response = client.get("/backlog/what-if", query_string={"weights.customer_need": weight})
        assert response.status_code == 422
        assert field_errors(response)

    def test_all_zero_weights_are_refused(self, client: FlaskClient, login_as: Any) -> None:
        login_as(UserFactory(design_authority=True))
        zero = {
            f"weights.{c}": "0"
            for c in (
                "strategic_priority",
                "customer_need",
                "transaction_volume",
                "complexity",
                "reform_risk",
            )
        }
        response = client.get("/backlog/what-if", query_string=zero)
        assert response.status_code == 422
        assert "At least one should-meet criterion needs a weight above zero." in page(response).get_text()

    def test_staff_cannot_use_what_if(self, client: FlaskClient, login_as: Any) -> None:
        login_as(UserFactory())
        assert client.get("/backlog/what-if").status_code == 403

    def test_an_admin_adopts_the_weights_as_a_new_version(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        login_as(UserFactory(admin=True))
        preview = page(client.get("/backlog/what-if", query_string={"weights.complexity": "30"}))
        form = preview.select_one("form[action$='/what-if/adopt']")
        data = {i["name"]: i.get("value", "") for i in form.select("input")}
        assert data["weights.complexity"] == "30"
        asked = client.post("/backlog/what-if/adopt", data={**data, "note": "Delivery risk matters more"})
        # First a confirmation, showing the weights now and after; nothing is adopted yet.
        assert asked.status_code == 200 and "Adopt these weights?" in page(asked).h1.get_text()
        assert count(db_session, ScoringScheme) == 1
        confirm = page(asked).select_one("form[action$='/what-if/adopt']")
        confirmed = {i["name"]: i.get("value", "") for i in confirm.select("input")}
        assert confirmed["weights.complexity"] == "30" and confirmed["confirmed"] == "yes"
        response = client.post("/backlog/what-if/adopt", data=confirmed)
        assert response.status_code == 302
        active = db_session.scalar(select(ScoringScheme).where(ScoringScheme.status == "active"))
        assert (active.version, active.note) == (2, "Delivery risk matters more")

    def test_a_da_member_cannot_adopt(self, client: FlaskClient, login_as: Any, db_session: Any) -> None:
        login_as(UserFactory(design_authority=True))
        assert client.post("/backlog/what-if/adopt", data={"weights.complexity": "30"}).status_code == 403
        assert count(db_session, ScoringScheme) == 1


def _values(sp: int, cn: int, tv: int, cx: int, rr: int) -> dict[str, int | bool]:
    return {
        "strategic_priority": sp,
        "customer_need": cn,
        "transaction_volume": tv,
        "complexity": cx,
        "reform_risk": rr,
        "within_remit": True,
    }


class TestSchemeVersions:
    def test_an_admin_drafts_previews_and_activates_a_version(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        login_as(UserFactory(admin=True))
        data = as_submitted(page(client.get("/scoring/schemes/new")))
        assert data["criteria.0.code"] == "strategic_priority" and data["criteria.0.weight"] == "25"
        data.update({"criteria.1.weight": "40", "note": "Customers first"})
        response = client.post("/scoring/schemes/new", data=data)
        assert response.status_code == 302
        draft = page(client.get(response.headers["Location"]))
        assert "Draft" in draft.h1.get_text() and draft.select_one("#preview")
        scheme = db_session.scalar(select(ScoringScheme).where(ScoringScheme.version == 2))
        activated = client.post(f"/scoring/schemes/{scheme.id}/activate")
        assert activated.status_code == 302
        db_session.refresh(scheme)
        assert scheme.status == "active"
        assert client.post(f"/scoring/schemes/{scheme.id}/activate").status_code == 409

    def test_duplicate_codes_re_render_with_the_error_by_the_criterion(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        login_as(UserFactory(admin=True))
        data = as_submitted(page(client.get("/scoring/schemes/new")))
        data["criteria.2.code"] = "strategic_priority"
        response = client.post("/scoring/schemes/new", data=data)
        assert response.status_code == 422
        row = page(response).select_one("fieldset[id='criteria.0']")
        assert "Code 'strategic_priority' is used by more than one criterion." in row.get_text()
        assert count(db_session, ScoringScheme) == 1

    def test_only_admins_see_scheme_pages(self, client: FlaskClient, login_as: Any) -> None:
        login_as(UserFactory(design_authority=True))
        assert client.get("/scoring/schemes").status_code == 403
        assert client.get("/scoring/schemes/new").status_code == 403


def test_the_backlog_sends_the_same_number_of_queries_for_5_and_50_rows(
    client: FlaskClient, login_as: Any, count_queries: Any
) -> None:
    login_as(UserFactory(design_authority=True))
    _scored_backlog(5)
    with count_queries() as five:
        assert client.get("/backlog/", query_string={"driver": "channel_shift"}).status_code == 200
    _scored_backlog(45)
    with count_queries() as fifty:
        response = client.get("/backlog/", query_string={"driver": "channel_shift"})
        assert response.status_code == 200
    assert len(ranked_ids(response)) == 50
    assert five.count == fifty.count


def test_the_backlog_shows_the_previous_rank_ranges_while_another_process_works_them_out(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    login_as(UserFactory(design_authority=True))
    _scored_backlog(3)
    page_before = page(client.get("/backlog/"))
    assert page_before.select_one("#ranges-recalculated") is None
    ranges = [cell.get_text(strip=True) for cell in page_before.select("td.rank-range")]
    assert ranges and all(text.startswith("Stays") or " to " in text for text in ranges)

    # A new improvement is scored, and another process has claimed the new ranges a moment ago.
    newest = ImprovementScoreFactory().improvement_id
    db_session.execute(
        update(SharedView).where(SharedView.name == "rank_ranges").values(claimed_at=datetime.now(UTC))
    )
    db_session.commit()
    response = client.get("/backlog/")
    shown = page(response)
    assert "being recalculated" in shown.select_one("#ranges-recalculated").get_text()
    row = shown.select_one(f'tr[data-id="{newest}"] td.rank-range')
    assert row is not None and row.get_text(strip=True) == "Being worked out"


def test_the_scoring_page_says_what_waits_for_other_members_and_why(
    client: FlaskClient, login_as: Any
) -> None:
    """ "0 to do" is explained: what the member sponsors, submitted or declared a conflict on is listed
    apart, each with the reason in plain words."""
    member = UserFactory(design_authority=True)
    ImprovementFactory(business_case=True, sponsor=member, title="Sponsored by me")
    conflicted = ImprovementFactory(business_case=True, title="My brother's team")
    ConflictDeclarationFactory(improvement=conflicted, user_id=member.id)
    login_as(member)
    shown = page(client.get("/scoring/"))
    assert shown.select_one("#to-do-count").get_text(strip=True) == "0 to do."
    left_out = " ".join(shown.select_one("#left-out").find_next("ul").get_text().split())
    assert "Sponsored by me: you sponsor it" in left_out
    assert "My brother's team: you declared a conflict" in left_out


def test_the_score_form_says_once_which_way_is_better(client: FlaskClient, login_as: Any) -> None:
    improvement = ImprovementFactory(business_case=True)
    login_as(UserFactory(design_authority=True))
    hints = [
        hint.get_text(" ", strip=True)
        for hint in page(client.get(f"/scoring/improvements/{improvement.id}")).select(".hint")
    ]
    assert any("A lower score is better." in hint for hint in hints)
    assert not [hint for hint in hints if hint.count("score is better") > 1]


def test_the_backlog_says_final_scores_rank_before_provisional_ones(
    client: FlaskClient, login_as: Any
) -> None:
    login_as(UserFactory(design_authority=True))
    said = page(client.get("/backlog/")).select_one("#final-first").get_text(" ", strip=True)
    assert "final score" in said and "above those with a provisional score" in said
