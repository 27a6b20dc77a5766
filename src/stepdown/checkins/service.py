"""Submitting daily check-ins, reading them back, and their trend on the chart.

A check-in that reports use, or a craving of 8 or more, raises an urgent alert in the same
transaction, so the client's answer and the clinician's alert are stored together or not
at all. The alerts service shows it the same day on the primary clinician's home page
(and a director's, which covers clients with no primary clinician). One open alert a day
is enough: another check-in the same day adds no alert while an open check-in alert of
that day is at least as serious (reported use outranks craving); a new alert is raised
once the earlier one is acknowledged, or when use follows a craving alert.

Thoughts of self-harm (a "yes", never a blank) are the most urgent finding and raise their
own urgent safety alert (``AlertKind.CHECKIN_CRISIS``) by the same rules: none while an
open crisis alert from a check-in of that day is waiting, a new one once it is
acknowledged. It is kept apart from the use and craving alert because it is acknowledged
after a safety assessment (which is what releases the safety gate) and its summary names
nothing else: use or a craving in the same check-in still raises its own alert, so
acknowledging one never hides the other. Sources: ``rules`` (Columbia C-SSRS triage and the
program's same-day safety follow-up policy).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy.orm import Session

from stepdown.alerts import service as alerts_service
from stepdown.alerts.models import Alert, AlertKind, Severity
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.checkins import access, repository, rules, trend_chart
from stepdown.checkins.forms import CheckInForm
from stepdown.checkins.models import CheckIn, EntryMode
from stepdown.checkins.rules import CheckInError, Trigger
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Forbidden, Invalid
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.roles import Role

# A clock a few minutes fast on a phone should not refuse a check-in just given.
FUTURE_TOLERANCE = timedelta(minutes=5)
ENTITY = "checkin"
_KIND = {
    Trigger.CRISIS: AlertKind.CHECKIN_CRISIS,
    Trigger.USE: AlertKind.CHECKIN_USE,
    Trigger.CRAVING: AlertKind.CHECKIN_CRAVING,
}
# Higher outranks lower when deciding whether another alert the same day adds anything.
# The crisis alert ranks above both but covers only itself (see the module docstring).
_RANK = {AlertKind.CHECKIN_CRAVING: 1, AlertKind.CHECKIN_USE: 2, AlertKind.CHECKIN_CRISIS: 3}
_SUBSTANCE_KINDS = frozenset({AlertKind.CHECKIN_CRAVING, AlertKind.CHECKIN_USE})


def _may_submit(actor: Actor) -> bool:
    """Clients for themselves; staff who enter for clients; the system (CLI, demo)."""
    return actor.role is Role.SYSTEM or access.API_SUBMIT.allows(actor.role)


def _may_read(actor: Actor) -> bool:
    return actor.role is Role.SYSTEM or access.API_READ.allows(actor.role)


def _require_read(actor: Actor) -> None:
    if not _may_read(actor):
        raise Forbidden(f"your role ({actor.role.label}) may not {access.API_READ.description}")


@dataclass(frozen=True)
class Submitted:
    checkin: CheckIn
    triggers: tuple[Trigger, ...]  # what in it needs the clinician today, most urgent first
    # Raised now: the crisis alert first, then the use or craving alert; a finding an open
    # alert of the day already covers raises none.
    alerts: list[Alert]

    @property
    def crisis(self) -> bool:
        """The client answered "yes" to thoughts of self-harm."""
        return Trigger.CRISIS in self.triggers

    @property
    def crisis_alert(self) -> Alert | None:
        return next((a for a in self.alerts if a.kind is AlertKind.CHECKIN_CRISIS), None)

    @property
    def substance_triggers(self) -> tuple[Trigger, ...]:
        return tuple(t for t in self.triggers if t in rules.SUBSTANCE_TRIGGERS)

    @property
    def substance_alert(self) -> Alert | None:
        return next((a for a in self.alerts if a.kind in _SUBSTANCE_KINDS), None)


def submit(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    draft: rules.Draft,
    zone: ZoneInfo,
    submitted_at: datetime | None = None,
) -> Submitted:
    """Store one check-in for a client the actor may act for, and alert if it calls for it.

    A client may check in only for their own record (another client's id is 404, never
    revealing it exists); staff entries are stored as entered by staff. ``submitted_at``
    lets the CLI and the demo record one given earlier; ``zone`` is the program's time
    zone, which decides the check-in's day.
    """
    if not _may_submit(actor):
        raise Forbidden(f"your role ({actor.role.label}) may not {access.API_SUBMIT.description}")
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    now = utc_now()
    if submitted_at is None:
        submitted_at = now
    elif submitted_at.tzinfo is None:
        raise Invalid("give the time with its UTC offset", field="submitted_at")
    elif submitted_at > now + FUTURE_TOLERANCE:
        raise Invalid("cannot be in the future", field="submitted_at")
    try:
        valid = rules.validate(draft)
    except CheckInError as exc:
        raise Invalid(exc.message, field=exc.field) from None
    mode = EntryMode.SELF if actor.role is Role.CLIENT else EntryMode.STAFF
    checkin = CheckIn(
        client_id=client.id,
        day=rules.local_day(submitted_at, zone),
        submitted_at=submitted_at,
        craving=valid.craving,
        mood=valid.mood,
        sleep_hours=valid.sleep_hours,
        sleep_quality=valid.sleep_quality,
        risky_situations=[s.value for s in valid.risky_situations],
        risky_other=valid.risky_other,
        used_since_last=valid.used_since_last,
        substance=valid.substance,
        note=valid.note,
        self_harm_thoughts=valid.self_harm_thoughts,
        entered_by=actor.user_id,
        entry_mode=mode,
    )
    session.add(checkin)
    session.flush()
    found = rules.triggers(
        craving=valid.craving,
        used_since_last=valid.used_since_last,
        self_harm_thoughts=valid.self_harm_thoughts,
    )
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type=ENTITY,
        entity_id=checkin.id,
        client_id=client.id,
        detail={"entry_mode": mode.value, "triggers": [t.value for t in found]},
    )
    return Submitted(checkin, found, _alert_if_needed(session, actor, checkin, found))


def _via(checkin: CheckIn) -> str:
    """How the check-in arrived, for the alert's summary line."""
    if checkin.entry_mode is EntryMode.SELF:
        return "from the portal"
    return "entered by staff" if checkin.entered_by else "recorded by the system"


def _alert_if_needed(
    session: Session, actor: Actor, checkin: CheckIn, found: tuple[Trigger, ...]
) -> list[Alert]:
    if not found:
        return []
    already = list(session.scalars(repository.open_alert_kinds_on(checkin.client_id, checkin.day)))
    raised = []
    if Trigger.CRISIS in found and AlertKind.CHECKIN_CRISIS not in already:
        # Columbia C-SSRS triage / the program's same-day safety follow-up policy: urgent,
        # to the primary clinician today, naming the finding and nothing more.
        raised.append(
            _raise(session, actor, checkin, AlertKind.CHECKIN_CRISIS, rules.CRISIS_ALERT_SUMMARY)
        )
    substance = tuple(t for t in found if t in rules.SUBSTANCE_TRIGGERS)
    if substance:
        kind = _KIND[substance[0]]  # the most serious names the alert; the summary has both
        if not any(k in _SUBSTANCE_KINDS and _RANK[k] >= _RANK[kind] for k in already):
            summary = rules.alert_summary(
                substance,
                craving=checkin.craving,
                substance=checkin.substance,
                via=_via(checkin),
            )
            raised.append(_raise(session, actor, checkin, kind, summary))
    return raised


def _raise(
    session: Session, actor: Actor, checkin: CheckIn, kind: AlertKind, summary: str
) -> Alert:
    return alerts_service.raise_alert(
        session,
        actor=actor,
        client_id=checkin.client_id,
        kind=kind,
        severity=Severity.URGENT,
        summary=summary,
        source_type=repository.SOURCE_TYPE,
        source_id=checkin.id,
    )


def history(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    since: date | None = None,
    limit: int | None = None,
) -> list[CheckIn]:
    """A client's check-ins, newest first; a client sees only their own. An audited read."""
    _require_read(actor)
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    checkins = list(session.scalars(repository.of_client(client.id, since=since, limit=limit)))
    if checkins:
        audit_service.record_reads(session, actor=actor, entity_type=ENTITY, client_ids=[client.id])
    return checkins


@dataclass(frozen=True)
class Trend:
    start: date
    end: date
    days: list[rules.DayPoint]
    averages: list[rules.AveragePoint]
    svg: Markup

    @property
    def latest(self) -> rules.AveragePoint | None:
        return self.averages[-1] if self.averages else None


def window_end(checkins: list[CheckIn]) -> date:
    """Today, or the newest check-in's day if later: a check-in's day is the program's
    local day, which may already be tomorrow in UTC terms (``kit.clock.today``)."""
    newest = max((c.day for c in checkins), default=None)
    return max(today(), newest) if newest else today()


def build_trend(checkins: list[CheckIn], *, days: int, end: date) -> Trend:
    """The trend over the ``days`` days ending on ``end``, from rows already read."""
    start = end - timedelta(days=days - 1)
    # The 7-day averages at the window's first days need the days just before it.
    entries = [rules.Entry(c.day, c.craving, c.mood) for c in checkins]
    lead_in = start - timedelta(days=rules.TREND_WINDOW_DAYS - 1)
    averages = [
        a
        for a in rules.rolling_average(rules.daily(entries, start=lead_in, end=end))
        if a.day >= start
    ]
    points = rules.daily(entries, start=start, end=end)
    caption = f"Craving and mood, last {days} days"
    if averages:
        last = averages[-1]
        caption += (
            f": 7-day average craving {last.craving:g} and mood {last.mood:g} of 10 "
            f"on {last.day:%Y-%m-%d}"
        )
    svg = trend_chart.render(points, averages, start=start, end=end, caption=caption)
    return Trend(start, end, points, averages, svg)


def trend(session: Session, *, actor: Actor, client_id: uuid.UUID, days: int = 30) -> Trend:
    """Craving and mood over the last ``days`` days; an audited read."""
    if not 1 <= days <= 366:
        raise Invalid("choose from 1 to 366 days", field="days")
    since = today() - timedelta(days=days + rules.TREND_WINDOW_DAYS)
    checkins = history(session, actor=actor, client_id=client_id, since=since)
    return build_trend(checkins, days=days, end=window_end(checkins))


# --- the chart's Check-ins tab ----------------------------------------------------------

TAB_DAYS = (30, 90)
RECENT_DAYS = 30


@dataclass(frozen=True)
class Row:
    """One check-in as the chart lists it, with what it triggered."""

    checkin: CheckIn
    triggers: tuple[Trigger, ...]
    entered_by: str

    @property
    def self_harm_label(self) -> str:
        """Yes, no or not answered (None is never shown as "no")."""
        return rules.answer_label(self.checkin.self_harm_thoughts)

    @property
    def risky_labels(self) -> list[str]:
        labels = [rules.RiskySituation(s).label for s in self.checkin.risky_situations]
        return [*labels, self.checkin.risky_other] if self.checkin.risky_other else labels


@dataclass(frozen=True)
class CheckinsTab:
    trends: list[Trend]
    recent: list[Row]
    alerts: dict[uuid.UUID, list[Alert]]  # check-in id -> the alerts it raised
    can_record: bool
    form: CheckInForm  # blank, for staff entering a check-in on the client's behalf


def _rows(session: Session, client: Client, checkins: list[CheckIn]) -> list[Row]:
    names = security_service.display_names(
        session, {c.entered_by for c in checkins if c.entered_by}
    )
    rows = []
    for c in checkins:
        if c.entry_mode is EntryMode.SELF:
            who = f"{client.display_name} (portal)"
        elif c.entered_by:
            who = f"{names.get(c.entered_by, 'a former user')} (staff)"
        else:
            who = "system (imported)"
        found = rules.triggers(
            craving=c.craving,
            used_since_last=c.used_since_last,
            self_harm_thoughts=c.self_harm_thoughts,
        )
        rows.append(Row(c, found, who))
    return rows


def chart_tab(session: Session, *, actor: Actor, client: Client) -> CheckinsTab:
    """The trends, the last 30 days' entries and their flags, from one audited read."""
    since = today() - timedelta(days=max(TAB_DAYS) + rules.TREND_WINDOW_DAYS)
    checkins = history(session, actor=actor, client_id=client.id, since=since)
    end = window_end(checkins)
    recent = [c for c in checkins if c.day > end - timedelta(days=RECENT_DAYS)]
    raised: list[Alert] = (
        list(session.scalars(repository.alerts_for([c.id for c in recent]))) if recent else []
    )
    by_checkin: dict[uuid.UUID, list[Alert]] = {}
    for a in sorted(raised, key=lambda a: -_RANK.get(a.kind, 0)):
        by_checkin.setdefault(a.source_id, []).append(a)
    return CheckinsTab(
        trends=[build_trend(checkins, days=days, end=end) for days in TAB_DAYS],
        recent=_rows(session, client, recent),
        alerts=by_checkin,
        can_record=access.RECORD.allows(actor.role),
        form=CheckInForm(f"/clients/{client.id}/check-ins"),
    )
