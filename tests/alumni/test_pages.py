"""The alumni pages through their forms: the calendar, an event, the chart tab with
suggestions and consent, and the client's own page."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.alumni.models import (
    AlumniEvent,
    AlumniVolunteer,
    Mentorship,
    MentorshipStatus,
    Rsvp,
    RsvpStatus,
)
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Track, Transition
from stepdown.kit.clock import today
from stepdown.programs.models import Site
from stepdown.security.roles import Role
from tests.factories import (
    SYSTEM,
    csrf_from,
    make_alumnus,
    make_client,
    make_episode,
    make_site,
    make_user,
    make_volunteer,
    sign_in,
)

ZONE = ZoneInfo("America/New_York")


def _stepping_down(session: Session, *, site: Site) -> Client:
    """In IOP (evening) for 25 days, then OP (evening) for the last 5."""
    person = make_client(session, site=site)
    episode = make_episode(session, client=person, level_code="IOP")
    continuum_service.step(
        session,
        actor=SYSTEM,
        episode_id=episode.id,
        direction=Transition.STEP_DOWN,
        level_code="OP",
        track=Track.EVENING,
        on=today() - timedelta(days=5),
        reason="IOP goals met",
    )
    return person


def test_a_case_manager_runs_an_event_with_a_waitlist(client: TestClient, session: Session) -> None:
    site = make_site(session)
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    first, second = make_client(session, site=site), make_client(session, site=site)
    session.commit()
    sign_in(client, manager.username)
    page = client.get("/alumni")
    assert page.status_code == 200
    token = csrf_from(page.text)
    start = datetime.now(ZONE).replace(second=0, microsecond=0) + timedelta(days=2)
    month = start.strftime("%Y-%m")
    created = client.post(
        "/alumni/events",
        data={
            "csrf_token": token,
            "next": f"/alumni?month={month}",
            "title": "Sober bowling night",
            "site_id": str(site.id),
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "place": "Lanes on Main St",
            "capacity": "1",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    calendar = client.get(created.headers["location"]).text
    assert "Event “Sober bowling night” added." in calendar
    assert "Sober bowling night" in calendar
    session.expire_all()
    event = session.scalars(select(AlumniEvent)).one()
    assert event.starts_at == start.astimezone(ZONE)  # stored in UTC, entered in the zone

    refused = client.post(
        "/alumni/events",
        data={
            "csrf_token": token,
            "title": "Backwards",
            "site_id": str(site.id),
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert "Ends at: the event must end after it starts" in refused.text

    tab = f"/clients/{first.id}?tab=alumni"
    for person in (first, second):
        response = client.post(
            f"/alumni/events/{event.id}/rsvp",
            data={"csrf_token": token, "client_id": str(person.id), "next": tab},
            follow_redirects=False,
        )
        assert response.headers["location"] == tab
    shown = client.get(f"/alumni/events/{event.id}").text
    assert "1 going of 1; 1 waiting" in shown
    assert first.display_name in shown
    assert second.display_name in shown
    taken_back = client.post(
        f"/alumni/events/{event.id}/rsvp/cancel",
        data={
            "csrf_token": token,
            "client_id": str(first.id),
            "next": f"/alumni/events/{event.id}",
        },
    )
    assert "1 going of 1; 0 waiting" in taken_back.text
    session.expire_all()
    assert session.scalar(select(Rsvp.status).where(Rsvp.client_id == second.id)) is (
        RsvpStatus.GOING
    )


def test_enrol_suggest_propose_and_consent_from_the_chart(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR, site=site)
    alumnus = make_alumnus(session, site=site, preferred_name="Sam")
    mentee = _stepping_down(session, site=site)
    session.commit()
    sign_in(client, director.username)
    alumnus_tab = f"/clients/{alumnus.id}?tab=alumni"
    page = client.get(alumnus_tab)
    assert page.status_code == 200
    assert "Alumni &amp; mentoring" in page.text
    token = csrf_from(page.text)
    fields = {
        "csrf_token": token,
        "recovery_start": (today() - timedelta(days=700)).isoformat(),
        "interests": ["parenting", "fitness"],
        "tracks": ["evening"],
        "site_ids": [str(site.id)],
        "tags": "Chess",
        "max_mentees": "2",
    }
    refused = client.post(f"/alumni/clients/{alumnus.id}/volunteer", data=fields)
    assert "Consent: record the alumnus" in refused.text
    enrolled = client.post(
        f"/alumni/clients/{alumnus.id}/volunteer", data={**fields, "consent": "yes"}
    )
    assert "Enrolled as an alumni volunteer" in enrolled.text
    session.expire_all()
    volunteer = session.scalars(select(AlumniVolunteer)).one()
    assert volunteer.interests == ["parenting", "fitness"]
    assert volunteer.tags == ["chess"]

    mentee_tab = f"/clients/{mentee.id}?tab=alumni"
    assert f'hx-get="/alumni/clients/{mentee.id}/mentors"' in client.get(mentee_tab).text
    suggestions = client.get(f"/alumni/clients/{mentee.id}/mentors").text
    assert "Propose Sam" in suggestions
    assert alumnus.legal_last_name not in suggestions
    proposed = client.post(
        "/alumni/mentorships",
        data={"csrf_token": token, "client_id": str(mentee.id), "volunteer_id": str(volunteer.id)},
        follow_redirects=False,
    )
    assert proposed.headers["location"] == mentee_tab
    shown = client.get(mentee_tab).text
    assert "Mentorship proposed: it starts when both have consented." in shown
    mentorship = session.scalars(select(Mentorship)).one()
    unattested = client.post(
        f"/alumni/mentorships/{mentorship.id}/consent/mentee",
        data={"csrf_token": token, "next": mentee_tab},
    )
    assert "Attested: confirm that they consented in front of you" in unattested.text
    client.post(
        f"/alumni/mentorships/{mentorship.id}/consent/mentee",
        data={"csrf_token": token, "next": mentee_tab, "attested": "yes"},
    )
    done = client.post(
        f"/alumni/mentorships/{mentorship.id}/consent/mentor",
        data={"csrf_token": token, "next": mentee_tab, "attested": "yes"},
    )
    assert "Both have consented: the mentorship is active." in done.text
    session.expire_all()
    assert session.scalars(select(Mentorship.status)).one() is MentorshipStatus.ACTIVE

    overview = client.get("/alumni").text
    assert "Mentorships waiting or running" in overview
    assert mentee.display_name in overview
    assert alumnus.display_name in overview  # the director may read the volunteer's record
    assert "1 of 2" in overview  # mentees of the volunteer

    withdrawn = client.post(
        f"/alumni/volunteers/{volunteer.id}/withdraw",
        data={"csrf_token": token, "next": alumnus_tab},
    )
    assert "Consent to mentor withdrawn" in withdrawn.text
    assert "Record consent" in withdrawn.text
    session.expire_all()
    assert session.scalars(select(Mentorship.status)).one() is MentorshipStatus.ENDED
    again = client.post(
        f"/alumni/volunteers/{volunteer.id}/consent",
        data={"csrf_token": token, "next": alumnus_tab, "consent": "yes"},
    )
    assert "Consent to mentor recorded." in again.text


def test_a_client_signs_up_and_agrees_for_themselves(client: TestClient, session: Session) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR, site=site)
    me = _stepping_down(session, site=site)
    someone_else = make_client(session, site=site)
    volunteer = make_volunteer(session, client=make_alumnus(session, site=site))
    account = make_user(session, role=Role.CLIENT)
    clients_service.link_portal_account(session, actor=SYSTEM, client=me, user_id=account.id)
    start = datetime.now(ZONE) + timedelta(days=4)
    event = AlumniEvent(
        site_id=None,
        title="Alumni potluck",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="Community room",
        capacity=10,
        created_by=director.id,
    )
    session.add(event)
    mentorship = Mentorship(
        volunteer_id=volunteer.id,
        mentee_id=me.id,
        status=MentorshipStatus.PROPOSED,
        proposed_by=director.id,
        proposed_at=start - timedelta(days=5),
    )
    session.add(mentorship)
    session.commit()
    sign_in(client, account.username)
    page = client.get("/alumni/mine")
    assert page.status_code == 200
    assert "Alumni potluck" in page.text
    assert "Your mentor:" in page.text
    token = csrf_from(page.text)
    # The client_id in the form is ignored: a client always answers for themselves.
    signed_up = client.post(
        f"/alumni/events/{event.id}/rsvp",
        data={"csrf_token": token, "client_id": str(someone_else.id)},
        follow_redirects=False,
    )
    assert signed_up.headers["location"] == "/alumni/mine"
    session.expire_all()
    answered = session.scalars(select(Rsvp)).one()
    assert answered.client_id == me.id
    agreed = client.post(
        f"/alumni/mentorships/{mentorship.id}/consent/mentee", data={"csrf_token": token}
    )
    assert "Consent recorded; waiting for the other side." in agreed.text
    refused = client.post(
        f"/alumni/mentorships/{mentorship.id}/consent/mentor", data={"csrf_token": token}
    )
    assert "you may answer only for yourself" in refused.text


def test_an_unlinked_client_account_sees_a_note(client: TestClient, session: Session) -> None:
    account = make_user(session, role=Role.CLIENT)
    session.commit()
    sign_in(client, account.username)
    page = client.get("/alumni/mine")
    assert page.status_code == 200
    assert "not linked to a client record" in page.text
