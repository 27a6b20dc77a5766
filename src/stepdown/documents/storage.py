"""Where document files live: a small interface, and a local directory behind it.

The store keeps bytes by their SHA-256 digest (content-addressed): a path is made from a
digest this code computed, never from a file name or anything else a user sent, and a
scan uploaded twice is one file. There is no delete: documents are part of the legal
record, and a filing made in error is marked so in the database while its file stays.

``LocalDirectoryStorage`` (the default, under ``settings.documents_dir`` or
``var_dir/documents``) writes each file to a private staging file first (0600, in 0700
folders), checks it there, and moves it into place with one atomic rename, so a reader
never sees half a file and a refused upload leaves nothing behind. Another store (an
object store, a WORM volume) implements the same two methods.

A file whose bytes no longer match its digest (disk fault, tampering) is found by the
service when it is read (``service`` hashes it again before serving it).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final, Protocol, TypeVar

from stepdown.settings import Settings

T = TypeVar("T")
CHUNK: Final = 256 * 1024
_DIGEST = re.compile(r"\A[0-9a-f]{64}\Z")
_STAGING = ".staging"


class TooLarge(Exception):
    """The source had more than ``limit`` bytes; nothing was kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


class FileMissing(Exception):
    """The store has no file under that digest."""


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int


class DocumentStorage(Protocol):
    def put(
        self, source: IO[bytes], *, max_bytes: int, check: Callable[[IO[bytes]], T]
    ) -> tuple[StoredFile, T]:
        """Read ``source`` in chunks (refusing it with ``TooLarge`` as soon as it passes
        ``max_bytes``), run ``check`` on the copy, and keep the copy only if ``check``
        returns; return what was kept and what ``check`` said. Whatever ``check`` raises
        propagates, and nothing is kept."""
        ...

    def open(self, sha256: str) -> IO[bytes]:
        """The stored bytes for reading (the caller closes it); ``FileMissing`` if none."""
        ...


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalDirectoryStorage:
    """Files at ``root/ab/abcdef...`` (the digest's first two hex digits, then the digest)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _folder(self, path: Path) -> Path:
        """A private folder (0700), made if missing; one already there is tightened."""
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)
        return path

    def path_of(self, sha256: str) -> Path:
        if not _DIGEST.match(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256

    def put(
        self, source: IO[bytes], *, max_bytes: int, check: Callable[[IO[bytes]], T]
    ) -> tuple[StoredFile, T]:
        self._folder(self.root)
        staging = self._folder(self.root / _STAGING)
        fd, name = tempfile.mkstemp(dir=staging, prefix="upload-")  # 0600, O_EXCL
        staged = Path(name)
        kept = False
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "w+b") as out:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
                out.seek(0)
                verdict = check(out)
            stored = StoredFile(digest.hexdigest(), size)
            final = self.path_of(stored.sha256)
            self._folder(final.parent)
            os.chmod(staged, 0o600)
            # Atomic on one file system; a file already there has these very bytes (or is
            # damaged, and this puts them right).
            os.replace(staged, final)
            kept = True
            _fsync_directory(final.parent)
            return stored, verdict
        finally:
            if not kept:
                staged.unlink(missing_ok=True)

    def open(self, sha256: str) -> IO[bytes]:
        try:
            return self.path_of(sha256).open("rb")
        except FileNotFoundError:
            raise FileMissing(sha256) from None


def documents_dir(settings: Settings) -> Path:
    return settings.documents_dir or settings.var_dir / "documents"


def from_settings(settings: Settings) -> LocalDirectoryStorage:
    return LocalDirectoryStorage(documents_dir(settings))
