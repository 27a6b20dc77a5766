"""Users, their web sessions and their API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum
from stepdown.security.roles import Role

ROLE_ENUM = Enum(
    Role, name="role", native_enum=False, length=30, values_callable=lambda e: [r.value for r in e]
)


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "user_account"

    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(ROLE_ENUM)
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("site.id", ondelete="RESTRICT"))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_synthetic: Mapped[bool] = mapped_column(default=False)


class Supervision(Base):
    """Who reviews a staff member's work: co-signs an intern's notes, hears an urgent alert
    the staff member has not answered. At most one supervisor each, never oneself.

    A table of its own rather than a column on ``user_account``: SQLite can add a column
    but not a named reference to it, and copying ``user_account`` to add one would break
    every table that points at it.
    """

    __tablename__ = "supervision"
    __table_args__ = (CheckConstraint("user_id <> supervisor_id", name="not_self"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    supervisor_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    # Interns and unlicensed counselors: their signed notes wait for this supervisor's
    # co-signature before they count as final (``security.signing``).
    cosign_notes: Mapped[bool] = mapped_column(default=False, server_default=false())


class WebSession(IdMixin, Base):
    """A browser sign-in. Only a hash of the cookie's token is stored."""

    __tablename__ = "web_session"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str] = mapped_column(String(64), default="")


class ApiToken(IdMixin, Base):
    """A bearer token for the JSON API. Shown once at creation; only its hash is kept."""

    __tablename__ = "api_token"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SigningPin(Base):
    """A PIN a staff member may sign with instead of typing their password again; only its
    hash is kept. It signs records; it never signs anyone in."""

    __tablename__ = "signing_pin"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    pin_hash: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SignatureMeaning(StrEnum):
    AUTHOR = "author"  # wrote it and stands by it
    COSIGNER = "cosigner"  # a supervisor reviewed a supervised author's record
    ADDENDUM = "addendum"  # wrote an addendum or late entry to a signed record


class SignatureMethod(StrEnum):
    PASSWORD = "password"  # noqa: S105 - the name of a method, not a password
    PIN = "pin"


class Signature(IdMixin, Base):
    """One signature on one clinical record: who, when, proved how, in what capacity, and
    a hash of exactly what they signed, so a signed record that changed afterwards is
    caught (``signing.intact``) rather than trusted."""

    __tablename__ = "signature"
    __table_args__ = (Index("ix_signature_entity", "entity_type", "entity_id"),)

    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[uuid.UUID]
    client_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    signer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    meaning: Mapped[SignatureMeaning] = mapped_column(
        str_enum(SignatureMeaning, "signature_meaning", length=20)
    )
    method: Mapped[SignatureMethod] = mapped_column(
        str_enum(SignatureMethod, "signature_method", length=20)
    )
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    content_hash: Mapped[str] = mapped_column(String(64))
