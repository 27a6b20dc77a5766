"""Synthetic group notes for the demo calendar's past sessions.

Sessions held three or more days ago whose attendance is complete get a signed note,
written through the service (so the name check, the per-attendee filing and the audit
all run as they do for a leader) and signed as the session's synthetic leader, with a
``Signature`` row like any other (``service.sign_for_demo_seed``; a note of a leader whose
notes need a co-signature waits for it, as it would in use): a summary by topic, and a
line per attendee with a participation level and, when the member has a current plan, its
first objective. The last two days are left without notes, so a demo leader finds
sessions to document.

Deterministic (a seeded generator) and idempotent: a session that has a note is skipped.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.calendar.models import BookingStatus, SessionOccurrence
from stepdown.group_notes import rules, service
from stepdown.group_notes.models import GroupNote, Participation
from stepdown.kit.errors import Conflict, Forbidden
from stepdown.security.actor import Actor

# Left for the demo leader to write in the browser.
UNWRITTEN_DAYS = 2
# Sessions considered: enough for every demo client's tab to have entries, and a fast seed.
MAX_NOTES = 40

SUMMARIES = {
    "CBT": "Identifying automatic thoughts before use; the thought record worksheet, "
    "practised on a recent craving.",
    "DBT": "Distress tolerance: the TIPP skills, practised in pairs, with a plan for the "
    "hardest hour of the day.",
    "RP": "Relapse prevention: high-risk situations, the HALT check, and a written plan for "
    "the coming weekend.",
    "MI": "Weighing change: a decisional balance of keeping and changing one habit.",
    "TRAUMA": "Grounding skills and window of tolerance; members chose one skill to try daily.",
    "FAMILY_ED": "How addiction affects families; setting boundaries and asking for support.",
    "LIFE_SKILLS": "Structuring the day: sleep, meals and a weekly budget.",
    "PROCESS": "Open process group; themes of trust, shame and asking for help.",
    "MAT_ED": "How medications for opioid and alcohol use disorders work, and common myths.",
}
DYNAMICS = (
    "Engaged and supportive; members gave each other feedback.",
    "Quiet start; the group warmed up during the exercise.",
    "Some side conversations, redirected once; good participation after.",
    "Cohesive; newer members were welcomed by longer-standing ones.",
)
PROGRESS = {
    Participation.ACTIVE: (
        "Shared a recent trigger and named a coping step for it.",
        "Completed the exercise and described using the skill this week.",
        "Offered support to peers and set a goal for the weekend.",
    ),
    Participation.MINIMAL: (
        "Attentive; declined to share but completed the worksheet.",
        "Listened; said the topic was hard to talk about today.",
    ),
    Participation.DISRUPTIVE: ("Redirected twice for side talk; engaged once redirected.",),
    Participation.NONE: ("Present but withdrawn; check in at the next individual session.",),
}
WEIGHTS = {
    Participation.ACTIVE: 6,
    Participation.MINIMAL: 3,
    Participation.DISRUPTIVE: 1,
    Participation.NONE: 1,
}


def _held(session: Session, today: date) -> list[SessionOccurrence]:
    """The newest sessions old enough to have notes (a fixed set, so seeding again adds
    nothing), without those that already have one."""
    stmt = (
        select(SessionOccurrence)
        .where(
            SessionOccurrence.day <= today - timedelta(days=UNWRITTEN_DAYS + 1),
            SessionOccurrence.status == BookingStatus.SCHEDULED,
        )
        .order_by(SessionOccurrence.day.desc(), SessionOccurrence.start, SessionOccurrence.code)
        .limit(MAX_NOTES)
    )
    has_note = set(session.scalars(select(GroupNote.occurrence_id)))
    return [o for o in session.scalars(stmt) if o.id not in has_note]


def seed_demo_group_notes(session: Session, *, actor: Actor, today: date) -> int:
    """Write and sign notes for past sessions with attendance taken; return how many."""
    rng = random.Random(611)  # noqa: S311 - reproducible synthetic data, not security
    written = 0
    for occurrence in _held(session, today):
        nested = session.begin_nested()
        try:
            view = service.note_for_occurrence(session, actor=actor, occurrence_id=occurrence.id)
            lines = []
            for row in view.attendees:
                level = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
                objective = row.objectives[0].id if row.objectives else None
                lines.append(
                    rules.LineInput(row.client.id, level, rng.choice(PROGRESS[level]), objective)
                )
            service.save_draft(
                session,
                actor=actor,
                occurrence_id=occurrence.id,
                topic=view.topic,
                content=SUMMARIES.get(occurrence.topic, "Group discussion of the week's goals."),
                dynamics=rng.choice(DYNAMICS),
                lines=lines,
            )
            # No leader is at hand to type a password: the signature is recorded as the
            # synthetic leader's (signing.record_seeded_signature, demo only).
            service.sign_for_demo_seed(session, actor=actor, occurrence_id=occurrence.id)
        except Conflict:
            # Attendance not (fully) taken, nobody came, or a member's name is one of the
            # words above: no note for this session, as a leader would have to reword.
            nested.rollback()
            continue
        except Forbidden:
            # A session led by an account that is not synthetic: the demo signs for nobody
            # real.
            nested.rollback()
            continue
        nested.commit()
        written += 1
    return written
