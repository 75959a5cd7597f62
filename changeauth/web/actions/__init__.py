"""My actions, the flags raised by the scheduled jobs, and the record of job runs."""

from changeauth.web.actions.views import bp

__all__ = ["bp"]
