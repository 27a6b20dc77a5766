"""Inviting a client to the portal: staff make a one-time link, the client chooses their
own username and password with it.

Staff never learn the client's password, and a link that is lost stops working: it is
good for one use and for ``LIFETIME``, and a new invitation revokes the ones before it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.consents import guardians
from stepdown.consents.models import ClientContact
from stepdown.kit import mail
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Conflict, Forbidden, NotFound
from stepdown.portal.models import PortalInvitation
from stepdown.security import service as security_service
from stepdown.security import tokens
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from stepdown.settings import Settings

# A week: long enough to reach a client who reads mail or a printout a few days later,
# short enough that a lost one soon stops working.
LIFETIME = timedelta(days=7)
INVITERS = frozenset(
    {Role.DIRECTOR, Role.ADMISSIONS, Role.CLINICIAN, Role.CASE_MANAGER, Role.SYSTEM}
)
ALREADY_LINKED = "portal.already_linked"
NOT_USABLE = "portal.invitation_not_usable"
# Who creates the client's account when they accept: the link itself, not a staff member.
ACCEPTING = Actor.system("portal invitation")


@dataclass(frozen=True)
class Invitation:
    secret: str  # shown once, in the link
    expires_at: datetime
    client: Client


def invite(session: Session, *, actor: Actor, client_id: uuid.UUID) -> Invitation:
    """A new link for a client the actor may see; earlier open links stop working."""
    if actor.role not in INVITERS:
        raise Forbidden("your role does not invite clients to the portal")
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    if client.portal_user_id is not None:
        raise Conflict("this client already has a portal account", rule=ALREADY_LINKED)
    return _new_invitation(session, actor=actor, client=client, contact_id=None)


def invite_guardian(session: Session, *, actor: Actor, contact_id: uuid.UUID) -> Invitation:
    """A link for a minor's guardian to make their own portal account, where the program's
    rule allows it (``consents.guardians.refusal``); earlier open links for them stop."""
    if actor.role not in INVITERS:
        raise Forbidden("your role does not invite people to the portal")
    contact = session.get(ClientContact, contact_id)
    if contact is None:
        raise NotFound("no such contact")
    client = clients_service.get_client(session, actor=actor, client_id=contact.client_id)
    if contact.portal_user_id is not None:
        raise Conflict("this guardian already has a portal account", rule=ALREADY_LINKED)
    refusal = guardians.refusal(session, contact=contact, client=client, on=today())
    if refusal:
        raise Conflict(refusal)
    return _new_invitation(session, actor=actor, client=client, contact_id=contact.id)


def _new_invitation(
    session: Session, *, actor: Actor, client: Client, contact_id: uuid.UUID | None
) -> Invitation:
    """A new link for the client (``contact_id`` None) or for one of their guardians; the
    open links for the same person stop working."""
    now = utc_now()
    same_person = (
        PortalInvitation.contact_id == contact_id
        if contact_id is not None
        else PortalInvitation.contact_id.is_(None)
    )
    session.execute(
        update(PortalInvitation)
        .where(
            PortalInvitation.client_id == client.id,
            same_person,
            PortalInvitation.used_at.is_(None),
            PortalInvitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    secret = tokens.new_secret()
    invitation = PortalInvitation(
        client_id=client.id,
        contact_id=contact_id,
        token_hash=tokens.digest(secret),
        created_at=now,
        created_by=actor.user_id,
        expires_at=now + LIFETIME,
    )
    session.add(invitation)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="portal_invitation",
        entity_id=invitation.id,
        client_id=client.id,
        detail={
            "guardian": contact_id is not None,
            "expires_at": invitation.expires_at.isoformat(),
        },
    )
    return Invitation(secret=secret, expires_at=invitation.expires_at, client=client)


def email(
    session: Session,
    *,
    actor: Actor,
    invitation: Invitation,
    settings: Settings,
    program_name: str,
    link: str,
) -> str:
    """Send the link to the client's e-mail address on file; returns the address.

    The message names the program and the link, nothing else: no clinician, no level of
    care, none of ``aftercare.mail.CLINICAL_WORDS``, since mail is read on shared screens
    and kept by providers. Raises ``Conflict`` when mail is not configured or the record
    has no address, and passes on ``smtplib.SMTPException``/``OSError`` when delivery
    fails, for the page to say so (the link on screen still works).
    """
    to = invitation.client.email.strip()
    if not mail.configured(settings):
        raise Conflict("e-mail is not configured for this program", field="email")
    if not to:
        raise Conflict("the record has no e-mail address", field="email")
    message = mail.compose(
        settings,
        to=to,
        subject=f"{program_name}: make your account",
        body=(
            "Hello,\n\n"
            f"You are invited to make your account with {program_name}.\n\n"
            f"Open this link, choose a username and a password:\n{link}\n\n"
            f"The link works once, until {invitation.expires_at:%B %-d, %Y}.\n"
            "If you did not expect this message, you can ignore it.\n"
        ),
    )
    mail.send(settings, message)
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="portal_invitation",
        entity_id=invitation.client.id,
        client_id=invitation.client.id,
        detail={"emailed": True},
    )
    return to


def _usable(session: Session, secret: str, now: datetime) -> PortalInvitation:
    invitation = session.scalar(
        select(PortalInvitation).where(PortalInvitation.token_hash == tokens.digest(secret))
    )
    if (
        invitation is None
        or invitation.used_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= now
    ):
        raise NotFound(
            "this invitation has expired, was used or was replaced: ask the program for a new one",
            rule=NOT_USABLE,
        )
    return invitation


def check(session: Session, *, secret: str) -> None:
    """Whether the link may still be used (the form is shown only then)."""
    _usable(session, secret, utc_now())


def accept(session: Session, *, secret: str, username: str, password: str) -> User:
    """Create the client's portal account with the username and password they chose, and
    use up the link. The password policy and username rules are the staff ones."""
    now = utc_now()
    invitation = _usable(session, secret, now)
    if invitation.contact_id is not None:
        return _accept_as_guardian(session, invitation, username, password, now)
    client = session.get(Client, invitation.client_id)
    if client is None or client.portal_user_id is not None:
        raise Conflict("this client already has a portal account", rule=ALREADY_LINKED)
    user = security_service.create_user(
        session,
        actor=ACCEPTING,
        username=username,
        display_name=client.display_name,
        role=Role.CLIENT,
        password=password,
        email=client.email,
        is_synthetic=client.is_synthetic,
    )
    clients_service.link_portal_account(session, actor=ACCEPTING, client=client, user_id=user.id)
    invitation.used_at = now
    session.flush()
    audit_service.record(
        session,
        actor=ACCEPTING,
        action=AuditAction.UPDATE,
        entity_type="portal_invitation",
        entity_id=invitation.id,
        client_id=client.id,
        detail={"used_at": now.isoformat(), "user_id": str(user.id)},
    )
    return user


def _accept_as_guardian(
    session: Session, invitation: PortalInvitation, username: str, password: str, now: datetime
) -> User:
    """A guardian's account, linked to their contact row; the program's rule is checked
    again now, since it may have changed since the invitation."""
    contact = session.get(ClientContact, invitation.contact_id)
    client = session.get(Client, invitation.client_id)
    if contact is None or client is None or contact.portal_user_id is not None:
        raise Conflict("this guardian already has a portal account", rule=ALREADY_LINKED)
    refusal = guardians.refusal(session, contact=contact, client=client, on=today())
    if refusal:
        raise Conflict(refusal, rule=NOT_USABLE)
    user = security_service.create_user(
        session,
        actor=ACCEPTING,
        username=username,
        display_name=contact.name,
        role=Role.GUARDIAN,
        password=password,
        email=contact.email,
        is_synthetic=client.is_synthetic,
    )
    contact.portal_user_id = user.id
    invitation.used_at = now
    session.flush()
    audit_service.record(
        session,
        actor=ACCEPTING,
        action=AuditAction.UPDATE,
        entity_type="portal_invitation",
        entity_id=invitation.id,
        client_id=client.id,
        detail={"used_at": now.isoformat(), "user_id": str(user.id), "guardian": True},
    )
    return user
