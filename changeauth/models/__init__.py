"""Every model, imported so ``Base.metadata`` knows all tables. Defines nothing itself."""

from changeauth.db import Base
from changeauth.models.attachment import Attachment
from changeauth.models.audit import AuditEvent, AuditEventImmutable
from changeauth.models.backlog_key import BacklogKey, BacklogRankRange, SharedView
from changeauth.models.benefit import (
    Benefit,
    BenefitAdjustment,
    BenefitChangeRequest,
    BenefitMeasurement,
    BenefitPayAward,
    BenefitPlannedPoint,
    BenefitPost,
    BenefitStaffing,
    BenefitYear,
)
from changeauth.models.business_case import (
    BusinessCase,
    BusinessCaseOption,
    BusinessCaseOptionYear,
    business_case_driver,
    business_case_priority,
)
from changeauth.models.credentials import PasswordToken, RecoveryCode, SecondFactorAttempt
from changeauth.models.dependency import ImprovementDependency
from changeauth.models.derived_state import DerivedState
from changeauth.models.disbenefit import Disbenefit, disbenefit_offset
from changeauth.models.flag import Flag, Notification
from changeauth.models.gate import (
    Condition,
    CriterionTick,
    DaMeeting,
    GateCriterion,
    GateDecision,
    MeetingAction,
    MeetingAgendaItem,
    da_meeting_member,
    gate_decision_attendee,
)
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
    ProgrammeFigure,
    StrategicPriority,
    Team,
)
from changeauth.models.portfolio import PortfolioScenario
from changeauth.models.review import BenefitReview, Lesson
from changeauth.models.scoring import (
    Assessment,
    AssessmentScore,
    ImprovementScore,
    SchemeCriterion,
    ScoringScheme,
)
from changeauth.models.temporary_resource import TemporaryResource
from changeauth.models.user import ApiToken, LoginAttempt, User, UserRole

__all__ = [
    "ApiToken",
    "Assessment",
    "AssessmentScore",
    "AuditEvent",
    "AuditEventImmutable",
    "Base",
    "Benefit",
    "BenefitAdjustment",
    "BenefitChangeRequest",
    "BenefitDriver",
    "BenefitMeasurement",
    "BenefitPayAward",
    "BenefitPlannedPoint",
    "BenefitReview",
    "BenefitPost",
    "BenefitStaffing",
    "BenefitYear",
    "BusinessCase",
    "BusinessCaseOption",
    "BusinessCaseOptionYear",
    "Comment",
    "DerivedState",
    "Disbenefit",
    "ImprovementDependency",
    "ConflictDeclaration",
    "Flag",
    "Attachment",
    "Condition",
    "CriterionTick",
    "DaMeeting",
    "MeetingAction",
    "MeetingAgendaItem",
    "GateCriterion",
    "GateDecision",
    "da_meeting_member",
    "Improvement",
    "ImprovementScore",
    "JobRun",
    "Lesson",
    "BacklogKey",
    "BacklogRankRange",
    "LoginAttempt",
    "MaturityAssessment",
    "Notification",
    "PasswordToken",
    "PortfolioScenario",
    "Programme",
    "ProgrammeFigure",
    "RecoveryCode",
    "SchemeCriterion",
    "SharedView",
    "SecondFactorAttempt",
    "ScoringScheme",
    "StrategicPriority",
    "Support",
    "Team",
    "TemporaryResource",
    "User",
    "UserRole",
    "business_case_driver",
    "business_case_priority",
    "disbenefit_offset",
    "gate_decision_attendee",
    "improvement_driver",
    "improvement_priority",
]
