"""Recording, ending and reading diagnoses.

Every change is checked whole before anything is written (the code against the code set,
the specifiers against the code, the dates), then written and audited in the caller's
transaction. A change of the principal diagnosis locks the episode's row, so two staff
promoting different diagnoses at once take turns. Every read of a client's diagnoses is
audited once per client shown; audit details hold ids, field names and dates, never the
code (an administrator reading the audit trail has no need of a client's diagnosis).

Other packages call ``current_diagnoses`` (the discharge summary's "diagnoses at discharge",
a claim's diagnoses on a date of service) and ``code_description``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.continuum import repository as continuum_repository
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Episode, EpisodeStatus
from stepdown.diagnoses import access, codeset, repository, rules
from stepdown.diagnoses.codeset import CodeInfo
from stepdown.diagnoses.models import (
    Diagnosis,
    DiagnosisStatus,
    PrincipalPeriod,
    Rank,
    Remission,
    Severity,
)
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.policy import Policy
from stepdown.security.roles import Role

ENTITY = "diagnosis"
SEARCH_LIMIT = 20


def _require(policy: Policy, actor: Actor) -> None:
    """Routes check the policy too; this keeps the CLI, jobs and other domains' callers to
    the same rule."""
    if actor.role is not Role.SYSTEM and not policy.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {policy.description}")


# ---- the code set -----------------------------------------------------------------------------


def lookup_code(code: str) -> CodeInfo:
    """The billable ICD-10-CM code ``code`` names (dot optional, any case), with its
    description; ``Invalid`` naming the field ``code`` otherwise."""
    try:
        return codeset.lookup(code)
    except codeset.NotACode as exc:
        raise Invalid(str(exc), field="code") from None


def code_description(code: str) -> str | None:
    """The code set's description of a billable code, or None when it is not one. The code
    set is public: no actor, nothing audited."""
    return codeset.describe(code)


def search_codes(query: str, *, limit: int = SEARCH_LIMIT) -> list[CodeInfo]:
    """Billable codes for a picker, by code prefix or words of the description."""
    return codeset.search(query, limit=limit)


# ---- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiagnosisView:
    """One diagnosis as of a day, in plain values (what the discharge summary and claims
    read): its rank that day is None when it was not current then."""

    id: uuid.UUID
    client_id: uuid.UUID
    episode_id: uuid.UUID
    code: str
    description: str
    code_set: str
    rank: Rank | None
    severity: Severity | None
    remission: Remission | None
    controlled_environment: bool
    maintenance_therapy: bool
    specifiers: str
    diagnosed_on: date
    diagnosed_by_id: uuid.UUID | None
    diagnosed_by: str
    status: DiagnosisStatus
    ended_on: date | None
    error_reason: str
    recorded_at: datetime
    principal_since: date | None = None  # the open principal period's first day

    @property
    def is_principal(self) -> bool:
        return self.rank is Rank.PRINCIPAL

    @property
    def label(self) -> str:
        """ "F10.20 Alcohol dependence, uncomplicated (severe)"."""
        extra = f" ({self.specifiers})" if self.specifiers else ""
        return f"{self.code} {self.description}{extra}"


def _specifiers(d: Diagnosis) -> rules.Specifiers:
    return rules.Specifiers(
        d.severity, d.remission, d.controlled_environment, d.maintenance_therapy
    )


def _periods(session: Session, episode_ids: Sequence[uuid.UUID]) -> list[PrincipalPeriod]:
    if not episode_ids:
        return []
    return list(session.scalars(repository.periods_of(list(episode_ids))))


def _views(
    session: Session,
    diagnoses: Sequence[Diagnosis],
    periods: Sequence[PrincipalPeriod],
    day: date,
) -> list[DiagnosisView]:
    names = security_service.display_names(
        session, {d.diagnosed_by for d in diagnoses if d.diagnosed_by}
    )
    by_episode: dict[uuid.UUID, list[rules.Period]] = {}
    open_since: dict[uuid.UUID, date] = {}
    for p in periods:
        by_episode.setdefault(p.episode_id, []).append(
            rules.Period(p.diagnosis_id, p.starts_on, p.ends_on)
        )
        if p.ends_on is None:
            open_since[p.diagnosis_id] = p.starts_on
    views = []
    for d in diagnoses:
        rank: Rank | None = None
        if rules.current_on(d.status, d.diagnosed_on, d.ended_on, day):
            principal = rules.principal_on(by_episode.get(d.episode_id, []), day)
            rank = Rank.PRINCIPAL if principal == d.id else Rank.SECONDARY
        views.append(
            DiagnosisView(
                id=d.id,
                client_id=d.client_id,
                episode_id=d.episode_id,
                code=d.code,
                description=d.description,
                code_set=d.code_set,
                rank=rank,
                severity=d.severity,
                remission=d.remission,
                controlled_environment=d.controlled_environment,
                maintenance_therapy=d.maintenance_therapy,
                specifiers=rules.specifier_label(_specifiers(d)),
                diagnosed_on=d.diagnosed_on,
                diagnosed_by_id=d.diagnosed_by,
                diagnosed_by=names.get(d.diagnosed_by, "") if d.diagnosed_by else "",
                status=d.status,
                ended_on=d.ended_on,
                error_reason=d.error_reason,
                recorded_at=d.created_at,
                principal_since=open_since.get(d.id)
                if d.status is DiagnosisStatus.ACTIVE
                else None,
            )
        )
    return views


def _principal_first(views: Sequence[DiagnosisView]) -> list[DiagnosisView]:
    return sorted(views, key=lambda v: (not v.is_principal, v.diagnosed_on, v.code))


def _audit_read(session: Session, actor: Actor, client_ids: list[uuid.UUID]) -> None:
    audit_service.record_reads(session, actor=actor, entity_type=ENTITY, client_ids=client_ids)


def current_diagnoses(
    session: Session, *, actor: Actor, episode_id: uuid.UUID, on: date | None = None
) -> list[DiagnosisView]:
    """The episode's diagnoses that stood on ``on`` (default today): made by then, not yet
    resolved or ruled out, never entered in error; the principal one first, then the others
    by the day they were made. An audited read; 404 for an episode the actor may not see."""
    _require(access.READ, actor)
    episode = continuum_service.get_episode(session, actor=actor, episode_id=episode_id)
    day = on or today()
    diagnoses = list(session.scalars(repository.of_episode(actor, episode.id)))
    views = _views(session, diagnoses, _periods(session, [episode.id]), day)
    _audit_read(session, actor, [episode.client_id])
    return _principal_first([v for v in views if v.rank is not None])


def list_for_client(session: Session, *, actor: Actor, client_id: uuid.UUID) -> list[DiagnosisView]:
    """Every diagnosis of every episode of the client, newest first, whatever its status,
    ranked as of today. An audited read (even when there are none)."""
    _require(access.READ, actor)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    diagnoses = list(session.scalars(repository.of_client(actor, client.id)))
    views = _views(session, diagnoses, _periods(session, _episode_ids(diagnoses)), today())
    _audit_read(session, actor, [client.id])
    return views


def _episode_ids(diagnoses: Sequence[Diagnosis]) -> list[uuid.UUID]:
    return list(dict.fromkeys(d.episode_id for d in diagnoses))


def _find(session: Session, actor: Actor, diagnosis_id: uuid.UUID) -> Diagnosis:
    diagnosis = session.scalar(repository.readable(actor).where(Diagnosis.id == diagnosis_id))
    if diagnosis is None:
        raise NotFound("no such diagnosis, or not one you may see")
    return diagnosis


def client_of(session: Session, *, actor: Actor, diagnosis_id: uuid.UUID) -> uuid.UUID:
    """Whose chart a diagnosis is in, for redirects; it only locates the diagnosis for a use
    case that is audited."""
    return _find(session, actor, diagnosis_id).client_id


def get_diagnosis(session: Session, *, actor: Actor, diagnosis_id: uuid.UUID) -> DiagnosisView:
    """One diagnosis as of today (an audited read)."""
    _require(access.READ, actor)
    diagnosis = _find(session, actor, diagnosis_id)
    periods = _periods(session, [diagnosis.episode_id])
    _audit_read(session, actor, [diagnosis.client_id])
    return _views(session, [diagnosis], periods, today())[0]


@dataclass(frozen=True)
class DiagnosisEvent:
    """A dated fact for the chart's list of diagnosis dates (and the care timeline, once it
    takes markers from other domains)."""

    day: date
    code: str
    what: str


def _events(
    views: Sequence[DiagnosisView], periods: Sequence[PrincipalPeriod]
) -> list[DiagnosisEvent]:
    live = {v.id: v for v in views if v.status is not DiagnosisStatus.ENTERED_IN_ERROR}
    events = [DiagnosisEvent(v.diagnosed_on, v.code, "diagnosed") for v in live.values()]
    for p in periods:
        view = live.get(p.diagnosis_id)
        if view is None or p.ends_on == p.starts_on:
            continue
        events.append(DiagnosisEvent(p.starts_on, view.code, "principal from"))
        if p.ends_on is not None and (view.ended_on is None or p.ends_on < view.ended_on):
            events.append(DiagnosisEvent(p.ends_on, view.code, "secondary from"))
    for v in live.values():
        if v.ended_on is not None:
            events.append(DiagnosisEvent(v.ended_on, v.code, v.status.label.lower()))
    order = {"diagnosed": 0, "principal from": 1, "secondary from": 2}
    return sorted(events, key=lambda e: (e.day, order.get(e.what, 3), e.code))


@dataclass(frozen=True)
class EpisodeDiagnoses:
    """One episode's diagnoses on the chart tab, as of today."""

    episode: Episode
    current: list[DiagnosisView]
    past: list[DiagnosisView]
    in_error: list[DiagnosisView]
    events: list[DiagnosisEvent]

    @property
    def is_open(self) -> bool:
        return self.episode.status is not EpisodeStatus.DISCHARGED

    @property
    def has_principal(self) -> bool:
        return any(v.is_principal for v in self.current)


@dataclass(frozen=True)
class DiagnosesTab:
    client: Client
    episodes: list[EpisodeDiagnoses]
    can_write: bool
    open_episode_id: uuid.UUID | None
    diagnosers: list[tuple[str, str]] = field(default_factory=list)
    suggestions: list[CodeInfo] = field(default_factory=list)
    me: str = ""
    today: date = field(default_factory=today)
    code_set: str = codeset.CODE_SET
    severity_choices: tuple[tuple[str, str], ...] = tuple((s.value, s.label) for s in Severity)
    remission_choices: tuple[tuple[str, str], ...] = tuple((r.value, r.label) for r in Remission)

    @property
    def open_has_principal(self) -> bool:
        return any(e.is_open and e.has_principal for e in self.episodes)


# DSM-5-TR use-disorder codes, then disorders that often come with them, for the form's
# list of suggestions (any billable code may be typed).
SUGGESTED_CODES = (
    *(f"{c}.{s}" for c in rules.CLASSES if c != "F17" for s in ("10", "11", "20", "21")),
    "F17.200",
    "F17.201",
    "F17.210",
    "F17.211",
    "F32.1",
    "F32.2",
    "F33.1",
    "F41.0",
    "F41.1",
    "F43.10",
    "F43.12",
    "F90.2",
)


def suggestions() -> list[CodeInfo]:
    found = []
    for code in SUGGESTED_CODES:
        description = codeset.describe(code)
        if description is not None:
            found.append(CodeInfo(code, description))
    return found


def chart_tab(session: Session, *, actor: Actor, client: Client) -> DiagnosesTab:
    """The chart's Diagnoses tab: each episode's current, past and mistaken diagnoses and
    their dates, newest episode first; the chart has already loaded (and audited) the
    client, this audits the diagnoses read."""
    _require(access.READ, actor)
    episodes = list(
        session.scalars(
            continuum_repository.readable_episodes(actor)
            .where(Episode.client_id == client.id)
            .order_by(Episode.admitted_on.desc())
        )
    )
    diagnoses = list(session.scalars(repository.of_client(actor, client.id)))
    periods = _periods(session, [e.id for e in episodes])
    views = _views(session, diagnoses, periods, today())
    _audit_read(session, actor, [client.id])
    sections = []
    for episode in episodes:
        mine = [v for v in views if v.episode_id == episode.id]
        sections.append(
            EpisodeDiagnoses(
                episode=episode,
                current=_principal_first([v for v in mine if v.rank is not None]),
                past=[
                    v
                    for v in mine
                    if v.rank is None and v.status is not DiagnosisStatus.ENTERED_IN_ERROR
                ],
                in_error=[v for v in mine if v.status is DiagnosisStatus.ENTERED_IN_ERROR],
                events=_events(mine, [p for p in periods if p.episode_id == episode.id]),
            )
        )
    can_write = access.WRITE.allows(actor.role)
    open_episode = next((e for e in episodes if e.status is not EpisodeStatus.DISCHARGED), None)
    return DiagnosesTab(
        client=client,
        episodes=sections,
        can_write=can_write,
        open_episode_id=open_episode.id if open_episode else None,
        diagnosers=[
            (str(u.id), u.display_name)
            for u in security_service.staff_directory(session)
            if u.role in access.DIAGNOSING_ROLES
        ]
        if can_write
        else [],
        suggestions=suggestions() if can_write else [],
        me=str(actor.user_id) if actor.user_id else "",
    )


# ---- changing ---------------------------------------------------------------------------------


def _audit(
    session: Session,
    actor: Actor,
    action: AuditAction,
    diagnosis: Diagnosis,
    detail: dict[str, Any],
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=action,
        entity_type=ENTITY,
        entity_id=diagnosis.id,
        client_id=diagnosis.client_id,
        detail=detail,
    )


def _episode_of_client(
    session: Session, actor: Actor, client: Client, episode_id: uuid.UUID | None
) -> Episode:
    if episode_id is None:
        episode = continuum_repository.open_episode_of(session, client.id)
        if episode is None:
            raise Conflict(
                "the client has no open episode of care: admit them on the Care tab first",
                rule=rules.NO_OPEN_EPISODE,
            )
        return episode
    episode = continuum_service.get_episode(session, actor=actor, episode_id=episode_id)
    if episode.client_id != client.id:
        raise NotFound("no such episode of care for this client", field="episode_id")
    return episode


def _lock(session: Session, episode_id: uuid.UUID) -> Episode:
    episode = session.scalar(repository.episode_for_update(episode_id))
    if episode is None:
        raise NotFound("no such episode of care")
    return episode


def _diagnoser(session: Session, actor: Actor, user_id: uuid.UUID | None) -> uuid.UUID:
    """Who made the diagnosis: the caller unless named; a clinician or the director."""
    if user_id is None:
        if actor.user_id is None or actor.role not in access.DIAGNOSING_ROLES:
            raise Invalid("name the clinician who made the diagnosis", field="diagnosed_by_id")
        return actor.user_id
    staff = {u.id: u for u in security_service.staff_directory(session)}
    user = staff.get(user_id)
    if user is None or user.role not in access.DIAGNOSING_ROLES:
        raise Invalid("choose a clinician or the director", field="diagnosed_by_id")
    return user.id


def _open_period(session: Session, episode_id: uuid.UUID) -> PrincipalPeriod | None:
    return session.scalar(repository.open_period(episode_id))


def _promote(
    session: Session,
    actor: Actor,
    episode: Episode,
    diagnosis: Diagnosis,
    start: date,
    current: PrincipalPeriod | None,
) -> None:
    """Make the diagnosis principal from ``start``; the current principal one becomes
    secondary from that day, and its demotion is audited on it."""
    if current is not None:
        current.ends_on = start
        demoted = session.get(Diagnosis, current.diagnosis_id)
        session.flush()  # the open period closes before the new one opens (unique index)
        if demoted is not None:
            _audit(
                session,
                actor,
                AuditAction.UPDATE,
                demoted,
                {
                    "rank": {"before": Rank.PRINCIPAL.value, "after": Rank.SECONDARY.value},
                    "from": start.isoformat(),
                    "principal": str(diagnosis.id),
                },
            )
    session.add(
        PrincipalPeriod(
            episode_id=episode.id,
            diagnosis_id=diagnosis.id,
            starts_on=start,
            recorded_by=actor.user_id,
            recorded_at=utc_now(),
        )
    )
    session.flush()


def add_diagnosis(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    code: str,
    principal: bool = False,
    specifiers: rules.Specifiers = rules.Specifiers(),
    diagnosed_on: date | None = None,
    diagnosed_by_id: uuid.UUID | None = None,
    episode_id: uuid.UUID | None = None,
) -> Diagnosis:
    """Record a diagnosis of the client's open episode (or the episode named). As
    principal, it is principal from the day it was made, and the current principal one
    becomes secondary from then (``rules.principal_start_for_new``)."""
    _require(access.WRITE, actor)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    found = _episode_of_client(session, actor, client, episode_id)
    info = lookup_code(code)
    rules.check_specifiers(info.code, specifiers)
    now = today()
    day = diagnosed_on or now
    rules.check_diagnosed_on(day, today=now, discharged_on=found.discharged_on)
    diagnoser = _diagnoser(session, actor, diagnosed_by_id)
    episode = _lock(session, found.id)
    if session.scalar(repository.current_with_code(episode.id, info.code)) is not None:
        raise Conflict(
            f"{info.code} is already a current diagnosis of this episode",
            field="code",
            rule=rules.DUPLICATE,
        )
    diagnosis = Diagnosis(
        client_id=client.id,
        episode_id=episode.id,
        code=info.code,
        description=info.description[:300],
        code_set=codeset.CODE_SET,
        severity=specifiers.severity,
        remission=specifiers.remission,
        controlled_environment=specifiers.controlled_environment,
        maintenance_therapy=specifiers.maintenance_therapy,
        diagnosed_on=day,
        diagnosed_by=diagnoser,
        status=DiagnosisStatus.ACTIVE,
        recorded_by=actor.user_id,
    )
    session.add(diagnosis)
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        diagnosis,
        {
            "episode_id": str(episode.id),
            "rank": (Rank.PRINCIPAL if principal else Rank.SECONDARY).value,
            "diagnosed_on": day.isoformat(),
            "specifiers": specifiers.given(),
        },
    )
    if principal:
        current = _open_period(session, episode.id)
        start = rules.principal_start_for_new(day, current.starts_on if current else None)
        _promote(session, actor, episode, diagnosis, start, current)
    return diagnosis


def make_principal(
    session: Session, *, actor: Actor, diagnosis_id: uuid.UUID, on: date | None = None
) -> Diagnosis:
    """Make a current secondary diagnosis the principal one from ``on`` (default today);
    the principal one until then becomes secondary from that day."""
    _require(access.WRITE, actor)
    diagnosis = _find(session, actor, diagnosis_id)
    episode = _lock(session, diagnosis.episode_id)
    session.refresh(diagnosis)
    rules.require_active(diagnosis.status)
    current = _open_period(session, episode.id)
    if current is not None and current.diagnosis_id == diagnosis.id:
        raise Conflict("this is already the principal diagnosis", rule=rules.ALREADY_PRINCIPAL)
    day = on or today()
    rules.check_principal_from(
        day,
        diagnosed_on=diagnosis.diagnosed_on,
        today=today(),
        current_since=current.starts_on if current else None,
    )
    _promote(session, actor, episode, diagnosis, day, current)
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        diagnosis,
        {
            "rank": {"before": Rank.SECONDARY.value, "after": Rank.PRINCIPAL.value},
            "from": day.isoformat(),
        },
    )
    return diagnosis


ENDINGS = (DiagnosisStatus.RESOLVED, DiagnosisStatus.RULED_OUT)


def end_diagnosis(
    session: Session,
    *,
    actor: Actor,
    diagnosis_id: uuid.UUID,
    status: DiagnosisStatus,
    on: date | None = None,
) -> Diagnosis:
    """Record that a diagnosis was resolved or ruled out on ``on`` (default today): it is
    not current from that day. A principal one stops being principal that day, and the
    episode has no principal diagnosis until one is made so."""
    _require(access.WRITE, actor)
    if status not in ENDINGS:
        raise Invalid("choose resolved or ruled out", field="status")
    diagnosis = _find(session, actor, diagnosis_id)
    _lock(session, diagnosis.episode_id)
    session.refresh(diagnosis)
    rules.require_active(diagnosis.status)
    day = on or today()
    mine = [p for p in _periods(session, [diagnosis.episode_id]) if p.diagnosis_id == diagnosis.id]
    rules.check_end(
        day,
        diagnosed_on=diagnosis.diagnosed_on,
        today=today(),
        principal_since=max((p.starts_on for p in mine), default=None),
    )
    was_principal = any(p.ends_on is None for p in mine)
    for period in mine:
        if period.ends_on is None or period.ends_on > day:
            period.ends_on = day
    diagnosis.status = status
    diagnosis.ended_on = day
    diagnosis.ended_by = actor.user_id
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        diagnosis,
        {
            "status": {"before": DiagnosisStatus.ACTIVE.value, "after": status.value},
            "ended_on": day.isoformat(),
            "rank": (Rank.PRINCIPAL if was_principal else Rank.SECONDARY).value,
        },
    )
    return diagnosis


def mark_entered_in_error(
    session: Session, *, actor: Actor, diagnosis_id: uuid.UUID, reason: str
) -> Diagnosis:
    """Void a mistaken entry, with the reason; it stays on the chart, struck out, and counts
    for nothing (never current, never principal). A principal one leaves the episode without
    a principal diagnosis until one is made so."""
    _require(access.WRITE, actor)
    diagnosis = _find(session, actor, diagnosis_id)
    _lock(session, diagnosis.episode_id)
    session.refresh(diagnosis)
    if diagnosis.status is DiagnosisStatus.ENTERED_IN_ERROR:
        raise Conflict(
            "this diagnosis is already marked entered in error", rule=rules.ALREADY_IN_ERROR
        )
    text = rules.require_reason(reason)
    before = diagnosis.status
    current = _open_period(session, diagnosis.episode_id)
    was_principal = current is not None and current.diagnosis_id == diagnosis.id
    if current is not None and was_principal:
        current.ends_on = max(current.starts_on, today())
    diagnosis.status = DiagnosisStatus.ENTERED_IN_ERROR
    diagnosis.error_reason = text
    diagnosis.error_at = utc_now()
    diagnosis.error_by = actor.user_id
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        diagnosis,
        {
            "status": {"before": before.value, "after": DiagnosisStatus.ENTERED_IN_ERROR.value},
            "fields": ["error_reason"],
            "rank": (Rank.PRINCIPAL if was_principal else Rank.SECONDARY).value,
        },
    )
    return diagnosis
