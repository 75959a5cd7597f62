"""Temporary resources: the register (status on any date, overrun exposure, benefit at risk), one
resource, and the forms to record, extend and end one."""

from changeauth.web.temporary_resources.views import bp

__all__ = ["bp"]
