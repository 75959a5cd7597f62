"""The Scoring and backlog endpoints of the API (docs/api.md): shapes, status codes, error fields, blindness,
separation of duties, bad input that stores nothing, and the backlog's query count."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from changeauth.models import Assessment, ImprovementScore, ScoringScheme, User
from changeauth.services import scoring
from changeauth.services import users as user_service
from tests.factories import MIDDLING_SCORES, ConflictDeclarationFactory, ImprovementFactory, UserFactory
from tests.functional.test_scoring_pages import _scored_backlog

RULES = {"quorum": 3, "disagreement_threshold": 3}
BASE = "/api/v1"


def auth(user: User, session: Any) -> dict[str, str]:
    token, _ = user_service.issue_api_token(user, name="test", actor_id=user.id)
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def count(session: Any, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def values(sp: int, cn: int, tv: int, cx: int, rr: int, remit: bool = True) -> dict[str, Any]:
    return {
        "strategic_priority": sp,
        "customer_need": cn,
        "transaction_volume": tv,
        "complexity": cx,
        "reform_risk": rr,
        "within_remit": remit,
    }


class TestSchemes:
    def test_the_active_scheme(self, client: FlaskClient, db_session: Any) -> None:
        response = client.get(f"{BASE}/scoring-schemes/active", headers=auth(UserFactory(), db_session))
        assert response.status_code == 200
        body = response.get_json()
        assert (body["version"], body["score_quorum"], body["disagreement_threshold"]) == (1, 3, 3)
        first = body["criteria"][0]
        assert {k: first[k] for k in ("code", "kind", "weight", "direction")} == {
            "code": "strategic_priority",
            "kind": "should",
            "weight": 25.0,
            "direction": "higher_better",
        }
        assert sorted(first["descriptors"]) == ["0", "1", "2", "3", "4", "5"]
        assert body["criteria"][-1]["kind"] == "must" and body["criteria"][-1]["weight"] is None

    def test_an_admin_posts_a_new_active_version(self, client: FlaskClient, db_session: Any) -> None:
        headers = auth(UserFactory(admin=True), db_session)
        current = client.get(f"{BASE}/scoring-schemes/active", headers=headers).get_json()
        criteria = [{k: v for k, v in c.items() if v is not None} for c in current["criteria"]]
        criteria[1]["weight"] = 40
        response = client.post(
            f"{BASE}/scoring-schemes", headers=headers, json={"criteria": criteria, "activate": True}
        )
        assert response.status_code == 201
        body = response.get_json()
        assert (body["version"], body["status"], body["criteria"][1]["weight"]) == (2, "active", 40.0)
        assert client.get(f"{BASE}/scoring-schemes/active", headers=headers).get_json()["version"] == 2

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            (lambda c: c[2].update(code="strategic_priority"), "criteria.0"),
            (lambda c: c[1].update(weight=-5), "criteria.1"),
            (lambda c: [x.update(weight=0) for x in c if x["kind"] == "should"], "criteria"),
            (lambda c: c[0]["descriptors"].pop("3"), "criteria.0"),
            (lambda c: c[0].update(colour="blue"), "criteria.0.colour"),
            (lambda c: c[0].update(kind="maybe"), "criteria.0.kind"),
        ],
    )
    def test_bad_schemes_are_422_with_fields_and_store_nothing(
        self, client: FlaskClient, db_session: Any, change: Any, field: str
    ) -> None:
        headers = auth(UserFactory(admin=True), db_session)
        current = client.get(f"{BASE}/scoring-schemes/active", headers=headers).get_json()
        criteria = [{k: v for k, v in c.items() if v is not None} for c in current["criteria"]]
        change(criteria)
        response = client.post(
            f"{BASE}/scoring-schemes", headers=headers, json={"criteria": criteria, "activate": True}
        )
        assert response.status_code == 422
        error = response.get_json()["error"]
        assert error["code"] == "validation_failed" and field in error["fields"]
        assert count(db_session, ScoringScheme) == 1

    def test_only_admins_post_schemes(self, client: FlaskClient, db_session: Any) -> None:
        response = client.post(
            f"{BASE}/scoring-schemes",
            headers=auth(UserFactory(design_authority=True), db_session),
            json={"criteria": [], "activate": True},
        )
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"


class TestAssessments:
    def test_a_da_member_puts_and_revises_an_assessment(self, client: FlaskClient, db_session: Any) -> None:
        improvement = ImprovementFactory(business_case=True)
        headers = auth(UserFactory(design_authority=True), db_session)
        url = f"{BASE}/improvements/{improvement.id}/assessment"
        first = client.put(
            url, headers=headers, json={"scores": values(4, 3, 2, 1, 0), "rationale": "Evidence."}
        )
        assert first.status_code == 200
        body = first.get_json()
        assert (body["version"], body["scheme_version"], body["scores"]["within_remit"]) == (1, 1, True)
        revised = client.put(
            url,
            headers={**headers, "If-Match": '"1"'},
            json={"scores": values(5, 3, 2, 1, 0), "rationale": "More."},
        )
        assert revised.status_code == 200 and revised.get_json()["version"] == 2
        stale = client.put(
            url, headers=headers, json={"scores": values(1, 1, 1, 1, 1), "rationale": "x", "version": 1}
        )
        assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "version_conflict"

    @pytest.mark.parametrize(
        ("scores", "field"),
        [
            ({**MIDDLING_SCORES, "customer_need": 6}, "scores.customer_need"),
            ({**MIDDLING_SCORES, "customer_need": -1}, "scores.customer_need"),
            ({**MIDDLING_SCORES, "customer_need": 2.5}, "scores.customer_need"),
            ({**MIDDLING_SCORES, "customer_need": "3"}, "scores.customer_need"),
            ({**MIDDLING_SCORES, "customer_need": True}, "scores.customer_need"),
            ({k: v for k, v in MIDDLING_SCORES.items() if k != "complexity"}, "scores.complexity"),
            ({**MIDDLING_SCORES, "within_remit": 1}, "scores.within_remit"),
            ({**MIDDLING_SCORES, "bribery": 5}, "scores.bribery"),
        ],
    )
    def test_bad_scores_are_422_and_store_nothing(
        self, client: FlaskClient, db_session: Any, scores: dict[str, Any], field: str
    ) -> None:
        improvement = ImprovementFactory(business_case=True)
        response = client.put(
            f"{BASE}/improvements/{improvement.id}/assessment",
            headers=auth(UserFactory(design_authority=True), db_session),
            json={"scores": scores, "rationale": "Because."},
        )
        assert response.status_code == 422
        assert field in response.get_json()["error"]["fields"]
        assert count(db_session, Assessment) == 0 and count(db_session, ImprovementScore) == 0

    @pytest.mark.parametrize(
        "body", [{"rationale": "no scores"}, {"scores": MIDDLING_SCORES, "extra": 1}, {"scores": [1, 2]}]
    )
    def test_malformed_bodies_are_422(
        self, client: FlaskClient, db_session: Any, body: dict[str, Any]
    ) -> None:
        improvement = ImprovementFactory(business_case=True)
        response = client.put(
            f"{BASE}/improvements/{improvement.id}/assessment",
            headers=auth(UserFactory(design_authority=True), db_session),
            json=body,
        )
        assert response.status_code == 422

    @pytest.mark.parametrize("who", ["staff", "submitter", "owner", "conflicted"])
    def test_separation_of_duties_is_403(self, client: FlaskClient, db_session: Any, who: str) -> None:
        member = UserFactory(design_authority=who != "staff")
        improvement = ImprovementFactory(
            business_case=True,
            submitter=member if who == "submitter" else UserFactory(),
            owner=member if who == "owner" else UserFactory(manager=True),
        )
        if who == "conflicted":
            ConflictDeclarationFactory(improvement=improvement, user_id=member.id)
        response = client.put(
            f"{BASE}/improvements/{improvement.id}/assessment",
            headers=auth(member, db_session),
            json={"scores": MIDDLING_SCORES, "rationale": "r"},
        )
        assert response.status_code == 403
        assert count(db_session, Assessment) == 0

    def test_an_idea_cannot_be_scored_yet(self, client: FlaskClient, db_session: Any) -> None:
        response = client.put(
            f"{BASE}/improvements/{ImprovementFactory().id}/assessment",
            headers=auth(UserFactory(design_authority=True), db_session),
            json={"scores": MIDDLING_SCORES, "rationale": "r"},
        )
        assert response.status_code == 409 and response.get_json()["error"]["code"] == "invalid_transition"


class TestScore:
    def test_individual_assessments_only_after_submitting(self, client: FlaskClient, db_session: Any) -> None:
        improvement = ImprovementFactory(business_case=True)
        first, second = UserFactory(design_authority=True), UserFactory(design_authority=True)
        scoring.save_assessment(
            improvement.id, actor=first, scores=values(4, 3, 2, 1, 0), rationale="r", **RULES
        )
        url = f"{BASE}/improvements/{improvement.id}/score"
        headers = auth(second, db_session)
        before = client.get(url, headers=headers).get_json()
        assert "assessments" not in before
        # One scorer: a = 4, 3, 2, 4, 5 -> 100 + 75 + 40 + 60 + 75 = 350 -> 70.0
        assert (before["status"], before["scorers"], before["weighted_score"]) == ("provisional", 1, 70.0)
        # Blind scoring: the median only, never the spread, which on a small panel is everyone's score.
        assert before["criteria"][0] == {
            "code": "strategic_priority", "median": 4.0, "min": None, "max": None, "n": 1,
            "disagreement": None, "passes": None,
        }  # fmt: skip
        assert before["disagreement"] is None
        assert all(c["min"] is None and c["max"] is None and c["passes"] is None for c in before["criteria"])
        client.put(
            f"{BASE}/improvements/{improvement.id}/assessment",
            headers=headers,
            json={"scores": MIDDLING_SCORES, "rationale": "r"},
        )
        after = client.get(url, headers=headers).get_json()
        assert [a["assessor_id"] for a in after["assessments"]] == [first.id, second.id]
        assert (after["criteria"][0]["min"], after["criteria"][0]["max"]) == (3, 4)
        assert isinstance(after["disagreement"], bool)
        viewer = client.get(url, headers=auth(UserFactory(viewer=True), db_session)).get_json()
        assert len(viewer["assessments"]) == 2 and viewer["criteria"][0]["min"] == 3
        staff = client.get(url, headers=auth(UserFactory(), db_session)).get_json()
        assert "assessments" not in staff and staff["criteria"][0]["min"] is None

    def test_an_unscored_improvement(self, client: FlaskClient, db_session: Any) -> None:
        improvement = ImprovementFactory(business_case=True)
        body = client.get(
            f"{BASE}/improvements/{improvement.id}/score", headers=auth(UserFactory(), db_session)
        ).get_json()
        assert (body["status"], body["scorers"], body["weighted_score"], body["must_meet_passed"]) == (
            "unscored", 0, None, None
        )  # fmt: skip


class TestBacklog:
    def test_ranked_items_with_contributions_ranges_and_excluded(
        self, client: FlaskClient, db_session: Any
    ) -> None:
        members = [UserFactory(design_authority=True) for _ in range(3)]
        strong, weak, out = (ImprovementFactory(business_case=True) for _ in range(3))
        for member, remit in zip(members, (True, False, False), strict=True):
            scoring.save_assessment(
                strong.id, actor=member, scores=values(5, 5, 5, 0, 0), rationale="r", **RULES
            )
            scoring.save_assessment(
                weak.id, actor=member, scores=values(1, 1, 1, 5, 5), rationale="r", **RULES
            )
            scoring.save_assessment(
                out.id, actor=member, scores=values(5, 5, 5, 0, 0, remit), rationale="r", **RULES
            )
        body = client.get(f"{BASE}/backlog", headers=auth(UserFactory(), db_session)).get_json()
        ids = [item["id"] for item in body["items"]]
        assert ids.index(strong.id) < ids.index(weak.id) and out.id not in ids
        top = body["items"][ids.index(strong.id)]
        assert (top["weighted_score"], top["score_status"]) == (100.0, "final")
        assert top["contributions"] == {
            "strategic_priority": 25.0, "customer_need": 25.0, "transaction_volume": 20.0,
            "complexity": 15.0, "reform_risk": 15.0,
        }  # fmt: skip
        assert top["rank_range"] == [top["rank"], top["rank"]]
        assert body["excluded"] == [
            {
                "id": out.id,
                "ref": out.ref,
                "reason": "Fails 'Within the council's powers and remit': 1 of 3 members said it is met.",
            }
        ]
        assert body["total"] == len(ids) and body["page"] == 1

    def test_filters_and_bad_arguments(self, client: FlaskClient, db_session: Any) -> None:
        approved = ImprovementFactory(approved=True)
        ImprovementFactory(business_case=True)
        headers = auth(UserFactory(), db_session)
        body = client.get(f"{BASE}/backlog?stage=approved", headers=headers).get_json()
        assert [item["id"] for item in body["items"]] == [approved.id]
        assert client.get(f"{BASE}/backlog?page=0", headers=headers).status_code == 422

    def test_what_if_gives_each_rows_rank_change(self, client: FlaskClient, db_session: Any) -> None:
        members = [UserFactory(design_authority=True) for _ in range(3)]
        x, y = ImprovementFactory(business_case=True), ImprovementFactory(business_case=True)
        for member in members:
            scoring.save_assessment(x.id, actor=member, scores=values(5, 5, 0, 5, 5), rationale="r", **RULES)
            scoring.save_assessment(y.id, actor=member, scores=values(1, 0, 5, 0, 0), rationale="r", **RULES)
        response = client.post(
            f"{BASE}/backlog/what-if",
            headers=auth(UserFactory(design_authority=True), db_session),
            json={"weights": {"strategic_priority": 50}},
        )
        assert response.status_code == 200
        items = {item["id"]: item for item in response.get_json()["items"]}
        # X 50.0 -> 60.0 and up one; Y 55.0 -> 48.0 and down one (worked in the integration tests)
        assert (items[x.id]["weighted_score"], items[x.id]["rank_change"]) == (60.0, 1)
        assert (items[y.id]["weighted_score"], items[y.id]["rank_change"]) == (48.0, -1)

    @pytest.mark.parametrize(
        ("weights", "field"),
        [
            ({"customer_need": -1}, "weights.customer_need"),
            ({"customer_need": "lots"}, "weights.customer_need"),
            ({"customer_need": True}, "weights.customer_need"),
            (
                dict.fromkeys(
                    (
                        "strategic_priority",
                        "customer_need",
                        "transaction_volume",
                        "complexity",
                        "reform_risk",
                    ),
                    0,
                ),
                "weights",
            ),
            ({"nonsense": 3}, "weights.nonsense"),
        ],
    )
    def test_what_if_bad_weights_are_422(
        self, client: FlaskClient, db_session: Any, weights: dict[str, Any], field: str
    ) -> None:
        response = client.post(
            f"{BASE}/backlog/what-if",
            headers=auth(UserFactory(design_authority=True), db_session),
            json={"weights": weights},
        )
        assert response.status_code == 422
        assert field in response.get_json()["error"]["fields"]

    def test_staff_cannot_use_what_if(self, client: FlaskClient, db_session: Any) -> None:
        response = client.post(
            f"{BASE}/backlog/what-if", headers=auth(UserFactory(), db_session), json={"weights": {}}
        )
        assert response.status_code == 403


def test_the_backlog_api_sends_the_same_number_of_queries_for_5_and_50_rows(
    client: FlaskClient, db_session: Any, count_queries: Any
) -> None:
    headers = auth(UserFactory(), db_session)
    client.get(f"{BASE}/me", headers=headers)  # the token's first use is recorded once, outside the count
    _scored_backlog(5)
    with count_queries() as five:
        assert client.get(f"{BASE}/backlog?driver=channel_shift", headers=headers).status_code == 200
    _scored_backlog(45)
    with count_queries() as fifty:
        response = client.get(f"{BASE}/backlog?driver=channel_shift", headers=headers)
    assert len(response.get_json()["items"]) == 50
    assert five.count == fifty.count
