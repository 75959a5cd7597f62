"""Reading the audit log: recent stage changes for the home page, and the full log for viewers."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, union_all

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.lifecycle import Stage
from changeauth.models import (
    AuditEvent,
    Benefit,
    BusinessCase,
    Condition,
    DaMeeting,
    GateCriterion,
    Improvement,
    PortfolioScenario,
    Programme,
    ScoringScheme,
    TemporaryResource,
    User,
)
from changeauth.queries.pagination import Page, clamp_page

STAGE_CHANGE_ACTIONS = ("improvement.decided", "improvement.transitioned")


@dataclass(frozen=True)
class StageChange:
    at: datetime
    improvement_id: int
    ref: str
    title: str
    from_stage: str | None
    to_stage: str | None
    reason: str | None


def recent_stage_changes(viewer: User, *, limit: int = 10) -> list[StageChange]:
    """The latest decisions and stage moves across the backlog, newest first (one query).

    The newest ``limit`` events of each action are picked from the (action, id) index and only those
    are joined and sorted, so the cost does not grow with the audit log (a million events at council
    scale). The actions name improvement events only; the picks still check the subject type. The check
    stays inside the picks: beside the outer query's id lookup, SQLite chose the subject index for it
    and read every improvement event (docs/performance.md).
    """
    latest = [
        select(AuditEvent.id)
        .where(AuditEvent.action == action, AuditEvent.subject_type == "improvement")
        .order_by(AuditEvent.id.desc())
        .limit(limit)
        .subquery()
        for action in STAGE_CHANGE_ACTIONS
    ]
    candidates = union_all(*(select(part.c.id) for part in latest))
    rows = db.session.execute(
        select(AuditEvent, Improvement.ref, Improvement.title)
        .join(Improvement, Improvement.id == AuditEvent.subject_id)
        .where(AuditEvent.id.in_(candidates))
        # Someone else's withdrawn idea, and the note they gave for withdrawing it, stay theirs: the
        # feed is on everyone's home page, design authority members' included.
        .where(or_(Improvement.stage != Stage.WITHDRAWN.value, Improvement.submitter_id == viewer.id))
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    ).all()
    return [
        StageChange(
            at=event.occurred_at,
            improvement_id=event.subject_id or 0,
            ref=ref,
            title=title,
            from_stage=(event.before or {}).get("stage"),
            to_stage=(event.after or {}).get("stage"),
            reason=event.reason,
        )
        for event, ref, title in rows
    ]


@dataclass(frozen=True)
class AuditEntry:
    """One audit event as a given reader may see it (see ``list_audit_events``)."""

    id: int
    occurred_at: datetime
    actor_id: int | None
    action: str
    subject_type: str
    subject_id: int | None
    subject_version: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    request_id: str | None
    prev_hash: str | None
    row_hash: str | None
    actor_hidden: bool = False


# What an event about a user says (name, email, roles) maps actor ids to people, so only admins read it.
_PERSONAL_SUBJECT_TYPES = frozenset({"user", "api_token"})


def _anonymous_submitters(events: Sequence[AuditEvent]) -> dict[tuple[str, int], int]:
    """For the events' subjects that belong to an anonymous improvement: (subject type, id) → the
    submitter's id. Two queries at most, whatever the page holds."""
    found: dict[tuple[str, int], int] = {}
    improvement_ids = {e.subject_id for e in events if e.subject_type == "improvement" and e.subject_id}
    case_ids = {e.subject_id for e in events if e.subject_type == "business_case" and e.subject_id}
    if improvement_ids:
        rows = db.session.execute(
            select(Improvement.id, Improvement.submitter_id).where(
                Improvement.id.in_(improvement_ids),
                Improvement.is_anonymous.is_(True),
                Improvement.submitter_id.is_not(None),
            )
        ).all()
        found.update({("improvement", i): s for i, s in rows if s is not None})
    if case_ids:
        rows = db.session.execute(
            select(BusinessCase.id, Improvement.submitter_id)
            .join(Improvement, Improvement.id == BusinessCase.improvement_id)
            .where(
                BusinessCase.id.in_(case_ids),
                Improvement.is_anonymous.is_(True),
                Improvement.submitter_id.is_not(None),
            )
        ).all()
        found.update({("business_case", i): s for i, s in rows if s is not None})
    return found


def anonymised_subjects(events: Sequence[AuditEvent]) -> set[int]:
    """The anonymised people among the events' subjects (docs/personal-data.md#leavers)."""
    ids = {e.subject_id for e in events if e.subject_type == "user" and e.subject_id is not None}
    if not ids:
        return set()
    return set(db.session.scalars(select(User.id).where(User.id.in_(ids), User.anonymised_at.is_not(None))))


def _as_seen_by(
    event: AuditEvent,
    *,
    is_admin: bool,
    anonymous: dict[tuple[str, int], int],
    anonymised: Collection[int] = (),
) -> AuditEntry:
    gone = event.subject_type == "user" and event.subject_id in anonymised
    entry = AuditEntry(
        id=event.id,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        action=event.action,
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        subject_version=event.subject_version,
        before=event.shown("before", subject_anonymised=gone),
        after=event.shown("after", subject_anonymised=gone),
        reason=event.reason,
        request_id=event.request_id,
        prev_hash=event.prev_hash,
        row_hash=event.row_hash,
    )
    if is_admin:
        return entry
    # The hashes cover the actor, so anyone holding them could try every user id until one matches:
    # only admins, who verify the chain, read them. The request id ties events of one request together.
    hidden = event.actor_id is not None and anonymous.get((event.subject_type, event.subject_id or 0)) == (
        event.actor_id
    )
    personal = event.subject_type in _PERSONAL_SUBJECT_TYPES
    return AuditEntry(
        **{
            **entry.__dict__,
            "actor_id": None if hidden else event.actor_id,
            "actor_hidden": hidden,
            "before": None if personal else event.before,
            "after": None if personal else event.after,
            "request_id": None,
            "prev_hash": None,
            "row_hash": None,
        }
    )


def list_audit_events(
    reader: User,
    *,
    subject_type: str | None = None,
    subject_id: int | None = None,
    actor_id: int | None = None,
    page: int | None = None,
    per_page: int | None = None,
) -> Page[AuditEntry]:
    """Audit events, newest first, optionally for one subject type or one subject, as ``reader`` may
    see them.

    Only administrators may link an anonymous idea to a person, so for anyone else the actor of every
    event the anonymous submitter made on their idea (or its business case) is hidden, what events
    about people say (names, emails) is left out, and so are the hashes and request ids, which would
    let someone work the hidden actor out.
    """
    page, per_page = clamp_page(page, per_page)
    stmt = select(AuditEvent)
    if subject_type:
        stmt = stmt.where(AuditEvent.subject_type == subject_type)
    if subject_id is not None:
        stmt = stmt.where(AuditEvent.subject_id == subject_id)
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    events = db.session.scalars(
        stmt.order_by(AuditEvent.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    is_admin = permissions.is_admin(reader.as_actor())
    anonymous = {} if is_admin else _anonymous_submitters(events)
    anonymised = anonymised_subjects(events)
    items = [
        _as_seen_by(event, is_admin=is_admin, anonymous=anonymous, anonymised=anonymised) for event in events
    ]
    return Page(items=items, page=page, per_page=per_page, total=total)


# What each kind of subject is called on the audit page.
SUBJECT_TYPE_LABELS: dict[str, str] = {
    "improvement": "Improvement",
    "business_case": "Business case",
    "benefit": "Benefit",
    "temporary_resource": "Temporary resource",
    "condition": "Condition",
    "da_meeting": "Meeting",
    "gate_criterion": "Gate criterion",
    "scoring_scheme": "Scoring scheme",
    "assessment": "Scoring",
    "portfolio_scenario": "Portfolio scenario",
    "programme": "Programme",
    "user": "User",
    "api_token": "API token",
    "audit_log": "Audit log",
    "audit_event": "Audit log",
}


@dataclass(frozen=True)
class AuditSubject:
    """How an audit event's subject is named for people: a kind, a name, and the page it links to
    (``endpoint`` with ``args``), when it has one."""

    kind: str
    name: str
    endpoint: str | None = None
    args: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class AuditRow:
    event: AuditEntry
    subject: AuditSubject
    actor_name: str


def _names(model: Any, ids: set[int], *columns: Any) -> dict[int, tuple[Any, ...]]:
    # Asked even when no event names this kind, so a page costs the same queries whatever it shows.
    return {
        row[0]: tuple(row[1:])
        for row in db.session.execute(select(model.id, *columns).where(model.id.in_(ids)))
    }


def audit_rows(events: Sequence[AuditEntry], *, names_people: bool) -> list[AuditRow]:
    """Audit events as their reader may see them (``list_audit_events``), with subjects and actors named
    (the same few queries whatever the page holds). An actor hidden from the reader (an anonymous
    submitter) is named as such; accounts and tokens, and who acted on them, are named only when
    ``names_people`` (for administrators, as what such events say is)."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.subject_id is not None:
            wanted.setdefault(event.subject_type, set()).add(event.subject_id)
    improvements = _names(
        Improvement,
        wanted.get("improvement", set()),
        Improvement.ref,
        Improvement.title,
    )
    cases = _names(
        BusinessCase, wanted.get("business_case", set()), BusinessCase.improvement_id, BusinessCase.version
    )
    benefits = _names(Benefit, wanted.get("benefit", set()), Benefit.title)
    resources = _names(
        TemporaryResource, wanted.get("temporary_resource", set()), TemporaryResource.role_title
    )
    meetings = _names(DaMeeting, wanted.get("da_meeting", set()), DaMeeting.title)
    conditions = _names(Condition, wanted.get("condition", set()), Condition.text, Condition.improvement_id)
    schemes = _names(ScoringScheme, wanted.get("scoring_scheme", set()), ScoringScheme.version)
    scenarios = _names(PortfolioScenario, wanted.get("portfolio_scenario", set()), PortfolioScenario.name)
    criteria = _names(
        GateCriterion, wanted.get("gate_criterion", set()), GateCriterion.gate, GateCriterion.text
    )
    programmes = _names(Programme, wanted.get("programme", set()), Programme.name)
    user_ids = {event.actor_id for event in events if event.actor_id is not None} | wanted.get("user", set())
    people = {uid: name for uid, (name,) in _names(User, user_ids, User.name).items()}
    case_refs = {
        id_: ref
        for id_, (ref,) in _names(
            Improvement, {imp for imp, _v in cases.values() if imp is not None}, Improvement.ref
        ).items()
    }

    def subject(event: AuditEntry) -> AuditSubject:
        kind = SUBJECT_TYPE_LABELS.get(event.subject_type, event.subject_type.replace("_", " ").capitalize())
        sid = event.subject_id
        if sid is None:
            return AuditSubject(kind, "")
        if event.subject_type == "improvement" and sid in improvements:
            ref, title = improvements[sid]
            return AuditSubject(kind, f"{ref} {title}", "improvements.detail", (("improvement_id", sid),))
        if event.subject_type == "business_case" and sid in cases:
            improvement_id, version = cases[sid]
            ref = case_refs.get(improvement_id, "the programme") if improvement_id else "the programme"
            return AuditSubject(
                kind, f"version {version} for {ref}", "business_cases.version", (("case_id", sid),)
            )
        if event.subject_type == "benefit" and sid in benefits:
            return AuditSubject(kind, benefits[sid][0], "benefits.detail", (("benefit_id", sid),))
        if event.subject_type == "temporary_resource" and sid in resources:
            return AuditSubject(
                kind, resources[sid][0], "temporary_resources.detail", (("resource_id", sid),)
            )
        if event.subject_type == "da_meeting" and sid in meetings:
            return AuditSubject(kind, meetings[sid][0], "meetings.meeting", (("meeting_id", sid),))
        if event.subject_type == "condition" and sid in conditions:
            text, improvement_id = conditions[sid]
            return AuditSubject(kind, text, "gates.gate", (("improvement_id", improvement_id),))
        if event.subject_type == "scoring_scheme" and sid in schemes:
            return AuditSubject(kind, f"version {schemes[sid][0]}", "scoring.scheme", (("scheme_id", sid),))
        if event.subject_type == "portfolio_scenario" and sid in scenarios:
            return AuditSubject(kind, scenarios[sid][0], "portfolio.scenario", (("scenario_id", sid),))
        if event.subject_type == "gate_criterion" and sid in criteria:
            gate, text = criteria[sid]
            return AuditSubject(kind, f"{gate}: {text}", "gates.criterion_edit", (("criterion_id", sid),))
        if event.subject_type == "programme" and sid in programmes:
            return AuditSubject(kind, programmes[sid][0])
        if event.subject_type == "user" and sid in people and names_people:
            return AuditSubject(kind, people[sid], "admin.user", (("user_id", sid),))
        return AuditSubject(kind, "")

    def actor(event: AuditEntry) -> str:
        if event.actor_hidden:
            return "The submitter (anonymous)"
        if not names_people and event.subject_type in _PERSONAL_SUBJECT_TYPES:
            # Who did what to an account is for administrators: beside an anonymous idea's events it
            # could name the submitter by its timing.
            return "Not shown"
        if event.actor_id is None:
            return "The system"
        return people.get(event.actor_id, "A removed account")

    return [AuditRow(event, subject(event), actor(event)) for event in events]


def audit_actors() -> list[tuple[int, str]]:
    """People who appear in the audit log as actors, by name, for the log's filter."""
    rows = db.session.execute(
        select(User.id, User.name)
        .where(User.id.in_(select(AuditEvent.actor_id).where(AuditEvent.actor_id.is_not(None)).distinct()))
        .order_by(User.name)
    ).all()
    return [(uid, name) for uid, name in rows]
