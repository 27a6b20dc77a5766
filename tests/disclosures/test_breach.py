"""Breach assessment: from the audit trail, every client a user's account touched in the
period (or every access to named clients), each record with how, when and how often; a
draft letter per client with what 45 CFR 164.404(c) asks; directors and administrators
only, and producing it audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.clients.models import Client
from stepdown.disclosures import breach
from stepdown.kit.clock import day_start, local, today
from stepdown.kit.errors import Forbidden, Invalid, NotFound, StepdownError
from stepdown.programs.card import ProgramCard
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_client, make_site, make_user

HARBORVIEW = ProgramCard(
    name="Harborview",
    phone="(555) 010-2000",
    address="12 Harbor Road\nPortland, ME 04101",
    time_zone="America/New_York",
    initialised=True,
)


@dataclass
class Incident:
    """A clinician's account that read two clients' records over two days, with entries
    around it that the listing must leave out."""

    user: User
    ada: Client
    ben: Client
    start: datetime
    end: datetime
    other: Actor
    director: Actor


def touch(
    session: Session,
    who: Actor,
    client: Client | None,
    at: datetime,
    entity_type: str = "client",
    entity_id: object = None,
    action: AuditAction = AuditAction.READ,
) -> None:
    audit_service.record(
        session,
        actor=who,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id if entity_id is not None else (client.id if client else ""),
        client_id=client.id if client else None,
        occurred_at=at,
    )


@pytest.fixture
def incident(session: Session) -> Incident:
    site = make_site(session)
    user = make_user(session, role=Role.CLINICIAN, username="snoop", site=site)
    other = security_service.actor_for(make_user(session, role=Role.CLINICIAN, site=site))
    ada = make_client(
        session,
        site=site,
        legal_first_name="Ada",
        legal_last_name="Able",
        address="4 Elm Street\nPortland, ME 04102",
        email="ada@example.org",
        safe_contact_instructions="E-mail only; no mail home",
    )
    ben = make_client(session, site=site, legal_first_name="Ben", legal_last_name="Baker")
    cy = make_client(session, site=site, legal_first_name="Cy", legal_last_name="Cole")
    start = day_start(today() - timedelta(days=30))
    end = start + timedelta(days=2)
    snoop = security_service.actor_for(user)
    touch(session, snoop, ada, start)  # the first instant counts
    touch(session, snoop, ada, start + timedelta(hours=5))
    touch(session, snoop, ada, start + timedelta(hours=6), "clinical_note", "note-1")
    touch(session, snoop, ben, end, "test_result", "result-7", AuditAction.EXPORT)  # the last
    touch(session, snoop, cy, start - timedelta(seconds=1))  # before
    touch(session, snoop, ben, end + timedelta(seconds=1))  # after
    touch(session, snoop, None, start + timedelta(hours=1), "audit_log")  # about no client
    touch(session, other, ada, start + timedelta(hours=2))  # someone else
    return Incident(
        user=user,
        ada=ada,
        ben=ben,
        start=start,
        end=end,
        other=other,
        director=security_service.actor_for(make_user(session, role=Role.DIRECTOR)),
    )


def rows(client: breach.AffectedClient) -> list[tuple[object, ...]]:
    return [
        (t.actor, t.entity_type, t.entity_id, t.action, t.first_at, t.last_at, t.count)
        for t in client.touches
    ]


def test_every_client_and_record_the_user_touched_in_the_period(
    session: Session, incident: Incident
) -> None:
    i = incident
    found = breach.listing(session, actor=i.director, user="snoop", start=i.start, end=i.end)

    assert (found.user_id, found.user_label) == (i.user.id, "snoop")
    ada, ben = found.clients
    assert (ada.name, ada.record_number, ada.address, ada.email) == (
        "Ada Able",
        i.ada.record_number,
        "4 Elm Street\nPortland, ME 04102",
        "ada@example.org",
    )
    assert ada.safe_contact == "E-mail only; no mail home"
    assert rows(ada) == [
        (
            "snoop",
            "client",
            str(i.ada.id),
            AuditAction.READ,
            i.start,
            i.start + timedelta(hours=5),
            2,
        ),
        (
            "snoop",
            "clinical_note",
            "note-1",
            AuditAction.READ,
            i.start + timedelta(hours=6),
            i.start + timedelta(hours=6),
            1,
        ),
    ]
    assert rows(ben) == [
        ("snoop", "test_result", "result-7", AuditAction.EXPORT, i.end, i.end, 1),
    ]
    assert ada.information == ["Name, date of birth and contact details", "Progress notes"]
    assert (ada.first_at, ada.last_at) == (i.start, i.start + timedelta(hours=6))


def test_the_user_may_be_named_by_id(session: Session, incident: Incident) -> None:
    i = incident
    for user in (i.user.id, str(i.user.id)):
        found = breach.listing(session, actor=i.director, user=user, start=i.start, end=i.end)
        assert [c.name for c in found.clients] == ["Ada Able", "Ben Baker"]


def test_every_access_to_named_clients_by_anyone(session: Session, incident: Incident) -> None:
    i = incident
    found = breach.listing(
        session, actor=i.director, user=None, start=i.start, end=i.end, client_ids=[i.ada.id]
    )
    (ada,) = found.clients
    assert found.user_id is None
    assert {t.actor for t in ada.touches} == {"snoop", i.other.username}
    assert sum(t.count for t in ada.touches) == 4


def test_a_quiet_period_lists_nobody_and_is_still_audited(
    session: Session, incident: Incident
) -> None:
    i = incident
    later = i.end + timedelta(days=1)
    found = breach.listing(
        session, actor=i.director, user="snoop", start=later, end=later + timedelta(days=1)
    )
    assert found.clients == []
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == breach.AUDIT_ENTITY)
    ).one()
    assert entry.detail["clients"] == 0


def test_producing_it_is_audited_per_client(session: Session, incident: Incident) -> None:
    i = incident
    breach.listing(session, actor=i.director, user="snoop", start=i.start, end=i.end)
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_type == breach.AUDIT_ENTITY)
        .order_by(AuditEntry.seq)
    ).all()
    assert [(e.action, e.client_id) for e in entries] == [
        (AuditAction.EXPORT, None),
        (AuditAction.EXPORT, i.ada.id),
        (AuditAction.EXPORT, i.ben.id),
    ]
    assert entries[1].detail["user_id"] == str(i.user.id)


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.CASE_MANAGER, Role.UTILIZATION_REVIEW])
def test_only_the_director_or_an_administrator_may_assess(
    session: Session, incident: Incident, role: Role
) -> None:
    i = incident
    staff = security_service.actor_for(make_user(session, role=role))
    with pytest.raises(Forbidden):
        breach.listing(session, actor=staff, user="snoop", start=i.start, end=i.end)
    admin = security_service.actor_for(make_user(session, role=Role.ADMIN))
    assert breach.listing(session, actor=admin, user="snoop", start=i.start, end=i.end).clients
    assert breach.listing(session, actor=SYSTEM, user="snoop", start=i.start, end=i.end).clients


def test_bad_requests_name_the_field(session: Session, incident: Incident) -> None:
    i = incident
    cases: list[tuple[dict[str, object], type[StepdownError], str]] = [
        ({"user": "snoop", "start": i.end, "end": i.start}, Invalid, "to"),
        ({"user": None, "start": i.start, "end": i.end}, Invalid, "user"),
        ({"user": "nobody.here", "start": i.start, "end": i.end}, NotFound, "user"),
        ({"user": uuid.uuid4(), "start": i.start, "end": i.end}, NotFound, "user"),
        ({"user": "snoop", "start": i.start.replace(tzinfo=None), "end": i.end}, Invalid, "from"),
    ]
    for kwargs, error, field in cases:
        with pytest.raises(error) as refused:
            breach.listing(session, actor=i.director, **kwargs)  # type: ignore[arg-type]
        assert refused.value.field == field


def test_each_letter_holds_what_164_404_asks(session: Session, incident: Incident) -> None:
    i = incident
    found = breach.listing(session, actor=i.director, user="snoop", start=i.start, end=i.end)
    discovered = today() - timedelta(days=3)
    letters = breach.draft_letters(
        found,
        HARBORVIEW,
        discovered_on=discovered,
        what_happened="A staff member opened records of clients who were not theirs.",
        what_we_are_doing="We ended the staff member's access and retrained every team.",
    )
    assert [letter.record_number for letter in letters] == [
        i.ada.record_number,
        i.ben.record_number,
    ]
    ada = letters[0]
    assert ada.safe_contact == "E-mail only; no mail home"
    day = f"{local(i.start):%B %-d, %Y}"
    for expected in (
        "Harborview\n12 Harbor Road\nPortland, ME 04101",
        "Ada Able\n4 Elm Street\nPortland, ME 04102",
        "Dear Ada Able,",
        # What happened, the date of the breach and of its discovery.
        f"Your records were accessed without authorization on {day}.",
        f"We discovered this on {discovered:%B %-d, %Y}.",
        "A staff member opened records of clients who were not theirs.",
        # The types of information involved.
        "- Name, date of birth and contact details\n- Progress notes",
        # What the person should do, what the program is doing, how to reach it.
        "What you can do",
        "Office for Civil Rights",
        "We ended the staff member's access and retrained every team.",
        "Call us at (555) 010-2000. Write to us at 12 Harbor Road, Portland, ME 04101.",
        "42 CFR Part 2",
    ):
        assert expected in ada.text, expected
    assert "[" not in ada.text
    assert "- Drug test results" in letters[1].text
    assert "[Address]" in letters[1].text


def test_a_letter_without_the_programs_account_says_what_to_write(
    session: Session, incident: Incident
) -> None:
    i = incident
    found = breach.listing(session, actor=i.director, user="snoop", start=i.start, end=i.end)
    (letter, _) = breach.draft_letters(
        found, HARBORVIEW, discovered_on=today(), what_happened="", what_we_are_doing=" "
    )
    assert breach.WHAT_HAPPENED in letter.text
    assert breach.WHAT_WE_ARE_DOING in letter.text


def test_accesses_over_several_days_are_dated_from_first_to_last() -> None:
    first = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    seen = breach.Touch("snoop", "client", "x", AuditAction.READ, first, first, 1)
    again = breach.Touch("snoop", "client", "x", AuditAction.UPDATE, first, first.replace(day=4), 1)
    client = breach.AffectedClient(
        client_id=uuid.uuid4(),
        name="Ada Able",
        record_number="C-1",
        date_of_birth=date(1990, 1, 1),
        address="",
        email="",
        phone="",
        safe_contact="",
        touches=(seen, again),
    )
    listing = breach.BreachListing(None, "", first, first, first, [client])
    unlisted = ProgramCard("Harborview", "", "", "America/New_York", initialised=True)
    (letter,) = breach.draft_letters(listing, unlisted, discovered_on=date(2026, 3, 9))
    assert "accessed without authorization between March 2, 2026 and March 4, 2026." in letter.text
    assert "please contact us. [Program phone number.]" in letter.text
    assert "Write to us" not in letter.text


def test_information_types_deadlines_and_hhs() -> None:
    assert breach.information_types(
        ["client_schedule", "test_order", "payer_plan", "safety_plan", "care_team", "client"]
    ) == [
        "Name, date of birth and contact details",
        "Attendance, schedule and level of care",
        "Drug test results",
        "Treatment and aftercare plans",
        "Insurance coverage",
        "Care team",
    ]
    assert breach.notify_by(date(2026, 12, 1)) == date(2027, 1, 30)
    assert breach.hhs_notice(1, date(2026, 12, 1)).startswith("1 person: log the breach")
    assert "within 60 days after the end of 2026" in breach.hhs_notice(3, date(2026, 12, 1))
    assert "with the letters, by 2027-01-30" in breach.hhs_notice(500, date(2026, 12, 1))
