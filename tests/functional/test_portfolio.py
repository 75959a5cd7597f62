"""The portfolio optimiser through HTTP: a scenario run on the page and through the API, saved both
ways and compared; the agreed plan; delivery estimates; and every kind of bad input answered with a
clear message (422 with fields in the API), never a 500."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from changeauth.models import DerivedState, Improvement, ImprovementScore, PortfolioScenario, SharedView, User
from changeauth.services import users as user_service
from changeauth.web.shared_views import RUNS
from tests.factories import (
    BusinessCaseFactory,
    ImprovementFactory,
    ImprovementScoreFactory,
    PortfolioScenarioFactory,
    UserFactory,
)
from tests.helpers import field_errors, page

API = "/api/v1"


def auth(user: User, session: Any) -> dict[str, str]:
    token, _ = user_service.issue_api_token(user, name="test", actor_id=user.id)
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def scenario_count(session: Any) -> int:
    return session.scalar(select(func.count()).select_from(PortfolioScenario)) or 0


def candidates() -> dict[str, Improvement]:
    """Four candidates, each with the factory's case: £10,000 capital in year 0, £6,000 of benefit in
    years 1 and 2 (NPV £1,398.17). Statutory (40 points, 2 person-months), high (80, 6), mid (60, 3),
    low (20, 1). A budget of £30,000 buys three of them: statutory + high + mid = 180 points."""
    made = {}
    for name, score, months, mandatory in (
        ("statutory", 40, "2", True),
        ("high", 80, "6", False),
        ("mid", 60, "3", False),
        ("low", 20, "1", False),
    ):
        improvement = ImprovementFactory(
            approved=True,
            title=f"The {name} one",
            is_mandatory=mandatory,
            delivery_person_months=Decimal(months),
        )
        BusinessCaseFactory(improvement=improvement, status="approved")
        ImprovementScoreFactory(improvement=improvement, weighted_score=Decimal(score))
        made[name] = improvement
    return made


def run_args(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"budget_pence": "30,000", "objective": "score", "cost_basis": "first_year"}
    args.update(changes)
    return args


class TestAScenarioThroughThePageAndTheApi:
    def test_run_save_and_compare(self, client: FlaskClient, login_as: Any, db_session: Any) -> None:
        made = candidates()
        member = login_as(UserFactory(design_authority=True))

        # 1. On the page: £30,000 and no capacity limit.
        shown = page(client.get("/portfolio/", query_string=run_args()))
        selected = [int(row["data-id"]) for row in shown.select("#selected tbody tr")]
        assert selected == [made["high"].id, made["mid"].id, made["statutory"].id]
        totals = shown.select_one("#totals").get_text(" ", strip=True)
        assert "180 (weighted score)" in totals and "£30,000 of £30,000" in totals
        low = shown.select_one(f"#excluded tr[data-id='{made['low'].id}']")
        assert low["data-reason"] == "outvalued"
        assert "£10,000 more budget" in low.get_text(" ")
        waterline = shown.select_one("#waterline").get_text(" ", strip=True)
        assert made["low"].ref in waterline and f"displace {made['mid'].ref}" in waterline

        saved = client.post("/portfolio/scenarios", data={**run_args(), "name": "By score at £30k"})
        assert saved.status_code == 302
        by_page = page(client.get(saved.headers["Location"]))
        assert "By score at £30k" in by_page.select_one("h1").get_text()
        assert [int(r["data-id"]) for r in by_page.select("#selected tbody tr")] == selected

        # 2. Through the API: the same budget, at most 8 person-months, the high one left out.
        # Statutory (2) is fixed; mid (3) + low (1) fit in the 6 left: 40 + 60 + 20 = 120 points.
        headers = auth(member, db_session)
        body = {
            "budget_pence": 3_000_000,
            "capacity": 8,
            "objective": "score",
            "force_in": [],
            "force_out": [made["high"].id],
        }
        answer = client.post(f"{API}/portfolio/optimise", headers=headers, json=body).get_json()
        assert {row["id"] for row in answer["selected"]} == {
            made["statutory"].id,
            made["mid"].id,
            made["low"].id,
        }
        assert (answer["total_value"], answer["total_cost_pence"], answer["capacity_used"]) == (
            120.0,
            3_000_000,
            6.0,
        )
        assert {"id": made["high"].id, "reason": "forced_out"}.items() <= next(
            row for row in answer["excluded"] if row["id"] == made["high"].id
        ).items()
        created = client.post(
            f"{API}/portfolio/scenarios", headers=headers, json={**body, "name": "Without high"}
        )
        assert created.status_code == 201
        api_scenario = created.get_json()
        assert api_scenario["result"]["selected"] == answer["selected"]
        assert (api_scenario["selected_count"], api_scenario["agreed_at"]) == (len(answer["selected"]), None)
        assert api_scenario["created_by"] is not None

        # 3. Compare the two, on the page and through the API: high and low differ, the rest agree.
        first_id = int(saved.headers["Location"].rsplit("/", 1)[1])
        ids = [first_id, api_scenario["id"]]
        compared = page(client.get("/portfolio/compare", query_string={"ids": ids}))
        differing = {int(row["data-id"]) for row in compared.select("#items tr[data-differs]")}
        assert differing == {made["high"].id, made["low"].id}
        assert (
            "180" in compared.select_one("#totals").get_text()
            and "120" in compared.select_one("#totals").get_text()
        )
        via_api = client.get(f"{API}/portfolio/scenarios/compare", headers=headers, query_string={"ids": ids})
        items = {row["id"]: row for row in via_api.get_json()["items"]}
        assert items[made["high"].id]["selected_in"] == [first_id]
        assert items[made["low"].id]["selected_in"] == [api_scenario["id"]]
        assert items[made["statutory"].id] == {
            **items[made["statutory"].id],
            "selected_in": ids,
            "differs": False,
        }

        # 4. Agree the first on the page, then the second through the API: one agreed plan at a time.
        agreed = client.post(f"/portfolio/scenarios/{first_id}/agree", data={"version": "1"})
        assert agreed.status_code == 302
        listing = page(client.get("/portfolio/scenarios"))
        assert "Agreed plan" in listing.select_one(f"#scenarios tr[data-id='{first_id}']").get_text()
        switched = client.post(
            f"{API}/portfolio/scenarios/{api_scenario['id']}/agree",
            headers={**headers, "If-Match": '"1"'},
            json={},
        )
        assert switched.status_code == 200 and switched.get_json()["is_agreed"] is True
        assert switched.get_json()["agreed_at"] is not None
        listed = client.get(f"{API}/portfolio/scenarios", headers=headers).get_json()
        assert [(item["id"], item["is_agreed"]) for item in listed["items"]][0] == (api_scenario["id"], True)
        assert sum(item["is_agreed"] for item in listed["items"]) == 1


class TestThePage:
    def test_the_number_of_queries_does_not_grow_with_the_candidates(
        self, client: FlaskClient, login_as: Any, count_queries: Any
    ) -> None:
        candidates()
        login_as(UserFactory(design_authority=True))
        with count_queries() as few:
            assert client.get("/portfolio/", query_string=run_args()).status_code == 200
        candidates()
        with count_queries() as more:
            assert client.get("/portfolio/", query_string=run_args()).status_code == 200
        assert more.count == few.count

    def test_in_the_navigation_of_those_who_may_use_it(self, client: FlaskClient, login_as: Any) -> None:
        # The portfolio is one of the backlog group's pages, listed under the header on the backlog.
        login_as(UserFactory(viewer=True))
        assert page(client.get("/backlog/")).select_one("a[href='/portfolio/']") is not None
        login_as(UserFactory(manager=True))
        assert page(client.get("/backlog/")).select_one("a[href='/portfolio/']") is None
        assert client.get("/portfolio/").status_code == 403
        assert client.get("/portfolio/scenarios").status_code == 403

    def test_viewers_run_it_but_do_not_save(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        candidates()
        login_as(UserFactory(viewer=True))
        shown = page(client.get("/portfolio/", query_string=run_args()))
        assert shown.select_one("#selected") is not None
        assert shown.select_one("form[action='/portfolio/scenarios']") is None
        assert client.post("/portfolio/scenarios", data={**run_args(), "name": "Mine"}).status_code == 403
        assert scenario_count(db_session) == 0

    def test_no_candidates(self, client: FlaskClient, login_as: Any) -> None:
        login_as(UserFactory(design_authority=True))
        shown = page(client.get("/portfolio/"))
        assert "nothing to choose from" in shown.select_one("#no-candidates").get_text()
        response = client.get("/portfolio/", query_string=run_args())
        assert response.status_code == 422
        assert "nothing to choose from" in page(response).select_one(".error-summary").get_text()

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"budget_pence": ""}, "Enter the budget."),
            ({"budget_pence": "-5"}, "Enter an amount of £0 or more."),
            ({"budget_pence": "lots"}, "Enter the amount using numbers only, for example £1,234.50."),
            ({"capacity": "1.25"}, "Enter the number with no more than 1 decimal place."),
            ({"objective": "votes"}, "Not a valid choice."),
            ({"budget_pence": "1,000"}, "The statutory improvements alone cost £10,000: £9,000 more than"),
        ],
    )
    def test_bad_input_is_explained_next_to_its_field(
        self, client: FlaskClient, login_as: Any, changes: dict[str, str], message: str
    ) -> None:
        candidates()
        login_as(UserFactory(design_authority=True))
        response = client.get("/portfolio/", query_string=run_args(**changes))
        assert response.status_code == 422
        assert any(error.startswith(message) for error in field_errors(response)), field_errors(response)
        assert page(response).select_one("#selected") is None

    def test_an_improvement_forced_both_ways(self, client: FlaskClient, login_as: Any) -> None:
        made = candidates()
        login_as(UserFactory(design_authority=True))
        both = made["low"].id
        response = client.get("/portfolio/", query_string=run_args(force_in=both, force_out=both))
        assert response.status_code == 422
        assert f"Improvement {both} cannot be both forced in and forced out. Choose one." in field_errors(
            response
        )

    def test_a_duplicate_name_keeps_what_was_typed(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        candidates()
        login_as(UserFactory(design_authority=True))
        PortfolioScenarioFactory(name="Plan A")
        response = client.post("/portfolio/scenarios", data={**run_args(), "name": "plan a"})
        assert response.status_code == 422
        assert field_errors(response) == ["A scenario called “plan a” already exists. Choose another name."]
        shown = page(response)
        assert shown.select_one("input[name=name]")["value"] == "plan a"
        assert shown.select_one("#selected") is not None  # the run is still shown
        assert scenario_count(db_session) == 1

    def test_comparing_needs_two_to_four(self, client: FlaskClient, login_as: Any) -> None:
        login_as(UserFactory(viewer=True))
        only = PortfolioScenarioFactory()
        response = client.get("/portfolio/compare", query_string={"ids": [only.id]})
        assert response.status_code == 422
        assert "Choose between 2 and 4 scenarios to compare." in field_errors(response)
        missing = client.get("/portfolio/compare", query_string={"ids": [only.id, 999_999]})
        assert missing.status_code == 404

    def test_a_viewer_cannot_agree_a_plan(self, client: FlaskClient, login_as: Any, db_session: Any) -> None:
        scenario = PortfolioScenarioFactory()
        login_as(UserFactory(viewer=True))
        assert (
            page(client.get(f"/portfolio/scenarios/{scenario.id}")).select_one("form[action$='/agree']")
            is None
        )
        assert (
            client.post(f"/portfolio/scenarios/{scenario.id}/agree", data={"version": "1"}).status_code == 403
        )
        db_session.refresh(scenario)
        assert not scenario.is_agreed


def many_candidates(n: int) -> list[Improvement]:
    """``n`` approved candidates with the factory's case (£10,000 each) and scores of 1 to ``n`` points."""
    made = []
    for number in range(1, n + 1):
        improvement = ImprovementFactory(approved=True, delivery_person_months=Decimal(1))
        BusinessCaseFactory(improvement=improvement, status="approved")
        ImprovementScoreFactory(improvement=improvement, weighted_score=Decimal(number))
        made.append(improvement)
    return made


def rows(shown: Any, table: str) -> list[int]:
    return [int(row["data-id"]) for row in shown.select(f"#{table} tbody tr[data-id]")]


class TestManyCandidates:
    """At council scale the candidates come fifty to a page, with a search, and the answer's tables are
    paged too; every tick counts wherever its candidate is shown."""

    def test_a_page_of_candidates_with_the_choices_on_other_pages_kept(
        self, client: FlaskClient, login_as: Any
    ) -> None:
        made = many_candidates(55)
        login_as(UserFactory(design_authority=True))
        first, second = made[0], made[1]
        last = made[-1]
        args = run_args(budget_pence="100,000", force_in=[first.id, last.id], force_out=[second.id], page=2)
        shown = page(client.get("/portfolio/", query_string=args))

        assert rows(shown, "candidates") == [c.id for c in made[50:]]
        assert "Page 2 of 2" in shown.select_one("nav[aria-label='Pages of candidates']").get_text()
        # The choices for candidates on page 1 travel in hidden inputs, and are listed.
        hidden_in = {int(i["value"]) for i in shown.select("#kept-choices input[type=hidden][name=force_in]")}
        hidden_out = {
            int(i["value"]) for i in shown.select("#kept-choices input[type=hidden][name=force_out]")
        }
        assert (hidden_in, hidden_out) == ({first.id}, {second.id})
        kept = shown.select_one("#kept-choices").get_text(" ", strip=True)
        assert f"Always included: {first.ref}" in kept and f"Left out: {second.ref}" in kept
        # The choice for a candidate on this page is its ticked box, not a hidden input as well.
        box = shown.select_one(f"#candidates tr[data-id='{last.id}'] input[name=force_in]")
        assert box.has_attr("checked") and box["id"] == "force_in-4"
        assert not shown.select_one(f"#candidates tr[data-id='{last.id}'] input[name=force_out]").has_attr(
            "checked"
        )
        assert (
            shown.select_one("label[for='force_in-0']").get_text(strip=True)
            == f"Always include {made[50].ref}"
        )
        # The run counts every choice, and the save form carries every one of them.
        selected = rows(shown, "selected")
        assert first.id in selected and last.id in selected and second.id not in selected
        save = shown.select_one("form[action='/portfolio/scenarios']")
        assert sorted(int(i["value"]) for i in save.select("input[name=force_in]")) == sorted(
            [first.id, last.id]
        )
        assert [int(i["value"]) for i in save.select("input[name=force_out]")] == [second.id]

    def test_moving_between_pages_submits_the_ticks(self, client: FlaskClient, login_as: Any) -> None:
        many_candidates(51)
        login_as(UserFactory(design_authority=True))
        shown = page(client.get("/portfolio/"))
        assert len(rows(shown, "candidates")) == 50
        # The pager's buttons submit the optimiser's form, so boxes ticked on this page are kept.
        (button,) = shown.select("nav[aria-label='Pages of candidates'] button[name=page]")
        assert button["value"] == "2" and button.find_parent("form")["method"] == "get"
        assert button["formaction"].endswith("#candidates-heading")

    def test_moving_between_pages_before_a_budget_is_given_runs_nothing(
        self, client: FlaskClient, login_as: Any
    ) -> None:
        made = many_candidates(51)
        login_as(UserFactory(design_authority=True))
        response = client.get(
            "/portfolio/",
            query_string={"budget_pence": "", "objective": "score", "force_in": made[0].id, "page": "2"},
        )
        assert response.status_code == 200
        shown = page(response)
        assert shown.select_one(".error-summary") is None and shown.select_one("#selected") is None
        assert rows(shown, "candidates") == [made[50].id]
        assert [int(i["value"]) for i in shown.select("#kept-choices input[name=force_in]")] == [made[0].id]
        # Asked for without moving or searching, the same inputs are checked as before.
        refused = client.get("/portfolio/", query_string={"budget_pence": "", "objective": "score"})
        assert refused.status_code == 422 and "Enter the budget." in field_errors(refused)

    def test_searching_by_reference_or_title(self, client: FlaskClient, login_as: Any) -> None:
        made = many_candidates(3)
        named = ImprovementFactory(approved=True, title="Bulky  waste booking online")
        BusinessCaseFactory(improvement=named, status="approved")
        login_as(UserFactory(design_authority=True))
        by_title = page(client.get("/portfolio/", query_string={"q": "WASTE booking", "search": "1"}))
        assert rows(by_title, "candidates") == [named.id]
        assert "1 candidate matches" in by_title.select_one("#shown-count").get_text()
        by_ref = page(
            client.get("/portfolio/", query_string={"q": made[1].ref.lower(), "force_out": made[0].id})
        )
        assert rows(by_ref, "candidates") == [made[1].id]
        assert [int(i["value"]) for i in by_ref.select("#kept-choices input[name=force_out]")] == [made[0].id]
        none = page(client.get("/portfolio/", query_string={"q": "no such thing", "search": "1"}))
        assert rows(none, "candidates") == []
        assert "No candidate matches ‘no such thing’." in none.select_one("#candidates tbody").get_text()

    def test_errors_about_the_ticks_link_to_a_box_that_is_shown(
        self, client: FlaskClient, login_as: Any
    ) -> None:
        made = many_candidates(55)
        login_as(UserFactory(design_authority=True))
        both = made[0].id  # on page 1, while page 2 is shown
        response = client.get("/portfolio/", query_string=run_args(force_in=both, force_out=both, page=2))
        assert response.status_code == 422
        shown = page(response)
        links = [a["href"] for a in shown.select(".error-summary a")]
        assert links == ["#force_in-0", "#force_out-0"]
        assert shown.select_one("#force_in-0") is not None and shown.select_one("#force_out-0") is not None
        assert shown.select_one("#force_in-0")["aria-describedby"] == "force_in-error"
        # With no box shown (a search that finds nothing), the links go to the messages instead.
        nothing = page(
            client.get("/portfolio/", query_string=run_args(force_in=both, force_out=both, q="no such thing"))
        )
        targets = [a["href"] for a in nothing.select(".error-summary a")]
        assert targets == ["#force_in-error", "#force_out-error"]
        assert all(nothing.select_one(target) is not None for target in targets)

    def test_ids_that_are_not_candidates_are_refused(self, client: FlaskClient, login_as: Any) -> None:
        many_candidates(2)
        not_a_candidate = ImprovementFactory(business_case=True).id  # no case yet
        login_as(UserFactory(design_authority=True))
        response = client.get("/portfolio/", query_string=run_args(force_in=[not_a_candidate]))
        assert response.status_code == 422
        assert f"'{not_a_candidate}' is not a valid choice for this field." in field_errors(response)
        assert page(response).select_one("#kept-choices") is None  # nothing to keep for it

    def test_the_answer_is_paged_keeping_the_run(self, client: FlaskClient, login_as: Any) -> None:
        made = many_candidates(60)
        login_as(UserFactory(design_authority=True))
        forced_out = made[-1].id
        args = run_args(budget_pence="1,000,000", force_out=forced_out)
        shown = page(client.get("/portfolio/", query_string=args))
        assert "59 of 60 candidates" in shown.select_one("#totals").get_text(" ", strip=True)
        first_page = rows(shown, "selected")
        assert len(first_page) == 50
        link = shown.select_one("nav[aria-label='Pages of the selected improvements'] a[rel=next]")
        assert "force_out=" + str(forced_out) in link["href"] and link["href"].endswith("#selected-heading")
        second = page(client.get(link["href"]))
        assert len(rows(second, "selected")) == 9 and not set(rows(second, "selected")) & set(first_page)
        assert rows(second, "excluded") == [forced_out]

    def test_a_saved_scenarios_answer_is_paged_too(self, client: FlaskClient, login_as: Any) -> None:
        many_candidates(55)
        login_as(UserFactory(design_authority=True))
        saved = client.post(
            "/portfolio/scenarios", data={**run_args(budget_pence="1,000,000"), "name": "All"}
        )
        shown = page(client.get(saved.headers["Location"]))
        assert len(rows(shown, "selected")) == 50
        link = shown.select_one("nav[aria-label='Pages of the selected improvements'] a[rel=next]")
        assert link["href"] == f"{saved.headers['Location']}?selected_page=2#selected-heading"
        assert len(rows(page(client.get(link["href"])), "selected")) == 5

    def test_the_number_of_queries_does_not_grow_with_pages_of_candidates(
        self, client: FlaskClient, login_as: Any, count_queries: Any
    ) -> None:
        made = many_candidates(55)
        login_as(UserFactory(design_authority=True))
        args = run_args(budget_pence="100,000", force_in=made[0].id, page=2)
        counts, reading_cases = [], []
        for _ in range(2):
            for _request in ("after a change", "repeated"):
                with count_queries() as counter:
                    assert client.get("/portfolio/", query_string=args).status_code == 200
                counts.append(counter.count)
                reading_cases.append(sum("business_case" in statement for statement in counter.statements))
            many_candidates(55)
        assert counts[:2] == counts[2:]
        # The candidates are read after a change (four of their five queries read the cases), and then
        # kept, with the run's answer, until the next change.
        assert reading_cases == [4, 0, 4, 0]


class TestDeliveryEstimates:
    def test_the_owner_records_it_from_the_improvement_page(
        self, client: FlaskClient, login_as: Any, db_session: Any
    ) -> None:
        improvement = ImprovementFactory(approved=True)
        login_as(improvement.owner)
        detail = page(client.get(f"/improvements/{improvement.id}"))
        link = detail.select_one(f"a[href='/portfolio/estimates/{improvement.id}']")
        assert link is not None
        refused = client.post(link["href"], data={"delivery_person_months": "-2", "version": "1"})
        assert refused.status_code == 422
        assert field_errors(refused) == ["Enter a number of 0 or more."]
        done = client.post(link["href"], data={"delivery_person_months": "4.5", "version": "1"})
        assert done.status_code == 302 and done.headers["Location"].endswith(
            f"/improvements/{improvement.id}"
        )
        db_session.refresh(improvement)
        assert improvement.delivery_person_months == Decimal("4.5")

    def test_a_stale_version_is_a_conflict(self, client: FlaskClient, login_as: Any, db_session: Any) -> None:
        improvement = ImprovementFactory(approved=True, version=3)
        login_as(UserFactory(design_authority=True))
        response = client.post(
            f"/portfolio/estimates/{improvement.id}?back=portfolio",
            data={"delivery_person_months": "2", "version": "2"},
        )
        assert response.status_code == 409
        db_session.refresh(improvement)
        assert improvement.delivery_person_months is None

    def test_others_see_no_link_and_may_not(self, client: FlaskClient, login_as: Any) -> None:
        improvement = ImprovementFactory(approved=True)
        login_as(UserFactory())
        assert (
            page(client.get(f"/improvements/{improvement.id}")).select_one("a[href^='/portfolio/']") is None
        )
        assert client.get(f"/portfolio/estimates/{improvement.id}").status_code == 403


class TestTheApi:
    def test_the_answer_has_the_contracts_fields(self, client: FlaskClient, db_session: Any) -> None:
        made = candidates()
        headers = auth(UserFactory(admin=True), db_session)
        body = {"budget_pence": 3_000_000, "objective": "npv", "force_in": [], "force_out": []}
        response = client.post(f"{API}/portfolio/optimise", headers=headers, json=body)
        assert response.status_code == 200
        answer = response.get_json()
        assert {"selected", "excluded", "total_cost_pence", "total_value", "waterline"} <= set(answer)
        assert {"id", "cost_pence", "value"} <= set(answer["selected"][0])
        assert {"id", "reason"} <= set(answer["excluded"][0])
        # Every case has the same NPV, 139,817 pence; three of the four fit: 3 x 139,817 = 419,451.
        assert (answer["total_value"], answer["total_cost_pence"]) == (419_451, 3_000_000)
        assert all(row["value"] == 139_817 for row in answer["selected"])
        assert made["statutory"].id in {row["id"] for row in answer["selected"]}

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"objective": "score"}, "budget_pence"),
            ({"budget_pence": -100, "objective": "score"}, "budget_pence"),
            ({"budget_pence": "100", "objective": "score"}, "budget_pence"),
            ({"budget_pence": 10.5, "objective": "score"}, "budget_pence"),
            ({"budget_pence": 100}, "objective"),
            ({"budget_pence": 100, "objective": "votes"}, "objective"),
            ({"budget_pence": 100, "objective": "score", "cost_basis": "yearly"}, "cost_basis"),
            ({"budget_pence": 100, "objective": "score", "capacity": -1}, "capacity"),
            ({"budget_pence": 100, "objective": "score", "capacity": 2.25}, "capacity"),
            ({"budget_pence": 100, "objective": "score", "capacity": "many"}, "capacity"),
            ({"budget_pence": 100, "objective": "score", "force_in": ["x"]}, "force_in.0"),
            ({"budget_pence": 100, "objective": "score", "force_in": [999_999]}, "force_in"),
            ({"budget_pence": 100, "objective": "score", "force_in": [1], "force_out": [1]}, "force_out"),
            ({"budget_pence": 100, "objective": "score", "colour": "blue"}, "colour"),
        ],
    )
    def test_bad_input_is_422_with_fields(
        self, client: FlaskClient, db_session: Any, body: dict[str, Any], field: str
    ) -> None:
        candidates()
        headers = auth(UserFactory(design_authority=True), db_session)
        response = client.post(f"{API}/portfolio/optimise", headers=headers, json=body)
        assert response.status_code == 422
        error = response.get_json()["error"]
        assert error["code"] == "validation_failed" and field in error["fields"]

    def test_statutory_improvements_over_the_budget(self, client: FlaskClient, db_session: Any) -> None:
        candidates()
        headers = auth(UserFactory(design_authority=True), db_session)
        body = {"budget_pence": 600_000, "objective": "score"}
        error = client.post(f"{API}/portfolio/optimise", headers=headers, json=body).get_json()["error"]
        assert error["fields"]["budget_pence"] == [
            "The statutory improvements alone cost £10,000: £4,000 more than the budget of £6,000. "
            "Raise the budget by at least £4,000."
        ]

    def test_no_candidates(self, client: FlaskClient, db_session: Any) -> None:
        headers = auth(UserFactory(viewer=True), db_session)
        response = client.post(
            f"{API}/portfolio/optimise", headers=headers, json={"budget_pence": 1, "objective": "npv"}
        )
        assert response.status_code == 422
        assert "nothing to choose from" in response.get_json()["error"]["message"]

    def test_malformed_json_and_the_wrong_role(self, client: FlaskClient, db_session: Any) -> None:
        headers = auth(UserFactory(design_authority=True), db_session)
        broken = client.post(
            f"{API}/portfolio/optimise", headers={**headers, "Content-Type": "application/json"}, data="{"
        )
        assert broken.status_code == 400
        staff = auth(UserFactory(manager=True), db_session)
        body = {"budget_pence": 1, "objective": "npv"}
        assert client.post(f"{API}/portfolio/optimise", headers=staff, json=body).status_code == 403
        assert client.get(f"{API}/portfolio/scenarios", headers=staff).status_code == 403

    def test_scenarios_read_and_agree(self, client: FlaskClient, db_session: Any) -> None:
        scenario = PortfolioScenarioFactory()
        viewer = auth(UserFactory(viewer=True), db_session)
        read = client.get(f"{API}/portfolio/scenarios/{scenario.id}", headers=viewer).get_json()
        assert (read["name"], read["is_agreed"], read["result"]["total_cost_pence"]) == (
            scenario.name,
            False,
            0,
        )
        assert (
            client.post(
                f"{API}/portfolio/scenarios/{scenario.id}/agree", headers=viewer, json={"version": 1}
            ).status_code
            == 403
        )
        member = auth(UserFactory(design_authority=True), db_session)
        stale = client.post(
            f"{API}/portfolio/scenarios/{scenario.id}/agree", headers=member, json={"version": 5}
        )
        assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "version_conflict"
        ok = client.post(
            f"{API}/portfolio/scenarios/{scenario.id}/agree", headers=member, json={"version": 1}
        )
        assert ok.status_code == 200 and ok.get_json()["version"] == 2
        again = client.post(
            f"{API}/portfolio/scenarios/{scenario.id}/agree", headers=member, json={"version": 2}
        )
        assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_exists"
        assert client.get(f"{API}/portfolio/scenarios/999999", headers=viewer).status_code == 404
        one = client.get(
            f"{API}/portfolio/scenarios/compare", headers=viewer, query_string={"ids": [scenario.id]}
        )
        assert one.status_code == 422 and "ids" in one.get_json()["error"]["fields"]

    def test_a_duplicate_scenario_name_is_409(self, client: FlaskClient, db_session: Any) -> None:
        candidates()
        PortfolioScenarioFactory(name="Plan A")
        headers = auth(UserFactory(design_authority=True), db_session)
        body = {"name": "PLAN A", "budget_pence": 100, "objective": "score"}
        response = client.post(f"{API}/portfolio/scenarios", headers=headers, json=body)
        assert response.status_code == 409 and response.get_json()["error"]["code"] == "already_exists"
        assert scenario_count(db_session) == 1

    def test_the_delivery_estimate_through_patch(self, client: FlaskClient, db_session: Any) -> None:
        improvement = ImprovementFactory(approved=True)
        owner = auth(improvement.owner, db_session)
        url = f"{API}/improvements/{improvement.id}"
        done = client.patch(url, headers=owner, json={"delivery_person_months": 6.5, "version": 1})
        assert done.status_code == 200 and done.get_json()["delivery_person_months"] == 6.5
        refused = client.patch(url, headers=owner, json={"delivery_person_months": -1, "version": 2})
        assert (
            refused.status_code == 422 and "delivery_person_months" in refused.get_json()["error"]["fields"]
        )
        other = auth(UserFactory(manager=True), db_session)
        assert (
            client.patch(url, headers=other, json={"delivery_person_months": 1, "version": 2}).status_code
            == 403
        )


class TestSharedForEveryProcess:
    """The candidates and each run's answer are worked out once per change for every process and kept as
    JSON (issue 22): another process shows them without reading the business cases or solving again; a
    change is seen on the writer's next page; answers of an earlier state are dropped."""

    def test_another_process_shows_the_run_without_working_it_out(
        self, client: FlaskClient, login_as: Any, db_session: Any, monkeypatch: Any
    ) -> None:
        from changeauth.queries import portfolio as portfolio_queries
        from changeauth.services import optimiser

        made = candidates()
        login_as(UserFactory(design_authority=True))
        first = page(client.get("/portfolio/", query_string=run_args()))
        loads: list[int] = []
        solves: list[int] = []
        real_load, real_solve = portfolio_queries.load_candidates, optimiser.optimise
        monkeypatch.setattr(portfolio_queries, "load_candidates", lambda: loads.append(1) or real_load())
        monkeypatch.setattr(optimiser, "optimise", lambda *a, **k: solves.append(1) or real_solve(*a, **k))
        parsed: list[int] = []
        real_parse = portfolio_queries.candidates_from_json
        monkeypatch.setattr(
            portfolio_queries, "candidates_from_json", lambda text: parsed.append(1) or real_parse(text)
        )
        again = page(client.get("/portfolio/", query_string=run_args()))
        assert (loads, solves) == ([], [])
        assert parsed == [1]  # the kept candidates are read once per request, the kept answer as it is
        assert [r["data-id"] for r in again.select("#selected tbody tr")] == [
            r["data-id"] for r in first.select("#selected tbody tr")
        ]
        kept = db_session.scalars(select(SharedView.name).where(SharedView.name.like("portfolio:%"))).all()
        assert "portfolio:candidates" in kept and sum(name.startswith(RUNS) for name in kept) == 1

        # The low one's score rises above the rest: the writer's next run has it, worked out once.
        score = db_session.scalar(
            select(ImprovementScore).where(ImprovementScore.improvement_id == made["low"].id)
        )
        score.weighted_score = Decimal(95)
        db_session.commit()
        changed = page(client.get("/portfolio/", query_string=run_args()))
        assert made["low"].id in [int(r["data-id"]) for r in changed.select("#selected tbody tr")]
        assert len(solves) == 1
        # A run with other inputs is kept beside it; the answer of the earlier state is gone.
        page(client.get("/portfolio/", query_string=run_args(budget_pence="20,000")))
        runs = db_session.scalars(
            select(SharedView.computed_for).where(SharedView.name.like(RUNS + "%"))
        ).all()
        token = db_session.scalar(select(DerivedState.token).where(DerivedState.name == "portfolio"))
        assert runs == [token, token]

    def test_candidates_come_back_from_json_as_they_were(self, db_session: Any) -> None:
        from changeauth.queries import portfolio as portfolio_queries

        candidates()
        loaded = tuple(portfolio_queries.load_candidates())
        assert (
            loaded
            and portfolio_queries.candidates_from_json(portfolio_queries.candidates_json(loaded)) == loaded
        )
