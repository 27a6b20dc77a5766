"""Plan lifecycle on a real database: draft, sign, revise, notes, reviews, scoping, audit."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditEntry
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import DischargeType, Episode
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from stepdown.treatment_plans import service
from stepdown.treatment_plans.models import (
    ClientSignatureMethod,
    Modality,
    ObjectiveStatus,
    PlanStatus,
    TreatmentPlan,
)
from stepdown.treatment_plans.schemas import (
    GoalInput,
    InterventionInput,
    ObjectiveInput,
    ProgressNoteInput,
    ReviewInput,
    StatusChangeInput,
)
from tests.factories import (
    SYSTEM,
    make_client,
    make_episode,
    make_plan,
    make_site,
    make_user,
)


def _setup(session: Session) -> tuple[Actor, Client, User]:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    make_episode(session, client=person)
    return security_service.actor_for(clinician), person, clinician


def _audited(session: Session, entity_type: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.entity_type == entity_type)))


def _objective_id(session: Session, actor: Actor, plan: TreatmentPlan) -> uuid.UUID:
    return service.get_plan(session, actor=actor, plan_id=plan.id).objectives[0].id


class TestLifecycle:
    def test_draft_sign_revise_supersede(self, session: Session) -> None:
        actor, person, _clinician = _setup(session)
        plan = service.create_plan(session, actor=actor, client_id=person.id)
        assert plan.status is PlanStatus.DRAFT
        with pytest.raises(Conflict) as incomplete:
            service.sign_as_clinician(session, actor=actor, plan_id=plan.id)
        assert incomplete.value.rule == "plan.incomplete_for_signing"

        problem = service.add_problem(session, actor=actor, plan_id=plan.id, statement="Opioid use")
        goal = service.add_goal(
            session,
            actor=actor,
            plan_id=plan.id,
            data=GoalInput(problem_id=problem.id, client_words="Get my job back"),
        )
        service.add_objective(
            session,
            actor=actor,
            plan_id=plan.id,
            data=ObjectiveInput(
                goal_id=goal.id,
                statement="Submit 2 job applications a week",
                target_date=today() + timedelta(days=30),
            ),
        )
        service.add_intervention(
            session,
            actor=actor,
            plan_id=plan.id,
            data=InterventionInput(
                modality=Modality.MAT, frequency="daily", responsible_user_id=actor.user_id
            ),
        )
        service.sign_as_clinician(session, actor=actor, plan_id=plan.id)
        with pytest.raises(Conflict) as frozen:
            service.add_problem(session, actor=actor, plan_id=plan.id, statement="Housing")
        assert frozen.value.rule == "plan.signed_is_frozen"

        service.sign_in_person(session, actor=actor, plan_id=plan.id, attested=True)
        assert plan.status is PlanStatus.ACTIVE
        assert plan.client_signature_method is ClientSignatureMethod.IN_PERSON
        assert plan.client_signature_attested_by == actor.user_id
        assert plan.effective_on == today()
        assert plan.next_review_due == today() + timedelta(days=30)
        with pytest.raises(Conflict) as still_frozen:
            service.update_problem(
                session, actor=actor, plan_id=plan.id, problem_id=problem.id, statement="x"
            )
        assert still_frozen.value.rule == "plan.signed_is_frozen"

        # Progress on v1, then a revision: v1 stays in effect until v2 is signed by both.
        objective_id = _objective_id(session, actor, plan)
        service.record_progress_note(
            session,
            actor=actor,
            plan_id=plan.id,
            data=ProgressNoteInput(
                written_on=today(),
                narrative="Started applying.",
                changes=[
                    StatusChangeInput(
                        objective_id=objective_id, to_status=ObjectiveStatus.IN_PROGRESS
                    )
                ],
            ),
        )
        draft = service.revise(session, actor=actor, plan_id=plan.id)
        assert (draft.version, draft.supersedes_id, draft.status) == (2, plan.id, PlanStatus.DRAFT)
        with pytest.raises(Conflict) as twice:
            service.revise(session, actor=actor, plan_id=plan.id)
        assert twice.value.rule == "plan.draft_exists"
        copied = service.get_plan(session, actor=actor, plan_id=draft.id)
        assert [p.statement for p in copied.problems] == ["Opioid use"]
        assert copied.objectives[0].status is ObjectiveStatus.IN_PROGRESS
        service.add_problem(session, actor=actor, plan_id=draft.id, statement="Housing unstable")
        assert plan.status is PlanStatus.ACTIVE
        # Still editable gaps: the new problem has no goal yet.
        with pytest.raises(Conflict):
            service.sign_as_clinician(session, actor=actor, plan_id=draft.id)
        new_problem = service.get_plan(session, actor=actor, plan_id=draft.id).problems[1]
        service.remove_item(
            session,
            actor=actor,
            plan_id=draft.id,
            kind=service.ItemKind.PROBLEM,
            item_id=new_problem.id,
        )
        service.sign_as_clinician(session, actor=actor, plan_id=draft.id)
        service.sign_in_person(session, actor=actor, plan_id=draft.id, attested=True)
        assert (plan.status, draft.status) == (PlanStatus.SUPERSEDED, PlanStatus.ACTIVE)
        with pytest.raises(Conflict) as old:
            service.record_review(
                session,
                actor=actor,
                plan_id=plan.id,
                data=ReviewInput(reviewed_on=today(), summary="late"),
            )
        assert old.value.rule == "plan.needs_active"
        assert len(_audited(session, "treatment_plan")) >= 6
        assert _audited(session, "plan_progress_note")

    def test_one_plan_per_episode_and_needs_an_open_episode(self, session: Session) -> None:
        actor, person, _clinician = _setup(session)
        service.create_plan(session, actor=actor, client_id=person.id)
        with pytest.raises(Conflict) as again:
            service.create_plan(session, actor=actor, client_id=person.id)
        assert again.value.rule == "plan.draft_exists"
        site = make_site(session)
        nobody = make_client(session, site=site)
        with pytest.raises(Conflict) as no_episode:
            service.create_plan(session, actor=SYSTEM, client_id=nobody.id)
        assert no_episode.value.rule == "plan.needs_open_episode"

    def test_client_signs_only_after_the_clinician(self, session: Session) -> None:
        actor, person, clinician = _setup(session)
        plan = make_plan(
            session,
            client=person,
            clinician=clinician,
            sign=False,
        )
        portal = make_user(session, role=Role.CLIENT)
        person.portal_user_id = portal.id
        session.flush()
        client_actor = security_service.actor_for(portal)
        with pytest.raises(Conflict) as first:
            service.sign_as_client(session, actor=client_actor, plan_id=plan.id)
        assert first.value.rule == "plan.clinician_signs_first"
        service.sign_as_clinician(session, actor=actor, plan_id=plan.id)
        waiting = service.awaiting_client_signature(
            session,
            actor=client_actor,
            client_id=person.id,
        )
        assert waiting is not None
        assert waiting.plan.id == plan.id
        with pytest.raises(Forbidden):
            service.sign_as_client(session, actor=actor, plan_id=plan.id)
        service.sign_as_client(session, actor=client_actor, plan_id=plan.id)
        assert plan.status is PlanStatus.ACTIVE
        assert plan.client_signature_method is ClientSignatureMethod.PORTAL
        with pytest.raises(Conflict) as done:
            service.sign_as_client(session, actor=client_actor, plan_id=plan.id)
        assert done.value.rule == "plan.already_signed"

    def test_in_person_signature_needs_the_attestation(self, session: Session) -> None:
        actor, person, clinician = _setup(session)
        plan = make_plan(session, client=person, clinician=clinician, sign=False)
        service.sign_as_clinician(session, actor=actor, plan_id=plan.id)
        with pytest.raises(Invalid) as exc:
            service.sign_in_person(session, actor=actor, plan_id=plan.id, attested=False)
        assert exc.value.field == "attested"
        service.reopen(session, actor=actor, plan_id=plan.id)
        assert plan.clinician_signed_at is None
        service.add_problem(session, actor=actor, plan_id=plan.id, statement="Editable again")


class TestProgressAndReviews:
    def _active(self, session: Session) -> tuple[Actor, Client, TreatmentPlan]:
        actor, person, clinician = _setup(session)
        return actor, person, make_plan(session, client=person, clinician=clinician)

    def test_status_changes_are_checked_and_kept(self, session: Session) -> None:
        actor, person, plan = self._active(session)
        objective_id = _objective_id(session, actor, plan)

        def note(to: ObjectiveStatus) -> service.NoteView:
            return service.record_progress_note(
                session,
                actor=actor,
                plan_id=plan.id,
                data=ProgressNoteInput(
                    written_on=today(),
                    narrative="Session note.",
                    changes=[StatusChangeInput(objective_id=objective_id, to_status=to)],
                ),
            )

        note(ObjectiveStatus.IN_PROGRESS)
        done = note(ObjectiveStatus.MET)
        assert [(c.from_status, c.to_status) for c in done.changes] == [
            (ObjectiveStatus.IN_PROGRESS, ObjectiveStatus.MET)
        ]
        with pytest.raises(Conflict) as refused:
            note(ObjectiveStatus.IN_PROGRESS)
        assert refused.value.rule == "objective.transition_not_allowed"
        summary = service.objectives_summary(
            session,
            actor=actor,
            client_id=person.id,
            start=today() - timedelta(days=7),
            end=today(),
        )
        assert [o.status for o in summary.met] == [ObjectiveStatus.MET]
        assert summary.in_progress == []
        earlier = service.objectives_summary(
            session,
            actor=actor,
            client_id=person.id,
            start=today() - timedelta(days=14),
            end=today() - timedelta(days=1),
        )
        assert earlier.met == []
        assert earlier.in_progress == []

    def test_a_refused_change_writes_nothing(self, session: Session) -> None:
        actor, _, plan = self._active(session)
        with pytest.raises(Invalid):
            service.record_progress_note(
                session,
                actor=actor,
                plan_id=plan.id,
                data=ProgressNoteInput(
                    written_on=today() + timedelta(days=1), narrative="Tomorrow", changes=[]
                ),
            )
        assert _audited(session, "plan_progress_note") == []

    def test_reviews_move_the_due_date_and_overdue_lists(self, session: Session) -> None:
        actor, person, plan = self._active(session)
        assert service.overdue_reviews(session, actor=actor) == []
        plan.effective_on = today() - timedelta(days=45)
        plan.next_review_due = today() - timedelta(days=15)
        session.flush()
        rows = service.overdue_reviews(session, actor=actor)
        assert [(r.client.id, r.days_overdue) for r in rows] == [(person.id, 15)]
        other = make_user(session, role=Role.CLINICIAN)
        assert service.overdue_reviews(session, actor=security_service.actor_for(other)) == []
        director = security_service.actor_for(make_user(session, role=Role.DIRECTOR))
        assert len(service.overdue_reviews(session, actor=director)) >= 1
        review = service.record_review(
            session,
            actor=actor,
            plan_id=plan.id,
            data=ReviewInput(reviewed_on=today(), summary="Progressing; continue."),
        )
        assert review.next_due == plan.next_review_due == today() + timedelta(days=30)
        assert service.overdue_reviews(session, actor=actor) == []
        manager = security_service.actor_for(make_user(session, role=Role.CASE_MANAGER))
        with pytest.raises(Forbidden):
            service.overdue_reviews(session, actor=manager)


class TestScoping:
    def test_another_caseload_is_not_found(self, session: Session) -> None:
        _actor, person, clinician = _setup(session)
        plan = make_plan(session, client=person, clinician=clinician)
        stranger = security_service.actor_for(make_user(session, role=Role.CLINICIAN))
        with pytest.raises(NotFound):
            service.get_plan(session, actor=stranger, plan_id=plan.id)
        with pytest.raises(NotFound):
            service.revise(session, actor=stranger, plan_id=plan.id)
        admissions = security_service.actor_for(make_user(session, role=Role.ADMISSIONS))
        with pytest.raises(Forbidden):
            service.get_plan(session, actor=admissions, plan_id=plan.id)

    def test_a_client_reads_only_their_own_goals(self, session: Session) -> None:
        _actor, person, clinician = _setup(session)
        make_plan(session, client=person, clinician=clinician)
        portal = make_user(session, role=Role.CLIENT)
        person.portal_user_id = portal.id
        session.flush()
        me = security_service.actor_for(portal)
        goals = service.goals_for_client(session, actor=me, client_id=person.id)
        assert [g.client_words for g in goals] == ["I want to stay sober for my kids"]
        assert goals[0].objectives[0].status is ObjectiveStatus.NOT_STARTED
        someone = make_client(session, site=make_site(session))
        with pytest.raises(NotFound):
            service.goals_for_client(session, actor=me, client_id=someone.id)
        reads = [e for e in _audited(session, "plan_goal") if e.actor_id == portal.id]
        assert len(reads) == 1


class TestEpisodes:
    def test_a_new_episode_starts_a_new_plan(self, session: Session) -> None:
        actor, person, clinician = _setup(session)
        old = make_plan(session, client=person, clinician=clinician)
        episode = session.get(Episode, old.episode_id)
        assert episode is not None
        continuum_service.discharge(
            session,
            actor=SYSTEM,
            episode_id=episode.id,
            discharge_type=DischargeType.COMPLETED,
            on=today() - timedelta(days=1),
            summary="Completed IOP.",
        )
        shown = service.plan_section(session, actor=actor, client=person)
        assert shown.active is not None
        assert not shown.overdue
        assert not shown.can_start
        with pytest.raises(Conflict) as closed:
            service.revise(session, actor=actor, plan_id=old.id)
        assert closed.value.rule == "plan.episode_closed"
        make_episode(session, client=person, on=today())
        shown = service.plan_section(session, actor=actor, client=person)
        assert shown.active is None
        assert shown.can_start
        fresh = make_plan(session, client=person, clinician=clinician)
        assert fresh.version == 1
        assert old.status is PlanStatus.ACTIVE  # the earlier episode's plan, kept as it was
        goals = service.goals_for_client(session, actor=actor, client_id=person.id)
        assert len(goals) == 1
