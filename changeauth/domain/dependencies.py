"""Dependencies between improvements: one needs another delivered first.

Pure rules, no database: where a depended-on improvement stands (delivered, awaited, or never to be
delivered), and whether a new dependency would close a cycle (A needs B, B needs C, C needs A), which
is refused because none of them could then ever go live. "Delivered" means past its go-live gate (G2):
realising benefits or closed. docs/gates.md#dependencies-between-improvements gives the practice.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum

from changeauth.domain.lifecycle import Stage

REASON_MAX = 2000

# Past G2 (go-live): what it delivers is in use.
DELIVERED_STAGES = frozenset({Stage.REALISATION, Stage.CLOSED})
# Stopped, withdrawn or folded into other work: it will never be delivered as itself.
NEVER_DELIVERED_STAGES = frozenset({Stage.DECLINED, Stage.WITHDRAWN, Stage.MERGED})


class DependencyState(StrEnum):
    """Where the improvement depended on stands, for the one that needs it."""

    DELIVERED = "delivered"
    AWAITED = "awaited"
    STOPPED = "stopped"

    @property
    def is_delivered(self) -> bool:
        return self is DependencyState.DELIVERED

    @property
    def is_stopped(self) -> bool:
        return self is DependencyState.STOPPED

    @property
    def label(self) -> str:
        return {
            "delivered": "Delivered",
            "awaited": "Not delivered yet",
            "stopped": "Will not be delivered",
        }[self.value]


def state_of(stage: str) -> DependencyState:
    """Delivered once past go-live; stopped when declined, withdrawn or merged; awaited otherwise."""
    if stage in DELIVERED_STAGES:
        return DependencyState.DELIVERED
    if stage in NEVER_DELIVERED_STAGES:
        return DependencyState.STOPPED
    return DependencyState.AWAITED


def may_be_depended_on(stage: str) -> bool:
    """A dependency on work that will never be delivered could never be met, so it is not recorded."""
    return stage not in NEVER_DELIVERED_STAGES


def needs_from(edges: Iterable[tuple[int, int]]) -> dict[int, set[int]]:
    """Each improvement's direct needs, from ``(dependent, depends_on)`` pairs."""
    graph: dict[int, set[int]] = {}
    for dependent, depends_on in edges:
        graph.setdefault(dependent, set()).add(depends_on)
    return graph


def path_between(graph: Mapping[int, Iterable[int]], start: int, goal: int) -> list[int] | None:
    """The shortest chain of needs from ``start`` to ``goal`` (both included), or None when there is
    none. Breadth first, so the chain a person is shown is the shortest one."""
    came_from: dict[int, int | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            chain = [node]
            while (previous := came_from[chain[-1]]) is not None:
                chain.append(previous)
            return chain[::-1]
        for following in sorted(graph.get(node, ())):
            if following not in came_from:
                came_from[following] = node
                queue.append(following)
    return None


def reachable(graph: Mapping[int, Iterable[int]], start: int) -> set[int]:
    """Every improvement ``start`` needs, directly or through others (``start`` itself included)."""
    seen = {start}
    queue = deque([start])
    while queue:
        for following in graph.get(queue.popleft(), ()):
            if following not in seen:
                seen.add(following)
                queue.append(following)
    return seen


def cycle_if_added(edges: Iterable[tuple[int, int]], dependent: int, depends_on: int) -> Sequence[int] | None:
    """The cycle that ``dependent`` needing ``depends_on`` would close, as the chain of improvements
    from ``dependent`` round to itself; None when the new dependency leaves no cycle. Needing itself is
    the shortest cycle."""
    if dependent == depends_on:
        return [dependent, dependent]
    back = path_between(needs_from(edges), depends_on, dependent)
    return None if back is None else [dependent, *back]


def has_cycle(edges: Iterable[tuple[int, int]]) -> bool:
    """Whether any improvement needs itself through a chain of needs (a check for tests and repairs)."""
    graph = needs_from(edges)
    return any(
        path_between(graph, following, node) is not None
        for node, needs in graph.items()
        for following in needs
    )
