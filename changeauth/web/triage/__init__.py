"""The design authority's triage of ideas (gate G0)."""

from changeauth.web.triage.views import bp

__all__ = ["bp"]
