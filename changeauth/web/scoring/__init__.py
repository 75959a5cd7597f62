"""Scoring: my assessments to do, the assessment form, scores, and scheme versions."""

from changeauth.web.scoring.views import bp

__all__ = ["bp"]
