"""The copy-forward check: how alike two notes' narratives are. Pure functions.

Medicare defines cloned documentation as "multiple entries in a patient's health record
that are exactly alike or similar to other entries in the same patient's health record or
another patient's health record" (CMS, as quoted in terryfletcher.net/2019/08/15/the-dangers-
of-cloned-notes-e-m-in-healthcare-practices), and HHS-OIG found few Medicare contractors able
to tell whether "a provider had copied language" in an EHR ("CMS and Its Contractors Have
Adopted Few Program Integrity Practices to Address Vulnerabilities in EHRs",
OEI-01-11-00571, January 2014). So a note is compared with the same client's other notes and
with the same author's notes for other clients (``service`` picks them).

The narrative is the format's sections joined. Before comparing, text is put in one form
(``normalize``): Unicode NFKC, case folded, punctuation dropped, runs of space made one, so a
copy whose only changes are capitals, commas or line breaks scores as a copy.

The score is the greater of two rapidfuzz measures, each 0..1:

- ``fuzz.ratio``: the normalized Indel similarity of the two texts, character by character.
  It catches a note copied with a few words edited.
- ``fuzz.token_set_ratio`` scaled by the ratio of the shorter text's length to the longer's.
  The token-set measure ignores word order and repeats, so it catches a copy whose
  sentences were shuffled; but it scores 1 whenever one text's words are a subset of the
  other's ("Client attended." against any note that says "client" and "attended"), so it is
  scaled by how close the lengths are.

Both are symmetric, so the score is: note A is as much a copy of B as B is of A. Identical
narratives score exactly 1. A note is flagged when its score reaches the program's threshold
(``DocumentationSettings.similarity_threshold``, 0.90 by default). No regulator or payer
publishes a numeric threshold (CMS and OIG describe cloning, not a percentage), so the
default is the program's choice, meant to catch a note carried forward with a date and a few
words changed while leaving two notes that share a template's phrases alone.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

# Anything that is not a letter, a digit or space: punctuation and symbols.
_NOT_WORD = re.compile(r"[^\w\s]|_")
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """``text`` in the compared form (see the module docstring)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _SPACE.sub(" ", _NOT_WORD.sub(" ", folded)).strip()


def narrative(sections: Iterable[str]) -> str:
    """A note's sections, in the format's order, as one compared text."""
    return normalize(" ".join(sections))


def score(a: str, b: str) -> float:
    """How alike two normalized narratives are, from 0 (nothing alike) to 1 (identical)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    direct = fuzz.ratio(a, b) / 100
    shorter, longer = sorted((len(a), len(b)))
    unordered = fuzz.token_set_ratio(a, b) / 100 * (shorter / longer)
    return min(1.0, max(direct, unordered))


def flagged(value: float, threshold: float) -> bool:
    """Whether a score counts as a copy under ``threshold`` (0 < threshold <= 1)."""
    return value >= threshold


@dataclass(frozen=True)
class Match:
    note_id: uuid.UUID
    score: float


def best_match(text: str, candidates: Iterable[tuple[uuid.UUID, str]]) -> Match | None:
    """The candidate (id, normalized narrative) most like ``text``, or None when there are
    none; ties go to the first given (the service gives the newest first)."""
    best: Match | None = None
    for note_id, other in candidates:
        value = score(text, other)
        if best is None or value > best.score:
            best = Match(note_id, value)
    return best
