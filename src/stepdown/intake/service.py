"""Use cases of the intake assessment: start one for the open episode, save the draft,
sign it (the password or PIN again), co-sign it as the supervisor, add signed addenda,
and the reads other pages need (the chart tab, the placement pre-fill, the intakes due,
the co-signature queue).

Every read of an intake is audited once per client shown, and every change once, in the
caller's transaction; audit details hold ids and field names, never the text. A refusal
changes nothing: each use case checks everything before it writes, and a signature is
made (and its secret checked) before the record is frozen.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.clinical_notes import rules as clinical_notes_rules
from stepdown.clinical_notes import service as clinical_notes_service
from stepdown.continuum import repository as continuum_repository
from stepdown.continuum.models import Episode
from stepdown.inquiries.models import Inquiry
from stepdown.intake import access, repository, rules
from stepdown.intake.models import (
    Intake,
    IntakeAddendum,
    IntakeStatus,
    IntakeSubstance,
)
from stepdown.intake.schemas import IntakeWrite, SubstanceWrite
from stepdown.kit import clock
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security import service as security_service
from stepdown.security import signing
from stepdown.security.actor import Actor
from stepdown.security.models import Signature, SignatureMeaning
from stepdown.security.policy import Policy
from stepdown.security.roles import Role

ENTITY = "intake"
ADDENDUM_ENTITY = "intake_addendum"


def _require(policy: Policy, actor: Actor) -> None:
    """Routes check the policy too; this covers other domains' callers and the CLI."""
    if actor.role is not Role.SYSTEM and not policy.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {policy.description}")


def _audit(
    session: Session,
    actor: Actor,
    action: AuditAction,
    intake: Intake,
    detail: dict[str, Any] | None = None,
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=action,
        entity_type=ENTITY,
        entity_id=intake.id,
        client_id=intake.client_id,
        detail=detail,
    )


def _visible(actor: Actor, intake: Intake) -> bool:
    """Utilization review reads final intakes only."""
    return actor.role not in access.FINAL_ONLY or intake.final


def cosigner_of(session: Session, intake: Intake) -> uuid.UUID | None:
    """Who co-signs (or co-signed) this intake: the co-signer once given, else, while it
    waits, its author's supervisor now (``signing.cosigner_for``); None when it needs no
    co-signature."""
    if intake.cosigned_by is not None:
        return intake.cosigned_by
    if not intake.awaiting_cosignature or intake.signed_by is None:
        return None
    return signing.cosigner_for(session, intake.signed_by)


def is_cosigner(session: Session, actor: Actor, intake: Intake) -> bool:
    """Whether the actor co-signs (or co-signed) this intake, which lets them read it."""
    return actor.user_id is not None and cosigner_of(session, intake) == actor.user_id


def _find(session: Session, actor: Actor, intake_id: uuid.UUID) -> Intake:
    """An intake the actor may read: one of a client they may see, or one waiting for (or
    given) their co-signature. 404 otherwise, never revealing that it exists."""
    intake = session.scalar(repository.readable(actor).where(Intake.id == intake_id))
    if intake is None and access.COSIGN.allows(actor.role):
        candidate = session.get(Intake, intake_id)
        if candidate is not None and is_cosigner(session, actor, candidate):
            intake = candidate
    if intake is None or not _visible(actor, intake):
        raise NotFound("no such intake, or not one you may see")
    return intake


def _writable(session: Session, actor: Actor, intake_id: uuid.UUID) -> Intake:
    """An intake of a client on the actor's caseload (the director: any), locked for the
    change. A co-signer who is not the client's clinician reads it but does not write it."""
    _require(access.WRITE, actor)
    found = session.scalar(repository.readable(actor).where(Intake.id == intake_id))
    if found is None:
        raise NotFound("no such intake, or not one you may see")
    locked = session.scalar(repository.for_update(intake_id))
    assert locked is not None
    return locked


def may_write(session: Session, *, actor: Actor, intake: Intake) -> bool:
    """Whether the actor may change this intake (its draft, its addenda): a writer who
    sees its client. A co-signer reading it from the queue may not."""
    if actor.role is Role.SYSTEM:
        return True
    if not access.WRITE.allows(actor.role):
        return False
    found = session.scalar(
        repository.readable(actor).with_only_columns(Intake.id).where(Intake.id == intake.id)
    )
    return found is not None


def _substances(session: Session, intake: Intake) -> list[IntakeSubstance]:
    return list(session.scalars(repository.substances_of(intake.id)))


# ---- starting and saving ------------------------------------------------------------------


def start_intake(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    interviewed_at: datetime | None = None,
) -> Intake:
    """A draft intake for the client's open episode (one per episode)."""
    _require(access.WRITE, actor)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    episode = continuum_repository.open_episode_of(session, client.id)
    if episode is None:
        raise Conflict(
            "the client has no open episode of care: admit them first", rule=rules.NO_OPEN_EPISODE
        )
    session.scalar(repository.episode_for_update(episode.id))
    if session.scalar(repository.of_episode(episode.id)) is not None:
        raise Conflict("this episode already has an intake", rule=rules.EXISTS)
    moment = interviewed_at or utc_now()
    intake = Intake(
        episode_id=episode.id,
        client_id=client.id,
        status=IntakeStatus.DRAFT,
        author_id=actor.user_id,
        interviewed_at=moment,
    )
    session.add(intake)
    session.flush()
    named = session.scalars(
        select(Inquiry.substances)
        .where(Inquiry.client_id == client.id)
        .order_by(Inquiry.created_at.desc())
        .limit(1)
    ).first()
    session.add_all(
        IntakeSubstance(
            intake_id=intake.id, position=i, substance=row.substance, pattern=row.pattern
        )
        for i, row in enumerate(rules.rows_from_inquiry(named or []))
    )
    _audit(session, actor, AuditAction.CREATE, intake, {"episode": episode.id.hex})
    return intake


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _last_use_at(row: SubstanceWrite, index: int) -> datetime | None:
    if row.last_use_time is None:
        return None
    if row.last_use_on is None:
        raise Invalid("a last-use time needs its day", field=rules.row_field(index, "last_use_on"))
    wall = datetime.combine(row.last_use_on, time.fromisoformat(row.last_use_time))
    try:
        return clock.to_utc(wall)
    except clock.NonexistentLocalTime as exc:
        raise Invalid(str(exc), field=rules.row_field(index, "last_use_time")) from None


def substance_rows(rows: Sequence[SubstanceWrite]) -> list[rules.SubstanceRow]:
    """The submitted rows as the rules check them (text trimmed, last-use time as UTC)."""
    return [
        rules.SubstanceRow(
            substance=row.substance,
            other_name=row.other_name.strip(),
            age_first_use=row.age_first_use,
            route=row.route,
            frequency=row.frequency,
            amount=row.amount.strip(),
            pattern=row.pattern.strip(),
            last_use_on=row.last_use_on,
            last_use_at=_last_use_at(row, index),
        )
        for index, row in enumerate(rows)
    ]


def _values(data: IntakeWrite, intake: Intake) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(data, name).strip() for name in rules.TEXT_FIELDS}
    values.update({name: getattr(data, name) for name in rules.ANSWER_FIELDS})
    values.update({name: getattr(data, name) for name in rules.CHOICE_FIELDS})
    moment = data.interviewed_at or intake.interviewed_at
    values["interviewed_at"] = moment.astimezone(UTC)
    return values


def _same_rows(old: Sequence[IntakeSubstance], new: Sequence[rules.SubstanceRow]) -> bool:
    def key(row: IntakeSubstance | rules.SubstanceRow) -> tuple[object, ...]:
        return (
            row.substance,
            row.other_name,
            row.age_first_use,
            row.route,
            row.frequency,
            row.amount,
            row.pattern,
            row.last_use_on,
            row.last_use_at,
        )

    return [key(r) for r in old] == [key(r) for r in new]


def save_draft(
    session: Session, *, actor: Actor, intake_id: uuid.UUID, data: IntakeWrite
) -> Intake:
    """Replace the draft's answers and substance rows with ``data``. Everything is
    checked before anything is written; a signed intake is refused."""
    intake = _writable(session, actor, intake_id)
    rules.require_draft(intake.status)
    values = _values(data, intake)
    for name in rules.TEXT_FIELDS:
        rules.check_text(name, values[name])
    rows = substance_rows(data.substances)
    client = session.get(Client, intake.client_id)
    assert client is not None
    interviewed_on = clock.local(values["interviewed_at"]).date()
    rules.check_substances(
        rows,
        interviewed_at=values["interviewed_at"],
        client_age=_age(client.date_of_birth, interviewed_on),
    )
    existing = _substances(session, intake)
    changed = [name for name, value in values.items() if getattr(intake, name) != value]
    for name, value in values.items():
        setattr(intake, name, value)
    rows_changed = not _same_rows(existing, rows)
    if rows_changed:
        for old in existing:
            session.delete(old)
        session.flush()
        for position, row in enumerate(rows):
            session.add(
                IntakeSubstance(
                    intake_id=intake.id,
                    position=position,
                    substance=row.substance,
                    other_name=row.other_name,
                    age_first_use=row.age_first_use,
                    route=row.route,
                    frequency=row.frequency,
                    amount=row.amount,
                    pattern=row.pattern,
                    last_use_on=row.last_use_on,
                    last_use_at=row.last_use_at,
                )
            )
    session.flush()
    detail: dict[str, Any] = {"fields": changed}
    if rows_changed:
        detail["substances"] = len(rows)
    _audit(session, actor, AuditAction.UPDATE, intake, detail)
    return intake


# ---- signing ------------------------------------------------------------------------------


def _check_other_clients_not_named(session: Session, actor: Actor, intake: Intake) -> None:
    """The name check of every note (``clinical_notes``: whole words of the names of the
    clients who shared this client's groups or the signer's caseload lately) over the
    intake's narrative, before it is signed: the chart of one client must not identify
    another client as being in treatment (42 CFR Part 2)."""
    if actor.user_id is None:
        return
    client = session.get(Client, intake.client_id)
    assert client is not None
    others = clinical_notes_service.other_client_names(
        session, client, actor.user_id, clock.local(intake.interviewed_at).date()
    )
    clinical_notes_rules.check_names(
        {name: getattr(intake, name) for name in rules.TEXT_FIELDS}, others
    )


def sign(session: Session, *, actor: Actor, intake_id: uuid.UUID, secret: str) -> Intake:
    """Sign the draft with the password (or signing PIN) typed again, and freeze it. A
    supervised signer's intake then waits for their supervisor's co-signature. A wrong
    secret changes nothing."""
    intake = _writable(session, actor, intake_id)
    rules.require_draft(intake.status)
    substances = _substances(session, intake)
    rules.require_complete(intake.presenting_problem, len(substances))
    _check_other_clients_not_named(session, actor, intake)
    signature = signing.sign(
        session,
        actor=actor,
        secret=secret,
        entity_type=ENTITY,
        entity_id=intake.id,
        client_id=intake.client_id,
        content=rules.signed_content(intake, substances),
        meaning=SignatureMeaning.AUTHOR,
    )
    return _freeze(session, actor, intake, signature)


def sign_for_demo_seed(
    session: Session, *, actor: Actor, intake_id: uuid.UUID, signer_id: uuid.UUID
) -> Intake:
    """For ``demo.py`` only: sign a synthetic intake as its (synthetic) clinician, who has
    no password to type at seeding time. Everything else is as ``sign``;
    ``signing.record_seeded_signature`` refuses anyone but the system acting for a
    synthetic staff account."""
    intake = _writable(session, actor, intake_id)
    rules.require_draft(intake.status)
    substances = _substances(session, intake)
    rules.require_complete(intake.presenting_problem, len(substances))
    signature = signing.record_seeded_signature(
        session,
        actor=actor,
        signer_id=signer_id,
        entity_type=ENTITY,
        entity_id=intake.id,
        client_id=intake.client_id,
        content=rules.signed_content(intake, substances),
    )
    return _freeze(session, actor, intake, signature)


def _freeze(session: Session, actor: Actor, intake: Intake, signature: Signature) -> Intake:
    """The intake as signed: frozen from now on, waiting for a co-signature when its
    signer is supervised."""
    intake.status = IntakeStatus.SIGNED
    intake.signed_at = signature.signed_at
    intake.signed_by = signature.signer_id
    intake.cosign_required = signing.needs_cosignature(session, signature.signer_id) is not None
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        intake,
        {"signed": True, "awaiting_cosignature": intake.cosign_required},
    )
    return intake


def cosign(session: Session, *, actor: Actor, intake_id: uuid.UUID, secret: str) -> Intake:
    """The supervisor's co-signature on a supervised clinician's signed intake, on exactly
    the content the author signed. Only the supervisor it waits for may give it."""
    _require(access.COSIGN, actor)
    intake = session.scalar(repository.for_update(intake_id))
    if intake is None or not is_cosigner(session, actor, intake):
        raise NotFound("no such intake waiting for your co-signature")
    if not intake.awaiting_cosignature:
        raise Conflict("this intake is not waiting for a co-signature", rule=rules.NOT_AWAITING)
    content = rules.signed_content(intake, _substances(session, intake))
    signature = signing.sign(
        session,
        actor=actor,
        secret=secret,
        entity_type=ENTITY,
        entity_id=intake.id,
        client_id=intake.client_id,
        content=content,
        meaning=SignatureMeaning.COSIGNER,
    )
    intake.cosigned_at = signature.signed_at
    intake.cosigned_by = signature.signer_id
    session.flush()
    _audit(session, actor, AuditAction.UPDATE, intake, {"cosigned": True})
    return intake


def add_addendum(
    session: Session, *, actor: Actor, intake_id: uuid.UUID, text: str, secret: str
) -> IntakeAddendum:
    """A signed addition to a signed intake, with its own time; the intake is unchanged."""
    intake = _writable(session, actor, intake_id)
    rules.require_signed(intake.status)
    body = text.strip()
    if not body:
        raise Invalid("write the addendum", field="text")
    rules.check_text("addendum", body)
    addendum_id = uuid.uuid4()
    signature = signing.sign(
        session,
        actor=actor,
        secret=secret,
        entity_type=ADDENDUM_ENTITY,
        entity_id=addendum_id,
        client_id=intake.client_id,
        content=rules.addendum_content(intake.id, addendum_id, body),
        meaning=SignatureMeaning.ADDENDUM,
    )
    addendum = IntakeAddendum(
        id=addendum_id,
        intake_id=intake.id,
        client_id=intake.client_id,
        text=body,
        signed_by=signature.signer_id,
        signed_at=signature.signed_at,
    )
    session.add(addendum)
    session.flush()
    _audit(session, actor, AuditAction.CREATE, intake, {"addendum": addendum_id.hex})
    return addendum


# ---- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeView:
    """One intake with everything its page shows."""

    intake: Intake
    client: Client
    episode: Episode
    substances: list[IntakeSubstance]
    addenda: list[IntakeAddendum]
    signatures: list[Signature]
    names: dict[uuid.UUID, str]
    cosigner: uuid.UUID | None  # who co-signs (or co-signed); None when none is needed
    intact: bool | None  # None while a draft; else whether every signature still matches
    prefill: dict[str, rules.Prefill]

    @property
    def ptsd_score(self) -> int | None:
        i = self.intake
        return rules.ptsd_score(i.trauma_exposure, [getattr(i, f) for f in rules.PTSD_ITEM_FIELDS])

    def name(self, user_id: uuid.UUID | None) -> str:
        return self.names.get(user_id, "former staff") if user_id else ""


def _intact(
    intake: Intake,
    substances: Sequence[IntakeSubstance],
    addenda: Sequence[IntakeAddendum],
    signatures: Sequence[Signature],
    addendum_signatures: dict[uuid.UUID, list[Signature]],
) -> bool | None:
    if not intake.signed:
        return None
    content = rules.signed_content(intake, substances)
    own = [s for s in signatures if s.meaning is not SignatureMeaning.ADDENDUM]
    if not own or not all(signing.intact(s, content) for s in own):
        return False
    for addendum in addenda:
        found = addendum_signatures.get(addendum.id, [])
        expected = rules.addendum_content(intake.id, addendum.id, addendum.text)
        if not found or not all(signing.intact(s, expected) for s in found):
            return False
    return True


def view(session: Session, intake: Intake) -> IntakeView:
    """Everything about one intake the actor has already been allowed to read."""
    client = session.get(Client, intake.client_id)
    episode = session.get(Episode, intake.episode_id)
    assert client is not None
    assert episode is not None
    substances = _substances(session, intake)
    addenda = list(session.scalars(repository.addenda_of(intake.id)))
    signatures = signing.signatures_of(session, ENTITY, intake.id)
    addendum_signatures = {
        a.id: signing.signatures_of(session, ADDENDUM_ENTITY, a.id) for a in addenda
    }
    cosigner = cosigner_of(session, intake)
    people = {
        intake.author_id,
        intake.signed_by,
        cosigner,
        *(a.signed_by for a in addenda),
        *(s.signer_id for s in signatures),
    }
    names = security_service.display_names(session, {p for p in people if p is not None})
    return IntakeView(
        intake=intake,
        client=client,
        episode=episode,
        substances=substances,
        addenda=addenda,
        signatures=signatures,
        names=names,
        cosigner=cosigner,
        intact=_intact(intake, substances, addenda, signatures, addendum_signatures),
        prefill=rules.dimension_prefill(rules.facts_of(intake, substances)),
    )


def get_intake(session: Session, *, actor: Actor, intake_id: uuid.UUID) -> IntakeView:
    """One intake and its addenda, signatures and pre-fill; the read is audited."""
    _require(access.READ, actor)
    intake = _find(session, actor, intake_id)
    audit_service.record_reads(
        session, actor=actor, entity_type=ENTITY, client_ids=[intake.client_id]
    )
    return view(session, intake)


def client_of(session: Session, *, actor: Actor, intake_id: uuid.UUID) -> uuid.UUID:
    """Which chart an intake belongs to, for redirects; not audited by itself (it only
    locates the intake for a use case that is)."""
    return _find(session, actor, intake_id).client_id


@dataclass(frozen=True)
class IntakeRow:
    intake: Intake
    episode: Episode


def _rows(session: Session, actor: Actor, client: Client) -> list[IntakeRow]:
    rows = [
        IntakeRow(intake, episode)
        for intake, episode in session.execute(repository.of_client(actor, client.id))
        if _visible(actor, intake)
    ]
    if rows:
        audit_service.record_reads(session, actor=actor, entity_type=ENTITY, client_ids=[client.id])
    return rows


def list_for_client(session: Session, *, actor: Actor, client_id: uuid.UUID) -> list[IntakeRow]:
    """A client's intakes, newest admission first (utilization review: final ones)."""
    _require(access.READ, actor)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    return _rows(session, actor, client)


@dataclass(frozen=True)
class IntakeTab:
    """The chart's Intake tab."""

    client: Client
    rows: list[IntakeRow]
    open_episode: Episode | None
    can_write: bool

    @property
    def can_start(self) -> bool:
        """The open episode has no intake yet and the actor may write one."""
        if not self.can_write or self.open_episode is None:
            return False
        return all(r.episode.id != self.open_episode.id for r in self.rows)


def chart_tab(session: Session, *, actor: Actor, client: Client) -> IntakeTab:
    """The chart has already loaded (and audited) the client."""
    _require(access.READ, actor)
    rows = _rows(session, actor, client)
    can_write = access.WRITE.allows(actor.role)
    return IntakeTab(
        client=client,
        rows=rows,
        open_episode=continuum_repository.open_episode_of(session, client.id)
        if can_write
        else None,
        can_write=can_write,
    )


@dataclass(frozen=True)
class IntakePrefill:
    """What the placement form shows beside each dimension: the intake it came from and,
    per dimension, its facts."""

    intake: Intake
    dimensions: dict[str, rules.Prefill]


def prefill_for_client(session: Session, *, actor: Actor, client: Client) -> IntakePrefill | None:
    """The pre-fill from the client's intake for the placement assessment form: the
    intake of the open episode, else of the latest episode that has one. None when there
    is none, or the actor's role reads no intakes (the placement form is then as before).
    The caller has loaded the client through the clients service."""
    if actor.role is not Role.SYSTEM and not access.READ.allows(actor.role):
        return None
    rows = [
        (intake, episode)
        for intake, episode in session.execute(repository.of_client(actor, client.id))
        if _visible(actor, intake)
    ]
    if not rows:
        return None
    open_rows = [r for r in rows if r[1].discharged_on is None]
    intake = (open_rows or rows)[0][0]
    audit_service.record_reads(session, actor=actor, entity_type=ENTITY, client_ids=[client.id])
    facts = rules.facts_of(intake, _substances(session, intake))
    return IntakePrefill(intake, rules.dimension_prefill(facts))


def prefill(session: Session, *, actor: Actor, intake_id: uuid.UUID) -> IntakePrefill:
    """One intake's pre-fill of the six dimensions (audited as a read of the intake)."""
    _require(access.READ, actor)
    intake = _find(session, actor, intake_id)
    audit_service.record_reads(
        session, actor=actor, entity_type=ENTITY, client_ids=[intake.client_id]
    )
    facts = rules.facts_of(intake, _substances(session, intake))
    return IntakePrefill(intake, rules.dimension_prefill(facts))


# ---- lists for the home page --------------------------------------------------------------


@dataclass(frozen=True)
class CosignRow:
    intake: Intake
    client: Client
    author: str


def awaiting_cosignature(session: Session, *, actor: Actor) -> list[CosignRow]:
    """Intakes signed by the clinicians this actor supervises, waiting for the actor's
    co-signature, oldest first. Each client shown is an audited read."""
    _require(access.COSIGN, actor)
    if actor.user_id is None:
        return []
    pairs = list(session.execute(repository.awaiting(actor.user_id)))
    names = security_service.display_names(
        session, {i.signed_by for i, _ in pairs if i.signed_by is not None}
    )
    rows = [
        CosignRow(intake, client, names.get(intake.signed_by, "") if intake.signed_by else "")
        for intake, client in pairs
    ]
    audit_service.record_reads(
        session,
        actor=actor,
        entity_type=ENTITY,
        client_ids=list(dict.fromkeys(r.client.id for r in rows)),
    )
    return rows


@dataclass(frozen=True)
class DueRow:
    episode: Episode
    client: Client
    intake: Intake | None  # a draft, or None when none was started
    due_since: date
    days_since_admission: int


def intakes_due(session: Session, *, actor: Actor) -> list[DueRow]:
    """Active episodes admitted ``rules.INTAKE_DUE_DAYS`` or more days ago whose intake is
    not signed (missing, or a draft): a clinician's caseload, every client for the
    director. Longest waiting first; each client shown is an audited read."""
    _require(access.DUE, actor)
    now = clock.today()
    admitted_by = now - timedelta(days=rules.INTAKE_DUE_DAYS)
    rows = [
        DueRow(
            episode,
            client,
            intake,
            rules.due_since(episode.admitted_on),
            (now - episode.admitted_on).days,
        )
        for episode, client, intake in session.execute(repository.due(actor, admitted_by))
    ]
    audit_service.record_reads(
        session,
        actor=actor,
        entity_type=ENTITY,
        client_ids=list(dict.fromkeys(r.client.id for r in rows)),
    )
    return rows
