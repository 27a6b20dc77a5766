"""The local document store: content-addressed, private, atomic, bounded while reading."""

from __future__ import annotations

import hashlib
import io
import stat
from pathlib import Path
from typing import IO

import pytest

from stepdown.documents import storage
from stepdown.documents.storage import FileMissing, LocalDirectoryStorage, TooLarge
from stepdown.settings import Settings
from tests.documents.factories import png_bytes


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _accept(stream: IO[bytes]) -> int:
    return len(stream.read())


class Endless(io.RawIOBase):
    """A source that never ends, counting what was asked of it."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert size > 0, "the store must read in bounded pieces"
        self.given += size
        return b"\x00" * size


def test_a_file_is_kept_under_its_digest_privately(tmp_path: Path) -> None:
    store = LocalDirectoryStorage(tmp_path / "documents")
    data = png_bytes()
    stored, verdict = store.put(io.BytesIO(data), max_bytes=10_000, check=_accept)
    digest = hashlib.sha256(data).hexdigest()
    assert (stored.sha256, stored.size, verdict) == (digest, len(data), len(data))
    path = tmp_path / "documents" / digest[:2] / digest
    assert path.read_bytes() == data
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    assert _mode(tmp_path / "documents") == 0o700
    assert _mode(tmp_path / "documents" / ".staging") == 0o700
    assert _files(tmp_path / "documents") == [path]
    with store.open(digest) as handle:
        assert handle.read() == data


def test_the_check_sees_a_private_staged_copy_before_anything_is_in_place(
    tmp_path: Path,
) -> None:
    root = tmp_path / "documents"
    store = LocalDirectoryStorage(root)
    data = png_bytes()
    final = store.path_of(hashlib.sha256(data).hexdigest())
    seen: dict[str, object] = {}

    def check(stream: IO[bytes]) -> None:
        seen["bytes"] = stream.read()
        seen["in place"] = final.exists()
        staged = _files(root / ".staging")
        seen["staged modes"] = [_mode(p) for p in staged]

    store.put(io.BytesIO(data), max_bytes=10_000, check=check)
    assert seen == {"bytes": data, "in place": False, "staged modes": [0o600]}
    assert _files(root / ".staging") == []
    assert final.exists()


def test_a_refused_check_keeps_nothing(tmp_path: Path) -> None:
    root = tmp_path / "documents"
    store = LocalDirectoryStorage(root)

    def refuse(stream: IO[bytes]) -> None:
        raise ValueError("not wanted")

    with pytest.raises(ValueError, match="not wanted"):
        store.put(io.BytesIO(b"some bytes"), max_bytes=10_000, check=refuse)
    assert _files(root) == []


def test_a_source_over_the_limit_is_refused_while_reading_and_keeps_nothing(
    tmp_path: Path,
) -> None:
    root = tmp_path / "documents"
    store = LocalDirectoryStorage(root)
    source = Endless()
    with pytest.raises(TooLarge) as caught:
        store.put(source, max_bytes=1_000_000, check=_accept)  # type: ignore[arg-type]
    assert caught.value.limit == 1_000_000
    # It stopped at the first piece past the limit, not at the end of an endless body.
    assert source.given <= 1_000_000 + storage.CHUNK
    assert _files(root) == []


def test_a_source_at_the_limit_is_kept(tmp_path: Path) -> None:
    store = LocalDirectoryStorage(tmp_path / "documents")
    stored, _ = store.put(io.BytesIO(b"x" * 4096), max_bytes=4096, check=_accept)
    assert stored.size == 4096


def test_the_same_bytes_twice_are_one_file(tmp_path: Path) -> None:
    root = tmp_path / "documents"
    store = LocalDirectoryStorage(root)
    first, _ = store.put(io.BytesIO(b"same"), max_bytes=100, check=_accept)
    second, _ = store.put(io.BytesIO(b"same"), max_bytes=100, check=_accept)
    assert first == second
    assert len(_files(root)) == 1


def test_a_damaged_file_is_put_right_by_the_same_bytes(tmp_path: Path) -> None:
    store = LocalDirectoryStorage(tmp_path / "documents")
    stored, _ = store.put(io.BytesIO(b"original"), max_bytes=100, check=_accept)
    path = store.path_of(stored.sha256)
    path.write_bytes(b"tampered")
    store.put(io.BytesIO(b"original"), max_bytes=100, check=_accept)
    assert path.read_bytes() == b"original"


def test_an_existing_open_folder_is_made_private(tmp_path: Path) -> None:
    root = tmp_path / "documents"
    root.mkdir(mode=0o755)
    root.chmod(0o755)
    LocalDirectoryStorage(root).put(io.BytesIO(b"x"), max_bytes=10, check=_accept)
    assert _mode(root) == 0o700


def test_a_missing_file_is_said_so(tmp_path: Path) -> None:
    store = LocalDirectoryStorage(tmp_path / "documents")
    with pytest.raises(FileMissing):
        store.open("a" * 64)


@pytest.mark.parametrize("digest", ["../../etc/passwd", "A" * 64, "a" * 63, "a" * 64 + "/x", ""])
def test_a_path_is_only_ever_made_from_a_digest(tmp_path: Path, digest: str) -> None:
    store = LocalDirectoryStorage(tmp_path / "documents")
    with pytest.raises(ValueError, match="SHA-256"):
        store.path_of(digest)


def test_the_store_is_under_var_dir_unless_configured(tmp_path: Path) -> None:
    base = Settings(var_dir=tmp_path / "var", _env_file=None)  # type: ignore[call-arg]
    assert storage.from_settings(base).root == tmp_path / "var" / "documents"
    moved = base.model_copy(update={"documents_dir": tmp_path / "elsewhere"})
    assert storage.from_settings(moved).root == tmp_path / "elsewhere"
