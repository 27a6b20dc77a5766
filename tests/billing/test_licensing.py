"""Code numbers only: no CPT or revenue-code descriptor text ships in the repository.

CPT descriptors are the American Medical Association's and UB-04 revenue-code descriptions
the American Hospital Association's (NUBC); both are licensed. The program may load them
from its own licensed file; we ship the numbers and our own short labels. This test scans
every text file the repository ships for known descriptor wording (kept here in pieces,
so this file does not match itself)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("src", "tests", "docs", "bench", "README.md")
TEXT = {".py", ".html", ".md", ".txt", ".toml", ".css", ".js", ".json", ".x12", ".837", ".835"}
# Descriptor phrases, each split in two so the scan does not find this file.
DESCRIPTORS = (
    ("psychotherapy, 30 minutes", " with patient"),
    ("psychotherapy, 45 minutes", " with patient"),
    ("psychotherapy, 60 minutes", " with patient"),
    ("other than of a multiple", "-family group"),
    ("family psychotherapy (conjoint", " psychotherapy)"),
    ("psychiatric diagnostic evaluation with", " medical services"),
    ("drug test(s), presumptive, any number", " of drug classes"),
    ("behavioral health treatment", "/services"),
)


def _files() -> list[Path]:
    found = []
    for name in SHIPPED:
        path = ROOT / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        found += [
            p
            for p in candidates
            if p.is_file() and p.suffix in TEXT and ".venv" not in p.parts and p != Path(__file__)
        ]
    return found


def test_the_scan_reads_the_billing_code() -> None:
    names = {p.name for p in _files()}
    assert {"rules.py", "x12_837.py", "week.html"} <= names


@pytest.mark.parametrize("phrase", ["".join(p) for p in DESCRIPTORS])
def test_no_descriptor_text_ships(phrase: str) -> None:
    hits = [
        str(p.relative_to(ROOT))
        for p in _files()
        if phrase.lower() in p.read_text(encoding="utf-8", errors="replace").lower()
    ]
    assert hits == [], f"descriptor text {phrase!r} found in {hits}"
