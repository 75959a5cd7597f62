"""Every table a template writes sits directly in a ``table-scroll`` box, so a table wider than a phone
scrolls inside its box rather than taking the whole page sideways, with or without JavaScript (the script
only wraps what a template missed, and only when it runs)."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

TABLE = re.compile(r"<table\b.*?</table>", re.S)
OPENS_BOX = re.compile(r'<div class="table-scroll"[^>]*>\s*$')
CLOSES_BOX = re.compile(r"^\s*</div>")


def unboxed_tables(root: Path = TEMPLATES) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for table in TABLE.finditer(text):
            if not (OPENS_BOX.search(text[: table.start()]) and CLOSES_BOX.match(text[table.end() :])):
                line = text.count("\n", 0, table.start()) + 1
                found.append(f"{path.relative_to(root)}:{line}")
    return found


def test_every_table_in_a_template_sits_in_a_scroll_box() -> None:
    assert unboxed_tables() == []


def test_the_check_finds_a_table_outside_a_box(tmp_path: Path) -> None:
    """The check itself: a bare table is reported, a boxed one is not."""
    (tmp_path / "bare.html").write_text('<p>x</p>\n<table class="table"><tr><td>1</td></tr></table>\n')
    (tmp_path / "boxed.html").write_text(
        '<div class="table-scroll">\n<table class="table"><tr><td>1</td></tr></table>\n</div>\n'
    )
    assert unboxed_tables(tmp_path) == ["bare.html:2"]
