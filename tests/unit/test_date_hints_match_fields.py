"""Every date or time box on every form says what it accepts, and accepts what it says: its hint gives an
example, and that example, typed into the field, is read without an error. A date box that is a plain
DateField (one format, said nowhere) is refused: dates are DayMonthYearFields."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import DateField, DateTimeField, Form, TimeField
from wtforms.fields.core import UnboundField

import changeauth.web
from changeauth.web.forms import DATE_HINT, DayMonthYearField

EXAMPLE = re.compile(r"[Ff]or example ((?:[^.]|\.(?=\S))+)\.")


def _form_classes() -> list[type[Form]]:
    found: dict[str, type[Form]] = {}
    for module_info in pkgutil.walk_packages(changeauth.web.__path__, "changeauth.web."):
        if not module_info.name.endswith(".forms"):
            continue
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Form) and cls.__module__ == module.__name__:
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return list(found.values())


def _time_fields() -> list[tuple[str, UnboundField]]:
    fields = []
    for cls in _form_classes():
        for name in dir(cls):
            value = getattr(cls, name, None)
            if isinstance(value, UnboundField) and issubclass(
                value.field_class, (DateField, DateTimeField, TimeField)
            ):
                fields.append((f"{cls.__module__}.{cls.__qualname__}.{name}", value))
    return fields


FIELDS = _time_fields()


def test_the_forms_have_date_fields_to_check() -> None:
    assert len(FIELDS) >= 15


@pytest.mark.parametrize(("where", "unbound"), FIELDS, ids=[where for where, _ in FIELDS])
def test_a_date_box_hint_gives_an_example_the_box_accepts(where: str, unbound: UnboundField) -> None:
    if issubclass(unbound.field_class, DateField):
        assert issubclass(unbound.field_class, DayMonthYearField), f"{where}: a plain DateField"
    description = unbound.kwargs.get("description")
    if description is None and issubclass(unbound.field_class, DayMonthYearField):
        description = DATE_HINT
    examples = EXAMPLE.findall(description or "")
    assert examples, f"{where}: the hint ({description!r}) gives no example of what to type"

    class One(Form):
        on = unbound

    for example in examples:
        form: Any = One(MultiDict({"on": example}))
        form.on.validate(form)
        assert form.on.errors == [], f"{where}: the hint's example {example!r} is refused: {form.on.errors}"
        assert form.on.data is not None


def test_a_date_box_refuses_what_its_hint_does_not_cover() -> None:
    # The check above can fail: a box that reads ISO dates only refuses the hint's example.
    class IsoOnly(Form):
        on = DateField("On", description=DATE_HINT, format="%Y-%m-%d")

    form = IsoOnly(MultiDict({"on": EXAMPLE.findall(DATE_HINT)[0]}))
    form.on.validate(form)
    assert form.on.errors
