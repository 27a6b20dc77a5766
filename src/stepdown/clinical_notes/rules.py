"""Pure rules for progress notes: what a note must say, what it may document, when it is
late or overdue, and who it waits for. No I/O: the service loads and passes plain values.

What a progress note holds follows what state rules and payers ask of one: the date, the
start and stop time of a timed service and its duration, who provided it, the plan goals
or objectives it addressed, what was done and the client's response (Oklahoma OAC
450:27-7-44(a); Illinois 77 IAC 2060.470(a)-(c): "the date, time, and duration of each
service" and "consistent with ... treatment plan goals and objectives"). The narrative
is written in the program's format: DAP (data, assessment, plan), BIRP (behavior,
intervention, response, plan) or SOAP (subjective, objective, assessment, plan).

Timeliness. The program chooses how many hours after a service its note is due
(``DocumentationSettings.overdue_hours``); 72 by default, which follows California's
documentation standard for specialty mental health and Drug Medi-Cal services, "progress
notes shall be completed within three business days of providing a service" (DHCS BHIN
22-019, as carried into county contracts). Seventy-two clock hours is the stricter reading
over a weekend, which is the side to err on. A note signed after that is a late entry,
kept with both times (the service's end and the signature).

A session's length has a ceiling, ``MAX_MINUTES`` (4 hours): no single individual, family,
psychiatric, medication or case-management contact the program documents runs longer, so
a longer span is a typing slip (09:00-21:00 for 09:00-10:00) to be caught, not stored. It
is the program's choice, not a payer's rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final

from stepdown.attendance.models import AttendanceStatus
from stepdown.attendance.rules import ABSENT, ATTENDED
from stepdown.calendar.models import AppointmentKind
from stepdown.clinical_notes.models import (
    AttendeeRole,
    NoteFormat,
    NoteStatus,
    RiskAction,
    RiskAnswer,
    ServiceType,
)
from stepdown.group_notes.rules import MemberName, comparable, find_name
from stepdown.kit.errors import Conflict, Invalid

# Rule names carried by refusals (``StepdownError.rule``).
SIGNED = "clinical_note.signed"
NOT_SIGNED = "clinical_note.not_signed"
INCOMPLETE = "clinical_note.incomplete"
NOT_ATTENDED = "clinical_note.not_attended"
ATTENDANCE_NOT_TAKEN = "clinical_note.attendance_not_taken"
CANCELLED = "clinical_note.appointment_cancelled"
NEEDS_APPOINTMENT = "clinical_note.needs_appointment"
ALREADY_DOCUMENTED = "clinical_note.already_documented"
NAMES_CLIENT = "clinical_note.names_another_client"
ATTENDEE_IS_CLIENT = "clinical_note.attendee_is_a_client"
COPIED = "clinical_note.copy_forward"
NOT_IN_CARE = "clinical_note.not_in_care"
NOT_AWAITING = "clinical_note.not_awaiting_cosignature"
NOT_YET_ENDED = "clinical_note.not_yet_ended"

DEFAULT_FORMAT: Final = NoteFormat.DAP
DEFAULT_OVERDUE_HOURS: Final = 72
DEFAULT_THRESHOLD: Final = 0.90
# Bounds of the settings a director may choose: a day or more is not "hours", a month is
# the longest any standard allows; below 0.5 two unrelated notes would be flagged.
OVERDUE_HOURS_RANGE: Final = (1, 720)
THRESHOLD_RANGE: Final = (0.5, 1.0)

MAX_MINUTES: Final = 240
MAX_ATTENDEES: Final = 8
MAX_OBJECTIVES: Final = 20
LIMITS: Final = {
    "section": 8000,
    "risk_detail": 2000,
    "attendee_name": 120,
    "relationship": 60,
    "justification": 2000,
    "addendum": 8000,
    "reason": 2000,
}

# key, label, what goes in it
SECTIONS: Final[dict[NoteFormat, tuple[tuple[str, str, str], ...]]] = {
    NoteFormat.DAP: (
        ("data", "Data", "What the client said and what you observed; what was done."),
        ("assessment", "Assessment", "Your clinical reading: progress, barriers, risk."),
        ("plan", "Plan", "Next steps, homework, the next session."),
    ),
    NoteFormat.BIRP: (
        ("behavior", "Behavior", "How the client presented; what they reported."),
        ("intervention", "Intervention", "What you did (modality, technique)."),
        ("response", "Response", "How the client responded; progress on objectives."),
        ("plan", "Plan", "Next steps, homework, the next session."),
    ),
    NoteFormat.SOAP: (
        ("subjective", "Subjective", "What the client reported, in their words where useful."),
        ("objective", "Objective", "What you observed; results, vital signs, measures."),
        ("assessment", "Assessment", "Your clinical reading: progress, barriers, risk."),
        ("plan", "Plan", "Next steps, orders, the next visit."),
    ),
}

# Who must be in the room for each type.
CLIENT_MUST_ATTEND: Final = frozenset(
    {
        ServiceType.INDIVIDUAL_THERAPY,
        ServiceType.FAMILY_WITH_CLIENT,
        ServiceType.PSYCHIATRIC_EVALUATION,
        ServiceType.MEDICATION_MANAGEMENT,
        ServiceType.MAT_VISIT,
    }
)
FAMILY_TYPES: Final = frozenset({ServiceType.FAMILY_WITH_CLIENT, ServiceType.FAMILY_WITHOUT_CLIENT})
# Therapy that is booked on the calendar: its note documents the appointment. A family
# session without the client is not on the client's calendar, so it may be unscheduled,
# or document a family appointment the client missed while the family came.
NEEDS_APPOINTMENT_TYPES: Final = frozenset(
    {ServiceType.INDIVIDUAL_THERAPY, ServiceType.FAMILY_WITH_CLIENT}
)
APPOINTMENT_TYPES: Final[dict[AppointmentKind, frozenset[ServiceType]]] = {
    AppointmentKind.INDIVIDUAL: frozenset({ServiceType.INDIVIDUAL_THERAPY}),
    AppointmentKind.FAMILY: FAMILY_TYPES,
}
# The type a note for an appointment starts with.
APPOINTMENT_DEFAULT: Final = {
    AppointmentKind.INDIVIDUAL: ServiceType.INDIVIDUAL_THERAPY,
    AppointmentKind.FAMILY: ServiceType.FAMILY_WITH_CLIENT,
}
# A suicide and homicide risk question is asked at every clinical contact with the client
# present (the program's documentation standard; The Joint Commission's NPSG 15.01.01
# asks for screening and reassessment of people treated for behavioral health conditions).
# A case-management contact or a family session without the client may leave it unasked,
# and the note then says "not asked (unknown)", never "no risk".
RISK_REQUIRED: Final = CLIENT_MUST_ATTEND
# A service works on the treatment plan; a psychiatric evaluation may come before one.
OBJECTIVE_REQUIRED: Final = frozenset(ServiceType) - {ServiceType.PSYCHIATRIC_EVALUATION}
# Filed: signed by the author (final or waiting on a supervisor).
FILED: Final = frozenset({NoteStatus.AWAITING_COSIGNATURE, NoteStatus.RETURNED, NoteStatus.SIGNED})


def section_field(key: str) -> str:
    """The form field (and refusal field) of a section."""
    return f"section-{key}"


def section_keys(note_format: NoteFormat) -> tuple[str, ...]:
    return tuple(key for key, _, _ in SECTIONS[note_format])


def parse_clock(value: str, *, field: str) -> time:
    """A wall-clock time typed as "HH:MM" (a time input's value)."""
    hours, sep, minutes = value.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise Invalid("enter a time like 14:30", field=field)
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59:
        raise Invalid("enter a time like 14:30", field=field)
    return time(h, m)


def minutes_between(starts_at: datetime, ends_at: datetime) -> int:
    return int((ends_at - starts_at).total_seconds() // 60)


def check_times(starts_at: datetime, ends_at: datetime, *, now: datetime) -> int:
    """The duration in minutes: the end after the start, no longer than ``MAX_MINUTES``, and
    a service that has begun (a note documents what happened)."""
    if ends_at <= starts_at:
        raise Invalid("the session must end after it starts", field="end_time")
    minutes = minutes_between(starts_at, ends_at)
    if minutes > MAX_MINUTES:
        raise Invalid(
            f"{minutes} minutes is longer than any one session ({MAX_MINUTES} at most); "
            "check the times",
            field="end_time",
        )
    if starts_at > now:
        raise Invalid(
            "this starts in the future; a note documents a service that has happened",
            field="start_time",
        )
    return minutes


def require_ended(ends_at: datetime, *, now: datetime) -> None:
    """A note is signed once the service is over."""
    if ends_at > now:
        raise Conflict(
            "the session has not ended yet; sign the note after it ends",
            field="end_time",
            rule=NOT_YET_ENDED,
        )


@dataclass(frozen=True)
class Attendee:
    role: AttendeeRole
    relationship: str
    name: str

    def as_json(self) -> dict[str, str]:
        return {"role": self.role.value, "relationship": self.relationship, "name": self.name}

    @classmethod
    def from_json(cls, data: Mapping[str, str]) -> Attendee:
        return cls(AttendeeRole(data["role"]), data.get("relationship", ""), data.get("name", ""))


def attendee_field(index: int, part: str) -> str:
    return f"attendee-{part}-{index}"


def check_attendees(
    service_type: ServiceType, client_present: bool, attendees: Sequence[Attendee]
) -> None:
    """Who was there fits the type: the client for the client's own services, the family
    for family therapy (without the client for that type), and someone for a contact."""
    if len(attendees) > MAX_ATTENDEES:
        raise Invalid(f"list at most {MAX_ATTENDEES} others present", field="attendees")
    for index, person in enumerate(attendees):
        if not person.name.strip():
            raise Invalid("give the person's name", field=attendee_field(index, "name"))
        if len(person.name) > LIMITS["attendee_name"]:
            raise Invalid(
                f"at most {LIMITS['attendee_name']} characters", field=attendee_field(index, "name")
            )
        if not person.relationship.strip():
            raise Invalid(
                "say who they are to the client (mother, sponsor, interpreter)",
                field=attendee_field(index, "relationship"),
            )
        if len(person.relationship) > LIMITS["relationship"]:
            raise Invalid(
                f"at most {LIMITS['relationship']} characters",
                field=attendee_field(index, "relationship"),
            )
    if service_type in CLIENT_MUST_ATTEND and not client_present:
        raise Invalid(
            f"a {service_type.label.lower()} note needs the client present", field="client_present"
        )
    if service_type is ServiceType.FAMILY_WITHOUT_CLIENT and client_present:
        raise Invalid(
            "the client was present: this is family therapy with the client",
            field="client_present",
        )
    if service_type in FAMILY_TYPES and not any(
        a.role in (AttendeeRole.FAMILY, AttendeeRole.SUPPORT) for a in attendees
    ):
        raise Invalid("family therapy needs a family member or support present", field="attendees")
    if not client_present and not attendees:
        raise Invalid("say who took part: the client, or the others present", field="attendees")


def check_linkage(
    service_type: ServiceType,
    *,
    kind: AppointmentKind | None,
    cancelled: bool = False,
    attendance: AttendanceStatus | None = None,
) -> None:
    """What a note may document: therapy needs its appointment, of the matching kind, held
    and attended (``attendance.rules.ATTENDED``: present, late, left early, telehealth). A
    family session without the client documents a family appointment the client missed
    (recorded absent) while the family came; the client's attendance is then an absence by
    definition, and any other type for a missed appointment is refused."""
    if kind is None:
        if service_type in NEEDS_APPOINTMENT_TYPES:
            raise Conflict(
                f"a {service_type.label.lower()} note documents an appointment on the "
                "calendar; write it from the appointment",
                field="appointment_id",
                rule=NEEDS_APPOINTMENT,
            )
        return
    if cancelled:
        raise Conflict(
            "this appointment was cancelled; there is no session to document",
            field="appointment_id",
            rule=CANCELLED,
        )
    if service_type not in APPOINTMENT_TYPES[kind]:
        allowed = ", ".join(sorted(t.label.lower() for t in APPOINTMENT_TYPES[kind]))
        raise Invalid(
            f"a {kind.value} appointment is documented as {allowed}", field="service_type"
        )
    if attendance is None:
        raise Conflict(
            "record the appointment's attendance first: a note documents a session that took place",
            field="appointment_id",
            rule=ATTENDANCE_NOT_TAKEN,
        )
    if service_type is ServiceType.FAMILY_WITHOUT_CLIENT:
        if attendance not in ABSENT:
            raise Conflict(
                "the client attended this appointment: document it as family therapy with "
                "the client",
                field="service_type",
                rule=NOT_ATTENDED,
            )
        return
    if attendance not in ATTENDED:
        raise Conflict(
            "the client did not attend this appointment; there is no session to document",
            field="appointment_id",
            rule=NOT_ATTENDED,
        )


def check_sections(note_format: NoteFormat, sections: Mapping[str, str]) -> dict[str, str]:
    """The format's sections, each stripped and bounded; a key of another format is refused
    (a draft keeps the format it was started in)."""
    keys = section_keys(note_format)
    for key in sections:
        if key not in keys:
            raise Invalid(
                f"a {note_format.label} note has no section {key!r}", field=section_field(key)
            )
    cleaned = {key: sections.get(key, "").strip() for key in keys}
    for key, text in cleaned.items():
        if len(text) > LIMITS["section"]:
            raise Invalid(f"at most {LIMITS['section']} characters", field=section_field(key))
    return cleaned


def narrative_parts(note_format: NoteFormat, sections: Mapping[str, str]) -> list[str]:
    """The sections in the format's order: what the copy-forward check compares."""
    return [sections.get(key, "") for key in section_keys(note_format)]


@dataclass(frozen=True)
class RiskReview:
    suicidal: RiskAnswer = RiskAnswer.NOT_ASKED
    homicidal: RiskAnswer = RiskAnswer.NOT_ASKED
    action: RiskAction = RiskAction.NONE
    detail: str = ""

    @property
    def endorsed(self) -> bool:
        return RiskAnswer.ENDORSED in (self.suicidal, self.homicidal)

    @property
    def complete(self) -> bool:
        return RiskAnswer.NOT_ASKED not in (self.suicidal, self.homicidal)


def check_risk(risk: RiskReview) -> None:
    if len(risk.detail) > LIMITS["risk_detail"]:
        raise Invalid(f"at most {LIMITS['risk_detail']} characters", field="risk_detail")


def require_risk(risk: RiskReview, service_type: ServiceType) -> None:
    """At signing: the questions asked where the type needs them, and an endorsement never
    left with "no action" or without what was found and done."""
    if service_type in RISK_REQUIRED:
        for field, answer in (
            ("suicidal_ideation", risk.suicidal),
            ("homicidal_ideation", risk.homicidal),
        ):
            if answer is RiskAnswer.NOT_ASKED:
                raise Conflict(
                    "ask about suicidal and homicidal thoughts and record the answer before "
                    "signing",
                    field=field,
                    rule=INCOMPLETE,
                )
    if risk.endorsed:
        if risk.action is RiskAction.NONE:
            raise Conflict(
                "risk was endorsed: record the action taken (at least the safety plan reviewed)",
                field="risk_action",
                rule=INCOMPLETE,
            )
        if not risk.detail.strip():
            raise Conflict(
                "risk was endorsed: describe what was said and what was done",
                field="risk_detail",
                rule=INCOMPLETE,
            )


def risk_summary(risk: RiskReview) -> str:
    """One line for lists and the portal. An unasked question is said to be unknown: the
    summary reads "no ideation reported" only when both were asked and denied."""
    if risk.endorsed:
        which = [
            name
            for name, answer in (("suicidal", risk.suicidal), ("homicidal", risk.homicidal))
            if answer is RiskAnswer.ENDORSED
        ]
        return f"Endorsed {' and '.join(which)} ideation; action: {risk.action.label.lower()}"
    if risk.complete:
        return "Asked; suicidal and homicidal ideation denied"
    return "Risk not fully assessed (unknown)"


def check_objectives(chosen: Sequence[uuid.UUID], allowed: set[uuid.UUID]) -> None:
    """Objectives of the client's plan in effect, each once."""
    if len(chosen) > MAX_OBJECTIVES:
        raise Invalid(f"choose at most {MAX_OBJECTIVES} objectives", field="objective_ids")
    if len(set(chosen)) != len(chosen):
        raise Invalid("choose each objective once", field="objective_ids")
    if any(objective not in allowed for objective in chosen):
        raise Invalid(
            "choose objectives of the client's current treatment plan", field="objective_ids"
        )


def require_complete(
    *,
    note_format: NoteFormat,
    sections: Mapping[str, str],
    service_type: ServiceType,
    risk: RiskReview,
    objectives: Sequence[uuid.UUID],
    plan_has_objectives: bool,
) -> None:
    """What signing needs: every section written, the risk review, and (where the client has
    a plan in effect) at least one objective the service addressed."""
    for key, label, _ in SECTIONS[note_format]:
        if not sections.get(key, "").strip():
            raise Conflict(
                f"write the {label} section before signing",
                field=section_field(key),
                rule=INCOMPLETE,
            )
    require_risk(risk, service_type)
    if service_type in OBJECTIVE_REQUIRED and plan_has_objectives and not objectives:
        raise Conflict(
            "choose the plan objective(s) this service addressed before signing",
            field="objective_ids",
            rule=INCOMPLETE,
        )


def require_draft(status: NoteStatus) -> None:
    """A signed note never changes: corrections are addenda."""
    if status is not NoteStatus.DRAFT:
        raise Conflict(
            "this note is signed and can no longer be changed; add an addendum instead",
            rule=SIGNED,
        )


def require_filed(status: NoteStatus) -> None:
    if status not in FILED:
        raise Conflict(
            "sign the note first: an addendum is added to a signed note", rule=NOT_SIGNED
        )


def status_after_signing(cosigner_id: uuid.UUID | None) -> NoteStatus:
    return NoteStatus.SIGNED if cosigner_id is None else NoteStatus.AWAITING_COSIGNATURE


def status_after_addendum(status: NoteStatus, *, by_author: bool) -> NoteStatus:
    """The author's addendum answers a return: the note goes back to the supervisor."""
    if status is NoteStatus.RETURNED and by_author:
        return NoteStatus.AWAITING_COSIGNATURE
    return status


def require_awaiting(status: NoteStatus) -> None:
    if status is not NoteStatus.AWAITING_COSIGNATURE:
        raise Conflict(
            "this note is not waiting for a co-signature"
            + (
                " (it was returned: the author's addendum comes first)"
                if status is NoteStatus.RETURNED
                else ""
            ),
            rule=NOT_AWAITING,
        )


def due_at(ends_at: datetime, hours: int) -> datetime:
    """When a service's note becomes overdue."""
    return ends_at + timedelta(hours=hours)


def is_late(ends_at: datetime, signed_at: datetime, hours: int) -> bool:
    """Signed more than ``hours`` after the service ended: a late entry."""
    return signed_at > due_at(ends_at, hours)


def hours_overdue(ends_at: datetime, hours: int, now: datetime) -> int:
    """Whole hours past due (0 when not yet due)."""
    return max(0, int((now - due_at(ends_at, hours)).total_seconds() // 3600))


def check_settings(overdue_hours: int, threshold: float, portal_types: Sequence[str]) -> None:
    low, high = OVERDUE_HOURS_RANGE
    if not low <= overdue_hours <= high:
        raise Invalid(f"enter a number of hours from {low} to {high}", field="overdue_hours")
    t_low, t_high = THRESHOLD_RANGE
    if not t_low <= threshold <= t_high:
        raise Invalid(f"enter a similarity from {t_low} to {t_high}", field="similarity_threshold")
    known = {t.value for t in ServiceType}
    if any(t not in known for t in portal_types) or len(set(portal_types)) != len(portal_types):
        raise Invalid("choose note types from the list", field="portal_note_types")


# --- Names of other clients ---------------------------------------------------------------


def _single_forms(person: MemberName) -> set[str]:
    return {form for form in person.forms() if " " not in form and "-" not in form}


def others_to_check(
    own: MemberName, candidates: Sequence[MemberName], attendees: Sequence[Attendee]
) -> list[MemberName]:
    """The other clients' names a note must not contain, as one-word forms: a form that is
    also the client's own name, or the name of someone recorded as present (the client's
    mother may share a first name with another client), is left out, since the note may
    rightly say it; every other part of the other client's name is still checked."""
    allowed = _single_forms(own)
    for person in attendees:
        allowed |= _single_forms(MemberName(own.client_id, person.name, ""))
    found: list[MemberName] = []
    for candidate in candidates:
        if candidate.client_id == own.client_id:
            continue
        for form in sorted(_single_forms(candidate) - allowed):
            found.append(MemberName(candidate.client_id, form, ""))
    return found


def check_names(texts: Mapping[str, str], others: Sequence[MemberName]) -> None:
    """Refuse text naming another client (``group_notes.rules.find_name``: whole words,
    any case, however spelled in Unicode). The message gives the position, not the name."""
    for field, text in texts.items():
        span = find_name(text, others)
        if span is not None:
            start, end = span
            raise Conflict(
                f"this text names another client of the program (characters {start + 1}–"
                f"{end}); a client's note must not identify anyone else in treatment",
                field=field,
                rule=NAMES_CLIENT,
            )


def full_name_key(name: str) -> tuple[str, str] | None:
    """(first word, last word) of a person's name in the compared form, to find an attendee
    who is another client; None for a one-word name."""
    words = comparable(name)[0].split()
    if len(words) < 2:
        return None
    return words[0], words[-1]
