"""Gates G1–G3, conditions, the decision register, design authority meetings and evidence."""

from changeauth.web.gates.views import bp

__all__ = ["bp"]
