"""Shared form helpers: putting a service's field errors next to the fields they belong to."""

from __future__ import annotations

from flask_wtf import FlaskForm

from changeauth.domain.errors import ValidationFailed


def apply_field_errors(form: FlaskForm, failure: ValidationFailed) -> None:
    """Attach each message to its field, or to the form when no field matches."""
    for name, messages in failure.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            form.form_errors.extend(messages)
