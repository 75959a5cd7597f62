"""The decision register and its exports."""

from changeauth.web.decisions.views import bp

__all__ = ["bp"]
