"""Forms for scoring: the assessment (one field per criterion of the active scheme, showing its
descriptors) and the scheme editor for administrators. Shape only; the rules live in the services.

Fields are named as the services name their errors (``scores.<code>``, ``criteria.<n>.<part>``), so
``apply_field_errors`` puts each message next to its field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from changeauth.domain.errors import ValidationFailed
from changeauth.domain.improvements import TEXT_MAX
from changeauth.domain.scoring import DESCRIPTOR_KEYS, CriterionKind, CriterionSpec, Direction
from changeauth.services.scoring import MUST_DESCRIPTOR_KEYS
from changeauth.web.forms import PageForm

PASS, FAIL = "pass", "fail"


def _score(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


def _pass_fail(value: Any) -> bool | None:
    if value in (True, PASS):
        return True
    if value in (False, FAIL):
        return False
    return None


class _AssessmentBase(PageForm):
    rationale = TextAreaField(
        "Your reasons",
        description="What you based your scores on. Other members and the submitter's managers can read it.",
        validators=[Optional(), Length(max=TEXT_MAX)],
    )
    version = HiddenField()


def assessment_form(specs: Sequence[CriterionSpec], **kwargs: Any) -> Any:
    """A form with a radio group per criterion: 0-5 with each point's descriptor, or pass/fail."""

    class AssessmentForm(_AssessmentBase):
        pass

    for spec in specs:
        if spec.kind is CriterionKind.SHOULD:
            choices = [
                SelectChoice(int(point), f"{point} – {spec.descriptors.get(point, '')}")
                for point in DESCRIPTOR_KEYS
            ]
            field = RadioField(spec.name, choices=choices, coerce=_score, validate_choice=False)
        else:
            choices = [
                SelectChoice(PASS, f"Met – {spec.descriptors.get(PASS, 'it meets this criterion')}"),
                SelectChoice(
                    FAIL, f"Not met – {spec.descriptors.get(FAIL, 'it does not meet this criterion')}"
                ),
            ]
            field = RadioField(spec.name, choices=choices, coerce=_pass_fail, validate_choice=False)
        setattr(AssessmentForm, f"scores.{spec.code}", field)
    return AssessmentForm(**kwargs)


def criterion_fields(form: Any, specs: Sequence[CriterionSpec]) -> list[tuple[CriterionSpec, Field]]:
    return [(spec, form[f"scores.{spec.code}"]) for spec in specs]


def submitted_scores(form: Any, specs: Sequence[CriterionSpec]) -> dict[str, object]:
    return {spec.code: form[f"scores.{spec.code}"].data for spec in specs}


def assessment_data(values: Mapping[str, int | bool], rationale: str, version: int) -> dict[str, Any]:
    """An existing assessment as the form's initial data."""
    data: dict[str, Any] = {f"scores.{code}": value for code, value in values.items()}
    for code, value in values.items():
        if isinstance(value, bool):
            data[f"scores.{code}"] = PASS if value else FAIL
    return {**data, "rationale": rationale, "version": str(version)}


# --- the scheme editor ---------------------------------------------------------------------------

ROW_PARTS = (
    "code",
    "name",
    "description",
    "kind",
    "weight",
    "direction",
    *DESCRIPTOR_KEYS,
    *MUST_DESCRIPTOR_KEYS,
)
KIND_CHOICES = [
    SelectChoice(CriterionKind.SHOULD.value, "Should (scored 0 to 5)"),
    SelectChoice(CriterionKind.MUST.value, "Must (pass or fail)"),
]
DIRECTION_CHOICES = [
    SelectChoice(Direction.HIGHER_BETTER.value, "Higher is better"),
    SelectChoice(Direction.LOWER_BETTER.value, "Lower is better"),
]
SPARE_ROWS = 2


class _SchemeBase(PageForm):
    note = TextAreaField(
        "What changes in this version, and why",
        description="Shown with the version so everyone can see why the rubric changed.",
        validators=[Optional(), Length(max=TEXT_MAX)],
    )
    rows = HiddenField()
    revision = HiddenField()


def scheme_form(row_count: int, **kwargs: Any) -> Any:
    """``row_count`` criterion rows of flat fields ``criteria.<n>.<part>``, plus a remove box each."""

    class SchemeForm(_SchemeBase):
        pass

    for n in range(row_count):
        prefix = f"criteria.{n}"
        setattr(
            SchemeForm,
            f"{prefix}.code",
            StringField(
                "Code",
                description=(
                    "Lower case letters and digits, words joined by underscores. "
                    "Keep it while the meaning stays the same."
                ),
            ),
        )
        setattr(SchemeForm, f"{prefix}.name", StringField("Name"))
        setattr(SchemeForm, f"{prefix}.description", TextAreaField("Description"))
        setattr(SchemeForm, f"{prefix}.kind", SelectField("Kind", choices=KIND_CHOICES))
        setattr(
            SchemeForm,
            f"{prefix}.weight",
            StringField("Weight", description="Leave blank for a must criterion."),
        )
        setattr(SchemeForm, f"{prefix}.direction", SelectField("Direction", choices=DIRECTION_CHOICES))
        for point in DESCRIPTOR_KEYS:
            setattr(SchemeForm, f"{prefix}.{point}", StringField(f"What a score of {point} means"))
        setattr(SchemeForm, f"{prefix}.pass", StringField("What ‘met’ means (must criteria)"))
        setattr(SchemeForm, f"{prefix}.fail", StringField("What ‘not met’ means (must criteria)"))
        setattr(SchemeForm, f"{prefix}.remove", BooleanField("Leave this criterion out of the new version"))
    return SchemeForm(**kwargs)


def scheme_data(
    criteria: Sequence[Mapping[str, Any]], *, note: str = "", revision: int | None = None
) -> dict[str, Any]:
    """Criteria (as the services take them) as the editor's initial data, with spare blank rows."""
    data: dict[str, Any] = {"note": note, "rows": str(len(criteria) + SPARE_ROWS)}
    if revision is not None:
        data["revision"] = str(revision)
    for n, item in enumerate(criteria):
        prefix = f"criteria.{n}"
        weight = item.get("weight")
        data.update(
            {
                f"{prefix}.code": item["code"],
                f"{prefix}.name": item["name"],
                f"{prefix}.description": item.get("description", ""),
                f"{prefix}.kind": item["kind"],
                f"{prefix}.weight": ""
                if item["kind"] == CriterionKind.MUST or weight is None
                else f"{weight.normalize():f}",
                f"{prefix}.direction": item.get("direction") or Direction.HIGHER_BETTER.value,
            }
        )
        for key, text in (item.get("descriptors") or {}).items():
            data[f"{prefix}.{key}"] = text
    return data


def row_count(raw: str | None, default: int) -> int:
    """How many rows the posted editor had (bounded, so a crafted number cannot make a huge form)."""
    try:
        count = int(raw or default)
    except ValueError:
        count = default
    return max(1, min(count, 20 + SPARE_ROWS))


def submitted_criteria(form: Any, rows: int) -> tuple[list[dict[str, Any]], list[int]]:
    """(criteria for the service, the form row of each) - blank and removed rows are left out."""
    criteria: list[dict[str, Any]] = []
    origin: list[int] = []
    for n in range(rows):
        value = {part: (form[f"criteria.{n}.{part}"].data or "") for part in ROW_PARTS}
        if form[f"criteria.{n}.remove"].data or not any(
            str(value[part]).strip() for part in ROW_PARTS if part not in ("kind", "direction")
        ):
            continue
        keys = DESCRIPTOR_KEYS if value["kind"] == CriterionKind.SHOULD else MUST_DESCRIPTOR_KEYS
        criteria.append(
            {
                "code": value["code"].strip(),
                "name": value["name"],
                "description": value["description"],
                "kind": value["kind"],
                "weight": value["weight"].strip() or None,
                "direction": value["direction"],
                "descriptors": {key: value[key] for key in keys},
            }
        )
        origin.append(n)
    return criteria, origin


def row_errors(failure: ValidationFailed, origin: Sequence[int]) -> tuple[dict[int, list[str]], list[str]]:
    """The service's ``criteria.<i>`` errors by form row, and the errors about the whole scheme."""
    by_row: dict[int, list[str]] = {}
    general: list[str] = []
    for key, messages in failure.fields.items():
        head, _, index = key.partition(".")
        if head == "criteria" and index.isdigit() and int(index) < len(origin):
            by_row.setdefault(origin[int(index)], []).extend(messages)
        else:
            general.extend(messages)
    return by_row, general
