"""Every model, imported so ``Base.metadata`` knows all tables. Defines nothing itself."""

from changeauth.db import Base
from changeauth.models.audit import AuditEvent, AuditEventImmutable
from changeauth.models.flag import Flag, Notification
from changeauth.models.improvement import (
    Comment,
    ConflictDeclaration,
    Improvement,
    Support,
    improvement_driver,
    improvement_priority,
)
from changeauth.models.job_run import JobRun
from changeauth.models.organisation import (
    BenefitDriver,
    MaturityAssessment,
    Programme,
    StrategicPriority,
    Team,
)
from changeauth.models.user import ApiToken, LoginAttempt, User, UserRole

__all__ = [
    "ApiToken",
    "AuditEvent",
    "AuditEventImmutable",
    "Base",
    "BenefitDriver",
    "Comment",
    "ConflictDeclaration",
    "Flag",
    "Improvement",
    "JobRun",
    "LoginAttempt",
    "MaturityAssessment",
    "Notification",
    "Programme",
    "StrategicPriority",
    "Support",
    "Team",
    "User",
    "UserRole",
    "improvement_driver",
    "improvement_priority",
]
