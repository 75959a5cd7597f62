"""Home page and the audit log."""

from changeauth.web.main.views import bp

__all__ = ["bp"]
