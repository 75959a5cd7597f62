"""The per-process cache of derived views when several threads of a worker miss the same view at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from changeauth.queries import derived


@pytest.fixture
def tokens(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    current = {"backlog": "t1"}
    monkeypatch.setattr(derived, "view_token", lambda view: current[view])
    monkeypatch.setattr(derived, "_slot", lambda view, key: ("test", view, key))
    derived._results.clear()
    yield current
    derived._results.clear()


def test_threads_missing_together_compute_once(tokens: dict[str, str]) -> None:
    computed: list[int] = []
    start = threading.Barrier(4)
    answers: list[object] = []

    def slow() -> object:
        computed.append(1)
        time.sleep(0.2)
        return object()

    def ask() -> None:
        start.wait()
        answers.append(derived.cached("backlog", "ranking", slow))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(computed) == 1
    assert len({id(answer) for answer in answers}) == 1


def test_a_new_token_computes_afresh(tokens: dict[str, str]) -> None:
    first = derived.cached("backlog", "ranking", object)
    assert derived.cached("backlog", "ranking", object) is first
    tokens["backlog"] = "t2"
    assert derived.cached("backlog", "ranking", object) is not first


def test_refused_runs_leave_nothing_behind(tokens: dict[str, str]) -> None:
    """A computation that raises (a refused portfolio run, say) keeps no lock for its key."""

    def refuse() -> object:
        raise ValueError("refused")

    for budget in range(200):
        with pytest.raises(ValueError, match="refused"):
            derived.cached("backlog", ("portfolio", budget), refuse)
    derived.cached("backlog", "ranking", object)
    assert len(derived._computing) == 0
