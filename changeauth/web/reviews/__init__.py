"""The benefits review at G3 (variance, causes and a decision per benefit) and the lessons log."""

from changeauth.web.reviews.views import bp

__all__ = ["bp"]
