"""Inquiry use cases on a real database: pipeline moves, conversion, scoping and audit."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.clients.schemas import ClientCreate
from stepdown.inquiries import rules, service
from stepdown.inquiries.models import Inquiry, InquiryStatusChange
from stepdown.inquiries.rules import CallerType, InquirySource, Substance, Urgency
from stepdown.inquiries.rules import InquiryStatus as S
from stepdown.inquiries.schemas import InquiryCreate, InquiryFilter, InquiryUpdate
from stepdown.inquiries.schemas import StatusChangeCreate as Move
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_inquiry, make_site, make_user

AT = datetime(2026, 12, 1, 15, tzinfo=UTC)


def _history(session: Session, inquiry: Inquiry) -> list[InquiryStatusChange]:
    return service.status_history(session, inquiry=inquiry)


def _audit(session: Session, inquiry: Inquiry) -> list[AuditEntry]:
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.entity_type == "inquiry", AuditEntry.entity_id == str(inquiry.id))
        .order_by(AuditEntry.seq)
    )
    return list(session.scalars(stmt))


def _clients(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Client)) or 0


def _scheduled(session: Session, **overrides: object) -> Inquiry:
    inquiry = make_inquiry(session, **overrides)
    service.move_status(
        session, actor=SYSTEM, inquiry_id=inquiry.id, change=Move(to_status=S.CONTACTED)
    )
    service.move_status(
        session,
        actor=SYSTEM,
        inquiry_id=inquiry.id,
        change=Move(to_status=S.ASSESSMENT_SCHEDULED, assessment_at=AT),
    )
    return inquiry


class TestCreate:
    def test_starts_new_with_one_history_row_and_an_audit_entry(self, session: Session) -> None:
        site = make_site(session)
        inquiry = make_inquiry(
            session,
            site=site,
            substances=["opioids", "alcohol", "opioids"],
            urgency="urgent",
        )
        assert inquiry.status is S.NEW
        assert inquiry.substances == ["alcohol", "opioids"]
        [first] = _history(session, inquiry)
        assert (first.seq, first.from_status, first.to_status) == (1, None, S.NEW)
        assert first.changed_at == inquiry.status_changed_at
        [entry] = _audit(session, inquiry)
        assert entry.action is AuditAction.CREATE
        assert entry.detail == {"source": "phone", "urgency": "urgent", "site_id": str(site.id)}

    def test_a_repeated_external_reference_is_refused(self, session: Session) -> None:
        make_inquiry(session, external_ref="WEB-1")
        with pytest.raises(Conflict) as refused:
            make_inquiry(session, external_ref="WEB-1")
        assert refused.value.field == "external_ref"

    def test_unknown_site_and_wrong_assignee_are_named(self, session: Session) -> None:
        with pytest.raises(Invalid) as refused:
            make_inquiry(session, site_id=uuid.uuid4())
        assert refused.value.field == "site_id"
        clinician = make_user(session, role=Role.CLINICIAN)
        with pytest.raises(Invalid) as refused:
            make_inquiry(session, assigned_to_id=clinician.id)
        assert refused.value.field == "assigned_to_id"

    def test_only_admissions_directors_and_admins_write(self, session: Session) -> None:
        site = make_site(session)
        manager = security_service.actor_for(make_user(session, role=Role.CASE_MANAGER, site=site))
        with pytest.raises(Forbidden):
            make_inquiry(session, site=site, actor=manager)


class TestSchema:
    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"first_name": " "}, "first_name"),
            ({"caller_type": "family"}, "caller_name"),
            ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
            ({"phone": "call me"}, "phone"),
            ({"phone": "12"}, "phone"),
            ({"email": "nobody"}, "email"),
            ({"substances": ["glue"]}, "substances"),
            ({"urgency": "whenever"}, "urgency"),
            ({"source": "web_form", "phone": "555 0100"}, "consent_to_contact"),
        ],
    )
    def test_problems_name_their_field(self, fields: dict[str, object], field: str) -> None:
        with pytest.raises(ValidationError) as refused:
            InquiryCreate.model_validate({"first_name": "Ari", **fields})
        assert refused.value.errors()[0]["loc"][0] == field

    def test_web_form_with_consent_keeps_contact_details(self) -> None:
        data = InquiryCreate(
            first_name="Ari",
            source=InquirySource.WEB_FORM,
            email="ari@example.org",
            consent_to_contact=True,
            caller_type=CallerType.FAMILY,
            caller_name="Bo",
            substances=[Substance.OTHER, Substance.ALCOHOL],
        )
        assert data.substances == [Substance.ALCOHOL, Substance.OTHER]
        assert data.urgency is Urgency.ROUTINE


class TestMove:
    def test_each_move_is_history_and_the_current_status(self, session: Session) -> None:
        inquiry = _scheduled(session)
        assert inquiry.status is S.ASSESSMENT_SCHEDULED
        assert inquiry.assessment_at == AT
        moves = [(h.from_status, h.to_status) for h in _history(session, inquiry)]
        assert moves == [(None, S.NEW), (S.NEW, S.CONTACTED), (S.CONTACTED, S.ASSESSMENT_SCHEDULED)]
        updates = [e.detail for e in _audit(session, inquiry) if e.action is AuditAction.UPDATE]
        assert updates[-1] == {"status": {"from": "contacted", "to": "assessment_scheduled"}}

    def test_rescheduling_clears_the_booking(self, session: Session) -> None:
        inquiry = _scheduled(session)
        service.move_status(
            session,
            actor=SYSTEM,
            inquiry_id=inquiry.id,
            change=Move(to_status=S.CONTACTED, reason="client is unwell"),
        )
        assert inquiry.status is S.CONTACTED
        assert inquiry.assessment_at is None
        assert _history(session, inquiry)[-1].reason == "client is unwell"

    def test_a_refused_move_changes_nothing(self, session: Session) -> None:
        inquiry = make_inquiry(session)
        before = (len(_history(session, inquiry)), len(_audit(session, inquiry)))
        with pytest.raises(Conflict) as refused:
            service.move_status(
                session,
                actor=SYSTEM,
                inquiry_id=inquiry.id,
                change=Move(to_status=S.ASSESSMENT_SCHEDULED, assessment_at=AT),
            )
        assert refused.value.rule == "inquiry.status_transition"
        assert "new cannot move to assessment scheduled" in refused.value.message
        session.expire_all()
        assert inquiry.status is S.NEW
        assert (len(_history(session, inquiry)), len(_audit(session, inquiry))) == before

    def test_a_move_missing_its_detail_names_the_field(self, session: Session) -> None:
        inquiry = make_inquiry(session)
        with pytest.raises(Invalid) as refused:
            service.move_status(
                session, actor=SYSTEM, inquiry_id=inquiry.id, change=Move(to_status=S.DECLINED)
            )
        assert refused.value.field == "reason"
        assert inquiry.status is S.NEW
        assert len(_history(session, inquiry)) == 1

    def test_admission_only_through_conversion(self, session: Session) -> None:
        inquiry = _scheduled(session)
        with pytest.raises(Conflict) as refused:
            service.move_status(
                session, actor=SYSTEM, inquiry_id=inquiry.id, change=Move(to_status=S.ADMITTED)
            )
        assert refused.value.rule == "inquiry.status_transition"

    def test_referred_out_keeps_the_partner(self, session: Session) -> None:
        inquiry = make_inquiry(session)
        service.move_status(
            session,
            actor=SYSTEM,
            inquiry_id=inquiry.id,
            change=Move(to_status=S.REFERRED_OUT, partner="Harbor Detox"),
        )
        last = _history(session, inquiry)[-1]
        assert (last.to_status, last.partner, last.changed_by_label) == (
            S.REFERRED_OUT,
            "Harbor Detox",
            "tests",
        )


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(list(S)), max_size=8))
def test_status_always_equals_the_last_history_row(session: Session, targets: list[S]) -> None:
    inquiry = make_inquiry(session)
    for target in targets:
        was = inquiry.status
        change = Move(to_status=target, assessment_at=AT, partner="P", reason="R")
        try:
            service.move_status(session, actor=SYSTEM, inquiry_id=inquiry.id, change=change)
        except Conflict:
            assert inquiry.status is was
        if was in rules.TERMINAL:
            assert inquiry.status is was
        session.expire_all()
        history = _history(session, inquiry)
        assert history[-1].to_status is inquiry.status
        assert [h.seq for h in history] == list(range(1, len(history) + 1))
        for before, after in itertools.pairwise(history):
            assert after.from_status is before.to_status


class TestConvert:
    def test_carries_the_inquiry_over_to_a_new_client(self, session: Session) -> None:
        site = make_site(session)
        inquiry = _scheduled(
            session,
            site=site,
            first_name="Rowan",
            last_name="Ashby",
            date_of_birth=date(1988, 4, 5),
            phone="555 0199",
            email="rowan@example.org",
            referral_source="primary care physician",
            contact_instructions="No voicemail; text first",
            preferred_contact_time="weekday evenings",
        )
        client = service.convert_to_client(session, actor=SYSTEM, inquiry_id=inquiry.id)
        assert (client.legal_first_name, client.legal_last_name) == ("Rowan", "Ashby")
        assert client.safe_contact_instructions == (
            "No voicemail; text first\nBest time to reach: weekday evenings"
        )
        assert client.date_of_birth == date(1988, 4, 5)
        assert (client.phone, client.email) == ("555 0199", "rowan@example.org")
        assert client.referral_source == "primary care physician"
        assert client.site_id == site.id
        assert client.record_number.startswith("C-")
        assert inquiry.client_id == client.id
        assert inquiry.status is S.ADMITTED
        assert _history(session, inquiry)[-1].to_status is S.ADMITTED
        last = _audit(session, inquiry)[-1]
        assert last.client_id == client.id
        assert last.detail["status"] == {"from": "assessment_scheduled", "to": "admitted"}
        created = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_type == "client", AuditEntry.client_id == client.id
            )
        ).all()
        assert [e.action for e in created] == [AuditAction.CREATE]

    def test_record_numbers_follow_the_highest_c_number(self, session: Session) -> None:
        site = make_site(session)
        data = ClientCreate(
            legal_first_name="Existing",
            legal_last_name="Client",
            date_of_birth=date(1980, 1, 1),
            site_id=site.id,
        )
        for number in ("C-000041", "C-000009", "DEMO-0001", "T-99999"):
            clients_service.register_client(session, actor=SYSTEM, data=data, record_number=number)
        inquiry = make_inquiry(session, site=site, date_of_birth=date(1990, 1, 1))
        service.move_status(
            session, actor=SYSTEM, inquiry_id=inquiry.id, change=Move(to_status=S.CONTACTED)
        )
        client = service.convert_to_client(session, actor=SYSTEM, inquiry_id=inquiry.id)
        assert client.record_number == "C-000042"

    @pytest.mark.parametrize(
        ("missing", "field"),
        [({"date_of_birth": None}, "date_of_birth"), ({"last_name": ""}, "last_name")],
    )
    def test_missing_facts_are_named_and_nothing_changes(
        self, session: Session, missing: dict[str, object], field: str
    ) -> None:
        site = make_site(session)
        inquiry = _scheduled(session, site=site, **{"date_of_birth": date(1990, 1, 1), **missing})
        clients = _clients(session)
        with pytest.raises(Invalid) as refused:
            service.convert_to_client(session, actor=SYSTEM, inquiry_id=inquiry.id)
        assert refused.value.field == field
        assert _clients(session) == clients
        assert inquiry.status is S.ASSESSMENT_SCHEDULED
        assert inquiry.client_id is None

    def test_a_site_is_needed(self, session: Session) -> None:
        inquiry = _scheduled(session, date_of_birth=date(1990, 1, 1))
        with pytest.raises(Invalid) as refused:
            service.convert_to_client(session, actor=SYSTEM, inquiry_id=inquiry.id)
        assert refused.value.field == "site_id"

    def test_a_new_inquiry_cannot_be_admitted(self, session: Session) -> None:
        inquiry = make_inquiry(session, site=make_site(session), date_of_birth=date(1990, 1, 1))
        clients = _clients(session)
        with pytest.raises(Conflict) as refused:
            service.convert_to_client(session, actor=SYSTEM, inquiry_id=inquiry.id)
        assert refused.value.rule == "inquiry.status_transition"
        assert _clients(session) == clients


class TestUpdate:
    def test_changes_only_what_was_sent_and_audits_field_names(self, session: Session) -> None:
        inquiry = make_inquiry(session, notes="first call")
        service.update_inquiry(
            session,
            actor=SYSTEM,
            inquiry_id=inquiry.id,
            changes=InquiryUpdate(date_of_birth=date(1970, 2, 3), urgency=Urgency.SOON),
        )
        assert inquiry.date_of_birth == date(1970, 2, 3)
        assert inquiry.notes == "first call"
        assert _audit(session, inquiry)[-1].detail == {"fields": ["date_of_birth", "urgency"]}

    def test_the_result_is_checked_as_a_whole(self, session: Session) -> None:
        inquiry = make_inquiry(session, phone="", source="web_form")
        with pytest.raises(Invalid) as refused:
            service.update_inquiry(
                session, actor=SYSTEM, inquiry_id=inquiry.id, changes=InquiryUpdate(phone="5550100")
            )
        assert refused.value.field == "consent_to_contact"
        assert inquiry.phone == ""

    def test_no_change_writes_no_audit_entry(self, session: Session) -> None:
        inquiry = make_inquiry(session)
        before = len(_audit(session, inquiry))
        service.update_inquiry(
            session,
            actor=SYSTEM,
            inquiry_id=inquiry.id,
            changes=InquiryUpdate(first_name=inquiry.first_name),
        )
        assert len(_audit(session, inquiry)) == before


class TestScope:
    def test_who_sees_which_inquiries(self, session: Session) -> None:
        home, other = make_site(session), make_site(session)
        at_home = make_inquiry(session, site=home)
        elsewhere = make_inquiry(session, site=other)
        nowhere = make_inquiry(session)
        everyone = {at_home.id, elsewhere.id, nowhere.id}
        expected = {
            Role.ADMISSIONS: {at_home.id, nowhere.id},
            Role.CLINICIAN: {at_home.id},
            Role.CASE_MANAGER: {at_home.id},
            Role.DIRECTOR: everyone,
            Role.ADMIN: everyone,
            Role.UTILIZATION_REVIEW: everyone,
            Role.CLIENT: set(),
        }
        for role, ids in expected.items():
            actor = security_service.actor_for(make_user(session, role=role, site=home))
            seen = service.list_inquiries(session, actor=actor, criteria=InquiryFilter())
            assert {i.id for i in seen} & everyone == ids, role

    def test_other_sites_inquiries_are_not_found_for_admissions(self, session: Session) -> None:
        inquiry = make_inquiry(session, site=make_site(session))
        actor = security_service.actor_for(
            make_user(session, role=Role.ADMISSIONS, site=make_site(session))
        )
        with pytest.raises(NotFound):
            service.get_inquiry(session, actor=actor, inquiry_id=inquiry.id)
        with pytest.raises(NotFound):
            service.move_status(
                session, actor=actor, inquiry_id=inquiry.id, change=Move(to_status=S.CONTACTED)
            )

    def test_case_managers_read_but_may_not_move(self, session: Session) -> None:
        site = make_site(session)
        inquiry = make_inquiry(session, site=site)
        actor = security_service.actor_for(make_user(session, role=Role.CASE_MANAGER, site=site))
        assert service.get_inquiry(session, actor=actor, inquiry_id=inquiry.id) is inquiry
        with pytest.raises(Forbidden):
            service.move_status(
                session, actor=actor, inquiry_id=inquiry.id, change=Move(to_status=S.CONTACTED)
            )
        assert inquiry.status is S.NEW


class TestReads:
    def test_reading_one_inquiry_is_audited(self, session: Session) -> None:
        inquiry = make_inquiry(session)
        service.get_inquiry(session, actor=SYSTEM, inquiry_id=inquiry.id)
        assert _audit(session, inquiry)[-1].action is AuditAction.READ

    def test_board_columns_counts_and_reads(self, session: Session) -> None:
        site = make_site(session)
        urgent = make_inquiry(session, site=site, urgency="urgent")
        routine = make_inquiry(session, site=site)
        scheduled = _scheduled(session, site=site)
        lost = make_inquiry(session, site=site)
        service.move_status(
            session,
            actor=SYSTEM,
            inquiry_id=lost.id,
            change=Move(to_status=S.LOST, reason="no answer"),
        )
        make_inquiry(session, site=make_site(session))
        board = service.list_board(session, actor=SYSTEM, site_id=site.id)
        columns = {c.status: [i.id for i in c.inquiries] for c in board.columns}
        assert columns == {
            S.NEW: [urgent.id, routine.id],
            S.CONTACTED: [],
            S.ASSESSMENT_SCHEDULED: [scheduled.id],
        }
        assert board.outcomes == {S.ADMITTED: 0, S.REFERRED_OUT: 0, S.DECLINED: 0, S.LOST: 1}
        for shown in (urgent, routine, scheduled):
            assert _audit(session, shown)[-1].action is AuditAction.READ
        assert _audit(session, lost)[-1].action is AuditAction.UPDATE
        only_urgent = service.list_board(
            session, actor=SYSTEM, site_id=site.id, urgency=Urgency.URGENT
        )
        assert [i.id for i in only_urgent.columns[0].inquiries] == [urgent.id]
