"""Which evidence files are accepted: the extension and the file's own first bytes must agree.

PDF, PNG and JPEG announce themselves in their first bytes; DOCX and XLSX are ZIP packages whose
contents say which they are. Anything else, or a mismatch, is refused (FILE-01, FILE-02).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class FileType:
    extension: str
    media_type: str
    label: str


ALLOWED = {
    "pdf": FileType("pdf", "application/pdf", "PDF"),
    "png": FileType("png", "image/png", "PNG image"),
    "jpg": FileType("jpg", "image/jpeg", "JPEG image"),
    "jpeg": FileType("jpeg", "image/jpeg", "JPEG image"),
    "docx": FileType(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word document (DOCX)",
    ),
    "xlsx": FileType(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "spreadsheet (XLSX)"
    ),
}


class AttachmentRefused(ValueError):
    """The file is not one we accept; the message says why in plain words."""


def _zip_kind(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(name.startswith("word/") for name in names):
        return "docx"
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    return None


def sniff(content: bytes) -> str | None:
    """The kind of file the bytes are, judged by their content alone."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if content.startswith(b"PK\x03\x04"):
        return _zip_kind(content)
    return None


def check_file(filename: str, content: bytes) -> FileType:
    """Accept the file or raise AttachmentRefused with the reason."""
    if not content:
        raise AttachmentRefused("The file is empty.")
    if len(content) > MAX_BYTES:
        raise AttachmentRefused("The file must be 10 MB or smaller.")
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in ALLOWED:
        raise AttachmentRefused("Attach a PDF, Word document (DOCX), Excel workbook (XLSX), PNG or JPEG.")
    kind = sniff(content)
    expected = "jpg" if extension == "jpeg" else extension
    if kind != expected:
        raise AttachmentRefused(
            f"The file's content does not match its name: it should be a {ALLOWED[extension].label}."
        )
    return ALLOWED[extension]
