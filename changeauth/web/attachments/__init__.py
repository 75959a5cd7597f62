"""Evidence attached to an improvement."""

from changeauth.web.attachments.views import bp

__all__ = ["bp"]
