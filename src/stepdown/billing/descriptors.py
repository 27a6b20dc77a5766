"""Code descriptors from the program's own licensed file, never from Stepdown.

CPT descriptors belong to the American Medical Association and UB-04 revenue-code
descriptions to the American Hospital Association (NUBC); a program licenses them (its
clearinghouse or coding vendor supplies a file). Stepdown ships the code numbers and our
own short labels only; when ``code_descriptors_file`` names a CSV of ``code,descriptor``
rows, billing's pages show each descriptor beside its code.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path
from typing import Final

from stepdown.kit.errors import Invalid

# Every code number has a digit (CPT 99213, HCPCS H0015, revenue 0905); a header has none.
_CODE: Final = re.compile(r"\A(?=[A-Z]*[0-9])[A-Z0-9]{4,5}\Z")
MAX_ROWS: Final = 50_000
MAX_DESCRIPTOR: Final = 300


def parse(text: str) -> dict[str, str]:
    """``code,descriptor`` rows (a header row is allowed); a malformed row is refused with
    its line number, not skipped."""
    found: dict[str, str] = {}
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2:
            raise Invalid(f"line {number}: give a code and its descriptor", field="descriptors")
        code, descriptor = row[0].strip().upper(), ",".join(row[1:]).strip()
        if number == 1 and not _CODE.match(code):
            continue  # the header
        if not _CODE.match(code) or not descriptor or len(descriptor) > MAX_DESCRIPTOR:
            raise Invalid(f"line {number}: not a code and descriptor", field="descriptors")
        found[code] = descriptor
        if len(found) > MAX_ROWS:
            raise Invalid(f"more than {MAX_ROWS} codes", field="descriptors")
    return found


@lru_cache(maxsize=4)
def _load(path: Path, stamp: float) -> dict[str, str]:
    return parse(path.read_text(encoding="utf-8-sig"))


def load(path: Path | None) -> dict[str, str]:
    """The licensed descriptors, or none when no file is configured (re-read when the file
    changes)."""
    if path is None or not path.is_file():
        return {}
    return _load(path, path.stat().st_mtime)
