"""Signing a clinical record so that the signature means something.

A signature is not a button. The signer proves again that they are the person at the
keyboard (their password, or a signing PIN they set), and the signature row keeps who
signed, when, how they proved it, in what capacity (author, co-signer, addendum) and a
SHA-256 hash of exactly the content they signed. The owning domain freezes the record
when it is signed; ``intact`` tells whether what is stored now is still what was signed,
so an edit behind the application's back is caught instead of trusted.

Why re-authentication: an electronic signature on a medical record must be linked to its
signer so that it cannot be made by someone who merely finds an open session (21 CFR
11.200(a)(1)(i): a signing after the first in one continuous session uses at least one
component, the password; CMS Program Integrity Manual ch. 3 § 3.3.2.4 accepts electronic
signatures protected by such controls). A PIN is the common second component in EHRs;
it signs records and never signs anyone in.

Wrong passwords or PINs are limited per signer (``FAILURES`` in ``WINDOW``), so an
unattended session cannot be used to guess them; setting a PIN asks for the password and
counts a wrong one the same way, so that form is no way round the limit.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Forbidden, Invalid
from stepdown.kit.ratelimit import SlidingWindowLimiter
from stepdown.security import passwords
from stepdown.security.actor import Actor
from stepdown.security.models import (
    Signature,
    SignatureMeaning,
    SignatureMethod,
    SigningPin,
    Supervision,
    User,
)
from stepdown.security.roles import STAFF_ROLES, Role

FAILURES = 5
WINDOW = timedelta(minutes=15)
PIN_LENGTHS = range(6, 13)
# The field a signing form asks for: the password, or the PIN where the signer set one.
SECRET_FIELD = "secret"  # noqa: S105 - a form field's name
MAX_SECRET = 200
PAUSED = "signing.too_many_failures"

_failures = SlidingWindowLimiter(limit=FAILURES, window=WINDOW.total_seconds())


def check_pin(pin: str) -> None:
    """Six to twelve digits, not one digit repeated and not a run such as 123456: the
    guesses tried first (NIST SP 800-63B § 5.1.1.2 asks verifiers to refuse
    "repetitive or sequential characters")."""
    if not pin.isascii() or not pin.isdigit() or len(pin) not in PIN_LENGTHS:
        raise Invalid("a PIN is 6 to 12 digits", field="pin")
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin)}
    if steps in ({0}, {1}, {-1}):
        raise Invalid("a PIN must not repeat one digit or count up or down", field="pin")


def content_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 of the content as canonical JSON (sorted keys, no spaces; dates, times
    and ids as their ISO or hex text), the same bytes on every database."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _signer(session: Session, actor: Actor, *, client_may_sign: bool = False) -> User:
    """The signer's account: a staff member's, or a client's where the record is the
    client's own to sign (a consent, its revocation, the privacy notice)."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    allowed = actor.is_staff or (client_may_sign and actor.role is Role.CLIENT)
    if user is None or not user.is_active or not allowed:
        raise Forbidden("only a staff member signs clinical records")
    return user


def _require_unpaused(key: str) -> None:
    if not _failures.check(key).allowed:
        raise Forbidden(
            f"too many wrong passwords or PINs: signing is paused for up to "
            f"{int(WINDOW.total_seconds() // 60)} minutes",
            rule=PAUSED,
        )


def confirm_signer(
    session: Session, *, actor: Actor, secret: str, client_may_sign: bool = False
) -> SignatureMethod:
    """The method by which ``actor`` proved themselves with ``secret`` (their password or
    their signing PIN), or a refusal naming the field. ``client_may_sign`` lets a client
    confirm with their own password, for records that are theirs to sign."""
    user = _signer(session, actor, client_may_sign=client_may_sign)
    if not secret:
        raise Invalid("type your password (or signing PIN) to sign", field=SECRET_FIELD)
    if len(secret) > MAX_SECRET:
        raise Invalid("that is not your password or PIN", field=SECRET_FIELD)
    key = str(user.id)
    _require_unpaused(key)
    if passwords.verify_password(user.password_hash, secret):
        return SignatureMethod.PASSWORD
    pin = session.get(SigningPin, user.id)
    if pin is not None and passwords.verify_password(pin.pin_hash, secret):
        return SignatureMethod.PIN
    _failures.hit(key)
    raise Invalid(
        "that is not your password or signing PIN; nothing was signed", field=SECRET_FIELD
    )


def sign(
    session: Session,
    *,
    actor: Actor,
    secret: str,
    entity_type: str,
    entity_id: uuid.UUID,
    client_id: uuid.UUID | None,
    content: Mapping[str, Any],
    meaning: SignatureMeaning = SignatureMeaning.AUTHOR,
    client_may_sign: bool = False,
) -> Signature:
    """Confirm the signer and record their signature on ``content``; the caller freezes
    the record in the same transaction."""
    method = confirm_signer(session, actor=actor, secret=secret, client_may_sign=client_may_sign)
    assert actor.user_id is not None  # confirm_signer refuses anyone without an account
    signature = Signature(
        entity_type=entity_type,
        entity_id=entity_id,
        client_id=client_id,
        signer_id=actor.user_id,
        meaning=meaning,
        method=method,
        signed_at=utc_now(),
        content_hash=content_hash(content),
    )
    session.add(signature)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.SIGN,
        entity_type=entity_type,
        entity_id=entity_id,
        client_id=client_id,
        detail={"meaning": meaning.value, "method": method.value, "signature": signature.id.hex},
    )
    return signature


def signatures_of(session: Session, entity_type: str, entity_id: uuid.UUID) -> list[Signature]:
    """Every signature on one record, oldest first."""
    return list(
        session.scalars(
            select(Signature)
            .where(Signature.entity_type == entity_type, Signature.entity_id == entity_id)
            .order_by(Signature.signed_at, Signature.id)
        )
    )


def intact(signature: Signature, content: Mapping[str, Any]) -> bool:
    """Whether ``content`` is still exactly what ``signature`` was made on."""
    return signature.content_hash == content_hash(content)


def needs_cosignature(session: Session, user_id: uuid.UUID) -> uuid.UUID | None:
    """The supervisor who must co-sign this staff member's notes, or None when their own
    signature is final."""
    return session.scalar(
        select(Supervision.supervisor_id).where(
            Supervision.user_id == user_id, Supervision.cosign_notes.is_(True)
        )
    )


def supervisees_needing_cosignature(session: Session, supervisor_id: uuid.UUID) -> list[uuid.UUID]:
    """The staff whose notes wait for this supervisor's co-signature."""
    return list(
        session.scalars(
            select(Supervision.user_id).where(
                Supervision.supervisor_id == supervisor_id, Supervision.cosign_notes.is_(True)
            )
        )
    )


def has_pin(session: Session, user_id: uuid.UUID) -> bool:
    return session.get(SigningPin, user_id) is not None


def set_pin(session: Session, *, actor: Actor, password: str, pin: str) -> None:
    """Set (or replace) the actor's signing PIN; setting one takes the password, so a
    borrowed session cannot give itself a PIN to sign with. A wrong password here counts
    toward the same pause as a wrong one at signing."""
    user = _signer(session, actor)
    key = str(user.id)
    _require_unpaused(key)
    if len(password) > MAX_SECRET or not passwords.verify_password(user.password_hash, password):
        _failures.hit(key)
        raise Invalid("that is not your password; the PIN was not set", field="password")
    check_pin(pin)
    if passwords.verify_password(user.password_hash, pin):
        raise Invalid("a PIN must differ from your password", field="pin")
    row = session.get(SigningPin, user.id)
    replaced = row is not None
    if row is None:
        row = SigningPin(user_id=user.id, pin_hash="", set_at=utc_now())
        session.add(row)
    row.pin_hash = passwords.hash_password(pin)
    row.set_at = utc_now()
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE if replaced else AuditAction.CREATE,
        entity_type="signing_pin",
        entity_id=user.id,
    )


def clear_pin(session: Session, *, actor: Actor) -> None:
    """Remove the actor's PIN; from then on they sign with their password."""
    user = _signer(session, actor)
    row = session.get(SigningPin, user.id)
    if row is not None:
        session.delete(row)
        # Flushed now: until then ``session.get`` still finds the row, and the removed PIN
        # would still sign in this transaction.
        session.flush()
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.DELETE,
            entity_type="signing_pin",
            entity_id=user.id,
        )


def cosigner_for(session: Session, user_id: uuid.UUID) -> uuid.UUID | None:
    """Who co-signs a record of this staff member's that already waits for a co-signature:
    their supervisor now, whether or not their new records still need one (a record signed
    while the co-signature was required keeps waiting for it). None when they have no
    supervisor; an administrator then names one (``accounts.update_account``)."""
    return session.scalar(select(Supervision.supervisor_id).where(Supervision.user_id == user_id))


def record_seeded_signature(
    session: Session,
    *,
    actor: Actor,
    signer_id: uuid.UUID,
    entity_type: str,
    entity_id: uuid.UUID,
    client_id: uuid.UUID | None,
    content: Mapping[str, Any],
    meaning: SignatureMeaning = SignatureMeaning.AUTHOR,
) -> Signature:
    """For the demo seed only: the signature a synthetic staff member would have made.

    The demo writes its synthetic notes while it creates the program, before anyone signs
    in, and a demo signer's password is nowhere to re-type, so ``sign`` cannot be used.
    The row is stored as ``sign`` stores it (method ``password``, the method the demo's
    staff sign with when they use the demo), so the demo's signed notes look and verify
    (``intact``) like real ones. It cannot stand in for a real person's signature: only
    the system may call it, only for an active synthetic staff account, and the audit
    entry names the system as the actor and says the signature was seeded.
    """
    if actor.role is not Role.SYSTEM:
        raise Forbidden("only the demo seed records a seeded signature")
    signer = session.get(User, signer_id)
    if (
        signer is None
        or not signer.is_synthetic
        or not signer.is_active
        or signer.role not in STAFF_ROLES
    ):
        raise Forbidden("a seeded signature is only ever a synthetic staff member's")
    signature = Signature(
        entity_type=entity_type,
        entity_id=entity_id,
        client_id=client_id,
        signer_id=signer.id,
        meaning=meaning,
        method=SignatureMethod.PASSWORD,
        signed_at=utc_now(),
        content_hash=content_hash(content),
    )
    session.add(signature)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.SIGN,
        entity_type=entity_type,
        entity_id=entity_id,
        client_id=client_id,
        detail={
            "meaning": meaning.value,
            "method": SignatureMethod.PASSWORD.value,
            "signature": signature.id.hex,
            "seeded_for": signer.id.hex,
        },
    )
    return signature


@dataclass(frozen=True)
class CosignRow:
    """A record waiting for the viewer's co-signature, labelled without any client (a
    session's code, a summary's kind and date) so that a supervisor's home page can list
    every kind together without reading a chart."""

    kind: str  # the owning domain's audit entity, e.g. "group_note"
    entity_id: uuid.UUID
    label: str
    day: date
    start: str
    author: str
    signed_at: datetime | None
    url: str
