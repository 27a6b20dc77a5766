"""Aftercare use cases on SQLite and PostgreSQL: eligibility, drafting, finalizing, check-ins,
follow-ups, scoping and the nightly steps' idempotence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.aftercare import rules, service
from stepdown.aftercare.models import (
    AftercarePlan,
    FollowUp,
    MeetingKind,
    PlanStatus,
    RelapsePreventionCheckIn,
    Weekday,
)
from stepdown.aftercare.schemas import ContactInput, FollowUpInput, MeetingInput, PlanUpdate
from stepdown.audit.models import AuditEntry
from stepdown.clients import service as clients_service
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import DischargeType
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Invalid, NotFound
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from stepdown.settings import Settings
from tests.factories import (
    SYSTEM,
    make_aftercare_plan,
    make_client,
    make_episode,
    make_site,
    make_user,
)


def _count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _checkins(session: Session, plan: AftercarePlan) -> list[RelapsePreventionCheckIn]:
    return list(
        session.scalars(
            select(RelapsePreventionCheckIn)
            .where(RelapsePreventionCheckIn.plan_id == plan.id)
            .order_by(RelapsePreventionCheckIn.sequence)
        )
    )


class TestEligibility:
    def test_a_client_in_iop_has_no_plan_to_start(self, session: Session) -> None:
        client = make_client(session, site=make_site(session))
        make_episode(session, client=client, level_code="IOP")
        with pytest.raises(Conflict) as refused:
            service.create_plan(session, actor=SYSTEM, client_id=client.id)
        assert refused.value.rule == service.NOT_ELIGIBLE

    def test_a_completed_discharge_gets_a_plan_once(self, session: Session) -> None:
        client = make_client(
            session,
            site=make_site(session),
            emergency_contact_name="Pat Doe",
            emergency_contact_phone="555-0101",
            emergency_contact_relationship="sister",
        )
        episode = make_episode(session, client=client, level_code="IOP")
        continuum_service.discharge(
            session,
            actor=SYSTEM,
            episode_id=episode.id,
            discharge_type=DischargeType.COMPLETED,
            on=today() - timedelta(days=1),
            summary="Completed OP.",
        )
        plan = service.create_plan(session, actor=SYSTEM, client_id=client.id)
        assert plan.episode_id == episode.id
        assert plan.status is PlanStatus.DRAFT
        view = service.get_plan(session, actor=SYSTEM, plan_id=plan.id)
        assert [(c.name, c.phone) for c in view.contacts] == [("Pat Doe", "555-0101")]
        with pytest.raises(Conflict) as refused:
            service.create_plan(session, actor=SYSTEM, client_id=client.id)
        assert refused.value.rule == service.PLAN_EXISTS

    def test_a_discharge_against_advice_gets_none(self, session: Session) -> None:
        client = make_client(session, site=make_site(session))
        episode = make_episode(session, client=client, level_code="IOP")
        continuum_service.discharge(
            session,
            actor=SYSTEM,
            episode_id=episode.id,
            discharge_type=DischargeType.LEFT_AGAINST_ADVICE,
            on=today(),
            summary="Left.",
        )
        with pytest.raises(Conflict):
            service.create_plan(session, actor=SYSTEM, client_id=client.id)


class TestDraftAndFinalize:
    def test_draft_edits_then_finalize_lays_out_the_check_ins(self, session: Session) -> None:
        site = make_site(session)
        manager = make_user(session, role=Role.CASE_MANAGER, site=site)
        actor = security_service.actor_for(manager)
        client = make_client(session, site=site)
        plan = make_aftercare_plan(session, client=client, final=False, actor=actor)
        assert plan.case_manager_id == manager.id  # a case manager who starts it owns it
        service.update_plan(
            session,
            actor=actor,
            plan_id=plan.id,
            data=PlanUpdate(therapy_with_whom="  Dr. Rivera ", weekly_checkins=2, checkin_months=3),
        )
        assert plan.therapy_with_whom == "Dr. Rivera"
        service.add_meeting(
            session,
            actor=actor,
            plan_id=plan.id,
            data=MeetingInput(
                kind=MeetingKind.NA, name="Hope group", day=Weekday.MONDAY, place_or_link="Hall"
            ),
        )
        service.add_contact(
            session, actor=actor, plan_id=plan.id, data=ContactInput(name="Sam", phone="555-0102")
        )
        start = today()
        service.finalize(session, actor=actor, plan_id=plan.id, on=start)
        assert plan.status is PlanStatus.FINAL
        assert [c.due_on for c in _checkins(session, plan)] == rules.checkin_schedule(
            start, weekly=2, months=3
        )
        with pytest.raises(Conflict) as refused:
            service.update_plan(session, actor=actor, plan_id=plan.id, data=PlanUpdate())
        assert refused.value.rule == service.PLAN_FINAL
        with pytest.raises(Conflict):
            service.add_contact(
                session, actor=actor, plan_id=plan.id, data=ContactInput(name="X", phone="1")
            )

    def test_finalize_needs_the_clients_warning_signs(self, session: Session) -> None:
        client = make_client(session, site=make_site(session))
        plan = make_aftercare_plan(session, client=client, final=False)
        service.update_plan(
            session, actor=SYSTEM, plan_id=plan.id, data=PlanUpdate(warning_signs="")
        )
        with pytest.raises(Invalid) as refused:
            service.finalize(session, actor=SYSTEM, plan_id=plan.id, on=today())
        assert refused.value.field == "warning_signs"
        assert plan.status is PlanStatus.DRAFT
        assert _count(session, RelapsePreventionCheckIn) == 0

    def test_case_manager_must_be_staff(self, session: Session) -> None:
        site = make_site(session)
        client = make_client(session, site=site)
        plan = make_aftercare_plan(session, client=client, final=False)
        admissions = make_user(session, role=Role.ADMISSIONS, site=site)
        with pytest.raises(Invalid) as refused:
            service.update_plan(
                session,
                actor=SYSTEM,
                plan_id=plan.id,
                data=PlanUpdate(case_manager_id=admissions.id),
            )
        assert refused.value.field == "case_manager_id"

    def test_changes_are_audited(self, session: Session) -> None:
        client = make_client(session, site=make_site(session))
        plan = make_aftercare_plan(session, client=client)
        actions = set(
            session.execute(
                select(AuditEntry.entity_type, AuditEntry.action).where(
                    AuditEntry.client_id == client.id, AuditEntry.entity_type == "aftercare_plan"
                )
            ).all()
        )
        assert {("aftercare_plan", "create"), ("aftercare_plan", "update")} <= {
            (t, str(a)) for t, a in actions
        }
        assert plan.finalized_at is not None


class TestScope:
    def test_a_clinician_sees_only_their_caseload(self, session: Session) -> None:
        site = make_site(session)
        clinician = make_user(session, role=Role.CLINICIAN, site=site)
        client = make_client(session, site=site)
        plan = make_aftercare_plan(session, client=client)
        with pytest.raises(NotFound):
            service.get_plan(session, actor=security_service.actor_for(clinician), plan_id=plan.id)

    def test_a_client_sees_their_own_final_plan_only(self, session: Session) -> None:
        site = make_site(session)
        portal_user = make_user(session, role=Role.CLIENT)
        client = make_client(session, site=site)
        clients_service.link_portal_account(
            session, actor=SYSTEM, client=client, user_id=portal_user.id
        )
        plan = make_aftercare_plan(session, client=client, final=False)
        actor = security_service.actor_for(portal_user)
        with pytest.raises(NotFound):
            service.get_plan(session, actor=actor, plan_id=plan.id)
        service.finalize(session, actor=SYSTEM, plan_id=plan.id, on=today())
        assert service.get_plan(session, actor=actor, plan_id=plan.id).plan.id == plan.id
        other = make_aftercare_plan(session, client=make_client(session, site=site))
        with pytest.raises(NotFound):
            service.plan_for_print(session, actor=actor, plan_id=other.id)


class TestCheckIns:
    def test_complete_once_and_not_long_before_it_is_due(self, session: Session) -> None:
        client = make_client(session, site=make_site(session))
        plan = make_aftercare_plan(session, client=client, on=today() - timedelta(days=7))
        first, second = _checkins(session, plan)[:2]
        assert first.due_on == today()
        service.complete_checkin(session, actor=SYSTEM, checkin_id=first.id, today=today())
        assert first.completed_at is not None
        with pytest.raises(Conflict) as refused:
            service.complete_checkin(session, actor=SYSTEM, checkin_id=first.id, today=today())
        assert refused.value.rule == service.CHECKIN_DONE
        third = _checkins(session, plan)[2]
        with pytest.raises(Conflict) as refused:
            service.complete_checkin(session, actor=SYSTEM, checkin_id=third.id, today=today())
        assert refused.value.rule == service.CHECKIN_NOT_YET
        # The next one (due in 7 days) may be marked done already.
        service.complete_checkin(session, actor=SYSTEM, checkin_id=second.id, today=today())

    def test_worklist_shows_due_and_missed(self, session: Session) -> None:
        site = make_site(session)
        manager = security_service.actor_for(make_user(session, role=Role.CASE_MANAGER, site=site))
        due = make_aftercare_plan(
            session, client=make_client(session, site=site), on=today() - timedelta(days=7)
        )
        missed = make_aftercare_plan(
            session, client=make_client(session, site=site), on=today() - timedelta(days=11)
        )
        make_aftercare_plan(
            session,
            client=make_client(session, site=make_site(session)),
            on=today() - timedelta(days=7),
        )
        work = service.worklist(session, actor=manager, today=today())
        states = {row.checkin.plan_id: row.state for row in work.checkins}
        assert states == {due.id: rules.CheckInState.DUE, missed.id: rules.CheckInState.MISSED}


class TestNightly:
    def test_drafts_for_clients_at_aftercare_once(self, session: Session) -> None:
        client = make_client(session, site=make_site(session))
        plan = make_aftercare_plan(session, client=client, final=False)
        session.delete(plan)
        session.flush()
        settings = Settings(_env_file=None, aftercare_weekly_checkins=2)  # type: ignore[call-arg]
        assert (
            service.draft_missing_plans(session, actor=SYSTEM, settings=settings, today=today())
            >= 1
        )
        drafted = session.scalars(
            select(AftercarePlan).where(AftercarePlan.client_id == client.id)
        ).one()
        assert drafted.weekly_checkins == 2
        assert (
            service.draft_missing_plans(session, actor=SYSTEM, settings=settings, today=today())
            == 0
        )

    def test_follow_ups_after_discharge_once(self, session: Session) -> None:
        client = make_client(session, site=make_site(session))
        episode = make_episode(
            session, client=client, level_code="IOP", on=today() - timedelta(days=100)
        )
        discharged = today() - timedelta(days=40)
        continuum_service.discharge(
            session,
            actor=SYSTEM,
            episode_id=episode.id,
            discharge_type=DischargeType.COMPLETED,
            on=discharged,
            summary="Done.",
        )
        assert service.schedule_follow_ups(session, actor=SYSTEM, today=today()) >= 1
        rows = list(
            session.scalars(
                select(FollowUp).where(FollowUp.episode_id == episode.id).order_by(FollowUp.due_on)
            )
        )
        assert [(f.days_after, f.due_on) for f in rows] == rules.follow_up_dates(discharged)
        assert service.schedule_follow_ups(session, actor=SYSTEM, today=today()) == 0


class TestFollowUp:
    def _follow_up(self, session: Session) -> FollowUp:
        client = make_client(session, site=make_site(session))
        episode = make_episode(
            session, client=client, level_code="IOP", on=today() - timedelta(days=90)
        )
        continuum_service.discharge(
            session,
            actor=SYSTEM,
            episode_id=episode.id,
            discharge_type=DischargeType.COMPLETED,
            on=today() - timedelta(days=30),
            summary="Done.",
        )
        service.schedule_follow_ups(session, actor=SYSTEM, today=today())
        return session.scalars(
            select(FollowUp).where(FollowUp.episode_id == episode.id, FollowUp.days_after == 30)
        ).one()

    def test_reached_needs_every_answer(self, session: Session) -> None:
        follow_up = self._follow_up(session)
        with pytest.raises(Invalid) as refused:
            service.record_follow_up(
                session,
                actor=SYSTEM,
                follow_up_id=follow_up.id,
                data=FollowUpInput(reached=True, abstinent=True),
                today=today(),
            )
        assert refused.value.field == "readmitted"
        assert follow_up.recorded_at is None

    def test_recorded_once(self, session: Session) -> None:
        follow_up = self._follow_up(session)
        data = FollowUpInput.model_validate(
            {
                "reached": True,
                "abstinent": True,
                "readmitted": False,
                "employment_school": "working",
                "housing": "stable",
            }
        )
        service.record_follow_up(
            session, actor=SYSTEM, follow_up_id=follow_up.id, data=data, today=today()
        )
        assert follow_up.abstinent is True
        assert follow_up.recorded_by_client is False
        with pytest.raises(Conflict) as refused:
            service.record_follow_up(
                session, actor=SYSTEM, follow_up_id=follow_up.id, data=data, today=today()
            )
        assert refused.value.rule == service.FOLLOW_UP_RECORDED

    def test_not_reached_leaves_answers_empty(self, session: Session) -> None:
        follow_up = self._follow_up(session)
        with pytest.raises(Invalid):
            service.record_follow_up(
                session,
                actor=SYSTEM,
                follow_up_id=follow_up.id,
                data=FollowUpInput(reached=False, abstinent=True),
                today=today(),
            )
        service.record_follow_up(
            session,
            actor=SYSTEM,
            follow_up_id=follow_up.id,
            data=FollowUpInput(reached=False),
            today=today(),
        )
        assert follow_up.reached is False

    def test_later_follow_ups_are_not_open_yet(self, session: Session) -> None:
        follow_up = self._follow_up(session)
        later = session.scalars(
            select(FollowUp).where(
                FollowUp.episode_id == follow_up.episode_id, FollowUp.days_after == 90
            )
        ).one()
        with pytest.raises(Conflict) as refused:
            service.record_follow_up(
                session,
                actor=SYSTEM,
                follow_up_id=later.id,
                data=FollowUpInput(reached=False),
                today=today(),
            )
        assert refused.value.rule == service.FOLLOW_UP_NOT_YET
