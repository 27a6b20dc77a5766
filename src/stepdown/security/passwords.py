"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import secrets
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from stepdown.kit.errors import Invalid

MIN_LENGTH = 12
_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory profile


def _common_passwords() -> frozenset[str]:
    text = resources.files("stepdown.security").joinpath("common_passwords.txt").read_text()
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


COMMON_PASSWORDS = _common_passwords()


def check_policy(password: str, *, username: str = "") -> None:
    """Refuse passwords that are short, common, or built on the user's own name."""
    if len(password) < MIN_LENGTH:
        raise Invalid(f"password must be at least {MIN_LENGTH} characters", field="password")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS:
        raise Invalid("password is too common; choose another", field="password")
    if username and username.lower() in lowered:
        raise Invalid("password must not contain the username", field="password")


# Letters and digits a person can read aloud and type: no 0/O, 1/l/I.
_READABLE = "abcdefghjkmnpqrstuvwxyz23456789"


def generate_password(username: str = "", length: int = 20) -> str:
    """A random password to hand to a person once (a first sign-in, a reset), in groups of
    five: 20 characters of a 31-letter alphabet are about 99 bits. One the policy would
    refuse for this user (a short username such as "ada" turns up by chance in about one
    draw in 1,300) is drawn again."""
    while True:
        raw = "".join(secrets.choice(_READABLE) for _ in range(length))
        password = "-".join(raw[i : i + 5] for i in range(0, length, 5))
        try:
            check_policy(password, username=username)
        except Invalid:
            continue
        return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# Verifying against this keeps a failed sign-in for an unknown user as slow as a real one.
DUMMY_HASH = _hasher.hash("not a real password: timing equaliser")
