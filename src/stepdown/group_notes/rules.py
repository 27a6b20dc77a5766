"""Pure rules for group notes: who gets a note, what may be written in it, when it is done.

Privacy. The shared part of a group note (topic, content, dynamics) is copied into every
attendee's chart, and a client may read their own chart. Naming a member there would tell
every other attendee, and anyone reading their records, that this person is in treatment
for a substance use disorder, which 42 CFR Part 2 protects (shared/domain, "Privacy law").
Group-note guidance says the same: document the group's process, never name other members
(clinicaldocslibrary.com/progress-notes/group-therapy-notes: "confidentiality (never naming
other members)"; clinicalnoteai.com/blog/group-therapy-documentation). So the shared text
must not contain any booked member's first, last or preferred name (absent members too: a
line like "X was missed today" discloses X's membership just the same), and a member's own
line must not name another member.

A name matches as a whole word, case-insensitively: "Dan" matches "dan" and "Dan's" but not
"Daniel" or "abundance". Multi-word and hyphenated names match whole and by each part
("Mary Ann" also matches "Ann"), since a leader may use either. Parts of one letter are
skipped: an initial would refuse every sentence with "a" or "I" in it. A name that is also
a common word ("Hope", "Will") is refused too; the leader rewords, which errs on the side
of the member's privacy.

A name also matches however it is spelled in Unicode, since text pasted from a phone or a
letter, or typed to get past the check, may hide it: both the text and the names are
compared in a normal form (``comparable``) that applies NFKC (fullwidth, mathematical and
other compatibility letters, composed or decomposed accents), drops the invisible
characters (format characters, category Cf: zero-width space and joiners, soft hyphen,
word joiner, BOM, bidirectional controls; and the other default-ignorable code points),
folds Cyrillic and Greek letters that look like Latin ones, and folds case.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from stepdown.attendance.models import AttendanceStatus
from stepdown.attendance.rules import ATTENDED
from stepdown.group_notes.models import NoteStatus, Participation
from stepdown.kit.errors import Conflict, Invalid

NAMES_MEMBER = "group_note.names_member"
ATTENDANCE_NOT_TAKEN = "group_note.attendance_not_taken"
NO_ATTENDEES = "group_note.no_attendees"
SESSION_CANCELLED = "group_note.session_cancelled"
SIGNED = "group_note.signed"
INCOMPLETE = "group_note.incomplete"
OBJECTIVE_NOT_IN_PLAN = "group_note.objective_not_in_plan"
NOT_AN_ATTENDEE = "group_note.not_an_attendee"
NOT_AWAITING = "group_note.not_awaiting_cosignature"

LIMITS = {"topic": 120, "content": 8000, "dynamics": 4000, "progress": 500}
# Split names into the parts a leader might use on their own.
_PARTS = re.compile(r"[\s\-]+")

# Cyrillic and Greek letters drawn like Latin ones, from Unicode's confusables data (UTS #39
# "Unicode Security Mechanisms", section 4, https://www.unicode.org/reports/tr39/, data file
# https://www.unicode.org/Public/security/latest/confusables.txt; e.g. "0430 ; 0061 ; MA
# ( а → a ) CYRILLIC SMALL LETTER A → LATIN SMALL LETTER A"). Only single letters that
# stand for a Latin letter are kept; the capitals TR39 sends to "l" (Greek Ι, Cyrillic І,
# Ӏ) go to "i", as Latin I itself has that prototype. Lower-case в, т, н look like small
# capitals, not like b, t, h, and TR39 does not map them to Latin letters either.
_LOOKALIKES = str.maketrans(
    {
        # Cyrillic capitals
        "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p",
        "С": "c", "Т": "t", "У": "y", "Х": "x", "Ѕ": "s", "І": "i", "Ј": "j", "Ү": "y",
        "Ѵ": "v", "Ԝ": "w", "Ӏ": "i", "Ь": "b",
        # Cyrillic small letters
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s",
        "і": "i", "ј": "j", "ү": "y", "ѵ": "v", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w",
        "ӏ": "i", "ҽ": "e", "г": "r", "ѡ": "w",
        # Greek capitals
        "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m",
        "Ν": "n", "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x", "Ϳ": "j", "Ϲ": "c",
        # Greek small letters
        "α": "a", "γ": "y", "ι": "i", "ν": "v", "ο": "o", "ρ": "p", "σ": "o", "υ": "u",
        "ϲ": "c", "ϳ": "j", "ϱ": "p",
    }
)  # fmt: skip
# Default-ignorable code points outside category Cf (Unicode DerivedCoreProperties.txt,
# Default_Ignorable_Code_Point): they render as nothing, so they are dropped too.
_IGNORABLE = frozenset(
    {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F, 0x3164, 0xFFA0}
    | set(range(0xFE00, 0xFE10))  # variation selectors
    | set(range(0xE0100, 0xE01F0))  # variation selectors supplement
)


def _invisible(char: str) -> bool:
    return unicodedata.category(char) == "Cf" or ord(char) in _IGNORABLE


def _fold(cluster: str) -> str:
    """One base character and its marks in the compared form (see the module docstring)."""
    folded = unicodedata.normalize("NFKC", cluster)
    folded = "".join(c for c in folded if not _invisible(c)).translate(_LOOKALIKES)
    return unicodedata.normalize("NFKC", folded.casefold())


def comparable(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` in the form names are compared in, and for each of its characters the span
    of ``text`` it came from, so a refusal can point at what the leader typed.

    Invisible characters go first, so one slipped between a letter and its accent does not
    keep them apart; then each letter is folded with the marks that follow it.
    """
    clusters: list[tuple[int, int, str]] = []
    for index, char in enumerate(text):
        if _invisible(char):
            continue
        if clusters and unicodedata.category(char) in ("Mn", "Mc", "Me"):
            start, _, chars = clusters[-1]
            clusters[-1] = (start, index + 1, chars + char)
        else:
            clusters.append((index, index + 1, char))
    folded: list[str] = []
    origin: list[tuple[int, int]] = []
    for start, end, chars in clusters:
        out = _fold(chars)
        folded.append(out)
        origin.extend([(start, end)] * len(out))
    return "".join(folded), origin


@dataclass(frozen=True)
class MemberName:
    """The names by which a booked member might be mentioned."""

    client_id: uuid.UUID
    first: str
    last: str
    preferred: str = ""

    def forms(self) -> set[str]:
        """Each name whole and each of its parts, in the compared form (``comparable``),
        one-letter parts left out."""
        found: set[str] = set()
        for name in (self.first, self.last, self.preferred):
            name = " ".join(comparable(name)[0].split())
            for form in (name, *_PARTS.split(name)):
                if len(form) > 1:
                    found.add(form)
        return found


@dataclass(frozen=True)
class LineInput:
    """One attendee's line as the leader entered it."""

    client_id: uuid.UUID
    participation: Participation | None
    progress: str
    objective_id: uuid.UUID | None = None


def attendees(statuses: Mapping[uuid.UUID, AttendanceStatus | None]) -> list[uuid.UUID]:
    """Members who were there (present, late, left early or by telehealth), in the order
    given. Absent members get no note: nothing happened in the group for them to record."""
    return [cid for cid, status in statuses.items() if status in ATTENDED]


def why_not_startable(booked: int, recorded: int, attended: int) -> str:
    """Why a session's note cannot be started yet, from its counts, as the list of sessions
    says it (``require_attendance`` is the same rule at the note itself); "" when it can."""
    if recorded < booked:
        return f"take attendance first: {booked - recorded} of {booked} not recorded"
    if booked == 0 or attended == 0:
        return "nobody attended, so there is no note to write"
    return ""


def require_attendance(statuses: Mapping[uuid.UUID, AttendanceStatus | None]) -> None:
    """A note needs attendance taken for every booked member first: until then nobody
    knows whose chart it will be filed in."""
    missing = sum(1 for status in statuses.values() if status is None)
    if missing:
        raise Conflict(
            f"take attendance first: {missing} booked member(s) have no attendance recorded",
            rule=ATTENDANCE_NOT_TAKEN,
        )
    if not attendees(statuses):
        raise Conflict(
            "nobody attended this session, so there is no note to write", rule=NO_ATTENDEES
        )


def _pattern(forms: Iterable[str]) -> re.Pattern[str] | None:
    """One regex for the given name forms, longest first, bounded by non-word characters
    (both sides are case-folded already)."""
    ordered = sorted(set(forms), key=lambda f: (-len(f), f))
    if not ordered:
        return None
    alternatives = "|".join(re.escape(f) for f in ordered)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def find_name(text: str, members: Iterable[MemberName]) -> tuple[int, int] | None:
    """Where the first member name in ``text`` is, as (start, end) in ``text`` itself, or
    None. The match is made in the compared forms of both."""
    pattern = _pattern(form for member in members for form in member.forms())
    if pattern is None:
        return None
    folded, origin = comparable(text)
    match = pattern.search(folded)
    if match is None:
        return None
    return origin[match.start()][0], origin[match.end() - 1][1]


def _refuse_name(field: str, label: str, span: tuple[int, int]) -> Conflict:
    # The message carries positions, not the name: error messages are shown and logged as is.
    start, end = span
    return Conflict(
        f"{label} names a group member (characters {start + 1}–{end}); describe members "
        "without their names, as this text is filed in other members' charts",
        field=field,
        rule=NAMES_MEMBER,
    )


def check_names(
    shared: Mapping[str, str],
    members: Sequence[MemberName],
    lines: Sequence[LineInput] = (),
) -> None:
    """Refuse shared text that names any booked member, and a member's line that names
    another member (their own name in their own line is fine: only they see it)."""
    for field, text in shared.items():
        span = find_name(text, members)
        if span is not None:
            raise _refuse_name(field, f"the {field}", span)
    for line in lines:
        others = [m for m in members if m.client_id != line.client_id]
        span = find_name(line.progress, others)
        if span is not None:
            raise _refuse_name(line_field(line.client_id), "a member's progress line", span)


def line_field(client_id: uuid.UUID) -> str:
    """The form field of a member's progress line, so a refusal points at that row."""
    return f"progress-{client_id}"


def check_lengths(shared: Mapping[str, str], lines: Sequence[LineInput] = ()) -> None:
    for field, text in shared.items():
        if len(text) > LIMITS[field]:
            raise Invalid(f"keep this under {LIMITS[field]} characters", field=field)
    for line in lines:
        if len(line.progress) > LIMITS["progress"]:
            raise Invalid(
                f"keep this under {LIMITS['progress']} characters", field=line_field(line.client_id)
            )
    if "topic" in shared and not shared["topic"].strip():
        raise Invalid("give the session's topic", field="topic")


def check_lines(
    lines: Sequence[LineInput],
    attendee_ids: Sequence[uuid.UUID],
    objectives: Mapping[uuid.UUID, set[uuid.UUID]],
) -> None:
    """Lines are for attendees only, once each, and name an objective of that member's
    current plan (``objectives``: client id -> objective ids of their active plan)."""
    seen: set[uuid.UUID] = set()
    for line in lines:
        if line.client_id not in attendee_ids or line.client_id in seen:
            raise Conflict(
                "a line is for a member who attended, once per member",
                field=line_field(line.client_id),
                rule=NOT_AN_ATTENDEE,
            )
        seen.add(line.client_id)
        if line.objective_id is not None and line.objective_id not in objectives.get(
            line.client_id, set()
        ):
            raise Conflict(
                "choose an objective from this member's current treatment plan",
                field=f"objective-{line.client_id}",
                rule=OBJECTIVE_NOT_IN_PLAN,
            )


def require_draft(status: NoteStatus) -> None:
    """A signed note is part of each attendee's record and is never changed (one waiting
    for a co-signature is signed too)."""
    if status is not NoteStatus.DRAFT:
        raise Conflict("this note is signed and can no longer be changed", rule=SIGNED)


def require_awaiting_cosignature(status: NoteStatus) -> None:
    if status is not NoteStatus.AWAITING_COSIGNATURE:
        raise Conflict("this note is not waiting for a co-signature", rule=NOT_AWAITING)


def require_complete(
    content: str, lines: Sequence[LineInput], attendee_ids: Sequence[uuid.UUID]
) -> None:
    """Signing needs the session's content and, for every attendee, a participation level
    and a progress line: a filed note must say what this member did in the group."""
    if not content.strip():
        raise Conflict(
            "describe what the session covered before signing", field="content", rule=INCOMPLETE
        )
    by_client = {line.client_id: line for line in lines}
    for cid in attendee_ids:
        line = by_client.get(cid)
        if line is None or line.participation is None:
            raise Conflict(
                "choose each attendee's participation before signing",
                field=f"participation-{cid}",
                rule=INCOMPLETE,
            )
        if not line.progress.strip():
            raise Conflict(
                "write each attendee's progress line before signing",
                field=line_field(cid),
                rule=INCOMPLETE,
            )
