"""Synthetic discharge summaries for the demo program.

Every discharged demo episode gets a signed summary but the most recent discharge, which
is left unwritten so the reminder shows on its clinician's and the director's home page
and in the chart. The referral out to detox made from care (the client who went to detox
and came back) gets a signed referral summary; the referral out to residential care still
under way is left as a draft its clinician has started. Each is written through the
service as the client's (synthetic) primary clinician and signed as them with
``service.sign_for_demo_seed`` (a ``Signature`` row like any other, that verifies with
``signing.intact``); the facts are gathered from the demo's record like a real one's.

Every word is made up. Idempotent: an event that has a summary is left alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.continuum.models import DischargeType, Episode, EpisodeStatus
from stepdown.discharge_summaries import repository, rules, service
from stepdown.discharge_summaries.models import Prognosis, SummaryKind
from stepdown.kit.errors import Forbidden
from stepdown.security import repository as security_repository
from stepdown.security import service as security_service
from stepdown.security.actor import Actor

WORDS = {
    DischargeType.COMPLETED: rules.Narrative(
        prognosis=Prognosis.GOOD,
        prognosis_text="Engaged throughout, with a sober network and stable housing "
        "(synthetic demo).",
        recommendations="Continue outpatient therapy every other week; mutual-help meetings "
        "three times a week; monthly check-ins with the program; call the program at the "
        "first warning sign.",
        narrative="Attended groups steadily and took part; used the relapse-prevention plan "
        "through two high-risk weekends; goals met and stepped down as planned "
        "(synthetic demo).",
    ),
    DischargeType.LEFT_AGAINST_ADVICE: rules.Narrative(
        prognosis=Prognosis.GUARDED,
        prognosis_text="Ambivalent about change; left before the plan's goals were met "
        "(synthetic demo).",
        recommendations="Outreach by phone and letter; re-admission welcome at any level; "
        "crisis lines given (988).",
        narrative="Attended the first weeks, then attendance fell off; declined a step up "
        "and stopped coming (synthetic demo).",
    ),
}
REFERRAL_WORDS = rules.Narrative(
    prognosis=Prognosis.GUARDED,
    prognosis_text="Good engagement before the relapse; withdrawal needs medical care first "
    "(synthetic demo).",
    recommendations="Medical detox, then return to evening IOP; keep the outpatient "
    "prescriber informed (synthetic demo).",
    narrative="Steady progress in IOP until a relapse with withdrawal signs; referred to the "
    "partner's detox with the client's consent (synthetic demo).",
)


def _author(session: Session, client: Client) -> Actor | None:
    if client.primary_clinician_id is None:
        return None
    user = security_repository.user_by_id(session, client.primary_clinician_id)
    return security_service.actor_for(user) if user is not None else None


def _words(row: service.EventRow, episode: Episode) -> rules.Narrative:
    if row.kind is SummaryKind.REFERRAL_OUT:
        return REFERRAL_WORDS
    return WORDS.get(
        episode.discharge_type or DischargeType.COMPLETED, WORDS[DischargeType.COMPLETED]
    )


def seed_demo_discharge_summaries(
    session: Session, *, actor: Actor, clients: Sequence[Client]
) -> int:
    """Summaries for the demo clients' discharges and referrals out; returns how many were
    written (a second seeding writes none)."""
    authors = {c.id: _author(session, c) for c in clients}
    episodes = {e.id: e for c in clients for e in session.scalars(repository.episodes_of(c.id))}
    rows = service.events_of_episodes(session, list(episodes.values()))
    discharges = [r for r in rows if r.kind is SummaryKind.DISCHARGE]
    # The most recent discharge is left for its clinician to write (the reminder).
    unwritten = max(discharges, key=lambda r: (r.event_on, str(r.episode_id)), default=None)
    referrals = [r for r in rows if r.kind is SummaryKind.REFERRAL_OUT]
    # The referral still under way (its episode is on hold) is only started.
    open_referrals = {
        r.episode_id for r in referrals if episodes[r.episode_id].status is EpisodeStatus.ON_HOLD
    }
    written = 0
    for row in rows:
        author = authors.get(row.client_id)
        if row.summary is not None or row is unwritten or author is None:
            continue
        episode = episodes[row.episode_id]
        draft = service.create_draft(
            session,
            actor=author,
            episode_id=row.episode_id,
            segment_id=row.segment_id,
            narrative=_words(row, episode),
        )
        written += 1
        last_segment = max(
            (r for r in referrals if r.episode_id == row.episode_id),
            key=lambda r: r.event_on,
            default=None,
        )
        if row.episode_id in open_referrals and row is last_segment:
            continue  # a draft the clinician is still writing
        nested = session.begin_nested()
        try:
            assert author.user_id is not None  # a clinician's account
            service.sign_for_demo_seed(
                session, actor=actor, summary_id=draft.id, signer_id=author.user_id
            )
        except Forbidden:
            # A clinician account that is not synthetic: the demo signs for nobody real.
            nested.rollback()
            continue
        nested.commit()
    return written
