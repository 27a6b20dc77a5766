"""A staff member's signing PIN page, and the co-signature mark on an account (the
administrator's account pages and ``accounts.update_account``)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditEntry
from stepdown.kit.errors import Invalid
from stepdown.security import accounts, service, signing
from stepdown.security.models import Supervision, User
from stepdown.security.roles import Role
from stepdown.security.service import actor_for
from tests.factories import PASSWORD, csrf_from, make_user, sign_in

PAGE = "/account/signing-pin"
PIN = "739164"


def _user_changes(session: Session, user: User) -> dict[str, object]:
    entry = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "user", AuditEntry.entity_id == str(user.id))
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    assert entry is not None
    changes = entry.detail["changes"]
    assert isinstance(changes, dict)
    return changes


def test_a_staff_member_sets_replaces_and_removes_their_pin(
    client: TestClient, session: Session
) -> None:
    user = make_user(session, role=Role.CASE_MANAGER)
    session.commit()
    sign_in(client, user.username)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "No signing PIN is set." in page.text
    assert f'href="{PAGE}"' in page.text  # in the menu
    token = csrf_from(page.text)

    wrong = client.post(
        PAGE, data={"csrf_token": token, "password": "nope", "pin": PIN, "pin_again": PIN}
    )
    assert wrong.status_code == 422
    assert 'id="e-password"' in wrong.text
    differ = client.post(
        PAGE, data={"csrf_token": token, "password": PASSWORD, "pin": PIN, "pin_again": "739165"}
    )
    assert (differ.status_code, 'id="e-pin_again"' in differ.text) == (422, True)
    trivial = client.post(
        PAGE,
        data={"csrf_token": token, "password": PASSWORD, "pin": "123456", "pin_again": "123456"},
    )
    assert (trivial.status_code, 'id="e-pin"' in trivial.text) == (422, True)
    session.expire_all()
    assert not signing.has_pin(session, user.id)

    done = client.post(
        PAGE,
        data={"csrf_token": token, "password": PASSWORD, "pin": PIN, "pin_again": PIN},
        follow_redirects=False,
    )
    assert done.status_code == 303
    shown = client.get(PAGE)
    assert "Your signing PIN is set." in shown.text
    assert "A signing PIN is set." in shown.text
    assert PIN not in shown.text
    session.expire_all()
    assert signing.has_pin(session, user.id)
    assert signing.confirm_signer(session, actor=actor_for(user), secret=PIN).value == "pin"

    client.post(
        PAGE,
        data={"csrf_token": token, "password": PASSWORD, "pin": "846203", "pin_again": "846203"},
        follow_redirects=False,
    )
    assert "Your signing PIN is replaced." in client.get(PAGE).text

    asked = client.post(f"{PAGE}/remove", data={"csrf_token": token})
    assert asked.status_code == 200
    assert 'name="confirmed" value="yes"' in asked.text
    session.expire_all()
    assert signing.has_pin(session, user.id)
    removed = client.post(
        f"{PAGE}/remove", data={"csrf_token": token, "confirmed": "yes"}, follow_redirects=False
    )
    assert removed.status_code == 303
    assert "No signing PIN is set." in client.get(PAGE).text
    session.expire_all()
    assert not signing.has_pin(session, user.id)


def test_a_client_has_no_signing_pin_page(client: TestClient, session: Session) -> None:
    portal = make_user(session, role=Role.CLIENT)
    session.commit()
    sign_in(client, portal.username)
    assert client.get(PAGE).status_code == 403
    assert f'href="{PAGE}"' not in client.get("/").text


def test_the_page_says_whose_cosignature_the_notes_wait_for(
    client: TestClient, session: Session
) -> None:
    intern = make_user(session)
    supervisor = make_user(session)
    admin = make_user(session, role=Role.ADMIN)
    _mark(session, admin, intern, supervisor, cosign=True)
    session.commit()
    sign_in(client, intern.username)
    assert f"co-signature of {supervisor.display_name}" in client.get(PAGE).text


def _mark(
    session: Session, admin: User, user: User, supervisor: User | None, *, cosign: bool
) -> None:
    accounts.update_account(
        session,
        actor=actor_for(admin),
        username=user.username,
        change=accounts.AccountChange(
            display_name=user.display_name,
            email=user.email,
            role=user.role,
            site_id=user.site_id,
            supervisor_id=supervisor.id if supervisor else None,
            cosign_notes=cosign,
        ),
    )


def test_the_cosignature_mark_is_audited_with_old_and_new_value(session: Session) -> None:
    admin = make_user(session, role=Role.ADMIN)
    intern = make_user(session)
    supervisor = make_user(session)
    other = make_user(session)
    with pytest.raises(Invalid) as caught:
        _mark(session, admin, intern, None, cosign=True)
    assert caught.value.field == "cosign_notes"
    _mark(session, admin, intern, supervisor, cosign=True)
    assert _user_changes(session, intern) == {
        "supervisor": {"old": None, "new": str(supervisor.id)},
        "cosign_notes": {"old": False, "new": True},
    }
    since = session.get(Supervision, intern.id)
    assert since is not None
    started = since.since
    _mark(session, admin, intern, supervisor, cosign=False)
    assert _user_changes(session, intern) == {"cosign_notes": {"old": True, "new": False}}
    assert since.since == started  # the same supervisor since the same time
    _mark(session, admin, intern, other, cosign=True)
    assert _user_changes(session, intern) == {
        "supervisor": {"old": str(supervisor.id), "new": str(other.id)},
        "cosign_notes": {"old": False, "new": True},
    }
    assert signing.needs_cosignature(session, intern.id) == other.id
    _mark(session, admin, intern, None, cosign=False)
    assert session.get(Supervision, intern.id) is None
    assert not accounts.cosigns_notes(session, intern.id)


def test_an_administrator_marks_an_intern_for_cosignature(
    client: TestClient, session: Session
) -> None:
    admin = make_user(session, role=Role.ADMIN)
    intern = make_user(session)
    supervisor = make_user(session)
    session.commit()
    sign_in(client, admin.username)
    form = client.get(f"/users/{intern.username}")
    assert "Notes need this supervisor's co-signature (intern, unlicensed counselor)" in (form.text)
    assert 'name="cosign_notes" value="yes">' in form.text  # not ticked
    token = csrf_from(form.text)
    fields = {
        "csrf_token": token,
        "display_name": intern.display_name,
        "email": "",
        "role": "clinician",
        "site": "",
    }
    refused = client.post(
        f"/users/{intern.username}", data=fields | {"supervisor": "", "cosign_notes": "yes"}
    )
    assert refused.status_code == 422
    assert 'id="e-cosign_notes"' in refused.text
    saved = client.post(
        f"/users/{intern.username}",
        data=fields | {"supervisor": str(supervisor.id), "cosign_notes": "yes"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    session.expire_all()
    assert signing.needs_cosignature(session, intern.id) == supervisor.id
    assert 'name="cosign_notes" value="yes" checked' in client.get(f"/users/{intern.username}").text
    listing = client.get("/users").text
    row = listing.split(f'href="/users/{intern.username}"')[1].split("</tr>")[0]
    assert supervisor.display_name in row
    assert "co-signs notes" in row
    # Saved without the box: the mark goes, the supervisor stays.
    client.post(f"/users/{intern.username}", data=fields | {"supervisor": str(supervisor.id)})
    session.expire_all()
    assert signing.needs_cosignature(session, intern.id) is None
    assert accounts.supervisor_of(session, intern.id) == supervisor.id

    made = client.post(
        "/users/new",
        data={
            "csrf_token": token,
            "username": "intern.new",
            "display_name": "New Intern",
            "role": "clinician",
            "supervisor": str(supervisor.id),
            "cosign_notes": "yes",
        },
    )
    assert made.status_code == 200
    session.expire_all()
    new = service.get_user(session, username="intern.new")
    assert signing.needs_cosignature(session, new.id) == supervisor.id
