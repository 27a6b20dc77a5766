"""Invitations to the portal: how a client gets an account without staff knowing its
password. Only a SHA-256 of each link's secret is stored."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, UTCDateTime


class PortalInvitation(IdMixin, Base):
    __tablename__ = "portal_invitation"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="CASCADE"), index=True
    )
    # Set for a guardian's invitation (consents.guardians): the account made with it is
    # the guardian's, linked to this contact, not the client's.
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("client_contact.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
