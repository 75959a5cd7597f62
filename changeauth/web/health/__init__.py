"""Health checks for load balancers and orchestrators: public, no session, nothing internal revealed."""

from changeauth.web.health.views import bp

__all__ = ["bp"]
