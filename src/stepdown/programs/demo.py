"""The demo program's set-up: staff profiles, time blocks, a curriculum of candidate group
sessions per site, schedule profiles for the demo clients in open episodes, and two keep-apart
pairs. Idempotent: profiles are keyed by person, blocks and sessions by site and code, and
nothing that exists is changed.

The curriculum gives each level a realistic path to its weekly hours: PHP four groups a
weekday, IOP day two morning groups shared with PHP, IOP evening two groups Monday to Thursday
plus two on Saturday (open to OP, who need one or two), and an after-school adolescent IOP.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Episode, EpisodeStatus, Segment, Track
from stepdown.kit.clock import today
from stepdown.programs import rules
from stepdown.programs import service as programs_service
from stepdown.programs.models import (
    Audience,
    BlockKind,
    ClientScheduleProfile,
    KeepApart,
    KeepApartReason,
    SessionGender,
    Site,
    TimeBlock,
)
from stepdown.security import repository as security_repository
from stepdown.security.actor import Actor

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
EVENINGS = ("mon", "tue", "wed", "thu")


def _windows(days: tuple[str, ...], start: str, end: str) -> list[dict[str, str]]:
    return [{"day": day, "start": start, "end": end} for day in days]


# Day clinicians work office hours with one late day; evening clinicians cover the evening
# and adolescent groups and Saturday. Case managers lead life-skills and family education.
DAY_CLINICIAN = [
    *_windows(("mon", "tue", "wed", "fri"), "08:00", "16:30"),
    {"day": "thu", "start": "12:00", "end": "20:30"},
]
EVENING_CLINICIAN = [
    *_windows(("mon", "tue", "thu"), "12:00", "21:30"),
    {"day": "wed", "start": "08:00", "end": "21:30"},
    {"day": "sat", "start": "08:30", "end": "15:00"},
]
# username -> (site, topics, availability, max hours)
STAFF_PROFILES = {
    "clinician": ("S1", "CBT DBT RP MI MAT_ED PROCESS LIFE_SKILLS", DAY_CLINICIAN, 40.0),
    "clinician2": ("S1", "RP MI TRAUMA FAMILY_ED PROCESS CBT DBT", EVENING_CLINICIAN, 40.0),
    "clinician3": ("S2", "CBT DBT RP MI MAT_ED PROCESS LIFE_SKILLS", DAY_CLINICIAN, 40.0),
    "clinician4": ("S2", "RP MI TRAUMA FAMILY_ED PROCESS CBT DBT", EVENING_CLINICIAN, 40.0),
    "casemanager": ("S1", "LIFE_SKILLS FAMILY_ED RP", _windows(WEEKDAYS, "09:00", "17:00"), 20.0),
    "casemanager2": ("S2", "LIFE_SKILLS FAMILY_ED RP", _windows(WEEKDAYS, "09:00", "17:00"), 20.0),
}

# kind, name, days, start, end, levels, audience, slots (start, end) inside the block
BLOCKS = (
    (
        BlockKind.PHP_DAY,
        "PHP day",
        WEEKDAYS,
        "09:00",
        "16:15",
        ["PHP"],
        Audience.ADULT,
        (("13:00", "14:30"), ("14:45", "16:15")),
    ),
    (
        BlockKind.IOP_DAY,
        "IOP day (with PHP)",
        WEEKDAYS,
        "09:00",
        "12:15",
        ["PHP", "IOP"],
        Audience.ADULT,
        (("09:00", "10:30"), ("10:45", "12:15")),
    ),
    (
        BlockKind.IOP_EVENING,
        "IOP and OP evening",
        EVENINGS,
        "18:00",
        "21:15",
        ["IOP", "OP"],
        Audience.ADULT,
        (("18:00", "19:30"), ("19:45", "21:15")),
    ),
    (
        BlockKind.IOP_EVENING,
        "Adolescent IOP (after school)",
        EVENINGS,
        "15:45",
        "17:45",
        ["IOP", "OP"],
        Audience.ADOLESCENT,
        (("15:45", "17:45"),),
    ),
    (
        BlockKind.SATURDAY,
        "Saturday",
        ("sat",),
        "09:00",
        "14:45",
        ["IOP", "OP"],
        Audience.ADULT,
        (("09:00", "10:30"), ("10:45", "12:15")),
    ),
)
TOPIC_CYCLE = ("CBT", "RP", "DBT", "PROCESS", "MI", "TRAUMA", "LIFE_SKILLS", "RP", "MAT_ED")

# Client availability by situation (work and school hours are the complement).
PHP_WEEK = _windows(WEEKDAYS, "08:30", "16:30")
DAY_PARENT = _windows(WEEKDAYS, "08:30", "12:30")  # picks children up from school
DAY_WORKER = [
    *_windows(EVENINGS, "17:30", "21:30"),
    {"day": "sat", "start": "08:30", "end": "13:00"},
]
STUDENT = [*_windows(EVENINGS, "13:00", "21:30"), {"day": "sat", "start": "08:30", "end": "13:00"}]
TEEN = [*_windows(EVENINGS, "15:30", "21:00"), {"day": "sat", "start": "09:00", "end": "13:00"}]


def _staff_profiles(session: Session, actor: Actor, sites: dict[str, Site]) -> None:
    for username, (site, topics, availability, hours) in STAFF_PROFILES.items():
        user = security_repository.user_by_username(session, username)
        if user is None or programs_service.staff_profile_of(session, user.id) is not None:
            continue
        programs_service.save_staff_profile(
            session,
            actor=actor,
            user=user,
            site=sites[site],
            topics=rules.split_codes(topics),
            availability=availability,
            max_hours=hours,
        )


def _curriculum(session: Session, actor: Actor, site: Site) -> None:
    if session.scalar(select(TimeBlock.id).where(TimeBlock.site_id == site.id).limit(1)):
        return
    number = 0
    for kind, name, days, start, end, levels, audience, slots in BLOCKS:
        for day in days:
            block = programs_service.add_time_block(
                session,
                actor=actor,
                site=site,
                kind=kind,
                name=name,
                day=day,
                start=start,
                end=end,
                levels=levels,
            )
            for slot_start, slot_end in slots:
                number += 1
                programs_service.save_group_session(
                    session,
                    actor=actor,
                    site=site,
                    spec=programs_service.SessionSpec(
                        code=f"G{number}",
                        day=day,
                        start=slot_start,
                        end=slot_end,
                        topic=TOPIC_CYCLE[number % len(TOPIC_CYCLE)],
                        levels=levels,
                        audience=audience,
                        # One women's trauma group a week, as many programs run.
                        gender=SessionGender.F
                        if (day, slot_start, kind) == ("wed", "19:45", BlockKind.IOP_EVENING)
                        else SessionGender.ANY,
                        min_size=2 if audience is Audience.ADOLESCENT else 3,
                        max_size=8 if audience is Audience.ADOLESCENT else 12,
                        time_block_id=block.id,
                    ),
                )


def _client_profiles(session: Session, actor: Actor) -> list[Client]:
    rows = session.execute(
        select(Client, Segment)
        .join(Episode, Episode.client_id == Client.id)
        .join(Segment, Segment.episode_id == Episode.id)
        .where(
            Client.is_synthetic,
            Episode.status == EpisodeStatus.ACTIVE,
            Segment.ends_on.is_(None),
        )
        .order_by(Client.record_number)
    )
    codes = {lv.id: lv.code for lv in continuum_service.catalog(session)}
    have = set(session.scalars(select(ClientScheduleProfile.client_id)))
    scheduled: list[Client] = []
    for index, (client, segment) in enumerate(rows):
        level = codes[segment.level_id]
        if level not in rules.SCHEDULED_LEVELS:
            continue
        scheduled.append(client)
        if client.id in have or client.primary_clinician_id is None:
            continue
        teen = rules.age_group(client.date_of_birth, today()) == "adolescent"
        if teen:
            availability = TEEN
        elif level == "PHP":
            availability = PHP_WEEK
        elif segment.track is Track.DAY:
            availability = DAY_PARENT
        else:
            availability = STUDENT if index % 3 == 0 else DAY_WORKER
        programs_service.save_client_profile(
            session,
            actor=actor,
            client=client,
            availability=availability,
            therapist_id=client.primary_clinician_id,
            individual_sessions=1,
            family_sessions=1 if teen or index % 4 == 0 else 0,
        )
    return scheduled


def seed_program_setup(session: Session, *, actor: Actor, sites: dict[str, Site]) -> None:
    """Create whatever of the demo set-up is missing (see the module docstring)."""
    _staff_profiles(session, actor, sites)
    for site in sites.values():
        _curriculum(session, actor, site)
    scheduled = _client_profiles(session, actor)
    if len(at_s1 := [c for c in scheduled if c.site_id == sites["S1"].id]) < 4:
        return
    if session.scalar(select(KeepApart.id).limit(1)) is not None:
        return
    for (a, b), reason in zip(
        (at_s1[0:2], at_s1[2:4]),
        (KeepApartReason.RELATIVE, KeepApartReason.CO_WORKER),
        strict=False,
    ):
        programs_service.add_keep_apart(session, actor=actor, client_a=a, client_b=b, reason=reason)
