"""The audit keys: generated once and kept private, taken from the environment when set,
rotated into a keyring that keeps old entries verifiable."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from stepdown.audit import keys, rules
from stepdown.audit.keys import AuditKey, Keyring, KeyringError
from stepdown.settings import Settings

ENV_KEY = "an-operator-chosen-key-of-enough-length-0123456789"


def _settings(var: Path, **overrides: object) -> Settings:
    return Settings(var_dir=var, _env_file=None, **overrides)  # type: ignore[call-arg, arg-type]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_generated_key_is_private_and_kept(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "var")
    first = keys.load(settings)
    path = tmp_path / "var" / "audit_key"
    assert _mode(path) == 0o600
    assert keys.load(settings).current == first.current
    assert first.current.id == rules.key_id(path.read_text().strip().encode())
    assert len(first.current.id) == 8
    assert first.retired == ()


def test_the_environment_key_wins_and_nothing_is_written(tmp_path: Path) -> None:
    settings = _settings(tmp_path, audit_key=ENV_KEY)
    ring = keys.load(settings)
    assert ring.current.secret == ENV_KEY.encode()
    assert not (tmp_path / "audit_key").exists()
    assert ENV_KEY not in str(settings.masked())
    assert settings.masked()["audit_key"] == "******** (from environment)"


def test_a_short_environment_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="audit_key"):
        _settings(tmp_path, audit_key="short")


def test_an_empty_key_file_is_an_error_not_a_new_key(tmp_path: Path) -> None:
    (tmp_path / "audit_key").write_text("\n")
    with pytest.raises(KeyringError, match="empty"):
        keys.load(_settings(tmp_path))


def test_rotation_retires_the_old_key_into_the_keyring(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    before = keys.load(settings).current
    old, new = keys.rotate(settings)
    assert old == before
    assert new.id != old.id
    ring = keys.load(settings)
    assert ring.current == new
    assert ring.get(old.id) == old
    assert _mode(tmp_path / "audit_keyring") == 0o600
    assert _mode(tmp_path / "audit_key") == 0o600
    keys.rotate(settings)
    assert len(keys.load(settings).retired) == 2


def test_keyring_lines_may_carry_comments(tmp_path: Path) -> None:
    retired = AuditKey.from_text("retired-key-from-last-year-0123456789abcdef")
    (tmp_path / "audit_keyring").write_text(
        f"# retired 2026-01-01\n\n  {retired.secret.decode()}  \n   # another note\n"
    )
    ring = keys.load(_settings(tmp_path, audit_key=ENV_KEY))
    assert ring.retired == (retired,)


def test_rotation_refuses_a_key_from_the_environment(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="STEPDOWN_AUDIT_KEY"):
        keys.rotate(_settings(tmp_path, audit_key=ENV_KEY))


def test_two_keys_under_one_id_are_refused() -> None:
    with pytest.raises(KeyringError, match="share the id"):
        Keyring(current=AuditKey("abcd1234", b"one"), retired=(AuditKey("abcd1234", b"two"),))


def test_installed_keyring_is_the_active_one(keyring: Keyring) -> None:
    assert keys.active() is keyring
