"""The prioritised backlog: the ranking, the value/effort matrix, the roadmap and what-if weights."""

from changeauth.web.backlog.views import bp

__all__ = ["bp"]
