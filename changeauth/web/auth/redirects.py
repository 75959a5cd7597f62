"""Where a ``next`` parameter may send someone: only to a path on this site (OUT-04)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` if it is a local path, else ``default``.

    Browsers treat backslashes as slashes and ignore tabs and newlines, so ``/\\evil.com`` or
    ``/\\t/evil.com`` would leave the site; any such character, a scheme or a host refuses the target.
    """
    if not target:
        return default
    decoded = unquote(target)
    for candidate in (target, decoded):
        if not candidate.startswith("/") or candidate.startswith("//"):
            return default
        if "\\" in candidate or any(ord(ch) < 32 or ord(ch) == 127 for ch in candidate):
            return default
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return default
    return target
