"""Sending a file built by ``reporting/``: every export and download of the pages goes through here."""

from __future__ import annotations

from flask import Response, stream_with_context

from changeauth.reporting.exports import Download


def send_download(download: Download) -> Response:
    """The file as an attachment. A streamed body keeps the request open while it is written, so its
    rows are read inside the request's database session as they are sent."""
    body = download.body if isinstance(download.body, bytes) else stream_with_context(download.body)
    return Response(
        body,
        mimetype=download.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{download.filename}"'},
    )
