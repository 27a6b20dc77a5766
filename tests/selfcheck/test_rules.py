"""The self-check's table and rules: every suggestion path, danger first, and determinism."""

from __future__ import annotations

from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.inquiries.rules import Urgency
from stepdown.selfcheck import rules
from stepdown.selfcheck.rules import Danger, Flag, IncompleteAnswers, Suggestion, Tally
from tests.selfcheck import IOP_WORKING, OP_AFTER_IOP, PHP_AFTER_DETOX

DANGER_ANSWERS = {
    Danger.SELF_HARM: {"self_harm": "yes"},
    Danger.OVERDOSE: {"overdose": "yes"},
    Danger.WITHDRAWAL: {"withdrawal": "severe"},
}


class TestTable:
    def test_between_eight_and_twelve_questions_with_unique_keys(self) -> None:
        keys = [q.key for q in rules.QUESTIONS]
        assert 8 <= len(keys) <= 12
        assert len(set(keys)) == len(keys)

    def test_every_question_offers_distinct_labelled_choices(self) -> None:
        for question in rules.QUESTIONS:
            values = [o.value for o in question.options]
            assert len(values) >= 2, question.key
            assert len(set(values)) == len(values), question.key
            assert all(o.label and o.value.replace("_", "").isalpha() for o in question.options)

    def test_each_danger_has_a_question_and_the_safety_section_comes_first(self) -> None:
        dangers = {o.danger for q in rules.QUESTIONS for o in q.options if o.danger}
        assert dangers == set(Danger)
        first = rules.SECTIONS[0].questions
        assert all(any(o.danger for o in q.options) for q in first)

    def test_rules_are_named_once_and_the_last_always_holds(self) -> None:
        ids = [rule.id for rule in rules.RULES]
        assert len(set(ids)) == len(ids)
        empty = Tally(MappingProxyType(dict.fromkeys(rules.SCORED, 0)), (), frozenset(), 0, ())
        assert rules.RULES[-1].when(empty)

    def test_every_suggestion_has_a_label_and_a_description(self) -> None:
        for suggestion in Suggestion:
            assert rules.LABELS[suggestion]
            assert len(rules.DESCRIPTIONS[suggestion]) > 100


class TestSuggestions:
    def test_php_after_detox_with_daily_medical_needs(self) -> None:
        result = rules.evaluate(PHP_AFTER_DETOX)
        assert result.suggestion is Suggestion.PHP
        assert result.rule.id == "php_leads"
        assert result.urgency is Urgency.SOON
        assert rules.label(result) == "Partial hospitalization (PHP)"

    def test_iop_for_someone_who_works_says_day_or_evening(self) -> None:
        result = rules.evaluate(IOP_WORKING)
        assert result.suggestion is Suggestion.IOP
        assert result.day_or_evening
        assert rules.label(result) == "Intensive outpatient (IOP), day or evening"
        assert result.urgency is Urgency.ROUTINE

    def test_iop_without_commitments_names_no_track(self) -> None:
        result = rules.evaluate({**IOP_WORKING, "commitments": "no"})
        assert result.suggestion is Suggestion.IOP
        assert not result.day_or_evening
        assert rules.label(result) == "Intensive outpatient (IOP)"

    def test_op_after_iop_with_strong_support(self) -> None:
        result = rules.evaluate(OP_AFTER_IOP)
        assert result.suggestion is Suggestion.OP
        assert result.rule.id == "op_leads"
        assert not result.day_or_evening  # the track wording is for IOP only
        assert result.urgency is Urgency.ROUTINE

    @pytest.mark.parametrize("danger", list(Danger), ids=str)
    def test_any_danger_answer_means_talk_first_and_urgent(self, danger: Danger) -> None:
        result = rules.evaluate({**OP_AFTER_IOP, **DANGER_ANSWERS[danger]})
        assert result.suggestion is Suggestion.TALK
        assert result.rule.id == "danger"
        assert result.dangers == (danger,)
        assert result.urgency is Urgency.URGENT

    def test_dangers_are_listed_in_a_fixed_order(self) -> None:
        every = {k: v for answer in DANGER_ANSWERS.values() for k, v in answer.items()}
        result = rules.evaluate({**IOP_WORKING, **every})
        assert result.dangers == (Danger.SELF_HARM, Danger.OVERDOSE, Danger.WITHDRAWAL)

    def test_unstable_home_means_talk_first_soon(self) -> None:
        result = rules.evaluate({**IOP_WORKING, "home": "no"})
        assert result.suggestion is Suggestion.TALK
        assert result.rule.id == "unstable_home"
        assert result.urgency is Urgency.SOON

    def test_not_sure_twice_means_talk_first(self) -> None:
        result = rules.evaluate({**IOP_WORKING, "duration": "not_sure", "structure": "not_sure"})
        assert result.suggestion is Suggestion.TALK
        assert result.rule.id == "unsure"
        assert rules.evaluate({**IOP_WORKING, "duration": "not_sure"}).suggestion is (
            Suggestion.IOP
        )

    def test_recent_detox_is_soon_even_when_iop_leads(self) -> None:
        result = rules.evaluate({**IOP_WORKING, "recent_care": "detox"})
        assert result.suggestion is Suggestion.IOP
        assert Flag.RECENT_DETOX in result.tally.flags
        assert result.urgency is Urgency.SOON

    @pytest.mark.parametrize(
        ("php", "iop", "op", "leader"),
        [
            (3, 3, 1, Suggestion.PHP),
            (1, 3, 3, Suggestion.IOP),
            (3, 1, 3, Suggestion.PHP),
            (0, 0, 0, Suggestion.PHP),
            (0, 1, 2, Suggestion.OP),
        ],
    )
    def test_a_tie_goes_to_the_more_intensive_level(
        self, php: int, iop: int, op: int, leader: Suggestion
    ) -> None:
        scores = {Suggestion.PHP: php, Suggestion.IOP: iop, Suggestion.OP: op}
        assert Tally(MappingProxyType(scores), (), frozenset(), 0, ()).leader is leader


class TestReadingAnswers:
    def test_complete_answers_come_back_in_question_order(self) -> None:
        shuffled = dict(reversed(list(IOP_WORKING.items())))
        assert list(rules.read_answers(shuffled)) == [q.key for q in rules.QUESTIONS]

    def test_missing_and_unknown_answers_are_named(self) -> None:
        raw = {**IOP_WORKING, "home": "castle"}
        del raw["support"]
        with pytest.raises(IncompleteAnswers) as caught:
            rules.read_answers(raw)
        assert caught.value.problems == {
            "home": "Please choose one of the answers shown.",
            "support": "Please choose an answer.",
        }

    def test_evaluating_incomplete_answers_is_refused(self) -> None:
        with pytest.raises(IncompleteAnswers, match="self_harm"):
            rules.evaluate({k: v for k, v in IOP_WORKING.items() if k != "self_harm"})


class TestAdmissionsNotes:
    def test_notes_carry_the_suggestion_and_what_changes_the_call(self) -> None:
        notes = rules.admissions_notes(rules.evaluate(IOP_WORKING))
        assert notes.splitlines()[0] == (
            "Web self-check suggested asking about: Intensive outpatient (IOP), day or evening."
        )
        assert "ask about day or evening groups" in notes
        assert "not a diagnosis" in notes
        assert "weekly" not in notes  # not a dump of the raw answers
        assert "once_or_twice" not in notes

    def test_danger_is_spelled_out_for_the_call_back(self) -> None:
        notes = rules.admissions_notes(rules.evaluate({**IOP_WORKING, "self_harm": "yes"}))
        assert "DANGER answers: thoughts of suicide or self-harm." in notes
        assert "Web self-check suggested asking about: Talk to us first." in notes


any_answers = st.fixed_dictionaries(
    {q.key: st.sampled_from([o.value for o in q.options]) for q in rules.QUESTIONS}
)


@given(any_answers)
def test_every_answer_set_gets_one_allowed_suggestion_deterministically(
    answers: dict[str, str],
) -> None:
    first, again = rules.evaluate(answers), rules.evaluate(dict(answers))
    assert first.suggestion is again.suggestion
    assert first.rule == again.rule
    assert rules.admissions_notes(first) == rules.admissions_notes(again)
    assert first.suggestion in set(Suggestion)
    assert first.rule in rules.RULES


@given(any_answers)
def test_danger_always_comes_first(answers: dict[str, str]) -> None:
    result = rules.evaluate(answers)
    signalled = any(
        option.danger for q in rules.QUESTIONS if (option := q.option(answers[q.key])) is not None
    )
    assert bool(result.dangers) == signalled
    assert (result.urgency is Urgency.URGENT) == signalled
    if signalled:
        assert result.suggestion is Suggestion.TALK
    if result.day_or_evening:
        assert result.suggestion is Suggestion.IOP
