"""Accounts in the browser: an administrator creates, edits, disables and resets; a
director reads; everyone else is refused."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.security import accounts, passwords, service
from stepdown.security.roles import Role
from tests.factories import csrf_from, make_site, make_user, sign_in


def _admin(client: TestClient, session: Session) -> str:
    admin = make_user(session, role=Role.ADMIN)
    session.commit()
    sign_in(client, admin.username)
    return csrf_from(client.get("/users").text)


def test_an_administrator_creates_an_account_and_sees_the_password_once(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    supervisor = make_user(session, role=Role.CLINICIAN)
    token = _admin(client, session)
    assert 'href="/users/new"' in client.get("/users").text
    refused = client.post(
        "/users/new",
        data={"csrf_token": token, "username": "x", "display_name": "Dana", "role": "clinician"},
    )
    assert refused.status_code == 422
    assert "Username:" in refused.text
    made = client.post(
        "/users/new",
        data={
            "csrf_token": token,
            "username": "dana.cruz",
            "display_name": "Dana Cruz",
            "role": "clinician",
            "site": str(site.id),
            "supervisor": str(supervisor.id),
        },
    )
    assert made.status_code == 200
    shown = re.search(r'<code class="password-once">([^<]+)</code>', made.text)
    assert shown is not None
    session.expire_all()
    dana = service.get_user(session, username="dana.cruz")
    assert passwords.verify_password(dana.password_hash, shown.group(1))
    assert dana.site_id == site.id
    assert accounts.supervisor_of(session, dana.id) == supervisor.id
    assert shown.group(1) not in client.get("/users/dana.cruz").text


def test_disabling_asks_first_then_signs_the_person_out(
    client: TestClient, session: Session
) -> None:
    user = make_user(session, role=Role.CASE_MANAGER)
    token = _admin(client, session)
    asked = client.post(f"/users/{user.username}/disable", data={"csrf_token": token})
    assert f"Disable {user.display_name}" in asked.text
    assert 'name="confirmed" value="yes"' in asked.text
    session.expire_all()
    assert service.get_user(session, username=user.username).is_active
    done = client.post(
        f"/users/{user.username}/disable", data={"csrf_token": token, "confirmed": "yes"}
    )
    assert f"{user.username} is disabled." in done.text
    session.expire_all()
    assert not service.get_user(session, username=user.username).is_active
    enabled = client.post(f"/users/{user.username}/enable", data={"csrf_token": token})
    assert "may sign in again" in enabled.text


def test_a_reset_shows_a_new_password_that_signs_in(client: TestClient, session: Session) -> None:
    user = make_user(session, role=Role.CLINICIAN)
    token = _admin(client, session)
    reset = client.post(
        f"/users/{user.username}/reset-password", data={"csrf_token": token, "confirmed": "yes"}
    )
    shown = re.search(r'<code class="password-once">([^<]+)</code>', reset.text)
    assert shown is not None
    session.expire_all()
    assert passwords.verify_password(
        service.get_user(session, username=user.username).password_hash, shown.group(1)
    )


def test_an_edit_that_breaks_a_rule_is_shown_again(client: TestClient, session: Session) -> None:
    user = make_user(session, role=Role.CLINICIAN)
    token = _admin(client, session)
    refused = client.post(
        f"/users/{user.username}",
        data={
            "csrf_token": token,
            "display_name": "Renamed",
            "role": "clinician",
            "supervisor": str(user.id),
        },
    )
    assert refused.status_code == 422
    assert "nobody supervises themself" in refused.text
    assert 'value="Renamed"' in refused.text


def test_a_director_reads_but_does_not_change(client: TestClient, session: Session) -> None:
    user = make_user(session, role=Role.CLINICIAN)
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    page = client.get(f"/users/{user.username}")
    assert page.status_code == 200
    assert "Reset password" not in page.text
    token = csrf_from(page.text)
    for path in (f"/users/{user.username}", f"/users/{user.username}/disable", "/users/new"):
        assert client.post(path, data={"csrf_token": token}).status_code == 403, path


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.ADMISSIONS])
def test_other_staff_are_refused(client: TestClient, session: Session, role: Role) -> None:
    user = make_user(session, role=role)
    session.commit()
    sign_in(client, user.username)
    assert client.get(f"/users/{user.username}").status_code == 403
    assert client.get("/users/new").status_code == 403


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("site", "00000000-0000-0000-0000-000000000000", "choose an open site"),
        ("email", "not an address", "e-mail address such as"),
        ("username", "new", "choose another"),
    ],
)
def test_a_bad_site_email_or_reserved_name_is_named_not_a_500(
    client: TestClient, session: Session, field: str, value: str, message: str
) -> None:
    token = _admin(client, session)
    form = {"csrf_token": token, "username": "sam.lee", "display_name": "Sam", "role": "clinician"}
    form[field] = value
    refused = client.post("/users/new", data=form)
    assert refused.status_code == 422, refused.text
    assert message in refused.text
