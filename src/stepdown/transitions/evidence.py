"""Assembling a client's review evidence from the domains that hold it.

Every figure is read through the owning domain's service, which checks the actor and audits
its own read: attendance, hours, drug tests and check-ins through the accountability
summary (``accountability.service.gather``, over the review window), objectives met since
admission through the treatment-plan service, instrument results through the assessments
service, dimension ratings through the placement service, open MOUD-missing alerts through
the alerts service, and the safety gate through the safety service (on the end of the
review day, UTC). Only the arithmetic that turns them into ``rules.Evidence`` lives here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from stepdown.accountability import service as accountability_service
from stepdown.accountability.rules import WeekStatus
from stepdown.alerts import service as alerts_service
from stepdown.alerts.models import AlertKind
from stepdown.assessments import service as assessments_service
from stepdown.assessments.models import InstrumentResponse
from stepdown.clients.models import Client
from stepdown.continuum.models import Episode, LevelOfCare, Segment
from stepdown.kit import clock
from stepdown.placement import service as placement_service
from stepdown.placement.models import AssessmentStatus
from stepdown.safety import service as safety_service
from stepdown.security.actor import Actor
from stepdown.transitions import phq9_progress, rules
from stepdown.treatment_plans import service as treatment_plans_service


def _phq9_scores(responses: Sequence[InstrumentResponse]) -> list[phq9_progress.Phq9Score]:
    """A client's PHQ-9 results, oldest first, each on the program's calendar day it was
    given; ``phq9_progress`` leaves out those entered in error."""
    found = sorted(
        (r for r in responses if r.instrument == "phq9"), key=lambda r: r.administered_at
    )
    return [
        phq9_progress.Phq9Score(
            on=clock.local(r.administered_at).date(),
            total=r.total,
            entered_in_error=r.entered_in_error,
        )
        for r in found
    ]


def end_of_day(day: date) -> datetime:
    """The last instant of the program's calendar ``day`` (``kit.clock``), in UTC: what
    the review of that day may know. A UTC day would end hours off the program's: a safety
    alert raised at 21:00 in New York is already "tomorrow" in UTC, and a review run that
    evening must still see it."""
    return clock.day_start(day + timedelta(days=1)) - timedelta(microseconds=1)


def gather(
    session: Session,
    *,
    actor: Actor,
    client: Client,
    episode: Episode,
    segment: Segment,
    level: LevelOfCare,
    day: date,
) -> rules.Evidence:
    start, end = rules.window(day, segment.starts_on)
    until = end_of_day(end)
    summary = accountability_service.gather(
        session, actor=actor, client_id=client.id, start=start, end=end
    )
    objectives = treatment_plans_service.objectives_summary(
        session, actor=actor, client_id=client.id, start=min(episode.admitted_on, end), end=end
    )
    responses = assessments_service.list_responses(session, actor=actor, client=client)
    instruments = [
        r
        for r in responses
        if not r.entered_in_error
        and episode.admitted_on <= clock.local(r.administered_at).date() <= end
    ]
    # The episode's first PHQ-9 (the index of phq9_not_improving) and its latest, from the
    # same audited read as the instruments.
    baseline, latest = phq9_progress.first_and_latest(
        _phq9_scores(responses), admitted_on=episode.admitted_on, day=end
    )
    gate = safety_service.status(session, actor=actor, client=client, as_of=until)
    moud_missing = [
        a
        for a in alerts_service.open_alerts_for_client(session, actor=actor, client_id=client.id)
        if a.kind is AlertKind.MOUD_MISSING and a.created_at <= until
    ]
    signed = [
        a
        for a in placement_service.list_assessments(session, actor=actor, client=client)
        if a.status is AssessmentStatus.SIGNED
        and a.signed_at is not None
        and clock.local(a.signed_at).date() <= end
    ]
    assessment = max(signed, key=lambda a: a.version) if signed else None
    checkins = summary.checkins
    testing = summary.testing
    checked_in = checkins.days_checked_in > 0
    return rules.Evidence(
        as_of=end,
        level=level.code,
        level_since=segment.starts_on,
        window_start=start,
        typical_weeks_min=level.typical_stay_weeks_min,
        typical_weeks_max=level.typical_stay_weeks_max,
        admitted_on=episode.admitted_on,
        safety_state=gate.state,
        safety_reasons=gate.reasons if gate.live else (),
        attendance_rate=summary.attendance.rate,
        unexcused_absences=summary.attendance.unexcused,
        weeks_judged=sum(w.judged for w in summary.weeks),
        weeks_short=sum(w.status is WeekStatus.SHORT for w in summary.weeks),
        tests_collected=testing.collected,
        positive_specimens=(
            testing.unexpected_positive_specimens if testing.resulted_specimens else None
        ),
        confirmed_positive_specimens=testing.confirmed_positive_specimens,
        unexpected_analytes=tuple(sorted(testing.unexpected_positives)),
        recollect=testing.recollect_specimens,
        refused=testing.refused,
        missed=testing.missed,
        moud_missing_alerts=len(moud_missing),
        checkin_days=checkins.days_checked_in,
        craving_recent=checkins.second_half,
        craving_earlier=checkins.first_half,
        use_days=len(checkins.use_days) if checked_in else None,
        instruments_since_admission=len(instruments),
        phq9_baseline=baseline.total if baseline else None,
        phq9_baseline_on=baseline.on if baseline else None,
        phq9_latest=latest.total if latest else None,
        phq9_latest_on=latest.on if latest else None,
        objectives_met=len(objectives.met),
        objectives_overdue=len(summary.objectives.overdue(end)),
        dimensions=(
            (
                assessment.d1_rating,
                assessment.d2_rating,
                assessment.d3_rating,
                assessment.d4_rating,
                assessment.d5_rating,
                assessment.d6_rating,
            )
            if assessment
            else None
        ),
        dimensions_on=clock.local(assessment.signed_at).date()
        if assessment and assessment.signed_at
        else None,
    )
