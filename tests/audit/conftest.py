"""Every audit test signs with a fresh key of its own, never the developer's var/audit_key."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from stepdown.audit import keys
from stepdown.audit.keys import AuditKey, Keyring


def new_key() -> AuditKey:
    return AuditKey.from_text(secrets.token_urlsafe(32))


@pytest.fixture(autouse=True)
def keyring() -> Iterator[Keyring]:
    ring = Keyring(current=new_key())
    keys.install(ring)
    yield ring
    keys.install(None)  # later tests read the environment's key again
