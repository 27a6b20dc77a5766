"""The ICD-10-CM code set, read from the installed ``simple-icd-10-cm`` package (1.5.0).

Which code set: the package carries the FY2026 ICD-10-CM with the April 1, 2026 update
(its data files are ``code-list-April-2026.txt`` and ``icd10c-tabular-April-1-2026.xml``,
whose ``<version>`` is 2026), the code set in force for services from April 1, 2026
(CDC/NCHS, https://www.cdc.gov/nchs/icd/icd-10-cm/). ``CODE_SET`` names it and is stored
with every diagnosis, so a code chosen under this release can be told from one chosen under
the next. Codes and descriptions are public domain (a U.S. government work).

This is the only module that imports the package: importing it emits a
``DeprecationWarning`` (it reads its data with ``importlib.resources.read_text``), which the
test suite turns into an error, and it takes about two seconds to parse its XML. So it is
imported on first use, once, under a lock, with that one warning silenced.

A billable code is a leaf of the classification (a code with no children, seven-character
extensions included): ICD-10-CM's "codes" as opposed to its categories, blocks and chapters.
"""

from __future__ import annotations

import re
import threading
import warnings
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Final

CODE_SET: Final = "ICD-10-CM FY2026, April 2026 update"
# The shape of a code as typed: a letter, a digit, a character, then up to four more after
# an optional dot (the longest codes have seven characters, e.g. S72.001A).
CODE_SHAPE: Final = re.compile(r"^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$")
# What a code input may hold, with room for a dot and stray spaces.
CODE_INPUT_MAX: Final = 10

_LOCK = threading.Lock()


@dataclass(frozen=True)
class CodeInfo:
    """A billable code of the code set, written with its dot, and its description."""

    code: str
    description: str


class NotACode(ValueError):
    """Input that is not a billable ICD-10-CM code; the message says why (no PHI in it)."""


@cache
def _package() -> ModuleType:
    with _LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm  # type: ignore[import-untyped]

    module: ModuleType = simple_icd_10_cm
    return module


def normalize(raw: str) -> str:
    """Upper case, no spaces; the dot is left as typed (``lookup`` puts it in)."""
    return "".join(raw.split()).upper()


def lookup(raw: str) -> CodeInfo:
    """The billable code ``raw`` names (with or without its dot, any case), or ``NotACode``
    saying whether it is no code at all or a category that has codes under it."""
    text = normalize(raw)
    if not text:
        raise NotACode("enter an ICD-10-CM code")
    if len(text) > CODE_INPUT_MAX or not CODE_SHAPE.match(text):
        raise NotACode(
            "enter an ICD-10-CM code: a letter, a digit and a character, then a dot and up to "
            "four more (e.g. F10.20)"
        )
    icd = _package()
    if not bool(icd.is_valid_item(text)):
        raise NotACode(f"{text} is not a code of the code set ({CODE_SET})")
    code = str(icd.add_dot(text))
    if not bool(icd.is_leaf(code)):
        under = [c.code for c in billable_codes(code)][:3]
        example = f" such as {', '.join(under)}" if under else ""
        raise NotACode(
            f"{code} is a category, not a billable code: choose a code under it{example}"
        )
    return CodeInfo(code, str(icd.get_description(code)))


def describe(raw: str) -> str | None:
    """The description of a billable code, or None when ``raw`` is not one."""
    try:
        return lookup(raw).description
    except NotACode:
        return None


def inclusion_terms(code: str) -> list[str]:
    """The tabular list's inclusion terms of a code (for DSM-5-TR use disorders these name
    the severity and remission each code covers, e.g. F10.11 "Alcohol use disorder, mild,
    in early remission")."""
    return [str(t) for t in _package().get_inclusion_term(code)]


@cache
def _leaves() -> tuple[tuple[str, str, str], ...]:
    """Every billable code, in the classification's order, with its description and the
    description in lower case for searching."""
    icd = _package()
    rows = []
    for code in icd.get_all_codes(True):
        if "-" not in code and bool(icd.is_leaf(code)):
            description = str(icd.get_description(code))
            rows.append((str(code), description, description.lower()))
    return tuple(rows)


def billable_codes(prefix: str) -> list[CodeInfo]:
    """Every billable code whose code starts with ``prefix`` (written with its dot)."""
    return [CodeInfo(c, d) for c, d, _ in _leaves() if c.startswith(prefix)]


def search(query: str, *, limit: int) -> list[CodeInfo]:
    """Billable codes for a picker: those whose code starts with the query (dot optional)
    when it looks like a code, else those whose description has every word of it."""
    text = query.strip()
    if not text:
        return []
    found: list[CodeInfo] = []
    compact = normalize(text).replace(".", "")
    if re.match(r"^[A-Za-z][0-9]", text):
        for code, description, _ in _leaves():
            if code.replace(".", "").startswith(compact):
                found.append(CodeInfo(code, description))
                if len(found) >= limit:
                    break
        return found
    words = text.lower().split()
    for code, description, lowered in _leaves():
        if all(w in lowered for w in words):
            found.append(CodeInfo(code, description))
            if len(found) >= limit:
                break
    return found
