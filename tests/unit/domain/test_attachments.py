"""Evidence files: extension and content must agree; size and emptiness are checked (FILE-01, FILE-02)."""

from __future__ import annotations

import io
import zipfile

import pytest

from changeauth.domain.attachments import MAX_BYTES, AttachmentRefused, check_file


def _package(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}/document.xml", "<x/>")
    return buffer.getvalue()


GOOD = {
    "report.pdf": b"%PDF-1.7\n...",
    "chart.png": b"\x89PNG\r\n\x1a\n...",
    "photo.JPG": b"\xff\xd8\xff\xe0...",
    "photo.jpeg": b"\xff\xd8\xff\xe0...",
    "case.docx": _package("word"),
    "figures.xlsx": _package("xl"),
}


@pytest.mark.parametrize(("name", "content"), GOOD.items())
def test_real_files_are_accepted(name: str, content: bytes) -> None:
    assert check_file(name, content).extension == name.rsplit(".", 1)[1].lower()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("virus.exe", b"MZ...", "Attach a PDF"),
        ("page.html", b"<script>", "Attach a PDF"),
        ("noextension", b"%PDF-1.7", "Attach a PDF"),
        ("fake.pdf", b"<html><script>alert(1)</script>", "should be a PDF"),
        ("fake.png", b"%PDF-1.7", "should be a PNG"),
        ("swapped.docx", _package("xl"), "should be a Word"),
        ("plain.xlsx", b"PK\x03\x04not really a zip", "should be a spreadsheet"),
        ("empty.pdf", b"", "empty"),
        ("huge.pdf", b"%PDF-" + b"0" * MAX_BYTES, "10 MB"),
    ],
)
def test_everything_else_is_refused(name: str, content: bytes, reason: str) -> None:
    with pytest.raises(AttachmentRefused, match=reason):
        check_file(name, content)
