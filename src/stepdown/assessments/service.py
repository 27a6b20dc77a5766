"""Recording instrument results, reading them back as history and trends, and correcting them.

Scoring is ``rules.score``, exactly as the instruments' sources define it. A result that
needs a person to act (PHQ-9 item 9 above zero, a C-SSRS screener at moderate or high risk)
raises an alert through the alerts service in the same transaction, so the result and its
alert are stored together or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup
from sqlalchemy.orm import Session

from stepdown.alerts import service as alerts_service
from stepdown.alerts.models import Alert, AlertKind, Severity
from stepdown.assessments import access, repository, rules, trend_chart
from stepdown.assessments.models import InstrumentResponse
from stepdown.assessments.rules import Band, CssrsRisk, InstrumentError, InstrumentSpec, Item, Sex
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.policy import Policy
from stepdown.security.roles import Role

ALREADY_IN_ERROR = "instrument_response.already_entered_in_error"
# A clock a few minutes fast on a tablet should not refuse a result just given.
FUTURE_TOLERANCE = timedelta(minutes=5)

# Answer wording per item, in the order of the item's allowed values. Our own short
# paraphrases of each form's response options.
# PHQ-9 and GAD-7, over the last two weeks (Kroenke 2001; Spitzer 2006):
_TWO_WEEKS = ("Not at all", "Several days", "More than half the days", "Nearly every day")
# AUDIT (Babor et al. 2001, WHO/MSD/MSB/01.6a, the questionnaire's answer columns):
_AUDIT_HOW_OFTEN = (
    "Never",
    "Monthly or less",
    "2-4 times a month",
    "2-3 times a week",
    "4 or more times a week",
)
_AUDIT_DRINKS = ("1 or 2", "3 or 4", "5 or 6", "7 to 9", "10 or more")
_AUDIT_FREQUENCY = ("Never", "Less than monthly", "Monthly", "Weekly", "Daily or almost daily")
_AUDIT_HARM = ("No", "Yes, but not in the last year", "Yes, during the last year")
_AUDIT = {
    "1": _AUDIT_HOW_OFTEN,
    "2": _AUDIT_DRINKS,
    **{str(n): _AUDIT_FREQUENCY for n in range(3, 9)},
    "9": _AUDIT_HARM,
    "10": _AUDIT_HARM,
}
_NO_YES = ("No", "Yes")
# BAM, past 30 days (Cacciola et al. 2013; VA BAM form): days categories, extent, health.
_BAM_DAYS = ("0 days", "1-3 days", "4-8 days", "9-15 days", "16-30 days")
_BAM_EXTENT = ("Not at all", "Slightly", "Moderately", "Considerably", "Extremely")
_BAM_HEALTH = ("Excellent", "Very good", "Good", "Fair", "Poor")
_BAM = {
    "1": _BAM_HEALTH,
    **dict.fromkeys(("2", "3", "4", "5", "6", "10", "11", "13", "16"), _BAM_DAYS),
    **dict.fromkeys(("8", "9", "12", "15", "17"), _BAM_EXTENT),
    "14": _NO_YES,
}
# C-SSRS screener (Columbia Lighthouse Project): questions 1-5 yes/no; question 6 by recency.
_CSSRS = {
    **{str(n): _NO_YES for n in range(1, 6)},
    "6": ("No, never", "Yes, more than 3 months ago", "Yes, within the past 3 months"),
}
ANSWER_LABELS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "phq9": {item.number: _TWO_WEEKS for item in rules.PHQ9.items},
    "gad7": {item.number: _TWO_WEEKS for item in rules.GAD7.items},
    "audit": _AUDIT,
    "auditc": {n: _AUDIT[n] for n in ("1", "2", "3")},
    "dast10": {item.number: _NO_YES for item in rules.DAST10.items},
    "bam": _BAM,
    "cssrs": _CSSRS,
}
# The C-SSRS screener has no total: its trend plots the risk level on this ordinal scale.
CSSRS_LEVELS = tuple(CssrsRisk)


@dataclass(frozen=True)
class Choice:
    value: int
    label: str


def choices(spec: InstrumentSpec, item: Item) -> list[Choice]:
    """An item's allowed values with their wording, lowest first."""
    labels = ANSWER_LABELS[spec.code][item.number]
    return [Choice(value, label) for value, label in zip(item.allowed, labels, strict=True)]


def catalog() -> list[InstrumentSpec]:
    return list(rules.INSTRUMENTS.values())


def _may(policy: Policy, actor: Actor) -> bool:
    """CLI commands and jobs act as the system, which works on the program's behalf."""
    return actor.role is Role.SYSTEM or policy.allows(actor.role)


def _require(policy: Policy, actor: Actor) -> None:
    if not _may(policy, actor):
        raise Forbidden(f"your role ({actor.role.label}) may not {policy.description}")


def instrument(code: str) -> InstrumentSpec:
    """The spec for a code or printed name; an unknown one is a 422 on ``instrument``."""
    return rules.instrument(code)


def _field_name(field: str | None) -> str | None:
    """``item 9`` -> ``item_9``: the form field, and a name an API client can match on."""
    return field.replace(" ", "_") if field else None


@dataclass(frozen=True)
class Recorded:
    response: InstrumentResponse
    alerts: list[Alert]


def record_response(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    code: str,
    answers: Sequence[int | None],
    sex: Sex | None = None,
    administered_at: datetime | None = None,
) -> Recorded:
    """Score one administration, store it with its score, and raise any alert it calls for.

    A missing or out-of-range answer is refused naming the item (``item_9``), never scored
    as zero (see ``rules``).
    """
    _require(access.ADMINISTER, actor)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    spec = instrument(code)
    now = utc_now()
    if administered_at is None:
        administered_at = now
    elif administered_at.tzinfo is None:
        raise Invalid("give the time with its UTC offset", field="administered_at")
    elif administered_at > now + FUTURE_TOLERANCE:
        raise Invalid("cannot be in the future", field="administered_at")
    used_sex = sex if spec is rules.AUDIT_C else None
    try:
        result = rules.score(spec.code, answers, sex=used_sex)
    except InstrumentError as exc:
        raise Invalid(f"{spec.name} {exc.message}", field=_field_name(exc.field)) from None
    response = InstrumentResponse(
        client_id=client.id,
        episode_id=repository.open_episode_id(session, client.id),
        instrument=spec.code,
        answers=[a for a in answers if a is not None],  # all present once scored
        total=result.total,
        band=result.band,
        subscales=dict(result.subscales),
        flags=sorted(result.flags),
        sex=used_sex,
        administered_by=actor.user_id,
        administered_at=administered_at,
        recorded_at=now,
    )
    session.add(response)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="instrument_response",
        entity_id=response.id,
        client_id=client.id,
        detail={"instrument": spec.code},
    )
    alerts = [
        alerts_service.raise_alert(
            session,
            actor=actor,
            client_id=client.id,
            kind=kind,
            severity=severity,
            summary=summary,
            source_type="instrument_response",
            source_id=response.id,
        )
        for kind, severity, summary in _alerts_called_for(spec, response)
    ]
    return Recorded(response, alerts)


def _alerts_called_for(
    spec: InstrumentSpec, response: InstrumentResponse
) -> list[tuple[AlertKind, Severity, str]]:
    if rules.PHQ9_ITEM9_POSITIVE in response.flags:
        # Kroenke 2001: any item-9 answer above "not at all" needs a same-day safety follow-up.
        item9 = response.answers[8]
        wording = ANSWER_LABELS["phq9"]["9"][item9].lower()
        return [
            (
                AlertKind.PHQ9_ITEM9,
                Severity.URGENT,
                f"PHQ-9 item 9 answered {item9} ({wording}): same-day safety assessment needed",
            )
        ]
    if spec is rules.CSSRS and response.band == CssrsRisk.HIGH:
        # Columbia triage: high risk needs safety precautions and an evaluation by a
        # mental-health professional now.
        return [
            (
                AlertKind.CSSRS_HIGH,
                Severity.URGENT,
                "C-SSRS screener high risk: keep the client safe and arrange a same-day "
                "evaluation by a mental-health professional",
            )
        ]
    if spec is rules.CSSRS and response.band == CssrsRisk.MODERATE:
        # Columbia triage: moderate risk calls for a behavioral-health referral and review.
        return [
            (
                AlertKind.CSSRS_MODERATE,
                Severity.HIGH,
                "C-SSRS screener moderate risk: clinician review and safety planning needed",
            )
        ]
    return []


def list_responses(
    session: Session, *, actor: Actor, client: Client, code: str | None = None
) -> list[InstrumentResponse]:
    """A client's results, newest first, corrections included; an audited read."""
    _require(access.READ, actor)
    spec_code = instrument(code).code if code else None
    responses = list(session.scalars(repository.responses_of(client.id, spec_code)))
    if responses:
        audit_service.record_reads(
            session, actor=actor, entity_type="instrument_response", client_ids=[client.id]
        )
    return responses


@dataclass(frozen=True)
class TrendPoint:
    response_id: uuid.UUID
    administered_at: datetime
    total: int | None
    band: str | None
    subscales: Mapping[str, int]
    sex: Sex | None


def _trend_points(rows: Sequence[InstrumentResponse]) -> list[TrendPoint]:
    """Oldest first, without results entered in error, so a mistaken entry cannot bend
    the line."""
    kept = sorted((r for r in rows if not r.entered_in_error), key=lambda r: r.administered_at)
    return [
        TrendPoint(r.id, r.administered_at, r.total, r.band, dict(r.subscales), r.sex) for r in kept
    ]


def trend(session: Session, *, actor: Actor, client: Client, code: str) -> list[TrendPoint]:
    """One instrument's results over time; an audited read."""
    _require(access.READ, actor)
    spec = instrument(code)
    points = _trend_points(list(session.scalars(repository.trend_of(client.id, spec.code))))
    if points:
        audit_service.record_reads(
            session, actor=actor, entity_type="instrument_response", client_ids=[client.id]
        )
    return points


def get_response(session: Session, *, actor: Actor, response_id: uuid.UUID) -> InstrumentResponse:
    """One result, if the actor may see its client (else 404, never revealing it exists)."""
    _require(access.READ, actor)
    response = session.get(InstrumentResponse, response_id)
    if response is not None:
        visible = clients_service.clients_by_id(
            session, actor=actor, client_ids=[response.client_id]
        )
        if response.client_id in visible:
            return response
    raise NotFound("no such instrument result, or not one you may see")


def mark_entered_in_error(
    session: Session, *, actor: Actor, response_id: uuid.UUID, reason: str
) -> InstrumentResponse:
    """Set a mistaken result aside with a reason; it is kept, shown struck through, and
    leaves trends. Alerts it raised stay open: a clinician closes them by acknowledging,
    because the finding may have been real even if the entry was not."""
    _require(access.CORRECT, actor)
    reason = reason.strip()
    if not reason:
        raise Invalid("say why the result is in error", field="reason")
    response = get_response(session, actor=actor, response_id=response_id)
    own = response.administered_by is not None and response.administered_by == actor.user_id
    if not (own or actor.role in access.CORRECT_ANY or actor.role is Role.SYSTEM):
        raise Forbidden("you may mark only the results you recorded as entered in error")
    if response.entered_in_error:
        raise Conflict("this result is already marked entered in error", rule=ALREADY_IN_ERROR)
    response.entered_in_error = True
    response.error_reason = reason
    response.error_marked_by = actor.user_id
    response.error_marked_at = utc_now()
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="instrument_response",
        entity_id=response.id,
        client_id=response.client_id,
        detail={"entered_in_error": True, "instrument": response.instrument},
    )
    return response


# --- the chart's Assessments tab -------------------------------------------------------


def default_sex(client: Client) -> Sex | None:
    """The AUDIT-C form preselects the sex recorded at registration; staff can change it."""
    try:
        return Sex(client.sex_assigned_at_birth.strip().lower())
    except ValueError:
        return None


@dataclass(frozen=True)
class InstrumentPanel:
    spec: InstrumentSpec
    latest: InstrumentResponse | None
    svg: Markup
    items: list[tuple[Item, list[Choice]]]


@dataclass(frozen=True)
class AssessmentsTab:
    panels: list[InstrumentPanel]
    history: list[InstrumentResponse]
    staff: dict[uuid.UUID, str]  # user id -> display name, for "given by"
    can_administer: bool
    can_correct_any: bool
    actor_id: uuid.UUID | None
    default_sex: Sex | None
    sexes: tuple[Sex, ...] = tuple(Sex)

    def spec(self, code: str) -> InstrumentSpec:
        return rules.INSTRUMENTS[code]

    def can_correct(self, response: InstrumentResponse) -> bool:
        if response.entered_in_error:
            return False
        own = self.actor_id is not None and response.administered_by == self.actor_id
        return self.can_correct_any or (self.can_administer and own)


def _point_title(spec: InstrumentSpec, point: TrendPoint) -> str:
    when = f"{point.administered_at:%Y-%m-%d}"
    if point.total is not None:
        return f"{spec.name} {when}: total {point.total}, {point.band}"
    return f"{spec.name} {when}: {point.band} risk"


def trend_svg(spec: InstrumentSpec, points: Sequence[TrendPoint]) -> Markup:
    """The trend drawing for one instrument: its total against the registry's bands, the
    BAM's three subscales, or the C-SSRS screener's risk level."""
    if not points:
        return Markup("")
    latest = points[-1]
    if spec.subscales:
        lines = [
            trend_chart.Line(
                name,
                tuple(
                    trend_chart.Point(
                        p.administered_at,
                        p.subscales[name],
                        f"{spec.name} {name} {p.administered_at:%Y-%m-%d}: {p.subscales[name]}",
                    )
                    for p in points
                ),
            )
            for name in spec.subscales
        ]
        highest = max(
            sum(max(item.allowed) for item in spec.items if item.number in numbers)
            for numbers in spec.subscales.values()
        )
        caption = f"{spec.name} subscales over time: " + ", ".join(
            f"{name} latest {latest.subscales[name]}" for name in spec.subscales
        )
        return trend_chart.render(lines, caption=caption, y_max=highest)
    if not spec.has_total:
        levels = tuple(Band(level.value, i, i) for i, level in enumerate(CSSRS_LEVELS))
        risk = tuple(
            trend_chart.Point(
                p.administered_at,
                CSSRS_LEVELS.index(CssrsRisk(p.band or "none")),
                _point_title(spec, p),
            )
            for p in points
        )
        return trend_chart.render(
            [trend_chart.Line("risk level", risk)],
            caption=f"{spec.name} risk level over time, latest {latest.band}",
            y_max=len(CSSRS_LEVELS) - 1,
            bands=levels,
        )
    totals = tuple(
        trend_chart.Point(p.administered_at, p.total or 0, _point_title(spec, p)) for p in points
    )
    low, high = spec.total_range
    return trend_chart.render(
        [trend_chart.Line("total", totals)],
        caption=f"{spec.name} total over time, latest {latest.total} ({latest.band})",
        y_min=low,
        y_max=high,
        bands=spec.bands_for(latest.sex),
    )


def chart_tab(session: Session, *, actor: Actor, client: Client) -> AssessmentsTab:
    """Everything the chart's Assessments tab shows, drawn from one audited read of the
    client's results (the trends are computed from the same rows)."""
    history = list_responses(session, actor=actor, client=client)
    panels = []
    for spec in catalog():
        mine = [r for r in history if r.instrument == spec.code]
        latest = next((r for r in mine if not r.entered_in_error), None)
        items = [(item, choices(spec, item)) for item in spec.items]
        panels.append(InstrumentPanel(spec, latest, trend_svg(spec, _trend_points(mine)), items))
    staff_ids = {r.administered_by for r in history if r.administered_by}
    staff = {
        uid: user.display_name for uid in staff_ids if (user := session.get(User, uid)) is not None
    }
    return AssessmentsTab(
        panels=panels,
        history=history,
        staff=staff,
        can_administer=access.ADMINISTER.allows(actor.role),
        can_correct_any=actor.role in access.CORRECT_ANY,
        actor_id=actor.user_id,
        default_sex=default_sex(client),
    )
