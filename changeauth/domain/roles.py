"""The roles a person can hold. A person may hold several."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    STAFF = "staff"
    MANAGER = "manager"
    DESIGN_AUTHORITY = "design_authority"
    FINANCE = "finance"
    VIEWER = "viewer"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.STAFF: "Staff",
    Role.MANAGER: "Manager",
    Role.DESIGN_AUTHORITY: "Design authority member",
    Role.FINANCE: "Finance",
    Role.VIEWER: "Viewer (members, scrutiny, audit)",
    Role.ADMIN: "Administrator",
}

ALL_ROLES = tuple(role.value for role in Role)
