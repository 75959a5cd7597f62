"""Ideas and improvements: the list, the page of one, and submitting an idea."""

from changeauth.web.improvements.views import bp

__all__ = ["bp"]
