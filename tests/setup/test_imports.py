"""The import service on both databases: a preview that names every refusal, and an import
that creates everything (audited like a record made by hand) or nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.clients.models import Client
from stepdown.continuum.models import Episode, EpisodeStatus, Segment, Track
from stepdown.kit.clock import today
from stepdown.kit.errors import Forbidden
from stepdown.programs.models import Site
from stepdown.security import accounts, passwords
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from stepdown.setup import import_files, imports
from stepdown.setup.import_rules import Kind, Sheet
from tests.factories import SYSTEM, make_client, make_episode, make_site, make_user

CLIENT_HEADER = (
    "record_number,first_name,last_name,date_of_birth,phone,site,level,track,admission_date,"
    "primary_clinician"
)


def _sheet(*lines: str, header: str = CLIENT_HEADER) -> Sheet:
    return import_files.decode("\n".join([header, *lines]).encode(), filename="import.csv")


def _clients(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Client)) or 0


def _ago(days: int) -> str:
    return (today() - timedelta(days=days)).isoformat()


@pytest.fixture
def site(session: Session) -> Site:
    return make_site(session, code="NORTH", name="North clinic")


class TestClients:
    def test_an_accepted_file_creates_clients_and_their_episodes(
        self, session: Session, site: Site
    ) -> None:
        clinician = make_user(session, role=Role.CLINICIAN, username="dr.lee")
        sheet = _sheet(
            f",Ana,Diaz,1988-03-04,555-010-2345,north,IOP,evening,{_ago(20)},DR.LEE",
            "OLD-77,Bo,Park,1990-01-02,,North clinic,,,,",
        )
        before = _clients(session)

        preview = imports.preview(session, actor=SYSTEM, kind=Kind.CLIENTS, rows=sheet)
        assert preview.refused == ()
        assert [(p.row, p.record) for p in preview.accepted] == [(2, "next number"), (3, "OLD-77")]
        assert "IOP (evening)" in preview.accepted[0].detail
        assert _clients(session) == before  # a preview writes nothing

        result = imports.apply(session, actor=SYSTEM, kind=Kind.CLIENTS, rows=sheet)
        assert _clients(session) == before + 2
        ana, bo = (item.client for item in result.clients)
        assert ana.record_number.startswith("C-")
        assert ana.primary_clinician_id == clinician.id
        assert ana.site_id == site.id
        assert bo.record_number == "OLD-77"
        assert result.clients[1].episode is None
        episode = result.clients[0].episode
        assert episode is not None
        assert episode.status is EpisodeStatus.ACTIVE
        assert episode.admitted_on == today() - timedelta(days=20)
        segment = session.scalars(select(Segment).where(Segment.episode_id == episode.id)).one()
        assert segment.track is Track.EVENING
        created = {
            (e.entity_type, e.entity_id)
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.action == AuditAction.CREATE)
            )
        }
        assert {("client", str(ana.id)), ("client", str(bo.id))} <= created
        assert ("episode", str(episode.id)) in created
        assert ("import", "clients") in created

    def test_one_bad_row_writes_nothing(self, session: Session, site: Site) -> None:
        sheet = _sheet(
            "A-1,Ana,Diaz,1988-03-04,,NORTH,,,,",
            "A-2,Bo,Park,2999-01-02,,NORTH,,,,",
        )
        before = _clients(session)
        with pytest.raises(imports.ImportRefused) as refused:
            imports.apply(session, actor=SYSTEM, kind=Kind.CLIENTS, rows=sheet)
        assert [(r.row, r.field) for r in refused.value.preview.refused] == [(3, "date_of_birth")]
        assert refused.value.status_code == 409
        assert _clients(session) == before
        assert session.scalar(select(Client).where(Client.record_number == "A-1")) is None

    def test_a_likely_duplicate_of_a_client_on_file_is_refused_with_their_record(
        self, session: Session, site: Site
    ) -> None:
        on_file = make_client(
            session,
            site=site,
            legal_first_name="José",
            legal_last_name="García",
            date_of_birth=date(1979, 5, 6),
            phone="(555) 222-3333",
        )
        sheet = _sheet(
            ",jose,GARCIA,05/06/1979,,NORTH,,,,",
            ",Pepe,Other,1979-05-06,+1 555 222 3333,NORTH,,,,",
            ",José,García,1979-05-07,,NORTH,,,,",
            ",Jose,Garcia,1979-06-05,,NORTH,,,,",
            ",Josie,Garcias,1979-05-06,,NORTH,,,,",
        )
        preview = imports.preview(session, actor=SYSTEM, kind=Kind.CLIENTS, rows=sheet)
        assert [(r.row, r.field) for r in preview.refused] == [
            (2, "date_of_birth"),
            (3, "date_of_birth"),
            (5, "date_of_birth"),  # day and month swapped
            (6, "date_of_birth"),  # a spelling variant
        ]
        for refusal in preview.refused:
            assert on_file.record_number in refusal.reason
        assert "same phone and date of birth" in preview.refused[1].reason
        assert [p.row for p in preview.accepted] == [4]  # born another day: someone else
        reads = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == AuditAction.READ, AuditEntry.client_id == on_file.id
            )
        ).all()
        assert reads  # the preview names the record: an audited read

    def test_references_that_do_not_resolve_are_refused(self, session: Session, site: Site) -> None:
        make_site(session, code="OLD", name="Old clinic", closed_on=today() - timedelta(days=1))
        make_user(session, role=Role.CASE_MANAGER, username="cm.one")
        taken = make_client(session, site=site).record_number
        sheet = _sheet(
            ",A,One,1980-01-01,,SOUTH,,,,",
            ",B,Two,1980-01-01,,OLD,,,,",
            f",C,Three,1980-01-01,,NORTH,WARP,,{_ago(3)},",
            f",D,Four,1980-01-01,,NORTH,DETOX,,{_ago(3)},",
            f",E,Five,1980-01-01,,NORTH,IOP,,{_ago(3)},",
            ",F,Six,1980-01-01,,NORTH,,,,cm.one",
            f"{taken.lower()},G,Seven,1980-01-01,,NORTH,,,,",
        )
        preview = imports.preview(session, actor=SYSTEM, kind=Kind.CLIENTS, rows=sheet)
        assert [(r.row, r.field) for r in preview.refused] == [
            (2, "site"),
            (3, "site"),
            (4, "level"),
            (5, "level"),
            (6, "track"),
            (7, "primary_clinician"),
            (8, "record_number"),
        ]
        reasons = " | ".join(r.reason for r in preview.refused)
        assert "no site has the code or name 'SOUTH'" in reasons
        assert "site OLD is closed" in reasons
        assert "partner providers" in reasons  # detox is referred out, not admitted here
        assert "runs day or evening: say which" in reasons
        assert preview.accepted == ()

    def test_record_numbers_brought_and_made_never_collide(
        self, session: Session, site: Site
    ) -> None:
        make_client(session, site=site)  # whatever numbers are on file
        highest = session.scalar(
            select(Client.record_number)
            .where(Client.record_number.like("C-%"))
            .order_by(Client.record_number.desc())
        )
        following = int(highest[2:]) + 1 if highest else 1
        sheet = _sheet(
            ",Ana,Diaz,1988-03-04,,NORTH,,,,",
            f"C-{following:06d},Bo,Park,1990-01-02,,NORTH,,,,",
        )
        result = imports.apply(session, actor=SYSTEM, kind=Kind.CLIENTS, rows=sheet)
        numbers = [item.client.record_number for item in result.clients]
        assert numbers == [f"C-{following + 1:06d}", f"C-{following:06d}"]


class TestStaff:
    HEADER = "username,display_name,role,email,site,supervisor"

    def test_accounts_are_created_with_passwords_shown_once_and_supervisors(
        self, session: Session, site: Site
    ) -> None:
        director = make_user(session, role=Role.DIRECTOR, username="the.director")
        sheet = _sheet(
            "amy,Amy Chen,Clinician,amy@example.org,NORTH,bob",
            "bob,Bob Ray,case manager,,,the.director",
            header=self.HEADER,
        )
        result = imports.apply(session, actor=SYSTEM, kind=Kind.STAFF, rows=sheet)
        (amy, amy_password), (bob, _) = result.accounts
        assert amy.role is Role.CLINICIAN
        assert amy.site_id == site.id
        assert bob.role is Role.CASE_MANAGER
        assert passwords.verify_password(amy.password_hash, amy_password)
        assert accounts.supervisor_of(session, amy.id) == bob.id
        assert accounts.supervisor_of(session, bob.id) == director.id

    def test_a_taken_username_and_an_unknown_supervisor_are_refused(
        self, session: Session, site: Site
    ) -> None:
        make_user(session, role=Role.CLINICIAN, username="amy")
        sheet = _sheet(
            "amy,Amy Chen,Clinician,,,",
            "cal,Cal,Clinician,,,nobody",
            header=self.HEADER,
        )
        preview = imports.preview(session, actor=SYSTEM, kind=Kind.STAFF, rows=sheet)
        assert [(r.row, r.field) for r in preview.refused] == [(2, "username"), (3, "supervisor")]

    def test_only_an_administrator_imports_accounts(self, session: Session) -> None:
        director = make_user(session, role=Role.DIRECTOR)
        sheet = _sheet("amy,Amy,Clinician,,,", header=self.HEADER)
        with pytest.raises(Forbidden):
            imports.preview(
                session,
                actor=security_service.actor_for(director),
                kind=Kind.STAFF,
                rows=sheet,
            )

    def test_a_clinician_imports_nothing(self, session: Session, site: Site) -> None:
        clinician = make_user(session, role=Role.CLINICIAN)
        actor = Actor(user_id=clinician.id, role=Role.CLINICIAN, username=clinician.username)
        with pytest.raises(Forbidden):
            imports.preview(
                session,
                actor=actor,
                kind=Kind.CLIENTS,
                rows=_sheet(",A,B,1980-01-01,,NORTH,,,,"),
            )


class TestEpisodes:
    HEADER = "record_number,level,track,admission_date"

    def test_open_episodes_for_clients_on_file(self, session: Session, site: Site) -> None:
        waiting = make_client(session, site=site)
        in_care = make_client(session, site=site)
        make_episode(session, client=in_care)
        sheet = _sheet(
            f"{waiting.record_number.lower()},PHP,,{_ago(10)}",
            f"{in_care.record_number},PHP,,{_ago(10)}",
            f"NOPE-1,PHP,,{_ago(10)}",
            header=self.HEADER,
        )
        preview = imports.preview(session, actor=SYSTEM, kind=Kind.EPISODES, rows=sheet)
        assert [(r.row, r.field) for r in preview.refused] == [
            (3, "record_number"),
            (4, "record_number"),
        ]
        assert "open episode" in preview.refused[0].reason
        with pytest.raises(imports.ImportRefused):
            imports.apply(session, actor=SYSTEM, kind=Kind.EPISODES, rows=sheet)

        accepted = _sheet(f"{waiting.record_number},PHP,,{_ago(10)}", header=self.HEADER)
        result = imports.apply(session, actor=SYSTEM, kind=Kind.EPISODES, rows=accepted)
        episode = result.clients[0].episode
        assert episode is not None
        assert session.get(Episode, episode.id) is not None
        assert episode.client_id == waiting.id
        assert episode.admitted_on == today() - timedelta(days=10)
