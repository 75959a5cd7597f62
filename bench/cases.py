"""What the council benchmark measures: each case is one thing a person or a job does, done through the
application (pages and API calls through the Flask test client, so routing, loading, rendering and
serialising all count), with the raw SQL that fetches the same data as its floor.

A case's floor is the least work any implementation must do: the statements a hand-written program
would send to show the same rows, timed on a bare DB-API connection. Targets: pages and API
calls under 100 ms at the median (lists in the API under 50 ms), jobs and re-ranking under 2 s, the
CSV export under 5 s and the XLSX one under 30 s, and every page within 5x its floor plus
the fixed rendering cost ``RENDER_ALLOWANCE_MS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.orm import aliased

from changeauth import db
from changeauth.domain.lifecycle import ENDED_STAGES
from changeauth.jobs import get_job
from changeauth.models import (
    Benefit,
    BenefitMeasurement,
    Comment,
    GateDecision,
    Improvement,
    ImprovementScore,
    User,
    UserRole,
)
from changeauth.services import scoring as scoring_service

# What a page may cost beyond 5x its floor: template rendering, the layout, forms and the session.
RENDER_ALLOWANCE_MS = 50.0
ENDED = ", ".join(f"'{stage.value}'" for stage in ENDED_STAGES)
PAGE = 25


@dataclass
class Person:
    """Someone the benchmark acts as (plain values: the session that loaded them is long gone)."""

    id: int
    session_id: str  # what Flask-Login keeps in the session

    @classmethod
    def of(cls, user: User) -> Person:
        return cls(user.id, user.get_id())


@dataclass
class Subjects:
    """Who acts and on what: read from the database the benchmark runs on."""

    staff: Person
    manager: Person
    design_authority: Person
    admin: Person
    improvement_id: int
    benefit_id: int
    as_of: date
    api_headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # page | api list | api detail | job | operation | export
    target_ms: float
    run: Callable[[Any, Subjects], Any]
    floor: Callable[[Subjects], list[tuple[str, dict[str, Any]]]]
    repeat: int | None = None  # fewer runs for the slow ones
    ratio_checked: bool = True
    # A write done (untimed) before the case's view is timed again as the first view after a write.
    write: Callable[[Subjects], None] | None = None


def most_active(role: str, *, only_role: bool = False) -> Person:
    """The person with that role who submitted the most improvements (their pages are the fullest);
    with ``only_role``, among those who hold no other role (a staff member's Home, not a member's)."""
    submitted = (
        select(Improvement.submitter_id, func.count().label("n"))
        .group_by(Improvement.submitter_id)
        .subquery()
    )
    other_role = aliased(UserRole)
    user = db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .outerjoin(submitted, submitted.c.submitter_id == User.id)
        .where(UserRole.role == role, User.is_active.is_(True))
        .where(
            ~select(other_role.user_id)
            .where(other_role.user_id == User.id, other_role.role != role)
            .correlate(User)
            .exists()
            if only_role
            else true()
        )
        .order_by(func.coalesce(submitted.c.n, 0).desc(), User.id)
        .limit(1)
    )
    if user is None:
        raise SystemExit(f"No active user with the role {role}: load data with `changeauth demo-data` first.")
    return Person.of(user)


def busiest_improvement() -> int:
    """The improvement with the most decisions and comments: the heaviest detail page."""
    decisions = select(GateDecision.improvement_id.label("id"), func.count().label("n")).group_by(
        GateDecision.improvement_id
    )
    comments = select(Comment.improvement_id.label("id"), func.count().label("n")).group_by(
        Comment.improvement_id
    )
    both = decisions.union_all(comments).subquery()
    found = db.session.scalar(
        select(both.c.id).group_by(both.c.id).order_by(func.sum(both.c.n).desc(), both.c.id).limit(1)
    )
    return found or db.session.scalar(select(func.max(Improvement.id)))


def busiest_benefit() -> int:
    found = db.session.scalar(
        select(BenefitMeasurement.benefit_id)
        .group_by(BenefitMeasurement.benefit_id)
        .order_by(func.count().desc(), BenefitMeasurement.benefit_id)
        .limit(1)
    )
    return found or db.session.scalar(select(func.max(Benefit.id)))


def _get(path: str, *, as_user: str = "", api: bool = False) -> Callable[[Any, Subjects], Any]:
    def run(clients: Any, subjects: Subjects) -> Any:
        target = path.format(s=subjects)
        if api:
            response = clients.anonymous.get(target, headers=subjects.api_headers)
        else:
            response = clients.signed_in[as_user].get(target)
        if response.status_code != 200:
            raise RuntimeError(f"GET {target} answered {response.status_code}")
        return response.get_data()

    return run


def _sql(*statements: str) -> Callable[[Subjects], list[tuple[str, dict[str, Any]]]]:
    def floor(subjects: Subjects) -> list[tuple[str, dict[str, Any]]]:
        params = {
            "improvement_id": subjects.improvement_id,
            "benefit_id": subjects.benefit_id,
            "staff_id": subjects.staff.id,
            "as_of": subjects.as_of.isoformat(),
            "limit": PAGE,
            "pattern": "%parking%",
        }
        return [(statement, params) for statement in statements]

    return floor


# What the ideas list's search matches: any part of the reference, title or problem, ignoring case.
SEARCH = (
    "(lower(title) LIKE :pattern OR lower(ref) LIKE :pattern OR lower(problem) LIKE :pattern)"
    " AND (stage != 'withdrawn' OR submitter_id = :staff_id)"
)

BACKLOG_FIRST_PAGE = f"""
    SELECT i.id, i.ref, i.title, i.stage, i.is_mandatory, t.name, s.status, s.weighted_score, s.medians
    FROM improvement i
    LEFT JOIN team t ON t.id = i.team_id
    LEFT JOIN improvement_score s ON s.improvement_id = i.id
    WHERE i.stage NOT IN ({ENDED}) AND (s.must_meet_passed IS NULL OR s.must_meet_passed)
    ORDER BY i.is_mandatory DESC,
             CASE s.status WHEN 'final' THEN 0 WHEN 'provisional' THEN 1 ELSE 2 END,
             s.weighted_score IS NULL, s.weighted_score DESC, i.created_at, i.id
    LIMIT :limit"""
ALL_MEDIANS = "SELECT improvement_id, weighted_score, medians FROM improvement_score"
BACKLOG_ALL = f"""
    SELECT i.id, i.ref, i.title, i.stage, i.status, t.name, s.status, s.weighted_score, s.scorers,
           i.planned_quarter, i.created_at, i.updated_at
    FROM improvement i
    LEFT JOIN team t ON t.id = i.team_id
    LEFT JOIN improvement_score s ON s.improvement_id = i.id
    WHERE i.stage NOT IN ({ENDED})"""


def _rerank(clients: Any, subjects: Subjects) -> Any:
    weights = {"complexity": Decimal(30), "reform_risk": Decimal(10)}
    admin = db.session.get(User, subjects.admin.id)
    return scoring_service.adopt_weights(admin, weights, quorum=3, disagreement_threshold=3)


def edit_improvement(subjects: Subjects) -> None:
    """A write every derived view reads: the busiest improvement's problem is edited and committed (into
    the benchmark's savepoint), which renews every view's marker and the improvement's backlog key."""
    improvement = db.session.get(Improvement, subjects.improvement_id)
    assert improvement is not None
    improvement.problem = f"{improvement.problem} "
    db.session.commit()


def _job(name: str) -> Callable[[Any, Subjects], Any]:
    def run(clients: Any, subjects: Subjects) -> Any:
        return get_job(name).function(subjects.as_of)

    return run


CASES: tuple[Case, ...] = (
    Case(
        "backlog page",
        "page",
        100,
        _get("/backlog/", as_user="design_authority"),
        _sql(
            BACKLOG_FIRST_PAGE,
            "SELECT d.name FROM improvement_driver x JOIN benefit_driver d ON d.id = x.driver_id LIMIT 50",
        ),
    ),
    Case("backlog API", "api list", 50, _get("/api/v1/backlog", api=True), _sql(BACKLOG_FIRST_PAGE)),
    Case(
        "improvement detail page",
        "page",
        100,
        _get("/improvements/{s.improvement_id}", as_user="manager"),
        _sql(
            "SELECT * FROM improvement WHERE id = :improvement_id",
            "SELECT d.name FROM improvement_driver x JOIN benefit_driver d ON d.id = x.driver_id"
            " WHERE x.improvement_id = :improvement_id",
            "SELECT * FROM gate_decision WHERE improvement_id = :improvement_id",
            "SELECT * FROM condition WHERE improvement_id = :improvement_id",
            "SELECT * FROM comment WHERE improvement_id = :improvement_id",
            "SELECT * FROM benefit WHERE improvement_id = :improvement_id",
            "SELECT * FROM improvement_score WHERE improvement_id = :improvement_id",
        ),
    ),
    Case(
        "improvement API",
        "api detail",
        100,
        _get("/api/v1/improvements/{s.improvement_id}", api=True),
        _sql(
            "SELECT * FROM improvement WHERE id = :improvement_id",
            "SELECT x.driver_id FROM improvement_driver x WHERE x.improvement_id = :improvement_id",
        ),
    ),
    Case(
        "my ideas (home page)",
        "page",
        100,
        _get("/", as_user="staff"),
        _sql(
            "SELECT id, ref, title, stage, status, created_at FROM improvement WHERE submitter_id = :staff_id"
            " ORDER BY created_at DESC, id DESC LIMIT 20",
            # The recent stage changes: the newest decisions and moves (ten of each from the (action,
            # id) index, as a hand-written program would take them), with their improvement.
            "SELECT a.subject_id, a.action, a.occurred_at, i.ref, i.title FROM audit_event a"
            " JOIN improvement i ON i.id = a.subject_id WHERE a.id IN ("
            "SELECT d.id FROM (SELECT id FROM audit_event WHERE action = 'improvement.decided'"
            " ORDER BY id DESC LIMIT 10) d UNION ALL"
            " SELECT t.id FROM (SELECT id FROM audit_event WHERE action = 'improvement.transitioned'"
            " ORDER BY id DESC LIMIT 10) t) ORDER BY a.id DESC LIMIT 10",
        ),
    ),
    Case(
        # A design authority member's Home: their triage queue, what they have to score, and the work
        # waiting at a gate with each one's criteria and any interest that keeps them from deciding it.
        "design authority's home page",
        "page",
        100,
        _get("/", as_user="design_authority"),
        _sql(
            "SELECT id, ref, title, stage, owner_id FROM improvement"
            " WHERE stage IN ('business_case', 'delivery', 'realisation')"
            " ORDER BY stage_changed_at, id LIMIT :limit",
            "SELECT id, ref, title FROM improvement WHERE stage = 'idea'"
            " ORDER BY created_at, id LIMIT :limit",
        ),
        repeat=3,
    ),
    Case(
        "ideas list page",
        "page",
        100,
        _get("/improvements/", as_user="staff"),
        _sql(
            "SELECT count(*) FROM improvement WHERE stage != 'withdrawn' OR submitter_id = :staff_id",
            "SELECT id, ref, title, stage, status, team_id, created_at FROM improvement"
            " WHERE stage != 'withdrawn' OR submitter_id = :staff_id"
            " ORDER BY created_at DESC, id DESC LIMIT :limit",
        ),
    ),
    Case(
        "ideas search (a word in 1 in 30 titles)",
        "page",
        100,
        _get("/improvements/?q=parking", as_user="staff"),
        _sql(
            f"SELECT count(*) FROM improvement WHERE {SEARCH}",
            f"SELECT id, ref, title, stage, status, team_id, created_at FROM improvement WHERE {SEARCH}"
            " ORDER BY created_at DESC, id DESC LIMIT :limit",
        ),
    ),
    Case(
        "improvements API",
        "api list",
        50,
        _get("/api/v1/improvements", api=True),
        _sql(
            "SELECT count(*) FROM improvement WHERE stage != 'withdrawn' OR submitter_id = :staff_id",
            "SELECT * FROM improvement WHERE stage != 'withdrawn' OR submitter_id = :staff_id"
            " ORDER BY created_at DESC, id DESC LIMIT :limit",
        ),
    ),
    Case(
        "dashboard",
        "page",
        100,
        _get("/dashboard", as_user="manager"),
        _sql(
            "SELECT stage, count(*) FROM improvement GROUP BY stage",
            "SELECT rag, count(*) FROM benefit GROUP BY rag",
            "SELECT kind, count(*) FROM flag WHERE resolved_on IS NULL GROUP BY kind",
            "SELECT count(*), sum(annual_cost_pence) FROM temporary_resource WHERE actual_end_date IS NULL",
        ),
    ),
    Case(
        "benefits tracker",
        "page",
        100,
        _get("/benefits/", as_user="manager"),
        _sql(
            "SELECT count(*) FROM benefit",
            "SELECT b.id, b.title, b.rag, b.next_due_on, b.last_value, b.target_value, i.ref"
            " FROM benefit b LEFT JOIN improvement i ON i.id = b.improvement_id"
            " ORDER BY b.closing_status IS NOT NULL, b.next_due_on, b.id LIMIT :limit",
        ),
    ),
    Case(
        "benefit detail page",
        "page",
        100,
        _get("/benefits/{s.benefit_id}", as_user="manager"),
        _sql(
            "SELECT * FROM benefit WHERE id = :benefit_id",
            "SELECT * FROM benefit_measurement WHERE benefit_id = :benefit_id ORDER BY period_end",
        ),
    ),
    Case(
        "flags list",
        "page",
        100,
        _get("/flags", as_user="manager"),
        _sql(
            "SELECT count(*) FROM flag WHERE resolved_on IS NULL",
            "SELECT id, kind, subject_type, subject_id, severity, raised_on, message FROM flag"
            " WHERE resolved_on IS NULL ORDER BY raised_on DESC, id DESC LIMIT :limit",
        ),
    ),
    Case(
        "flags API",
        "api list",
        50,
        _get("/api/v1/flags", api=True),
        _sql(
            "SELECT count(*) FROM flag WHERE resolved_on IS NULL",
            "SELECT * FROM flag WHERE resolved_on IS NULL ORDER BY raised_on DESC, id DESC LIMIT :limit",
        ),
    ),
    Case(
        "decision register",
        "page",
        100,
        _get("/decisions", as_user="manager"),
        _sql(
            "SELECT count(*) FROM gate_decision",
            "SELECT g.id, g.gate, g.decision, g.decided_at, g.rationale, i.ref, i.title"
            " FROM gate_decision g JOIN improvement i ON i.id = g.improvement_id"
            " ORDER BY g.decided_at DESC, g.id DESC LIMIT :limit",
        ),
    ),
    Case(
        "benefits API",
        "api list",
        50,
        _get("/api/v1/benefits", api=True),
        _sql(
            "SELECT count(*) FROM benefit",
            "SELECT * FROM benefit ORDER BY closing_status IS NOT NULL, next_due_on, id LIMIT :limit",
        ),
    ),
    Case(
        "temporary resources API",
        "api list",
        50,
        _get("/api/v1/temporary-resources", api=True),
        _sql(
            "SELECT count(*) FROM temporary_resource",
            "SELECT * FROM temporary_resource ORDER BY coalesce(extension_until, end_date) DESC, id"
            " LIMIT :limit",
        ),
    ),
    Case(
        "what-if page (new weights)",
        "page",
        100,
        _get(
            "/backlog/what-if?weights.strategic_priority=25&weights.customer_need=25"
            "&weights.transaction_volume=20&weights.complexity=30&weights.reform_risk=10",
            as_user="design_authority",
        ),
        _sql(ALL_MEDIANS),
    ),
    Case(
        "portfolio optimiser page",
        "page",
        100,
        _get(
            # Enough for the statutory work of a large council (about £51m and 3,200 person-months).
            "/portfolio/?budget_pence=60000000&capacity=5000&objective=score&cost_basis=first_year",
            as_user="design_authority",
        ),
        _sql(
            "SELECT i.id, i.ref, i.delivery_person_months, s.weighted_score FROM improvement i"
            " JOIN improvement_score s ON s.improvement_id = i.id WHERE i.stage NOT IN (" + ENDED + ")",
            "SELECT improvement_id, id, status FROM business_case",
        ),
        repeat=3,
    ),
    Case(
        "stale-benefits job",
        "job",
        2000,
        _job("stale-benefits"),
        _sql(
            "SELECT id, next_due_on, escalate_after_on FROM benefit WHERE closing_status IS NULL"
            " AND next_due_on < :as_of",
            "SELECT id, subject_id FROM flag WHERE resolved_on IS NULL AND subject_type = 'benefit'",
        ),
        repeat=5,
        ratio_checked=False,
    ),
    Case(
        "temporary-resources job",
        "job",
        2000,
        _job("temporary-resources"),
        _sql(
            "SELECT id, end_date, extension_until FROM temporary_resource WHERE actual_end_date IS NULL"
            " AND coalesce(extension_until, end_date) < :as_of",
            "SELECT id, subject_id FROM flag"
            " WHERE resolved_on IS NULL AND subject_type = 'temporary_resource'",
        ),
        repeat=5,
        ratio_checked=False,
    ),
    Case(
        "re-ranking after a weights change",
        "operation",
        2000,
        _rerank,
        _sql(ALL_MEDIANS, "UPDATE improvement_score SET computed_at = computed_at"),
        repeat=5,
        ratio_checked=False,
    ),
    Case(
        "backlog CSV export",
        "export",
        5000,
        _get("/backlog/export.csv", as_user="manager"),
        _sql(BACKLOG_ALL),
        repeat=3,
        ratio_checked=False,
    ),
    Case(
        "backlog XLSX export",
        "export",
        30000,
        _get("/backlog/export.xlsx", as_user="manager"),
        _sql(BACKLOG_ALL),
        repeat=3,
        ratio_checked=False,
    ),
)


# Every page and API call is also timed as the first view after a write (issue 22): each time, an edit
# to an improvement (which every derived view reads), then the view, as the first person after a change
# sees it. Jobs, re-ranking and exports are not views.
VIEWS = ("page", "api list", "api detail")
CASES = tuple(
    replace(case, write=edit_improvement) if case.kind in VIEWS and case.write is None else case
    for case in CASES
)


def backlog_size() -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Improvement)
            .where(Improvement.stage.not_in([s.value for s in ENDED_STAGES]))
        )
        or 0
    )


def score_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(ImprovementScore)) or 0
