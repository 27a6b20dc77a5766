"""Staff accounts as an administrator keeps them in the browser: details, role, site and
supervisor, enable, unlock, and a password reset handed over once.

Creating, disabling and the password itself are in ``service`` (the CLI uses them too).
Every change is audited with the old and the new value; a password never is.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit import rules as audit_rules
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Conflict, Invalid
from stepdown.programs.models import Site
from stepdown.security import passwords, service
from stepdown.security.actor import Actor
from stepdown.security.models import Supervision, User
from stepdown.security.roles import STAFF_ROLES, Role

LAST_ADMIN = "accounts.last_admin"


@dataclass(frozen=True)
class AccountChange:
    display_name: str
    email: str
    role: Role
    site_id: uuid.UUID | None
    supervisor_id: uuid.UUID | None
    # Interns and unlicensed counselors: their notes wait for the supervisor's co-signature
    # (``signing.needs_cosignature``). Only with a supervisor.
    cosign_notes: bool = False


def supervisor_of(session: Session, user_id: uuid.UUID) -> uuid.UUID | None:
    return session.scalar(select(Supervision.supervisor_id).where(Supervision.user_id == user_id))


def cosigns_notes(session: Session, user_id: uuid.UUID) -> bool:
    """Whether this staff member's notes wait for their supervisor's co-signature."""
    return bool(
        session.scalar(select(Supervision.cosign_notes).where(Supervision.user_id == user_id))
    )


def supervisors(session: Session) -> dict[uuid.UUID, uuid.UUID]:
    """Staff member -> supervisor, for the accounts list."""
    return dict(session.execute(select(Supervision.user_id, Supervision.supervisor_id)).all())


@dataclass(frozen=True)
class SupervisionRow:
    """A staff member's supervisor by name, and whether their notes need co-signing."""

    supervisor: str
    cosign_notes: bool


def supervision_list(session: Session) -> dict[uuid.UUID, SupervisionRow]:
    """Staff member -> their supervision, for the accounts list (staff names only)."""
    rows = list(session.scalars(select(Supervision)))
    names = service.display_names(session, {row.supervisor_id for row in rows})
    return {
        row.user_id: SupervisionRow(names.get(row.supervisor_id, ""), row.cosign_notes)
        for row in rows
    }


def _audit(session: Session, actor: Actor, user: User, detail: dict[str, object]) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="user",
        entity_id=user.id,
        detail=detail,
    )


def _other_active_admins(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.is_active.is_(True), User.id != user.id)
        )
        or 0
    )


def _check_supervisor(
    session: Session, user: User, role: Role, supervisor_id: uuid.UUID | None
) -> None:
    """A supervisor is another active staff member, and supervision never loops back."""
    if supervisor_id is None:
        return
    if role not in STAFF_ROLES:
        raise Invalid("clients have no supervisor", field="supervisor")
    if supervisor_id == user.id:
        raise Invalid("nobody supervises themself", field="supervisor")
    supervisor = session.get(User, supervisor_id)
    if supervisor is None or not supervisor.is_active or supervisor.role not in STAFF_ROLES:
        raise Invalid("choose an active staff member", field="supervisor")
    chain = supervisor_of(session, supervisor_id)
    seen = {supervisor_id}
    while chain is not None and chain not in seen:
        if chain == user.id:
            raise Invalid(
                f"{supervisor.display_name} is supervised, through the chain, by this "
                "person: supervision cannot loop",
                field="supervisor",
            )
        seen.add(chain)
        chain = supervisor_of(session, chain)


def check_home_site(
    session: Session, site_id: uuid.UUID | None, *, current: uuid.UUID | None = None
) -> None:
    """A home site that exists and is open; an account may keep the closed site it has."""
    if site_id is None or site_id == current:
        return
    site = session.get(Site, site_id)
    if site is None or (site.closed_on is not None and site.closed_on <= today()):
        raise Invalid("choose an open site", field="site")


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def check_email(email: str) -> None:
    """The shape of an address (name@domain.tld): enough to catch a typo; only sending
    proves an address."""
    if email.strip() and not _EMAIL.fullmatch(email.strip()):
        raise Invalid("write an e-mail address such as name@example.org", field="email")


def update_account(session: Session, *, actor: Actor, username: str, change: AccountChange) -> User:
    service.require_admin(actor)
    user = service.get_user(session, username=username)
    if change.role is Role.SYSTEM:
        raise Invalid("the system role cannot be given to a user", field="role")
    if not change.display_name.strip():
        raise Invalid("display name is required", field="display_name")
    if len(change.display_name.strip()) > 120:
        raise Invalid("use at most 120 characters", field="display_name")
    if len(change.email.strip()) > 200:
        raise Invalid("use at most 200 characters", field="email")
    if (user.role is Role.CLIENT) != (change.role is Role.CLIENT):
        raise Invalid(
            "a client account stays a client account, and a staff one staff", field="role"
        )
    if (
        user.role is Role.ADMIN
        and change.role is not Role.ADMIN
        and user.is_active
        and not _other_active_admins(session, user)
    ):
        raise Conflict(
            "this is the last active administrator: make another one first",
            field="role",
            rule=LAST_ADMIN,
        )
    _check_supervisor(session, user, change.role, change.supervisor_id)
    if change.cosign_notes and change.supervisor_id is None:
        raise Invalid(
            "notes can wait for a co-signature only once a supervisor is chosen",
            field="cosign_notes",
        )
    check_home_site(session, change.site_id, current=user.site_id)
    check_email(change.email)
    new: dict[str, object] = {
        "display_name": change.display_name.strip(),
        "email": change.email.strip(),
        "role": change.role,
        "site_id": change.site_id,
    }
    changes = audit_rules.field_changes(user, new)
    for field, value in new.items():
        setattr(user, field, value)
    old_supervisor = supervisor_of(session, user.id)
    old_cosign = cosigns_notes(session, user.id)
    if old_supervisor != change.supervisor_id:
        changes["supervisor"] = audit_rules.change(old_supervisor, change.supervisor_id)
    if old_cosign != change.cosign_notes:
        changes["cosign_notes"] = audit_rules.change(old_cosign, change.cosign_notes)
    if old_supervisor != change.supervisor_id or old_cosign != change.cosign_notes:
        _set_supervisor(session, user.id, change.supervisor_id, change.cosign_notes)
    session.flush()
    if changes:
        _audit(session, actor, user, {"changes": changes})
    return user


def _set_supervisor(
    session: Session, user_id: uuid.UUID, supervisor_id: uuid.UUID | None, cosign_notes: bool
) -> None:
    """``since`` is when this supervisor took over; switching co-signing on or off keeps
    it. Records already waiting for a co-signature keep waiting, for whoever supervises
    now (``signing.cosigner_for``)."""
    current = session.get(Supervision, user_id)
    if supervisor_id is None:
        if current is not None:
            session.delete(current)
    elif current is None:
        session.add(
            Supervision(
                user_id=user_id,
                supervisor_id=supervisor_id,
                since=utc_now(),
                cosign_notes=cosign_notes,
            )
        )
    else:
        if current.supervisor_id != supervisor_id:
            current.supervisor_id, current.since = supervisor_id, utc_now()
        current.cosign_notes = cosign_notes


def disable(session: Session, *, actor: Actor, username: str) -> User:
    """``service.disable_user``, and never the last active administrator."""
    service.require_admin(actor)
    user = service.get_user(session, username=username)
    if user.role is Role.ADMIN and user.is_active and not _other_active_admins(session, user):
        raise Conflict(
            "this is the last active administrator: make another one first", rule=LAST_ADMIN
        )
    return service.disable_user(session, actor=actor, username=username)


def enable(session: Session, *, actor: Actor, username: str) -> User:
    service.require_admin(actor)
    user = service.get_user(session, username=username)
    if not user.is_active:
        user.is_active = True
        _audit(session, actor, user, {"changes": {"is_active": audit_rules.change(False, True)}})
    return user


def unlock(session: Session, *, actor: Actor, username: str) -> User:
    """End a lockout now. The lock's end also restarts the count of wrong passwords
    (``rules.account_failures_since``), so the person gets a full set of tries."""
    service.require_admin(actor)
    user = service.get_user(session, username=username)
    now = utc_now()
    if user.locked_until is not None and user.locked_until > now:
        old = user.locked_until
        user.locked_until = now
        _audit(
            session,
            actor,
            user,
            {"changes": {"locked_until": audit_rules.change(old, now)}},
        )
    return user


def reset_to_generated(session: Session, *, actor: Actor, username: str) -> str:
    """A new random password, to give the person once; their sessions and tokens end."""
    password = passwords.generate_password(username)
    service.reset_password(session, actor=actor, username=username, new_password=password)
    return password
