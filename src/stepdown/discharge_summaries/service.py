"""Writing, signing, reading and printing discharge summaries, and the list of those due.

Every discharge, and every referral out made from care here, asks for a summary
(``rules.asks_for_summary``). The continuum's discharge never waits for it: the summary is
a reminder on the chart and on the primary clinician's and the director's home page until
its author signs it (``summaries_due``).

The facts of the record are gathered through each domain's service, which checks the actor
and audits its own read: the levels and dates from the continuum, drug tests, diagnoses,
the treatment plan, medications, case-management referrals and the aftercare plan. Three
reads have no service for a stay's dates and are made here, on a client the actor was
already allowed to read, and covered by this package's own audit entry (as the
accountability summary reads attendance): the client's attendance records of the stay with
their booking's kind, the status history of the plan's objectives (to show each as it
stood on the last day in care), and the id of the episode's aftercare plan (then read
through ``aftercare.service.get_plan``).

While a summary is a draft its facts are gathered afresh each time it is shown; signing
stores them with the clinician's words and the signature hashes both (``rules.signed_content``),
so a signed summary never changes with the chart and ``signing.intact`` tells whether the
stored summary is still what was signed.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.aftercare import service as aftercare_service
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.case_management import service as case_management_service
from stepdown.case_management.models import ReferralStatus
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.clinical_notes import rules as clinical_notes_rules
from stepdown.clinical_notes import service as clinical_notes_service
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import (
    Episode,
    EpisodeStatus,
    LevelOfCare,
    PartnerProvider,
    Segment,
)
from stepdown.diagnoses import service as diagnoses_service
from stepdown.discharge_summaries import access, repository, rules
from stepdown.discharge_summaries.models import (
    FILED,
    DischargeSummary,
    DischargeSummaryAddendum,
    SummaryKind,
    SummaryStatus,
)
from stepdown.drug_testing import service as drug_testing_service
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.medications import service as medications_service
from stepdown.security import service as security_service
from stepdown.security import signing
from stepdown.security.actor import Actor
from stepdown.security.models import Signature, SignatureMeaning, SignatureMethod
from stepdown.security.policy import Policy
from stepdown.security.roles import Role
from stepdown.security.signing import CosignRow
from stepdown.treatment_plans import service as treatment_plans_service
from stepdown.treatment_plans.models import ObjectiveStatus

ENTITY = "discharge_summary"  # the signatures' and audit entries' entity type
ADDENDUM_ENTITY = "discharge_summary_addendum"


def _require(policy: Policy, actor: Actor) -> None:
    """Routes check the policy too; this holds the CLI, the demo and other callers to it."""
    if actor.role is not Role.SYSTEM and not policy.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {policy.description}")


def may_write(actor: Actor) -> bool:
    return actor.role is Role.SYSTEM or access.WRITE.allows(actor.role)


def _require_author(actor: Actor) -> None:
    """A summary has a staff member as its author (the demo writes as its clinicians)."""
    _require(access.WRITE, actor)
    if actor.user_id is None:
        raise Forbidden("a discharge summary is written by a staff member")


def is_cosigner(session: Session, actor: Actor, summary: DischargeSummary) -> bool:
    """Whether ``actor`` is who co-signs this summary now: it waits for a co-signature and
    they supervise its signer (``signing.cosigner_for``)."""
    return (
        summary.status is SummaryStatus.AWAITING_COSIGNATURE
        and summary.signed_by is not None
        and actor.user_id is not None
        and access.COSIGN.allows(actor.role)
        and signing.cosigner_for(session, summary.signed_by) == actor.user_id
    )


def _find(
    session: Session, actor: Actor, summary_id: uuid.UUID, *, lock: bool = False
) -> DischargeSummary:
    """A summary the actor may read: of a client they may read (a draft only for those who
    write), or the one they co-sign. 404 otherwise, never saying it exists."""
    _require(access.READ, actor)
    stmt = repository.readable(actor).where(DischargeSummary.id == summary_id)
    summary = session.scalar(stmt.with_for_update() if lock else stmt)
    if summary is None:
        # The supervisor who co-signs may not have the client on their caseload.
        candidate = session.get(DischargeSummary, summary_id)
        if candidate is not None and is_cosigner(session, actor, candidate):
            summary = candidate
    if summary is None or (
        actor.role in access.SIGNED_ONLY and summary.status is not SummaryStatus.SIGNED
    ):
        raise NotFound("no such discharge summary, or not one you may see")
    return summary


def _audit(
    session: Session,
    actor: Actor,
    action: AuditAction,
    summary: DischargeSummary,
    detail: dict[str, Any] | None = None,
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=action,
        entity_type=ENTITY,
        entity_id=summary.id,
        client_id=summary.client_id,
        detail=detail,
    )


# ---- the events that ask for a summary ------------------------------------------------------


@dataclass(frozen=True)
class _Catalog:
    levels: dict[uuid.UUID, LevelOfCare]
    partners: dict[uuid.UUID, PartnerProvider]

    def partner_name(self, partner_id: uuid.UUID | None) -> str:
        partner = self.partners.get(partner_id) if partner_id else None
        return partner.name if partner else ""


def _catalog(session: Session) -> _Catalog:
    return _Catalog(
        {lv.id: lv for lv in continuum_service.catalog(session)},
        {p.id: p for p in continuum_service.partners(session)},
    )


def _label(episode: Episode, segment: Segment | None, catalog: _Catalog) -> str:
    """How the stay ended, in words: "Discharged (completed)", "Referred out to …"."""
    if segment is None:
        kind = episode.discharge_type.label.lower() if episode.discharge_type else "discharged"
        return f"Discharged ({kind})"
    level = catalog.levels.get(segment.level_id)
    where = catalog.partner_name(segment.partner_id) or "a partner provider"
    return f"Referred out to {level.name} at {where}" if level else f"Referred out to {where}"


@dataclass(frozen=True)
class _Event:
    episode: Episode
    segments: list[Segment]
    kind: SummaryKind
    segment: Segment | None
    event_on: date

    @property
    def segment_id(self) -> uuid.UUID | None:
        return self.segment.id if self.segment else None

    @property
    def last_day(self) -> date:
        return rules.last_day_in_care(self.kind, self.event_on, self.episode.admitted_on)


def _event_of(episode: Episode, segments: list[Segment], segment_id: uuid.UUID | None) -> _Event:
    """The discharge (no segment) or the referral out (its segment) of an episode; refused
    naming ``segment_id`` when the episode has no such event."""
    if segment_id is None:
        if episode.status is not EpisodeStatus.DISCHARGED or episode.discharged_on is None:
            raise Invalid(
                "this episode is not discharged; choose one of its referrals out",
                field="segment_id",
            )
        return _Event(episode, segments, SummaryKind.DISCHARGE, None, episode.discharged_on)
    segment = next((s for s in segments if s.id == segment_id), None)
    if segment is None or not rules.asks_for_summary(
        segment.transition, segment.starts_on, episode.admitted_on
    ):
        raise Invalid("choose a referral out of this episode", field="segment_id")
    return _Event(episode, segments, SummaryKind.REFERRAL_OUT, segment, segment.starts_on)


def _load_event(
    session: Session, actor: Actor, episode_id: uuid.UUID, segment_id: uuid.UUID | None
) -> _Event:
    episode = continuum_service.get_episode(session, actor=actor, episode_id=episode_id)
    segments = continuum_service.segments_for(session, [episode])[episode.id]
    return _event_of(episode, segments, segment_id)


def _event_for(session: Session, actor: Actor, summary: DischargeSummary) -> _Event:
    episode = session.get(Episode, summary.episode_id)
    assert episode is not None  # foreign key
    segments = continuum_service.segments_for(session, [episode])[episode.id]
    return _event_of(episode, segments, summary.segment_id)


# ---- gathering the facts --------------------------------------------------------------------


def _segment_facts(segments: Iterable[Segment], catalog: _Catalog) -> list[rules.SegmentFacts]:
    found = []
    for s in segments:
        level = catalog.levels[s.level_id]
        found.append(
            rules.SegmentFacts(
                level=level.name,
                code=level.code,
                track=s.track.value,
                starts_on=s.starts_on,
                ends_on=s.ends_on,
                transition=s.transition.value,
                partner=catalog.partner_name(s.partner_id),
            )
        )
    return found


def _sessions(session: Session, event: _Event) -> tuple[rules.SessionCount, ...]:
    """Attendance of the stay, by kind of session (read here: see the module docstring)."""
    stmt = repository.bookings(event.episode.client_id, event.episode.admitted_on, event.last_day)
    bookings = [
        rules.Booking(
            rules.GROUP if seat_id is not None else (kind.value if kind else ""),
            status,
            minutes,
        )
        for seat_id, kind, status, minutes in session.execute(stmt)
    ]
    return rules.count_sessions(bookings)


def _testing(session: Session, actor: Actor, event: _Event) -> rules.TestingCount:
    period = drug_testing_service.period_testing(
        session,
        actor=actor,
        client_id=event.episode.client_id,
        start=event.episode.admitted_on,
        end=event.last_day,
    )
    found, specimens = period.summary, period.specimens
    return rules.TestingCount(
        ordered=found.ordered,
        collected=found.collected,
        refused=found.refused,
        missed=found.missed,
        resulted_specimens=specimens.resulted,
        unexpected_positive_specimens=specimens.unexpected_positive,
    )


def _diagnoses(session: Session, actor: Actor, event: _Event) -> tuple[rules.DiagnosisLine, ...]:
    views = diagnoses_service.current_diagnoses(
        session, actor=actor, episode_id=event.episode.id, on=event.last_day
    )
    return tuple(
        rules.DiagnosisLine(
            code=v.code,
            description=v.description,
            rank=v.rank.value if v.rank else "",
            specifiers=v.specifiers,
            diagnosed_on=v.diagnosed_on,
        )
        for v in views
    )


def _goals(
    session: Session, actor: Actor, event: _Event
) -> tuple[int | None, tuple[rules.GoalLine, ...]]:
    """The goals of the plan version in effect on the last day in care, each objective with
    its status as it stood that day (read from the status history: see the module
    docstring)."""
    views = treatment_plans_service.list_plans(
        session, actor=actor, client_id=event.episode.client_id
    )
    chosen = rules.plan_in_effect(
        (
            rules.PlanVersion(
                v.plan.id, v.plan.episode_id, v.plan.version, v.plan.status, v.plan.effective_on
            )
            for v in views
        ),
        event.episode.id,
        event.last_day,
    )
    if chosen is None:
        return None, ()
    view = next(v for v in views if v.plan.id == chosen.id)
    lineages = list({o.lineage_id for o in view.objectives})
    history: dict[uuid.UUID, list[rules.StatusChange]] = {lineage: [] for lineage in lineages}
    if lineages:
        for change in session.scalars(repository.objective_changes(lineages)):
            history[change.lineage_id].append(
                rules.StatusChange(change.changed_on, change.recorded_at, change.to_status.value)
            )
    goals = []
    for problem in view.problems:
        for goal in view.goals_of(problem):
            objectives = tuple(
                rules.ObjectiveLine(
                    statement=o.statement,
                    target_date=o.target_date,
                    status=rules.status_on(history[o.lineage_id], event.last_day)
                    or ObjectiveStatus.NOT_STARTED.value,
                )
                for o in view.objectives_of(goal)
            )
            goals.append(rules.GoalLine(goal.client_words, objectives))
    return chosen.version, tuple(goals)


def _medications(session: Session, actor: Actor, event: _Event) -> tuple[rules.MedicationLine, ...]:
    found = medications_service.client_medications(
        session, actor=actor, client_id=event.episode.client_id
    )
    return tuple(
        rules.MedicationLine(m.name, m.prescriber, m.starts_on, m.is_mat)
        for m in sorted(found, key=lambda m: (m.name.lower(), m.starts_on))
        if m.active_on(event.last_day)
    )


def _referrals(session: Session, actor: Actor, event: _Event) -> tuple[rules.ReferralLine, ...]:
    """Community referrals made during the stay, each with its status on the last day."""
    views = case_management_service.referrals_of(
        session, actor=actor, client_id=event.episode.client_id, today=today()
    )
    lines = []
    for view in views:
        r = view.referral
        if not rules.in_stay(r.made_on, event.episode.admitted_on, event.last_day):
            continue
        changes = [
            rules.StatusChange(e.changed_on, e.recorded_at, e.to_status.value) for e in view.events
        ]
        status = rules.status_on(changes, event.last_day) or r.status.value
        lines.append(rules.ReferralLine(r.kind.label, r.organization, status, r.made_on))
    lines.sort(key=lambda line: (line.made_on, line.organization))
    return tuple(
        rules.ReferralLine(
            line.kind, line.organization, ReferralStatus(line.status).label, line.made_on
        )
        for line in lines
    )


def _aftercare(session: Session, actor: Actor, event: _Event) -> tuple[str, tuple[rules.Line, ...]]:
    """The episode's aftercare plan in plain lines (a referral out comes back: none). The
    client's crisis contacts are left out: their phone numbers are theirs, not the next
    provider's."""
    if event.kind is not SummaryKind.DISCHARGE:
        return "", ()
    plan_id = session.scalar(repository.aftercare_plan_of(event.episode.id))
    if plan_id is None:
        return "", ()
    view = aftercare_service.get_plan(session, actor=actor, plan_id=plan_id)
    plan = view.plan
    lines: list[rules.Line] = []
    therapy = ", ".join(p for p in (plan.therapy_with_whom, plan.therapy_provider) if p)
    if therapy or plan.therapy_when:
        when = f"; {plan.therapy_when}" if plan.therapy_when else ""
        lines.append(rules.Line("Continued therapy", f"{therapy or 'to be arranged'}{when}"))
    if view.meetings:
        meetings = "; ".join(f"{m.kind.label}: {m.name}, {m.day.label}s" for m in view.meetings)
        lines.append(rules.Line("Mutual-help meetings", meetings))
    if plan.sober_living_house:
        status = f" ({plan.sober_living_status.label})" if plan.sober_living_status else ""
        lines.append(rules.Line("Sober living", f"{plan.sober_living_house}{status}"))
    if plan.mat_medication or plan.mat_prescriber:
        prescriber = f"prescribed by {plan.mat_prescriber}" if plan.mat_prescriber else ""
        parts = [plan.mat_medication, prescriber]
        if plan.mat_next_appointment:
            parts.append(f"next appointment {plan.mat_next_appointment.isoformat()}")
        lines.append(rules.Line("Medication for recovery", ", ".join(p for p in parts if p)))
    lines.append(
        rules.Line(
            "Check-ins with the program",
            f"weekly for {plan.weekly_checkins} weeks, then monthly to {plan.checkin_months} "
            "months",
        )
    )
    if view.case_manager_name:
        lines.append(rules.Line("Followed by", view.case_manager_name))
    return plan.status.value, tuple(lines)


def _partner(event: _Event, catalog: _Catalog) -> rules.Partner | None:
    if event.segment is None or event.segment.partner_id is None:
        return None
    partner = catalog.partners.get(event.segment.partner_id)
    if partner is None:
        return None
    level = catalog.levels.get(partner.level_id)
    return rules.Partner(partner.name, level.name if level else "", partner.phone, partner.address)


def _gather(session: Session, actor: Actor, event: _Event) -> rules.Facts:
    """The record's facts about the stay as of its last day in care, each read through its
    domain (which audits it)."""
    catalog = _catalog(session)
    plan_version, goals = _goals(session, actor, event)
    aftercare_status, aftercare = _aftercare(session, actor, event)
    return rules.Facts(
        kind=event.kind.value,
        admitted_on=event.episode.admitted_on,
        event_on=event.event_on,
        last_day=event.last_day,
        disposition=_label(event.episode, event.segment, catalog),
        partner=_partner(event, catalog),
        levels=rules.stays(_segment_facts(event.segments, catalog), event.last_day),
        sessions=_sessions(session, event),
        testing=_testing(session, actor, event),
        diagnoses=_diagnoses(session, actor, event),
        plan_version=plan_version,
        goals=goals,
        medications=_medications(session, actor, event),
        referrals=_referrals(session, actor, event),
        aftercare_status=aftercare_status,
        aftercare=aftercare,
    )


def _narrative(summary: DischargeSummary) -> rules.Narrative:
    return rules.Narrative(
        summary.reason,
        summary.prognosis,
        summary.prognosis_text,
        summary.recommendations,
        summary.narrative,
    )


def _content(summary: DischargeSummary, facts: dict[str, Any]) -> dict[str, Any]:
    return rules.signed_content(
        summary_id=summary.id,
        episode_id=summary.episode_id,
        kind=summary.kind,
        segment_id=summary.segment_id,
        event_on=summary.event_on,
        narrative=_narrative(summary),
        facts=facts,
    )


def _prefilled(event: _Event) -> rules.Narrative:
    """The reason starts from what was typed with the discharge or the referral."""
    reason = event.segment.reason if event.segment else event.episode.discharge_summary
    return rules.Narrative(reason=reason)


# ---- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureLine:
    signer: str
    meaning: SignatureMeaning
    method: SignatureMethod
    signed_at: datetime
    intact: bool


@dataclass(frozen=True)
class AddendumLine:
    id: uuid.UUID
    author: str
    text: str
    written_at: datetime
    intact: bool  # its own signature still matches it


@dataclass(frozen=True)
class SummaryView:
    """One summary as the actor may see it: the facts (live while a draft, as signed once
    signed) with the sections their role does not read withheld."""

    summary: DischargeSummary
    client: Client
    facts: rules.Facts
    withheld: frozenset[rules.Section]
    narrative: rules.Narrative
    author: str
    signed_by: str = ""
    cosigned_by: str = ""
    cosigner: str = ""  # who co-signs, while the summary waits for it
    signatures: tuple[SignatureLine, ...] = ()
    addenda: tuple[AddendumLine, ...] = ()
    may_edit: bool = False
    may_cosign: bool = False
    may_add_addendum: bool = False

    @property
    def title(self) -> str:
        return f"{self.summary.kind.label}: {self.facts.disposition}"

    @property
    def is_draft(self) -> bool:
        return self.summary.status is SummaryStatus.DRAFT

    @property
    def awaiting_cosignature(self) -> bool:
        return self.summary.status is SummaryStatus.AWAITING_COSIGNATURE

    @property
    def is_final(self) -> bool:
        return self.summary.status is SummaryStatus.SIGNED

    @property
    def sections(self) -> list[rules.Section]:
        """The sections shown, in order (a referral's has no aftercare plan)."""
        shown = [s for s in rules.Section if s not in self.withheld]
        if self.summary.kind is SummaryKind.REFERRAL_OUT:
            shown = [s for s in shown if s is not rules.Section.AFTERCARE]
        return shown


def _stored_facts(summary: DischargeSummary) -> rules.Facts:
    assert summary.facts is not None  # set when signed
    return rules.facts_from_json(summary.facts)


def _signature_lines(
    session: Session, summary: DischargeSummary, content: dict[str, Any] | None
) -> list[SignatureLine]:
    found = signing.signatures_of(session, ENTITY, summary.id)
    if not found:
        return []
    names = security_service.display_names(session, {s.signer_id for s in found})
    return [
        SignatureLine(
            names.get(s.signer_id, ""),
            s.meaning,
            s.method,
            s.signed_at,
            content is not None and signing.intact(s, content),
        )
        for s in found
    ]


def _addendum_lines(session: Session, summary: DischargeSummary) -> list[AddendumLine]:
    rows = list(session.scalars(repository.addenda_of(summary.id)))
    if not rows:
        return []
    signatures: dict[uuid.UUID, Signature] = {}
    for row in rows:
        for s in signing.signatures_of(session, ADDENDUM_ENTITY, row.id):
            signatures.setdefault(row.id, s)
    names = security_service.display_names(session, {r.author_id for r in rows})
    lines = []
    for row in rows:
        content = rules.addendum_content(
            addendum_id=row.id, summary_id=summary.id, text=row.text, written_at=row.written_at
        )
        signature = signatures.get(row.id)
        lines.append(
            AddendumLine(
                row.id,
                names.get(row.author_id, ""),
                row.text,
                row.written_at,
                signature is not None and signing.intact(signature, content),
            )
        )
    return lines


def _view(
    session: Session, actor: Actor, summary: DischargeSummary, facts: rules.Facts
) -> SummaryView:
    client = session.get(Client, summary.client_id)
    assert client is not None  # foreign key
    withheld = rules.withheld_for(actor.role)
    filed = summary.status in FILED
    content = _content(summary, summary.facts) if filed and summary.facts is not None else None
    cosigner_id = (
        signing.cosigner_for(session, summary.signed_by)
        if summary.status is SummaryStatus.AWAITING_COSIGNATURE and summary.signed_by
        else None
    )
    staff = {summary.author_id, summary.signed_by, summary.cosigned_by, cosigner_id}
    names = security_service.display_names(session, {u for u in staff if u is not None})
    in_scope = session.scalar(repository.readable(actor).where(DischargeSummary.id == summary.id))
    writer = may_write(actor) and in_scope is not None
    return SummaryView(
        summary=summary,
        client=client,
        facts=rules.withhold(facts, withheld),
        withheld=withheld,
        narrative=_narrative(summary),
        author=names.get(summary.author_id, ""),
        signed_by=names.get(summary.signed_by, "") if summary.signed_by else "",
        cosigned_by=names.get(summary.cosigned_by, "") if summary.cosigned_by else "",
        cosigner=names.get(cosigner_id, "") if cosigner_id else "",
        signatures=tuple(_signature_lines(session, summary, content)),
        addenda=tuple(_addendum_lines(session, summary)),
        may_edit=writer and not filed,
        may_cosign=is_cosigner(session, actor, summary),
        may_add_addendum=writer and filed and actor.user_id is not None,
    )


def _facts_of(session: Session, actor: Actor, summary: DischargeSummary) -> rules.Facts:
    if summary.facts is not None:
        return _stored_facts(summary)
    return _gather(session, actor, _event_for(session, actor, summary))


def get_summary(session: Session, *, actor: Actor, summary_id: uuid.UUID) -> SummaryView:
    """One summary: a draft for those who write it (its facts read afresh), a signed one
    for every reader (its facts as signed). An audited read."""
    summary = _find(session, actor, summary_id)
    facts = _facts_of(session, actor, summary)
    _audit(session, actor, AuditAction.READ, summary)
    return _view(session, actor, summary, facts)


def for_print(session: Session, *, actor: Actor, summary_id: uuid.UUID, form: str) -> SummaryView:
    """A summary signed by its author, to print (``form`` "html") or download ("pdf");
    audited as an export, since the paper or the file leaves the system."""
    summary = _find(session, actor, summary_id)
    if summary.status not in FILED:
        raise Conflict("a draft is not printed; sign it first", rule=rules.NOT_SIGNED)
    facts = _stored_facts(summary)
    _audit(session, actor, AuditAction.EXPORT, summary, {"format": form})
    return _view(session, actor, summary, facts)


# ---- writing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """The form for a new summary: the event, the facts as of its last day in care and the
    reason pre-filled; nothing is stored until the clinician saves."""

    client: Client
    episode_id: uuid.UUID
    segment_id: uuid.UUID | None
    kind: SummaryKind
    facts: rules.Facts
    narrative: rules.Narrative
    withheld: frozenset[rules.Section] = frozenset()

    @property
    def title(self) -> str:
        return f"{self.kind.label}: {self.facts.disposition}"

    @property
    def sections(self) -> list[rules.Section]:
        shown = list(rules.Section)
        if self.kind is SummaryKind.REFERRAL_OUT:
            shown.remove(rules.Section.AFTERCARE)
        return shown


def existing_for(
    session: Session, *, actor: Actor, episode_id: uuid.UUID, segment_id: uuid.UUID | None
) -> uuid.UUID | None:
    """The summary already written for an event, if any (to go to it instead of a new
    one); not audited, it only locates it."""
    _require(access.WRITE, actor)
    episode = continuum_service.get_episode(session, actor=actor, episode_id=episode_id)
    return session.scalar(
        repository.for_event(episode.id, segment_id).with_only_columns(DischargeSummary.id)
    )


def preview(
    session: Session, *, actor: Actor, episode_id: uuid.UUID, segment_id: uuid.UUID | None
) -> Preview:
    _require(access.WRITE, actor)
    event = _load_event(session, actor, episode_id, segment_id)
    client = clients_service.get_client(session, actor=actor, client_id=event.episode.client_id)
    return Preview(
        client,
        event.episode.id,
        event.segment_id,
        event.kind,
        _gather(session, actor, event),
        _prefilled(event),
    )


def _checked(narrative: rules.Narrative) -> rules.Narrative:
    cleaned = narrative.cleaned()
    rules.check_lengths(cleaned)
    return cleaned


def create_draft(
    session: Session,
    *,
    actor: Actor,
    episode_id: uuid.UUID,
    segment_id: uuid.UUID | None = None,
    narrative: rules.Narrative | None = None,
    prefill_reason: bool = True,
) -> DischargeSummary:
    """Start the summary of an episode's discharge (no ``segment_id``) or of one of its
    referrals out. An empty reason is pre-filled from what was typed with the event unless
    ``prefill_reason`` is off. One summary per event (a second is refused: open the
    first)."""
    _require_author(actor)
    event = _load_event(session, actor, episode_id, segment_id)
    # Locks the episode on PostgreSQL, so two clinicians starting one summary take turns.
    session.scalar(repository.episode_for_update(event.episode.id))
    if session.scalar(repository.for_event(event.episode.id, event.segment_id)) is not None:
        raise Conflict("this event already has a summary; open it instead", rule=rules.EXISTS)
    words = narrative or rules.Narrative()
    if prefill_reason and not words.reason.strip():
        words = dataclasses.replace(words, reason=_prefilled(event).reason)
    words = _checked(words)
    assert actor.user_id is not None  # _require_author
    summary = DischargeSummary(
        client_id=event.episode.client_id,
        episode_id=event.episode.id,
        kind=event.kind,
        segment_id=event.segment_id,
        event_on=event.event_on,
        author_id=actor.user_id,
        status=SummaryStatus.DRAFT,
        reason=words.reason,
        prognosis=words.prognosis,
        prognosis_text=words.prognosis_text,
        recommendations=words.recommendations,
        narrative=words.narrative,
    )
    session.add(summary)
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.CREATE,
        summary,
        {"kind": summary.kind.value, "fields": _filled(words)},
    )
    return summary


def _filled(words: rules.Narrative) -> list[str]:
    values: dict[str, object] = {**words.texts(), "prognosis": words.prognosis}
    return sorted(field for field, value in values.items() if value)


def update_draft(
    session: Session, *, actor: Actor, summary_id: uuid.UUID, narrative: rules.Narrative
) -> DischargeSummary:
    """Replace the clinician's words of a draft; a signed summary is refused (add an
    addendum)."""
    _require(access.WRITE, actor)
    summary = _find(session, actor, summary_id, lock=True)
    rules.require_draft(summary.status)
    words = _checked(narrative)
    values: dict[str, object] = {**words.texts(), "prognosis": words.prognosis}
    changed = sorted(field for field, value in values.items() if getattr(summary, field) != value)
    for field in changed:
        setattr(summary, field, values[field])
    session.flush()
    if changed:
        _audit(session, actor, AuditAction.UPDATE, summary, {"fields": changed})
    return summary


def _check_other_clients_not_named(session: Session, summary: DischargeSummary) -> None:
    """The name check of every note (``clinical_notes``: whole words of the names of the
    clients who shared the client's groups or the author's caseload lately) over the
    summary's own words, before it is signed: a discharge summary goes to the next
    provider, and another client's name in it would tell them who else is in treatment
    (42 CFR Part 2)."""
    client = session.get(Client, summary.client_id)
    assert client is not None
    others = clinical_notes_service.other_client_names(
        session, client, summary.author_id, summary.event_on
    )
    clinical_notes_rules.check_names(
        {
            "reason": summary.reason,
            "narrative": summary.narrative,
            "prognosis_text": summary.prognosis_text,
            "recommendations": summary.recommendations,
        },
        others,
    )


def _ready_to_sign(
    session: Session, actor: Actor, summary_id: uuid.UUID
) -> tuple[DischargeSummary, dict[str, Any]]:
    """The draft, complete, with the facts to store: nothing is changed yet."""
    _require(access.WRITE, actor)
    summary = _find(session, actor, summary_id, lock=True)
    rules.require_draft(summary.status)
    rules.require_complete(_narrative(summary))
    _check_other_clients_not_named(session, summary)
    facts = rules.facts_to_json(_gather(session, actor, _event_for(session, actor, summary)))
    return summary, facts


def _file(
    session: Session,
    actor: Actor,
    summary: DischargeSummary,
    facts: dict[str, Any],
    signature: Signature,
) -> DischargeSummary:
    """Freeze the signed summary with its facts; it waits for a co-signature when its
    signer's notes need one."""
    cosigner = signing.needs_cosignature(session, signature.signer_id)
    summary.facts = facts
    summary.status = SummaryStatus.AWAITING_COSIGNATURE if cosigner else SummaryStatus.SIGNED
    summary.signed_at = signature.signed_at
    summary.signed_by = signature.signer_id
    session.flush()
    _audit(
        session,
        actor,
        AuditAction.UPDATE,
        summary,
        {"signed": True, "awaiting_cosignature": cosigner is not None},
    )
    return summary


def sign(session: Session, *, actor: Actor, summary_id: uuid.UUID, secret: str) -> DischargeSummary:
    """Check the draft is complete, gather the facts as of the last day in care, confirm the
    signer by their password or signing PIN (``secret``) and freeze the summary with its
    facts. A wrong secret signs and stores nothing."""
    summary, facts = _ready_to_sign(session, actor, summary_id)
    signature = signing.sign(
        session,
        actor=actor,
        secret=secret,
        entity_type=ENTITY,
        entity_id=summary.id,
        client_id=summary.client_id,
        content=_content(summary, facts),
    )
    return _file(session, actor, summary, facts, signature)


def sign_for_demo_seed(
    session: Session, *, actor: Actor, summary_id: uuid.UUID, signer_id: uuid.UUID
) -> DischargeSummary:
    """For ``demo.py`` only: sign a synthetic summary as its (synthetic) author, who has no
    password to type at seeding time; ``signing.record_seeded_signature`` refuses anyone but
    the system acting for a synthetic staff account."""
    summary, facts = _ready_to_sign(session, actor, summary_id)
    signature = signing.record_seeded_signature(
        session,
        actor=actor,
        signer_id=signer_id,
        entity_type=ENTITY,
        entity_id=summary.id,
        client_id=summary.client_id,
        content=_content(summary, facts),
    )
    return _file(session, actor, summary, facts, signature)


def cosign(
    session: Session, *, actor: Actor, summary_id: uuid.UUID, secret: str
) -> DischargeSummary:
    """The signer's supervisor co-signs with their own password or PIN; the summary is then
    final. Nothing in it changes: the co-signature covers what the author signed."""
    _require(access.COSIGN, actor)
    summary = _find(session, actor, summary_id, lock=True)
    rules.require_awaiting(summary.status)
    if not is_cosigner(session, actor, summary):
        raise Forbidden("only the author's supervisor co-signs this summary")
    assert summary.facts is not None  # stored when the author signed
    signature = signing.sign(
        session,
        actor=actor,
        secret=secret,
        entity_type=ENTITY,
        entity_id=summary.id,
        client_id=summary.client_id,
        content=_content(summary, summary.facts),
        meaning=SignatureMeaning.COSIGNER,
    )
    summary.status = SummaryStatus.SIGNED
    summary.cosigned_at = signature.signed_at
    summary.cosigned_by = signature.signer_id
    session.flush()
    _audit(session, actor, AuditAction.UPDATE, summary, {"cosigned": True})
    return summary


def add_addendum(
    session: Session, *, actor: Actor, summary_id: uuid.UUID, text: str, secret: str
) -> DischargeSummaryAddendum:
    """Add a signed addendum (a correction or a later fact) to a signed summary, with its
    own author and time; the summary itself never changes. A wrong secret adds nothing."""
    _require_author(actor)
    summary = _find(session, actor, summary_id, lock=True)
    rules.require_filed(summary.status)
    body = rules.check_addendum(text)
    addendum_id = uuid.uuid4()
    written_at = utc_now()
    signing.sign(
        session,
        actor=actor,
        secret=secret,
        entity_type=ADDENDUM_ENTITY,
        entity_id=addendum_id,
        client_id=summary.client_id,
        content=rules.addendum_content(
            addendum_id=addendum_id, summary_id=summary.id, text=body, written_at=written_at
        ),
        meaning=SignatureMeaning.ADDENDUM,
    )
    assert actor.user_id is not None  # _require_author
    addendum = DischargeSummaryAddendum(
        id=addendum_id,
        summary_id=summary.id,
        client_id=summary.client_id,
        author_id=actor.user_id,
        text=body,
        written_at=written_at,
    )
    session.add(addendum)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type=ADDENDUM_ENTITY,
        entity_id=addendum.id,
        client_id=summary.client_id,
        detail={"summary": summary.id.hex},
    )
    return addendum


def client_of(session: Session, *, actor: Actor, summary_id: uuid.UUID) -> uuid.UUID:
    """Whose chart a summary is in, for redirects; it only locates it."""
    return _find(session, actor, summary_id).client_id


# ---- lists ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    """An event of the client's that asks for a summary, with its summary if started."""

    client_id: uuid.UUID
    episode_id: uuid.UUID
    segment_id: uuid.UUID | None
    kind: SummaryKind
    event_on: date
    label: str
    summary: DischargeSummary | None

    @property
    def state(self) -> str:
        return self.summary.status.label if self.summary else "Not started"

    @property
    def due(self) -> bool:
        """Still to be signed by its author: a reminder, never a block."""
        return self.summary is None or self.summary.status is SummaryStatus.DRAFT

    @property
    def url(self) -> str:
        if self.summary is not None:
            return f"/discharge-summaries/{self.summary.id}"
        query = f"?segment={self.segment_id}" if self.segment_id else ""
        return f"/episodes/{self.episode_id}/discharge-summaries/new{query}"

    @property
    def days_since(self) -> int:
        return max((today() - self.event_on).days, 0)


def _events(session: Session, episodes: Sequence[Episode], catalog: _Catalog) -> list[EventRow]:
    """Every event of these episodes that asks for a summary, oldest first."""
    if not episodes:
        return []
    segments = continuum_service.segments_for(session, episodes)
    summaries = list(
        session.scalars(
            select(DischargeSummary).where(
                DischargeSummary.episode_id.in_([e.id for e in episodes])
            )
        )
    )
    by_event = {(s.episode_id, s.segment_id): s for s in summaries}
    rows = []
    for episode in episodes:
        for segment in segments[episode.id]:
            if rules.asks_for_summary(segment.transition, segment.starts_on, episode.admitted_on):
                rows.append(
                    EventRow(
                        episode.client_id,
                        episode.id,
                        segment.id,
                        SummaryKind.REFERRAL_OUT,
                        segment.starts_on,
                        _label(episode, segment, catalog),
                        by_event.get((episode.id, segment.id)),
                    )
                )
        if episode.status is EpisodeStatus.DISCHARGED and episode.discharged_on is not None:
            rows.append(
                EventRow(
                    episode.client_id,
                    episode.id,
                    None,
                    SummaryKind.DISCHARGE,
                    episode.discharged_on,
                    _label(episode, None, catalog),
                    by_event.get((episode.id, None)),
                )
            )
    rows.sort(key=lambda r: (r.event_on, r.kind is SummaryKind.DISCHARGE))
    return rows


def events_of_episodes(session: Session, episodes: Sequence[Episode]) -> list[EventRow]:
    """The events of these episodes that ask for a summary, with their summaries, oldest
    first; for the demo seed and jobs, which act as the system (no read is recorded)."""
    return _events(session, episodes, _catalog(session))


def _for_role(actor: Actor, rows: list[EventRow]) -> list[EventRow]:
    """Roles that read only signed summaries see only the events that have one."""
    if actor.role not in access.SIGNED_ONLY:
        return rows
    return [r for r in rows if r.summary is not None and r.summary.status is SummaryStatus.SIGNED]


def episode_events(session: Session, *, actor: Actor, episode_id: uuid.UUID) -> list[EventRow]:
    """The events of one episode that ask for a summary, with each summary's state: the
    reminder on the chart's care timeline. An audited read when there is any."""
    _require(access.READ, actor)
    episode = continuum_service.get_episode(session, actor=actor, episode_id=episode_id)
    rows = _for_role(actor, _events(session, [episode], _catalog(session)))
    if rows:
        audit_service.record_reads(
            session, actor=actor, entity_type=ENTITY, client_ids=[episode.client_id]
        )
    return rows


@dataclass(frozen=True)
class ChartSection:
    """What the chart's Discharge summaries tab shows."""

    client: Client
    events: list[EventRow]
    can_write: bool

    @property
    def due(self) -> list[EventRow]:
        return [e for e in self.events if e.due]


def chart_tab(session: Session, *, actor: Actor, client: Client) -> ChartSection:
    """The tab: every discharge and referral out of the client's episodes with its summary
    (readers who see only signed summaries: those alone). The chart has read the client;
    this read is audited once."""
    _require(access.READ, actor)
    episodes = list(session.scalars(repository.episodes_of(client.id)))
    rows = _for_role(actor, _events(session, episodes, _catalog(session)))
    audit_service.record_reads(session, actor=actor, entity_type=ENTITY, client_ids=[client.id])
    rows.reverse()  # newest first
    return ChartSection(client, rows, may_write(actor))


def list_for_client(session: Session, *, actor: Actor, client_id: uuid.UUID) -> list[EventRow]:
    """A client's discharges and referrals out with their summaries, newest first (a
    client the actor may not read is 404)."""
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    return chart_tab(session, actor=actor, client=client).events


@dataclass(frozen=True)
class DueRow:
    """A discharge or referral out whose summary its author has not signed yet."""

    client: Client
    event: EventRow

    @property
    def url(self) -> str:
        return self.event.url


def summaries_due(session: Session, *, actor: Actor) -> list[DueRow]:
    """Summaries still to write or sign, oldest event first: for a clinician, those of the
    clients on their caseload (they are the primary clinician); for the director, all.
    Empty for roles that do not write them. Each client shown is an audited read."""
    if actor.role is not Role.SYSTEM and not access.DUE.allows(actor.role):
        return []
    catalog = _catalog(session)
    rows: list[DueRow] = []
    for episode, client, draft in session.execute(repository.discharges_due(actor)):
        assert episode.discharged_on is not None  # discharged
        event = EventRow(
            client.id,
            episode.id,
            None,
            SummaryKind.DISCHARGE,
            episode.discharged_on,
            _label(episode, None, catalog),
            draft,
        )
        rows.append(DueRow(client, event))
    for segment, episode, client, draft in session.execute(repository.referrals_due(actor)):
        event = EventRow(
            client.id,
            episode.id,
            segment.id,
            SummaryKind.REFERRAL_OUT,
            segment.starts_on,
            _label(episode, segment, catalog),
            draft,
        )
        rows.append(DueRow(client, event))
    rows.sort(key=lambda r: (r.event.event_on, r.client.legal_last_name, str(r.client.id)))
    audit_service.record_reads(
        session,
        actor=actor,
        entity_type=ENTITY,
        client_ids=list(dict.fromkeys(r.client.id for r in rows)),
    )
    return rows


def awaiting_cosignature(session: Session, *, actor: Actor) -> list[CosignRow]:
    """Summaries waiting for ``actor``'s co-signature, oldest first; empty for anyone who
    co-signs none. Staff names and dates only, so no client read is recorded."""
    if actor.user_id is None or not access.COSIGN.allows(actor.role):
        return []
    rows = list(session.scalars(repository.awaiting_cosignature(actor.user_id)))
    authors = security_service.display_names(session, {s.signed_by for s in rows if s.signed_by})
    return [
        CosignRow(
            kind=ENTITY,
            entity_id=s.id,
            label=f"{s.kind.label} · {s.event_on.isoformat()}",
            day=s.event_on,
            start="",
            author=authors.get(s.signed_by, "") if s.signed_by else "",
            signed_at=s.signed_at,
            url=f"/discharge-summaries/{s.id}",
        )
        for s in rows
    ]
