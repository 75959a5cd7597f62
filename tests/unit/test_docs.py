"""The documentation lives in the repository and the code's references to it resolve.

- No file refers to a design document, API contract or checklist outside the repository.
- Every security requirement id the repository cites (SESS-03, AUTH-01..03, …) is defined in
  docs/security.md.
- Every reference to a page of docs/ (from code, comments or the docs themselves) names a page that
  exists, and a section of it that exists when it names one.
- Docstrings and comments in the application carry no timings: figures belong in docs/performance.md
  and bench/.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SECURITY = DOCS / "security.md"
TEXT_SUFFIXES = {
    ".py",
    ".md",
    ".html",
    ".yaml",
    ".yml",
    ".toml",
    ".txt",
    ".js",
    ".css",
    ".mako",
    ".ini",
    ".cfg",
}
SEARCHED = ("changeauth", "tests", "bench", "migrations", "templates", "seeds", "docs", ".ci")
TOP_LEVEL = ("README.md", "pyproject.toml", "wsgi.py")

# Documents that live outside the repository: the first design, its API contract and its checklist.
OUTSIDE = re.compile(
    r"DESIGN\.md|DESIGN §|design §|\bAPI\.md|\.\./shared|shared/reference"
    r"|security-checklist|architecture-guide"
)
FAMILIES = "CFG|AUTH|SESS|AC|WF|VAL|CONC|OUT|CSRF|HDR|FILE|LOG|AUD|ERR|SCHED|DATA|RES|BAK|PERF|DEP"
REQUIREMENT = re.compile(rf"\b({FAMILIES})-(\d{{2}})(?:(?:\.\.|–| to )(?:\1-)?(\d{{2}}))?\b")
DEFINITION = re.compile(rf"^\| ({FAMILIES})-(\d{{2}}) \|", re.M)
DOC_REFERENCE = re.compile(r"\bdocs/([a-z0-9_-]+\.md)(#[a-z0-9_-]+)?")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} (.+?)\s*$", re.M)
# A measured duration: milliseconds or microseconds, or seconds with decimals ("0.15 s").
TIMING = re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:ms|µs|us)\b|\b\d+\.\d+\s?s\b")


def _files() -> Iterator[Path]:
    for name in TOP_LEVEL:
        yield ROOT / name
    for folder in SEARCHED:
        for path in sorted((ROOT / folder).rglob("*")):
            if (
                path.is_file()
                and (path.suffix in TEXT_SUFFIXES or path.name == "run")
                and "results" not in path.parts
            ):
                yield path


def _where(path: Path, text: str, offset: int) -> str:
    return f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, offset) + 1}"


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_slug(heading) for heading in HEADING.findall(page.read_text(encoding="utf-8"))}


def test_nothing_refers_to_documents_outside_the_repository() -> None:
    found = [
        f"{_where(path, text, match.start())}: {match.group(0)}"
        for path in _files()
        if path != Path(__file__).resolve()
        for text in [path.read_text(encoding="utf-8")]
        for match in OUTSIDE.finditer(text)
    ]
    assert found == [], "refer to the pages of docs/ instead"


def _definitions() -> list[str]:
    text = SECURITY.read_text(encoding="utf-8")
    return [f"{family}-{number}" for family, number in DEFINITION.findall(text)]


def _cited(text: str) -> Iterator[tuple[int, str]]:
    for match in REQUIREMENT.finditer(text):
        family, first, last = match.group(1), int(match.group(2)), match.group(3)
        for number in range(first, int(last) + 1 if last else first + 1):
            yield match.start(), f"{family}-{number:02d}"


def test_every_requirement_id_cited_is_defined_in_the_security_page() -> None:
    defined = set(_definitions())
    missing = sorted(
        {
            f"{_where(path, text, offset)}: {requirement}"
            for path in _files()
            if path != Path(__file__).resolve()
            for text in [path.read_text(encoding="utf-8")]
            for offset, requirement in _cited(text)
            if requirement not in defined
        }
    )
    assert missing == [], "define these in docs/security.md (a row '| ID | requirement | ASVS | where |')"


def test_the_security_page_defines_each_id_once() -> None:
    rows = [
        f"{family}-{number}" for family, number in DEFINITION.findall(SECURITY.read_text(encoding="utf-8"))
    ]
    assert len(rows) > 50
    assert sorted(row for row in set(rows) if rows.count(row) > 1) == []


def test_references_to_docs_pages_and_sections_resolve() -> None:
    broken = []
    for path in _files():
        text = path.read_text(encoding="utf-8")
        for match in DOC_REFERENCE.finditer(text):
            page, anchor = DOCS / match.group(1), match.group(2)
            if not page.exists() or (anchor and anchor[1:] not in _anchors(page)):
                broken.append(f"{_where(path, text, match.start())}: {match.group(0)}")
    assert broken == []


@pytest.mark.parametrize("page", [ROOT / "README.md", *sorted(DOCS.glob("*.md"))], ids=lambda p: p.name)
def test_links_between_pages_resolve(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    broken = []
    for match in MARKDOWN_LINK.finditer(text):
        target = match.group(1)
        if re.match(r"[a-z]+:", target):
            continue  # an outside address (http:, mailto:)
        file_part, _, anchor = target.partition("#")
        linked = (page.parent / file_part).resolve() if file_part else page
        if not linked.exists() or (anchor and linked.suffix == ".md" and anchor not in _anchors(linked)):
            broken.append(f"{_where(page, text, match.start())}: {target}")
    assert broken == []


def test_the_architecture_page_says_where_new_code_goes() -> None:
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    for kind in ("gate criterion", "report", "scheduled job", "page", "API endpoint"):
        assert f"| **{kind}**" in text, kind


def _docstrings_and_comments(path: Path) -> Iterator[tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                yield node.body[0].lineno, docstring


def test_docstrings_and_comments_carry_no_timings() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {match.group(0)}"
        for path in [*sorted((ROOT / "changeauth").rglob("*.py")), ROOT / "wsgi.py"]
        for line, text in _docstrings_and_comments(path)
        for match in TIMING.finditer(text)
    ]
    assert found == [], "move measured figures to docs/performance.md or bench/"
