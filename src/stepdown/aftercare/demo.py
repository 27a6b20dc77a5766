"""Synthetic aftercare for the demo program: plans for the demo clients who stepped down to
aftercare or completed treatment, some check-ins done, one missed (with its alert), one due
today, a draft left for staff to finish, and the follow-ups of the discharges.

Every name, meeting and number is made up ("(demo)", 555 numbers). Idempotent: a client
who already has a plan is left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.aftercare import service
from stepdown.aftercare.models import (
    MeetingKind,
    RelapsePreventionCheckIn,
    SoberLivingStatus,
    Weekday,
)
from stepdown.aftercare.schemas import ContactInput, MeetingInput, PlanUpdate
from stepdown.clients.models import Client
from stepdown.security.actor import Actor

CONTENT = (
    PlanUpdate(
        therapy_with_whom="Dana Whitfield, LMHC (demo)",
        therapy_provider="Maple Street Counseling (demo)",
        therapy_when="Every other Tuesday, 5 pm",
        mat_prescriber="Dr. Ravi Patel (demo)",
        mat_medication="Buprenorphine/naloxone",
        warning_signs="Skipping meals and sleep\nAvoiding my sponsor's calls\nThinking one drink "
        "would be fine",
        coping_steps="Call my sponsor or a friend from group\nGo to a meeting the same day\n"
        "Tell my therapist at the next session",
    ),
    PlanUpdate(
        therapy_with_whom="Group alumni circle (demo)",
        therapy_when="Thursdays, 6:30 pm",
        sober_living_house="Harbor House (demo)",
        sober_living_contact="House manager, 555-0150",
        sober_living_status=SoberLivingStatus.MOVED_IN,
        warning_signs="Staying home alone on weekends\nOld friends texting",
        coping_steps="Plan the weekend on Friday\nBlock old numbers\nWalk with my housemates",
    ),
)
MEETINGS = (
    MeetingInput(
        kind=MeetingKind.AA,
        name="Sunrise Serenity (demo)",
        day=Weekday.SATURDAY,
        at=time(8, 0),
        place_or_link="Community hall, 12 Example Ave",
    ),
    MeetingInput(
        kind=MeetingKind.SMART,
        name="Tools for Tuesday (demo)",
        day=Weekday.TUESDAY,
        at=time(19, 0),
        place_or_link="https://meet.example.org/smart-demo",
    ),
)
CONTACT = ContactInput(name="Jordan (demo sponsor)", relationship="sponsor", phone="555-0177")
# Finalized this many days ago: the first has weeks of check-ins (one missed), the second's
# first check-in is due today; every third eligible client is left as a draft.
FINALIZED_DAYS_AGO = (40, 7)
MISSED_DAYS_AGO = 12


def seed_demo_aftercare(
    session: Session, *, actor: Actor, clients: Sequence[Client], today: date
) -> int:
    """Plans for the eligible demo clients without one; returns how many were made."""
    made = 0
    eligible = [c for c in clients if service.needs_plan(session, client_id=c.id)]
    for index, client in enumerate(eligible):
        plan = service.create_plan(session, actor=actor, client_id=client.id)
        service.update_plan(
            session, actor=actor, plan_id=plan.id, data=CONTENT[index % len(CONTENT)]
        )
        service.add_meeting(
            session, actor=actor, plan_id=plan.id, data=MEETINGS[index % len(MEETINGS)]
        )
        service.add_contact(session, actor=actor, plan_id=plan.id, data=CONTACT)
        made += 1
        if index % 3 == 2:
            continue  # a draft for staff to finish with the client
        days_ago = FINALIZED_DAYS_AGO[index % 3]
        service.finalize(session, actor=actor, plan_id=plan.id, on=today - timedelta(days=days_ago))
        past = session.scalars(
            select(RelapsePreventionCheckIn).where(
                RelapsePreventionCheckIn.plan_id == plan.id,
                RelapsePreventionCheckIn.due_on < today,
            )
        )
        for checkin in past:
            if checkin.due_on == today - timedelta(days=MISSED_DAYS_AGO):
                continue  # the missed one
            # Marked done on its day, as if the client had checked in then (demo only).
            checkin.completed_at = datetime.combine(checkin.due_on, time(15, 0), tzinfo=UTC)
    session.flush()
    service.schedule_follow_ups(session, actor=actor, today=today)
    service.alert_missed(session, actor=actor, today=today)
    return made
