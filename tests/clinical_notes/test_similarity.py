"""The copy-forward check: a note carried forward with trivial edits scores as a copy, a
note about a different session does not, and the score behaves as a similarity."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.clinical_notes import rules, similarity
from stepdown.clinical_notes.models import NoteFormat
from tests.clinical_notes.factories import (
    ASSESSMENT,
    DATA,
    OTHER_ASSESSMENT,
    OTHER_DATA,
    OTHER_PLAN,
    PLAN,
)

THRESHOLD = rules.DEFAULT_THRESHOLD
ORIGINAL = similarity.narrative([DATA, ASSESSMENT, PLAN])
DISTINCT = similarity.narrative([OTHER_DATA, OTHER_ASSESSMENT, OTHER_PLAN])

texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)
words = st.lists(
    st.sampled_from(
        [
            "client",
            "craving",
            "week",
            "plan",
            "used",
            "sober",
            "meeting",
            "sponsor",
            "sleep",
            "work",
        ]
    ),
    max_size=30,
).map(" ".join)
thresholds = st.floats(min_value=0.5, max_value=1.0)


def _score(*sections: str) -> float:
    return similarity.score(ORIGINAL, similarity.narrative(sections))


class TestCopies:
    @pytest.mark.parametrize(
        "sections",
        [
            # Capitals, punctuation and line breaks only.
            (DATA.upper(), ASSESSMENT.replace(";", ","), PLAN.replace(" ", "\n")),
            # The day and a few words changed.
            (
                DATA.replace("four", "five").replace("Saturday", "Sunday"),
                ASSESSMENT,
                PLAN.replace("next week", "on Monday"),
            ),
            # The sentences shuffled between sections.
            (PLAN, DATA, ASSESSMENT),
        ],
    )
    def test_a_copy_with_trivial_edits_is_flagged(self, sections: tuple[str, ...]) -> None:
        value = _score(*sections)
        assert similarity.flagged(value, THRESHOLD), value

    def test_a_distinct_note_is_not_flagged(self) -> None:
        value = similarity.score(ORIGINAL, DISTINCT)
        assert value < 0.6
        assert not similarity.flagged(value, THRESHOLD)

    def test_a_short_note_is_not_a_copy_of_a_long_one_that_contains_its_words(self) -> None:
        short = similarity.normalize("Client reported.")
        assert not similarity.flagged(similarity.score(short, ORIGINAL), THRESHOLD)

    def test_a_new_paragraph_added_to_a_copy_is_still_measured(self) -> None:
        extended = _score(DATA, ASSESSMENT, PLAN + " " + OTHER_DATA)
        assert 0.6 < extended < 1.0

    def test_the_text_is_compared_in_one_form(self) -> None:
        assert similarity.normalize("  Client\u00a0SAID:\n\n“fine”…  ") == "client said fine"
        assert similarity.normalize("ＣＬＩＥＮＴ_x") == "client x"  # NFKC, underscores dropped
        assert similarity.narrative(["A.", "", "b"]) == "a b"

    def test_the_best_match_is_the_most_similar_newest_first(self) -> None:
        first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        assert similarity.best_match(ORIGINAL, []) is None
        match = similarity.best_match(
            ORIGINAL, [(first, DISTINCT), (second, ORIGINAL), (third, ORIGINAL)]
        )
        assert match == similarity.Match(second, 1.0)  # a tie goes to the first given

    def test_a_section_of_each_format_counts_in_order(self) -> None:
        sections = {"behavior": "b", "intervention": "i", "response": "r", "plan": "p"}
        assert rules.narrative_parts(NoteFormat.BIRP, sections) == ["b", "i", "r", "p"]


class TestScore:
    @given(a=texts, b=texts)
    def test_symmetric_and_between_zero_and_one(self, a: str, b: str) -> None:
        x, y = similarity.normalize(a), similarity.normalize(b)
        value = similarity.score(x, y)
        assert 0.0 <= value <= 1.0
        assert value == similarity.score(y, x)

    @given(a=words, b=words)
    def test_symmetric_on_shared_vocabulary(self, a: str, b: str) -> None:
        assert similarity.score(a, b) == similarity.score(b, a)

    @given(a=texts)
    def test_identical_text_scores_one(self, a: str) -> None:
        x = similarity.normalize(a)
        assert similarity.score(x, x) == 1.0
        assert similarity.flagged(similarity.score(x, x), 1.0)

    @given(a=words.filter(bool))
    def test_nothing_against_something_scores_zero(self, a: str) -> None:
        assert similarity.score(a, "") == similarity.score("", a) == 0.0

    @given(a=texts, b=texts, t1=thresholds, t2=thresholds)
    def test_a_higher_threshold_never_flags_more(
        self, a: str, b: str, t1: float, t2: float
    ) -> None:
        low, high = sorted((t1, t2))
        value = similarity.score(similarity.normalize(a), similarity.normalize(b))
        if similarity.flagged(value, high):
            assert similarity.flagged(value, low)

    @given(value=st.floats(min_value=0.0, max_value=1.0), t1=thresholds, t2=thresholds)
    def test_flagged_is_monotone_in_the_threshold(self, value: float, t1: float, t2: float) -> None:
        low, high = sorted((t1, t2))
        assert similarity.flagged(value, high) <= similarity.flagged(value, low)
        assert similarity.flagged(value, value)

    @given(
        candidates=st.lists(st.tuples(st.uuids(), words), max_size=8),
        text=words,
    )
    def test_the_best_match_is_the_highest_score(
        self, candidates: list[tuple[uuid.UUID, str]], text: str
    ) -> None:
        match = similarity.best_match(text, candidates)
        if not candidates:
            assert match is None
            return
        assert match is not None
        assert match.score == max(similarity.score(text, other) for _, other in candidates)
