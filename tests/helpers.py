"""Helpers for reading pages in tests."""

from __future__ import annotations

import time
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


def form_values(response: Any, selector: str = "main form[method=post]") -> dict[str, Any]:
    """What a browser would send from a form as the page drew it: text inputs, the selected option of each
    select (or its first), the checked radios and tick boxes, and textareas. Lists for repeated names."""
    form = page(response).select_one(selector)
    assert form is not None, f"no form matching {selector!r} on the page"
    values: dict[str, Any] = {}

    def add(name: str, value: str) -> None:
        if name in values:
            existing = values[name]
            values[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            values[name] = value

    for control in form.select("input[name], select[name], textarea[name]"):
        name = str(control["name"])
        if control.name == "select":
            options = control.select("option")
            chosen = [o for o in options if o.has_attr("selected")] or options[:1]
            for option in chosen:
                add(name, str(option.get("value", option.get_text())))
        elif control.name == "textarea":
            add(name, control.get_text())
        elif control.get("type") in ("radio", "checkbox"):
            if control.has_attr("checked"):
                add(name, str(control.get("value", "on")))
        elif control.get("type") not in ("submit", "button", "file"):
            add(name, str(control.get("value", "")))
    return values


def sign_in_by_session(client: Any, user: Any) -> Any:
    """Sign ``user`` in by writing a complete session cookie: signed in now, seen now, past the second
    factor (only the sign-in tests go through the form)."""
    now = int(time.time())
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["_signed_in_at"] = now
        session["_last_seen"] = now
        session["_auth_at"] = now
        session["_2fa"] = True
    return user
