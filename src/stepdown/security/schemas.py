"""API shapes for identity."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from stepdown.kit.schemas import Schema
from stepdown.security.roles import Role


class Me(Schema):
    user_id: uuid.UUID | None
    username: str
    role: Role
    site_id: uuid.UUID | None


class UserRead(Schema):
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    site_id: uuid.UUID | None
    is_active: bool
    locked_until: datetime | None
    last_sign_in_at: datetime | None


class CosignRowRead(Schema):
    """A record waiting for the caller's co-signature (``signing.CosignRow``); labelled
    without any client."""

    kind: str
    entity_id: uuid.UUID
    label: str
    day: date
    start: str
    author: str
    signed_at: datetime | None
    url: str
