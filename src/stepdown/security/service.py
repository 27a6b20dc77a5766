"""Use cases for identity: users, sign-in, web sessions and API tokens."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security import passwords, repository, rules, throttle, tokens
from stepdown.security.actor import Actor
from stepdown.security.models import ApiToken, User, WebSession
from stepdown.security.roles import STAFF_ROLES, Role

ANONYMOUS = Actor(user_id=None, role=Role.SYSTEM, username="anonymous")
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")
SIGN_IN_FAILED_MESSAGE = "Wrong username or password, or the account is locked or disabled."


def actor_for(user: User) -> Actor:
    return Actor(user_id=user.id, role=user.role, username=user.username, site_id=user.site_id)


def require_admin(actor: Actor) -> None:
    if actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise Forbidden("only an administrator may manage accounts")


def normalize_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise Invalid(
            "username must be 3-80 characters: lowercase letters, digits, '.', '_' or '-'",
            field="username",
        )
    return name


def create_user(
    session: Session,
    *,
    actor: Actor,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    email: str = "",
    site_id: uuid.UUID | None = None,
    is_synthetic: bool = False,
) -> User:
    require_admin(actor)
    name = normalize_username(username)
    if role is Role.SYSTEM:
        raise Invalid("the system role cannot be given to a user", field="role")
    if not display_name.strip():
        raise Invalid("display name is required", field="display_name")
    passwords.check_policy(password, username=name)
    if repository.user_by_username(session, name) is not None:
        raise Conflict(f"username {name!r} is taken", field="username")
    now = utc_now()
    user = User(
        username=name,
        display_name=display_name.strip(),
        email=email.strip(),
        role=role,
        site_id=site_id,
        password_hash=passwords.hash_password(password),
        password_changed_at=now,
        is_synthetic=is_synthetic,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent create won the race
        raise Conflict(f"username {name!r} is taken", field="username") from exc
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="user",
        entity_id=user.id,
        detail={"role": role.value},
    )
    return user


def require_account_reader(actor: Actor) -> None:
    if actor.role not in (Role.ADMIN, Role.DIRECTOR, Role.SYSTEM):
        raise Forbidden("only administrators and directors may list accounts")


def list_users(session: Session, *, actor: Actor) -> list[User]:
    require_account_reader(actor)
    return list(session.scalars(repository.users_stmt()))


def staff_directory(session: Session) -> list[User]:
    """Active staff names and roles, for pickers (no PHI: staff identities are not protected)."""
    return [
        u for u in session.scalars(repository.users_stmt()) if u.is_active and u.role in STAFF_ROLES
    ]


def display_names(session: Session, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Staff names for ids recorded on clinical rows, in one query (names are not PHI)."""
    if not user_ids:
        return {}
    return dict(session.execute(repository.display_names(user_ids)).all())


def get_user(session: Session, *, username: str) -> User:
    user = repository.user_by_username(session, username)
    if user is None:
        raise NotFound(f"no user named {username.strip().lower()!r}", field="username")
    return user


def _stop_access(session: Session, user: User, now: datetime) -> dict[str, int]:
    """End the account's web sessions and revoke its API tokens, for a password reset or a
    disable: both say the credentials should no longer be trusted, and a token is as good
    as a password to whoever holds it. Returns the counts for the audit entry."""
    revoked = session.scalars(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(ApiToken.id)
    ).all()
    return {"sessions_ended": _end_sessions(session, user, now), "tokens_revoked": len(revoked)}


def _end_sessions(session: Session, user: User, now: datetime) -> int:
    ended = session.scalars(
        update(WebSession)
        .where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
        .values(ended_at=now)
        .returning(WebSession.id)
    ).all()
    return len(ended)


def disable_user(session: Session, *, actor: Actor, username: str) -> User:
    require_admin(actor)
    user = get_user(session, username=username)
    if actor.user_id == user.id:
        raise Conflict("you cannot disable your own account")
    user.is_active = False
    stopped = _stop_access(session, user, utc_now())
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="user",
        entity_id=user.id,
        detail={"is_active": False, **stopped},
    )
    return user


def reset_password(session: Session, *, actor: Actor, username: str, new_password: str) -> User:
    require_admin(actor)
    user = get_user(session, username=username)
    passwords.check_policy(new_password, username=user.username)
    now = utc_now()
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = now
    user.locked_until = None
    stopped = _stop_access(session, user, now)
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="user",
        entity_id=user.id,
        detail={"password_reset": True, **stopped},
    )
    return user


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    address: str = "",
    limits: throttle.SignInThrottle | None = None,
) -> User | None:
    """Check a password within the sign-in limits (``rules``), auditing every outcome.

    Every attempt runs exactly one argon2 verification, against a dummy hash when the
    password is not going to be checked (unknown user, disabled or locked account, address
    refused), so the answer takes as long whatever the reason: OWASP Authentication Cheat
    Sheet, "Authentication Responses" (a quick exit lets an attacker tell a wrong username
    from a wrong password, or find the locked accounts). A failure is returned, not raised,
    because the caller must commit the failure's audit entry, not roll it back.

    ``limits`` holds the per-address counts of the web app; a caller with no client address
    passes none, and only the account-wide limit applies.
    """
    now = utc_now()
    user = repository.user_by_username(session, username)
    reason = (limits.refusal(address, username) if limits else "") or _refusal(user, now)
    verified = passwords.verify_password(
        user.password_hash if user is not None and not reason else passwords.DUMMY_HASH, password
    )
    if user is not None and not reason and not verified:
        reason = _wrong_password(session, user, now)
    if user is None or reason:
        if limits is not None and reason not in throttle.ADDRESS_REASONS:
            limits.failed(address, username)
        audit_service.record(
            session,
            actor=actor_for(user) if user is not None else ANONYMOUS,
            action=AuditAction.SIGN_IN_FAILED,
            entity_type="user",
            entity_id=user.id if user is not None else None,
            detail={"reason": reason},
        )
        return None
    if limits is not None:
        limits.succeeded(address, username)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_sign_in_at = now
    audit_service.record(
        session,
        actor=actor_for(user),
        action=AuditAction.SIGN_IN,
        entity_type="user",
        entity_id=user.id,
    )
    return user


def _refusal(user: User | None, now: datetime) -> str:
    """Why this account may not sign in whatever the password, or "" if it may."""
    if user is None:
        return "unknown_user"
    if not user.is_active:
        return "disabled"
    if rules.is_locked(user.locked_until, now):
        return "locked"
    return ""


def _wrong_password(session: Session, user: User, now: datetime) -> str:
    """Count this wrong password against the account, from every address and process (the
    audit trail holds them all); the one that reaches the account-wide limit locks the
    account, which ends its web sessions and pauses its API tokens until the lock ends."""
    since = rules.account_failures_since(
        now,
        locked_until=user.locked_until,
        last_sign_in_at=user.last_sign_in_at,
        password_changed_at=user.password_changed_at,
    )
    earlier = repository.wrong_passwords_since(session, user.id, since)
    if not rules.locks_account(earlier + 1):
        return "wrong_password"
    user.locked_until = now + rules.LOCKOUT
    _end_sessions(session, user, now)
    return "locked_out"


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta


def start_session(
    session: Session, *, user: User, policy: SessionPolicy, ip: str = ""
) -> tuple[str, WebSession]:
    """A new session with a fresh token (never reused across sign-ins: no fixation)."""
    now = utc_now()
    token = tokens.new_secret()
    web_session = WebSession(
        user_id=user.id,
        token_hash=tokens.digest(token),
        csrf_token=tokens.new_secret(24),
        created_at=now,
        last_seen_at=now,
        expires_at=rules.session_expiry(
            created_at=now, last_seen_at=now, idle=policy.idle, absolute=policy.absolute
        ),
        ip=ip[:64],
    )
    session.add(web_session)
    session.flush()
    return token, web_session


def resolve_session(
    session: Session, *, token: str, policy: SessionPolicy
) -> tuple[WebSession, User] | None:
    """The live session and active user behind a cookie, sliding its idle expiry.

    The slide is written at most once per ``rules.touch_interval``, so a page read issues
    no UPDATE; a session therefore ends at most that much before the idle limit after its
    last request, never after it.
    """
    web_session = repository.session_by_token_hash(session, tokens.digest(token))
    now = utc_now()
    if web_session is None or web_session.ended_at is not None or web_session.expires_at <= now:
        return None
    user = repository.user_by_id(session, web_session.user_id)
    if user is None or not user.is_active:
        return None
    if rules.needs_touch(web_session.last_seen_at, now, rules.touch_interval(policy.idle)):
        web_session.last_seen_at = now
        web_session.expires_at = rules.session_expiry(
            created_at=web_session.created_at,
            last_seen_at=now,
            idle=policy.idle,
            absolute=policy.absolute,
        )
    return web_session, user


def end_session(session: Session, *, web_session_id: uuid.UUID, actor: Actor) -> None:
    web_session = session.get(WebSession, web_session_id)
    if web_session is None or web_session.ended_at is not None:
        return
    web_session.ended_at = utc_now()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.SIGN_OUT,
        entity_type="user",
        entity_id=web_session.user_id,
    )


def create_api_token(
    session: Session,
    *,
    actor: Actor,
    username: str,
    name: str,
    expires_in_days: int | None = None,
) -> tuple[str, ApiToken]:
    require_admin(actor)
    user = get_user(session, username=username)
    if not user.is_active:
        raise Conflict(f"user {user.username!r} is disabled", field="username")
    if not name.strip():
        raise Invalid("token name is required", field="name")
    if expires_in_days is not None and expires_in_days < 1:
        raise Invalid("expiry must be at least 1 day", field="expires_in_days")
    now = utc_now()
    secret = tokens.API_TOKEN_PREFIX + tokens.new_secret()
    token = ApiToken(
        user_id=user.id,
        name=name.strip()[:80],
        prefix=secret[:12],
        token_hash=tokens.digest(secret),
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(token)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="api_token",
        entity_id=token.id,
        detail={"user_id": str(user.id)},
    )
    return secret, token


def list_api_tokens(session: Session, *, actor: Actor) -> list[ApiToken]:
    require_admin(actor)
    return list(session.scalars(repository.tokens_stmt()))


def revoke_api_token(session: Session, *, actor: Actor, token_id: str) -> ApiToken:
    require_admin(actor)
    token = None
    try:
        token = session.get(ApiToken, uuid.UUID(token_id))
    except ValueError:
        token = None
    if token is None:
        raise NotFound(f"no API token with id {token_id!r}", field="token_id")
    if token.revoked_at is None:
        token.revoked_at = utc_now()
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.UPDATE,
            entity_type="api_token",
            entity_id=token.id,
            detail={"revoked": True},
        )
    return token


def resolve_api_token(session: Session, *, secret: str) -> User | None:
    """The active user behind a bearer token. A locked account's tokens pause until the
    lock ends: a lock means someone may be guessing the password, and revoking instead
    would let them break the account's integrations for good. ``last_used_at`` is written
    at most once per ``rules.TOUCH_INTERVAL``, so an API read issues no UPDATE."""
    if not secret.startswith(tokens.API_TOKEN_PREFIX):
        return None
    found = repository.api_token_and_user(session, tokens.digest(secret))
    now = utc_now()
    if found is None:
        return None
    token, user = found
    if token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if not user.is_active or rules.is_locked(user.locked_until, now):
        return None
    if rules.needs_touch(token.last_used_at, now, rules.TOUCH_INTERVAL):
        token.last_used_at = now
    return user
