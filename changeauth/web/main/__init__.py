"""Home page, the audit log and the accessibility statement."""

from changeauth.web.main.views import bp

__all__ = ["bp"]
