"""How an audit entry is hashed: pure, so the writer and the verifier cannot drift apart."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64


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
    """SHA-256 over the previous entry's hash and this entry's canonical fields."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(canonical_bytes(fields))
    return digest.hexdigest()
