"""Accounts, sign-in with lockout, sessions and API tokens, each audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid
from stepdown.security import service, tokens
from stepdown.security.actor import Actor
from stepdown.security.models import ApiToken
from stepdown.security.roles import Role
from tests.factories import PASSWORD, SYSTEM, make_user

POLICY = service.SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=12))


def _actions(session: Session) -> list[tuple[str, str]]:
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
    return [(e.action.value, e.detail.get("reason", "")) for e in rows]


class TestCreateUser:
    def test_creates_and_audits(self, session: Session) -> None:
        user = make_user(session, role=Role.DIRECTOR, username="dana.d")
        assert user.username == "dana.d"
        assert user.password_hash.startswith("$argon2id$")
        assert ("create", "") in _actions(session)

    def test_duplicate_username_is_a_conflict(self, session: Session) -> None:
        make_user(session, username="same.name")
        with pytest.raises(Conflict, match="taken"):
            make_user(session, username="Same.Name")

    @pytest.mark.parametrize("username", ["ab", "has space", "UPPER!", "-dash-first"])
    def test_bad_usernames_are_refused(self, session: Session, username: str) -> None:
        with pytest.raises(Invalid) as caught:
            make_user(session, username=username)
        assert caught.value.field == "username"

    def test_only_admins_manage_accounts(self, session: Session) -> None:
        director = Actor(user_id=None, role=Role.DIRECTOR, username="d")
        with pytest.raises(Forbidden):
            service.create_user(
                session,
                actor=director,
                username="newbie",
                display_name="N",
                role=Role.CLINICIAN,
                password=PASSWORD,
            )

    def test_system_role_cannot_be_given(self, session: Session) -> None:
        with pytest.raises(Invalid, match="system"):
            make_user(session, role=Role.SYSTEM)


class TestAuthenticate:
    def test_right_password_signs_in(self, session: Session) -> None:
        make_user(session, username="ok.user")
        user = service.authenticate(session, username="OK.User ", password=PASSWORD)
        assert user is not None
        assert user.last_sign_in_at is not None
        assert _actions(session)[-1] == ("sign_in", "")

    def test_unknown_user_fails_and_is_audited(self, session: Session) -> None:
        assert service.authenticate(session, username="ghost", password=PASSWORD) is None
        assert _actions(session)[-1] == ("sign_in_failed", "unknown_user")

    def test_a_lock_refuses_even_the_right_password(self, session: Session) -> None:
        user = make_user(session, username="locky")
        user.locked_until = utc_now() + timedelta(minutes=10)
        assert service.authenticate(session, username="locky", password=PASSWORD) is None
        assert _actions(session)[-1] == ("sign_in_failed", "locked")

    def test_lock_expires(self, session: Session) -> None:
        user = make_user(session, username="was.locked")
        user.locked_until = utc_now() - timedelta(seconds=1)
        assert service.authenticate(session, username="was.locked", password=PASSWORD)

    def test_disabled_user_cannot_sign_in(self, session: Session) -> None:
        make_user(session, username="leaver")
        service.disable_user(session, actor=SYSTEM, username="leaver")
        assert service.authenticate(session, username="leaver", password=PASSWORD) is None
        assert _actions(session)[-1] == ("sign_in_failed", "disabled")


class TestSessions:
    def test_token_is_stored_only_as_a_hash(self, session: Session) -> None:
        user = make_user(session)
        token, web_session = service.start_session(session, user=user, policy=POLICY)
        assert web_session.token_hash == tokens.digest(token)
        assert token not in web_session.token_hash
        resolved = service.resolve_session(session, token=token, policy=POLICY)
        assert resolved is not None
        assert resolved[1].id == user.id

    def test_idle_session_expires(self, session: Session) -> None:
        user = make_user(session)
        token, web_session = service.start_session(session, user=user, policy=POLICY)
        web_session.expires_at = utc_now() - timedelta(seconds=1)
        assert service.resolve_session(session, token=token, policy=POLICY) is None

    def test_password_reset_ends_sessions(self, session: Session) -> None:
        user = make_user(session, username="reset.me")
        token, _ = service.start_session(session, user=user, policy=POLICY)
        service.reset_password(
            session, actor=SYSTEM, username="reset.me", new_password="another long passphrase"
        )
        session.expire_all()
        assert service.resolve_session(session, token=token, policy=POLICY) is None


class TestApiTokens:
    def test_create_use_revoke(self, session: Session) -> None:
        make_user(session, username="api.user")
        secret, token = service.create_api_token(
            session, actor=SYSTEM, username="api.user", name="reporting"
        )
        stored = session.get(ApiToken, token.id)
        assert stored is not None
        assert stored.token_hash == tokens.digest(secret)
        assert secret not in (stored.token_hash, stored.prefix)
        assert service.resolve_api_token(session, secret=secret) is not None
        service.revoke_api_token(session, actor=SYSTEM, token_id=str(token.id))
        assert service.resolve_api_token(session, secret=secret) is None

    def test_expired_token_fails(self, session: Session) -> None:
        make_user(session, username="api.user2")
        secret, token = service.create_api_token(
            session, actor=SYSTEM, username="api.user2", name="x", expires_in_days=1
        )
        token.expires_at = utc_now() - timedelta(seconds=1)
        assert service.resolve_api_token(session, secret=secret) is None

    def test_disabling_the_user_disables_the_token(self, session: Session) -> None:
        make_user(session, username="api.user3")
        secret, _ = service.create_api_token(session, actor=SYSTEM, username="api.user3", name="x")
        service.disable_user(session, actor=SYSTEM, username="api.user3")
        assert service.resolve_api_token(session, secret=secret) is None

    def test_unknown_token_id_names_the_field(self, session: Session) -> None:
        with pytest.raises(Exception, match="no API token") as caught:
            service.revoke_api_token(session, actor=SYSTEM, token_id="not-a-uuid")
        assert getattr(caught.value, "field", None) == "token_id"


def test_sign_in_actions_are_in_the_audit_vocabulary() -> None:
    assert {"sign_in", "sign_in_failed"} <= {a.value for a in AuditAction}
