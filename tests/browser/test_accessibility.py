"""WCAG 2.2 AA in a real browser: axe-core scans every page each role can open and every form's error
state, and every page reflows without a horizontal scroll bar at 320 CSS pixels and at 200 % zoom.

Each role opens every page it may (so access is checked for every role), but a page whose main content
has exactly the markup another role's scan already checked is not scanned again: only the navigation
around it differs, and each role's navigation is scanned in full on its Home page and its 404 page. The
pages are scanned in parts, each part a set of pages opened by every role in turn, so that xdist can
spread the parts over its workers while a page's roles stay together (what was scanned is kept per page).

axe-core comes from the axe-playwright-python package (its bundled ``axe.min.js``, nothing downloaded)
and is evaluated through Playwright, which the app's Content-Security-Policy does not block, so the
pages are scanned exactly as served. 200 % zoom of the 1280-pixel window is emulated as a 640 CSS pixel
wide viewport: zooming in is, for layout, the same as a narrower window.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from importlib.resources import files
from typing import Any

import pytest

from changeauth.devtools.demo_data import DEMO_PASSWORD
from tests.browser.accessibility_plan import (
    AXE_TAGS,
    FORM_CASES,
    NO_ERROR_STATE,
    NOT_PAGES,
    ROLE_ACCOUNTS,
    ROLES,
    SIGNED_OUT_PAGES,
    FormCase,
    demo_samples,
    expected_openers,
    html_get_endpoints,
    page_routes,
    page_urls,
    post_page_endpoints,
)
from tests.functional.routes import ROUTES, url_for_route

AXE_SOURCE = files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
DESKTOP = {"width": 1280, "height": 900}
ZOOM_200 = {"width": 640, "height": 450}
REFLOW = {"width": 320, "height": 256}

Violation = dict[str, Any]

# The markup as served does not depend on the database: CI runs this on SQLite only.
pytestmark = pytest.mark.markup


# Rules whose outcome changes with the width of the window, run again at 320 pixels: a table that scrolls
# sideways there must be reachable by keyboard, and targets must keep their size and spacing.
NARROW_RULES = ("scrollable-region-focusable", "target-size")


def axe_violations(page: Any, rules: tuple[str, ...] = ()) -> list[Violation]:
    """Run axe-core on the page as it is now (every WCAG A and AA rule, or only ``rules``); one entry per
    rule broken, with where."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    run_only = {"type": "rule", "values": list(rules)} if rules else {"type": "tag", "values": list(AXE_TAGS)}
    result = page.evaluate(
        """runOnly => axe.run(document, {runOnly: runOnly, resultTypes: ["violations"]})""", run_only
    )
    return [
        {
            "url": page.url,
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"][:5]],
            "summary": violation["nodes"][0].get("failureSummary", "")[:300],
        }
        for violation in result["violations"]
    ]


OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  // For the message only: name the elements that stick out, leaving out those inside a scrolling box.
  const clipped = el => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0 && !clipped(el)) {
      const classes = typeof el.className === "string" && el.className.trim()
        ? "." + el.className.trim().split(/\\s+/).join(".") : "";
      const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + classes;
      out.push(name + " right=" + Math.round(box.right));
    }
  }
  return out.length ? out.slice(0, 5) : ["document scrollWidth=" + document.documentElement.scrollWidth];
}"""


NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => done()))"


def reflow_problems(page: Any) -> list[str]:
    """Widths at which the document scrolls sideways (with the first elements sticking out), and what the
    width-dependent rules find at 320 pixels."""
    problems = []
    for size in (ZOOM_200, REFLOW):
        page.set_viewport_size(size)
        page.evaluate(NEXT_FRAME)  # resize handlers have run
        sticking_out = page.evaluate(OVERFLOWING)
        if sticking_out:
            problems.append(f"{page.url} at {size['width']}px: {sticking_out}")
    problems += [f"at 320px: {_line(v)}" for v in axe_violations(page, NARROW_RULES)]
    page.set_viewport_size(DESKTOP)
    page.evaluate(NEXT_FRAME)
    return problems


@pytest.fixture(scope="session")
def samples(live_app: Any) -> dict[str, Any]:
    return demo_samples(live_app)


@pytest.fixture(scope="session")
def signed_in(browser: Any, live_server: str, sign_in_as: Any) -> Iterator[Callable[[str], Any]]:
    """A tab signed in as a persona, one browser context per persona for the whole run."""
    tabs: dict[str, Any] = {}

    def tab_for(role: str) -> Any:
        if role not in tabs:
            context = browser.new_context(base_url=live_server, viewport=DESKTOP)
            context.add_init_script(script=AXE_SOURCE)  # ready in every page, cheaper than injecting
            tab = context.new_page()
            sign_in_as(tab, ROLE_ACCOUNTS[role])
            assert "/sign-in" not in tab.url, f"{role} did not sign in"
            tabs[role] = tab
        return tabs[role]

    yield tab_for
    for tab in tabs.values():
        tab.context.close()


# --- every page is either scanned or left out with a reason ---------------------------------------------


def test_every_get_route_is_scanned_or_left_out_with_a_reason() -> None:
    pages = {route.endpoint for route in page_routes()}
    assert pages | set(NOT_PAGES) == html_get_endpoints()
    assert set(NOT_PAGES) <= html_get_endpoints(), "NOT_PAGES names a route that no longer exists"
    nobody_opens = sorted(
        endpoint for endpoint in pages - set(SIGNED_OUT_PAGES) if not expected_openers(endpoint) & set(ROLES)
    )
    assert nobody_opens == [], f"no persona opens these, so the scan would miss them: {nobody_opens}"


def test_axe_runs_the_wcag_22_aa_rules(page: Any) -> None:
    page.goto("/sign-in")
    page.evaluate(AXE_SOURCE)
    rules = set(page.evaluate("tags => axe.getRules(tags).map(rule => rule.ruleId)", list(AXE_TAGS)))
    assert {"target-size", "color-contrast", "label", "link-name", "image-alt"} <= rules
    # The accessibility statement names the version it was tested with: update it with the package.
    assert page.evaluate("axe.version") == "4.12.1"


# --- pages ---------------------------------------------------------------------------------------------


# The main content's markup, without the per-session CSRF tokens, to tell whether another role has
# already had exactly this content scanned.
MAIN_MARKUP = """() => {
  const main = document.querySelector("main");
  if (!main) return null;
  const copy = main.cloneNode(true);
  for (const token of copy.querySelectorAll("input[name=csrf_token]")) token.removeAttribute("value");
  return copy.outerHTML;
}"""


def _already_scanned(tab: Any, endpoint: str, scanned: set[tuple[str, str]] | None) -> bool:
    """Whether a page with this main markup was scanned before; records it when it was not."""
    markup = tab.evaluate(MAIN_MARKUP) if scanned is not None else None
    if markup is None or scanned is None:
        return False
    key = (endpoint, hashlib.sha256(markup.encode("utf-8")).hexdigest())
    if key in scanned:
        return True
    scanned.add(key)
    return False


def _scan_pages(
    tab: Any, urls: list[tuple[str, str]], scanned: set[tuple[str, str]] | None = None
) -> tuple[list[str], list[Violation], list[str]]:
    """Open each page; scan it with axe-core and for reflow unless ``scanned`` shows the same main
    markup was scanned already."""
    opened, violations, problems = [], [], []
    refusals_scanned: set[int] = set()
    for endpoint, url in urls:
        response = tab.goto(url)
        assert response is not None
        status = response.status
        if status in (403, 404):
            if status not in refusals_scanned:  # the error page itself, once per status
                refusals_scanned.add(status)
                violations += axe_violations(tab)
            continue
        if status != 200 or "text/html" not in response.headers.get("content-type", ""):
            problems.append(f"{endpoint} {url}: {status} {response.headers.get('content-type')}")
            continue
        opened.append(endpoint)
        if tab.locator("footer a[href='/accessibility']").count() != 1:
            problems.append(f"{url}: no link to the accessibility statement in the footer")
        if _already_scanned(tab, endpoint, scanned):
            continue
        violations += axe_violations(tab)
        problems += reflow_problems(tab)
    return opened, violations, problems


def _line(v: Violation) -> str:
    return f"{v['rule']} ({v['impact']}) {v['url']}: {v['help']} {v['targets']} {v['summary']}"


def _report(violations: list[Violation], problems: list[str]) -> str:
    return "\n".join([_line(v) for v in violations] + problems)


@pytest.fixture(scope="session")
def scanned_markup() -> set[tuple[str, str]]:
    """(endpoint, fingerprint of the main markup) of every page scanned so far in this worker."""
    return set()


# The signed-in pages are scanned in this many parts. A part holds whole endpoints (every variant of a
# page), and each part is opened by every role, so the parts share nothing and xdist spreads them over
# its workers; as one test for all pages, the scan held one worker for minutes while the other finished.
PARTS = 8


def _part(urls: list[tuple[str, str]], part: int) -> list[tuple[str, str]]:
    endpoints = sorted({endpoint for endpoint, _ in urls})
    mine = set(endpoints[part::PARTS])
    return [(endpoint, url) for endpoint, url in urls if endpoint in mine]


def test_the_parts_cover_every_page_once(samples: dict[str, Any]) -> None:
    urls = page_urls(samples, signed_in=True)
    parts = [_part(urls, part) for part in range(PARTS)]
    assert sorted(url for part in parts for url in part) == sorted(urls)
    assert all(parts), "a part has no pages: lower PARTS"


@pytest.mark.parametrize("part", range(PARTS))
def test_signed_in_pages_have_no_wcag_violations(
    part: int, signed_in: Callable[[str], Any], samples: dict[str, Any], scanned_markup: set[tuple[str, str]]
) -> None:
    urls = _part(page_urls(samples, signed_in=True), part)
    report, missed = [], []
    for role in ROLES:
        opened, violations, problems = _scan_pages(signed_in(role), urls, scanned_markup)
        if violations or problems:
            report.append(f"as {role}:\n{_report(violations, problems)}")
        missed += sorted(
            f"{role}: {endpoint}"
            for endpoint in {e for e, _ in urls}
            if role in expected_openers(endpoint) and endpoint not in opened
        )
    assert missed == [], f"these could not open these pages, so they were not scanned: {missed}"
    assert report == [], "\n".join(report)


@pytest.mark.parametrize("role", ROLES)
def test_navigation_has_no_wcag_violations_for(role: str, signed_in: Callable[[str], Any]) -> None:
    """Each role's navigation, in full: on its Home page, and on the 404 page of a page that does not
    exist (the parts above scan a page's main content once, whichever role opened it first)."""
    tab = signed_in(role)
    opened, violations, problems = _scan_pages(tab, [("main.home", "/")])
    assert opened == ["main.home"], f"{role} has no Home page"
    tab.goto("/no-such-page")
    violations += axe_violations(tab)
    assert violations == [] and problems == [], _report(violations, problems)


def _start_second_factor(tab: Any) -> None:
    tab.goto("/sign-in")
    tab.get_by_label("Email address").fill(ROLE_ACCOUNTS["design_authority"])
    tab.get_by_label("Password").fill(DEMO_PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url("**/sign-in/two-factor")


def test_signed_out_pages_have_no_wcag_violations(page: Any, samples: dict[str, Any]) -> None:
    pages = [(e, u) for e, u in page_urls(samples, signed_in=False) if e != "auth.two_factor"]
    pages.insert(0, ("auth.password_link", f"/set-password/{samples['password_link']}"))
    pages += [
        ("main.accessibility", "/accessibility"),
        ("main.privacy", "/privacy"),
        ("404", "/no-such-page"),
    ]
    opened, violations, problems = _scan_pages(page, pages)
    assert {
        "auth.login",
        "auth.forgot_password",
        "auth.password_link",
        "main.accessibility",
        "main.privacy",
    } <= set(opened)
    _start_second_factor(page)  # the code's page comes after a design authority member's password
    violations += axe_violations(page)
    problems += reflow_problems(page)
    assert violations == [] and problems == [], _report(violations, problems)


# --- the error state of every form ----------------------------------------------------------------------

ERROR_STATE_PROBLEMS = """() => {
  const problems = [];
  const summary = document.querySelector(".error-summary");
  if (!summary) return ["no error summary at the top of the page"];
  if (summary.getAttribute("role") !== "alert") problems.push("the error summary is not role=alert");
  if (document.activeElement !== summary) problems.push("the error summary does not have the focus");
  if (!document.title.startsWith("Error: ")) problems.push("the title does not start with 'Error: '");
  const links = summary.querySelectorAll("a");
  if (!links.length) problems.push("the error summary links to no field");
  const fields = "input:not([type=hidden]), select, textarea";
  for (const link of links) {
    const id = decodeURIComponent(link.getAttribute("href").slice(1));
    const target = document.getElementById(id);
    const field = target && (target.matches(fields) ? target : target.querySelector(fields));
    if (!field) problems.push(`the summary's link to #${id} leads to no field`);
    else if (!field.getClientRects().length) problems.push(`the link to #${id} leads to a hidden field`);
  }
  for (const message of document.querySelectorAll(".error-message")) {
    const tied = message.id && Array.from(document.querySelectorAll("[aria-describedby]")).some(
      el => el.getAttribute("aria-describedby").split(/\\s+/).includes(message.id));
    if (!tied) problems.push(`the message '${message.textContent.trim()}' is not tied to a field`);
  }
  for (const el of document.querySelectorAll("[aria-describedby]")) {
    for (const id of el.getAttribute("aria-describedby").split(/\\s+/)) {
      if (id && !document.getElementById(id)) problems.push(`aria-describedby names a missing #${id}`);
    }
  }
  return problems;
}"""

FOCUSED_FIELD = """() => {
  const el = document.activeElement;
  return el && el.matches("input, select, textarea") ? el.id : null;
}"""


def _form_page_url(case: FormCase, samples: dict[str, Any]) -> str:
    route = next(r for r in ROUTES if r.endpoint == case.page and r.method == "GET")
    values = samples | {name: samples[key] for name, key in case.variant.items()}
    url = url_for_route(route, values)
    return f"{url}?{case.query}" if case.query else url


def _error_state_problems(tab: Any, case: FormCase, samples: dict[str, Any]) -> list[str]:
    """Send the form with missing or wrong answers; what is wrong with the page that comes back."""
    if case.endpoint == "auth.two_factor":
        _start_second_factor(tab)
    else:
        tab.goto(_form_page_url(case, samples))
    for label in case.clear:
        tab.get_by_label(label, exact=True).first.fill("")
    for label, value in case.fill.items():
        tab.get_by_label(label, exact=True).first.fill(value)
    for label in case.tick:
        tab.get_by_label(label, exact=True).check()
    with tab.expect_navigation():
        tab.get_by_role("button", name=case.button, exact=True).click()
    problems = [f"{case.id}: {problem}" for problem in tab.evaluate(ERROR_STATE_PROBLEMS)]
    if case.shows and not tab.locator(case.shows).count():
        problems.append(f"{case.id}: nothing matches {case.shows}")
    for label, value in case.fill.items():
        kept = tab.get_by_label(label, exact=True).first.input_value()
        if kept != value:
            problems.append(f"{case.id}: '{label}' came back as {kept[:40]!r}, not as typed")
    problems += [
        f"{case.id}: '{label}' came back unticked"
        for label in case.tick
        if not tab.get_by_label(label, exact=True).is_checked()
    ]
    return problems


def _summary_link_focuses_its_field(tab: Any, case: FormCase) -> list[str]:
    link = tab.locator(".error-summary a").first
    if not link.count():
        return []
    target = (link.get_attribute("href") or "#")[1:]
    link.click()
    focused = tab.evaluate(FOCUSED_FIELD)
    in_target = focused is not None and tab.evaluate(
        "([target, focused]) => { const t = document.getElementById(target);"
        " return !!t && (t.id === focused || !!t.querySelector('#' + CSS.escape(focused))); }",
        [target, focused],
    )
    return [] if in_target else [f"{case.id}: the summary's link to #{target} focused {focused!r}"]


def test_every_form_has_a_scanned_error_state_or_a_reason_why_not() -> None:
    covered = {case.endpoint for case in FORM_CASES} | set(NO_ERROR_STATE)
    missing = sorted(post_page_endpoints() - covered)
    assert missing == [], f"scan the error state of these forms, or say why they have none: {missing}"
    assert set(NO_ERROR_STATE) <= post_page_endpoints()
    assert {case.role for case in FORM_CASES} <= {None, *ROLES}


FORM_PERSONAS = ["signed-out", *(role for role in ROLES if any(case.role == role for case in FORM_CASES))]


@pytest.mark.parametrize("persona", FORM_PERSONAS)
def test_every_form_error_state_follows_the_pattern_and_has_no_wcag_violations(
    persona: str, request: pytest.FixtureRequest, samples: dict[str, Any]
) -> None:
    role = None if persona == "signed-out" else persona
    cases = [case for case in FORM_CASES if case.role == role]
    tab = request.getfixturevalue("page") if role is None else request.getfixturevalue("signed_in")(role)
    violations: list[Violation] = []
    problems: list[str] = []
    for case in cases:
        problems += _error_state_problems(tab, case, samples)
        violations += axe_violations(tab)
        problems += reflow_problems(tab)
        problems += _summary_link_focuses_its_field(tab, case)
    assert violations == [] and problems == [], _report(violations, problems)


# --- charts --------------------------------------------------------------------------------------------

CHARTS = """() => Array.from(document.querySelectorAll("main img[src*='.png']")).map(img => {
  const figure = img.closest("figure");
  const after = figure ? figure.nextElementSibling : null;
  // The table may sit in the box that lets it scroll sideways.
  const next = after && after.matches(".table-scroll") ? after.firstElementChild : after;
  return {
    src: img.getAttribute("src"),
    alt: img.getAttribute("alt") || "",
    loaded: img.complete && img.naturalWidth > 0,
    table: !!next && next.tagName === "TABLE" && !!next.querySelector("caption")
      && !!next.querySelector("th"),
  };
})"""


def test_every_chart_has_a_text_alternative_and_a_table_of_its_figures(
    signed_in: Callable[[str], Any], samples: dict[str, Any]
) -> None:
    tab = signed_in("viewer")
    charts = []
    for url in ("/dashboard", "/backlog/matrix", f"/benefits/{samples['benefit_id']}"):
        tab.goto(url)
        tab.wait_for_load_state("load")  # the images too
        charts += tab.evaluate(CHARTS)
    assert len(charts) == 8  # six on the dashboard, the value and effort matrix, the benefit's trajectory
    for chart in charts:
        assert chart["loaded"], chart["src"]
        assert len(chart["alt"]) > 40 and "table" in chart["alt"], chart
        assert chart["table"], f"{chart['src']} is not followed by a table of the same figures"
