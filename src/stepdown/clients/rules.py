"""Rules on client identity: when two records are likely the same person, and how long a
merge of two records may be undone.

Duplicate records are a patient-safety problem before they are a clerical one: a result
filed on the wrong twin, an allergy or a safety plan missing from the chart that staff
open. Registration systems match on the same few demographics we hold (name, date of
birth, phone) and score them rather than demand exact equality, because the errors that
make duplicates are typing errors: a nickname for the legal first name, a hyphenated or
maiden last name, day and month swapped in a date of birth, a phone typed with or without
the country code. (ONC's Patient Identification and Matching Final Report, 2014, lists
these as the common causes and recommends normalising names and phone numbers before
comparing them: https://www.healthit.gov/sites/default/files/patient_identification_matching_final_report.pdf.)

A likely match is only ever shown to a person, who decides; nothing here merges on its
own. So the rules lean towards showing a candidate (a false alarm costs one click) over
hiding one (a missed duplicate costs a split chart).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from rapidfuzz import fuzz

# Names this similar (0-100, rapidfuzz's token-sort ratio on the normalised full name) are
# "the same name spelled differently": Jon/John Smith scores 89, Smith/Smyth 80 on the last
# name alone. Below it, a shared birth date alone is common enough (about 1 in 365 × the
# age spread) not to raise a match.
SIMILAR_NAME = 85
# The digits of a phone number compared: the last ten, so "+1 (555) 010-2345" and
# "555.010.2345" are one number.
PHONE_DIGITS = 10
# How long a merge may be undone: long enough for the next week's review to catch a wrong
# merge, short enough that the moved records have not been built upon for months.
UNDO_DAYS = 30


@dataclass(frozen=True, slots=True)
class Identity:
    """The demographics a duplicate check compares."""

    first_name: str
    last_name: str
    date_of_birth: date | None
    phone: str = ""
    preferred_name: str = ""


def normal_name(text: str) -> str:
    """Lower case, accents and punctuation dropped, single spaces: "O'Brien-Núñez" and
    "obrien nunez" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    letters = re.sub(r"[^a-z ]+", "", re.sub(r"[-_.]", " ", bare.casefold()).replace("'", ""))
    return " ".join(letters.split())


def phone_digits(text: str) -> str:
    """The last ten digits typed, or "" when there are too few to identify a number."""
    digits = re.sub(r"\D", "", text)
    return digits[-PHONE_DIGITS:] if len(digits) >= 7 else ""


def swapped_day_month(day: date) -> date | None:
    """The date with day and month exchanged (04/07 typed for 07/04), where that is a
    different, real date."""
    if day.day > 12 or day.day == day.month:
        return None
    return date(day.year, day.day, day.month)


def name_similarity(a: Identity, b: Identity) -> int:
    """The best token-sort ratio between any of a's names and b's: legal first, preferred
    first, and the two swapped (first and last typed in each other's boxes)."""
    firsts_a = {normal_name(a.first_name), normal_name(a.preferred_name)} - {""}
    firsts_b = {normal_name(b.first_name), normal_name(b.preferred_name)} - {""}
    last_a, last_b = normal_name(a.last_name), normal_name(b.last_name)
    best = 0.0
    for first_a in firsts_a or {""}:
        for first_b in firsts_b or {""}:
            full_a = f"{first_a} {last_a}".strip()
            best = max(
                best,
                fuzz.token_sort_ratio(full_a, f"{first_b} {last_b}".strip()),
                fuzz.token_sort_ratio(full_a, f"{last_b} {first_b}".strip()),
            )
    return round(best)


def match_reasons(candidate: Identity, existing: Identity) -> tuple[str, ...]:
    """Why ``existing`` may be the person ``candidate`` describes; empty when it is not a
    likely match. Each reason is a phrase for the person deciding."""
    similarity = name_similarity(candidate, existing)
    same_name = similarity >= SIMILAR_NAME
    same_birth = (
        candidate.date_of_birth is not None and candidate.date_of_birth == existing.date_of_birth
    )
    swapped = (
        candidate.date_of_birth is not None
        and existing.date_of_birth is not None
        and swapped_day_month(candidate.date_of_birth) == existing.date_of_birth
    )
    phone = phone_digits(candidate.phone)
    same_phone = bool(phone) and phone == phone_digits(existing.phone)
    name_words = "same name" if similarity == 100 else f"similar name ({similarity}%)"
    reasons: list[str] = []
    if same_name and same_birth:
        reasons.append(f"{name_words} and date of birth")
    elif same_name and swapped:
        reasons.append(f"{name_words}; date of birth with day and month swapped")
    # A phone number and a birth date together identify a person whatever name is on file
    # (a legal name change, a nickname typed as the first name).
    if same_phone and same_birth and not same_name:
        reasons.append("same phone and date of birth, different name")
    elif same_phone and same_name and not same_birth:
        reasons.append(f"{name_words} and phone, different date of birth")
    if same_phone and same_name and same_birth:
        reasons.append("same phone")
    return tuple(reasons)


def undo_deadline(merged_at: datetime) -> datetime:
    return merged_at + timedelta(days=UNDO_DAYS)


def undo_refusal(merged_at: datetime, undone_at: datetime | None, now: datetime) -> str | None:
    """Why a merge can no longer be undone, or None when it can."""
    if undone_at is not None:
        return "This merge has already been undone."
    if now > undo_deadline(merged_at):
        return f"A merge can be undone for {UNDO_DAYS} days; this one is older."
    return None
