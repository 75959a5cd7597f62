"""Each blueprint keeps its own forms and views: a form or field that two blueprints need lives in
``changeauth/web/forms.py`` and a piece of a page they both show in ``changeauth/web/pages.py``, so
changing one feature's form or page never changes another feature's page."""

from __future__ import annotations

import ast
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "changeauth" / "web"


def _blueprints() -> list[Path]:
    return sorted(p for p in WEB.iterdir() if p.is_dir() and (p / "views.py").exists())


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_web_layer_has_its_blueprints() -> None:
    names = {p.name for p in _blueprints()}
    assert {"gates", "decisions", "meetings", "attachments", "improvements"} <= names


def _crossings(kind: str) -> list[str]:
    blueprints = _blueprints()
    crossings = []
    for blueprint in blueprints:
        for module in blueprint.rglob("*.py"):
            imported = _imported_modules(module)
            for other in blueprints:
                if other == blueprint:
                    continue
                target = f"changeauth.web.{other.name}.{kind}"
                if any(name == target or name.startswith(target + ".") for name in imported):
                    crossings.append(f"{module.relative_to(WEB)} imports {target}")
    return crossings


def test_no_blueprint_imports_another_blueprints_forms() -> None:
    crossings = _crossings("forms")
    assert not crossings, "move the shared form to changeauth/web/forms.py: " + "; ".join(crossings)


def test_no_blueprint_imports_another_blueprints_views() -> None:
    crossings = _crossings("views")
    assert not crossings, "move the shared piece to changeauth/web/pages.py: " + "; ".join(crossings)


def test_a_crossing_is_found(tmp_path: Path) -> None:
    module = tmp_path / "views.py"
    module.write_text(
        "from changeauth.web.gates.views import render_gate\nfrom changeauth.web import pages\n"
    )
    assert {"changeauth.web.gates.views", "changeauth.web.gates.views.render_gate"} <= _imported_modules(
        module
    )
