"""The audit chain's HMAC keys: the current one signs new entries, retired ones still verify.

The keys live outside the database on purpose: someone who can write the database but not
read the key file (or the environment) cannot recompute a keyed entry's MAC, so an edit
shows up in ``verify`` even if every later hash was recomputed.

- Current key: ``STEPDOWN_AUDIT_KEY``, else ``<var_dir>/audit_key``, generated (mode 0600)
  on first use like the secret key.
- Retired keys: ``<var_dir>/audit_keyring`` (``STEPDOWN_AUDIT_KEYRING``), one key a line,
  ``#`` comments allowed. ``rotate`` moves the current key there and makes a new one.

Every entry records the id of the key it was made with (``rules.key_id``), so ``verify``
picks the right key from the ring.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from stepdown.audit import rules
from stepdown.settings import Settings

AUDIT_KEY_FILE = "audit_key"
# A generated key: 32 random bytes, URL-safe text so it fits a file line or a variable.
_KEY_BYTES = 32


class KeyringError(Exception):
    """The keys cannot be read or do not fit together; the message says which file."""


@dataclass(frozen=True)
class AuditKey:
    id: str
    secret: bytes = field(repr=False)

    @classmethod
    def from_text(cls, text: str) -> AuditKey:
        secret = text.strip().encode()
        return cls(id=rules.key_id(secret), secret=secret)


@dataclass(frozen=True)
class Keyring:
    """The key new entries are made with, and every key that may have made an old one."""

    current: AuditKey
    retired: tuple[AuditKey, ...] = ()

    def __post_init__(self) -> None:
        seen: dict[str, bytes] = {}
        for key in (self.current, *self.retired):
            if seen.setdefault(key.id, key.secret) != key.secret:
                raise KeyringError(f"two different audit keys share the id {key.id}")

    def get(self, key_id: str) -> AuditKey | None:
        return next((k for k in (self.current, *self.retired) if k.id == key_id), None)


def key_path(settings: Settings) -> Path:
    return settings.var_dir / AUDIT_KEY_FILE


def _write_private(path: Path, text: str, *, replace: bool = False) -> None:
    """Write ``text`` to ``path`` (0600) all at once: under a temporary name, then linked
    into place (FileExistsError if ``path`` exists) or, with ``replace``, renamed over it.
    A process starting at the same moment reads no file or the whole key, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _read_key_file(path: Path) -> AuditKey:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise KeyringError(f"{path}: {exc.strerror or 'cannot be read'}") from None
    if not text:
        raise KeyringError(f"{path}: empty (restore the key from your key backup)")
    return AuditKey.from_text(text)


def _current_key(settings: Settings) -> AuditKey:
    if settings.audit_key is not None:
        return AuditKey.from_text(settings.audit_key.get_secret_value())
    path = key_path(settings)
    if not path.exists():
        # Another process may make it first: then we read theirs.
        with contextlib.suppress(FileExistsError):
            _write_private(path, secrets.token_urlsafe(_KEY_BYTES) + "\n")
    return _read_key_file(path)


def _retired_keys(path: Path) -> tuple[AuditKey, ...]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return ()
    except OSError as exc:
        raise KeyringError(f"{path}: {exc.strerror or 'cannot be read'}") from None
    return tuple(
        AuditKey.from_text(line)
        for line in lines
        if line.strip() and not line.lstrip().startswith("#")
    )


def load(settings: Settings) -> Keyring:
    """The keyring the settings describe; generates the current key on first use."""
    return Keyring(
        current=_current_key(settings), retired=_retired_keys(settings.effective_audit_keyring)
    )


def rotate(settings: Settings) -> tuple[AuditKey, AuditKey]:
    """Retire the current key file's key into the keyring and write a new one; (old, new).

    The old key is appended (and synced) to the keyring before the key file is replaced,
    so a crash in between leaves the old key in both places, never in neither. A key from
    ``STEPDOWN_AUDIT_KEY`` is the operator's to change: we cannot rewrite the environment.
    """
    if settings.audit_key is not None:
        raise KeyringError(
            "the audit key comes from STEPDOWN_AUDIT_KEY: add it as a line to "
            f"{settings.effective_audit_keyring}, then set a new STEPDOWN_AUDIT_KEY"
        )
    old = _current_key(settings)
    keyring = settings.effective_audit_keyring
    keyring.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(keyring, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(old.secret.decode() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    new_text = secrets.token_urlsafe(_KEY_BYTES)
    _write_private(key_path(settings), new_text + "\n", replace=True)
    return old, AuditKey.from_text(new_text)


_lock = threading.Lock()
_active: Keyring | None = None


def active() -> Keyring:
    """The process's keyring: the one installed, else the environment's (``Settings()``).

    ``audit.service.record`` is called from nearly every service, none of which carries
    the settings; the key is process-wide configuration, like the log setup, so it is
    read once here rather than threaded through every call. Entry points that build
    settings of their own (tests) ``install`` a keyring instead.
    """
    global _active
    with _lock:
        if _active is None:
            _active = load(Settings())
        return _active


def install(keyring: Keyring | None) -> None:
    """Use ``keyring`` from now on in this process; None reads the environment again."""
    global _active
    with _lock:
        _active = keyring
