"""Screenshots of the main pages at a desktop and a mobile width, kept as test artefacts in
test-artifacts/<page>-<width>.png (the directory is ignored by git; CI can upload it).

Each page is opened once by a design authority member, who may see every one of them, and drawn at both
widths. The test checks each file is a real PNG of the right width with something drawn on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from changeauth.devtools.demo_data import demo_email
from tests.browser.conftest import ARTIFACTS, screenshot

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 812}}

# name -> (address, text in the main heading). {IMP-...} is the id of the worked example's improvement
# with that reference, read from the live server's database (the ids follow the order the example is
# loaded in): IMP-2021-0002 is the career progression framework, IMP-2021-0003 the strategic planning
# cycle review waiting at G1 with a submitted business case, IMP-2021-0014 a business case its members
# can score.
PAGES = {
    "home": ("/", "Welcome"),
    "ideas": ("/improvements/", "Ideas and improvements"),
    "improvement-detail": ("/improvements/{IMP-2021-0002}", "Career progression framework"),
    "backlog": ("/backlog/", "Prioritised backlog"),
    "scoring": ("/scoring/improvements/{IMP-2021-0014}", "Revise the planning scheme of delegation"),
    "gate": ("/improvements/{IMP-2021-0003}/gate", "G1: approve the business case"),
    "business-case": ("/improvements/{IMP-2021-0003}/business-case", "Business case"),
    "benefits-tracker": ("/benefits/", "Benefits tracker"),
    "dashboard": ("/dashboard", "Dashboard"),
    "decision-register": ("/decisions", "Decision register"),
    "flags": ("/flags", "Flags"),
    "accessibility-statement": ("/accessibility", "Accessibility statement"),
}

# The markup as served does not depend on the database: CI runs this on SQLite only.
pytestmark = pytest.mark.markup


def _improvement_id(live_app: Any, ref: str) -> int:
    from sqlalchemy import select

    from changeauth import db
    from changeauth.models import Improvement

    with live_app.app_context():
        found = db.session.scalar(select(Improvement.id).where(Improvement.ref == ref))
        db.session.remove()
    assert found is not None, ref
    return int(found)


@pytest.fixture(scope="module")
def da_page(browser: Any, live_server: str, sign_in_as: Any) -> Iterator[Any]:
    """One signed-in design authority window for the whole module (signing in once keeps it quick)."""
    context = browser.new_context(base_url=live_server, viewport=WIDTHS["desktop"], locale="en-GB")
    page = context.new_page()
    sign_in_as(page, demo_email("design_authority_2"))
    try:
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_main_pages_are_captured_at_desktop_and_mobile_widths(da_page: Any, live_app: Any, name: str) -> None:
    address, heading = PAGES[name]
    path = re.sub(r"\{(IMP-[0-9-]+)\}", lambda ref: str(_improvement_id(live_app, ref.group(1))), address)
    da_page.set_viewport_size(WIDTHS["desktop"])
    response = da_page.goto(path)
    assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
    assert da_page.get_by_role("heading", level=1).inner_text().count(heading) == 1
    for label, viewport in WIDTHS.items():
        da_page.set_viewport_size(viewport)
        file_name = f"{name}-{viewport['width']}"
        target = ARTIFACTS / f"{file_name}.png"
        target.unlink(missing_ok=True)
        screenshot(da_page, file_name)

        assert target.is_file(), f"no {label} screenshot of {path}"
        with Image.open(target) as image:
            assert image.format == "PNG"
            width, height = image.size
            darkest, lightest = image.convert("L").getextrema()
        # A full-page shot is as wide as the window unless the page scrolls sideways, which it must not.
        assert width == viewport["width"], f"{path} is {width}px wide in a {viewport['width']}px window"
        assert height >= viewport["height"] // 2
        assert lightest - darkest > 150, f"the {label} screenshot of {path} looks blank"
        assert target.stat().st_size > 10_000
