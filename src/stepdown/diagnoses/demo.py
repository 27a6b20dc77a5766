"""Synthetic diagnoses for the demo clients (made up, as every demo record is).

Every demo client with an episode of care gets a principal substance use disorder,
recorded by the system on behalf of their primary clinician on the day they were admitted,
coded by the rule table (``rules``) from what the demo knows of their substances:

- the reason written at admission ("Alcohol use disorder ...", "Cannabis and alcohol use",
  "Polysubstance use" ...), first;
- a MAT prescription (buprenorphine or methadone: opioid use disorder);
- the substances named on the inquiry the client came from;
- otherwise a substance chosen by record number.

Severity follows the level they were admitted to (PHP severe, IOP moderate, OP mild); a
second substance is a secondary mild use disorder; some clients have a secondary
depressive (F32.1) or anxiety (F41.1) disorder. One client on buprenorphine long enough
shows the course of a use disorder: the severe opioid use disorder diagnosed at admission
is resolved after 100 days and replaced by "severe, in early remission, on maintenance
therapy" (F11.21), the new principal diagnosis.

Idempotent: an episode that has any diagnosis is left as it is.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.continuum.models import Episode, EpisodeStatus, LevelOfCare, Segment
from stepdown.diagnoses import service
from stepdown.diagnoses.models import Diagnosis, DiagnosisStatus, Remission, Severity
from stepdown.diagnoses.rules import Specifiers
from stepdown.inquiries.models import Inquiry
from stepdown.medications.models import Medication
from stepdown.security.actor import Actor

# Words of an admission reason, and the use disorder category they name.
REASON_WORDS = (
    ("polysubstance", ("F11", "F14")),
    ("alcohol", ("F10",)),
    ("opioid", ("F11",)),
    ("fentanyl", ("F11",)),
    ("heroin", ("F11",)),
    ("cocaine", ("F14",)),
    ("methamphetamine", ("F15",)),
    ("stimulant", ("F15",)),
    ("cannabis", ("F12",)),
    ("benzodiazepine", ("F13",)),
)
# The inquiries' substances (inquiries.rules.Substance values).
INQUIRY_SUBSTANCES = {
    "alcohol": "F10",
    "opioids": "F11",
    "fentanyl": "F11",
    "stimulants": "F15",
    "cocaine": "F14",
    "methamphetamine": "F15",
    "cannabis": "F12",
    "benzodiazepines": "F13",
    "other": "F19",
}
MAT_ANALYTES = frozenset({"buprenorphine", "methadone"})
FALLBACK = ("F10", "F11", "F10", "F12", "F15", "F11", "F14")
SEVERITY_BY_LEVEL = {"PHP": Severity.SEVERE, "IOP": Severity.MODERATE, "OP": Severity.MILD}
# Days after admission the demo's opioid use disorder goes into early remission (more than
# the 3 months DSM-5-TR asks for).
REMISSION_AFTER = timedelta(days=100)


def _code(category: str, severity: Severity) -> str:
    if category == "F17":
        return "F17.210"
    return f"{category}.10" if severity is Severity.MILD else f"{category}.20"


def _ordered(categories: list[str]) -> list[str]:
    return list(dict.fromkeys(categories))


def _from_reason(reason: str) -> list[str]:
    text = reason.lower()
    found = sorted(
        (text.index(word), categories) for word, categories in REASON_WORDS if word in text
    )
    return [c for _, categories in found for c in categories]


def _known_substances(session: Session, client: Client, reason: str, index: int) -> list[str]:
    found = _from_reason(reason)
    medications = session.scalars(
        select(Medication).where(Medication.client_id == client.id, Medication.is_mat.is_(True))
    )
    if any(MAT_ANALYTES & set(m.analytes) for m in medications):
        found.append("F11")
    for substances in session.scalars(
        select(Inquiry.substances).where(Inquiry.client_id == client.id)
    ):
        found.extend(INQUIRY_SUBSTANCES.get(s, "F19") for s in substances)
    return _ordered(found) or [FALLBACK[index % len(FALLBACK)]]


def _admission(session: Session, episode: Episode) -> tuple[str, str]:
    """The first segment's level code and reason."""
    first = session.execute(
        select(LevelOfCare.code, Segment.reason)
        .join(LevelOfCare, LevelOfCare.id == Segment.level_id)
        .where(Segment.episode_id == episode.id)
        .order_by(Segment.starts_on)
        .limit(1)
    ).first()
    return (first[0], first[1]) if first else ("", "")


def _add(
    session: Session,
    actor: Actor,
    client: Client,
    episode: Episode,
    code: str,
    *,
    on: date,
    by: uuid.UUID,
    principal: bool = False,
    specifiers: Specifiers = Specifiers(),
) -> Diagnosis:
    return service.add_diagnosis(
        session,
        actor=actor,
        client_id=client.id,
        episode_id=episode.id,
        code=code,
        principal=principal,
        specifiers=specifiers,
        diagnosed_on=on,
        diagnosed_by_id=by,
    )


def seed_demo_diagnoses(
    session: Session, *, actor: Actor, clients: list[Client], today: date
) -> int:
    """Diagnose each demo client's episodes that have none; return how many were added."""
    diagnosed = set(session.scalars(select(Diagnosis.episode_id)))
    added = 0
    remission_shown = session.scalar(
        select(Diagnosis.id).where(Diagnosis.remission.is_not(None)).limit(1)
    )
    for index, client in enumerate(clients):
        if client.primary_clinician_id is None:
            continue
        episodes = session.scalars(
            select(Episode).where(Episode.client_id == client.id).order_by(Episode.admitted_on)
        )
        for episode in episodes:
            if episode.id in diagnosed:
                continue
            level, reason = _admission(session, episode)
            severity = SEVERITY_BY_LEVEL.get(level, Severity.MODERATE)
            substances = _known_substances(session, client, reason, index)
            by = client.primary_clinician_id
            on = episode.admitted_on
            principal = _add(
                session,
                actor,
                client,
                episode,
                _code(substances[0], severity),
                on=on,
                by=by,
                principal=True,
                specifiers=Specifiers(severity),
            )
            added += 1
            for other in substances[1:2]:
                _add(
                    session,
                    actor,
                    client,
                    episode,
                    _code(other, Severity.MILD),
                    on=on,
                    by=by,
                    specifiers=Specifiers(Severity.MILD),
                )
                added += 1
            if "depression" in reason.lower() or index % 7 == 3:
                _add(session, actor, client, episode, "F32.1", on=on, by=by)
                added += 1
            elif index % 5 == 1:
                _add(session, actor, client, episode, "F41.1", on=on, by=by)
                added += 1
            in_care_long_enough = on + REMISSION_AFTER <= today
            if (
                remission_shown is None
                and principal.code == "F11.20"
                and episode.status is not EpisodeStatus.DISCHARGED
                and in_care_long_enough
            ):
                _show_remission(session, actor, client, episode, principal, by=by)
                remission_shown = principal.id
                added += 1
    return added


def _show_remission(
    session: Session,
    actor: Actor,
    client: Client,
    episode: Episode,
    principal: Diagnosis,
    *,
    by: uuid.UUID,
) -> None:
    """The admission's opioid use disorder resolved into its in-remission diagnosis."""
    day = episode.admitted_on + REMISSION_AFTER
    service.end_diagnosis(
        session, actor=actor, diagnosis_id=principal.id, status=DiagnosisStatus.RESOLVED, on=day
    )
    _add(
        session,
        actor,
        client,
        episode,
        "F11.21",
        on=day,
        by=by,
        principal=True,
        specifiers=Specifiers(
            principal.severity or Severity.SEVERE, Remission.EARLY, maintenance_therapy=True
        ),
    )
