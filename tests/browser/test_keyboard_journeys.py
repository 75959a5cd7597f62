"""Keyboard-only journeys in Chromium: submit an idea, triage it, score it, record a benefit measurement,
decide a gate with conditions and export a report, using only Tab, Shift+Tab, Enter, Space, the arrow
keys and typing. No mouse and no jumping focus with a script: every control is reached by tabbing, which
proves it can be reached and that the tab order follows the page.

At every stop the focused element must show a focus indicator (an outline, a box shadow or a background
that it does not have unfocused), be on screen and not be covered, and come later in the page than the
previous stop. Long pages are walked end to end in both directions to show there is no keyboard trap.

Each journey makes its own idea, so the tests are independent of each other and of their order.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from changeauth.devtools.demo_data import DEMO_PASSWORD, demo_email
from changeauth.reporting.datasets import BENEFIT_COLUMNS
from tests.browser.conftest import demo_totp_code

REPO = Path(__file__).resolve().parents[2]
GB_VIEWPORT = {"width": 1280, "height": 900}
MANAGER_NAME = "Morgan Manager"

# Runs in the page: what has focus now, whether it shows it, and whether it comes after the previous stop.
# The unfocused look of every control is noted before focus reaches it, so the indicator is judged against
# the control's own resting style (a button's box shadow at rest is not a focus indicator).
FOCUS_STATE_JS = """
async () => {
  const kb = window.__kb || (window.__kb = {ids: new WeakMap(), next: 1, resting: new WeakMap(), last: null});
  const look = (el) => {
    const s = getComputedStyle(el);
    return {outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth, outlineColor: s.outlineColor,
            boxShadow: s.boxShadow, backgroundColor: s.backgroundColor};
  };
  const clear = (colour) => colour === 'transparent' || /rgba\\([^)]*,\\s*0\\)$/.test(colour);
  const outlined = (s) =>
    s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && !clear(s.outlineColor);
  const noteResting = () => {
    const active = document.activeElement;
    const controls = 'a[href], button, input, select, textarea, summary, [tabindex]';
    for (const el of document.querySelectorAll(controls)) {
      if (el !== active && !kb.resting.has(el)) kb.resting.set(el, look(el));
    }
  };
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) {
    kb.last = null;
    noteResting();
    return null;
  }
  // On a busy machine the browser may not yet have scrolled a newly focused control into view when we
  // look: give it up to ten frames, as a person would see it a moment later.
  const inView = (box) => box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0 &&
                          box.top < window.innerHeight && box.left < window.innerWidth;
  for (let frame = 0; frame < 10 && !inView(el.getBoundingClientRect()); frame++) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
  if (!kb.ids.has(el)) kb.ids.set(el, kb.next++);
  const now = look(el);
  let resting = kb.resting.get(el);
  if (!resting) {
    // Focus reached a control that appeared after the last look (a suggestion list, say).
    el.blur();
    resting = look(el);
    el.focus();
  }
  const sameOutline = ['outlineStyle', 'outlineWidth', 'outlineColor'].every((k) => now[k] === resting[k]);
  const shows =
    (outlined(now) && !(outlined(resting) && sameOutline)) ||
    (now.boxShadow !== 'none' && now.boxShadow !== resting.boxShadow) ||
    (!clear(now.backgroundColor) && now.backgroundColor !== resting.backgroundColor);
  const box = el.getBoundingClientRect();
  const onScreen = inView(box);
  // Covered only if no part of it can be seen: a link that wraps onto two lines has one box per line.
  const ours = (hit) =>
    hit && (el === hit || el.contains(hit) || (el.labels && [...el.labels].includes(hit)));
  const visibleParts = [...el.getClientRects()].filter((r) =>
    r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 &&
    r.top < window.innerHeight && r.left < window.innerWidth);
  const covered = onScreen && !visibleParts.some((r) => ours(document.elementFromPoint(
    Math.min(Math.max(r.left + r.width / 2, 0), window.innerWidth - 1),
    Math.min(Math.max(r.top + r.height / 2, 0), window.innerHeight - 1))));
  // Tab steps through the day, month and year of a date field, so focus stays on it for a few presses.
  const segmented = ['date', 'time', 'datetime-local', 'month', 'week'].includes(el.type);
  const segmentStep = segmented && kb.last === el;
  const follows = !kb.last || !kb.last.isConnected || segmentStep ||
                  Boolean(kb.last.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
  const precedes = !kb.last || !kb.last.isConnected || segmentStep ||
                   Boolean(kb.last.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING);
  kb.last = el;
  noteResting();
  const form = el.form ? [...document.forms].indexOf(el.form) : -1;
  const text = (el.getAttribute('aria-label') || el.textContent || el.value || '')
    .trim().replace(/\\s+/g, ' ');
  return {
    id: kb.ids.get(el),
    stop: el.type === 'radio' ? `radio ${form} ${el.name}` : `element ${kb.ids.get(el)}`,
    label: `<${el.tagName.toLowerCase()}${el.id ? ' id=' + el.id : ''}` +
           `${el.name ? ' name=' + el.name : ''}> ${text.slice(0, 60)}`,
    shows, onScreen, covered, follows, precedes, segmented,
    inMain: Boolean(el.closest('main')),
    isSkipLink: el.classList.contains('skip-link'),
  };
}
"""

# Every element a person should be able to reach with Tab: rendered, enabled, not taken out of the tab
# order, and one stop per radio group (the browser moves within a group with the arrow keys).
TABBABLE_JS = """
() => {
  const kb = window.__kb || (window.__kb = {ids: new WeakMap(), next: 1, resting: new WeakMap(), last: null});
  const seen = new Set();
  const result = [];
  const candidates = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]');
  for (const el of candidates) {
    if (el.tabIndex < 0 || el.disabled || el.closest('[inert]')) continue;
    if (el.tagName === 'SUMMARY' && el.parentElement.tagName !== 'DETAILS') continue;
    // checkVisibility also hides what sits in a closed <details>.
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    if (!kb.ids.has(el)) kb.ids.set(el, kb.next++);
    const form = el.form ? [...document.forms].indexOf(el.form) : -1;
    const stop = el.type === 'radio' ? `radio ${form} ${el.name}` : `element ${kb.ids.get(el)}`;
    if (seen.has(stop)) continue;
    seen.add(stop);
    const text = (el.textContent || el.value || '').trim().slice(0, 40);
    result.push({stop, label: `<${el.tagName.toLowerCase()}${el.id ? ' id=' + el.id : ''}> ${text}`});
  }
  return result;
}
"""


def _matches(page: Any, target: str | Any) -> bool:
    if isinstance(target, str):
        return bool(page.evaluate("(sel) => document.activeElement.matches(sel)", target))
    return bool(target.evaluate("(el) => el === document.activeElement"))


class Keyboard:
    """One person at the keyboard of one browser tab, checking focus at every stop."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def press(self, key: str) -> dict[str, Any] | None:
        """Press a key and check the focus it leaves; None when focus has left the page."""
        self.page.keyboard.press(key)
        return self.check_focus(moved_back=key == "Shift+Tab", moved=key in ("Tab", "Shift+Tab"))

    def check_focus(self, *, moved_back: bool = False, moved: bool = False) -> dict[str, Any] | None:
        state: dict[str, Any] | None = self.page.evaluate(FOCUS_STATE_JS)
        if state is None:
            return None
        where = f"{state['label']} on {self.page.url}"
        assert state["shows"], f"no visible focus indicator on {where}"
        assert state["onScreen"], f"the focused element is off screen: {where}"
        assert not state["covered"], f"the focused element is covered by another: {where}"
        if moved:
            in_order = state["precedes"] if moved_back else state["follows"]
            assert in_order, f"Tab moved against the order of the page to {where}"
        return state

    def tab_to(self, target: str | Any, *, limit: int = 80) -> int:
        """Press Tab until ``target`` (a CSS selector or a locator) has focus; return the number of
        presses. Fails if it is not reached within ``limit`` presses."""
        self.page.evaluate(FOCUS_STATE_JS)  # note every control's resting look before focus moves
        visited: list[str] = []
        for presses in range(1, limit + 1):
            state = self.press("Tab")
            visited.append(state["label"] if state else "(outside the page)")
            if state is not None and _matches(self.page, target):
                return presses
        raise AssertionError(f"{target} not reached in {limit} presses of Tab; went through {visited}")

    def activate(self, target: str | Any, *, key: str = "Enter", limit: int = 80) -> None:
        """Tab to a link or button and press Enter (or Space), waiting for the page it opens."""
        self.tab_to(target, limit=limit)
        with self.page.expect_navigation():
            self.page.keyboard.press(key)

    def skip_to_main(self) -> None:
        """On a freshly opened page: the first Tab reaches the skip link, and Enter moves focus to main."""
        state = self.press("Tab")
        assert state is not None and state["isSkipLink"], f"the first Tab stop is not the skip link: {state}"
        self.page.keyboard.press("Enter")
        assert self.page.evaluate("document.activeElement.id") == "main-content"

    def type_into(self, target: str | Any, text: str, *, limit: int = 80) -> None:
        self.tab_to(target, limit=limit)
        self.page.keyboard.type(text)

    def type_date(self, target: str | Any, when: date) -> None:
        """Type a date into a date field, segment by segment. Day and month must be equal, so the same
        keys give the same date whether the browser's field reads day first or month first."""
        assert when.day == when.month, "pick a date whose day and month are equal"
        self.tab_to(target)
        self.page.keyboard.type(f"{when.day:02d}{when.month:02d}{when.year:04d}")
        value = self.page.evaluate("document.activeElement.value")
        assert value == when.isoformat(), f"typed {when} but the field holds {value!r}"

    def choose_option(self, target: str | Any, label: str) -> None:
        """Choose from a drop-down by typing the start of the option, as a keyboard user does."""
        self.tab_to(target)
        self.page.keyboard.type(label)
        chosen = self.page.evaluate("document.activeElement.selectedOptions[0].text")
        assert chosen.startswith(label), f"typing {label!r} chose {chosen!r}"

    def choose_radio(self, group: str, label: str) -> None:
        """Tab into a radio group and move with the arrow keys to the option labelled ``label``."""
        self.tab_to(f'input[type="radio"][name="{group}"]')
        options = self.page.locator(f'input[type="radio"][name="{group}"]').count()
        for _ in range(options + 1):
            if self.page.evaluate("document.activeElement.labels[0].textContent.trim()") == label:
                self.page.keyboard.press("Space")
                break
            self.page.keyboard.press("ArrowDown")
            self.check_focus()
        else:
            raise AssertionError(f"no option {label!r} in the radio group {group}")
        assert self.page.evaluate("document.activeElement.checked") is True

    def tick(self, target: str | Any, *, limit: int = 80) -> None:
        self.tab_to(target, limit=limit)
        self.page.keyboard.press("Space")
        assert self.page.evaluate("document.activeElement.checked") is True


def keyboard_sign_in(page: Any, role: str) -> None:
    """Sign in through the form with the keyboard; accounts with a second factor get a code from the demo
    key, typed into the code field and sent with Enter."""
    keys = Keyboard(page)
    email = demo_email(role)
    page.goto("/sign-in")
    keys.type_into("#email", email)
    keys.type_into("#password", DEMO_PASSWORD, limit=1)
    keys.activate(page.get_by_role("button", name="Sign in"), limit=1)
    if page.url.endswith("/sign-in/two-factor"):
        keys.type_into("#code", demo_totp_code(email))
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome"), page.url


@pytest.fixture
def sign_in_as(browser: Any, live_server: str) -> Iterator[Callable[[str], Keyboard]]:
    """Opens a browser window of its own for a demo role, signed in with the keyboard. Several can be open
    at once, as when the submitter, the design authority and the owner each take a step."""
    contexts: list[Any] = []

    def open_for(role: str) -> Keyboard:
        context = browser.new_context(base_url=live_server, viewport=GB_VIEWPORT, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        keyboard_sign_in(page, role)
        return Keyboard(page)

    try:
        yield open_for
    finally:
        for context in contexts:
            context.close()


def _unique_title(purpose: str) -> str:
    return f"Keyboard {purpose} {uuid.uuid4().hex[:8]}"


def _flash(keys: Keyboard) -> str:
    return str(keys.page.locator(".notification").first.inner_text())


def _nav_link(keys: Keyboard, label: str) -> Any:
    return keys.page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True)


# --- the steps, each by keyboard only ----------------------------------------------------------------------


def submit_idea(staff: Keyboard, title: str) -> tuple[int, str]:
    """From the home page: the navigation's Submit an idea, the form, Submit idea. Returns the new
    improvement's id and reference."""
    page = staff.page
    staff.activate(_nav_link(staff, "Submit an idea"))
    staff.skip_to_main()
    staff.type_into("#title", title)
    staff.type_into("#problem", "Residents ring us to ask when their bins will be collected.")
    staff.type_into("#proposal", "Send a text message the evening before each collection.")
    staff.tick('input[name="benefit_drivers"]')
    staff.activate(page.get_by_role("button", name="Submit idea"))
    # Submitting ends on the confirmation: the reference and what happens next.
    match = re.search(r"/improvements/(\d+)/submitted$", page.url)
    assert match, f"submitting went to {page.url}"
    assert page.get_by_role("heading", level=1).inner_text() == "Idea submitted"
    reference = page.locator("#reference").inner_text()
    assert re.fullmatch(r"IMP-\d{4}-\d{4}", reference), reference
    return int(match.group(1)), reference


def triage(da: Keyboard, title: str, decision: str, reasons: str) -> None:
    """From anywhere: Triage in the navigation, the idea in the queue, a G0 decision with Morgan Manager
    as owner."""
    page = da.page
    da.activate(_nav_link(da, "Triage"))
    da.skip_to_main()
    da.activate(page.get_by_role("link", name=re.compile(re.escape(title))), limit=200)
    assert page.get_by_role("heading", level=1).inner_text() == f"Triage: {title}"
    da.skip_to_main()
    da.choose_radio("decision", decision)
    da.type_into("#rationale", reasons)
    da.choose_option("#quick_win_owner_id" if decision == "Quick win" else "#owner_id", MANAGER_NAME)
    da.activate(page.get_by_role("button", name="Record decision"))
    # After deciding: the next idea waiting for this member, or the queue when none is left.
    assert re.search(r"/triage/(\d+)?$", page.url), page.url
    assert _flash(da).startswith("Decision recorded for IMP-")
    page.goto("/triage/")
    assert page.get_by_role("link", name=re.compile(re.escape(title))).count() == 0


def add_benefit_and_measure(owner: Keyboard, improvement_id: int) -> str:
    """The improvement's owner adds a benefit, then records its first measurement. Returns the benefit's
    page address."""
    page = owner.page
    today = date.today()
    page.goto(f"/improvements/{improvement_id}")
    owner.skip_to_main()
    owner.activate(page.get_by_role("link", name="Benefit profiles and measurements"))
    owner.skip_to_main()
    owner.activate(page.get_by_role("link", name="Add a benefit"))
    owner.skip_to_main()
    owner.type_into("#title", "Calls asking about bin collections")
    owner.choose_option("#driver", "Customer channel shift")
    owner.choose_option("#cash_class", "Not monetised")
    owner.choose_radio("unit", "Something else")
    owner.type_into("#unit_other", "calls per month")
    owner.choose_option("#direction", "Should go down")
    owner.type_into("#baseline_value", "1200")
    owner.type_date("#baseline_date", date(today.year - 1, 1, 1))
    owner.type_into("#target_value", "900")
    owner.type_date("#target_date", date(today.year + 1, 12, 12))
    # How the baseline was arrived at is asked for now: the gate before go-live needs it measured.
    owner.choose_radio("baseline_quality", "Measured")
    owner.type_into("#baseline_evidence", "Telephony report, January, calls about bins.")
    assert page.evaluate("document.querySelector('#owner_id').selectedOptions[0].text") == MANAGER_NAME
    owner.activate(page.get_by_role("button", name="Add benefit"))
    assert "has been added" in _flash(owner), page.url
    benefit_page = page.url
    owner.skip_to_main()
    owner.activate(page.get_by_role("link", name="Record a measurement"))
    owner.skip_to_main()
    # The latest date this year (or last) with day equal to month that is not in the future.
    month = today.month if today.day >= today.month else today.month - 1
    period_end = date(today.year, month, month) if month else date(today.year - 1, 12, 12)
    owner.type_date("#period_end", period_end)
    owner.type_into("#value", "1130")
    owner.choose_radio("data_quality", "Measured")
    owner.type_into("#note", "From the telephony report for the period.")
    owner.activate(page.get_by_role("button", name="Record measurement"))
    assert page.url == benefit_page
    assert _flash(owner) == "The measurement has been recorded."
    measured = page.get_by_role("table", name="Measurements, oldest first").locator("tbody tr")
    assert measured.count() == 1
    row = measured.first.inner_text()
    assert "1,130" in row and "Measured" in row and MANAGER_NAME in row, row
    return benefit_page


# --- the journeys -------------------------------------------------------------------------------------------


def test_staff_submit_an_idea_by_keyboard(sign_in_as: Callable[[str], Keyboard]) -> None:
    staff = sign_in_as("staff")
    title = _unique_title("bin reminders")
    improvement_id, _ = submit_idea(staff, title)
    staff.page.goto("/")
    mine = staff.page.get_by_role("link", name=re.compile(re.escape(title)))
    assert mine.get_attribute("href") == f"/improvements/{improvement_id}"


def test_design_authority_triage_an_idea_by_keyboard(sign_in_as: Callable[[str], Keyboard]) -> None:
    staff = sign_in_as("staff")
    title = _unique_title("triage")
    improvement_id, _ = submit_idea(staff, title)
    da = sign_in_as("design_authority_2")
    triage(da, title, "Go", "Worth a business case: many calls could be avoided.")
    da.page.goto(f"/improvements/{improvement_id}")
    main = da.page.inner_text("main")
    assert "Business case" in main
    assert MANAGER_NAME in main


def test_design_authority_score_a_proposal_on_the_blind_page_by_keyboard(
    sign_in_as: Callable[[str], Keyboard],
) -> None:
    staff = sign_in_as("staff")
    title = _unique_title("scoring")
    improvement_id, reference = submit_idea(staff, title)
    da = sign_in_as("design_authority_3")
    triage(da, title, "Go", "Worth a business case.")
    page = da.page
    da.activate(_nav_link(da, "Scoring"))
    da.skip_to_main()
    da.activate(page.get_by_role("link", name=f"Score {reference}"), limit=200)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Score this improvement")
    da.skip_to_main()
    groups: list[str] = page.evaluate(
        "[...new Set([...document.querySelectorAll('main input[type=radio]')].map(r => r.name))]"
    )
    assert groups, "the assessment has no criteria"
    for group in groups:
        # A 0-5 criterion gets 3 (three presses of the down arrow); a must-meet criterion gets Met.
        da.tab_to(f'input[type="radio"][name="{group}"]')
        if page.evaluate("document.activeElement.value") == "pass":
            page.keyboard.press("Space")
        else:
            for _ in range(3):
                page.keyboard.press("ArrowDown")
                da.check_focus()
        checked = page.evaluate(
            "(name) => document.querySelector(`input[name='${name}']:checked`).value", group
        )
        assert checked in ("pass", "3"), f"{group} is {checked}"
    da.type_into("#rationale", "Clear problem and a cheap fix.")
    da.activate(page.get_by_role("button", name="Save my assessment"))
    assert page.url.endswith(f"/scoring/improvements/{improvement_id}/score"), page.url
    assert _flash(da) == f"Your assessment of {reference} has been saved."
    # Having scored, the member now sees the individual assessments, their own among them.
    assessors = page.locator("section.assessment h3").all_inner_texts()
    assert any(name.startswith("Drew Assessor (") for name in assessors), assessors


def test_owner_record_a_benefit_measurement_by_keyboard(sign_in_as: Callable[[str], Keyboard]) -> None:
    staff = sign_in_as("staff")
    title = _unique_title("benefit")
    improvement_id, _ = submit_idea(staff, title)
    da = sign_in_as("design_authority")
    triage(da, title, "Quick win", "Small and clear: go ahead.")
    manager = sign_in_as("manager")
    benefit_page = add_benefit_and_measure(manager, improvement_id)
    latest = manager.page.locator(".summary-list__row", has_text="Latest value").inner_text()
    assert "1,130" in latest, latest
    manager.page.goto(f"/improvements/{improvement_id}/benefits")
    listed = manager.page.get_by_role("link", name="Calls asking about bin collections")
    assert benefit_page.endswith(str(listed.get_attribute("href")))


def test_design_authority_decide_a_gate_with_conditions_by_keyboard(
    sign_in_as: Callable[[str], Keyboard],
) -> None:
    staff = sign_in_as("staff")
    title = _unique_title("gate")
    improvement_id, _ = submit_idea(staff, title)
    da = sign_in_as("design_authority_4")
    triage(da, title, "Quick win", "Small and clear: go ahead.")
    manager = sign_in_as("manager")
    add_benefit_and_measure(manager, improvement_id)

    page = da.page
    page.goto(f"/improvements/{improvement_id}")
    da.skip_to_main()
    da.activate(page.get_by_role("link", name="Gate, conditions and evidence"))
    assert page.get_by_role("heading", level=1).inner_text() == "G2: approve go-live"
    da.skip_to_main()
    da.choose_radio("decision", "Go with conditions")
    # The conditions open under the chosen decision, before the reasons.
    due = date(date.today().year + 1, 3, 3)
    da.type_into("#conditions-0-text", "Check the text wording with residents")
    da.choose_option("#conditions-0-owner_id", MANAGER_NAME)
    da.type_date("#conditions-0-due_date", due)
    da.type_into("#rationale", "Live and working; the script needs a check after a month.")
    # A quorum of three: the recorder and two more members, ticked with the space bar.
    da.tick(page.get_by_role("checkbox", name="Dana Design"))
    da.tick(page.get_by_role("checkbox", name="Devi Authority"))
    da.activate(page.get_by_role("button", name="Record decision"))
    assert page.url.endswith(f"/improvements/{improvement_id}"), page.url
    assert _flash(da) == "The decision is recorded."
    assert "Realising benefits" in page.inner_text("main")

    da.skip_to_main()
    da.activate(page.get_by_role("link", name="Gate, conditions and evidence"))
    conditions = page.get_by_role("table").filter(has_text="Check the text wording with residents")
    row_text = conditions.locator("tbody tr").first.inner_text()
    assert MANAGER_NAME in row_text and "Open" in row_text


def test_manager_export_the_benefits_report_by_keyboard(sign_in_as: Callable[[str], Keyboard]) -> None:
    manager = sign_in_as("manager")
    page = manager.page
    manager.activate(_nav_link(manager, "Benefits"))
    manager.skip_to_main()
    manager.choose_option("#driver", "Remodelling")
    manager.activate(page.get_by_role("button", name="Apply filters"), key="Space")
    assert "driver=remodelling" in page.url
    shown = int(page.locator("#results-count").inner_text().split()[0])
    assert shown > 0
    manager.skip_to_main()
    manager.tab_to(page.get_by_role("link", name="CSV", exact=True))
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0].keys()) == [label for _, label in BENEFIT_COLUMNS]
    assert len(rows) == shown
    assert {row["Benefit driver"] for row in rows} == {"Remodelling"}


# --- focus, skip link, traps and pointer-only interactions -----------------------------------------------


def test_the_skip_link_is_the_first_stop_and_moves_focus_to_main(page: Any) -> None:
    for path in ("/sign-in", "/forgot-password"):
        page.goto(path)
        keys = Keyboard(page)
        keys.skip_to_main()
        after = keys.press("Tab")
        assert after is not None and after["inMain"], f"after the skip link, Tab went to {after}"


def _walk(keys: Keyboard, *, backwards: bool) -> list[str]:
    """Tab (or Shift+Tab) from the top of the page until focus leaves it; the stops in the order reached."""
    stops: list[str] = []
    key = "Shift+Tab" if backwards else "Tab"
    limit = len(keys.page.evaluate(TABBABLE_JS)) * 2 + 20
    segment = 0
    for _ in range(limit):
        keys.page.keyboard.press(key)
        state = keys.check_focus()
        if state is None or (stops and state["stop"] == stops[0]):
            return stops  # focus left the page, or came straight round to where it started
        if stops and stops[-1] == state["stop"]:
            segment += 1  # the next part of a date field: month, year, then its calendar button
            assert state["segmented"] and segment < 4, f"focus is stuck on {state['label']}"
            continue
        segment = 0
        assert state["precedes" if backwards else "follows"], f"{key} went back to {state['label']}"
        assert state["stop"] not in stops, f"Tab came back to {state['label']} before leaving the page"
        stops.append(state["stop"])
    raise AssertionError(f"focus did not leave the page in {limit} presses of {key}: a keyboard trap")


WALKED_PAGES = [
    "/improvements/14",  # the worked example's scheme-of-delegation review
    "/scoring/improvements/14",  # its blind scoring form
    "/improvements/3/gate",  # the strategic planning cycle, waiting at G1
    "/benefits/",
]


def test_tabbing_through_whole_pages_reaches_every_control_and_leaves(
    sign_in_as: Callable[[str], Keyboard],
) -> None:
    keys = sign_in_as("design_authority_2")
    page = keys.page
    for path in WALKED_PAGES:
        page.goto(path)
        positive = page.evaluate("[...document.querySelectorAll('[tabindex]')].filter(e => e.tabIndex > 0)")
        assert not positive, f"a positive tabindex overrides the page order on {path}"
        assert page.locator('[draggable="true"]').count() == 0, f"{path} has something to drag"
        tabbable = page.evaluate(TABBABLE_JS)
        assert len(tabbable) > 10, f"{path} has too few controls to be the page meant: {tabbable}"

        forwards = _walk(keys, backwards=False)
        missed = [item["label"] for item in tabbable if item["stop"] not in forwards]
        assert not missed, f"never reached by Tab on {path}: {missed}"
        again = keys.press("Tab")  # after leaving the page, Tab comes round to the skip link again
        assert again is not None and again["isSkipLink"], f"after the end of {path}, Tab went to {again}"

        page.goto(path)
        backwards = _walk(keys, backwards=True)
        assert backwards == forwards[::-1], f"Shift+Tab does not retrace Tab on {path}"


def test_the_details_disclosure_opens_with_the_keyboard(
    sign_in_as: Callable[[str], Keyboard], live_app: Any
) -> None:
    from sqlalchemy import select

    from changeauth import db
    from changeauth.models import Improvement

    # An idea of the staff account's own, still waiting for triage: they may declare a conflict or withdraw.
    with live_app.app_context():
        own_idea = db.session.scalar(select(Improvement.id).where(Improvement.ref == "IMP-2021-0024"))
    keys = sign_in_as("staff")
    page = keys.page
    page.goto(f"/improvements/{own_idea}")
    keys.skip_to_main()
    keys.tab_to(page.get_by_text("Declare a conflict of interest or withdraw"), limit=120)
    page.keyboard.press("Enter")
    assert page.locator("details.details").get_attribute("open") is not None
    keys.tab_to("#note")  # the conflict form inside is now reachable
    keys.tab_to(page.get_by_role("button", name="Declare a conflict of interest"), limit=1)


def test_nothing_needs_dragging_or_a_pointer() -> None:
    """No control works only by dragging or by mouse events, which a keyboard user could not operate. If
    drag and drop is ever added, it needs a button or keyboard alternative and a journey test here."""
    pointer_only = re.compile(
        r"draggable(?!\s*=\s*[\"']?false)|\bon(drag\w*|drop|mouse\w+|pointer\w+|dblclick)\s*=|"
        r"addEventListener\(\s*[\"'](drag\w*|drop|mouse\w+|pointer\w+|dblclick)[\"']",
        re.IGNORECASE,
    )
    sources = [
        *sorted((REPO / "templates").rglob("*.html")),
        *sorted((REPO / "changeauth/static").rglob("*.js")),
    ]
    assert sources
    found = [
        f"{path.relative_to(REPO)}: {match.group(0)}"
        for path in sources
        for match in pointer_only.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found, f"pointer-only interactions need a keyboard alternative: {found}"
