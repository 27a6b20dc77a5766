"""Discharge summaries against a real database: pre-filled from the record, frozen at
signing, addenda, co-signature, the reminder, who reads what, and the audit trail."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.case_management import service as case_management_service
from stepdown.case_management.models import Referral, ReferralStatus
from stepdown.case_management.schemas import ReferralChangeInput
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import DischargeType, EpisodeStatus, Track
from stepdown.diagnoses import service as diagnoses_service
from stepdown.discharge_summaries import rules, service
from stepdown.discharge_summaries.models import (
    DischargeSummary,
    DischargeSummaryAddendum,
    SummaryKind,
    SummaryStatus,
)
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.medications import service as medications_service
from stepdown.medications.schemas import MedicationCreate
from stepdown.security import service as security_service
from stepdown.security import signing
from stepdown.security.actor import Actor
from stepdown.security.models import Signature, SignatureMeaning
from stepdown.security.roles import Role
from tests.discharge_summaries.factories import (
    REASON,
    WORDS,
    Stay,
    make_partner,
    make_stay,
    supervise,
    write_and_sign,
)
from tests.factories import PASSWORD, SYSTEM, make_appointment, make_client, make_user


def _actor(session: Session, stay: Stay, role: Role) -> Actor:
    return security_service.actor_for(make_user(session, role=role, site=stay.site))


def _signatures(session: Session, summary: DischargeSummary) -> list[Signature]:
    return signing.signatures_of(session, service.ENTITY, summary.id)


class TestPrefill:
    def test_the_facts_of_a_discharge_come_from_the_record(self, session: Session) -> None:
        stay = make_stay(session)
        found = service.preview(
            session, actor=stay.actor, episode_id=stay.episode.id, segment_id=None
        )
        facts = found.facts
        assert found.kind is SummaryKind.DISCHARGE
        assert found.narrative.reason == REASON  # from the note typed with the discharge
        assert (facts.admitted_on, facts.last_day, facts.event_on) == (
            stay.admitted,
            today(),
            today(),
        )
        assert facts.disposition == "Discharged (completed)"
        assert [(s.code, s.track, s.first_day, s.last_day) for s in facts.levels] == [
            ("IOP", "evening", stay.admitted, today() - timedelta(days=21)),
            ("OP", "evening", today() - timedelta(days=20), today()),
        ]
        counts = {c.kind: (c.attended, c.excused, c.unexcused, c.minutes) for c in facts.sessions}
        assert counts == {
            "group": (1, 0, 1, 90),
            "individual": (1, 0, 0, 50),
            "family": (0, 1, 0, 0),
        }
        assert (facts.testing.ordered, facts.testing.refused) == (1, 1)
        assert [(d.code, d.rank, d.specifiers) for d in facts.diagnoses] == [
            ("F10.20", "principal", "moderate"),
            ("F41.1", "secondary", ""),
        ]
        assert facts.plan_version == 1
        assert [g.goal for g in facts.goals] == ["I want to stay sober for my kids"]
        (objective,) = facts.goals[0].objectives
        assert objective.status == "not_started"
        # The stopped medication is not one taken at discharge.
        assert [(m.name, m.is_mat) for m in facts.medications] == [("Naltrexone 50 mg", True)]
        assert [(r.kind, r.organization, r.status) for r in facts.referrals] == [
            ("Housing", "Harbor House (test)", "Accepted")
        ]
        assert facts.aftercare_status == "draft"
        assert "Dana Whitfield, LMHC (synthetic); Tuesdays" in {a.value for a in facts.aftercare}

    def test_a_referral_out_is_summarised_up_to_the_day_before(self, session: Session) -> None:
        stay = make_stay(session, referral=True)
        assert stay.referral is not None
        found = service.preview(
            session, actor=stay.actor, episode_id=stay.episode.id, segment_id=stay.referral.id
        )
        facts = found.facts
        assert found.kind is SummaryKind.REFERRAL_OUT
        assert found.narrative.reason == stay.referral.reason
        assert facts.last_day == today() - timedelta(days=1)
        assert facts.partner is not None
        assert facts.partner.phone == "555-0300"
        assert facts.disposition.startswith("Referred out to Detox")
        assert facts.levels[-1].code == "OP"
        assert facts.levels[-1].last_day == today() - timedelta(days=1)
        assert facts.aftercare == ()
        assert rules.Section.AFTERCARE not in found.sections

    def test_each_referral_out_then_the_discharge_has_its_own(self, session: Session) -> None:
        stay = make_stay(session, referral=True, referred_ago=5)
        assert stay.referral is not None
        referral = write_and_sign(session, stay)
        continuum_service.return_from_referral(
            session,
            actor=SYSTEM,
            episode_id=stay.episode.id,
            level_code="OP",
            track=Track.EVENING,
            on=today() - timedelta(days=2),
            reason="Back from detox.",
        )
        continuum_service.discharge(
            session,
            actor=SYSTEM,
            episode_id=stay.episode.id,
            discharge_type=DischargeType.LEFT_AGAINST_ADVICE,
            on=today(),
            summary="Stopped coming.",
        )
        discharge = service.create_draft(session, actor=stay.actor, episode_id=stay.episode.id)
        assert discharge.reason == "Stopped coming."
        rows = service.episode_events(session, actor=stay.actor, episode_id=stay.episode.id)
        assert [(r.kind, r.summary.id if r.summary else None) for r in rows] == [
            (SummaryKind.REFERRAL_OUT, referral.id),
            (SummaryKind.DISCHARGE, discharge.id),
        ]
        view = service.get_summary(session, actor=stay.actor, summary_id=discharge.id)
        assert [s.code for s in view.facts.levels] == ["IOP", "OP", "DETOX", "OP"]
        assert view.facts.levels[2].partner.startswith("Hillcrest Detox")

    def test_a_referral_at_admission_and_an_open_episode_ask_for_none(
        self, session: Session
    ) -> None:
        stay = make_stay(session)
        other = make_client(session, site=stay.site, clinician=stay.clinician)
        episode = continuum_service.admit_referred_out(
            session,
            actor=SYSTEM,
            client_id=other.id,
            partner_id=make_partner(session).id,
            on=today(),
            reason="Detox before IOP.",
        )
        (segment,) = continuum_service.segments_for(session, [episode])[episode.id]
        for segment_id in (segment.id, None):
            with pytest.raises(Invalid) as excinfo:
                service.create_draft(
                    session, actor=stay.actor, episode_id=episode.id, segment_id=segment_id
                )
            assert excinfo.value.field == "segment_id"
        assert service.episode_events(session, actor=stay.actor, episode_id=episode.id) == []


class TestSigning:
    def test_signing_stores_the_facts_and_a_later_chart_change_leaves_them(
        self, session: Session
    ) -> None:
        stay = make_stay(session)
        summary = write_and_sign(session, stay)
        assert summary.status is SummaryStatus.SIGNED
        assert summary.signed_by == stay.clinician.id
        signed = service.get_summary(session, actor=stay.actor, summary_id=summary.id).facts
        # The chart changes afterwards: a new medication, a diagnosis, the referral closes.
        medications_service.add_medication(
            session,
            actor=stay.actor,
            client_id=stay.person.id,
            data=MedicationCreate(
                name="Acamprosate 333 mg", prescriber="Dr. Later", starts_on=stay.day(30)
            ),
        )
        diagnoses_service.add_diagnosis(
            session,
            actor=SYSTEM,
            client_id=stay.person.id,
            code="F43.10",
            diagnosed_on=stay.day(20),
            diagnosed_by_id=stay.clinician.id,
            episode_id=stay.episode.id,
        )
        referral = session.scalars(
            select(Referral).where(Referral.client_id == stay.person.id)
        ).one()
        case_management_service.change_referral(
            session,
            actor=SYSTEM,
            referral_id=referral.id,
            data=ReferralChangeInput(status=ReferralStatus.COMPLETED, on=stay.day(20)),
            today=today(),
        )
        live = service.preview(
            session, actor=stay.actor, episode_id=stay.episode.id, segment_id=None
        ).facts
        assert {m.name for m in live.medications} == {"Naltrexone 50 mg", "Acamprosate 333 mg"}
        assert live.referrals[0].status == "Completed"
        assert "F43.10" in {d.code for d in live.diagnoses}
        view = service.get_summary(session, actor=stay.actor, summary_id=summary.id)
        assert view.facts == signed
        assert [m.name for m in view.facts.medications] == ["Naltrexone 50 mg"]
        assert view.facts.referrals[0].status == "Accepted"
        (signature,) = _signatures(session, summary)
        assert signature.meaning is SignatureMeaning.AUTHOR
        assert all(line.intact for line in view.signatures)

    def test_a_stored_summary_changed_behind_the_app_is_not_intact(self, session: Session) -> None:
        stay = make_stay(session)
        summary = write_and_sign(session, stay)
        assert summary.facts is not None
        summary.facts = {**summary.facts, "medications": []}
        session.flush()
        view = service.get_summary(session, actor=stay.actor, summary_id=summary.id)
        assert [line.intact for line in view.signatures] == [False]

    def test_a_wrong_password_signs_nothing(self, session: Session) -> None:
        stay = make_stay(session)
        draft = service.create_draft(
            session, actor=stay.actor, episode_id=stay.episode.id, narrative=WORDS
        )
        with pytest.raises(Invalid) as excinfo:
            service.sign(session, actor=stay.actor, summary_id=draft.id, secret="not my password")
        assert excinfo.value.field == "secret"
        session.refresh(draft)
        assert draft.status is SummaryStatus.DRAFT
        assert draft.facts is None
        assert draft.signed_at is None
        assert _signatures(session, draft) == []

    def test_an_incomplete_draft_is_refused_naming_the_field(self, session: Session) -> None:
        stay = make_stay(session)
        draft = service.create_draft(session, actor=stay.actor, episode_id=stay.episode.id)
        with pytest.raises(Invalid) as excinfo:
            service.sign(session, actor=stay.actor, summary_id=draft.id, secret=PASSWORD)
        assert excinfo.value.field == "prognosis"
        assert _signatures(session, draft) == []

    def test_a_signed_summary_is_frozen_and_an_event_has_one_summary(
        self, session: Session
    ) -> None:
        stay = make_stay(session)
        summary = write_and_sign(session, stay)
        with pytest.raises(Conflict) as excinfo:
            service.update_draft(
                session, actor=stay.actor, summary_id=summary.id, narrative=rules.Narrative()
            )
        assert excinfo.value.rule == rules.FROZEN
        with pytest.raises(Conflict) as excinfo:
            service.sign(session, actor=stay.actor, summary_id=summary.id, secret=PASSWORD)
        assert excinfo.value.rule == rules.FROZEN
        with pytest.raises(Conflict) as excinfo:
            service.create_draft(session, actor=stay.actor, episode_id=stay.episode.id)
        assert excinfo.value.rule == rules.EXISTS

    def test_a_draft_keeps_the_clinicians_words(self, session: Session) -> None:
        stay = make_stay(session)
        draft = service.create_draft(session, actor=stay.actor, episode_id=stay.episode.id)
        service.update_draft(session, actor=stay.actor, summary_id=draft.id, narrative=WORDS)
        assert (draft.reason, draft.prognosis, draft.narrative) == (
            WORDS.reason,
            WORDS.prognosis,
            WORDS.narrative,
        )
        with pytest.raises(Invalid) as excinfo:
            service.update_draft(
                session,
                actor=stay.actor,
                summary_id=draft.id,
                narrative=rules.Narrative(reason="x" * (rules.LIMITS["reason"] + 1)),
            )
        assert excinfo.value.field == "reason"


class TestAddenda:
    def test_an_addendum_is_signed_on_its_own_and_the_summary_stays(self, session: Session) -> None:
        stay = make_stay(session)
        draft = service.create_draft(
            session, actor=stay.actor, episode_id=stay.episode.id, narrative=WORDS
        )
        with pytest.raises(Conflict):
            service.add_addendum(
                session, actor=stay.actor, summary_id=draft.id, text="Early.", secret=PASSWORD
            )
        summary = service.sign(session, actor=stay.actor, summary_id=draft.id, secret=PASSWORD)
        with pytest.raises(Invalid):
            service.add_addendum(
                session, actor=stay.actor, summary_id=summary.id, text="Fix.", secret="wrong"
            )
        assert session.scalar(select(func.count()).select_from(DischargeSummaryAddendum)) == 0
        added = service.add_addendum(
            session,
            actor=stay.actor,
            summary_id=summary.id,
            text="The housing referral was to the men's house.",
            secret=PASSWORD,
        )
        view = service.get_summary(session, actor=stay.actor, summary_id=summary.id)
        (line,) = view.addenda
        assert (line.id, line.text, line.intact) == (added.id, added.text, True)
        assert summary.signed_at is not None
        assert line.written_at >= summary.signed_at
        (sig,) = signing.signatures_of(session, service.ADDENDUM_ENTITY, added.id)
        assert sig.meaning is SignatureMeaning.ADDENDUM
        assert view.summary.reason == WORDS.reason
        assert all(s.intact for s in view.signatures)


class TestCosignature:
    def test_a_supervised_authors_summary_waits_for_the_supervisor(self, session: Session) -> None:
        stay = make_stay(session, supervised=True)
        summary = write_and_sign(session, stay)
        assert summary.status is SummaryStatus.AWAITING_COSIGNATURE
        supervisor = security_service.actor_for(stay.director)
        (row,) = service.awaiting_cosignature(session, actor=supervisor)
        assert (row.entity_id, row.url) == (summary.id, f"/discharge-summaries/{summary.id}")
        assert stay.person.legal_last_name not in row.label
        assert service.awaiting_cosignature(session, actor=stay.actor) == []
        other = _actor(session, stay, Role.CLINICIAN)
        with pytest.raises(NotFound):
            service.cosign(session, actor=other, summary_id=summary.id, secret=PASSWORD)
        with pytest.raises(Forbidden):
            service.cosign(session, actor=stay.actor, summary_id=summary.id, secret=PASSWORD)
        with pytest.raises(Invalid):
            service.cosign(session, actor=supervisor, summary_id=summary.id, secret="wrong")
        assert summary.status is SummaryStatus.AWAITING_COSIGNATURE
        service.cosign(session, actor=supervisor, summary_id=summary.id, secret=PASSWORD)
        assert summary.status is SummaryStatus.SIGNED
        assert summary.cosigned_by == stay.director.id
        view = service.get_summary(session, actor=stay.actor, summary_id=summary.id)
        assert [(s.meaning, s.intact) for s in view.signatures] == [
            (SignatureMeaning.AUTHOR, True),
            (SignatureMeaning.COSIGNER, True),
        ]

    def test_a_supervisor_off_the_caseload_reviews_what_waits_for_them(
        self, session: Session
    ) -> None:
        stay = make_stay(session)
        supervisor = make_user(session, role=Role.CLINICIAN, site=stay.site)
        supervise(session, stay.clinician, supervisor)
        summary = write_and_sign(session, stay)
        reviewer = security_service.actor_for(supervisor)
        view = service.get_summary(session, actor=reviewer, summary_id=summary.id)
        assert view.may_cosign
        assert not view.may_add_addendum
        service.cosign(session, actor=reviewer, summary_id=summary.id, secret=PASSWORD)
        with pytest.raises(NotFound):  # final now, and the client is not theirs
            service.get_summary(session, actor=reviewer, summary_id=summary.id)


class TestReminder:
    def test_the_discharge_went_through_and_the_summary_is_due_until_signed(
        self, session: Session
    ) -> None:
        stay = make_stay(session)
        assert stay.episode.status is EpisodeStatus.DISCHARGED  # never blocked
        director = security_service.actor_for(stay.director)
        other = _actor(session, stay, Role.CLINICIAN)

        def due(actor: Actor) -> list[tuple[object, object]]:
            return [
                (row.event.episode_id, row.event.summary.id if row.event.summary else None)
                for row in service.summaries_due(session, actor=actor)
                if row.client.id == stay.person.id
            ]

        assert due(stay.actor) == [(stay.episode.id, None)]
        assert due(director) == [(stay.episode.id, None)]
        assert due(other) == []
        assert service.summaries_due(session, actor=_actor(session, stay, Role.CASE_MANAGER)) == []
        draft = service.create_draft(
            session, actor=stay.actor, episode_id=stay.episode.id, narrative=WORDS
        )
        assert due(stay.actor) == [(stay.episode.id, draft.id)]
        (row,) = service.episode_events(session, actor=stay.actor, episode_id=stay.episode.id)
        assert row.due
        service.sign(session, actor=stay.actor, summary_id=draft.id, secret=PASSWORD)
        assert due(stay.actor) == []
        assert due(director) == []
        (row,) = service.episode_events(session, actor=stay.actor, episode_id=stay.episode.id)
        assert not row.due

    def test_a_referral_out_is_due_too(self, session: Session) -> None:
        stay = make_stay(session, referral=True)
        assert stay.referral is not None
        (row,) = [
            r
            for r in service.summaries_due(session, actor=stay.actor)
            if r.client.id == stay.person.id
        ]
        assert (row.event.kind, row.event.segment_id) == (
            SummaryKind.REFERRAL_OUT,
            stay.referral.id,
        )
        assert row.url.endswith(f"/new?segment={stay.referral.id}")


class TestAccess:
    def test_readers_of_signed_summaries_see_no_draft(self, session: Session) -> None:
        stay = make_stay(session)
        draft = service.create_draft(
            session, actor=stay.actor, episode_id=stay.episode.id, narrative=WORDS
        )
        review = _actor(session, stay, Role.UTILIZATION_REVIEW)
        manager = _actor(session, stay, Role.CASE_MANAGER)
        for reader in (review, manager):
            with pytest.raises(NotFound):
                service.get_summary(session, actor=reader, summary_id=draft.id)
            assert service.list_for_client(session, actor=reader, client_id=stay.person.id) == []
            with pytest.raises(Forbidden):
                service.create_draft(session, actor=reader, episode_id=stay.episode.id)
        service.sign(session, actor=stay.actor, summary_id=draft.id, secret=PASSWORD)
        as_review = service.get_summary(session, actor=review, summary_id=draft.id)
        assert as_review.withheld == {rules.Section.REFERRALS, rules.Section.AFTERCARE}
        assert as_review.facts.referrals == ()
        assert as_review.facts.diagnoses != ()
        as_manager = service.get_summary(session, actor=manager, summary_id=draft.id)
        assert as_manager.withheld == {rules.Section.DIAGNOSES}
        assert as_manager.facts.diagnoses == ()
        assert as_manager.facts.referrals != ()
        assert not as_manager.may_add_addendum

    def test_others_are_refused(self, session: Session) -> None:
        stay = make_stay(session)
        summary = write_and_sign(session, stay)
        with pytest.raises(Forbidden):
            service.get_summary(
                session, actor=_actor(session, stay, Role.ADMIN), summary_id=summary.id
            )
        with pytest.raises(NotFound):  # another clinician's caseload
            service.get_summary(
                session, actor=_actor(session, stay, Role.CLINICIAN), summary_id=summary.id
            )


class TestAudit:
    def test_a_draft_is_never_printed(self, session: Session) -> None:
        stay = make_stay(session)
        draft = service.create_draft(session, actor=stay.actor, episode_id=stay.episode.id)
        with pytest.raises(Conflict):
            service.for_print(session, actor=stay.actor, summary_id=draft.id, form="pdf")

    def test_reads_changes_and_exports_are_audited(self, session: Session) -> None:
        stay = make_stay(session)
        start = session.scalar(select(func.max(AuditEntry.seq))) or 0
        summary = write_and_sign(session, stay)
        service.get_summary(session, actor=stay.actor, summary_id=summary.id)
        service.for_print(session, actor=stay.actor, summary_id=summary.id, form="pdf")
        service.for_print(session, actor=stay.actor, summary_id=summary.id, form="html")
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.detail).where(
                AuditEntry.seq > start,
                AuditEntry.entity_type == service.ENTITY,
                AuditEntry.entity_id == str(summary.id),
            )
        ).all()
        actions = [a for a, _ in rows]
        assert AuditAction.CREATE in actions
        assert AuditAction.SIGN in actions
        assert AuditAction.READ in actions
        exports = sorted(d["format"] for a, d in rows if a is AuditAction.EXPORT)
        assert exports == ["html", "pdf"]
        for _, detail in rows:
            assert WORDS.narrative not in str(detail)


def test_signing_refuses_a_summary_that_names_another_client(session: Session) -> None:
    """The name check of every note runs over the summary's words: a client of the
    author's own appointments is refused by name at signing; nothing is signed."""
    stay = make_stay(session)
    other = make_client(
        session, site=stay.site, legal_first_name="Ottoline", legal_last_name="Brackwater"
    )
    make_appointment(session, client=other, staff=stay.clinician, day=today() - timedelta(days=3))
    summary = service.create_draft(
        session,
        actor=stay.actor,
        episode_id=stay.episode.id,
        narrative=dataclasses.replace(
            WORDS, narrative="Paired with Brackwater for the relapse worksheet."
        ),
    )
    with pytest.raises(Conflict) as refused:
        service.sign(session, actor=stay.actor, summary_id=summary.id, secret=PASSWORD)
    assert refused.value.field == "narrative"
    assert summary.status is SummaryStatus.DRAFT
    assert not session.scalars(select(Signature).where(Signature.entity_id == summary.id)).all()
