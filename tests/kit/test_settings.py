"""Configuration: environment variables, the generated secret key, masking."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from stepdown.settings import Settings


def test_secret_key_is_generated_once_with_owner_only_permissions(tmp_path: Path) -> None:
    first = Settings(var_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    key = first.effective_secret_key
    path = tmp_path / "secret_key"
    assert len(key) >= 48
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = Settings(var_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert again.effective_secret_key == key


def test_environment_variables_use_the_stepdown_prefix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STEPDOWN_DATABASE_URL", "postgresql://u:hunter2@db.example/stepdown")
    monkeypatch.setenv("STEPDOWN_SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("STEPDOWN_BASE_URL", "https://stepdown.example.org/")
    settings = Settings(var_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert settings.session_idle_minutes == 15
    assert settings.cookie_secure is True
    assert settings.base_url == "https://stepdown.example.org"
    shown = settings.masked()
    assert "hunter2" not in shown["database_url"]
    assert shown["secret_key"].startswith("********")


def test_default_database_is_the_sqlite_file_in_var(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert settings.effective_database_url == f"sqlite:///{tmp_path.as_posix()}/stepdown.db"
    assert settings.cookie_secure is False


def test_bad_setting_is_refused_naming_the_field(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STEPDOWN_SESSION_IDLE_MINUTES", "0")
    with pytest.raises(ValueError, match="session_idle_minutes"):
        Settings(var_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
