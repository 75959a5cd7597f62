"""What the forms of more than one blueprint share: dates, money and decimals as people type them, lists of
checkboxes, the button-only confirm form, a new password, the filters an export reads as its page does,
and evidence files; and putting a service's field errors next to the fields they belong to.

A blueprint's own forms stay in its ``forms.py``; a form or field another blueprint needs moves here, so
no blueprint imports another's forms (``tests/unit/test_web_layout.py``)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from flask import g, has_request_context
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import Select

from changeauth.domain.benefits import AdjustmentCategory, ClosingStatus, Rag
from changeauth.domain.errors import ValidationFailed
from changeauth.domain.money import MoneyError, format_money, parse_money
from changeauth.domain.passwords import MIN_LENGTH
from changeauth.domain.temporary_resources import ResourceStatus
from changeauth.domain.units import Unit, unit_kind


class PageForm(FlaskForm):
    """The base of every form the pages show. A form built while answering a request is remembered on the
    request, so a page that refuses the post (someone else changed the record first) can give back what
    was typed under the labels the person read (``labels_of_forms_in_request``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if has_request_context():
            g.setdefault("page_forms", []).append(self)


def labels_of_forms_in_request() -> dict[str, str]:
    """Each field's name as posted (``conditions-1-text``) and its label, for the forms built so far."""
    labels: dict[str, str] = {}

    def walk(fields: Any) -> None:
        for field in fields:
            if field.type == "FormField":
                walk(field.form)
            elif field.type == "FieldList":
                walk(field.entries)
            elif field.label.text:
                labels.setdefault(field.name, field.label.text)

    for form in g.get("page_forms", []):
        walk(form)
    return labels


class LongSelect(Select):
    """A select for lists of hundreds of options (a council's people): the same markup as WTForms'
    own, but each plain option is written directly instead of through ``html_params``, which is slow for
    the hundreds of owners of the benefits tracker's filter (docs/performance.md)."""

    @classmethod
    def render_option(cls, choice: Any, **kwargs: Any) -> Markup:
        if kwargs or choice.render_kw or not isinstance(choice.value, str):
            return super().render_option(choice, **kwargs)
        # Markup.format escapes the value and the label.
        selected = Markup(" selected") if choice.selected else ""
        label = choice.label or choice.value
        return Markup('<option{} value="{}">{}</option>').format(selected, choice.value, label)


def apply_field_errors(form: PageForm, failure: ValidationFailed) -> None:
    """Attach each message to its field, or to the form when no field matches."""
    for name, messages in failure.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            form.form_errors.extend(messages)


DATE_HINT = "For example 31 3 2027."
DATE_MESSAGE = "Enter a real date with the day, month and year, for example 31 3 2027."
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[\s/.\-]+(\d{1,2}|[A-Za-z]+)[\s/.\-]+(\d{4})$")


def parse_date(text: str) -> date | None:
    """A date as people type it: the day, month and year (31 3 2027, 31/03/2027, 31 March 2027), or as a
    browser's date box sends it (2027-03-31). None when it is not a real date."""
    text = " ".join(text.split())
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    match = _DAY_MONTH_YEAR.match(text)
    if match is None:
        return None
    day, month_text, year = match.groups()
    month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text.lower())
    if month is None:
        return None
    try:
        return date(int(year), month, int(day))
    except ValueError:
        return None


class DayMonthYearField(DateField):
    """A date box whose hint says what it accepts: a browser's date picker (which sends 2027-03-31), or
    the day, month and year typed in that order where the browser has no picker. Shown as ISO, which a
    date box needs for its value."""

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m-%d")
        kwargs.setdefault("description", DATE_HINT)
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        # A real date is shown as ISO (a date box shows nothing else); anything else as it was typed.
        if self.data is not None:
            return self.data.isoformat()
        return " ".join(self.raw_data) if self.raw_data else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        self.data = parse_date(str(valuelist[0]))
        if self.data is None:
            raise ValueError(DATE_MESSAGE)


# --- numbers people type ---

# ASCII digits only: Decimal would also accept other scripts' digits, "NaN", "Infinity" and exponents.
_DECIMAL_RE = re.compile(r"(?P<sign>[-\u2212])?(?P<whole>[0-9]+)?(?:\.(?P<frac>[0-9]+))?")


class MoneyField(StringField):
    """An amount in pounds, such as ``1234``, ``1,234.50`` or ``£1,234.50``; ``data`` is integer pence.

    A blank box gives ``None`` (add ``InputRequired`` to demand an amount). A refused amount gives
    the message from ``parse_money`` (no NaN, Infinity, exponents, three decimals, or anything over
    the maximum), and the box shows what was typed. A stored amount is shown as ``7,448,155`` or
    ``1,234.50``; the template puts the £ before the box.
    """

    def __init__(
        self, label: str | None = None, validators: Any = None, *, allow_negative: bool = False, **kwargs: Any
    ):
        super().__init__(label, validators, **kwargs)
        self.allow_negative = allow_negative

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = str(valuelist[0])
        if not text.strip():
            self.data = None
            return
        try:
            self.data = parse_money(text, allow_negative=self.allow_negative)
        except MoneyError as error:
            self.data = None
            raise ValueError(error.message) from error

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if not isinstance(self.data, int):  # None, or "" from a form built with empty defaults
            return ""
        return format_money(int(self.data)).replace("£", "")


class DecimalTextField(StringField):
    """A plain decimal number (``3.5``, ``-2.5``) with at most ``places`` decimal places.

    Only ASCII digits, one point and (when allowed) a leading minus are accepted, so ``NaN``,
    ``Infinity`` and ``1E+999`` are refused. ``suffix`` (such as ``%``) may be typed after the number.
    Ranges are the service's business; this field checks only that a number was typed.
    """

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        *,
        places: int,
        allow_negative: bool = False,
        suffix: str = "",
        example: str = "3.5",
        **kwargs: Any,
    ):
        super().__init__(label, validators, **kwargs)
        self.places = places
        self.allow_negative = allow_negative
        self.suffix = suffix
        self.example = example

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = str(valuelist[0]).strip()
        if self.suffix and text.endswith(self.suffix):
            text = text.removesuffix(self.suffix).rstrip()
        if not text:
            self.data = None
            return
        self.data = None
        match = _DECIMAL_RE.fullmatch(text)
        if match is None or not (match["whole"] or match["frac"]):
            raise ValueError(f"Enter a number, for example {self.example}.")
        if match["sign"] and not self.allow_negative:
            raise ValueError("Enter a number of 0 or more.")
        if match["frac"] and len(match["frac"]) > self.places:
            plural = "place" if self.places == 1 else "places"
            raise ValueError(f"Enter the number with no more than {self.places} decimal {plural}.")
        value = Decimal(f"{match['whole'] or '0'}.{match['frac'] or '0'}")
        self.data = -value if match["sign"] else value

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None or self.data == "":
            return ""
        return f"{Decimal(self.data).normalize():f}"


# --- forms and fields shared by blueprints ---

# A like-for-like adjustment's category in words: on the benefit's page, its form, and finance's Home.
CATEGORY_LABELS = {
    AdjustmentCategory.GROWTH_POSITION: "Growth position (new duties or demand taken on)",
    AdjustmentCategory.EXTERNAL_FUNDING: "External funding",
    AdjustmentCategory.DELIVERY_MODEL_CHANGE: "Delivery-model change (insourcing, outsourcing, sharing)",
    AdjustmentCategory.TAKEN_AS_SAVINGS: "Posts taken as savings already",
    AdjustmentCategory.SUPPLIES_AND_SERVICES: "Supplies and services",
    AdjustmentCategory.INCOME_GENERATION: "Income generation",
    AdjustmentCategory.PAY_AWARD: "Pay award",
    AdjustmentCategory.INFLATION: "Inflation (prices other than pay)",
    AdjustmentCategory.OTHER: "Other",
}

RESOURCE_STATUS_LABELS = {
    ResourceStatus.PLANNED: "Planned",
    ResourceStatus.ACTIVE: "Active",
    ResourceStatus.ENDING_SOON: "Ending within 30 days",
    ResourceStatus.OVERRUN: "Overrun",
    ResourceStatus.ENDED: "Ended",
}


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ConfirmForm(PageForm):
    """A button-only form: the CSRF token and the version the person saw."""

    version = IntegerField(widget=widgets.HiddenInput(), validators=[Optional()])


NEW_PASSWORD_HINT = (
    f"At least {MIN_LENGTH} characters. Long is better than complicated: three or four random words work "
    "well. Spaces and any characters are fine, and you may paste from a password manager."
)


class NewPasswordForm(PageForm):
    """A new password typed twice. Checked against the policy by the service, exactly as typed."""

    new_password = PasswordField(
        "New password",
        description=NEW_PASSWORD_HINT,
        # No form-level length limit: the service states the policy's limits in its own words.
        validators=[DataRequired("Enter a new password.")],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        "Confirm new password",
        validators=[
            DataRequired("Type the new password again."),
            EqualTo("new_password", "The two passwords are not the same."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ActionDoneForm(PageForm):
    """Marking a meeting's action done, from the meeting's page or the owner's actions."""

    version = HiddenField()


def version_read(text: str | None) -> int | None:
    """The version a hidden field carried back; None for a first save (0), a blank or a tampered value."""
    return int(text) if text and text.isdigit() and int(text) > 0 else None


class BacklogFilterForm(PageForm):
    class Meta:
        csrf = False

    driver = SelectField("Benefit driver", validators=[Optional()])
    stage = SelectField("Stage", validators=[Optional()])
    team = SelectField("Team", validators=[Optional()])


class TrackerFilterForm(PageForm):
    class Meta:
        csrf = False

    driver = SelectField("Benefit driver", validators=[Optional()])
    team = SelectField("Team", validators=[Optional()])
    owner = SelectField("Owner", validators=[Optional()], widget=LongSelect())
    rag = SelectField(
        "Against plan",
        choices=[SelectChoice("", "Any")] + [SelectChoice(rag.value, rag.label) for rag in Rag],
        validators=[Optional()],
    )
    stale = SelectField(
        "Measurements",
        choices=[SelectChoice("", "All"), SelectChoice("1", "Overdue only")],
        validators=[Optional()],
    )
    page = IntegerField(validators=[Optional()])


class ResourceFilterForm(PageForm):
    class Meta:
        csrf = False

    on = DayMonthYearField(
        "Status on",
        description=f"See every resource as it stood on any date. {DATE_HINT}",
        validators=[Optional()],
    )
    status = SelectField(
        "Status",
        choices=[SelectChoice("", "Any")]
        + [SelectChoice(str(s), label) for s, label in RESOURCE_STATUS_LABELS.items()],
        validators=[Optional()],
    )


class AttachmentForm(PageForm):
    title = StringField("Title", validators=[DataRequired("Give the file a title."), Length(max=200)])
    file = FileField(
        "File",
        description="PDF, Word (DOCX), Excel (XLSX), PNG or JPEG, up to 10 MB.",
        validators=[FileRequired("Choose a file.")],
    )


# Shared by the benefit's pages and the benefits review's decision (a closing status, a revised target).
CLOSING_LABELS = {
    ClosingStatus.REALISED: "Realised",
    ClosingStatus.PARTIALLY_REALISED: "Partially realised",
    ClosingStatus.NOT_REALISED: "Not realised",
}
_BENEFIT_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]{1,4})?")


def parse_value(text: str | None, unit: str | None) -> Decimal:
    """A value typed in the benefit's unit: pounds for GBP (returned as pence), else a plain number."""
    raw = (text or "").strip()
    if unit_kind(unit or "") is Unit.MONEY:
        try:
            return Decimal(parse_money(raw, allow_negative=True))
        except MoneyError as error:
            raise ValueError(error.message) from error
    cleaned = raw.replace(",", "")
    if not _BENEFIT_NUMBER.fullmatch(cleaned):
        raise ValueError("Enter a number, with no more than 4 decimal places, for example 1250 or 78.5.")
    return Decimal(cleaned)
