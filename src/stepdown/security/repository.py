"""Queries on users, sessions and tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.security.models import ApiToken, User, WebSession


def user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip().lower()))


def user_by_id(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def users_stmt() -> Select[User]:
    return select(User).order_by(User.role, User.username)


def session_by_token_hash(session: Session, token_hash: str) -> WebSession | None:
    return session.scalar(select(WebSession).where(WebSession.token_hash == token_hash))


def api_token_and_user(session: Session, token_hash: str) -> tuple[ApiToken, User] | None:
    """The token and its user in one round trip: every API request asks."""
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == token_hash)
    ).first()
    return (row[0], row[1]) if row else None


def tokens_stmt() -> Select[ApiToken]:
    return select(ApiToken).order_by(ApiToken.created_at)


def display_names(user_ids: set[uuid.UUID]) -> Select[uuid.UUID, str]:
    return select(User.id, User.display_name).where(User.id.in_(user_ids))


def wrong_passwords_since(session: Session, user_id: uuid.UUID, since: datetime) -> int:
    """Wrong passwords given for the account after ``since``, from every address and web
    process: the audit trail records each one, so no other counter is needed."""
    count = session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.action == AuditAction.SIGN_IN_FAILED,
            AuditEntry.entity_id == str(user_id),
            AuditEntry.occurred_at > since,
            AuditEntry.detail["reason"].as_string() == "wrong_password",
        )
    )
    return count or 0
