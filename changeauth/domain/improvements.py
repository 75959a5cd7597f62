"""Limits and reference formats for improvements, shared by forms, API schemas and services."""

from __future__ import annotations

TITLE_MIN = 3
TITLE_MAX = 200
TEXT_MAX = 10_000
REF_PREFIX = "IMP"


def format_ref(year: int, number: int) -> str:
    """An improvement's reference, e.g. ``IMP-2026-0042``."""
    return f"{REF_PREFIX}-{year}-{number:04d}"
