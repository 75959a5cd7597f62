"""A person's notifications."""

from changeauth.web.notifications.views import bp

__all__ = ["bp"]
