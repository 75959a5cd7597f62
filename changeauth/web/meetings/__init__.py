"""Design authority meetings: invitations, agenda, pack, minutes and actions."""

from changeauth.web.meetings.views import bp

__all__ = ["bp"]
