"""Needs and referrals through the service: history kept, follow-ups required while open,
overdue follow-ups, the worklist's scope, who may write, the sober-living link to the
aftercare plan, the directory, and the audit trail."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.aftercare.models import AftercarePlan, SoberLivingStatus
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.case_management import rules, service
from stepdown.case_management.models import (
    CommunityResource,
    NeedKind,
    NeedStatus,
    NeedStatusChange,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from stepdown.case_management.schemas import (
    NeedStatusInput,
    ReferralChangeInput,
    ReferralInput,
    ResourceInput,
    ResourceUpdate,
)
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.case_management.factories import (
    Team,
    assign_case_manager,
    make_need,
    make_referral,
    make_team,
)
from tests.factories import SYSTEM, make_aftercare_plan, make_client, make_site, make_user


def _change(
    status: ReferralStatus, *, follow_up_in: int | None = None, reason: str = ""
) -> ReferralChangeInput:
    follow_up = today() + timedelta(days=follow_up_in) if follow_up_in is not None else None
    return ReferralChangeInput(status=status, follow_up_on=follow_up, reason=reason)


def _count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


class TestNeeds:
    def test_every_status_change_is_kept(self, session: Session) -> None:
        team = make_team(session)
        actor = team.as_manager
        need = make_need(session, actor=actor, client=team.client, on=today() - timedelta(days=9))
        for status, reason in (
            (NeedStatus.IN_PROGRESS, ""),
            (NeedStatus.MET, "housed"),
            (NeedStatus.OPEN, "lease fell through"),
        ):
            service.change_need_status(
                session,
                actor=actor,
                need_id=need.id,
                data=NeedStatusInput(status=status, reason=reason),
                today=today(),
            )
        history = service.get_need(session, actor=actor, need_id=need.id).history
        assert [(c.from_status, c.to_status) for c in history] == [
            (None, NeedStatus.OPEN),
            (NeedStatus.OPEN, NeedStatus.IN_PROGRESS),
            (NeedStatus.IN_PROGRESS, NeedStatus.MET),
            (NeedStatus.MET, NeedStatus.OPEN),
        ]
        assert history[0].changed_on == today() - timedelta(days=9)
        assert history[-1].reason == "lease fell through"
        assert {c.recorded_by for c in history} == {team.manager.id}
        assert need.status is NeedStatus.OPEN

    def test_a_refused_change_writes_nothing(self, session: Session) -> None:
        team = make_team(session)
        need = make_need(session, actor=team.as_manager, client=team.client)
        rows = _count(session, NeedStatusChange)
        with pytest.raises(Invalid) as why:
            service.change_need_status(
                session,
                actor=team.as_manager,
                need_id=need.id,
                data=NeedStatusInput(status=NeedStatus.NO_LONGER_NEEDED),
                today=today(),
            )
        assert why.value.field == "reason"
        with pytest.raises(Conflict):
            service.change_need_status(
                session,
                actor=team.as_manager,
                need_id=need.id,
                data=NeedStatusInput(status=NeedStatus.OPEN),
                today=today(),
            )
        assert _count(session, NeedStatusChange) == rows
        assert need.status is NeedStatus.OPEN

    def test_a_clinician_adds_a_need_but_leaves_its_status_to_case_management(
        self, session: Session
    ) -> None:
        team = make_team(session)
        need = make_need(session, actor=team.as_clinician, client=team.client)
        assert need.identified_by == team.clinician.id
        with pytest.raises(Forbidden):
            service.change_need_status(
                session,
                actor=team.as_clinician,
                need_id=need.id,
                data=NeedStatusInput(status=NeedStatus.MET),
                today=today(),
            )

    def test_identified_in_the_future_is_refused(self, session: Session) -> None:
        team = make_team(session)
        with pytest.raises(Invalid) as why:
            make_need(session, actor=team.as_manager, client=team.client, on=today() + timedelta(1))
        assert why.value.field == "identified_on"


class TestReferrals:
    def test_follow_up_required_while_open_and_cleared_when_closed(self, session: Session) -> None:
        team = make_team(session)
        actor = team.as_manager
        with pytest.raises(Invalid) as why:
            service.make_referral(
                session,
                actor=actor,
                client_id=team.client.id,
                data=ReferralInput(kind=NeedKind.FOOD, organization="Pantry"),
                today=today(),
            )
        assert why.value.field == "follow_up_on"
        assert _count(session, Referral) == 0
        referral = make_referral(session, actor=actor, client=team.client, kind=NeedKind.FOOD)
        assert referral.follow_up_on == today() + timedelta(days=7)
        with pytest.raises(Invalid) as accept_without:
            service.change_referral(
                session,
                actor=actor,
                referral_id=referral.id,
                data=_change(ReferralStatus.ACCEPTED),
                today=today(),
            )
        assert accept_without.value.field == "follow_up_on"
        assert referral.status is ReferralStatus.MADE
        service.change_referral(
            session,
            actor=actor,
            referral_id=referral.id,
            data=_change(ReferralStatus.ACCEPTED, follow_up_in=3),
            today=today(),
        )
        service.change_referral(
            session,
            actor=actor,
            referral_id=referral.id,
            data=_change(ReferralStatus.COMPLETED, follow_up_in=3, reason="Picked up a box"),
            today=today(),
        )
        assert referral.status is ReferralStatus.COMPLETED
        assert referral.follow_up_on is None
        assert referral.outcome == "Picked up a box"
        with pytest.raises(Conflict) as closed:
            service.change_referral(
                session,
                actor=actor,
                referral_id=referral.id,
                data=_change(ReferralStatus.DECLINED, reason="x"),
                today=today(),
            )
        assert closed.value.rule == rules.ILLEGAL_TRANSITION
        events = service.get_referral(
            session, actor=actor, referral_id=referral.id, today=today()
        ).events
        assert [(e.from_status, e.to_status) for e in events] == [
            (None, ReferralStatus.MADE),
            (ReferralStatus.MADE, ReferralStatus.ACCEPTED),
            (ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED),
        ]

    def test_a_follow_up_logged_keeps_the_status_and_sets_the_next_date(
        self, session: Session
    ) -> None:
        team = make_team(session)
        referral = make_referral(session, actor=team.as_manager, client=team.client)
        service.change_referral(
            session,
            actor=team.as_manager,
            referral_id=referral.id,
            data=_change(ReferralStatus.MADE, follow_up_in=10, reason="No answer yet"),
            today=today(),
        )
        assert referral.status is ReferralStatus.MADE
        assert referral.follow_up_on == today() + timedelta(days=10)
        assert _count(session, ReferralEvent) == 2

    def test_referring_for_an_open_need_puts_it_in_progress(self, session: Session) -> None:
        team = make_team(session)
        need = make_need(session, actor=team.as_manager, client=team.client)
        referral = make_referral(session, actor=team.as_manager, client=team.client, need=need)
        assert referral.kind is NeedKind.HOUSING  # the need's
        assert need.status is NeedStatus.IN_PROGRESS
        history = service.get_need(session, actor=team.as_manager, need_id=need.id).history
        assert history[-1].reason == service.REFERRAL_MADE

    def test_a_closed_need_or_another_clients_need_is_refused(self, session: Session) -> None:
        team = make_team(session)
        other = make_client(session, site=team.site, clinician=team.clinician)
        assign_case_manager(session, other, team.manager)
        need = make_need(session, actor=team.as_manager, client=other)
        with pytest.raises(Invalid) as wrong_client:
            make_referral(session, actor=team.as_manager, client=team.client, need=need)
        assert wrong_client.value.field == "need_id"
        service.change_need_status(
            session,
            actor=team.as_manager,
            need_id=need.id,
            data=NeedStatusInput(status=NeedStatus.MET),
            today=today(),
        )
        with pytest.raises(Conflict) as closed:
            make_referral(session, actor=team.as_manager, client=other, need=need)
        assert closed.value.rule == rules.NEED_CLOSED


class TestWhoMayWrite:
    def test_only_the_clients_case_manager_or_the_director(self, session: Session) -> None:
        team = make_team(session)
        colleague = security_service.actor_for(
            make_user(session, role=Role.CASE_MANAGER, site=team.site)
        )
        elsewhere = security_service.actor_for(
            make_user(session, role=Role.CASE_MANAGER, site=make_site(session))
        )
        director = security_service.actor_for(make_user(session, role=Role.DIRECTOR))
        need = make_need(session, actor=team.as_manager, client=team.client)
        # A colleague at the site reads (covering), but does not write.
        assert service.needs_of(session, actor=colleague, client_id=team.client.id)
        with pytest.raises(Forbidden):
            make_referral(session, actor=colleague, client=team.client)
        with pytest.raises(Forbidden):
            make_need(session, actor=colleague, client=team.client)
        with pytest.raises(NotFound):
            service.needs_of(session, actor=elsewhere, client_id=team.client.id)
        with pytest.raises(NotFound):
            service.get_need(session, actor=elsewhere, need_id=need.id)
        assert make_referral(session, actor=director, client=team.client).made_by is not None

    @pytest.mark.parametrize("role", [Role.UTILIZATION_REVIEW, Role.ADMISSIONS, Role.ADMIN])
    def test_other_roles_read_nothing(self, session: Session, role: Role) -> None:
        team = make_team(session)
        someone = security_service.actor_for(make_user(session, role=role, site=team.site))
        with pytest.raises(Forbidden):
            service.needs_of(session, actor=someone, client_id=team.client.id)
        with pytest.raises(Forbidden):
            service.referrals_of(session, actor=someone, client_id=team.client.id, today=today())


class TestWorklist:
    def test_overdue_due_today_awaiting_and_needs_without_referral(self, session: Session) -> None:
        team = make_team(session)
        actor = team.as_manager
        overdue = make_referral(
            session, actor=actor, client=team.client, made_on=today() - timedelta(10)
        )
        due = make_referral(
            session, actor=actor, client=team.client, made_on=today() - timedelta(4), follow_up_in=4
        )
        later = make_referral(session, actor=actor, client=team.client)
        service.change_referral(
            session,
            actor=actor,
            referral_id=later.id,
            data=_change(ReferralStatus.ACCEPTED, follow_up_in=5),
            today=today(),
        )
        declined_need = make_need(session, actor=actor, client=team.client, kind=NeedKind.LEGAL)
        declined = make_referral(session, actor=actor, client=team.client, need=declined_need)
        service.change_referral(
            session,
            actor=actor,
            referral_id=declined.id,
            data=_change(ReferralStatus.DECLINED, reason="Full"),
            today=today(),
        )
        covered = make_need(session, actor=actor, client=team.client, kind=NeedKind.FOOD)
        make_referral(session, actor=actor, client=team.client, need=covered)
        bare = make_need(session, actor=actor, client=team.client, kind=NeedKind.EDUCATION)

        work = service.worklist(session, actor=actor, today=today())
        states = {row.referral.id: (row.state, row.days_overdue) for row in work.follow_ups}
        assert states == {
            overdue.id: (rules.FollowUpState.OVERDUE, 3),
            due.id: (rules.FollowUpState.DUE_TODAY, 0),
        }
        assert [row.referral.id for row in work.follow_ups] == [overdue.id, due.id]
        assert later.id not in {row.referral.id for row in work.awaiting}
        assert overdue.id in {row.referral.id for row in work.awaiting}
        assert {row.need.id for row in work.needs} == {declined_need.id, bare.id}
        assert [r.referral.id for r in work.overdue] == [overdue.id]

    def test_a_case_manager_sees_their_caseload_the_director_everyone(
        self, session: Session
    ) -> None:
        team = make_team(session)
        other = make_team(session, site=team.site)
        director = security_service.actor_for(make_user(session, role=Role.DIRECTOR))
        for t in (team, other):
            make_referral(session, actor=t.as_manager, client=t.client)
        mine = service.worklist(session, actor=team.as_manager, today=today())
        assert {row.client.id for row in mine.awaiting} == {team.client.id}
        assert mine.caseload_only
        everyone = service.worklist(session, actor=director, today=today())
        assert {team.client.id, other.client.id} <= {row.client.id for row in everyone.awaiting}
        with pytest.raises(Forbidden):
            service.worklist(session, actor=team.as_clinician, today=today())

    def test_home_summary(self, session: Session) -> None:
        team = make_team(session)
        make_referral(
            session, actor=team.as_manager, client=team.client, made_on=today() - timedelta(9)
        )
        home = service.worklist_for_home(session, actor=team.as_manager)
        assert home is not None
        assert (home.overdue, home.due_today, home.awaiting) == (1, 0, 1)
        assert [row.client.id for row in home.rows] == [team.client.id]
        assert service.worklist_for_home(session, actor=team.as_clinician) is None


class TestSoberLiving:
    def _sober_referral(self, session: Session, team: Team) -> Referral:
        need = make_need(
            session, actor=team.as_manager, client=team.client, kind=NeedKind.SOBER_LIVING
        )
        return make_referral(
            session,
            actor=team.as_manager,
            client=team.client,
            need=need,
            organization="Harbor House",
        )

    def test_accepted_then_completed_shows_on_the_aftercare_plan(self, session: Session) -> None:
        team = make_team(session)
        plan = make_aftercare_plan(session, client=team.client)
        referral = self._sober_referral(session, team)
        service.change_referral(
            session,
            actor=team.as_manager,
            referral_id=referral.id,
            data=_change(ReferralStatus.ACCEPTED, follow_up_in=7),
            today=today(),
        )
        assert referral.aftercare_plan_id == plan.id
        assert plan.sober_living_status is SoberLivingStatus.ACCEPTED
        assert plan.sober_living_house == "Harbor House"
        assert plan.sober_living_contact == "Intake, 555-0101"
        service.change_referral(
            session,
            actor=team.as_manager,
            referral_id=referral.id,
            data=_change(ReferralStatus.COMPLETED, reason="Moved in"),
            today=today(),
        )
        assert plan.sober_living_status is SoberLivingStatus.MOVED_IN
        updates = session.scalar(
            select(func.count(AuditEntry.seq)).where(
                AuditEntry.entity_type == "aftercare_plan",
                AuditEntry.entity_id == str(plan.id),
                AuditEntry.action == AuditAction.UPDATE,
                AuditEntry.actor_id == team.manager.id,
            )
        )
        assert updates == 2

    def test_other_kinds_leave_the_plan_alone(self, session: Session) -> None:
        team = make_team(session)
        plan = make_aftercare_plan(session, client=team.client)
        referral = make_referral(session, actor=team.as_manager, client=team.client)
        service.change_referral(
            session,
            actor=team.as_manager,
            referral_id=referral.id,
            data=_change(ReferralStatus.ACCEPTED, follow_up_in=7),
            today=today(),
        )
        assert referral.aftercare_plan_id is None
        assert plan.sober_living_status is None

    def test_without_a_plan_it_waits_on_the_worklist(self, session: Session) -> None:
        team = make_team(session)
        referral = self._sober_referral(session, team)
        service.change_referral(
            session,
            actor=team.as_manager,
            referral_id=referral.id,
            data=_change(ReferralStatus.ACCEPTED, follow_up_in=7),
            today=today(),
        )
        assert referral.aftercare_plan_id is None
        work = service.worklist(session, actor=team.as_manager, today=today())
        assert [(r.referral.id, r.has_plan) for r in work.sober_living] == [(referral.id, False)]
        with pytest.raises(Conflict) as none_yet:
            service.record_on_aftercare_plan(
                session, actor=team.as_manager, referral_id=referral.id
            )
        assert none_yet.value.rule == service.NO_AFTERCARE_PLAN

        plan = make_aftercare_plan(session, client=team.client)
        work = service.worklist(session, actor=team.as_manager, today=today())
        assert [(r.referral.id, r.has_plan) for r in work.sober_living] == [(referral.id, True)]
        service.record_on_aftercare_plan(session, actor=team.as_manager, referral_id=referral.id)
        assert referral.aftercare_plan_id == plan.id
        assert plan.sober_living_status is SoberLivingStatus.ACCEPTED
        assert service.worklist(session, actor=team.as_manager, today=today()).sober_living == []

    def test_only_an_accepted_or_completed_sober_living_referral_goes_on_the_plan(
        self, session: Session
    ) -> None:
        team = make_team(session)
        referral = self._sober_referral(session, team)
        with pytest.raises(Conflict) as made:
            service.record_on_aftercare_plan(
                session, actor=team.as_manager, referral_id=referral.id
            )
        assert made.value.rule == service.NOT_FOR_PLAN


class TestDirectory:
    def test_add_edit_deactivate(self, session: Session) -> None:
        team = make_team(session)
        actor = team.as_manager
        resource = service.add_resource(
            session,
            actor=actor,
            data=ResourceInput(kind=NeedKind.FOOD, name=" Eastside Pantry ", phone="555-0168"),
        )
        assert resource.name == "Eastside Pantry"
        assert not resource.is_synthetic
        with pytest.raises(Conflict) as twice:
            service.add_resource(
                session, actor=actor, data=ResourceInput(kind=NeedKind.FOOD, name="Eastside Pantry")
            )
        assert twice.value.field == "name"
        referral = service.make_referral(
            session,
            actor=actor,
            client_id=team.client.id,
            data=ReferralInput(
                kind=NeedKind.FOOD,
                resource_id=resource.id,
                follow_up_on=today() + timedelta(2),
            ),
            today=today(),
        )
        assert (referral.organization, referral.phone, referral.resource_id) == (
            "Eastside Pantry",
            "555-0168",
            resource.id,
        )
        service.update_resource(
            session,
            actor=actor,
            resource_id=resource.id,
            data=ResourceUpdate(phone="555-0199", is_active=False),
        )
        assert referral.phone == "555-0168"  # the referral keeps what it was made with
        assert resource.phone == "555-0199"
        with pytest.raises(Invalid) as inactive:
            service.make_referral(
                session,
                actor=actor,
                client_id=team.client.id,
                data=ReferralInput(
                    kind=NeedKind.FOOD,
                    resource_id=resource.id,
                    follow_up_on=today() + timedelta(2),
                ),
                today=today(),
            )
        assert inactive.value.field == "resource_id"
        listed = service.list_resources(session, actor=team.as_clinician, active_only=True)
        assert resource.id not in {r.id for r in listed}
        with pytest.raises(Forbidden):
            service.add_resource(
                session,
                actor=team.as_clinician,
                data=ResourceInput(kind=NeedKind.FOOD, name="Another"),
            )
        assert _count(session, CommunityResource) == 1


class TestAudit:
    def test_reads_and_changes_are_audited_without_free_text(self, session: Session) -> None:
        team = make_team(session)
        start = session.scalar(select(func.max(AuditEntry.seq))) or 0
        need = make_need(session, actor=team.as_manager, client=team.client)
        referral = make_referral(session, actor=team.as_manager, client=team.client, need=need)
        service.change_referral(
            session,
            actor=team.as_manager,
            referral_id=referral.id,
            data=_change(ReferralStatus.DECLINED, reason="Secret reason text"),
            today=today(),
        )
        service.needs_of(session, actor=team.as_clinician, client_id=team.client.id)
        service.referrals_of(
            session, actor=team.as_clinician, client_id=team.client.id, today=today()
        )
        entries = list(
            session.execute(
                select(
                    AuditEntry.action,
                    AuditEntry.entity_type,
                    AuditEntry.actor_id,
                    AuditEntry.detail,
                )
                .where(AuditEntry.seq > start, AuditEntry.client_id == team.client.id)
                .order_by(AuditEntry.seq)
            )
        )
        seen = {(a, e, who) for a, e, who, _ in entries}
        assert {
            (AuditAction.CREATE, "case_need", team.manager.id),
            (AuditAction.CREATE, "case_referral", team.manager.id),
            (AuditAction.UPDATE, "case_need", team.manager.id),
            (AuditAction.UPDATE, "case_referral", team.manager.id),
            (AuditAction.READ, "case_need", team.clinician.id),
            (AuditAction.READ, "case_referral", team.clinician.id),
        } <= seen
        assert all("Secret" not in json.dumps(detail) for *_, detail in entries)
        assert all("Test need" not in json.dumps(detail) for *_, detail in entries)

    def test_the_chart_tab_and_worklist_record_the_clients_shown(self, session: Session) -> None:
        team = make_team(session)
        make_referral(session, actor=team.as_manager, client=team.client)
        start = session.scalar(select(func.max(AuditEntry.seq))) or 0
        section = service.chart_section(
            session, actor=team.as_clinician, client=team.client, today=today()
        )
        assert not section.can_write
        assert section.can_add_need
        service.worklist(session, actor=team.as_manager, today=today())
        kinds = set(
            session.execute(
                select(AuditEntry.entity_type, AuditEntry.actor_id).where(
                    AuditEntry.seq > start, AuditEntry.client_id == team.client.id
                )
            )
        )
        assert kinds == {
            ("case_management", team.clinician.id),
            ("case_management_worklist", team.manager.id),
        }


def test_aftercare_plan_model_is_untouched_by_a_referral_of_another_client(
    session: Session,
) -> None:
    """Recording a sober-living outcome touches only the client's own plan."""
    team = make_team(session)
    other = make_client(session, site=team.site, clinician=team.clinician)
    other_plan = make_aftercare_plan(session, client=other, actor=SYSTEM)
    make_aftercare_plan(session, client=team.client)
    need = make_need(session, actor=team.as_manager, client=team.client, kind=NeedKind.SOBER_LIVING)
    referral = make_referral(session, actor=team.as_manager, client=team.client, need=need)
    service.change_referral(
        session,
        actor=team.as_manager,
        referral_id=referral.id,
        data=_change(ReferralStatus.ACCEPTED, follow_up_in=7),
        today=today(),
    )
    untouched = session.get(AftercarePlan, other_plan.id)
    assert untouched is not None
    assert untouched.sober_living_status is None
