"""Authorizations: requesting one for an episode, recording the payer's decisions and
appeals, and each authorization's balance counted from attendance and the calendar.

Every read of an episode's authorizations is an audited read of the client; every change
is audited with its status move, never free text.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.attendance.models import AttendanceRecord
from stepdown.attendance.rules import ATTENDED
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.authorizations import access, rules
from stepdown.authorizations.models import Authorization, AuthorizationEvent
from stepdown.authorizations.rules import AuthStatus, Balance, Service, UnitType
from stepdown.authorizations.schemas import CODE_PATTERN, AuthorizationRequest, Decision
from stepdown.calendar.models import Appointment, BookingStatus, SessionOccurrence, SessionSeat
from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.continuum import repository as continuum_repository
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Episode, EpisodeStatus, LevelOfCare
from stepdown.coverage.models import Coverage, Payer
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Forbidden, Invalid, NotFound
from stepdown.security.actor import Actor
from stepdown.security.policy import Policy
from stepdown.security.roles import Role

ENTITY = "authorization"
_CODE = re.compile(CODE_PATTERN)


def _require(policy: Policy, actor: Actor) -> None:
    if actor.role is not Role.SYSTEM and not policy.allows(actor.role):
        raise Forbidden(f"your role may not {policy.description}")


def _episode(session: Session, actor: Actor, episode_id: uuid.UUID) -> Episode:
    """The episode if the actor may see its client (404 otherwise)."""
    return continuum_service.get_episode(session, actor=actor, episode_id=episode_id)


def _codes(codes: Sequence[str]) -> list[str]:
    cleaned = [c.strip().upper() for c in codes if c.strip()]
    for code in cleaned:
        if not _CODE.match(code):
            raise Invalid(
                f"{code!r} is not a billing code number (4 or 5 letters or digits)", field="codes"
            )
    return list(dict.fromkeys(cleaned))


def _audit(
    session: Session, actor: Actor, action: AuditAction, found: Authorization, **detail: object
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=action,
        entity_type=ENTITY,
        entity_id=found.id,
        client_id=found.client_id,
        detail={"episode_id": str(found.episode_id), **detail},
    )


def request_authorization(
    session: Session, *, actor: Actor, episode_id: uuid.UUID, data: AuthorizationRequest
) -> Authorization:
    """A request sent to the payer (status pending), for a coverage of the episode's client."""
    _require(access.WRITE, actor)
    episode = _episode(session, actor, episode_id)
    coverage = session.get(Coverage, data.coverage_id)
    if coverage is None or coverage.client_id != episode.client_id or coverage.self_pay:
        raise Invalid("choose one of the client's insurance coverages", field="coverage_id")
    rules.check_dates(data.starts_on, data.ends_on)
    rules.check_quantities(AuthStatus.PENDING, data.requested_units, None, data.per_week_cap)
    found = Authorization(
        episode_id=episode.id,
        client_id=episode.client_id,
        coverage_id=coverage.id,
        level_code=data.level_code.strip().upper(),
        unit_type=data.unit_type,
        codes=_codes(data.codes),
        requested_units=data.requested_units,
        approved_units=None,
        per_week_cap=data.per_week_cap,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        status=AuthStatus.PENDING,
        next_review_on=data.next_review_on,
        reviewer_name=data.reviewer_name,
        reviewer_contact=data.reviewer_contact,
        notes=data.notes,
        requested_by=actor.user_id,
    )
    session.add(found)
    session.flush()
    _event(session, actor, found, None, "")
    _audit(session, actor, AuditAction.CREATE, found, status=found.status.value)
    return found


def _event(
    session: Session, actor: Actor, found: Authorization, before: AuthStatus | None, note: str
) -> None:
    session.add(
        AuthorizationEvent(
            authorization_id=found.id,
            from_status=before,
            to_status=found.status,
            approved_units=found.approved_units,
            note=note,
            recorded_by=actor.user_id,
            recorded_at=utc_now(),
        )
    )
    session.flush()


def record_decision(
    session: Session, *, actor: Actor, authorization_id: uuid.UUID, data: Decision
) -> Authorization:
    """The payer's answer, an appeal or a cancellation: the status moves as ``rules.MOVES``
    allows; an approval brings its units, number and dates."""
    _require(access.WRITE, actor)
    found = session.get(Authorization, authorization_id, with_for_update=True)
    if found is None:
        raise NotFound("no such authorization", field="authorization_id")
    _episode(session, actor, found.episode_id)
    before = found.status
    rules.check_move(before, data.status)
    starts = data.starts_on or found.starts_on
    ends = data.ends_on or found.ends_on
    rules.check_dates(starts, ends)
    approved = data.approved_units if data.status in rules.USABLE else None
    if data.status is AuthStatus.IN_APPEAL:
        approved = found.approved_units  # an appeal of a partial approval keeps what it has
    rules.check_quantities(
        data.status if data.status is not AuthStatus.IN_APPEAL else AuthStatus.PENDING,
        found.requested_units,
        approved if data.status is not AuthStatus.IN_APPEAL else None,
        data.per_week_cap or found.per_week_cap,
    )
    if data.status in rules.USABLE and not data.auth_number.strip() and not found.auth_number:
        raise Invalid("give the payer's authorization number", field="auth_number")
    if data.status is AuthStatus.DENIED and data.appeal_deadline is None:
        raise Invalid("give the last day to appeal the denial", field="appeal_deadline")
    found.status = data.status
    found.approved_units = approved
    found.starts_on, found.ends_on = starts, ends
    found.auth_number = data.auth_number.strip() or found.auth_number
    found.per_week_cap = data.per_week_cap or found.per_week_cap
    found.next_review_on = data.next_review_on or found.next_review_on
    found.appeal_deadline = data.appeal_deadline or found.appeal_deadline
    found.reviewer_name = data.reviewer_name or found.reviewer_name
    found.reviewer_contact = data.reviewer_contact or found.reviewer_contact
    session.flush()
    _event(session, actor, found, before, data.note)
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        found,
        status=[before.value, found.status.value],
        approved_units=found.approved_units,
    )
    return found


# ---- balances ---------------------------------------------------------------------------


def client_services(
    session: Session, client_id: uuid.UUID, starts_on: date, ends_on: date
) -> list[Service]:
    """The client's services between the dates: attended ones (from attendance) and booked
    ones not yet attended or excused (from the calendar), as the rules count them."""
    return services_of(session, [client_id], starts_on, ends_on).get(client_id, [])


def services_of(
    session: Session, client_ids: Sequence[uuid.UUID], starts_on: date, ends_on: date
) -> dict[uuid.UUID, list[Service]]:
    """``client_services`` for many clients in three queries (a list of authorizations, the
    UR desk, the census), by client."""
    found: dict[uuid.UUID, list[Service]] = {c: [] for c in client_ids}
    if not client_ids:
        return found
    recorded: set[uuid.UUID] = set()
    for record in session.scalars(
        select(AttendanceRecord).where(
            AttendanceRecord.client_id.in_(client_ids),
            AttendanceRecord.day >= starts_on,
            AttendanceRecord.day <= ends_on,
        )
    ):
        recorded.add(record.seat_id or record.appointment_id)  # type: ignore[arg-type]
        if record.status in ATTENDED:
            found[record.client_id].append(
                Service(
                    record.day, True, record.appointment_id is not None, record.credited_minutes
                )
            )
    seats = session.execute(
        select(
            SessionSeat.id,
            SessionSeat.client_id,
            SessionOccurrence.day,
            SessionOccurrence.start,
            SessionOccurrence.end,
        )
        .join(SessionOccurrence, SessionOccurrence.id == SessionSeat.occurrence_id)
        .where(
            SessionSeat.client_id.in_(client_ids),
            SessionSeat.status == BookingStatus.SCHEDULED,
            SessionOccurrence.status == BookingStatus.SCHEDULED,
            SessionOccurrence.day >= starts_on,
            SessionOccurrence.day <= ends_on,
        )
    )
    for seat_id, client_id, day, start, end in seats:
        if seat_id not in recorded:
            found[client_id].append(Service(day, False, False, _minutes(start, end)))
    appointments = session.execute(
        select(
            Appointment.id,
            Appointment.client_id,
            Appointment.day,
            Appointment.start,
            Appointment.end,
        ).where(
            Appointment.client_id.in_(client_ids),
            Appointment.status == BookingStatus.SCHEDULED,
            Appointment.day >= starts_on,
            Appointment.day <= ends_on,
        )
    )
    for appointment_id, client_id, day, start, end in appointments:
        if appointment_id not in recorded:
            found[client_id].append(Service(day, False, True, _minutes(start, end)))
    return found


def _minutes(start: str, end: str) -> int:
    (sh, sm), (eh, em) = (map(int, start.split(":")), map(int, end.split(":")))
    return max((eh * 60 + em) - (sh * 60 + sm), 0)


@dataclass(frozen=True)
class AuthorizationView:
    authorization: Authorization
    balance: Balance
    running_out: bool

    @property
    def usable(self) -> bool:
        return self.authorization.status in rules.USABLE


def view_of(session: Session, found: Authorization, *, on: date | None = None) -> AuthorizationView:
    return views_of(session, [found], on=on)[0]


def views_of(
    session: Session, found: Sequence[Authorization], *, on: date | None = None
) -> list[AuthorizationView]:
    """Each authorization with its balance, the services of all of them read at once."""
    if not found:
        return []
    day = on or today()
    services = services_of(
        session,
        list(dict.fromkeys(a.client_id for a in found)),
        min(a.starts_on for a in found),
        max(a.ends_on for a in found),
    )
    views = []
    for a in found:
        balance = rules.balance(
            a.unit_type, a.approved_units, a.starts_on, a.ends_on, services[a.client_id]
        )
        usable = a.status in rules.USABLE
        views.append(
            AuthorizationView(a, balance, usable and rules.running_out(balance, a.ends_on, day))
        )
    return views


def for_episode(
    session: Session, *, actor: Actor, episode_id: uuid.UUID
) -> list[AuthorizationView]:
    """The episode's authorizations, newest first, each with its balance."""
    _require(access.READ, actor)
    episode = _episode(session, actor, episode_id)
    rows = session.scalars(
        select(Authorization)
        .where(Authorization.episode_id == episode.id)
        .order_by(Authorization.starts_on.desc(), Authorization.created_at.desc())
    )
    views = views_of(session, list(rows))
    audit_service.record_reads(
        session, actor=actor, entity_type=ENTITY, client_ids=[episode.client_id]
    )
    return views


def history(session: Session, authorization_id: uuid.UUID) -> list[AuthorizationEvent]:
    return list(
        session.scalars(
            select(AuthorizationEvent)
            .where(AuthorizationEvent.authorization_id == authorization_id)
            .order_by(AuthorizationEvent.recorded_at)
        )
    )


@dataclass(frozen=True)
class EpisodeAuthorizations:
    episode: Episode
    views: list[AuthorizationView]


@dataclass(frozen=True)
class AuthorizationsTab:
    """The chart's Authorizations tab: each episode's authorizations with their balances,
    and what the request form offers."""

    client_id: uuid.UUID
    episodes: list[EpisodeAuthorizations]
    coverage_options: list[tuple[str, str]]
    level_options: list[tuple[str, str]]
    can_write: bool
    today: date
    can_review: bool = False  # may build the concurrent-review packet (``access.REVIEW_PACKET``)

    @property
    def status_options(self) -> list[tuple[str, str]]:
        return [(s.value, s.label) for s in AuthStatus if s is not AuthStatus.PENDING]

    @property
    def unit_options(self) -> list[tuple[str, str]]:
        return [(u.value, u.label) for u in UnitType]

    @property
    def open_episode(self) -> Episode | None:
        return next((e.episode for e in self.episodes if e.episode.discharged_on is None), None)


def chart_tab(session: Session, *, actor: Actor, client_id: uuid.UUID) -> AuthorizationsTab:
    _require(access.READ, actor)
    episodes = list(
        session.scalars(
            continuum_repository.readable_episodes(actor)
            .where(Episode.client_id == client_id)
            .order_by(Episode.admitted_on.desc())
        )
    )
    sections = []
    for episode in episodes:
        rows = session.scalars(
            select(Authorization)
            .where(Authorization.episode_id == episode.id)
            .order_by(Authorization.starts_on.desc(), Authorization.created_at.desc())
        )
        sections.append(EpisodeAuthorizations(episode, views_of(session, list(rows))))
    audit_service.record_reads(session, actor=actor, entity_type=ENTITY, client_ids=[client_id])
    can_write = actor.role is Role.SYSTEM or access.WRITE.allows(actor.role)
    coverages = (
        session.execute(
            select(Coverage.id, Coverage.rank, Coverage.member_id, Payer.name)
            .join(Payer, Payer.id == Coverage.payer_id)
            .where(Coverage.client_id == client_id, Coverage.self_pay.is_(False))
            .order_by(Coverage.rank)
        ).all()
        if can_write
        else []
    )
    levels = continuum_service.catalog(session) if can_write else []
    return AuthorizationsTab(
        client_id,
        sections,
        [(str(cid), f"{name} ({member})") for cid, _, member, name in coverages],
        [(lv.code, lv.name) for lv in levels if lv.provided_in_house and lv.is_active],
        can_write,
        today(),
        can_review=access.REVIEW_PACKET.allows(actor.role),
    )


# ---- the utilization-review desk ------------------------------------------------------------


@dataclass(frozen=True)
class DeskRow:
    view: AuthorizationView
    client: Client

    @property
    def authorization(self) -> Authorization:
        return self.view.authorization


@dataclass(frozen=True)
class Desk:
    """Utilization review's day: reviews due (overdue, today, within ``days``), approvals
    running out (within ``units`` or ``days``), requests waiting for the payer, denials with
    their appeal deadlines, and clients in care with no authorization in force."""

    today: date
    days: int
    units: int
    overdue: list[DeskRow]
    due_today: list[DeskRow]
    due_soon: list[DeskRow]
    running_out: list[DeskRow]
    pending: list[DeskRow]
    denied: list[DeskRow]
    uncovered: list[Client]

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.overdue,
                self.due_today,
                self.due_soon,
                self.running_out,
                self.pending,
                self.denied,
                self.uncovered,
            )
        )


def desk(
    session: Session,
    *,
    actor: Actor,
    on: date | None = None,
    days: int = rules.SOON_DAYS,
    units: int = rules.SOON_UNITS,
) -> Desk:
    _require(access.DESK, actor)
    day = on or today()
    readable = clients_repository.readable(actor).subquery()
    open_rows = list(
        session.execute(
            select(Authorization, Client)
            .join(Client, Client.id == Authorization.client_id)
            .join(readable, readable.c.id == Client.id)
            .join(Episode, Episode.id == Authorization.episode_id)
            .where(
                Episode.status != EpisodeStatus.DISCHARGED,
                Authorization.status != AuthStatus.CANCELLED,
                Authorization.ends_on >= day - timedelta(days=days),
            )
            .order_by(Authorization.next_review_on, Authorization.ends_on)
        )
    )
    rows = [
        DeskRow(view, client)
        for view, (_, client) in zip(
            views_of(session, [a for a, _ in open_rows], on=day), open_rows, strict=True
        )
    ]
    usable_now = {
        r.authorization.client_id
        for r in rows
        if r.view.usable and r.authorization.starts_on <= day <= r.authorization.ends_on
    }
    reviewing = [r for r in rows if r.authorization.next_review_on and r.view.usable]
    in_care = list(
        session.scalars(
            select(Client)
            .join(readable, readable.c.id == Client.id)
            .join(Episode, Episode.client_id == Client.id)
            .where(Episode.status == EpisodeStatus.ACTIVE)
            .order_by(Client.legal_last_name, Client.legal_first_name)
        )
    )

    def review_on(r: DeskRow) -> date:
        assert r.authorization.next_review_on is not None
        return r.authorization.next_review_on

    result = Desk(
        today=day,
        days=days,
        units=units,
        overdue=[r for r in reviewing if review_on(r) < day],
        due_today=[r for r in reviewing if review_on(r) == day],
        due_soon=[r for r in reviewing if day < review_on(r) <= day + timedelta(days=days)],
        running_out=[
            r
            for r in rows
            if r.view.usable
            and r.authorization.ends_on >= day
            and rules.running_out(
                r.view.balance, r.authorization.ends_on, day, units=units, days=days
            )
        ],
        pending=[r for r in rows if r.authorization.status is AuthStatus.PENDING],
        denied=[
            r for r in rows if r.authorization.status in (AuthStatus.DENIED, AuthStatus.IN_APPEAL)
        ],
        uncovered=[c for c in dict.fromkeys(in_care) if c.id not in usable_now],
    )
    shown = {r.client.id for r in rows} | {c.id for c in result.uncovered}
    audit_service.record_reads(session, actor=actor, entity_type="ur_desk", client_ids=list(shown))
    return result


# ---- requests opened by a change of level ---------------------------------------------------

DAY_LEVELS = frozenset({"PHP", "IOP"})
DEFAULT_WEEKS = 4


def open_for_new_level(
    session: Session, *, actor: Actor, episode: Episode, level: LevelOfCare, on: date
) -> Authorization | None:
    """A level-of-care review accepted into a new level opens the payer request UR will
    send: pending, for the client's primary insurance in force, from the day of the move,
    for the level's days a week over its shortest typical stay (issue 15). Nothing when the
    client has no insurance in force, or already has a request or approval for that level
    covering the day. Opened on the accepting clinician's behalf (they do not keep
    authorizations themselves), and audited as theirs."""
    coverage = session.scalar(
        select(Coverage)
        .where(
            Coverage.client_id == episode.client_id,
            Coverage.self_pay.is_(False),
            (Coverage.starts_on.is_(None)) | (Coverage.starts_on <= on),
            (Coverage.ends_on.is_(None)) | (Coverage.ends_on >= on),
        )
        .order_by(Coverage.rank)
        .limit(1)
    )
    if coverage is None:
        return None
    existing = session.scalar(
        select(Authorization.id).where(
            Authorization.episode_id == episode.id,
            Authorization.level_code == level.code,
            Authorization.status.in_(
                [AuthStatus.PENDING, AuthStatus.APPROVED, AuthStatus.PARTIAL, AuthStatus.IN_APPEAL]
            ),
            Authorization.starts_on <= on,
            Authorization.ends_on >= on,
        )
    )
    if existing is not None:
        return None
    weeks = level.typical_stay_weeks_min or DEFAULT_WEEKS
    per_week = level.days_per_week_max or level.days_per_week_min or 1
    unit = UnitType.DAY if level.code in DAY_LEVELS else UnitType.VISIT
    found = Authorization(
        episode_id=episode.id,
        client_id=episode.client_id,
        coverage_id=coverage.id,
        level_code=level.code,
        unit_type=unit,
        codes=[],
        requested_units=min(per_week * weeks, rules.MAX_UNITS),
        approved_units=None,
        per_week_cap=per_week,
        starts_on=on,
        ends_on=on + timedelta(days=weeks * 7 - 1),
        status=AuthStatus.PENDING,
        notes="Opened by an accepted level-of-care review: check the units and send it.",
        requested_by=actor.user_id,
    )
    session.add(found)
    session.flush()
    _event(session, actor, found, None, "opened by an accepted level-of-care review")
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        found,
        status=found.status.value,
        opened_by="level_review",
    )
    return found


def in_force_labels(
    session: Session, *, actor: Actor, episode_ids: Sequence[uuid.UUID], on: date | None = None
) -> dict[uuid.UUID, str]:
    """For a list the caller has already read (the census): each episode's authorization
    in force on ``on`` in a few words ("7 of 10 days left", "pending"), or nothing for an
    episode with none; empty for a role that does not read authorizations."""
    if actor.role is not Role.SYSTEM and not access.READ.allows(actor.role):
        return {}
    day = on or today()
    labels: dict[uuid.UUID, str] = {}
    rows = list(
        session.scalars(
            select(Authorization)
            .where(
                Authorization.episode_id.in_(episode_ids),
                Authorization.starts_on <= day,
                Authorization.ends_on >= day,
                Authorization.status != AuthStatus.CANCELLED,
            )
            .order_by(Authorization.starts_on)
        )
    )
    usable = views_of(session, [r for r in rows if r.status in rules.USABLE], on=day)
    for view in usable:
        found, b = view.authorization, view.balance
        labels[found.episode_id] = f"{b.remaining} of {b.approved} {found.unit_type.label} left"
    for found in rows:
        if found.status not in rules.USABLE:
            labels.setdefault(found.episode_id, found.status.label.lower())
    return labels
