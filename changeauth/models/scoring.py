"""The scoring aggregate: versioned scoring schemes and their criteria, each DA member's assessment of
an improvement with one score per criterion, and the stored panel result per improvement."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from changeauth.db import Base, utcnow
from changeauth.domain.scoring import CriterionKind, CriterionSpec, Direction, SchemeStatus, ScoreStatus
from changeauth.models._columns import EnumString, one_of

if TYPE_CHECKING:
    from changeauth.models.improvement import Improvement
    from changeauth.models.user import User


class ScoringScheme(Base):
    """One version of the rubric. Drafts may be edited; active and retired versions never change.

    ``version`` is the scheme's public version number (1, 2, …); ``revision`` is the optimistic-lock
    counter for editing a draft. A partial unique index allows at most one active scheme.
    """

    __tablename__ = "scoring_scheme"
    __table_args__ = (
        one_of("status", SchemeStatus, "status_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index(
            "uq_scoring_scheme_one_active",
            "status",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    status: Mapped[SchemeStatus] = mapped_column(EnumString(SchemeStatus, 10), default=SchemeStatus.DRAFT)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]
    revision: Mapped[int] = mapped_column(default=1)

    # Every UPDATE checks and moves the revision (services/guards.py); ``version`` is the scheme's number.
    __mapper_args__ = {"version_id_col": revision}

    criteria: Mapped[list[SchemeCriterion]] = relationship(
        back_populates="scheme",
        cascade="all, delete-orphan",
        order_by="SchemeCriterion.position",
        lazy="raise_on_sql",
    )
    created_by: Mapped[User | None] = relationship(lazy="raise_on_sql")

    @property
    def is_draft(self) -> bool:
        return self.status is SchemeStatus.DRAFT

    def specs(self) -> tuple[CriterionSpec, ...]:
        """The criteria as the pure scoring functions take them (criteria must be loaded)."""
        return tuple(criterion.spec() for criterion in self.criteria)

    def __repr__(self) -> str:
        return f"<ScoringScheme v{self.version} {self.status}>"


class SchemeCriterion(Base):
    __tablename__ = "scheme_criterion"
    __table_args__ = (
        UniqueConstraint("scheme_id", "code"),
        one_of("kind", CriterionKind, "kind_known"),
        one_of("direction", Direction, "direction_known"),
        CheckConstraint("weight >= 0", name="weight_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("scoring_scheme.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[CriterionKind] = mapped_column(EnumString(CriterionKind, 10))
    weight: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal(0))
    direction: Mapped[Direction] = mapped_column(EnumString(Direction, 20), default=Direction.HIGHER_BETTER)
    # "0".."5" for should criteria; "pass"/"fail" for must criteria.
    descriptors: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    scheme: Mapped[ScoringScheme] = relationship(back_populates="criteria", lazy="raise_on_sql")

    @property
    def is_must(self) -> bool:
        return self.kind is CriterionKind.MUST

    @property
    def counted_weight(self) -> Decimal | None:
        """The weight, or None for a must criterion: it is pass/fail and its weight counts for nothing."""
        return None if self.is_must else self.weight

    @property
    def lower_is_better(self) -> bool:
        return self.direction is Direction.LOWER_BETTER

    def spec(self) -> CriterionSpec:
        return CriterionSpec(
            code=self.code,
            name=self.name,
            kind=self.kind,
            weight=Decimal(self.weight),
            direction=self.direction,
            description=self.description,
            descriptors=dict(self.descriptors or {}),
        )

    def __repr__(self) -> str:
        return f"<SchemeCriterion {self.code}>"


class Assessment(Base):
    """One DA member's assessment of one improvement under one scheme version (stamped with it)."""

    __tablename__ = "assessment"
    __table_args__ = (UniqueConstraint("improvement_id", "assessor_id", "scheme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    improvement_id: Mapped[int] = mapped_column(ForeignKey("improvement.id", ondelete="CASCADE"), index=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("scoring_scheme.id"), index=True)
    rationale: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    # Every UPDATE checks and moves the version (services/guards.py).
    __mapper_args__ = {"version_id_col": version}

    scores: Mapped[list[AssessmentScore]] = relationship(
        back_populates="assessment",
        cascade="all, delete-orphan",
        order_by="AssessmentScore.id",
        lazy="raise_on_sql",
    )
    improvement: Mapped[Improvement] = relationship(lazy="raise_on_sql")
    assessor: Mapped[User] = relationship(lazy="raise_on_sql")
    scheme: Mapped[ScoringScheme] = relationship(lazy="raise_on_sql")

    def values(self) -> dict[str, int | bool]:
        """{criterion code: score or pass/fail} (scores must be loaded)."""
        return {score.criterion_code: score.value for score in self.scores}

    def __repr__(self) -> str:
        return f"<Assessment {self.assessor_id} on {self.improvement_id}>"


class AssessmentScore(Base):
    """A 0–5 score for a should criterion, or pass/fail for a must criterion: exactly one of the two."""

    __tablename__ = "assessment_score"
    __table_args__ = (
        UniqueConstraint("assessment_id", "criterion_code"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 5)", name="score_in_range"),
        CheckConstraint("(score IS NULL) <> (passed IS NULL)", name="score_or_passed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    criterion_code: Mapped[str] = mapped_column(String(40))
    score: Mapped[int | None]
    passed: Mapped[bool | None]

    assessment: Mapped[Assessment] = relationship(back_populates="scores", lazy="raise_on_sql")

    @property
    def value(self) -> int | bool:
        return self.passed if self.score is None else self.score  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"<AssessmentScore {self.criterion_code}={self.value}>"


class ImprovementScore(Base):
    """The panel result for one improvement under the scheme it was computed with.

    ``criteria`` keeps, per criterion code any of the panel's latest assessments carries, the statistics
    of the scores and votes (see ``domain.panel.summarise``), so the result can be recomputed under any
    scheme version without reading the assessments again. ``medians`` repeats just the medians
    (``{code: "3.5"}``), small enough to read for every row when the backlog is ranked or re-weighted.
    An improvement without a row is unscored.
    """

    __tablename__ = "improvement_score"
    __table_args__ = (
        one_of("status", ScoreStatus, "status_known"),
        CheckConstraint(
            "weighted_score IS NULL OR (weighted_score >= 0 AND weighted_score <= 100)",
            name="weighted_score_in_range",
        ),
        CheckConstraint("scorers >= 0", name="scorers_not_negative"),
    )

    improvement_id: Mapped[int] = mapped_column(
        ForeignKey("improvement.id", ondelete="CASCADE"), primary_key=True
    )
    scheme_id: Mapped[int] = mapped_column(ForeignKey("scoring_scheme.id"))
    status: Mapped[ScoreStatus] = mapped_column(EnumString(ScoreStatus, 12))
    scorers: Mapped[int] = mapped_column(default=0)
    weighted_score: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    must_meet_passed: Mapped[bool | None]
    disagreement: Mapped[bool] = mapped_column(default=False)
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    medians: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    scheme: Mapped[ScoringScheme] = relationship(lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<ImprovementScore {self.improvement_id} {self.status} {self.weighted_score}>"
