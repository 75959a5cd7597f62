"""Each API response is defined once, by its marshmallow schema dumping the object (docs/api.md): no view
builds the same shape again by hand in a ``…_json`` function, where a field added to one and not the
other would silently disagree with the OpenAPI document.

``NOT_YET_CONVERTED`` lists the builders still to go, and may only shrink."""

from __future__ import annotations

import re
from pathlib import Path

API = Path(__file__).resolve().parents[2] / "changeauth" / "web" / "api"
BUILDER = re.compile(r"^def (\w+_json)\(", re.MULTILINE)

# Empty: every answer is dumped by its schema. A builder may be listed only while it is being moved.
NOT_YET_CONVERTED: dict[str, set[str]] = {}


def builders() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted(API.glob("*.py")):
        names = set(BUILDER.findall(path.read_text(encoding="utf-8")))
        if names:
            found[path.name] = names
    return found


def test_no_view_builds_a_response_by_hand() -> None:
    new = {
        name: sorted(found - NOT_YET_CONVERTED.get(name, set()))
        for name, found in builders().items()
        if found - NOT_YET_CONVERTED.get(name, set())
    }
    assert not new, f"let the response schema dump the object instead of building a dict: {new}"


def test_the_list_only_names_builders_that_still_exist() -> None:
    gone = {
        name: sorted(listed - builders().get(name, set()))
        for name, listed in NOT_YET_CONVERTED.items()
        if listed - builders().get(name, set())
    }
    assert not gone, f"take these off NOT_YET_CONVERTED: {gone}"


def test_the_pattern_finds_a_builder() -> None:
    assert BUILDER.search("def _condition_json(condition: Condition) -> dict[str, Any]:")
    assert not BUILDER.search("    def _raw_load_json(self, req):")
