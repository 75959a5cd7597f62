"""Tables on a desktop screen never break a word across lines ("Decemb er", "Shou ld"), and their
captions sit above them."""

from __future__ import annotations

from typing import Any

from changeauth.devtools.demo_data import demo_email
from tests.browser.conftest import screenshot

# Cells holding one word whose text runs over more than one line box.
BROKEN_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.closest("td, th")) continue;
    for (const word of node.textContent.matchAll(/[^\\s\\-–—/]{2,}/g)) {
      const range = document.createRange();
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (lines.size > 1) broken.push(word[0]);
    }
  }
  return broken;
}"""

CAPTIONS_BELOW_HEAD = """() => [...document.querySelectorAll("main table")].filter(table => {
  const caption = table.querySelector("caption");
  if (!caption || caption.classList.contains("visually-hidden")) return false;
  const head = table.querySelector("thead, tr");
  return head && caption.getBoundingClientRect().top > head.getBoundingClientRect().top;
}).length"""

PAGES = ("/improvements/3/gate", "/decisions", "/benefits/", "/improvements/1/benefits", "/benefits/1")


def test_no_word_is_broken_across_lines_in_a_table_and_captions_are_above(page: Any, sign_in_as: Any) -> None:
    sign_in_as(page, demo_email("design_authority_2"))
    problems = []
    for path in PAGES:
        response = page.goto(path)
        if response is None or response.status != 200:
            continue
        problems += [f"{path}: {word}" for word in page.evaluate(BROKEN_WORDS)]
        if page.evaluate(CAPTIONS_BELOW_HEAD):
            problems.append(f"{path}: a caption below the table's head")
    assert problems == [], "\n".join(problems[:80])


# Pages with tables each role reads, at a phone's width: words stay whole, and a table too wide for the
# screen scrolls sideways in its own box rather than taking the page with it.
PHONE_PAGES = {
    "design_authority_2": (
        "/",
        "/triage/",
        "/improvements/",
        "/improvements/3/gate",
        "/decisions",
        "/meetings",
        "/backlog/",
        "/scoring/",
    ),
    "manager": ("/", "/benefits/", "/improvements/1/benefits", "/benefits/1", "/temporary-resources/"),
    "finance": ("/", "/benefits/", "/business-cases"),
    "viewer": ("/", "/reports/scrutiny"),
}

PAGE_SCROLLS_SIDEWAYS = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"

TABLES_OUTSIDE_A_SCROLL_BOX = """() => [...document.querySelectorAll("main table")]
  .filter(table => !table.closest(".table-scroll")).length"""


def test_at_375_pixels_no_word_in_a_table_is_broken_and_wide_tables_scroll_in_their_box(
    browser: Any, live_server: str, sign_in_as: Any
) -> None:
    problems = []
    for role, paths in PHONE_PAGES.items():
        context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 800})
        tab = context.new_page()
        try:
            sign_in_as(tab, demo_email(role))
            for path in paths:
                response = tab.goto(path)
                assert response is not None and response.status == 200, f"{role} {path}"
                problems += [f"{path}: {word}" for word in tab.evaluate(BROKEN_WORDS)]
                if tab.evaluate(PAGE_SCROLLS_SIDEWAYS):
                    problems.append(f"{path}: the whole page scrolls sideways")
                if tab.evaluate(TABLES_OUTSIDE_A_SCROLL_BOX):
                    problems.append(f"{path}: a table outside a box that scrolls")
                if path in ("/triage/", "/benefits/1"):
                    screenshot(tab, f"tables-375{path.rstrip('/').replace('/', '-')}")
        finally:
            context.close()
    assert problems == [], "\n".join(problems[:80])


# Without script nothing wraps a table at run time, so each template's own box must hold it: these pages
# carry tables wider than a phone (the ideas list, the triage queue, a benefit's measurements, the
# scrutiny report, a temporary resource's costs, the actions list).
PHONE_PAGES_WITHOUT_SCRIPT = {
    "design_authority_2": ("/improvements/", "/triage/"),
    "manager": ("/my-actions",),
    "finance": ("/benefits/9", "/temporary-resources/8"),
    "viewer": ("/reports/scrutiny",),
}


def test_at_375_pixels_without_script_no_page_scrolls_sideways(
    browser: Any, live_server: str, sign_in_as: Any
) -> None:
    problems = []
    for role, paths in PHONE_PAGES_WITHOUT_SCRIPT.items():
        context = browser.new_context(
            base_url=live_server, viewport={"width": 375, "height": 800}, java_script_enabled=False
        )
        tab = context.new_page()
        try:
            sign_in_as(tab, demo_email(role))
            for path in paths:
                response = tab.goto(path)
                assert response is not None and response.status == 200, f"{role} {path}"
                if tab.evaluate(PAGE_SCROLLS_SIDEWAYS):
                    problems.append(f"{path}: the whole page scrolls sideways")
                if tab.evaluate(TABLES_OUTSIDE_A_SCROLL_BOX):
                    problems.append(f"{path}: a table outside a box that scrolls")
            if role == "design_authority_2":
                screenshot(tab, "tables-375-without-script-triage")
        finally:
            context.close()
    assert problems == [], "\n".join(problems)
