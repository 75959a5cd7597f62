"""Subject access: exporting everything held about one person, with the export itself audited.

The export is read by ``queries.personal_data``; this module adds the audit record, so no export can be
taken without the log showing who took it, about whom and in which form (docs/personal-data.md).
"""

from __future__ import annotations

from enum import StrEnum

from changeauth.domain.errors import NotFound
from changeauth.queries import personal_data
from changeauth.queries.personal_data import PersonalData
from changeauth.services.audit import record_event


class ExportForm(StrEnum):
    """How the export left the service: the readable page, the JSON file, or the command line."""

    PAGE = "page"
    FILE = "file"
    COMMAND = "command"
    API = "api"


def export_person(
    user_id: int, *, actor_id: int | None, form: ExportForm, reason: str | None = None
) -> PersonalData:
    """Everything held about the person, recorded in the audit log as exported. Raises NotFound.
    Flushes, does not commit."""
    data = personal_data.gather(user_id)
    if data is None:
        raise NotFound("There is no such person.")
    record_event(
        actor_id=actor_id,
        action="user.personal_data_exported",
        subject_type="user",
        subject_id=user_id,
        after={"form": form.value},
        reason=reason or None,
    )
    return data
