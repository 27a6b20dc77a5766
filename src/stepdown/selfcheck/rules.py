"""The self-check's questions, what each answer counts towards, and the rules that decide.

Everything clinical is data in this module, so the program's director can read it as a
table: each answer adds points to the PHP, IOP and OP signals (after the program's own
criteria for who fits which level), may signal danger, and may raise a flag. ``RULES`` is then
read top to bottom and the first rule that holds decides what to suggest. Pure and
deterministic: the same answers always give the same result.

The result is a suggestion of which level to *ask about*, never a placement; the free
consultation decides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from stepdown.inquiries.rules import Urgency


class Suggestion(StrEnum):
    PHP = "php"
    IOP = "iop"
    OP = "op"
    TALK = "talk"


# The levels that are scored, most intensive first: on a tie the more intensive level
# wins, because a consultation can always step someone down.
SCORED = (Suggestion.PHP, Suggestion.IOP, Suggestion.OP)


class Danger(StrEnum):
    SELF_HARM = "self_harm"
    OVERDOSE = "overdose"
    WITHDRAWAL = "withdrawal"


DANGER_NOTES: Mapping[Danger, str] = MappingProxyType(
    {
        Danger.SELF_HARM: "thoughts of suicide or self-harm",
        Danger.OVERDOSE: "an overdose in the past three months",
        Danger.WITHDRAWAL: "severe withdrawal symptoms when cutting down",
    }
)


class Flag(StrEnum):
    """Facts a rule or the wording needs beyond the points."""

    KEEPS_COMMITMENTS = "keeps_commitments"  # works, studies or cares for someone
    UNSTABLE_HOME = "unstable_home"
    RECENT_DETOX = "recent_detox"
    UNSURE = "unsure"


@dataclass(frozen=True)
class Option:
    """One answer. ``note`` is what admissions reads in the inquiry, when it matters to them."""

    value: str
    label: str
    php: int = 0
    iop: int = 0
    op: int = 0
    danger: Danger | None = None
    flags: frozenset[Flag] = frozenset()
    note: str = ""

    @property
    def points(self) -> Mapping[Suggestion, int]:
        return {Suggestion.PHP: self.php, Suggestion.IOP: self.iop, Suggestion.OP: self.op}


@dataclass(frozen=True)
class Question:
    key: str
    prompt: str
    options: tuple[Option, ...]
    hint: str = ""

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Section:
    title: str
    questions: tuple[Question, ...]


def _flags(*flags: Flag) -> frozenset[Flag]:
    return frozenset(flags)


UNSURE = _flags(Flag.UNSURE)

# Safety comes first in the form, as it does on the result page.
SECTIONS: tuple[Section, ...] = (
    Section(
        "Your safety right now",
        (
            Question(
                "self_harm",
                "In the past month, have you had thoughts of ending your life or hurting yourself?",
                (
                    Option("yes", "Yes", danger=Danger.SELF_HARM),
                    Option("no", "No"),
                ),
                hint="We ask everyone this. If the answer is yes, we will show you where to "
                "get help right away.",
            ),
            Question(
                "overdose",
                "In the past three months, have you overdosed, or has someone had to wake "
                "you or give you naloxone (Narcan)?",
                (
                    Option("yes", "Yes", danger=Danger.OVERDOSE),
                    Option("no", "No"),
                ),
            ),
            Question(
                "withdrawal",
                "When you cut down or stop, what happens to your body?",
                (
                    Option(
                        "severe",
                        "I get the shakes, have seizures, see or hear things that aren't "
                        "there, or get confused",
                        danger=Danger.WITHDRAWAL,
                    ),
                    Option(
                        "uncomfortable",
                        "I feel sick, sweaty, restless or can't sleep",
                        php=1,
                        iop=1,
                        note="Uncomfortable withdrawal when cutting down.",
                    ),
                    Option("nothing", "Nothing much, or I haven't tried to stop", op=1),
                ),
            ),
        ),
    ),
    Section(
        "Your use",
        (
            Question(
                "use_frequency",
                "In the past month, how often have you used alcohol or drugs?",
                (
                    Option("daily", "Every day or almost every day", php=1, iop=2),
                    Option("weekly", "A few times a week", iop=2),
                    Option("sometimes", "Once a week or less", op=2),
                    Option("stopped", "I'm not using right now", op=1),
                ),
            ),
            Question(
                "duration",
                "How long has drinking or drug use been a problem for you?",
                (
                    Option("under_a_year", "Less than a year", op=1),
                    Option("few_years", "One to five years", iop=1),
                    Option("many_years", "More than five years", php=1, iop=1),
                    Option("not_sure", "I'm not sure", flags=UNSURE),
                ),
            ),
            Question(
                "cravings",
                "How often do you have strong urges to use, or feel overwhelmed, anxious or low?",
                (
                    Option("most_days", "Most days", php=1, iop=2),
                    Option("sometimes", "Sometimes", iop=1, op=1),
                    Option("rarely", "Rarely or never", op=2),
                ),
            ),
            Question(
                "past_attempts",
                "Have you tried to cut down or stop before?",
                (
                    Option("first_time", "No, this would be my first try", op=1),
                    Option("once_or_twice", "Yes, once or twice", iop=1),
                    Option("many_times", "Yes, many times, and I keep going back", php=1, iop=1),
                ),
            ),
        ),
    ),
    Section(
        "Care so far, and the help you want",
        (
            Question(
                "recent_care",
                "Have you recently finished a stay or a program for alcohol or drug use?",
                (
                    Option(
                        "detox",
                        "Yes, detox, in the past few weeks",
                        php=2,
                        iop=1,
                        flags=_flags(Flag.RECENT_DETOX),
                        note="Finished detox in the past few weeks.",
                    ),
                    Option(
                        "residential",
                        "Yes, a hospital or live-in (residential) program",
                        iop=2,
                        note="Recently left inpatient or residential care.",
                    ),
                    Option(
                        "day_program",
                        "Yes, a full-day program (partial hospitalization)",
                        iop=2,
                        note="Recently finished a partial hospitalization program.",
                    ),
                    Option(
                        "intensive_outpatient",
                        "Yes, an intensive outpatient program (a few hours, several days a week)",
                        op=3,
                        note="Recently finished an intensive outpatient program.",
                    ),
                    Option("no", "No"),
                ),
            ),
            Question(
                "structure",
                "How much help do you think you need, day to day?",
                (
                    Option(
                        "daily_medical",
                        "Somewhere to go most of the day, with doctors or nurses keeping an "
                        "eye on me",
                        php=3,
                    ),
                    Option(
                        "few_days", "A set schedule a few days a week to keep me on track", iop=2
                    ),
                    Option("weekly", "A session or two a week would be enough", op=2),
                    Option("not_sure", "I'm not sure", flags=UNSURE),
                ),
            ),
        ),
    ),
    Section(
        "Your life day to day",
        (
            Question(
                "home",
                "Is your home a safe, steady place without alcohol or drugs around?",
                (
                    Option("yes", "Yes", iop=1, op=1),
                    Option("mostly", "Mostly, but it can be hard", iop=1),
                    Option(
                        "no",
                        "No",
                        flags=_flags(Flag.UNSTABLE_HOME),
                        note="Says home is not safe or not free of alcohol and drugs.",
                    ),
                ),
            ),
            Question(
                "commitments",
                "Do you need to keep working, studying or caring for someone while you get help?",
                (
                    Option(
                        "yes",
                        "Yes",
                        iop=1,
                        op=1,
                        flags=_flags(Flag.KEEPS_COMMITMENTS),
                        note="Needs to keep up work, school or caregiving: "
                        "ask about day or evening groups.",
                    ),
                    Option("no", "No, I can make time during the day", php=1),
                ),
            ),
            Question(
                "support",
                "Do you have people around you who support your recovery?",
                (
                    Option("strong", "Yes, several people I can count on", op=2),
                    Option("some", "One or two people", iop=1),
                    Option("none", "Not really", php=1, iop=1),
                ),
            ),
        ),
    ),
)

QUESTIONS: tuple[Question, ...] = tuple(q for section in SECTIONS for q in section.questions)

Answers = Mapping[str, str]


@dataclass(frozen=True)
class Tally:
    """What the answers add up to; the rules read only this."""

    scores: Mapping[Suggestion, int]
    dangers: tuple[Danger, ...]
    flags: frozenset[Flag]
    unsure: int
    notes: tuple[str, ...]

    @property
    def leader(self) -> Suggestion:
        """The scored level with the most points; ties go to the more intensive level."""
        return max(SCORED, key=lambda level: self.scores[level])


@dataclass(frozen=True)
class Rule:
    id: str
    says: str
    when: Callable[[Tally], bool]
    then: Suggestion


# Read top to bottom; the first rule that holds decides. The last always holds.
RULES: tuple[Rule, ...] = (
    Rule(
        "danger",
        "Any answer that signals danger: emergency guidance first, then talk to us first.",
        lambda t: bool(t.dangers),
        Suggestion.TALK,
    ),
    Rule(
        "unstable_home",
        "Home is not safe or not free of alcohol and drugs: talk to us first, because "
        "people in PHP, IOP and OP live at home (we can help with sober living or a "
        "live-in program).",
        lambda t: Flag.UNSTABLE_HOME in t.flags,
        Suggestion.TALK,
    ),
    Rule(
        "unsure",
        "'Not sure' to both how long and how much help: talk to us first.",
        lambda t: t.unsure >= 2,
        Suggestion.TALK,
    ),
    Rule(
        "php_leads",
        "PHP has the most points (a tie goes to the more intensive level).",
        lambda t: t.leader is Suggestion.PHP,
        Suggestion.PHP,
    ),
    Rule(
        "iop_leads",
        "IOP has the most points, or ties with OP.",
        lambda t: t.leader is Suggestion.IOP,
        Suggestion.IOP,
    ),
    Rule("op_leads", "Otherwise OP has the most points.", lambda t: True, Suggestion.OP),
)


@dataclass(frozen=True)
class Result:
    suggestion: Suggestion
    rule: Rule
    tally: Tally

    @property
    def dangers(self) -> tuple[Danger, ...]:
        return self.tally.dangers

    @property
    def day_or_evening(self) -> bool:
        """IOP runs day and evening groups; say so to someone who works or studies."""
        return self.suggestion is Suggestion.IOP and Flag.KEEPS_COMMITMENTS in self.tally.flags

    @property
    def urgency(self) -> Urgency:
        """Urgent on any danger; soon when PHP is suggested, home is unsafe or detox just
        ended, because those people lose ground fastest while they wait."""
        if self.dangers:
            return Urgency.URGENT
        if self.suggestion is Suggestion.PHP or self.tally.flags & {
            Flag.UNSTABLE_HOME,
            Flag.RECENT_DETOX,
        }:
            return Urgency.SOON
        return Urgency.ROUTINE


class IncompleteAnswers(ValueError):
    """Some questions are unanswered or answered with a value the table does not hold."""

    def __init__(self, problems: Mapping[str, str]):
        super().__init__(", ".join(sorted(problems)))
        self.problems = dict(problems)


def read_answers(raw: Mapping[str, str]) -> dict[str, str]:
    """One valid option per question, in question order; anything else is refused."""
    answers: dict[str, str] = {}
    problems: dict[str, str] = {}
    for question in QUESTIONS:
        value = raw.get(question.key, "")
        if not value:
            problems[question.key] = "Please choose an answer."
        elif question.option(value) is None:
            problems[question.key] = "Please choose one of the answers shown."
        else:
            answers[question.key] = value
    if problems:
        raise IncompleteAnswers(problems)
    return answers


def tally(answers: Answers) -> Tally:
    """Add up complete answers; incomplete ones raise ``IncompleteAnswers``."""
    valid = read_answers(answers)
    options = [o for q in QUESTIONS for o in q.options if o.value == valid[q.key]]
    found = {o.danger for o in options if o.danger is not None}
    return Tally(
        scores=MappingProxyType({level: sum(o.points[level] for o in options) for level in SCORED}),
        dangers=tuple(d for d in Danger if d in found),
        flags=frozenset(flag for o in options for flag in o.flags),
        unsure=sum(Flag.UNSURE in o.flags for o in options),
        notes=tuple(o.note for o in options if o.note),
    )


def evaluate(answers: Answers) -> Result:
    """The suggestion for complete answers; incomplete ones raise ``IncompleteAnswers``."""
    counted = tally(answers)
    rule = next(rule for rule in RULES if rule.when(counted))
    return Result(rule.then, rule, counted)


LABELS: Mapping[Suggestion, str] = MappingProxyType(
    {
        Suggestion.PHP: "Partial hospitalization (PHP)",
        Suggestion.IOP: "Intensive outpatient (IOP)",
        Suggestion.OP: "Outpatient (OP)",
        Suggestion.TALK: "Talk to us first",
    }
)


# One plain paragraph per suggestion, in our own words, from the program's description of
# each level (hours, schedule, support) and who it suits.
DESCRIPTIONS: Mapping[Suggestion, str] = MappingProxyType(
    {
        Suggestion.PHP: (
            "Partial hospitalization is our most intensive program. You spend most of the "
            "day with us, about five to six hours, five or six days a week, and sleep at "
            "home. You get a full daily routine, regular check-ins from our medical team, and "
            "close support from therapists and psychiatric staff. It often suits people who "
            "have just come out of detox and need to get steady."
        ),
        Suggestion.IOP: (
            "Intensive outpatient means about three hours a day, three to five days a week, "
            "usually for eight to twelve weeks. You live at home and follow a set schedule "
            "of group, individual and family therapy, and learn ways to handle cravings and "
            "stay on track. It often suits people who use often or have frequent cravings, "
            "or who are stepping down from a hospital stay or a full-day program."
        ),
        Suggestion.OP: (
            "Outpatient care means one or two sessions a week, usually an hour or two each, "
            "mostly one-on-one with a therapist and sometimes in a group. It is flexible and "
            "fits around daily life. It often suits people who have finished a more intensive "
            "program, or whose use is milder, and who have good support around them."
        ),
        Suggestion.TALK: (
            "From your answers, the best next step is a conversation with our admissions "
            "team before choosing a program. They will listen, help you work out what is "
            "safest for you, and if you need detox, medical care or a safe place to live "
            "first, help you find it with partners we trust."
        ),
    }
)
DAY_OR_EVENING = (
    "Groups run in the daytime and in the evening, so you can keep working, studying or "
    "caring for your family."
)


def label(result: Result) -> str:
    if result.day_or_evening:
        return f"{LABELS[result.suggestion]}, day or evening"
    return LABELS[result.suggestion]


def admissions_notes(result: Result) -> str:
    """What admissions needs before calling back: the suggestion, any danger, and the few
    answers that change the conversation. Not the whole questionnaire."""
    lines = [f"Web self-check suggested asking about: {label(result)}."]
    if result.dangers:
        said = "; ".join(DANGER_NOTES[d] for d in result.dangers)
        lines.append(f"DANGER answers: {said}. Emergency guidance was shown. Call back first.")
    lines.extend(result.tally.notes)
    lines.append("A self-check, not a diagnosis: the consultation decides the level.")
    return "\n".join(lines)
