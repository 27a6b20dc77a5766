"""The password policy and argon2id hashing."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from hypothesis import given
from hypothesis import strategies as st

from stepdown.kit.errors import Invalid
from stepdown.security import passwords


@given(st.text(max_size=passwords.MIN_LENGTH - 1))
def test_short_passwords_are_refused(password: str) -> None:
    with pytest.raises(Invalid, match="at least 12"):
        passwords.check_policy(password)


@pytest.mark.parametrize("password", ["password1234", "Password1234", "qwerty123456"])
def test_common_passwords_are_refused(password: str) -> None:
    with pytest.raises(Invalid, match="too common"):
        passwords.check_policy(password)


def test_password_containing_the_username_is_refused() -> None:
    with pytest.raises(Invalid, match="username"):
        passwords.check_policy("my-name-is-dana-director", username="director")


def test_hash_is_argon2id_and_verifies() -> None:
    hashed = passwords.hash_password("a long enough passphrase")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify_password(hashed, "a long enough passphrase")
    assert not passwords.verify_password(hashed, "a long enough passphrasE")
    assert not passwords.verify_password("not a hash", "anything")


def test_a_hash_made_at_the_production_profile_verifies() -> None:
    """The suite hashes cheaply (conftest); the accounts of a real program were hashed at
    argon2's default RFC 9106 low-memory profile, and must still verify."""
    hashed = PasswordHasher().hash("a long enough passphrase")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify_password(hashed, "a long enough passphrase")
    assert not passwords.verify_password(hashed, "a long enough passphrasE")
