"""The canonical encoding and hash that chain audit entries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from stepdown.audit.rules import GENESIS_HASH, canonical_bytes, entry_hash

FIELDS = {
    "occurred_at": datetime(2026, 11, 23, 9, 30, 0, 123456, tzinfo=UTC),
    "actor_id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "action": "read",
    "detail": {"b": 1, "a": [True, None, "x"]},
}


def test_encoding_is_canonical() -> None:
    assert canonical_bytes(FIELDS) == (
        b'{"action":"read","actor_id":"12345678-1234-5678-1234-567812345678",'
        b'"detail":{"a":[true,null,"x"],"b":1},'
        b'"occurred_at":"2026-11-23T09:30:00.123456+00:00"}'
    )


def test_hash_depends_on_the_previous_hash_and_every_field() -> None:
    base = entry_hash(GENESIS_HASH, FIELDS)
    assert len(base) == 64
    assert entry_hash("f" * 64, FIELDS) != base
    assert entry_hash(GENESIS_HASH, {**FIELDS, "action": "update"}) != base


@given(st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8), max_size=6))
def test_key_order_never_changes_the_hash(detail: dict[str, object]) -> None:
    reordered = dict(reversed(list(detail.items())))
    assert entry_hash(GENESIS_HASH, {"detail": detail}) == entry_hash(
        GENESIS_HASH, {"detail": reordered}
    )
