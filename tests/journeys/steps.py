"""Steps the journeys share, each through the pages as a person would take it: submit an idea, triage it,
score it, record a gate decision, add and measure a benefit. Date fields are filled whether the page
draws one date box or GOV.UK day, month and year boxes."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

MANAGER = "Morgan Manager"
DA_MEMBERS = ("Devi Authority", "Drew Assessor", "Dee Reviewer")


def unique(purpose: str) -> str:
    return f"Journey {purpose} {uuid.uuid4().hex[:6]}"


def flash(tab: Any) -> str:
    # A click returns once the next page has started to arrive; read it when it has all arrived.
    tab.wait_for_load_state()
    return str(tab.locator(".notification").first.inner_text())


def main_text(tab: Any) -> str:
    tab.wait_for_load_state()
    return " ".join(str(tab.inner_text("main")).split())


def fill_date(tab: Any, field_id: str, when: date) -> None:
    """A date into one date box, or into its day, month and year boxes."""
    # Wait for the form to be there (the click that opened it may still be loading the page), then
    # ask which kind of date field it has.
    tab.locator(f"#{field_id}, #{field_id}-day").first.wait_for()
    single = tab.locator(f"#{field_id}")
    if single.count() and single.evaluate("el => el.tagName") == "INPUT":
        single.fill(when.isoformat())
        return
    tab.locator(f"#{field_id}-day").fill(str(when.day))
    tab.locator(f"#{field_id}-month").fill(str(when.month))
    tab.locator(f"#{field_id}-year").fill(str(when.year))


def choose(tab: Any, select_id: str, label: str) -> None:
    """Pick the option of a list whose words begin with ``label``."""
    value = tab.locator(f"#{select_id} option", has_text=label).first.get_attribute("value")
    tab.locator(f"#{select_id}").select_option(value=value)


def submit_idea(staff: Any, title: str) -> tuple[int, str]:
    """From Home: Submit an idea, fill it in, and read the confirmation. Returns (id, reference)."""
    staff.goto("/")
    staff.get_by_role("link", name="Submit an idea").first.click()
    staff.get_by_label("Title").fill(title)
    staff.locator("#problem").fill("Residents phone us to ask the same thing every week.")
    staff.locator("#proposal").fill("Answer it once, online, where they look first.")
    staff.locator("input[name=benefit_drivers]").first.check()
    staff.get_by_role("button", name="Submit idea").click()
    staff.wait_for_url(re.compile(r".*/improvements/\d+/submitted$"))
    match = re.search(r"/improvements/(\d+)/submitted$", staff.url)
    assert match, staff.url
    reference = staff.locator("#reference").inner_text()
    text = main_text(staff)
    assert "working days" in text and "notification" in text
    return int(match.group(1)), reference


def triage(da: Any, improvement_id: int, decision: str, reasons: str, **extra: Any) -> None:
    """From the triage queue: open the idea and record a G0 decision (owner, merge target or hold date)."""
    da.goto("/triage/")
    da.locator(f"a[href='/triage/{improvement_id}']").first.click()
    da.get_by_role("radio", name=decision, exact=True).check()
    da.locator("#rationale").fill(reasons)
    if "owner" in extra:
        choose(da, "quick_win_owner_id" if decision == "Quick win" else "owner_id", extra["owner"])
    if "merge_into" in extra:
        target = da.locator("#duplicate_of")
        if target.count() and target.evaluate("el => el.type") == "text":
            target.fill(extra["merge_into"])
        else:
            da.get_by_role("radio", name=re.compile(re.escape(extra["merge_into"]))).check()
    if "hold_until" in extra:
        fill_date(da, "hold_until", extra["hold_until"])
    da.get_by_role("button", name="Record decision").click()
    assert "Decision recorded" in flash(da), main_text(da)[:500]


def waiting_for_my_score(member: Any, reference: str) -> bool:
    """Whether the improvement is among those waiting for the member's score: on Home, which lists the
    longest waiting first and only the first few, or else on the scoring page it links to, page by page
    (the browser tests share one live app, so earlier tests' ideas may be waiting ahead of this one)."""
    member.goto("/")
    if f"Score {reference}" in main_text(member):
        return True
    see_all = member.get_by_role("link", name=re.compile(r"^See all \d+ waiting for your score$"))
    if not see_all.count():
        return False
    see_all.click()
    member.wait_for_url(re.compile(r"/scoring/"))
    while True:
        if member.locator("main tr", has_text=reference).count():
            return True
        following = member.locator("main a[rel=next]")
        if not following.count():
            return False
        following.first.click()
        member.wait_for_load_state()


def score(member: Any, improvement_id: int) -> None:
    """A design authority member scores: 3 on every 0–5 criterion, met on every must-meet one."""
    member.goto(f"/scoring/improvements/{improvement_id}")
    groups = member.evaluate(
        "[...new Set([...document.querySelectorAll('main input[type=radio]')].map(r => r.name))]"
    )
    assert groups, "nothing to score"
    for group in groups:
        values = member.evaluate(
            "(n) => [...document.querySelectorAll(`input[name='${n}']`)].map(r => r.value)", group
        )
        value = "pass" if "pass" in values else "3"
        member.locator(f"input[name='{group}'][value='{value}']").check()
    member.locator("#rationale").fill("A clear problem with a cheap fix.")
    member.get_by_role("button", name="Save my assessment").click()
    assert "has been saved" in flash(member)


def decide_gate(da: Any, improvement_id: int, decision: str, reasons: str, **extra: Any) -> None:
    """The gate page: a decision with two more independent members attending (a quorum of three)."""
    da.goto(f"/improvements/{improvement_id}/gate")
    da.get_by_role("radio", name=decision, exact=True).check()
    da.locator("#rationale").fill(reasons)
    for name in extra.get("attendees", ("Drew Assessor", "Dee Reviewer")):
        da.get_by_role("checkbox", name=name).check()
    if "meeting" in extra:
        choose(da, "meeting_id", extra["meeting"])
    for number, (text, owner, due) in enumerate(extra.get("conditions", ())):
        da.locator(f"#conditions-{number}-text").fill(text)
        choose(da, f"conditions-{number}-owner_id", owner)
        fill_date(da, f"conditions-{number}-due_date", due)
    da.get_by_role("button", name="Record decision").click()
    assert flash(da) == "The decision is recorded.", main_text(da)[:800]


def add_benefit(owner: Any, improvement_id: int, title: str, *, unit: str = "A count") -> str:
    """The owner profiles a benefit. Returns the benefit page's address."""
    today = date.today()
    owner.goto(f"/improvements/{improvement_id}/benefits")
    owner.get_by_role("link", name="Add a benefit").click()
    owner.locator("#title").fill(title)
    owner.locator("#driver").select_option(index=1)
    choose(owner, "cash_class", "Not monetised")
    owner.get_by_role("radio", name=re.compile("^" + re.escape(unit))).check()
    choose(owner, "direction", "Should go down")
    owner.locator("#baseline_value").fill("1200")
    fill_date(owner, "baseline_date", date(today.year - 1, 1, 1))
    # The owner counted last year's figure, so says so and where it comes from: the go-live gate asks for a
    # measured baseline.
    owner.get_by_role("radio", name="Measured", exact=True).check()
    owner.locator("#baseline_evidence").fill("Contact centre call log, January last year")
    owner.locator("#target_value").fill("900")
    fill_date(owner, "target_date", date(today.year + 1, 12, 12))
    owner.get_by_role("button", name="Add benefit").click()
    assert "has been added" in flash(owner), main_text(owner)[:800]
    return str(owner.url)


def measure(owner: Any, benefit_page: str, period_end: date, value: str) -> None:
    owner.goto(benefit_page)
    with owner.expect_navigation():
        owner.get_by_role("link", name="Record a measurement").click()
    fill_date(owner, "period_end", period_end)
    owner.locator("#value").fill(value)
    owner.get_by_role("radio", name="Measured", exact=True).check()
    owner.locator("#evidence").fill("Contact centre call log")
    # The benefit page may already show a notice (off track, say): read the one the save leads to.
    with owner.expect_navigation():
        owner.get_by_role("button", name="Record measurement").click()
    assert flash(owner) == "The measurement has been recorded.", main_text(owner)[:800]


def write_business_case(owner: Any, improvement_id: int) -> None:
    """The owner writes a business case from the improvement's page through its task list, a section a
    page, and submits it for G1: business as usual against one option that costs £20,000 and saves
    £15,000 a year. The one step that knows the task list's pages."""

    def open_task(name: str) -> None:
        owner.get_by_role("link", name=name, exact=True).click()

    def save() -> None:
        owner.get_by_role("button", name="Save and continue").click()
        assert "has been saved" in flash(owner), main_text(owner)[:800]

    owner.goto(f"/improvements/{improvement_id}")
    owner.get_by_role("link", name="Write the business case").first.click()
    open_task("The strategic case: problem, fit and priorities")
    owner.locator("input[name=kind]").first.check()
    owner.locator("#strategic_fit").fill("Fewer phone calls frees the contact centre for harder cases.")
    owner.locator("input[name=strategic_priorities]").first.check()
    owner.locator("input[name=benefit_drivers]").first.check()
    save()
    open_task("Options and their costs and benefits by year")
    owner.locator("#name").fill("Carry on as now")
    owner.locator("#is_business_as_usual").check()
    save()
    open_task("Add another option")
    owner.locator("#name").fill("Publish the answer online")
    owner.locator("#years-0-capital").fill("20,000")
    for year in (1, 2, 3):
        owner.locator(f"#years-{year}-cashable").fill("15,000")
    save()
    open_task("The preferred option and appraisal settings")
    owner.get_by_role("radio", name=re.compile("^Option 2")).check()
    owner.locator("#preferred_reasons").fill("It pays back inside two years.")
    save()
    open_task("The commercial case: procurement and the deal")
    owner.locator("#procurement_route").fill("Done in house on the council's website.")
    save()
    open_task("The financial case: affordability and funding")
    owner.locator("#funding-0-financial_year").fill("2026")
    owner.locator("#funding-0-capital").fill("20,000")
    owner.locator("#funding-0-source").fill("Digital transformation reserve")
    save()
    open_task("The management case: delivery, benefits and evaluation")
    owner.locator("#delivery_arrangements").fill("The web team, with the contact centre manager.")
    owner.locator("#benefits_realisation").fill("The contact centre manager counts calls each month.")
    save()
    open_task("Risks, including local government reform")
    owner.locator("#risks").fill("Residents may not find the page.")
    owner.locator("#reform_risk").fill("Any successor council keeps the same web pages.")
    save()
    owner.get_by_role("button", name="Submit for review").click()
    assert "has been submitted" in flash(owner), main_text(owner)[:800]


# Keyboard only: Tab from where focus is to the control wanted, then type, Space or the arrow keys.
FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return false; }
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
    && !/rgba\\(0, 0, 0, 0\\)|transparent/.test(style.outlineColor);
  return outline || style.boxShadow !== 'none';
}"""


def focus_is_visible(tab: Any) -> bool:
    """The focused element shows it: an outline that is not transparent, or the focus shadow."""
    return bool(tab.evaluate(FOCUS_SHOWN))


def tab_to(tab: Any, target: Any, *, limit: int = 300) -> None:
    """Press Tab until ``target`` (a locator) has focus; focus must show wherever it stops on the way."""
    handle = target.element_handle()
    for _ in range(limit):
        tab.keyboard.press("Tab")
        if tab.evaluate("document.activeElement === document.body"):
            continue  # past the page's last control, on the way round to its first
        assert focus_is_visible(tab), tab.evaluate("document.activeElement.outerHTML.slice(0, 200)")
        if tab.evaluate("(el) => document.activeElement === el", handle):
            return
    raise AssertionError(f"Tab never reached {target}")


def type_into(tab: Any, target: Any, text: str) -> None:
    tab_to(tab, target)
    tab.keyboard.type(text)


def press_button(tab: Any, name: str) -> None:
    """Tab to the button and press Enter, then wait for the page it leads to."""
    tab_to(tab, tab.get_by_role("button", name=name, exact=True).first)
    with tab.expect_navigation():
        tab.keyboard.press("Enter")


def assert_error_summary_has_focus(tab: Any) -> None:
    """A form back with errors: focus is on the error summary, and shows."""
    assert tab.evaluate("document.activeElement.classList.contains('error-summary')"), tab.evaluate(
        "document.activeElement.outerHTML.slice(0, 200)"
    )
    assert focus_is_visible(tab)


def tab_to_match(tab: Any, css: str, *, limit: int = 300) -> None:
    """Press Tab until the focused element matches ``css``; focus must show at every stop."""
    for _ in range(limit):
        tab.keyboard.press("Tab")
        if tab.evaluate("document.activeElement === document.body"):
            continue
        assert focus_is_visible(tab), tab.evaluate("document.activeElement.outerHTML.slice(0, 200)")
        if tab.evaluate("(css) => document.activeElement.matches(css)", css):
            return
    raise AssertionError(f"Tab never reached {css}")


def radio_by_keyboard(tab: Any, name: str, label: str) -> None:
    """Tab into a group of radios and move with the arrow keys until the one labelled ``label`` is chosen."""
    tab_to_match(tab, f"input[type=radio][name='{name}']")
    chosen = (
        "() => { const el = document.activeElement; return el.checked ? el.labels[0].innerText.trim() : ''; }"
    )
    for _ in range(20):
        if tab.evaluate(chosen) == label:
            return
        tab.keyboard.press("ArrowDown")
    raise AssertionError(f"no radio labelled {label!r} in {name}")


def option_by_keyboard(tab: Any, select: Any, label: str) -> None:
    """Tab to a list and move through it with the arrow keys until the option beginning ``label`` shows."""
    tab_to(tab, select)
    shown = "(el) => el.options[el.selectedIndex] ? el.options[el.selectedIndex].text : ''"
    handle = select.element_handle()
    for _ in range(100):
        if str(tab.evaluate(shown, handle)).startswith(label):
            return
        tab.keyboard.press("ArrowDown")
    raise AssertionError(f"no option beginning {label!r}")


def submit_idea_by_keyboard(staff: Any, title: str) -> tuple[int, str]:
    """``submit_idea`` with the keyboard only: Tab, typing, Space and Enter."""
    staff.goto("/")
    tab_to(staff, staff.get_by_role("link", name="Submit an idea").first)
    with staff.expect_navigation():
        staff.keyboard.press("Enter")
    # Sent empty first: the page says what is missing, and focus goes to that list.
    press_button(staff, "Submit idea")
    assert_error_summary_has_focus(staff)
    type_into(staff, staff.get_by_label("Title"), title)
    type_into(staff, staff.locator("#problem"), "Residents phone us to ask the same thing every week.")
    type_into(staff, staff.locator("#proposal"), "Answer it once, online, where they look first.")
    tab_to(staff, staff.locator("input[name=benefit_drivers]").first)
    staff.keyboard.press("Space")
    assert staff.locator("input[name=benefit_drivers]").first.is_checked()
    press_button(staff, "Submit idea")
    match = re.search(r"/improvements/(\d+)/submitted$", staff.url)
    assert match, main_text(staff)[:600]
    return int(match.group(1)), staff.locator("#reference").inner_text()


def triage_by_keyboard(da: Any, improvement_id: int, decision: str, reasons: str, owner: str = "") -> None:
    """``triage`` with the keyboard only, from the triage queue: the decision by arrow keys, the owner from
    the list that the decision reveals, the reasons typed."""
    da.goto("/triage/")
    tab_to(da, da.locator(f"a[href='/triage/{improvement_id}']").first)
    with da.expect_navigation():
        da.keyboard.press("Enter")
    radio_by_keyboard(da, "decision", decision)
    if owner:
        owner_list = da.locator("#quick_win_owner_id" if decision == "Quick win" else "#owner_id")
        assert owner_list.is_visible(), "the owner list shows once the decision needs it"
        option_by_keyboard(da, owner_list, owner)
    type_into(da, da.locator("#rationale"), reasons)
    press_button(da, "Record decision")
    assert "Decision recorded" in flash(da), main_text(da)[:500]
