"""A portal invitation: made by staff on the chart, used once by the client to choose their
own password, refused when used, replaced or expired."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.portal import invitations
from stepdown.portal.models import PortalInvitation
from stepdown.security import passwords
from stepdown.security.roles import Role
from stepdown.security.service import actor_for
from tests.factories import SYSTEM, csrf_from, make_client, make_site, make_user, sign_in

CHOSEN = "my own long passphrase"


def test_an_invitation_is_used_once_and_links_the_account(session: Session) -> None:
    site = make_site(session)
    admissions = make_user(session, role=Role.ADMISSIONS, site=site)
    person = make_client(session, site=site)
    made = invitations.invite(session, actor=actor_for(admissions), client_id=person.id)
    assert made.expires_at - made.client.created_at <= invitations.LIFETIME + timedelta(minutes=1)
    user = invitations.accept(session, secret=made.secret, username="noor.h", password=CHOSEN)
    assert user.role is Role.CLIENT
    assert person.portal_user_id == user.id
    assert passwords.verify_password(user.password_hash, CHOSEN)
    with pytest.raises(NotFound) as used:
        invitations.accept(session, secret=made.secret, username="again", password=CHOSEN)
    assert used.value.rule == invitations.NOT_USABLE
    with pytest.raises(Conflict):
        invitations.invite(session, actor=actor_for(admissions), client_id=person.id)


def test_a_new_invitation_replaces_the_old_and_an_old_one_expires(session: Session) -> None:
    person = make_client(session, site=make_site(session))
    first = invitations.invite(session, actor=SYSTEM, client_id=person.id)
    second = invitations.invite(session, actor=SYSTEM, client_id=person.id)
    with pytest.raises(NotFound):
        invitations.check(session, secret=first.secret)
    invitations.check(session, secret=second.secret)
    row = session.query(PortalInvitation).filter_by(revoked_at=None).one()
    row.expires_at = row.created_at - timedelta(seconds=1)
    with pytest.raises(NotFound):
        invitations.accept(session, secret=second.secret, username="late.one", password=CHOSEN)


def test_a_weak_password_is_refused_and_the_link_still_works(session: Session) -> None:
    person = make_client(session, site=make_site(session))
    made = invitations.invite(session, actor=SYSTEM, client_id=person.id)
    with pytest.raises(Invalid) as weak:
        invitations.accept(session, secret=made.secret, username="noor.h", password="short")
    assert weak.value.field == "password"
    invitations.check(session, secret=made.secret)


def test_only_staff_who_may_see_the_client_invite(session: Session) -> None:
    site = make_site(session)
    person = make_client(session, site=site)
    admin = make_user(session, role=Role.ADMIN)
    other = make_user(session, role=Role.CLINICIAN, site=site)
    with pytest.raises(Forbidden):
        invitations.invite(session, actor=actor_for(admin), client_id=person.id)
    with pytest.raises(NotFound):  # not on this clinician's caseload
        invitations.invite(session, actor=actor_for(other), client_id=person.id)


def test_the_client_makes_an_account_in_the_browser_and_signs_in(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    session.commit()
    sign_in(client, clinician.username)
    chart = client.get(f"/clients/{person.id}")
    made = client.post(
        f"/clients/{person.id}/portal-invitation", data={"csrf_token": csrf_from(chart.text)}
    )
    assert made.status_code == 200
    link = re.search(
        r'<code class="password-once">http://[^/]+(/invitation/[^<]+)</code>', made.text
    )
    assert link is not None
    client.cookies.clear()  # the client, on their own phone
    form = client.get(link.group(1))
    assert form.status_code == 200
    token = csrf_from(form.text)
    differ = client.post(
        link.group(1),
        data={
            "csrf_token": token,
            "username": "noor.h",
            "password": CHOSEN,
            "password_again": CHOSEN + "!",
        },
    )
    assert differ.status_code == 422
    assert "the two passwords differ" in differ.text
    done = client.post(
        link.group(1),
        data={
            "csrf_token": token,
            "username": "noor.h",
            "password": CHOSEN,
            "password_again": CHOSEN,
        },
    )
    assert done.status_code == 200
    assert "Your account noor.h is ready: sign in." in done.text
    sign_in(client, "noor.h", CHOSEN)
    assert client.get("/portal").status_code == 200
    client.cookies.clear()
    assert client.get(link.group(1)).status_code == 410
