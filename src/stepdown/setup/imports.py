"""Importing clients, staff accounts and open episodes from a spreadsheet: the preview of
what a file would create and refuse, and the import itself, all or nothing.

``preview`` reads the rows (``import_rules``), then resolves what they name against the
database: sites, levels of care, clinicians' and supervisors' usernames, record numbers
already on file, and clients already on file who are likely the same person (by
``clients.rules.match_reasons``, as converting an inquiry does). A row that fails
any of it is refused with its field and reason; nothing is written.

``apply`` runs the same preview inside the caller's transaction and writes only when every
row is accepted, through the services every other path uses (``clients.service``,
``continuum.service.admit``, ``security.service.create_user``), so each client, episode
and account is validated and audited exactly as one made by hand; the writes happen in a
savepoint, so a failure half-way leaves nothing behind even for a caller that goes on.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, TypeVar

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import duplicates
from stepdown.clients import repository as clients_repository
from stepdown.clients import rules as client_rules
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.clients.schemas import ClientCreate
from stepdown.continuum import rules as continuum_rules
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Episode, EpisodeStatus, LevelOfCare, Track
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Forbidden
from stepdown.programs import service as programs_service
from stepdown.programs.models import Site
from stepdown.security import accounts, passwords
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import STAFF_ROLES, Role
from stepdown.setup import import_rules as rules
from stepdown.setup.import_rules import (
    ClientRecord,
    EpisodeRecord,
    Kind,
    Refusal,
    Sheet,
    StaffRecord,
)

IMPORT_ROLES: Final = frozenset({Role.ADMIN, Role.DIRECTOR, Role.SYSTEM})
# Values per IN (...) list: far inside SQLite's and PostgreSQL's parameter limits.
CHUNK: Final = 500
ADMISSION_REASON: Final = "Imported from the previous system: in care at this level there"


@dataclass(frozen=True)
class PlannedRow:
    """One row the import will create, as the preview shows it."""

    row: int
    record: str  # the record number or username
    name: str
    detail: str


@dataclass(frozen=True)
class ImportPreview:
    kind: Kind
    accepted: tuple[PlannedRow, ...]
    refused: tuple[Refusal, ...]

    @property
    def acceptable(self) -> bool:
        return bool(self.accepted) and not self.refused


class ImportRefused(Conflict):
    """The file has refused rows (or none to import): nothing was written."""

    def __init__(self, preview: ImportPreview) -> None:
        count = len({r.row for r in preview.refused})
        super().__init__(
            f"{count} row(s) of the file are refused; nothing was imported"
            if preview.refused
            else "the file has no rows to import",
            field="file",
        )
        self.preview = preview


@dataclass(frozen=True)
class CreatedClient:
    client: Client
    episode: Episode | None
    level: str


@dataclass(frozen=True)
class ImportResult:
    kind: Kind
    clients: tuple[CreatedClient, ...] = ()
    # Each new account with the password made for it, to be shown once.
    accounts: tuple[tuple[User, str], ...] = ()

    @property
    def count(self) -> int:
        return len(self.clients) + len(self.accounts)


@dataclass
class _Admission:
    level: LevelOfCare
    track: Track
    on: date


@dataclass
class _Plan:
    """What the preview resolved, kept for ``apply``: per accepted row, the ids it names."""

    kind: Kind
    refusals: list[Refusal] = field(default_factory=list)
    accepted: list[PlannedRow] = field(default_factory=list)
    clients: list[tuple[ClientRecord, ClientCreate, _Admission | None]] = field(
        default_factory=list
    )
    staff: list[tuple[StaffRecord, Site | None, User | None]] = field(default_factory=list)
    episodes: list[tuple[EpisodeRecord, Client, _Admission]] = field(default_factory=list)
    # Clients on file the preview names (matches, episodes): each is an audited read.
    clients_read: set[uuid.UUID] = field(default_factory=set)

    def preview(self) -> ImportPreview:
        refused = sorted(set(self.refusals), key=lambda r: (r.row, r.field, r.reason))
        bad_rows = {r.row for r in refused}
        return ImportPreview(
            kind=self.kind,
            accepted=tuple(p for p in self.accepted if p.row not in bad_rows),
            refused=tuple(refused),
        )


def _require_importer(actor: Actor, kind: Kind) -> None:
    if actor.role not in IMPORT_ROLES:
        raise Forbidden("only an administrator or the director imports records")
    if kind is Kind.STAFF:
        security_service.require_admin(actor)


def preview(session: Session, *, actor: Actor, kind: Kind, rows: Sheet) -> ImportPreview:
    """Every row the file would create and every row it refuses (row, field, reason).
    Writes nothing but the audit entries of the clients on file it names."""
    _require_importer(actor, kind)
    plan = _plan(session, actor, kind, rows)
    _record_reads(session, actor, plan)
    return plan.preview()


def apply(session: Session, *, actor: Actor, kind: Kind, rows: Sheet) -> ImportResult:
    """Create everything the file holds, or nothing: any refused row refuses the file."""
    _require_importer(actor, kind)
    plan = _plan(session, actor, kind, rows)
    checked = plan.preview()
    if not checked.acceptable:
        _record_reads(session, actor, plan)
        raise ImportRefused(checked)
    with session.begin_nested():
        if kind is Kind.CLIENTS:
            result = ImportResult(kind, clients=tuple(_create_clients(session, actor, plan)))
        elif kind is Kind.STAFF:
            result = ImportResult(kind, accounts=tuple(_create_accounts(session, actor, plan)))
        else:
            result = ImportResult(kind, clients=tuple(_open_episodes(session, actor, plan)))
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.CREATE,
            entity_type="import",
            entity_id=kind.value,
            detail={"kind": kind.value, "rows": len(checked.accepted)},
        )
    return result


def _record_reads(session: Session, actor: Actor, plan: _Plan) -> None:
    if plan.clients_read:
        audit_service.record_reads(
            session, actor=actor, entity_type="client", client_ids=sorted(plan.clients_read)
        )


def _plan(session: Session, actor: Actor, kind: Kind, sheet: Sheet) -> _Plan:
    on = today()
    plan = _Plan(kind)
    if kind is Kind.CLIENTS:
        client_records, refusals = rules.read_clients(sheet, today=on)
        plan.refusals.extend(refusals)
        _plan_clients(session, actor, plan, client_records, on)
    elif kind is Kind.STAFF:
        staff_records, refusals = rules.read_staff(sheet)
        plan.refusals.extend(refusals)
        _plan_staff(session, plan, staff_records, on)
    else:
        episode_records, refusals = rules.read_episodes(sheet, today=on)
        plan.refusals.extend(refusals)
        _plan_episodes(session, actor, plan, episode_records, on)
    return plan


# --- references ---------------------------------------------------------------------------


_T = TypeVar("_T")


def _chunks(values: Iterable[_T]) -> Iterable[list[_T]]:
    items = list(values)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


class _Sites:
    """Sites by code or name, as a file names them; only open ones take someone new."""

    def __init__(self, session: Session, on: date) -> None:
        self.on = on
        self.by_key: dict[str, list[Site]] = {}
        for site in programs_service.list_sites(session):
            for key in {site.code.casefold(), site.name.casefold()}:
                self.by_key.setdefault(key, []).append(site)

    def find(self, text: str) -> Site:
        found = self.by_key.get(text.casefold(), [])
        if not found:
            raise Conflict(f"no site has the code or name {text!r}")
        if len(found) > 1:
            raise Conflict(f"{len(found)} sites are named {text!r}: use the site's code")
        site = found[0]
        if site.closed_on is not None and site.closed_on <= self.on:
            raise Conflict(f"site {site.code} is closed")
        return site


class _Levels:
    def __init__(self, session: Session) -> None:
        self.by_key: dict[str, LevelOfCare] = {}
        for level in continuum_service.catalog(session):
            self.by_key.setdefault(level.code.casefold(), level)
            self.by_key.setdefault(level.name.casefold(), level)

    def admission(
        self, text: str, track: Track | None, on: date, *, has_open_episode: bool, today: date
    ) -> tuple[_Admission | None, list[tuple[str, str]]]:
        """The episode the row opens, planned by the continuum's own admission rule, or the
        (field, reason) pairs that refuse it."""
        level = self.by_key.get(text.casefold())
        if level is None:
            return None, [("level", f"no level of care has the code or name {text!r}")]
        facts = continuum_service.level_facts(level)
        if track is None:
            if len(facts.tracks) > 1:
                offered = " or ".join(t.value for t in facts.tracks)
                return None, [("track", f"{level.name} runs {offered}: say which")]
            track = facts.tracks[0]
        try:
            continuum_rules.plan_admit(
                has_open_episode=has_open_episode, level=facts, track=track, on=on, today=today
            )
        except Conflict as exc:
            return None, [(_refused_field(exc.rule or ""), exc.message)]
        return _Admission(level, track, on), []


def _refused_field(rule: str) -> str:
    if rule.startswith("track."):
        return "track"
    if rule.startswith("transition."):
        return "admission_date"
    if rule.startswith("episode."):
        return "record_number"
    return "level"


def _users(session: Session, usernames: set[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for chunk in _chunks(sorted(usernames)):
        for user in session.scalars(select(User).where(User.username.in_(chunk))):
            found[user.username] = user
    return found


def _clients_by_record_number(
    session: Session, actor: Actor, numbers: set[str]
) -> dict[str, Client]:
    """Clients on file by record number, compared without case ("c-12" is "C-12")."""
    found: dict[str, Client] = {}
    for chunk in _chunks(sorted({n.upper() for n in numbers})):
        stmt = clients_repository.readable(actor).where(func.upper(Client.record_number).in_(chunk))
        for client in session.scalars(stmt):
            found[client.record_number.casefold()] = client
    return found


def _record_numbers_taken(session: Session, numbers: set[str]) -> set[str]:
    """Record numbers on file, of any client (one the importer may not see is still taken)."""
    taken: set[str] = set()
    for chunk in _chunks(sorted({n.upper() for n in numbers})):
        stmt = select(Client.record_number).where(func.upper(Client.record_number).in_(chunk))
        taken.update(number.casefold() for number in session.scalars(stmt))
    return taken


def _admission_text(admission: _Admission | None) -> str:
    if admission is None:
        return "not in care: no episode"
    track = "" if admission.track is Track.NONE else f" ({admission.track.value})"
    return f"{admission.level.code}{track} from {admission.on.isoformat()}"


# --- clients ------------------------------------------------------------------------------


def _plan_clients(
    session: Session, actor: Actor, plan: _Plan, records: Sequence[ClientRecord], on: date
) -> None:
    sites = _Sites(session, on)
    levels = _Levels(session)
    clinicians = _users(session, {r.primary_clinician for r in records if r.primary_clinician})
    taken = _record_numbers_taken(session, {r.record_number for r in records if r.record_number})
    matches = _likely_matches(session, records)
    for record in records:
        problems: list[tuple[str, str]] = []
        if record.record_number.casefold() in taken:
            problems.append(("record_number", f"{record.record_number} is already on file"))
        site = _site(sites, record.site, problems)
        clinician_id = None
        if record.primary_clinician:
            clinician = clinicians.get(record.primary_clinician)
            if clinician is None or not clinician.is_active or clinician.role is not Role.CLINICIAN:
                problems.append(
                    ("primary_clinician", f"{record.primary_clinician!r} is no active clinician")
                )
            else:
                clinician_id = clinician.id
        admission = None
        if record.level and record.admission_date is not None:
            admission, refused = levels.admission(
                record.level,
                record.track,
                record.admission_date,
                has_open_episode=False,
                today=on,
            )
            problems.extend(refused)
        if match := matches.get(record.row):
            existing, why = match
            plan.clients_read.add(existing.id)
            problems.append(
                (
                    "date_of_birth" if "date of birth" in why else "phone",
                    f"{why} as record {existing.record_number}: "
                    "likely the same person, already on file",
                )
            )
        data = _client_data(record, site, clinician_id, problems)
        plan.refusals.extend(Refusal(record.row, f, reason) for f, reason in problems)
        if problems or data is None:
            continue
        plan.clients.append((record, data, admission))
        plan.accepted.append(
            PlannedRow(
                record.row,
                record.record_number or "next number",
                record.name,
                f"site {site.code if site else ''}; {_admission_text(admission)}"
                + (f"; clinician {record.primary_clinician}" if clinician_id else ""),
            )
        )


def _site(sites: _Sites, text: str, problems: list[tuple[str, str]]) -> Site | None:
    try:
        return sites.find(text)
    except Conflict as exc:
        problems.append(("site", exc.message))
        return None


def _client_data(
    record: ClientRecord,
    site: Site | None,
    clinician_id: uuid.UUID | None,
    problems: list[tuple[str, str]],
) -> ClientCreate | None:
    """The record as the client form's schema takes it, so the import and the form can
    never disagree on what a client record may hold."""
    if site is None:
        return None
    values: dict[str, Any] = {
        "legal_first_name": record.first_name,
        "legal_last_name": record.last_name,
        "preferred_name": record.preferred_name,
        "date_of_birth": record.date_of_birth,
        "sex_assigned_at_birth": record.sex_assigned_at_birth,
        "gender_identity": record.gender_identity,
        "pronouns": record.pronouns,
        "phone": record.phone,
        "email": record.email,
        "address": record.address,
        "emergency_contact_name": record.emergency_contact_name,
        "emergency_contact_phone": record.emergency_contact_phone,
        "emergency_contact_relationship": record.emergency_contact_relationship,
        "safe_contact_instructions": record.safe_contact_instructions,
        "referral_source": record.referral_source,
        "site_id": site.id,
        "primary_clinician_id": clinician_id,
    }
    try:
        return ClientCreate.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "row"
            problems.append((name.removeprefix("legal_"), str(error["msg"])))
        return None


def _likely_matches(
    session: Session, records: Sequence[ClientRecord]
) -> dict[int, tuple[Client, str]]:
    """Row -> a client on file who is likely the same person, and why, by the same rules
    as converting an inquiry (``clients.rules.match_reasons``: fuzzy on names, birth dates
    with day and month swapped, phone and birth date). Candidates share a birth date, as
    typed or swapped, with a row; the whole program is searched, not only what the
    importer may open, since a duplicate at another site is as harmful."""
    days: set[date] = set()
    for record in records:
        days.add(record.date_of_birth)
        if (swapped := client_rules.swapped_day_month(record.date_of_birth)) is not None:
            days.add(swapped)
    by_day: dict[date, list[Client]] = {}
    for chunk in _chunks(sorted(days)):
        stmt = select(Client).where(
            Client.date_of_birth.in_(chunk), clients_repository.not_merged_away()
        )
        for client in session.scalars(stmt.order_by(Client.record_number)):
            by_day.setdefault(client.date_of_birth, []).append(client)
    found: dict[int, tuple[Client, str]] = {}
    for record in records:
        identity = client_rules.Identity(
            record.first_name,
            record.last_name,
            record.date_of_birth,
            record.phone,
            record.preferred_name,
        )
        swapped = client_rules.swapped_day_month(record.date_of_birth)
        candidates = by_day.get(record.date_of_birth, []) + (
            by_day.get(swapped, []) if swapped else []
        )
        for client in candidates:
            if reasons := client_rules.match_reasons(identity, duplicates.identity_of(client)):
                found[record.row] = (client, reasons[0])
                break
    return found


def _create_clients(session: Session, actor: Actor, plan: _Plan) -> list[CreatedClient]:
    # Rows that bring their own record number first: a new number is then taken after
    # the highest of them, and never collides with one a later row brings.
    ordered = sorted(plan.clients, key=lambda item: (not item[0].record_number, item[0].row))
    created: list[tuple[int, CreatedClient]] = []
    for record, data, admission in ordered:
        client = clients_service.register_client(
            session,
            actor=actor,
            data=data,
            record_number=record.record_number or clients_service.next_record_number(session),
        )
        episode = _admit(session, actor, client, admission) if admission else None
        level = admission.level.code if admission else ""
        created.append((record.row, CreatedClient(client, episode, level)))
    return [item for _, item in sorted(created, key=lambda pair: pair[0])]


def _admit(session: Session, actor: Actor, client: Client, admission: _Admission) -> Episode:
    return continuum_service.admit(
        session,
        actor=actor,
        client_id=client.id,
        level_code=admission.level.code,
        track=admission.track,
        on=admission.on,
        reason=ADMISSION_REASON,
    )


# --- staff --------------------------------------------------------------------------------


def _plan_staff(session: Session, plan: _Plan, records: Sequence[StaffRecord], on: date) -> None:
    sites = _Sites(session, on)
    in_file = {r.username for r in records}
    on_file = _users(session, in_file | {r.supervisor for r in records if r.supervisor})
    for record in records:
        problems: list[tuple[str, str]] = []
        if record.username in on_file:
            problems.append(("username", f"{record.username!r} is taken"))
        site = _site(sites, record.site, problems) if record.site else None
        supervisor = on_file.get(record.supervisor) if record.supervisor else None
        usable = supervisor is not None and supervisor.is_active and supervisor.role in STAFF_ROLES
        if record.supervisor and record.supervisor not in in_file and not usable:
            problems.append(("supervisor", f"{record.supervisor!r} is no active staff account"))
        plan.refusals.extend(Refusal(record.row, f, reason) for f, reason in problems)
        if problems:
            continue
        plan.staff.append((record, site, supervisor))
        plan.accepted.append(
            PlannedRow(
                record.row,
                record.username,
                record.display_name,
                record.role.label
                + (f" at site {site.code}" if site else ", every site")
                + (f"; supervisor {record.supervisor}" if record.supervisor else ""),
            )
        )


def _create_accounts(session: Session, actor: Actor, plan: _Plan) -> list[tuple[User, str]]:
    created: list[tuple[User, str]] = []
    for record, site, _ in plan.staff:
        password = passwords.generate_password(record.username)
        user = security_service.create_user(
            session,
            actor=actor,
            username=record.username,
            display_name=record.display_name,
            role=record.role,
            password=password,
            email=record.email,
            site_id=site.id if site else None,
        )
        created.append((user, password))
    # Supervisors once every account exists: a row may name one further down the file.
    by_username = {user.username: user for user, _ in created}
    for record, _, supervisor in plan.staff:
        if not record.supervisor:
            continue
        user = by_username[record.username]
        boss = supervisor or by_username[record.supervisor]
        accounts.update_account(
            session,
            actor=actor,
            username=user.username,
            change=accounts.AccountChange(
                display_name=user.display_name,
                email=user.email,
                role=user.role,
                site_id=user.site_id,
                supervisor_id=boss.id,
            ),
        )
    return created


# --- episodes -----------------------------------------------------------------------------


def _plan_episodes(
    session: Session, actor: Actor, plan: _Plan, records: Sequence[EpisodeRecord], on: date
) -> None:
    levels = _Levels(session)
    clients = _clients_by_record_number(session, actor, {r.record_number for r in records})
    open_episodes = _with_open_episode(session, [c.id for c in clients.values()])
    for record in records:
        client = clients.get(record.record_number.casefold())
        if client is None:
            plan.refusals.append(
                Refusal(record.row, "record_number", f"no client has record {record.record_number}")
            )
            continue
        plan.clients_read.add(client.id)
        problems: list[tuple[str, str]] = []
        if record.admission_date < client.date_of_birth:
            problems.append(("admission_date", "is before the client's date of birth"))
        admission, refused = levels.admission(
            record.level,
            record.track,
            record.admission_date,
            has_open_episode=client.id in open_episodes,
            today=on,
        )
        problems.extend(refused)
        plan.refusals.extend(Refusal(record.row, f, reason) for f, reason in problems)
        if problems or admission is None:
            continue
        plan.episodes.append((record, client, admission))
        plan.accepted.append(
            PlannedRow(
                record.row, client.record_number, client.display_name, _admission_text(admission)
            )
        )


def _with_open_episode(session: Session, client_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for chunk in _chunks(client_ids):
        stmt = select(Episode.client_id).where(
            Episode.client_id.in_(chunk), Episode.status != EpisodeStatus.DISCHARGED
        )
        found.update(session.scalars(stmt))
    return found


def _open_episodes(session: Session, actor: Actor, plan: _Plan) -> list[CreatedClient]:
    return [
        CreatedClient(client, _admit(session, actor, client, admission), admission.level.code)
        for _, client, admission in plan.episodes
    ]
