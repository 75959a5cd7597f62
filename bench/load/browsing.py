"""What the simulated people need from a browser: form fields, links, cookies and authenticator codes.

Plain Python and requests, no locust, so the tests can check it without gevent's monkey-patching.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from http.cookiejar import Cookie
from typing import Any

from requests.cookies import RequestsCookieJar

TOTP_STEP_SECONDS = 30


class ProxiedHttpsCookieJar(RequestsCookieJar):
    """Sends the ``Secure`` session cookie over plain HTTP.

    In production TLS ends at a proxy in front of gunicorn. The load generator stands in for that proxy
    and talks HTTP to gunicorn, so the cookie must travel on that hop as it would from the proxy.
    """

    def set_cookie(self, cookie: Cookie, *args: Any, **kwargs: Any) -> None:
        cookie.secure = False
        super().set_cookie(cookie, *args, **kwargs)


class FormFields(HTMLParser):
    """The named fields of a page: input values, the values of each group of checkboxes or radio buttons,
    select options."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.checkboxes: dict[str, list[str]] = {}
        self.radios: dict[str, list[str]] = {}
        self.options: dict[str, list[str]] = {}
        self._select: str | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        name = attributes.get("name", "")
        if tag == "input" and name:
            if attributes.get("type") == "checkbox":
                self.checkboxes.setdefault(name, []).append(attributes.get("value", "y"))
            elif attributes.get("type") == "radio":
                self.radios.setdefault(name, []).append(attributes.get("value", "on"))
            else:
                self.values.setdefault(name, attributes.get("value", ""))
        elif tag == "select":
            self._select = name
            self.options.setdefault(name, [])
        elif tag == "option" and self._select:
            self.options[self._select].append(attributes.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page; ValueError if there is none."""
    token = FormFields(html).values.get("csrf_token")
    if not token:
        raise ValueError("the page has no CSRF token")
    return token


def ids_in(html: str, pattern: re.Pattern[str]) -> list[int]:
    """Distinct ids captured by ``pattern`` (one group of digits), in the order they appear."""
    return list(dict.fromkeys(int(found) for found in pattern.findall(html)))


def totp_step(now: float, last_used: int | None) -> tuple[int, float]:
    """The TOTP step to sign in with, and how many seconds to wait before sending its code.

    The server accepts the codes of the previous, current and next steps, and each step only once per
    account and only after the last one used. So: the current step, or the one after the last used; if
    that is more than one step ahead, wait until the server's clock makes it the next step.
    """
    current = int(now) // TOTP_STEP_SECONDS
    step = current if last_used is None else max(current, last_used + 1)
    if step <= current + 1:
        return step, 0.0
    return step, (step - 1) * TOTP_STEP_SECONDS - now + 0.5
