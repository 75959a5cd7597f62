"""Storing evidence files: checked, named by the server, kept outside static/, recorded and audited."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.attachments import AttachmentRefused, check_file
from changeauth.domain.errors import PermissionDenied, ValidationFailed
from changeauth.models import Attachment, Improvement, User
from changeauth.queries.improvements import access_to
from changeauth.services.audit import record_event


@dataclass(frozen=True)
class Upload:
    """A file a person sent as evidence with a record (a baseline, a measurement), before it is stored."""

    filename: str
    content: bytes


def add_attachment(
    improvement: Improvement, *, actor: User, title: str, filename: str, content: bytes, storage_dir: Path
) -> Attachment:
    """Attach evidence to an improvement (anyone who may comment on it). Flushes, does not commit.

    The file is written under a random name before the row is flushed; if the flush fails the file is removed,
    so a refused upload leaves nothing behind.
    """
    if not permissions.can_comment(*access_to(improvement, actor)):
        raise PermissionDenied("Evidence can no longer be added to this improvement.")
    errors: dict[str, list[str]] = {}
    if not title.strip() or len(title) > 200:
        errors["title"] = ["Give the file a title of up to 200 characters."]
    try:
        file_type = check_file(filename, content)
    except AttachmentRefused as refusal:
        errors["file"] = [str(refusal)]
    if errors:
        raise ValidationFailed(errors)
    storage_dir.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16) + "." + file_type.extension
    path = storage_dir / stored_name
    path.write_bytes(content)
    try:
        attachment = Attachment(
            improvement_id=improvement.id,
            title=title.strip(),
            original_name=Path(filename).name[:255],
            stored_name=stored_name,
            media_type=file_type.media_type,
            size_bytes=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by_id=actor.id,
            uploaded_at=db.utcnow(),
        )
        db.session.add(attachment)
        db.session.flush()
        record_event(
            actor_id=actor.id,
            action="attachment.added",
            subject_type="improvement",
            subject_id=improvement.id,
            after={"attachment_id": attachment.id, "title": attachment.title, "sha256": attachment.sha256},
        )
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return attachment
