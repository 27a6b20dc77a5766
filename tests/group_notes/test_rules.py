"""The pure rules of group notes: attendees, member names in shared text, completeness."""

from __future__ import annotations

import unicodedata
import uuid

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from stepdown.attendance.models import AttendanceStatus
from stepdown.group_notes import rules
from stepdown.group_notes.models import NoteStatus, Participation
from stepdown.kit.errors import Conflict, Invalid

A, B, C = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
MEMBERS = [
    rules.MemberName(A, "Mary Ann", "Smith-Jones", ""),
    rules.MemberName(B, "Robert", "Stone", "Bobby"),
]

# Names from letters whose case changes keep their length, so "swap the case" stays a
# like-for-like rewrite of the name; the surrounding text has no letters at all, so it
# cannot spell a name by chance.
LETTERS = "abcdefghijklmnopqrstuvwxyzéñøüç"
names = st.text(alphabet=LETTERS + LETTERS.upper(), min_size=2, max_size=12)
filler = st.text(alphabet=" .,;:0123456789\n", max_size=40)


def _refused(text: str, members: list[rules.MemberName]) -> bool:
    """True when the text is refused, and then always by the names rule, on its field."""
    try:
        rules.check_names({"content": text}, members)
    except Conflict as exc:
        return (exc.rule, exc.field) == (rules.NAMES_MEMBER, "content")
    return False


@given(
    name=names,
    before=filler,
    after=filler,
    which=st.sampled_from(["first", "last", "preferred"]),
    swap=st.booleans(),
)
def test_any_text_containing_a_members_name_is_refused(
    name: str, before: str, after: str, which: str, swap: bool
) -> None:
    fields = {"first": "Xx", "last": "Yy", "preferred": ""} | {which: name}
    member = rules.MemberName(uuid.uuid4(), fields["first"], fields["last"], fields["preferred"])
    written = name.swapcase() if swap else name
    assert _refused(f"{before} {written} {after}", [member])


@given(
    name=names,
    prefix=st.text(alphabet=LETTERS, max_size=4),
    suffix=st.text(alphabet=LETTERS, max_size=4),
    before=filler,
    after=filler,
)
def test_a_name_inside_another_word_is_not_refused(
    name: str, prefix: str, suffix: str, before: str, after: str
) -> None:
    assume(prefix or suffix)
    member = rules.MemberName(uuid.uuid4(), name, "Qq", "")
    assert not _refused(f"{before} {prefix}{name}{suffix} {after}", [member])


@given(text=filler)
def test_text_without_names_passes(text: str) -> None:
    assert not _refused(text, MEMBERS)


@pytest.mark.parametrize(
    "text",
    [
        "mary ann shared a plan",
        "Ann was quiet",
        "Smith-Jones left early",
        "jones asked a question",
        "BOBBY's story moved the group",
        "(Robert) stayed after",
        "Stone.",
    ],
)
def test_every_form_of_a_name_is_caught(text: str) -> None:
    assert _refused(text, MEMBERS)


@pytest.mark.parametrize(
    "text",
    [
        "Annual review of coping skills",
        "Robertson's model of change",
        "a stepping stone",
        "Bobbysox",
    ],
)
def test_names_as_parts_of_words_pass(text: str) -> None:
    # "stone" is refused: it is a member's last name as a whole word.
    assert _refused(text, MEMBERS) is (text == "a stepping stone")


def test_the_refusal_names_the_field_but_not_the_member() -> None:
    with pytest.raises(Conflict) as caught:
        rules.check_names({"topic": "Coping", "dynamics": "Bobby led the check-in"}, MEMBERS)
    assert caught.value.field == "dynamics"
    assert "Bobby" not in caught.value.message
    assert "characters 1–5" in caught.value.message


def test_one_letter_parts_are_not_names() -> None:
    member = rules.MemberName(C, "J", "Lee", "")
    assert not _refused("I think a group like this helps", [member])
    assert _refused("Lee said so", [member])


def test_a_member_may_be_named_in_their_own_line_but_not_in_another() -> None:
    own = rules.LineInput(B, Participation.ACTIVE, "Bobby set a goal for the weekend")
    rules.check_names({"content": "Relapse prevention"}, MEMBERS, [own])
    other = rules.LineInput(A, Participation.ACTIVE, "Supported Bobby during the role play")
    with pytest.raises(Conflict) as caught:
        rules.check_names({"content": "Relapse prevention"}, MEMBERS, [other])
    assert caught.value.field == rules.line_field(A)


def test_only_those_who_were_there_are_attendees() -> None:
    statuses = {
        uuid.uuid4(): AttendanceStatus.PRESENT,
        uuid.uuid4(): AttendanceStatus.LATE,
        uuid.uuid4(): AttendanceStatus.LEFT_EARLY,
        uuid.uuid4(): AttendanceStatus.TELEHEALTH,
        uuid.uuid4(): AttendanceStatus.ABSENT_EXCUSED,
        uuid.uuid4(): AttendanceStatus.ABSENT_UNEXCUSED,
    }
    assert rules.attendees(statuses) == list(statuses)[:4]


def test_attendance_must_be_taken_and_someone_must_have_come() -> None:
    with pytest.raises(Conflict) as caught:
        rules.require_attendance({A: AttendanceStatus.PRESENT, B: None})
    assert caught.value.rule == rules.ATTENDANCE_NOT_TAKEN
    with pytest.raises(Conflict) as caught:
        rules.require_attendance({A: AttendanceStatus.ABSENT_EXCUSED})
    assert caught.value.rule == rules.NO_ATTENDEES
    rules.require_attendance({A: AttendanceStatus.PRESENT, B: AttendanceStatus.ABSENT_UNEXCUSED})


def test_lines_are_for_attendees_once_with_an_objective_of_their_plan() -> None:
    objective = uuid.uuid4()
    ok = rules.LineInput(A, None, "", objective)
    rules.check_lines([ok], [A, B], {A: {objective}})
    with pytest.raises(Conflict) as caught:
        rules.check_lines([rules.LineInput(C, None, "")], [A, B], {})
    assert caught.value.rule == rules.NOT_AN_ATTENDEE
    with pytest.raises(Conflict) as caught:
        rules.check_lines([ok, ok], [A, B], {A: {objective}})
    assert caught.value.rule == rules.NOT_AN_ATTENDEE
    with pytest.raises(Conflict) as caught:
        rules.check_lines([rules.LineInput(B, None, "", objective)], [A, B], {A: {objective}})
    assert (caught.value.rule, caught.value.field) == (
        rules.OBJECTIVE_NOT_IN_PLAN,
        f"objective-{B}",
    )


def test_signing_needs_content_and_a_full_line_per_attendee() -> None:
    full = [
        rules.LineInput(A, Participation.ACTIVE, "Named two triggers"),
        rules.LineInput(B, Participation.MINIMAL, "Listened; declined to share"),
    ]
    rules.require_complete("Covered HALT", full, [A, B])
    cases = [
        ("", full, "content"),
        ("Covered HALT", full[:1], f"participation-{B}"),
        ("Covered HALT", [full[0], rules.LineInput(B, None, "x")], f"participation-{B}"),
        ("Covered HALT", [full[0], rules.LineInput(B, Participation.NONE, " ")], f"progress-{B}"),
    ]
    for content, lines, field in cases:
        with pytest.raises(Conflict) as caught:
            rules.require_complete(content, lines, [A, B])
        assert (caught.value.rule, caught.value.field) == (rules.INCOMPLETE, field)


def test_a_signed_note_is_frozen() -> None:
    rules.require_draft(NoteStatus.DRAFT)
    with pytest.raises(Conflict) as caught:
        rules.require_draft(NoteStatus.SIGNED)
    assert caught.value.rule == rules.SIGNED


def test_lengths_and_topic() -> None:
    rules.check_lengths({"topic": "CBT", "content": "x" * rules.LIMITS["content"]})
    with pytest.raises(Invalid) as caught:
        rules.check_lengths({"topic": " "})
    assert caught.value.field == "topic"
    with pytest.raises(Invalid) as caught:
        rules.check_lengths({"dynamics": "x" * (rules.LIMITS["dynamics"] + 1)})
    assert caught.value.field == "dynamics"
    with pytest.raises(Invalid) as caught:
        rules.check_lengths({}, [rules.LineInput(A, None, "x" * 501)])
    assert caught.value.field == rules.line_field(A)


# --- disguised names: format characters, compatibility forms, look-alike letters -----------

FORMAT_CHARACTERS = st.characters(categories=["Cf"])


def _nfkc_sources() -> dict[str, list[str]]:
    """For each letter of ``LETTERS`` (either case), the other characters whose NFKC form is
    exactly that letter: fullwidth, mathematical, circled, superscript and the like."""
    wanted = set(LETTERS + LETTERS.upper())
    sources: dict[str, list[str]] = {}
    for code in range(0x80, 0x1FFFF):
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char)
        if folded in wanted and folded != char:
            sources.setdefault(folded, []).append(char)
    return sources


NFKC_SOURCES = _nfkc_sources()


@st.composite
def disguised(draw: st.DrawFn, name: str) -> str:
    """``name`` as it might be typed to slip past a plain comparison: some letters in an
    NFKC-equivalent form (precomposed or decomposed, compatibility characters), and format
    characters (zero-width space, joiners, soft hyphen, BOM...) anywhere inside it."""
    if draw(st.booleans()):
        name = unicodedata.normalize("NFD", name)
    chars = []
    for char in name:
        options = NFKC_SOURCES.get(char, [])
        if options and draw(st.booleans()):
            char = draw(st.sampled_from(options))
        chars.append(char)
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        at = draw(st.integers(min_value=1, max_value=max(1, len(chars) - 1)))
        chars.insert(at, draw(FORMAT_CHARACTERS))
    return "".join(chars)


@given(data=st.data(), name=names, before=filler, after=filler)
def test_a_disguised_name_is_still_refused(
    data: st.DataObject, name: str, before: str, after: str
) -> None:
    member = rules.MemberName(uuid.uuid4(), name, "Qq", "")
    written = data.draw(disguised(name))
    assert _refused(f"{before} {written} {after}", [member])


@given(data=st.data(), name=names)
def test_a_disguised_name_on_record_still_catches_the_plain_one(
    data: st.DataObject, name: str
) -> None:
    """Normalisation is applied to both sides: a name stored with odd characters (pasted
    from a referral letter) still matches the name typed plainly."""
    member = rules.MemberName(uuid.uuid4(), data.draw(disguised(name)), "Qq", "")
    assert _refused(f"today {name} spoke", [member])


@pytest.mark.parametrize(
    "text",
    [
        "Rob\u200bert stayed after",  # zero-width space
        "Bob\u200dby spoke",  # zero-width joiner
        "Sto\u00adne was quiet",  # soft hyphen
        "\ufeffBobby",  # byte-order mark
        "Bo\u2060bby",  # word joiner
        "\uff22\uff4f\uff42\uff42\uff59 spoke",  # fullwidth Bobby
        "R\u043ebert arrived late",  # Cyrillic o
        "\u0412\u043e\u0412\u0412\u0423 laughed",  # Cyrillic ВоВВУ
        "St\u03bfne",  # Greek omicron
        "\u039c\u0430ry spoke",  # Greek capital mu, Cyrillic a
        "\u0405\u0422\u041eNE left",  # Cyrillic capitals ЅТО, then Latin NE
        "Rob\u034fert",  # combining grapheme joiner (default-ignorable, not Cf)
        "Bob\ufe0fby",  # variation selector
        "Ro\u0062\u0065\u0301rt",  # not a name: "Robért" is another word
    ],
)
def test_look_alikes_and_invisible_characters_are_caught(text: str) -> None:
    assert _refused(text, MEMBERS) is (text != "Ro\u0062\u0065\u0301rt")


def test_letters_that_only_resemble_in_small_caps_are_not_folded() -> None:
    # Lower-case Cyrillic т and в look like small capitals, not like t and b (TR39 agrees).
    assert not _refused("\u0421\u0442\u043ene and \u0432obby", MEMBERS)


def test_the_refusal_points_at_what_was_typed() -> None:
    text = "Today R\u200bo\u200bbert led"
    with pytest.raises(Conflict) as caught:
        rules.check_names({"content": text}, MEMBERS)
    start, end = text.index("R") + 1, text.index("t led") + 1
    assert f"characters {start}–{end}" in caught.value.message
