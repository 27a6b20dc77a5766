"""How an audit entry is hashed: pure, so the writer and the verifier cannot drift apart.

Entries written before the chain was keyed carry a plain SHA-256 (``entry_hash``): anyone
could recompute it. Entries since carry an HMAC-SHA256 under a key kept outside the
database (``entry_mac``), so rewriting one needs the key as well as write access.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

GENESIS_HASH = "0" * 64
KEY_ID_LENGTH = 8


def canonical_bytes(fields: Mapping[str, Any]) -> bytes:
    """A byte encoding that is identical on every database and Python run.

    Sorted keys, no whitespace, UTF-8; datetimes as ISO 8601 in UTC with microseconds,
    UUIDs as hex strings. Detail values are restricted to JSON scalars, lists and objects.
    """

    def encode(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat(timespec="microseconds")
        if isinstance(value, uuid.UUID):
            return str(value)
        return value

    prepared = {key: encode(value) for key, value in fields.items()}
    return json.dumps(prepared, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """SHA-256 over the previous entry's hash and this entry's canonical fields (the rule
    for entries written before the chain was keyed)."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(canonical_bytes(fields))
    return digest.hexdigest()


def entry_mac(secret: bytes, prev_hash: str, fields: Mapping[str, Any]) -> str:
    """HMAC-SHA256 under ``secret`` over the same bytes as ``entry_hash``; ``fields``
    include the key id, so an entry cannot be passed off as made with another key."""
    return chained_mac(secret, prev_hash, canonical_bytes(fields))


def chained_mac(secret: bytes, prev_hash: str, payload: bytes) -> str:
    """``entry_mac`` over fields already encoded by ``canonical_bytes``: the writer encodes
    before it takes the chain's lock and only chains under it."""
    return hmac.new(secret, prev_hash.encode("ascii") + payload, hashlib.sha256).hexdigest()


def record_mac(secret: bytes, fields: Mapping[str, Any]) -> str:
    """HMAC-SHA256 over a record's canonical fields (an audit checkpoint)."""
    return hmac.new(secret, canonical_bytes(fields), hashlib.sha256).hexdigest()


def key_id(secret: bytes) -> str:
    """A key's public name: the first hex digits of its SHA-256, enough to pick it from a
    keyring without revealing it."""
    return hashlib.sha256(secret).hexdigest()[:KEY_ID_LENGTH]


def same_digest(a: str, b: str) -> bool:
    """Compare digests in constant time, so timing never tells how much of a forgery fit."""
    return hmac.compare_digest(a.encode(), b.encode())


def _plain(value: object) -> object:
    """A value as an audit entry's JSON detail holds it."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):  # a datetime too
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def field_changes(record: object, new: Mapping[str, Any]) -> dict[str, dict[str, object]]:
    """Old and new value of each field of ``record`` that ``new`` changes: what an update's
    audit entry keeps, so a corrected value never erases the one it replaced."""
    return {
        field: {"old": _plain(getattr(record, field)), "new": _plain(value)}
        for field, value in new.items()
        if getattr(record, field) != value
    }


def change(old: object, new: object) -> dict[str, object]:
    """One field's change, for a value not read off a record (a team member, a supervisor)."""
    return {"old": _plain(old), "new": _plain(new)}
