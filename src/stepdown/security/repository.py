"""Queries on users, sessions and tokens."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from stepdown.security.models import ApiToken, User, WebSession


def user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip().lower()))


def user_by_id(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def users_stmt() -> Select[User]:
    return select(User).order_by(User.role, User.username)


def session_by_token_hash(session: Session, token_hash: str) -> WebSession | None:
    return session.scalar(select(WebSession).where(WebSession.token_hash == token_hash))


def api_token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))


def tokens_stmt() -> Select[ApiToken]:
    return select(ApiToken).order_by(ApiToken.created_at)


def display_names(user_ids: set[uuid.UUID]) -> Select[uuid.UUID, str]:
    return select(User.id, User.display_name).where(User.id.in_(user_ids))
