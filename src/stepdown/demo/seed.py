"""Seed the synthetic demo program: 2 sites, rooms, 10 staff (and an intern the clinical
notes add), 60 clients with care histories and their records (diagnoses, intakes, progress
notes, case management, discharge summaries, scanned documents), 12 inquiries across the
admissions pipeline, a client portal account, and 240 discharged episodes over the 18 months
before (``demo.archive``: attendance, tests, scores, check-ins, follow-ups, authorizations)
for the outcome charts.

Idempotent: everything is keyed by a stable code, so a second run adds nothing. Demo
passwords are derived from this installation's secret key (never a constant in code), so
`stepdown demo seed` can print them again at any time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.aftercare.demo import seed_demo_aftercare
from stepdown.alumni.demo import seed_demo_alumni
from stepdown.attendance.demo import seed_demo_attendance
from stepdown.authorizations.demo import seed_demo_authorizations
from stepdown.billing.demo import seed_demo_billing
from stepdown.calendar.demo import seed_demo_calendar
from stepdown.case_management.demo import seed_demo_case_management
from stepdown.checkins.demo import seed_demo_checkins
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.clients.schemas import ClientCreate
from stepdown.clinical_notes.demo import INTERN, seed_demo_clinical_notes
from stepdown.consents.demo import demo_guardian, seed_demo_consents
from stepdown.coverage.demo import seed_demo_coverage
from stepdown.demo.archive import seed_past_episodes
from stepdown.demo.histories import seed_histories
from stepdown.demo.names import FIRST_NAMES, GENDERS, LAST_NAMES, REFERRAL_SOURCES
from stepdown.demo.routine import seed_demo_routine
from stepdown.diagnoses.demo import seed_demo_diagnoses
from stepdown.discharge_summaries.demo import seed_demo_discharge_summaries
from stepdown.documents.demo import seed_demo_documents
from stepdown.documents.storage import DocumentStorage
from stepdown.drug_testing.demo import demo_testing_clients, seed_demo_drug_tests
from stepdown.group_notes.demo import seed_demo_group_notes
from stepdown.inquiries.demo import seed_demo_inquiries
from stepdown.intake.demo import seed_demo_intake
from stepdown.kit.clock import today
from stepdown.medications.demo import seed_demo_medications
from stepdown.programs import service as programs_service
from stepdown.programs.demo import seed_program_setup
from stepdown.programs.models import Room, Site
from stepdown.safety.demo import seed_demo_safety
from stepdown.security import repository as security_repository
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from stepdown.settings import Settings
from stepdown.transitions.demo import seed_demo_reviews
from stepdown.treatment_plans.demo import seed_demo_treatment_plans

CLIENT_COUNT = 60
# The discharged episodes before them (demo.archive): enough for every outcome chart's shape.
HISTORY_MONTHS, HISTORY_EPISODES = 18, 240
SITES = (
    (
        "S1",
        "Riverside Recovery Center (demo)",
        "12 Example Avenue, Springfield",
        "555-0100",
        (
            ("R1", "Maple room", 14),
            ("R2", "Birch room", 10),
            ("R3", "Cedar room", 14),
            ("R4", "Willow room", 12),
        ),
    ),
    (
        "S2",
        "Harbor Street Clinic (demo)",
        "48 Sample Street, Shelbyville",
        "555-0200",
        (("R1", "Lighthouse room", 12), ("R2", "Dock room", 10), ("R3", "Bay room", 14)),
    ),
)
# username, display name, role, site code
STAFF = (
    ("admin", "Avery Adminson (demo)", Role.ADMIN, None),
    ("director", "Dana Directorly (demo)", Role.DIRECTOR, None),
    ("clinician", "Casey Cliniford (demo)", Role.CLINICIAN, "S1"),
    ("clinician2", "Robin Therapton (demo)", Role.CLINICIAN, "S1"),
    ("clinician3", "Morgan Counselle (demo)", Role.CLINICIAN, "S2"),
    ("clinician4", "Jordan Healwell (demo)", Role.CLINICIAN, "S2"),
    ("casemanager", "Quinn Casewright (demo)", Role.CASE_MANAGER, "S1"),
    ("casemanager2", "Riley Supportson (demo)", Role.CASE_MANAGER, "S2"),
    ("admissions", "Sky Intaker (demo)", Role.ADMISSIONS, "S1"),
    ("review", "Taylor Reviewson (demo)", Role.UTILIZATION_REVIEW, None),
    ("billing", "Casey Ledger (demo)", Role.BILLING, None),
)
CLIENT_USERNAME = "client"
# A demo adolescent's parent with the guardian portal (consents.demo.demo_guardian).
GUARDIAN_USERNAME = "guardian"
OUTBOX = "outbox"  # under var_dir
DEMO_SENDER = "reminders@example.org"  # RFC 2606: a domain that is never anyone's


@dataclass(frozen=True)
class SignIn:
    role: Role
    username: str
    password: str


def demo_password(secret_key: str, username: str) -> str:
    """A strong password unique to this installation and user, reproducible from the key."""
    mac = hmac.new(secret_key.encode(), f"stepdown-demo:{username}".encode(), hashlib.sha256)
    return base64.b32encode(mac.digest()).decode()[:20].lower()


def _sites(session: Session) -> dict[str, Site]:
    sites: dict[str, Site] = {}
    for code, name, address, phone, rooms in SITES:
        site = session.scalar(select(Site).where(Site.code == code))
        if site is None:
            site = Site(code=code, name=name, address=address, phone=phone, is_synthetic=True)
            session.add(site)
            session.flush()
            for room_code, room_name, capacity in rooms:
                session.add(
                    Room(site_id=site.id, code=room_code, name=room_name, capacity=capacity)
                )
        sites[code] = site
    session.flush()
    return sites


def _user(
    session: Session,
    actor: Actor,
    secret_key: str,
    *,
    username: str,
    name: str,
    role: Role,
    site: Site | None,
) -> User:
    existing = security_repository.user_by_username(session, username)
    if existing is not None:
        return existing
    return security_service.create_user(
        session,
        actor=actor,
        username=username,
        display_name=name,
        role=role,
        password=demo_password(secret_key, username),
        email=f"{username}@example.org",
        site_id=site.id if site else None,
        is_synthetic=True,
    )


def _client_data(rng: random.Random, index: int, site: Site, clinician: User) -> ClientCreate:
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index * 7) % len(LAST_NAMES)]
    sex, gender, pronouns = GENDERS[index % len(GENDERS)]
    # A few adolescents (16-17) so adolescent rules have someone to apply to.
    age = 16 + index % 2 if index % 15 == 14 else rng.randint(19, 66)
    birthday = date(2026, 11, 23) - timedelta(days=age * 365 + rng.randint(0, 364))
    return ClientCreate(
        legal_first_name=first,
        legal_last_name=last,
        preferred_name=FIRST_NAMES[(index + 11) % len(FIRST_NAMES)] if index % 9 == 0 else "",
        date_of_birth=birthday,
        sex_assigned_at_birth=sex,
        gender_identity=gender,
        pronouns=pronouns,
        phone=f"555-01{index % 100:02d}",
        email=f"{first.lower()}.{last.lower()}@example.org",
        # A full US address (state and ZIP), as a claim needs it (billing holds a line
        # whose address has none). 62701 is a real ZIP of Springfield, IL; the street is not.
        address=f"{100 + index} Example Street, {site.address.rsplit(', ', 1)[-1]}, IL 62701",
        emergency_contact_name=f"{FIRST_NAMES[(index + 5) % len(FIRST_NAMES)]} {last}",
        emergency_contact_phone=f"555-02{index % 100:02d}",
        emergency_contact_relationship=rng.choice(("parent", "partner", "sibling", "friend")),
        referral_source=rng.choice(REFERRAL_SOURCES),
        site_id=site.id,
        primary_clinician_id=clinician.id,
    )


def demo_mail_settings(settings: Settings) -> Settings:
    """The settings the demo's aftercare run sends reminders with. The demo has no mail
    server, so unless one is configured its reminders are written to the outbox
    (``mail_outbox``, else ``<var_dir>/outbox``), from ``smtp_from`` or a made-up sender:
    the demo then shows what a client would receive. Only ``stepdown demo seed`` uses this;
    the configured settings are unchanged, so an install without mail still sends nothing."""
    if settings.smtp_host:
        return settings
    return settings.model_copy(
        update={
            "mail_outbox": settings.mail_outbox or settings.var_dir / OUTBOX,
            "smtp_from": settings.smtp_from or DEMO_SENDER,
        }
    )


DEMO_PROGRAM = ("Riverside Recovery (synthetic demo)", "555-0100", "12 Example Avenue\nSpringfield")


def seed(
    session: Session,
    *,
    actor: Actor,
    secret_key: str,
    documents: DocumentStorage,
    time_zone: str = "America/New_York",
    history: bool = True,
) -> list[SignIn]:
    """Create whatever of the demo program is missing; return one sign-in per role. The
    demo's scanned papers are filed into ``documents``, the store the app reads. Without
    ``history`` the 18 months of discharged episodes are left out (a smaller program for
    checks that do not read outcomes)."""
    if programs_service.program(session) is None:
        name, phone, address = DEMO_PROGRAM
        programs_service.create_program(
            session,
            actor=actor,
            name=name,
            time_zone=time_zone,
            phone=phone,
            address=address,
            is_synthetic=True,
        )
    sites = _sites(session)
    staff = {
        username: _user(
            session,
            actor,
            secret_key,
            username=username,
            name=name,
            role=role,
            site=sites[code] if code else None,
        )
        for username, name, role, code in STAFF
    }
    clinicians = {
        code: [u for u in staff.values() if u.role is Role.CLINICIAN and u.site_id == site.id]
        for code, site in sites.items()
    }
    rng = random.Random(2026)  # noqa: S311 - reproducible synthetic data, not security
    existing = set(session.scalars(select(Client.record_number)))
    for index in range(CLIENT_COUNT):
        code = "S1" if index % 5 < 3 else "S2"
        clinician = clinicians[code][index % len(clinicians[code])]
        data = _client_data(rng, index, sites[code], clinician)
        record_number = f"DEMO-{index + 1:04d}"
        if record_number not in existing:
            clients_service.register_client(
                session, actor=actor, data=data, record_number=record_number, is_synthetic=True
            )
    demo_clients = list(
        session.scalars(
            select(Client).where(Client.record_number.like("DEMO-%")).order_by(Client.record_number)
        )
    )
    seed_histories(session, actor=actor, clients=demo_clients)
    testing_clients = demo_testing_clients(session, clients=demo_clients)
    seed_demo_medications(session, actor=actor, clients=testing_clients)
    seed_demo_drug_tests(session, clients=testing_clients)
    seed_demo_inquiries(session, actor=actor, sites=sites)
    first_client = session.scalar(select(Client).where(Client.record_number == "DEMO-0001"))
    assert first_client is not None
    portal = _user(
        session,
        actor,
        secret_key,
        username=CLIENT_USERNAME,
        name=f"{first_client.display_name} (demo client)",
        role=Role.CLIENT,
        site=sites["S1"],
    )
    if first_client.portal_user_id is None:
        clients_service.link_portal_account(
            session, actor=actor, client=first_client, user_id=portal.id
        )
    seed_program_setup(session, actor=actor, sites=sites)
    seed_demo_calendar(session, actor=actor, today=today())
    seed_demo_attendance(session, actor=actor, today=today())
    seed_demo_treatment_plans(session, actor=actor, clients=demo_clients)
    seed_demo_group_notes(session, actor=actor, today=today())
    seed_demo_checkins(session, actor=actor, clients=demo_clients, today=today())
    seed_demo_aftercare(session, actor=actor, clients=demo_clients, today=today())
    seed_demo_alumni(session, actor=actor, clients=demo_clients, sites=sites, today=today())
    seed_demo_safety(session, actor=actor, clients=demo_clients, today=today())
    seed_demo_routine(session, actor=actor, clients=demo_clients, today=today())
    seed_demo_diagnoses(session, actor=actor, clients=demo_clients, today=today())
    seed_demo_intake(session, actor=actor, clients=demo_clients)
    seed_demo_clinical_notes(
        session,
        actor=actor,
        password=lambda username: demo_password(secret_key, username),
        today=today(),
    )
    seed_demo_case_management(session, actor=actor, clients=demo_clients, today=today())
    seed_demo_discharge_summaries(session, actor=actor, clients=demo_clients)
    seed_demo_documents(session, documents, actor=actor, clients=demo_clients, today=today())
    seed_demo_coverage(session, actor=actor, clients=demo_clients, today=today())
    seed_demo_consents(session, actor=actor, clients=demo_clients, today=today())
    guardian_contact = demo_guardian(session)
    if guardian_contact is not None and guardian_contact.portal_user_id is None:
        guardian_contact.portal_user_id = _user(
            session,
            actor,
            secret_key,
            username=GUARDIAN_USERNAME,
            name=guardian_contact.name,
            role=Role.GUARDIAN,
            site=None,
        ).id
    seed_demo_authorizations(session, actor=actor, clients=demo_clients, today=today())
    # The review reads everything seeded above.
    seed_demo_reviews(session, actor=actor, clients=demo_clients, today=today())
    # Billing reads the attendance, notes, tests, coverages, consents and authorizations above.
    seed_demo_billing(session, actor=actor, today=today())
    if history:  # eighteen months of discharged episodes, so every outcome chart has a shape
        seed_past_episodes(session, today=today(), months=HISTORY_MONTHS, episodes=HISTORY_EPISODES)
    first_of_role: dict[Role, str] = {}
    for username, _, role, _ in STAFF:
        first_of_role.setdefault(role, username)
    first_of_role[Role.CLIENT] = CLIENT_USERNAME
    if security_repository.user_by_username(session, GUARDIAN_USERNAME) is not None:
        first_of_role[Role.GUARDIAN] = GUARDIAN_USERNAME
    sign_ins = [
        SignIn(role, username, demo_password(secret_key, username))
        for role, username in first_of_role.items()
    ]
    # The supervised intern too: their notes show the co-signature queue from both sides.
    if security_repository.user_by_username(session, INTERN) is not None:
        sign_ins.insert(3, SignIn(Role.CLINICIAN, INTERN, demo_password(secret_key, INTERN)))
    return sign_ins
