"""Tests for safe_next: a ``next`` parameter may only send someone to a path on this site (OUT-04)."""

from __future__ import annotations

import pytest

from changeauth.web.auth.redirects import safe_next

DEFAULT = "/default-landing"


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("//evil.com", id="protocol-relative"),
        pytest.param("////evil.com", id="many-slashes"),
        pytest.param("/\\evil.com", id="slash-backslash"),
        pytest.param("\\\\evil.com", id="double-backslash"),
        pytest.param("https:evil.com", id="scheme-no-slashes"),
        pytest.param("http:///evil.com", id="scheme-three-slashes"),
        pytest.param("/\t/evil.com", id="slash-tab-slash"),
        pytest.param("/\n/evil.com", id="slash-newline-slash"),
        pytest.param("/\r/evil.com", id="slash-cr-slash"),
        pytest.param("/\x7f/evil.com", id="slash-del-slash"),
        pytest.param("%2F%2Fevil.com", id="encoded-protocol-relative"),
        pytest.param("/%2Fevil.com", id="half-encoded-protocol-relative"),
        pytest.param("/%09/evil.com", id="encoded-tab"),
        pytest.param("javascript:alert(1)", id="javascript"),
        pytest.param("https://evil.com/x", id="absolute-url"),
        pytest.param("/%5Cevil.com", id="encoded-backslash"),
        pytest.param(" //evil.com", id="leading-space"),
        pytest.param("evil.com", id="bare-host"),
        pytest.param("improvements/5", id="relative-path"),
        pytest.param("", id="empty"),
        pytest.param(None, id="none"),
    ],
)
def test_safe_next_returns_default_when_target_unsafe(target: str | None) -> None:
    assert safe_next(target, DEFAULT) == DEFAULT


@pytest.mark.parametrize(
    "target",
    [
        "/",
        "/improvements/5",
        "/ideas/5",
        "/?page=2",
        "/improvements/?q=a%20b",
        "/improvements/5#comments",
        "/improvements/?q=http://example.org",
    ],
)
def test_safe_next_keeps_target_when_local_path(target: str) -> None:
    assert safe_next(target, DEFAULT) == target


def test_safe_next_returns_target_undecoded() -> None:
    # The caller redirects to exactly what was checked, not to a decoded variant.
    assert safe_next("/improvements/?q=a%2Fb", DEFAULT) == "/improvements/?q=a%2Fb"
