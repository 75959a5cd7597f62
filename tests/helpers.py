"""Helpers for reading pages in tests."""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup


def page(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def field_errors(response: Any) -> list[str]:
    return [
        p.get_text(" ", strip=True).removeprefix("Error: ") for p in page(response).select(".error-message")
    ]


def csrf_token(response: Any) -> str:
    tag = page(response).select_one("input[name=csrf_token]")
    assert tag is not None, "no CSRF token on the page"
    return str(tag["value"])
