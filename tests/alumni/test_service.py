"""Alumni use cases on SQLite and PostgreSQL: RSVPs and the waitlist, volunteers, suggestions,
and mentorships that start only when both sides consent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.alumni import service
from stepdown.alumni.models import (
    AlumniEvent,
    AlumniVolunteer,
    Mentorship,
    MentorshipStatus,
    RsvpStatus,
)
from stepdown.alumni.schemas import EventInput, VolunteerProfile
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Track, Transition
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.programs.models import Site
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from tests.factories import (
    make_alumnus,
    make_client,
    make_episode,
    make_site,
    make_user,
    make_volunteer,
)

MIN_DAYS = 365


def staff(session: Session, site: Site, role: Role = Role.CASE_MANAGER) -> Actor:
    return security_service.actor_for(make_user(session, role=role, site=site))


def portal(session: Session, client: Client) -> Actor:
    user = make_user(session, role=Role.CLIENT)
    clients_service.link_portal_account(
        session, actor=Actor.system("tests"), client=client, user_id=user.id
    )
    return security_service.actor_for(user)


def event(session: Session, actor: Actor, site: Site | None, capacity: int | None) -> AlumniEvent:
    start = utc_now() + timedelta(days=3)
    return service.create_event(
        session,
        actor=actor,
        data=EventInput(
            site_id=site.id if site else None,
            title="Alumni barbecue",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            capacity=capacity,
        ),
    )


class TestRsvps:
    def test_a_cancelled_place_goes_to_the_first_person_waiting(self, session: Session) -> None:
        site = make_site(session)
        manager = staff(session, site)
        barbecue = event(session, manager, site, capacity=2)
        people = [make_client(session, site=site) for _ in range(4)]
        answers = [
            service.rsvp(session, actor=manager, event_id=barbecue.id, client_id=p.id)
            for p in people
        ]
        assert [a.status for a in answers] == [
            RsvpStatus.GOING,
            RsvpStatus.GOING,
            RsvpStatus.WAITLISTED,
            RsvpStatus.WAITLISTED,
        ]
        service.cancel_rsvp(session, actor=manager, event_id=barbecue.id, client_id=people[0].id)
        session.expire_all()
        view = service.get_event(session, actor=manager, event_id=barbecue.id)
        status = {a.client.id: a.rsvp.status for a in view.attendees}
        assert status == {
            people[1].id: RsvpStatus.GOING,
            people[2].id: RsvpStatus.GOING,
            people[3].id: RsvpStatus.WAITLISTED,
        }
        assert (view.going, view.waitlisted) == (2, 1)
        promoted = session.scalars(
            select(AuditEntry).where(
                AuditEntry.client_id == people[2].id, AuditEntry.entity_type == "alumni_rsvp"
            )
        ).all()
        assert [e.detail.get("promoted_from_waitlist") for e in promoted if e.detail] == [
            None,
            True,
        ]

    def test_answering_again_goes_to_the_back_of_the_queue(self, session: Session) -> None:
        site = make_site(session)
        manager = staff(session, site)
        barbecue = event(session, manager, site, capacity=1)
        first, second, third = (make_client(session, site=site) for _ in range(3))
        for person in (first, second, third):
            service.rsvp(session, actor=manager, event_id=barbecue.id, client_id=person.id)
        service.cancel_rsvp(session, actor=manager, event_id=barbecue.id, client_id=second.id)
        again = service.rsvp(session, actor=manager, event_id=barbecue.id, client_id=second.id)
        assert again.status is RsvpStatus.WAITLISTED
        service.cancel_rsvp(session, actor=manager, event_id=barbecue.id, client_id=first.id)
        session.expire_all()
        view = service.get_event(session, actor=manager, event_id=barbecue.id)
        going = [a.client.id for a in view.attendees if a.rsvp.status is RsvpStatus.GOING]
        assert going == [third.id]

    def test_more_capacity_lets_people_in_and_less_than_going_is_refused(
        self, session: Session
    ) -> None:
        site = make_site(session)
        manager = staff(session, site)
        barbecue = event(session, manager, site, capacity=1)
        for _ in range(3):
            person = make_client(session, site=site)
            service.rsvp(session, actor=manager, event_id=barbecue.id, client_id=person.id)
        data = EventInput(
            site_id=site.id,
            title=barbecue.title,
            starts_at=barbecue.starts_at,
            ends_at=barbecue.ends_at,
            capacity=2,
        )
        service.update_event(session, actor=manager, event_id=barbecue.id, data=data)
        view = service.get_event(session, actor=manager, event_id=barbecue.id)
        assert (view.going, view.waitlisted) == (2, 1)
        with pytest.raises(Conflict) as refused:
            service.update_event(
                session,
                actor=manager,
                event_id=barbecue.id,
                data=data.model_copy(update={"capacity": 1}),
            )
        assert refused.value.rule == "event.capacity_below_going"

    def test_a_client_answers_for_themselves_only(self, session: Session) -> None:
        site = make_site(session)
        director = staff(session, site, Role.DIRECTOR)
        barbecue = event(session, director, None, capacity=None)
        me, someone_else = make_client(session, site=site), make_client(session, site=site)
        actor = portal(session, me)
        mine = service.rsvp(session, actor=actor, event_id=barbecue.id, client_id=me.id)
        assert mine.status is RsvpStatus.GOING
        with pytest.raises(Forbidden):
            service.rsvp(session, actor=actor, event_id=barbecue.id, client_id=someone_else.id)
        with pytest.raises(Forbidden):
            service.cancel_rsvp(
                session, actor=actor, event_id=barbecue.id, client_id=someone_else.id
            )

    def test_site_events_are_for_that_sites_clients(self, session: Session) -> None:
        here, there = make_site(session), make_site(session)
        director = staff(session, here, Role.DIRECTOR)
        barbecue = event(session, director, there, capacity=None)
        person = make_client(session, site=here)
        with pytest.raises(Conflict) as refused:
            service.rsvp(session, actor=director, event_id=barbecue.id, client_id=person.id)
        assert refused.value.rule == "rsvp.other_site"

    def test_no_answers_to_a_cancelled_event(self, session: Session) -> None:
        site = make_site(session)
        manager = staff(session, site)
        barbecue = event(session, manager, site, capacity=None)
        service.cancel_event(session, actor=manager, event_id=barbecue.id)
        with pytest.raises(Conflict) as refused:
            service.rsvp(
                session,
                actor=manager,
                event_id=barbecue.id,
                client_id=make_client(session, site=site).id,
            )
        assert refused.value.rule == "event.cancelled"

    def test_case_managers_run_their_own_sites_events(self, session: Session) -> None:
        here, there = make_site(session), make_site(session)
        manager = staff(session, here)
        with pytest.raises(Forbidden):
            event(session, manager, there, capacity=None)
        with pytest.raises(Forbidden):
            event(session, manager, None, capacity=None)
        clinician = staff(session, here, Role.CLINICIAN)
        with pytest.raises(Forbidden):
            event(session, clinician, here, capacity=None)

    def test_staff_see_counts_for_everyone_but_names_only_of_their_clients(
        self, session: Session
    ) -> None:
        site = make_site(session)
        director = staff(session, site, Role.DIRECTOR)
        clinician_user = make_user(session, role=Role.CLINICIAN, site=site)
        clinician = security_service.actor_for(clinician_user)
        barbecue = event(session, director, site, capacity=None)
        mine = make_client(session, site=site, clinician=clinician_user)
        other = make_client(session, site=site)
        for person in (mine, other):
            service.rsvp(session, actor=director, event_id=barbecue.id, client_id=person.id)
        view = service.get_event(session, actor=clinician, event_id=barbecue.id)
        assert view.going == 2
        assert [a.client.id for a in view.attendees] == [mine.id]


def status_of(mentorship: Mentorship) -> MentorshipStatus:
    """The status through a call, so mypy does not keep an earlier assert's narrowing."""
    return mentorship.status


def stepping_down(session: Session, site: Site) -> Client:
    """A client in IOP (evening) who stepped down to OP, evening track, 5 days ago."""
    person = make_client(session, site=site)
    episode = make_episode(session, client=person, level_code="IOP")
    continuum_service.step(
        session,
        actor=Actor.system("tests"),
        episode_id=episode.id,
        direction=Transition.STEP_DOWN,
        level_code="OP",
        track=Track.EVENING,
        on=today() - timedelta(days=5),
        reason="IOP goals met",
    )
    return person


class TestVolunteers:
    def test_enrolment_needs_consent_and_writes_nothing_without(self, session: Session) -> None:
        site = make_site(session)
        manager = staff(session, site)
        alumnus = make_alumnus(session, site=site)
        profile = VolunteerProfile(recovery_start=today() - timedelta(days=500))
        with pytest.raises(Invalid) as refused:
            service.enrol_volunteer(
                session, actor=manager, client_id=alumnus.id, data=profile, consent=False
            )
        assert refused.value.field == "consent"
        assert session.scalar(select(AlumniVolunteer)) is None
        service.enrol_volunteer(
            session, actor=manager, client_id=alumnus.id, data=profile, consent=True
        )
        with pytest.raises(Conflict):
            service.enrol_volunteer(
                session, actor=manager, client_id=alumnus.id, data=profile, consent=True
            )

    def test_eligibility_shows_why_not(self, session: Session) -> None:
        site = make_site(session)
        manager = staff(session, site)
        ready = make_volunteer(session, client=make_alumnus(session, site=site))
        new = make_volunteer(session, client=make_alumnus(session, site=site), recovery_days=100)
        current = make_volunteer(session, client=stepping_down(session, site))
        views = {
            v.volunteer.id: v.refusals
            for v in service.list_volunteers(session, actor=manager, min_recovery_days=MIN_DAYS)
        }
        assert views == {
            ready.id: [],
            new.id: ["mentor.recovery_too_short"],
            current.id: ["mentor.no_completed_discharge", "mentor.in_treatment"],
        }


class TestSuggestions:
    def test_withdrawn_consent_removes_the_volunteer_from_suggestions(
        self, session: Session
    ) -> None:
        site = make_site(session)
        manager = staff(session, site)
        mentee = stepping_down(session, site)
        alumnus = make_alumnus(session, site=site, preferred_name="Sam")
        volunteer = make_volunteer(session, client=alumnus)
        found = service.suggest_mentors(
            session, actor=manager, client_id=mentee.id, min_recovery_days=MIN_DAYS
        )
        assert [(s.volunteer.id, s.first_name) for s in found.suggestions] == [
            (volunteer.id, "Sam")
        ]
        service.withdraw_volunteer_consent(
            session, actor=portal(session, alumnus), volunteer_id=volunteer.id
        )
        found = service.suggest_mentors(
            session, actor=manager, client_id=mentee.id, min_recovery_days=MIN_DAYS
        )
        assert found.suggestions == []
        with pytest.raises(Conflict) as refused:
            service.propose_mentorship(
                session,
                actor=manager,
                client_id=mentee.id,
                volunteer_id=volunteer.id,
                min_recovery_days=MIN_DAYS,
            )
        assert refused.value.rule == "mentor.consent_withdrawn"

    def test_better_matches_first_and_full_mentors_left_out(self, session: Session) -> None:
        site, elsewhere = make_site(session), make_site(session)
        manager = staff(session, site, Role.DIRECTOR)
        mentee = stepping_down(session, site)
        service.set_mentee_interests(
            session, actor=manager, client_id=mentee.id, interests=["parenting"], tags=["chess"]
        )
        far = make_volunteer(
            session, client=make_alumnus(session, site=elsewhere), interests=["parenting"]
        )
        near = make_volunteer(session, client=make_alumnus(session, site=site))
        full = make_volunteer(
            session, client=make_alumnus(session, site=site), tags=["chess"], max_mentees=1
        )
        other_mentee = stepping_down(session, site)
        service.propose_mentorship(
            session,
            actor=manager,
            client_id=other_mentee.id,
            volunteer_id=full.id,
            min_recovery_days=MIN_DAYS,
        )
        found = service.suggest_mentors(
            session, actor=manager, client_id=mentee.id, min_recovery_days=MIN_DAYS
        )
        assert [s.volunteer.id for s in found.suggestions] == [near.id, far.id]
        assert found.suggestions[1].match.shared == ("parenting",)
        with pytest.raises(Conflict) as refused:
            service.propose_mentorship(
                session,
                actor=manager,
                client_id=mentee.id,
                volunteer_id=full.id,
                min_recovery_days=MIN_DAYS,
            )
        assert refused.value.rule == "mentor.at_limit"

    def test_only_clients_stepping_down_get_suggestions(self, session: Session) -> None:
        site = make_site(session)
        manager = staff(session, site)
        in_iop = make_client(session, site=site)
        make_episode(session, client=in_iop, level_code="IOP")
        make_volunteer(session, client=make_alumnus(session, site=site))
        found = service.suggest_mentors(
            session, actor=manager, client_id=in_iop.id, min_recovery_days=MIN_DAYS
        )
        assert not found.mentee.stepping_down
        assert found.suggestions == []

    def test_suggestions_need_the_client_in_view(self, session: Session) -> None:
        site = make_site(session)
        clinician = staff(session, site, Role.CLINICIAN)
        with pytest.raises(NotFound):
            service.suggest_mentors(
                session,
                actor=clinician,
                client_id=stepping_down(session, site).id,
                min_recovery_days=MIN_DAYS,
            )


class TestMentorships:
    def _proposed(self, session: Session) -> tuple[Actor, Client, Client, AlumniVolunteer]:
        site = make_site(session)
        manager = staff(session, site)
        mentee = stepping_down(session, site)
        alumnus = make_alumnus(session, site=site)
        volunteer = make_volunteer(session, client=alumnus)
        return manager, mentee, alumnus, volunteer

    def test_active_only_after_both_consent_each_for_themselves(self, session: Session) -> None:
        manager, mentee, alumnus, volunteer = self._proposed(session)
        proposal = service.propose_mentorship(
            session,
            actor=manager,
            client_id=mentee.id,
            volunteer_id=volunteer.id,
            min_recovery_days=MIN_DAYS,
        )
        as_mentee, as_mentor = portal(session, mentee), portal(session, alumnus)
        with pytest.raises(Forbidden):
            service.consent_as_mentor(
                session, actor=as_mentee, mentorship_id=proposal.id, min_recovery_days=MIN_DAYS
            )
        with pytest.raises(Forbidden):
            service.consent_as_mentee(
                session, actor=as_mentor, mentorship_id=proposal.id, min_recovery_days=MIN_DAYS
            )
        service.consent_as_mentee(
            session, actor=as_mentee, mentorship_id=proposal.id, min_recovery_days=MIN_DAYS
        )
        assert proposal.status is MentorshipStatus.PROPOSED
        assert proposal.started_at is None
        service.consent_as_mentor(
            session, actor=as_mentor, mentorship_id=proposal.id, min_recovery_days=MIN_DAYS
        )
        assert status_of(proposal) is MentorshipStatus.ACTIVE
        assert proposal.started_at is not None
        disclosures = session.scalars(
            select(AuditEntry.client_id).where(
                AuditEntry.action == AuditAction.DISCLOSE,
                AuditEntry.entity_id == str(proposal.id),
            )
        ).all()
        assert set(disclosures) == {mentee.id, alumnus.id}
        with pytest.raises(Conflict):
            service.consent_as_mentee(
                session, actor=as_mentee, mentorship_id=proposal.id, min_recovery_days=MIN_DAYS
            )
        service.end_mentorship(session, actor=as_mentee, mentorship_id=proposal.id)
        assert proposal.status is MentorshipStatus.ENDED

    def test_the_mentor_learns_the_mentees_name_only_after_the_mentee_agrees(
        self, session: Session
    ) -> None:
        manager, mentee, alumnus, volunteer = self._proposed(session)
        proposal = service.propose_mentorship(
            session,
            actor=manager,
            client_id=mentee.id,
            volunteer_id=volunteer.id,
            min_recovery_days=MIN_DAYS,
        )
        as_mentor = portal(session, alumnus)
        before = service.my_alumni(session, actor=as_mentor).mentorships
        assert [(m.side, m.other_first_name) for m in before] == [("mentor", None)]
        mentee_view = service.my_alumni(session, actor=portal(session, mentee)).mentorships
        assert [(m.side, m.other_first_name) for m in mentee_view] == [
            ("mentee", alumnus.legal_first_name)
        ]
        with pytest.raises(Invalid) as unattested:
            service.consent_as_mentee(
                session, actor=manager, mentorship_id=proposal.id, min_recovery_days=MIN_DAYS
            )
        assert unattested.value.field == "attested"
        service.consent_as_mentee(
            session,
            actor=manager,
            mentorship_id=proposal.id,
            min_recovery_days=MIN_DAYS,
            attested=True,
        )
        after = service.my_alumni(session, actor=as_mentor).mentorships
        assert [(m.side, m.other_first_name) for m in after] == [
            ("mentor", mentee.legal_first_name)
        ]

    def test_one_open_mentorship_per_mentee(self, session: Session) -> None:
        manager, mentee, _, volunteer = self._proposed(session)
        other = make_volunteer(session, client=make_alumnus(session, site=make_site(session)))
        service.propose_mentorship(
            session,
            actor=manager,
            client_id=mentee.id,
            volunteer_id=volunteer.id,
            min_recovery_days=MIN_DAYS,
        )
        with pytest.raises(Conflict) as refused:
            service.propose_mentorship(
                session,
                actor=manager,
                client_id=mentee.id,
                volunteer_id=other.id,
                min_recovery_days=MIN_DAYS,
            )
        assert refused.value.rule == "mentorship.one_open_per_mentee"

    def test_withdrawing_consent_closes_open_mentorships(self, session: Session) -> None:
        manager, mentee, alumnus, volunteer = self._proposed(session)
        proposal = service.propose_mentorship(
            session,
            actor=manager,
            client_id=mentee.id,
            volunteer_id=volunteer.id,
            min_recovery_days=MIN_DAYS,
        )
        service.withdraw_volunteer_consent(session, actor=manager, volunteer_id=volunteer.id)
        assert proposal.status is MentorshipStatus.DECLINED
        assert proposal.end_reason == "the mentor withdrew consent"
        with pytest.raises(Conflict):
            service.withdraw_volunteer_consent(session, actor=manager, volunteer_id=volunteer.id)
        service.record_volunteer_consent(session, actor=manager, volunteer_id=volunteer.id)
        assert volunteer.consent_withdrawn_at is None
        assert alumnus.id == volunteer.client_id

    def test_a_mentor_who_became_ineligible_cannot_start(self, session: Session) -> None:
        manager, mentee, _, volunteer = self._proposed(session)
        proposal = service.propose_mentorship(
            session,
            actor=manager,
            client_id=mentee.id,
            volunteer_id=volunteer.id,
            min_recovery_days=MIN_DAYS,
        )
        service.consent_as_mentee(
            session,
            actor=manager,
            mentorship_id=proposal.id,
            min_recovery_days=MIN_DAYS,
            attested=True,
        )
        service.update_volunteer(
            session,
            actor=manager,
            volunteer_id=volunteer.id,
            data=VolunteerProfile(recovery_start=today() - timedelta(days=30)),
        )
        with pytest.raises(Conflict) as refused:
            service.consent_as_mentor(
                session,
                actor=manager,
                mentorship_id=proposal.id,
                min_recovery_days=MIN_DAYS,
                attested=True,
            )
        assert refused.value.rule == "mentor.recovery_too_short"
        assert proposal.mentor_consent_at is None
        assert proposal.status is MentorshipStatus.PROPOSED
