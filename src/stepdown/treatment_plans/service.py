"""Use cases for treatment plans: draft a plan for the open episode, add and edit its items,
sign it (clinician first, then the client in the portal or in person before staff), revise
it into a new draft version, write progress notes that change objective statuses, record
reviews, and the reads other domains need (overdue reviews, the client's goals, objectives
met in a period).

A revised version takes effect when both have signed it; until then the version before it
stays active. Taking effect counts as a review: the next review is due one interval after
the new version's effective date.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.continuum import repository as continuum_repository
from stepdown.continuum.models import Episode, EpisodeStatus
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.policy import Policy
from stepdown.security.roles import Role
from stepdown.treatment_plans import access, repository, rules
from stepdown.treatment_plans.models import (
    ClientSignatureMethod,
    Goal,
    Intervention,
    Modality,
    Objective,
    ObjectiveStatus,
    ObjectiveStatusChange,
    PlanReview,
    PlanStatus,
    Problem,
    ProgressNote,
    TreatmentPlan,
)
from stepdown.treatment_plans.schemas import (
    GoalInput,
    InterventionInput,
    InterventionUpdate,
    ObjectiveInput,
    ObjectiveUpdate,
    ProgressNoteInput,
    ReviewInput,
)


class ItemKind(StrEnum):
    PROBLEM = "problem"
    GOAL = "goal"
    OBJECTIVE = "objective"
    INTERVENTION = "intervention"


ITEM_MODELS: dict[ItemKind, type[Problem | Goal | Objective | Intervention]] = {
    ItemKind.PROBLEM: Problem,
    ItemKind.GOAL: Goal,
    ItemKind.OBJECTIVE: Objective,
    ItemKind.INTERVENTION: Intervention,
}
# Roles that sign for the program; the system actor never signs.
SIGNING_ROLES = frozenset({Role.CLINICIAN, Role.DIRECTOR})


def _audit(
    session: Session,
    actor: Actor,
    action: AuditAction,
    entity: str,
    entity_id: uuid.UUID,
    client_id: uuid.UUID,
    detail: dict[str, Any] | None = None,
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=action,
        entity_type=entity,
        entity_id=entity_id,
        client_id=client_id,
        detail=detail,
    )


def _require(policy: Policy, actor: Actor) -> None:
    """Routes check the policy too; this covers the CLI, jobs and other domains' callers."""
    if actor.role is not Role.SYSTEM and not policy.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {policy.description}")


def _find_plan(session: Session, actor: Actor, plan_id: uuid.UUID) -> TreatmentPlan:
    """Locates a plan the actor may see (404 otherwise, never revealing that it exists);
    the calling use case audits what it does with it."""
    plan = session.scalar(repository.readable(actor).where(TreatmentPlan.id == plan_id))
    if plan is None:
        raise NotFound("no such treatment plan, or not one you may see")
    return plan


def client_of_plan(session: Session, *, actor: Actor, plan_id: uuid.UUID) -> uuid.UUID:
    """Which chart a plan belongs to, for redirects. Not audited by itself: it only locates
    the plan for a use case that is."""
    return _find_plan(session, actor, plan_id).client_id


# ---- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanView:
    """One plan version with its items in order."""

    plan: TreatmentPlan
    problems: list[Problem]
    goals: list[Goal]
    objectives: list[Objective]
    interventions: list[Intervention]

    def goals_of(self, problem: Problem) -> list[Goal]:
        return [g for g in self.goals if g.problem_id == problem.id]

    def objectives_of(self, goal: Goal) -> list[Objective]:
        return [o for o in self.objectives if o.goal_id == goal.id]

    @property
    def gaps(self) -> list[str]:
        shapes = [
            rules.ProblemShape(
                tuple(rules.GoalShape(len(self.objectives_of(g))) for g in self.goals_of(p))
            )
            for p in self.problems
        ]
        return rules.signing_gaps(shapes, len(self.interventions))

    @property
    def frozen(self) -> bool:
        return self.plan.status is not PlanStatus.DRAFT or self.plan.clinician_signed_at is not None


def _views(session: Session, plans: list[TreatmentPlan]) -> list[PlanView]:
    ids = [p.id for p in plans]
    problems = list(session.scalars(repository.problems_of(ids)))
    goals = list(session.scalars(repository.goals_of(ids)))
    objectives = list(session.scalars(repository.objectives_of(ids)))
    interventions = list(session.scalars(repository.interventions_of(ids)))
    return [
        PlanView(
            plan,
            [x for x in problems if x.plan_id == plan.id],
            [x for x in goals if x.plan_id == plan.id],
            [x for x in objectives if x.plan_id == plan.id],
            [x for x in interventions if x.plan_id == plan.id],
        )
        for plan in plans
    ]


def get_plan(session: Session, *, actor: Actor, plan_id: uuid.UUID) -> PlanView:
    _require(access.READ, actor)
    plan = _find_plan(session, actor, plan_id)
    _audit(session, actor, AuditAction.READ, "treatment_plan", plan.id, plan.client_id)
    return _views(session, [plan])[0]


def list_plans(session: Session, *, actor: Actor, client_id: uuid.UUID) -> list[PlanView]:
    """Every version for the client, newest first."""
    _require(access.READ, actor)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    plans = list(session.scalars(repository.plans_of(actor, client.id)))
    _audit(session, actor, AuditAction.READ, "treatment_plan", client.id, client.id)
    return _views(session, plans)


@dataclass(frozen=True)
class NoteView:
    note: ProgressNote
    changes: list[ObjectiveStatusChange]


@dataclass(frozen=True)
class PlanSection:
    """What the chart's Plan tab shows."""

    client: Client
    active: PlanView | None
    draft: PlanView | None
    versions: list[TreatmentPlan]
    notes: list[NoteView]
    reviews: list[PlanReview]
    objective_text: dict[uuid.UUID, str]
    names: dict[uuid.UUID, str]
    has_open_episode: bool
    can_write: bool
    overdue: bool
    today: date
    staff: list[tuple[uuid.UUID, str]] = field(default_factory=list)

    # For the forms: the choices offered, and the status moves each objective may make.
    modalities: tuple[Modality, ...] = tuple(Modality)
    statuses: tuple[ObjectiveStatus, ...] = tuple(ObjectiveStatus)
    transitions: dict[ObjectiveStatus, frozenset[ObjectiveStatus]] = field(
        default_factory=lambda: dict(rules.TRANSITIONS)
    )

    @property
    def can_start(self) -> bool:
        return (
            self.can_write and self.has_open_episode and self.active is None and self.draft is None
        )

    @property
    def can_revise(self) -> bool:
        return self.can_write and self.has_open_episode and self.draft is None


def plan_section(session: Session, *, actor: Actor, client: Client) -> PlanSection:
    """The chart tab: the current plan and any draft of the open (or latest) episode, every
    version, and the notes and reviews written on them. One audited read."""
    _require(access.READ, actor)
    plans = list(session.scalars(repository.plans_of(actor, client.id)))
    _audit(session, actor, AuditAction.READ, "treatment_plan", client.id, client.id)
    views = _views(session, plans)
    open_episode = continuum_repository.open_episode_of(session, client.id)
    # The open episode's plan; after discharge, the last episode's plan, read-only.
    current = open_episode.id if open_episode else (plans[0].episode_id if plans else None)
    active = next(
        (v for v in views if v.plan.status is PlanStatus.ACTIVE and v.plan.episode_id == current),
        None,
    )
    draft = next(
        (
            v
            for v in views
            if v.plan.status is PlanStatus.DRAFT
            and open_episode is not None
            and v.plan.episode_id == open_episode.id
        ),
        None,
    )
    ids = [p.id for p in plans]
    notes = list(session.scalars(repository.notes_of(ids)))
    changes = list(session.scalars(repository.changes_of_notes([n.id for n in notes])))
    by_note: dict[uuid.UUID, list[ObjectiveStatusChange]] = defaultdict(list)
    for change in changes:
        by_note[change.note_id].append(change)
    reviews = list(session.scalars(repository.reviews_of(ids)))
    can_write = access.WRITE.allows(actor.role) or actor.role is Role.SYSTEM
    people: set[uuid.UUID] = set()
    for plan in plans:
        people.update(
            u
            for u in (
                plan.clinician_signed_by,
                plan.client_signature_attested_by,
                plan.created_by,
            )
            if u
        )
    people.update(n.author_id for n in notes if n.author_id)
    people.update(r.reviewer_id for r in reviews if r.reviewer_id)
    for view in views:
        people.update(i.responsible_user_id for i in view.interventions if i.responsible_user_id)
    staff = (
        [(u.id, u.display_name) for u in security_service.staff_directory(session)]
        if can_write
        else []
    )
    return PlanSection(
        client=client,
        active=active,
        draft=draft,
        versions=plans,
        notes=[NoteView(n, by_note[n.id]) for n in notes],
        reviews=reviews,
        objective_text={o.id: o.statement for v in views for o in v.objectives},
        names=security_service.display_names(session, people),
        has_open_episode=open_episode is not None,
        can_write=can_write,
        overdue=active is not None
        and open_episode is not None
        and rules.is_overdue(active.plan.next_review_due, today()),
        today=today(),
        staff=staff,
    )


# ---- drafting -----------------------------------------------------------------------------


def _next_version(session: Session, episode_id: uuid.UUID) -> int:
    highest = session.scalar(
        select(func.max(TreatmentPlan.version)).where(TreatmentPlan.episode_id == episode_id)
    )
    return (highest or 0) + 1


def _episode_plans(session: Session, episode_id: uuid.UUID) -> list[TreatmentPlan]:
    return list(
        session.scalars(select(TreatmentPlan).where(TreatmentPlan.episode_id == episode_id))
    )


def create_plan(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    review_interval_days: int = rules.DEFAULT_REVIEW_INTERVAL_DAYS,
) -> TreatmentPlan:
    """The first draft for the client's open episode."""
    _require(access.WRITE, actor)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    rules.validate_interval(review_interval_days)
    episode = continuum_repository.open_episode_of(session, client.id)
    if episode is None:
        raise Conflict(
            "the client has no open episode of care; admit them first",
            rule="plan.needs_open_episode",
        )
    existing = _episode_plans(session, episode.id)
    if any(p.status is PlanStatus.DRAFT for p in existing):
        raise Conflict("this episode already has a draft plan", rule="plan.draft_exists")
    if any(p.status is PlanStatus.ACTIVE for p in existing):
        raise Conflict(
            "this episode already has a signed plan; revise it instead",
            rule="plan.active_exists",
        )
    plan = TreatmentPlan(
        episode_id=episode.id,
        client_id=client.id,
        version=_next_version(session, episode.id),
        status=PlanStatus.DRAFT,
        review_interval_days=review_interval_days,
        created_by=actor.user_id,
    )
    session.add(plan)
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        "treatment_plan",
        plan.id,
        client.id,
        {"version": plan.version, "episode_id": str(episode.id)},
    )
    return plan


def _draft(session: Session, actor: Actor, plan_id: uuid.UUID) -> TreatmentPlan:
    _require(access.WRITE, actor)
    plan = _find_plan(session, actor, plan_id)
    rules.check_editable(plan.status, clinician_signed=plan.clinician_signed_at is not None)
    return plan


def _next_position(
    session: Session, model: type[Problem | Intervention], plan_id: uuid.UUID
) -> int:
    highest = session.scalar(select(func.max(model.position)).where(model.plan_id == plan_id))
    return (highest or 0) + 1


Item = TypeVar("Item", Problem, Goal, Objective, Intervention)


def _item_in_plan(
    session: Session, model: type[Item], item_id: uuid.UUID, plan: TreatmentPlan, field_name: str
) -> Item:
    item = session.get(model, item_id)
    if item is None or item.plan_id != plan.id:
        raise Invalid("choose an item of this plan", field=field_name)
    return item


def _audit_item(
    session: Session,
    actor: Actor,
    action: AuditAction,
    plan: TreatmentPlan,
    kind: ItemKind,
    item_id: uuid.UUID,
    fields: Iterable[str] = (),
) -> None:
    detail: dict[str, Any] = {"plan_id": str(plan.id)}
    if fields:
        detail["fields"] = sorted(fields)
    _audit(session, actor, action, f"plan_{kind.value}", item_id, plan.client_id, detail)


def set_review_interval(
    session: Session, *, actor: Actor, plan_id: uuid.UUID, days: int
) -> TreatmentPlan:
    plan = _draft(session, actor, plan_id)
    plan.review_interval_days = rules.validate_interval(days)
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "treatment_plan",
        plan.id,
        plan.client_id,
        {"review_interval_days": days},
    )
    return plan


def add_problem(session: Session, *, actor: Actor, plan_id: uuid.UUID, statement: str) -> Problem:
    plan = _draft(session, actor, plan_id)
    problem = Problem(
        plan_id=plan.id,
        position=_next_position(session, Problem, plan.id),
        statement=rules.clean_text(statement, "statement", "the problem"),
    )
    session.add(problem)
    session.flush()
    _audit_item(session, actor, AuditAction.CREATE, plan, ItemKind.PROBLEM, problem.id)
    return problem


def add_goal(session: Session, *, actor: Actor, plan_id: uuid.UUID, data: GoalInput) -> Goal:
    plan = _draft(session, actor, plan_id)
    problem = _item_in_plan(session, Problem, data.problem_id, plan, "problem_id")
    highest = session.scalar(select(func.max(Goal.position)).where(Goal.problem_id == problem.id))
    goal = Goal(
        plan_id=plan.id,
        problem_id=problem.id,
        position=(highest or 0) + 1,
        client_words=rules.clean_text(data.client_words, "client_words", "the goal"),
    )
    session.add(goal)
    session.flush()
    _audit_item(session, actor, AuditAction.CREATE, plan, ItemKind.GOAL, goal.id)
    return goal


def add_objective(
    session: Session, *, actor: Actor, plan_id: uuid.UUID, data: ObjectiveInput
) -> Objective:
    plan = _draft(session, actor, plan_id)
    goal = _item_in_plan(session, Goal, data.goal_id, plan, "goal_id")
    rules.check_target_date(data.target_date, today=today())
    highest = session.scalar(
        select(func.max(Objective.position)).where(Objective.goal_id == goal.id)
    )
    objective = Objective(
        plan_id=plan.id,
        goal_id=goal.id,
        lineage_id=uuid.uuid4(),
        position=(highest or 0) + 1,
        statement=rules.clean_text(data.statement, "statement", "a measurable objective"),
        target_date=data.target_date,
        status=ObjectiveStatus.NOT_STARTED,
    )
    session.add(objective)
    session.flush()
    _audit_item(session, actor, AuditAction.CREATE, plan, ItemKind.OBJECTIVE, objective.id)
    return objective


def _responsible(session: Session, user_id: uuid.UUID | None) -> uuid.UUID | None:
    if user_id is None:
        return None
    if user_id not in {u.id for u in security_service.staff_directory(session)}:
        raise Invalid("choose an active staff member", field="responsible_user_id")
    return user_id


def add_intervention(
    session: Session, *, actor: Actor, plan_id: uuid.UUID, data: InterventionInput
) -> Intervention:
    plan = _draft(session, actor, plan_id)
    intervention = Intervention(
        plan_id=plan.id,
        position=_next_position(session, Intervention, plan.id),
        modality=data.modality,
        description=data.description.strip(),
        frequency=rules.clean_text(data.frequency, "frequency", "how often", limit=120),
        responsible_user_id=_responsible(session, data.responsible_user_id),
    )
    if data.modality is Modality.OTHER and not intervention.description:
        raise Invalid("describe the intervention", field="description")
    session.add(intervention)
    session.flush()
    _audit_item(session, actor, AuditAction.CREATE, plan, ItemKind.INTERVENTION, intervention.id)
    return intervention


def update_problem(
    session: Session, *, actor: Actor, plan_id: uuid.UUID, problem_id: uuid.UUID, statement: str
) -> Problem:
    plan = _draft(session, actor, plan_id)
    problem = _item_in_plan(session, Problem, problem_id, plan, "problem_id")
    problem.statement = rules.clean_text(statement, "statement", "the problem")
    session.flush()
    _audit_item(
        session, actor, AuditAction.UPDATE, plan, ItemKind.PROBLEM, problem.id, ["statement"]
    )
    return problem


def update_goal(
    session: Session, *, actor: Actor, plan_id: uuid.UUID, goal_id: uuid.UUID, client_words: str
) -> Goal:
    plan = _draft(session, actor, plan_id)
    goal = _item_in_plan(session, Goal, goal_id, plan, "goal_id")
    goal.client_words = rules.clean_text(client_words, "client_words", "the goal")
    session.flush()
    _audit_item(session, actor, AuditAction.UPDATE, plan, ItemKind.GOAL, goal.id, ["client_words"])
    return goal


def update_objective(
    session: Session,
    *,
    actor: Actor,
    plan_id: uuid.UUID,
    objective_id: uuid.UUID,
    data: ObjectiveUpdate,
) -> Objective:
    plan = _draft(session, actor, plan_id)
    objective = _item_in_plan(session, Objective, objective_id, plan, "objective_id")
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "statement" in changes:
        objective.statement = rules.clean_text(
            changes["statement"], "statement", "a measurable objective"
        )
    if "target_date" in changes:
        rules.check_target_date(changes["target_date"], today=today())
        objective.target_date = changes["target_date"]
    session.flush()
    _audit_item(session, actor, AuditAction.UPDATE, plan, ItemKind.OBJECTIVE, objective.id, changes)
    return objective


def update_intervention(
    session: Session,
    *,
    actor: Actor,
    plan_id: uuid.UUID,
    intervention_id: uuid.UUID,
    data: InterventionUpdate,
) -> Intervention:
    plan = _draft(session, actor, plan_id)
    item = _item_in_plan(session, Intervention, intervention_id, plan, "intervention_id")
    changes = data.model_dump(exclude_unset=True)
    if changes.get("modality") is not None:
        item.modality = changes["modality"]
    if changes.get("description") is not None:
        item.description = changes["description"].strip()
    if changes.get("frequency") is not None:
        item.frequency = rules.clean_text(changes["frequency"], "frequency", "how often", limit=120)
    if "responsible_user_id" in changes:
        item.responsible_user_id = _responsible(session, changes["responsible_user_id"])
    if item.modality is Modality.OTHER and not item.description:
        raise Invalid("describe the intervention", field="description")
    session.flush()
    _audit_item(session, actor, AuditAction.UPDATE, plan, ItemKind.INTERVENTION, item.id, changes)
    return item


def remove_item(
    session: Session, *, actor: Actor, plan_id: uuid.UUID, kind: ItemKind, item_id: uuid.UUID
) -> None:
    """Removing a problem removes its goals and their objectives; a goal, its objectives."""
    plan = _draft(session, actor, plan_id)
    item = session.get(ITEM_MODELS[kind], item_id)
    if item is None or getattr(item, "plan_id", None) != plan.id:
        raise Invalid("choose an item of this plan", field=f"{kind.value}_id")
    if kind is ItemKind.PROBLEM:
        goal_ids = list(session.scalars(select(Goal.id).where(Goal.problem_id == item_id)))
        _remove_objectives(session, select(Objective).where(Objective.goal_id.in_(goal_ids)))
        for goal in session.scalars(select(Goal).where(Goal.problem_id == item_id)):
            session.delete(goal)
    elif kind is ItemKind.GOAL:
        _remove_objectives(session, select(Objective).where(Objective.goal_id == item_id))
    session.flush()
    session.delete(item)
    session.flush()
    _audit_item(session, actor, AuditAction.DELETE, plan, kind, item_id)


def _remove_objectives(session: Session, stmt: Select[Objective]) -> None:
    for objective in session.scalars(stmt):
        session.delete(objective)
    session.flush()


# ---- signing ------------------------------------------------------------------------------


def sign_as_clinician(session: Session, *, actor: Actor, plan_id: uuid.UUID) -> TreatmentPlan:
    """The clinician signs first; the plan is then frozen for the client to sign."""
    _require(access.WRITE, actor)
    if actor.role not in SIGNING_ROLES or actor.user_id is None:
        raise Forbidden("only a clinician or the director signs a treatment plan")
    plan = _draft(session, actor, plan_id)
    gaps = _views(session, [plan])[0].gaps
    if gaps:
        raise Conflict(
            "the plan is not complete: " + "; ".join(gaps), rule="plan.incomplete_for_signing"
        )
    plan.clinician_signed_by = actor.user_id
    plan.clinician_signed_at = utc_now()
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "treatment_plan",
        plan.id,
        plan.client_id,
        {"signed": "clinician", "version": plan.version},
    )
    return plan


def reopen(session: Session, *, actor: Actor, plan_id: uuid.UUID) -> TreatmentPlan:
    """Withdraw the clinician's signature from a draft the client has not signed, e.g. when
    the client asks for a change before signing."""
    _require(access.WRITE, actor)
    plan = _find_plan(session, actor, plan_id)
    if plan.status is not PlanStatus.DRAFT or plan.clinician_signed_at is None:
        raise Conflict(
            "only a draft the clinician signed and the client has not can be reopened",
            rule="plan.reopen_needs_clinician_signed_draft",
        )
    plan.clinician_signed_by = None
    plan.clinician_signed_at = None
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "treatment_plan",
        plan.id,
        plan.client_id,
        {"signed": "clinician_withdrawn"},
    )
    return plan


def _client_signs(
    session: Session,
    actor: Actor,
    plan: TreatmentPlan,
    method: ClientSignatureMethod,
    attested_by: uuid.UUID | None,
) -> TreatmentPlan:
    if plan.status is not PlanStatus.DRAFT:
        raise Conflict("this plan version is already in effect", rule="plan.already_signed")
    if plan.clinician_signed_at is None:
        raise Conflict(
            "the clinician signs the plan before the client does",
            rule="plan.clinician_signs_first",
        )
    plan.client_signed_at = utc_now()
    plan.client_signature_method = method
    plan.client_signature_attested_by = attested_by
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "treatment_plan",
        plan.id,
        plan.client_id,
        {"signed": "client", "method": method.value, "version": plan.version},
    )
    _activate(session, actor, plan)
    return plan


def sign_as_client(session: Session, *, actor: Actor, plan_id: uuid.UUID) -> TreatmentPlan:
    """The client signs their own plan in the portal."""
    if actor.role is not Role.CLIENT or actor.user_id is None:
        raise Forbidden("only the client signs here; staff record an in-person signature")
    plan = _find_plan(session, actor, plan_id)
    return _client_signs(session, actor, plan, ClientSignatureMethod.PORTAL, None)


def sign_in_person(
    session: Session, *, actor: Actor, plan_id: uuid.UUID, attested: bool
) -> TreatmentPlan:
    """Staff record that the client signed the plan in front of them."""
    _require(access.WRITE, actor)
    if actor.role not in SIGNING_ROLES or actor.user_id is None:
        raise Forbidden("only a clinician or the director witnesses a client's signature")
    if not attested:
        raise Invalid("confirm that the client signed in your presence", field="attested")
    plan = _find_plan(session, actor, plan_id)
    return _client_signs(session, actor, plan, ClientSignatureMethod.IN_PERSON, actor.user_id)


def _activate(session: Session, actor: Actor, plan: TreatmentPlan) -> None:
    """Both have signed: the version takes effect and the one it revises is superseded.
    Objective statuses written on the old version since the revision was drafted carry over."""
    on = today()
    previous = session.scalar(
        select(TreatmentPlan).where(
            TreatmentPlan.episode_id == plan.episode_id,
            TreatmentPlan.status == PlanStatus.ACTIVE,
        )
    )
    if previous is not None:
        previous.status = PlanStatus.SUPERSEDED
        old = {o.lineage_id: o for o in session.scalars(repository.objectives_of([previous.id]))}
        for objective in session.scalars(repository.objectives_of([plan.id])):
            source = old.get(objective.lineage_id)
            if source is not None:
                objective.status = source.status
                objective.status_changed_on = source.status_changed_on
    plan.status = PlanStatus.ACTIVE
    plan.effective_on = on
    plan.next_review_due = rules.next_review_due(
        started_on=on, last_review_on=None, interval_days=plan.review_interval_days
    )
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        "treatment_plan",
        plan.id,
        plan.client_id,
        {
            "status": "active",
            "supersedes": str(previous.id) if previous else None,
            "next_review_due": plan.next_review_due.isoformat(),
        },
    )


def revise(session: Session, *, actor: Actor, plan_id: uuid.UUID) -> TreatmentPlan:
    """A new draft version copying the active plan's items; the active one stays in effect
    until the new one is signed by both."""
    _require(access.WRITE, actor)
    base = _find_plan(session, actor, plan_id)
    if base.status is not PlanStatus.ACTIVE:
        raise Conflict("only the plan in effect can be revised", rule="plan.revise_needs_active")
    episode = session.get(Episode, base.episode_id)
    if episode is None or episode.status is EpisodeStatus.DISCHARGED:
        raise Conflict("the episode of care has ended", rule="plan.episode_closed")
    if any(p.status is PlanStatus.DRAFT for p in _episode_plans(session, base.episode_id)):
        raise Conflict("this episode already has a draft plan", rule="plan.draft_exists")
    copy = TreatmentPlan(
        episode_id=base.episode_id,
        client_id=base.client_id,
        version=_next_version(session, base.episode_id),
        supersedes_id=base.id,
        status=PlanStatus.DRAFT,
        review_interval_days=base.review_interval_days,
        created_by=actor.user_id,
    )
    session.add(copy)
    session.flush()
    view = _views(session, [base])[0]
    for problem in view.problems:
        new_problem = Problem(
            plan_id=copy.id, position=problem.position, statement=problem.statement
        )
        session.add(new_problem)
        session.flush()
        for goal in view.goals_of(problem):
            new_goal = Goal(
                plan_id=copy.id,
                problem_id=new_problem.id,
                position=goal.position,
                client_words=goal.client_words,
            )
            session.add(new_goal)
            session.flush()
            for o in view.objectives_of(goal):
                session.add(
                    Objective(
                        plan_id=copy.id,
                        goal_id=new_goal.id,
                        lineage_id=o.lineage_id,
                        position=o.position,
                        statement=o.statement,
                        target_date=o.target_date,
                        status=o.status,
                        status_changed_on=o.status_changed_on,
                    )
                )
    for i in view.interventions:
        session.add(
            Intervention(
                plan_id=copy.id,
                position=i.position,
                modality=i.modality,
                description=i.description,
                frequency=i.frequency,
                responsible_user_id=i.responsible_user_id,
            )
        )
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        "treatment_plan",
        copy.id,
        copy.client_id,
        {"version": copy.version, "supersedes": str(base.id)},
    )
    return copy


# ---- progress notes and reviews -----------------------------------------------------------


def _active(session: Session, actor: Actor, plan_id: uuid.UUID, what: str) -> TreatmentPlan:
    _require(access.WRITE, actor)
    plan = _find_plan(session, actor, plan_id)
    if plan.status is not PlanStatus.ACTIVE:
        raise Conflict(
            f"{what} are written on the plan in effect (signed by clinician and client)",
            rule="plan.needs_active",
        )
    return plan


def record_progress_note(
    session: Session, *, actor: Actor, plan_id: uuid.UUID, data: ProgressNoteInput
) -> NoteView:
    """A note on the plan in effect; the objective status changes in it are dated the note's
    date. Every change is checked before anything is written."""
    plan = _active(session, actor, plan_id, "progress notes")
    narrative = rules.clean_text(data.narrative, "narrative", "the note", limit=10000)
    now = today()
    if data.written_on > now:
        raise Invalid("a note cannot be dated in the future", field="written_on")
    if plan.effective_on is not None and data.written_on < plan.effective_on:
        raise Invalid(
            f"date it on or after the plan took effect ({plan.effective_on.isoformat()})",
            field="written_on",
        )
    objectives = {o.id: o for o in session.scalars(repository.objectives_of([plan.id]))}
    seen: set[uuid.UUID] = set()
    for change in data.changes:
        objective = objectives.get(change.objective_id)
        if objective is None:
            raise Invalid("choose an objective of this plan", field="changes")
        if objective.id in seen:
            raise Invalid("change each objective once per note", field="changes")
        seen.add(objective.id)
        rules.check_transition(objective.status, change.to_status)
        rules.check_change_date(
            data.written_on,
            today=now,
            effective_on=None,
            last_change_on=objective.status_changed_on,
        )
    note = ProgressNote(
        plan_id=plan.id,
        client_id=plan.client_id,
        written_on=data.written_on,
        author_id=actor.user_id,
        narrative=narrative,
    )
    session.add(note)
    session.flush()
    rows = []
    for change in data.changes:
        objective = objectives[change.objective_id]
        row = ObjectiveStatusChange(
            note_id=note.id,
            objective_id=objective.id,
            lineage_id=objective.lineage_id,
            from_status=objective.status,
            to_status=change.to_status,
            changed_on=data.written_on,
        )
        objective.status = change.to_status
        objective.status_changed_on = data.written_on
        session.add(row)
        rows.append(row)
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        "plan_progress_note",
        note.id,
        plan.client_id,
        {
            "plan_id": str(plan.id),
            "status_changes": [
                {"objective_id": str(r.objective_id), "from": r.from_status, "to": r.to_status}
                for r in rows
            ],
        },
    )
    return NoteView(note, rows)


def record_review(
    session: Session, *, actor: Actor, plan_id: uuid.UUID, data: ReviewInput
) -> PlanReview:
    plan = _active(session, actor, plan_id, "reviews")
    summary = rules.clean_text(data.summary, "summary", "a summary of the review", limit=10000)
    last = session.scalar(
        select(func.max(PlanReview.reviewed_on)).where(PlanReview.plan_id == plan.id)
    )
    rules.check_review_date(
        data.reviewed_on, today=today(), effective_on=plan.effective_on, last_review_on=last
    )
    assert plan.effective_on is not None  # an active plan has taken effect
    due = rules.next_review_due(
        started_on=plan.effective_on,
        last_review_on=data.reviewed_on,
        interval_days=plan.review_interval_days,
    )
    review = PlanReview(
        plan_id=plan.id,
        client_id=plan.client_id,
        reviewed_on=data.reviewed_on,
        reviewer_id=actor.user_id,
        summary=summary,
        next_due=due,
    )
    session.add(review)
    plan.next_review_due = due
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        "plan_review",
        review.id,
        plan.client_id,
        {"plan_id": str(plan.id), "next_due": due.isoformat()},
    )
    return review


# ---- reads for other pages and domains ----------------------------------------------------


@dataclass(frozen=True)
class OverdueReview:
    plan: TreatmentPlan
    client: Client
    due: date
    days_overdue: int


def overdue_reviews(session: Session, *, actor: Actor) -> list[OverdueReview]:
    """Plans in effect, in open episodes, whose review date has passed: a clinician's own
    caseload, or the whole program for a director. Most overdue first."""
    _require(access.OVERDUE, actor)
    now = today()
    plans = list(
        session.scalars(
            repository.active_plans(actor)
            .join(Episode, Episode.id == TreatmentPlan.episode_id)
            .where(
                Episode.status != EpisodeStatus.DISCHARGED,
                TreatmentPlan.next_review_due < now,
            )
            .order_by(TreatmentPlan.next_review_due)
        )
    )
    clients = clients_service.clients_by_id(
        session, actor=actor, client_ids=[p.client_id for p in plans]
    )
    rows = [
        OverdueReview(
            p, clients[p.client_id], p.next_review_due, rules.days_overdue(p.next_review_due, now)
        )
        for p in plans
        if p.client_id in clients and p.next_review_due is not None
    ]
    audit_service.record_reads(
        session,
        actor=actor,
        entity_type="treatment_plan",
        client_ids=list(dict.fromkeys(r.client.id for r in rows)),
    )
    return rows


@dataclass(frozen=True)
class ClientObjective:
    statement: str
    target_date: date
    status: ObjectiveStatus


@dataclass(frozen=True)
class ClientGoal:
    """A goal as the client said it, with the objectives toward it."""

    client_words: str
    objectives: tuple[ClientObjective, ...]


def goals_for_client(session: Session, *, actor: Actor, client_id: uuid.UUID) -> list[ClientGoal]:
    """The goals of the plan in effect, for the client portal and the chart. A client may
    read only their own (another client's id is 404). Empty when no plan is in effect."""
    _require(access.GOALS_READ, actor)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    # Newest first: a plan of an earlier, discharged episode stays active in its history.
    plan = session.scalars(
        repository.plans_of(actor, client.id).where(TreatmentPlan.status == PlanStatus.ACTIVE)
    ).first()
    _audit(session, actor, AuditAction.READ, "plan_goal", client.id, client.id)
    if plan is None:
        return []
    view = _views(session, [plan])[0]
    return [
        ClientGoal(
            goal.client_words,
            tuple(
                ClientObjective(o.statement, o.target_date, o.status)
                for o in view.objectives_of(goal)
            ),
        )
        for problem in view.problems
        for goal in view.goals_of(problem)
    ]


def awaiting_client_signature(
    session: Session, *, actor: Actor, client_id: uuid.UUID
) -> PlanView | None:
    """The draft the clinician signed and the client has yet to sign, if any."""
    _require(access.GOALS_READ, actor)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    plan = session.scalars(
        repository.plans_of(actor, client.id).where(
            TreatmentPlan.status == PlanStatus.DRAFT,
            TreatmentPlan.clinician_signed_at.is_not(None),
        )
    ).first()
    if plan is None:
        return None
    _audit(session, actor, AuditAction.READ, "treatment_plan", plan.id, client.id)
    return _views(session, [plan])[0]


@dataclass(frozen=True)
class ObjectivesSummary:
    start: date
    end: date
    met: list[ClientObjective]
    in_progress: list[ClientObjective]


def objectives_summary(
    session: Session, *, actor: Actor, client_id: uuid.UUID, start: date, end: date
) -> ObjectivesSummary:
    """Objectives met within [start, end], and those in progress (or revised) on ``end``,
    counted once per objective however many plan versions carried it. Statuses come from
    the dated status history, so a past period reads as it was then."""
    _require(access.GOALS_READ, actor)
    if start > end:
        raise Invalid("the start must be on or before the end", field="start")
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    plans = [
        p
        for p in session.scalars(repository.plans_of(actor, client.id))
        if p.status is not PlanStatus.DRAFT
    ]
    _audit(
        session,
        actor,
        AuditAction.READ,
        "plan_objective",
        client.id,
        client.id,
        {"start": start.isoformat(), "end": end.isoformat()},
    )
    latest: dict[uuid.UUID, Objective] = {}
    # plans_of is newest first, so the first copy of a lineage is its latest wording.
    for view in _views(session, plans):
        for objective in view.objectives:
            latest.setdefault(objective.lineage_id, objective)
    changes = sorted(
        session.scalars(repository.changes_of_lineages(list(latest))),
        key=lambda c: (c.changed_on, c.recorded_at),
    )
    status_at_end: dict[uuid.UUID, ObjectiveStatus] = {}
    met_in_range: set[uuid.UUID] = set()
    for change in changes:
        if change.changed_on > end:
            continue
        status_at_end[change.lineage_id] = change.to_status
        if change.to_status is ObjectiveStatus.MET and change.changed_on >= start:
            met_in_range.add(change.lineage_id)

    def shown(lineage: uuid.UUID) -> ClientObjective:
        o = latest[lineage]
        return ClientObjective(
            o.statement, o.target_date, status_at_end.get(lineage, ObjectiveStatus.NOT_STARTED)
        )

    return ObjectivesSummary(
        start=start,
        end=end,
        met=[shown(lineage) for lineage in latest if lineage in met_in_range],
        in_progress=[
            shown(lineage)
            for lineage in latest
            if lineage not in met_in_range and status_at_end.get(lineage) in rules.OPEN_STATUSES
        ],
    )
