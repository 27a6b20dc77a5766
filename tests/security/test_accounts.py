"""Keeping staff accounts: details with old and new values audited, supervision without
loops, the last administrator kept, unlock and reset."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditEntry
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid
from stepdown.security import accounts, passwords, service
from stepdown.security.models import User
from stepdown.security.roles import Role
from stepdown.security.service import actor_for
from tests.factories import PASSWORD, SYSTEM, make_site, make_user


def _change(user: User, **overrides: object) -> accounts.AccountChange:
    fields: dict[str, object] = {
        "display_name": user.display_name,
        "email": user.email,
        "role": user.role,
        "site_id": user.site_id,
        "supervisor_id": None,
    }
    fields.update(overrides)
    return accounts.AccountChange(**fields)  # type: ignore[arg-type]


def _last_detail(session: Session, user: User) -> dict[str, object]:
    entry = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "user", AuditEntry.entity_id == str(user.id))
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    assert entry is not None
    return entry.detail


def test_an_edit_is_audited_with_old_and_new_values(session: Session) -> None:
    site = make_site(session)
    admin = make_user(session, role=Role.ADMIN)
    user = make_user(session, role=Role.CLINICIAN)
    supervisor = make_user(session, role=Role.CLINICIAN)
    accounts.update_account(
        session,
        actor=actor_for(admin),
        username=user.username,
        change=_change(
            user,
            role=Role.CASE_MANAGER,
            site_id=site.id,
            email="dana@example.org",
            supervisor_id=supervisor.id,
        ),
    )
    assert user.role is Role.CASE_MANAGER
    assert accounts.supervisor_of(session, user.id) == supervisor.id
    changes = _last_detail(session, user)["changes"]
    assert changes == {
        "email": {"old": "", "new": "dana@example.org"},
        "role": {"old": "clinician", "new": "case_manager"},
        "site_id": {"old": None, "new": str(site.id)},
        "supervisor": {"old": None, "new": str(supervisor.id)},
    }


def test_only_an_administrator_changes_accounts(session: Session) -> None:
    director = make_user(session, role=Role.DIRECTOR)
    user = make_user(session)
    with pytest.raises(Forbidden):
        accounts.update_account(
            session, actor=actor_for(director), username=user.username, change=_change(user)
        )
    with pytest.raises(Forbidden):
        accounts.unlock(session, actor=actor_for(director), username=user.username)


def test_supervision_never_loops_and_never_names_oneself(session: Session) -> None:
    a, b, c = (make_user(session) for _ in range(3))
    accounts.update_account(
        session, actor=SYSTEM, username=b.username, change=_change(b, supervisor_id=a.id)
    )
    accounts.update_account(
        session, actor=SYSTEM, username=c.username, change=_change(c, supervisor_id=b.id)
    )
    with pytest.raises(Invalid) as loop:
        accounts.update_account(
            session, actor=SYSTEM, username=a.username, change=_change(a, supervisor_id=c.id)
        )
    assert loop.value.field == "supervisor"
    with pytest.raises(Invalid):
        accounts.update_account(
            session, actor=SYSTEM, username=a.username, change=_change(a, supervisor_id=a.id)
        )
    b.is_active = False
    with pytest.raises(Invalid):
        accounts.update_account(
            session, actor=SYSTEM, username=a.username, change=_change(a, supervisor_id=b.id)
        )


def test_the_last_active_administrator_stays(session: Session) -> None:
    admins = session.scalars(select(User).where(User.role == Role.ADMIN)).all()
    assert admins == []  # each test starts from the migrated database
    only = make_user(session, role=Role.ADMIN)
    with pytest.raises(Conflict) as demoted:
        accounts.update_account(
            session, actor=SYSTEM, username=only.username, change=_change(only, role=Role.DIRECTOR)
        )
    assert demoted.value.rule == accounts.LAST_ADMIN
    with pytest.raises(Conflict):
        accounts.disable(session, actor=SYSTEM, username=only.username)
    second = make_user(session, role=Role.ADMIN)
    accounts.disable(session, actor=actor_for(second), username=only.username)
    assert not only.is_active
    accounts.enable(session, actor=actor_for(second), username=only.username)
    assert only.is_active


def test_a_client_account_stays_a_client_account(session: Session) -> None:
    person = make_user(session, role=Role.CLIENT)
    with pytest.raises(Invalid) as refused:
        accounts.update_account(
            session,
            actor=SYSTEM,
            username=person.username,
            change=_change(person, role=Role.CLINICIAN),
        )
    assert refused.value.field == "role"


def test_unlock_lets_a_locked_account_sign_in_at_once(session: Session) -> None:
    user = make_user(session)
    user.locked_until = utc_now() + timedelta(minutes=15)  # as the failure limit leaves it
    assert service.authenticate(session, username=user.username, password=PASSWORD) is None
    accounts.unlock(session, actor=SYSTEM, username=user.username)
    assert "locked_until" in _last_detail(session, user)["changes"]  # type: ignore[operator]
    assert service.authenticate(session, username=user.username, password=PASSWORD) == user


def test_a_reset_password_is_new_works_and_is_never_audited(session: Session) -> None:
    user = make_user(session)
    password = accounts.reset_to_generated(session, actor=SYSTEM, username=user.username)
    assert passwords.verify_password(user.password_hash, password)
    assert not passwords.verify_password(user.password_hash, PASSWORD)
    detail = _last_detail(session, user)
    assert detail["password_reset"] is True
    assert password not in str(detail)
    assert user.password_changed_at is not None
    assert utc_now() - user.password_changed_at < timedelta(minutes=1)


def test_a_closed_site_is_not_a_new_home_but_can_be_kept(session: Session) -> None:
    site = make_site(session)
    user = make_user(session, site=site)
    other = make_user(session)
    site.closed_on = date(2000, 1, 1)
    accounts.update_account(
        session, actor=SYSTEM, username=user.username, change=_change(user, email="a@b.org")
    )
    with pytest.raises(Invalid) as refused:
        accounts.update_account(
            session, actor=SYSTEM, username=other.username, change=_change(other, site_id=site.id)
        )
    assert refused.value.field == "site"
