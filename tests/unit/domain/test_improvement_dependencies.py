"""Dependencies between improvements: where a needed one stands, the cycle rule (with a property test
that recording only what the rule allows never leaves a cycle), and the go-live criterion."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changeauth.domain.dependencies import (
    DependencyState,
    cycle_if_added,
    has_cycle,
    may_be_depended_on,
    path_between,
    state_of,
)
from changeauth.domain.gates import DEFAULT_GATE_CRITERIA, GateFacts, criteria_for, evaluate, unmet_musts
from changeauth.domain.lifecycle import Gate, Stage


@pytest.mark.parametrize(
    ("stage", "state"),
    [
        (Stage.IDEA, DependencyState.AWAITED),
        (Stage.APPROVED, DependencyState.AWAITED),
        (Stage.DELIVERY, DependencyState.AWAITED),
        (Stage.ON_HOLD, DependencyState.AWAITED),
        (Stage.REALISATION, DependencyState.DELIVERED),
        (Stage.CLOSED, DependencyState.DELIVERED),
        (Stage.DECLINED, DependencyState.STOPPED),
        (Stage.WITHDRAWN, DependencyState.STOPPED),
        (Stage.MERGED, DependencyState.STOPPED),
    ],
)
def test_delivered_means_past_go_live(stage: Stage, state: DependencyState) -> None:
    assert state_of(stage) is state
    assert may_be_depended_on(stage) is (state is not DependencyState.STOPPED)


class TestCycles:
    def test_needing_itself_is_a_cycle(self) -> None:
        assert cycle_if_added([], 1, 1) == [1, 1]

    def test_a_direct_cycle_is_named(self) -> None:
        assert cycle_if_added([(2, 1)], 1, 2) == [1, 2, 1]

    def test_a_long_cycle_is_named_by_its_shortest_chain(self) -> None:
        edges = [(2, 3), (3, 4), (4, 1), (2, 1)]
        assert cycle_if_added(edges, 1, 2) == [1, 2, 1]
        assert cycle_if_added([(2, 3), (3, 4), (4, 1)], 1, 2) == [1, 2, 3, 4, 1]

    def test_a_shared_need_is_no_cycle(self) -> None:
        # 1 and 2 both need 3; 1 needing 2 as well is a diamond, not a circle.
        assert cycle_if_added([(1, 3), (2, 3)], 1, 2) is None

    def test_path_between_follows_the_direction_of_need(self) -> None:
        graph = {1: {2}, 2: {3}}
        assert path_between(graph, 1, 3) == [1, 2, 3]
        assert path_between(graph, 3, 1) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 8), st.integers(1, 8)), max_size=40))
def test_recording_only_what_the_rule_allows_never_leaves_a_cycle(tries: list[tuple[int, int]]) -> None:
    edges: list[tuple[int, int]] = []
    for dependent, depends_on in tries:
        chain = cycle_if_added(edges, dependent, depends_on)
        if chain is None:
            edges.append((dependent, depends_on))
            assert not has_cycle(edges)
        else:
            # The chain the person is shown is a real circle: it starts and ends at the dependent one,
            # its first step is the new need and every later step an existing one.
            assert chain[0] == chain[-1] == dependent and chain[1] == depends_on
            assert all(step in edges for step in zip(chain[1:-1], chain[2:], strict=True))
            assert has_cycle([*edges, (dependent, depends_on)])


class TestGoLiveCriterion:
    def _unmet(self, *stages: str, route: str = "standard") -> list[str]:
        facts = GateFacts(today=date(2026, 12, 7), route=route, dependency_stages=stages)
        statuses = evaluate(criteria_for(Gate.G2, route, DEFAULT_GATE_CRITERIA), facts)
        return [code for code in unmet_musts(statuses) if code == "dependencies_delivered"]

    def test_it_is_a_must_at_go_live_only(self) -> None:
        gates = {spec.gate for spec in DEFAULT_GATE_CRITERIA if spec.check == "dependencies_delivered"}
        assert gates == {Gate.G2}

    def test_met_with_no_needs_or_all_delivered(self) -> None:
        assert self._unmet() == []
        assert self._unmet(Stage.REALISATION, Stage.CLOSED) == []

    @pytest.mark.parametrize("route", ["standard", "quick_win"])
    def test_blocks_while_one_is_awaited_or_stopped(self, route: str) -> None:
        assert self._unmet(Stage.REALISATION, Stage.DELIVERY, route=route) == ["dependencies_delivered"]
        assert self._unmet(Stage.DECLINED, route=route) == ["dependencies_delivered"]

    def test_says_why_in_words(self) -> None:
        facts = GateFacts(today=date(2026, 12, 7), dependency_stages=(Stage.DELIVERY, Stage.DECLINED))
        spec = [s for s in DEFAULT_GATE_CRITERIA if s.code == "dependencies_delivered"]
        (status,) = evaluate(spec, facts)
        assert not status.met
        assert status.detail == (
            "1 of the improvements it needs is not delivered yet; 1 was stopped and will not be delivered: "
            "the design authority removes that dependency or stops this work."
        )
