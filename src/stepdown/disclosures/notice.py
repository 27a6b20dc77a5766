"""The § 2.32 notice, read from the one file that holds it (``part2_notice.toml``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

NOTICE_FILE = Path(__file__).with_name("part2_notice.toml")


@dataclass(frozen=True)
class Part2Notice:
    version: str
    source: str
    federal_register: str
    checked_on: str
    text: str  # statement 1, attached to every disclosure
    short: str  # statement 2, the label on each page

    @property
    def citation(self) -> str:
        return f"42 CFR 2.32(a), {self.federal_register}; {self.source}"


@cache
def current() -> Part2Notice:
    data = tomllib.loads(NOTICE_FILE.read_text(encoding="utf-8"))
    return Part2Notice(
        version=data["version"],
        source=data["source"],
        federal_register=data["federal_register"],
        checked_on=data["checked_on"],
        text=data["statement_1"],
        short=data["statement_2"],
    )
