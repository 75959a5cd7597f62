"""Reading evidence attachments; a file is served only to people who may see its improvement."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import select

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.errors import NotFound
from changeauth.models import Attachment, Improvement, User


def storage_dir() -> Path:
    """Where evidence files live: under the instance folder, never under static/."""
    return Path(current_app.instance_path) / "attachments"


def attachments_of(improvement_id: int) -> list[Attachment]:
    return list(
        db.session.scalars(
            select(Attachment)
            .where(Attachment.improvement_id == improvement_id)
            .order_by(Attachment.uploaded_at)
        )
    )


def get_attachment(attachment_id: int, viewer: User) -> tuple[Attachment, Path]:
    attachment = db.session.get(Attachment, attachment_id)
    improvement = db.session.get(Improvement, attachment.improvement_id) if attachment else None
    if (
        attachment is None
        or improvement is None
        or not permissions.can_view_improvement(viewer.as_actor(), improvement.visibility_facts())
    ):
        raise NotFound("There is no file with that number.")
    path = storage_dir() / attachment.stored_name
    if not path.is_file():
        raise NotFound("The file is missing from storage.")
    return attachment, path
