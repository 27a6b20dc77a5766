"""The concurrent-review packet: for one episode and a date range, the evidence a payer's
reviewer asks for when deciding continued stay, each item dated and linked to its record.

Every section is read through its own domain's service, which checks the actor's role and
scope and audits its own read: the six ASAM dimension ratings (``placement``), the
diagnoses standing on the range's last day (``diagnoses``), the medications taken in the
range (``medications``), the hours of each week against the level's minimum
(``attendance``), the drug tests ordered in the range (``drug_testing``), the PHQ-9 and BAM
results in the range (``assessments``), the treatment plan in effect at the range's end
with each objective's status as of that day (``treatment_plans``) and the episode's
aftercare plan (``aftercare``). One read has no service for a past day and is made here, on
a plan the actor was just allowed to read and covered by the packet's own audit entry: the
dated status changes of the plan's objectives, so a past range reads as it stood then.

Building the packet is audited as one export of the client's record: it is made to be
printed or saved as a PDF, and so to leave the system.

Consent (42 CFR Part 2). A disclosure of these records to a payer needs the client's written
consent naming that payer, or the single TPO consent (42 CFR 2.31(a)(4), 2.33(a)); with it
the disclosure is permitted and must carry the notice of 42 CFR 2.32. The packet is built
for internal preparation; the packet pages send it to a payer only through the disclosure
gate (``disclosures.gate``), which keeps what the consent covers, attaches the notice and
records the disclosure.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.aftercare import access as aftercare_access
from stepdown.aftercare import service as aftercare_service
from stepdown.assessments import service as assessments_service
from stepdown.attendance import rules as attendance_rules
from stepdown.attendance import service as attendance_service
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.authorizations import access
from stepdown.authorizations.models import Authorization
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Episode
from stepdown.coverage.models import Coverage, Payer
from stepdown.diagnoses import service as diagnoses_service
from stepdown.drug_testing import service as drug_testing_service
from stepdown.drug_testing.models import AnalyteResult, OrderReason, OrderStatus, ResultValue
from stepdown.kit.clock import local, utc_now
from stepdown.kit.clock import today as program_today
from stepdown.kit.errors import Forbidden, Invalid
from stepdown.medications import service as medications_service
from stepdown.placement import service as placement_service
from stepdown.placement.models import DIMENSIONS, AssessmentStatus
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from stepdown.treatment_plans import service as treatment_plans_service
from stepdown.treatment_plans.models import ObjectiveStatus, ObjectiveStatusChange, PlanStatus

# Utilization review prepares concurrent reviews; the director covers for it. Every section
# the packet gathers is one these roles read at its source (each domain's access.py); the
# aftercare plan only here (``aftercare.access.REVIEW``).

# A packet covers at most one calendar quarter (the longest is 92 days). Ours, not a payer's
# rule: concurrent reviews look at the days since the last review, and a longer packet
# would be neither read nor printable.
MAX_DAYS = 92
ENTITY = "review_packet"  # the audit entry's entity type

INTERNAL_NOTICE = (
    "For internal preparation only: not for release outside the program. To send it to "
    'the payer, choose the payer under "For": the client\'s written consent decides what '
    "it may carry (42 CFR 2.31, 2.33), and the released copy carries the notice of "
    "42 CFR 2.32."
)
# Risk ratings 0-4 as the assessment form names them (placement/_fields.html), ASAM 3rd ed.
RATING_NAMES = ("none", "mild", "moderate", "significant", "severe")
TREND_INSTRUMENTS = ("phq9", "bam")


def check_range(starts_on: date, ends_on: date, *, admitted_on: date, today: date) -> None:
    """A range a packet can cover; the refusal names the query field to correct."""
    if ends_on < starts_on:
        raise Invalid("the end comes before the start", field="to")
    if ends_on > today:
        raise Invalid("a packet reports what happened: end it today or earlier", field="to")
    if (ends_on - starts_on).days + 1 > MAX_DAYS:
        raise Invalid(f"choose at most {MAX_DAYS} days", field="from")
    if starts_on < admitted_on:
        raise Invalid(
            f"the episode began on {admitted_on.isoformat()}: start on or after it", field="from"
        )


@dataclass(frozen=True)
class Item:
    """One dated fact and the address of the record it comes from."""

    on: date
    label: str
    detail: str
    url: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    items: tuple[Item, ...]
    empty: str  # what the packet says when there is nothing to show
    note: str = ""  # a line above the items: the trend, what the items are measured against
    withheld: str = ""  # why the section is not shown to this actor, when it is not


@dataclass(frozen=True)
class Packet:
    client_id: uuid.UUID
    client_name: str
    record_number: str
    date_of_birth: date
    synthetic: bool
    episode_id: uuid.UUID
    admitted_on: date
    level: str  # the level of care on the range's last day
    starts_on: date
    ends_on: date
    authorization_id: uuid.UUID | None
    authorization: str  # "IOP, no. A123, 2025-01-01 to 2025-01-31" or ""
    payer: str
    sections: tuple[Section, ...]
    notice: str
    built_at: datetime

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


def _require(actor: Actor) -> None:
    if actor.role is not Role.SYSTEM and not access.REVIEW_PACKET.allows(actor.role):
        raise Forbidden(
            f"your role ({actor.role.label}) may not {access.REVIEW_PACKET.description}"
        )


def _chart(client_id: uuid.UUID, tab: str, anchor: str = "") -> str:
    return f"/clients/{client_id}?tab={tab}" + (f"#{anchor}" if anchor else "")


def _in(day: date, starts_on: date, ends_on: date) -> bool:
    return starts_on <= day <= ends_on


# ---- the sections ---------------------------------------------------------------------------


def _dimensions(
    session: Session, actor: Actor, client: Client, starts_on: date, ends_on: date
) -> Section:
    """The latest signed multidimensional assessment by the range's end, each rating dated
    by its signature; one signed before the range is shown and said to be."""
    signed = [
        a
        for a in placement_service.list_assessments(session, actor=actor, client=client)
        if a.status is AssessmentStatus.SIGNED
        and a.signed_at is not None
        and local(a.signed_at).date() <= ends_on
    ]
    note = ""
    items: tuple[Item, ...] = ()
    if signed:
        latest = max(signed, key=lambda a: a.signed_at or a.created_at)
        assert latest.signed_at is not None  # filtered above
        on = local(latest.signed_at).date()
        if on < starts_on:
            note = f"No assessment was signed in the range; the latest, signed {on.isoformat()}."
        url = f"/assessments/{latest.id}"
        ratings = [(name, int(getattr(latest, f"{key}_rating"))) for key, name in DIMENSIONS]
        items = tuple(
            Item(on, f"Dimension {n}: {name}", f"{rating} ({RATING_NAMES[rating]})", url)
            for n, (name, rating) in enumerate(ratings, start=1)
        )
    return Section(
        "dimensions",
        "ASAM dimension ratings",
        items,
        "No signed multidimensional assessment by the range's end.",
        note,
    )


def _diagnoses(session: Session, actor: Actor, episode: Episode, ends_on: date) -> Section:
    views = diagnoses_service.current_diagnoses(
        session, actor=actor, episode_id=episode.id, on=ends_on
    )
    items = tuple(
        Item(
            v.diagnosed_on,
            v.label,
            f"{v.rank.value if v.rank else ''}, diagnosed by {v.diagnosed_by or 'not recorded'}",
            _chart(episode.client_id, "diagnoses", f"diagnosis-{v.id}"),
        )
        for v in views
    )
    return Section(
        "diagnoses",
        "Diagnoses",
        items,
        "No diagnosis stood on the range's last day.",
        f"Those standing on {ends_on.isoformat()}, the principal one first.",
    )


def _medications(
    session: Session, actor: Actor, client: Client, starts_on: date, ends_on: date
) -> Section:
    taken = [
        m
        for m in medications_service.client_medications(session, actor=actor, client_id=client.id)
        if m.starts_on <= ends_on and (m.ends_on is None or m.ends_on >= starts_on)
    ]
    taken.sort(key=lambda m: (m.starts_on, m.name.lower()))
    items = tuple(
        Item(
            m.starts_on,
            m.name + (" (medication for addiction treatment)" if m.is_mat else ""),
            f"prescribed by {m.prescriber}"
            + (f"; stopped {m.ends_on.isoformat()}" if m.ends_on and m.ends_on <= ends_on else ""),
            _chart(client.id, "medications", f"medication-{m.id}"),
        )
        for m in taken
    )
    return Section(
        "medications",
        "Medications",
        items,
        "No medication recorded as taken in the range.",
        "Taken at any time in the range, dated by their start.",
    )


def _week_status(line: attendance_service.WeekLine, ends_on: date) -> str:
    level, week = line.level, line.week
    if level is None or week is None:
        return "not in care"
    delivered = attendance_rules.hours(week.delivered)
    required = week.required_minutes
    if required is None:
        return f"{delivered} delivered; {level.code} sets no weekly minimum"
    minimum = f"{attendance_rules.hours(required)} minimum ({level.code})"
    if line.monday + timedelta(days=6) > ends_on:
        return f"{delivered} delivered by the range's end of {minimum}; the week was not over"
    if week.delivered >= required:
        return f"{delivered} delivered of {minimum}: met"
    return (
        f"{delivered} delivered of {minimum}: "
        f"short by {attendance_rules.hours(required - week.delivered)}"
    )


def _hours(
    session: Session, actor: Actor, client: Client, starts_on: date, ends_on: date
) -> Section:
    """Whole weeks, Monday to Sunday, that overlap the range, as the attendance service
    counts them on the range's last day (booked sessions after it count as still to come)."""
    weeks = (attendance_rules.week_of(ends_on) - attendance_rules.week_of(starts_on)).days // 7 + 1
    lines = attendance_service.client_weeks(
        session, actor=actor, client=client, weeks=weeks, today=ends_on
    )
    items = tuple(
        Item(
            line.monday,
            f"Week of {line.monday.isoformat()}",
            _week_status(line, ends_on)
            + (
                f"; {line.week.unrecorded_count} past session(s) without attendance taken"
                if line.week and line.week.unrecorded_count
                else ""
            )
            + (f"; {attendance_rules.hours(line.week.planned)} booked" if line.week else ""),
            _chart(client.id, "hours"),
        )
        for line in reversed(lines)
    )
    return Section(
        "hours",
        "Attendance and hours per week",
        items,
        "No week in the range.",
        "Weeks run Monday to Sunday; each is held to the weekly minimum of the level in "
        "effect on its last day.",
    )


def _drug_tests(
    session: Session, actor: Actor, client: Client, starts_on: date, ends_on: date
) -> Section:
    """Tests ordered in the range with their outcome; a confirmation's definitive result is
    shown with the specimen it confirms, not as a test of its own."""
    orders = [
        o
        for o in drug_testing_service.client_orders(session, actor=actor, client_id=client.id)
        if _in(o.ordered_on, starts_on, ends_on) and o.reason is not OrderReason.CONFIRMATION
    ]
    specimens = {
        c.order_id: (c, results)
        for c, results in drug_testing_service.client_collections(
            session, actor=actor, client_id=client.id
        )
    }
    items = []
    for order in sorted(orders, key=lambda o: o.ordered_on):
        found = specimens.get(order.id)
        reason = order.reason.value.replace("_", " ")
        url = _chart(client.id, "drug_tests", f"order-{order.id}")
        if found is None:
            outcome = {
                OrderStatus.REFUSED: "refused",
                OrderStatus.MISSED: "missed",
            }.get(order.status, "not collected")
            items.append(Item(order.ordered_on, f"Test ({reason})", outcome, url))
            continue
        collection, results = found
        shown = "; ".join(_result(r) for r in results)
        items.append(
            Item(
                local(collection.collected_at).date(),
                f"{collection.specimen_type.value.replace('_', ' ').capitalize()} specimen "
                f"({reason}, {'observed' if collection.observed else 'unobserved'})",
                shown or "collected; no result yet",
                url,
            )
        )
    return Section(
        "drug_tests", "Drug-test results", tuple(items), "No drug test was ordered in the range."
    )


def _result(r: AnalyteResult) -> str:
    """ "Cocaine positive (presumptive, unexpected positive)"."""
    meaning = ""
    if r.result is ResultValue.POSITIVE:
        meaning = ", " + r.interpretation.value.replace("_", " ")
    return f"{r.analyte.label} {r.result.value} ({r.method.value}{meaning})"


def _scores(point: assessments_service.TrendPoint, code: str) -> str:
    if code == "bam":
        return ", ".join(f"{name} {value}" for name, value in point.subscales.items())
    band = f" ({point.band})" if point.band else ""
    return f"total {point.total}{band}"


def _change(first: int, last: int) -> str:
    return (
        "no change" if first == last else f"{'up' if last > first else 'down'} {abs(last - first)}"
    )


def _trend_note(code: str, points: Sequence[assessments_service.TrendPoint]) -> str:
    if len(points) < 2:
        return ""
    first, last = points[0], points[-1]
    if code == "bam":
        moves = [
            f"{name} {first.subscales[name]} to {value} ({_change(first.subscales[name], value)})"
            for name, value in last.subscales.items()
            if name in first.subscales
        ]
        return "BAM from first to last in the range: " + "; ".join(moves) + "."
    if first.total is None or last.total is None:
        return ""
    moved = _change(first.total, last.total)
    return f"PHQ-9 from {first.total} to {last.total} in the range ({moved})."


def _trends(
    session: Session, actor: Actor, client: Client, starts_on: date, ends_on: date
) -> Section:
    items: list[Item] = []
    notes: list[str] = []
    for code in TREND_INSTRUMENTS:
        spec = assessments_service.instrument(code)
        points = [
            p
            for p in assessments_service.trend(session, actor=actor, client=client, code=code)
            if _in(local(p.administered_at).date(), starts_on, ends_on)
        ]
        items.extend(
            Item(
                local(p.administered_at).date(),
                spec.name,
                _scores(p, code),
                _chart(client.id, "assessments", f"response-{p.response_id}"),
            )
            for p in points
        )
        notes.append(_trend_note(code, points))
    items.sort(key=lambda i: (i.on, i.label))
    return Section(
        "trends",
        "PHQ-9 and BAM over the range",
        tuple(items),
        "No PHQ-9 or BAM result in the range.",
        " ".join(n for n in notes if n),
    )


def _statuses_on(
    session: Session, lineages: list[uuid.UUID], day: date
) -> dict[uuid.UUID, tuple[ObjectiveStatus, date | None]]:
    """Each objective's status as it stood on ``day``, from its dated changes (read here:
    see the module docstring); never changed by then is not started."""
    found: dict[uuid.UUID, tuple[ObjectiveStatus, date | None]] = {}
    if not lineages:
        return found
    changes = session.scalars(
        select(ObjectiveStatusChange)
        .where(ObjectiveStatusChange.lineage_id.in_(lineages))
        .where(ObjectiveStatusChange.changed_on <= day)
        .order_by(ObjectiveStatusChange.changed_on, ObjectiveStatusChange.recorded_at)
    )
    for change in changes:
        found[change.lineage_id] = (change.to_status, change.changed_on)
    return found


def _plan(session: Session, actor: Actor, episode: Episode, ends_on: date) -> Section:
    """The goals and objectives of the plan version in effect on the range's last day."""
    in_effect = [
        v
        for v in treatment_plans_service.list_plans(
            session, actor=actor, client_id=episode.client_id
        )
        if v.plan.episode_id == episode.id
        and v.plan.status is not PlanStatus.DRAFT
        and v.plan.effective_on is not None
        and v.plan.effective_on <= ends_on
    ]
    if not in_effect:
        return Section(
            "plan", "Treatment plan progress", (), "No signed treatment plan was in effect."
        )
    view = max(in_effect, key=lambda v: v.plan.version)
    url = _chart(episode.client_id, "plan")
    statuses = _statuses_on(session, list({o.lineage_id for o in view.objectives}), ends_on)
    items = []
    for problem in view.problems:
        for goal in view.goals_of(problem):
            for o in view.objectives_of(goal):
                status, changed_on = statuses.get(o.lineage_id, (ObjectiveStatus.NOT_STARTED, None))
                since = f" since {changed_on.isoformat()}" if changed_on else ""
                items.append(
                    Item(
                        changed_on or view.plan.effective_on or ends_on,
                        o.statement,
                        f"goal: {goal.client_words}; target {o.target_date.isoformat()}; "
                        f"{status.label.lower()}{since}",
                        url,
                    )
                )
    assert view.plan.effective_on is not None  # filtered above
    return Section(
        "plan",
        "Treatment plan progress",
        tuple(items),
        "The plan in effect has no objectives.",
        f"Plan version {view.plan.version}, in effect from {view.plan.effective_on.isoformat()}; "
        f"each objective's status as of {ends_on.isoformat()}.",
    )


def _discharge_plan(session: Session, actor: Actor, episode: Episode) -> Section:
    """The episode's aftercare plan, which utilization review reads for this packet only
    (``aftercare.access.REVIEW``); a role allowed neither that nor the aftercare pages is
    told the section is withheld."""
    title = "Discharge and aftercare plan"
    allowed = aftercare_access.STAFF.allows(actor.role) or aftercare_access.REVIEW.allows(
        actor.role
    )
    if actor.role is not Role.SYSTEM and not allowed:
        return Section(
            "discharge_plan",
            title,
            (),
            "",
            withheld=f"Not shown to {actor.role.label.lower()}: aftercare plans are read by "
            "clinicians, case managers and the director.",
        )
    view = aftercare_service.latest_plan(session, actor=actor, client_id=episode.client_id)
    if view is None or view.plan.episode_id != episode.id:
        return Section("discharge_plan", title, (), "No aftercare plan for this episode yet.")
    plan = view.plan
    on = plan.starts_on or local(plan.created_at).date()
    url = _chart(episode.client_id, "aftercare")
    parts = [
        ("Status", plan.status.value),
        (
            "Continued therapy",
            ", ".join(
                p for p in (plan.therapy_with_whom, plan.therapy_provider, plan.therapy_when) if p
            ),
        ),
        (
            "Mutual-help meetings",
            "; ".join(f"{m.kind.label}: {m.name}, {m.day.label}s" for m in view.meetings),
        ),
        ("Sober living", plan.sober_living_house),
        (
            "Medication for recovery",
            ", ".join(p for p in (plan.mat_medication, plan.mat_prescriber) if p),
        ),
        (
            "Check-ins with the program",
            f"weekly for {plan.weekly_checkins} weeks, then monthly to {plan.checkin_months} "
            "months",
        ),
    ]
    return Section(
        "discharge_plan",
        title,
        tuple(Item(on, label, value, url) for label, value in parts if value),
        "",
    )


# ---- the packet -------------------------------------------------------------------------------


def _authorization(
    session: Session, episode: Episode, authorization_id: uuid.UUID | None
) -> tuple[str, str]:
    if authorization_id is None:
        return "", ""
    found = session.get(Authorization, authorization_id)
    if found is None or found.episode_id != episode.id:
        raise Invalid("choose one of this episode's authorizations", field="authorization")
    payer = session.scalar(
        select(Payer.name)
        .join(Coverage, Coverage.payer_id == Payer.id)
        .where(Coverage.id == found.coverage_id)
    )
    number = f", no. {found.auth_number}" if found.auth_number else ""
    text = (
        f"{found.level_code}{number}, {found.starts_on.isoformat()} to "
        f"{found.ends_on.isoformat()} ({found.status.label.lower()})"
    )
    return text, payer or ""


def _level_on(session: Session, episode: Episode, day: date) -> str:
    levels = {lv.id: lv for lv in continuum_service.catalog(session)}
    for segment in continuum_service.segments_for(session, [episode])[episode.id]:
        if segment.starts_on <= day and (segment.ends_on is None or day < segment.ends_on):
            return levels[segment.level_id].name
    return ""


def build_packet(
    session: Session,
    *,
    actor: Actor,
    episode_id: uuid.UUID,
    starts_on: date,
    ends_on: date,
    authorization_id: uuid.UUID | None = None,
    form: str = "html",
) -> Packet:
    """The packet for ``[starts_on, ends_on]`` (both included) of an episode the actor may
    see (404 otherwise), optionally for one of its authorizations (naming its payer).
    ``form`` ("html" or "pdf") is recorded with the export."""
    _require(actor)
    episode = continuum_service.get_episode(session, actor=actor, episode_id=episode_id)
    check_range(starts_on, ends_on, admitted_on=episode.admitted_on, today=program_today())
    authorization, payer = _authorization(session, episode, authorization_id)
    client = clients_service.get_client(session, actor=actor, client_id=episode.client_id)
    sections = (
        _dimensions(session, actor, client, starts_on, ends_on),
        _diagnoses(session, actor, episode, ends_on),
        _medications(session, actor, client, starts_on, ends_on),
        _hours(session, actor, client, starts_on, ends_on),
        _drug_tests(session, actor, client, starts_on, ends_on),
        _trends(session, actor, client, starts_on, ends_on),
        _plan(session, actor, episode, ends_on),
        _discharge_plan(session, actor, episode),
    )
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.EXPORT,
        entity_type=ENTITY,
        entity_id=episode.id,
        client_id=client.id,
        detail={
            "from": starts_on.isoformat(),
            "to": ends_on.isoformat(),
            "authorization_id": str(authorization_id) if authorization_id else None,
            "format": form,
            "purpose": "internal_preparation",
            "withheld": [s.key for s in sections if s.withheld],
        },
    )
    return Packet(
        client_id=client.id,
        client_name=f"{client.legal_first_name} {client.legal_last_name}",
        record_number=client.record_number,
        date_of_birth=client.date_of_birth,
        synthetic=client.is_synthetic,
        episode_id=episode.id,
        admitted_on=episode.admitted_on,
        level=_level_on(session, episode, ends_on),
        starts_on=starts_on,
        ends_on=ends_on,
        authorization_id=authorization_id,
        authorization=authorization,
        payer=payer,
        sections=sections,
        notice=INTERNAL_NOTICE,
        built_at=utc_now(),
    )
