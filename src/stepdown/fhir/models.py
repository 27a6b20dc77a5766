"""Backend (system) clients of the FHIR API and the access tokens they are issued.

A client is a system outside the program (a partner provider's EHR, a payer, a health
information exchange) that authenticates with OAuth 2.0 client credentials. It is one
entry of the disclosure recipient directory: what it may read of a client is what that
client's consents let go to that recipient, for the client's stated purpose of use, and
no more than its scopes. Its secret and its tokens are stored only as SHA-256 digests
(``security.tokens.digest``): a database reader can neither authenticate as a client nor
replay a token. A client is disabled, never deleted; its disclosures name it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.consents.models import Purpose
from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class FhirClient(IdMixin, TimestampMixin, Base):
    __tablename__ = "fhir_client"

    name: Mapped[str] = mapped_column(String(120))
    # The OAuth client identifier it presents (public, unlike the secret).
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    # SMART scopes it may be granted, e.g. ["system/Observation.read"] or ["system/*.read"].
    scopes: Mapped[list[str]] = mapped_column(JSON)
    recipient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("disclosure_recipient.id", ondelete="RESTRICT"), index=True
    )
    # Why it reads (42 CFR 2.31(a)(5)): a consent must list this purpose.
    purpose: Mapped[Purpose] = mapped_column(str_enum(Purpose, "fhir_client_purpose"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class FhirAccessToken(IdMixin, Base):
    """A short-lived bearer token issued to a client, with the scopes granted."""

    __tablename__ = "fhir_access_token"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    fhir_client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("fhir_client.id", ondelete="CASCADE"), index=True
    )
    scopes: Mapped[list[str]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
