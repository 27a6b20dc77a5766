"""Pure rules of the intake assessment: bounds, what signing needs, the PC-PTSD-5, what is
signed, when an intake is due, and the pre-fill of the six placement dimensions.

The pre-fill (``dimension_prefill``) gathers, per ASAM dimension, the intake's facts that
bear on it, as sentences of evidence for the clinician who rates the dimension. It never
rates and never decides: it has no rating in it, and the placement form's rating fields
stay empty. A question that was not asked (or was declined) is shown in those words and
is never read as "no": unknown is never good news, so an unknown that would matter (the
last use of alcohol, for one) is marked for review like a worrying answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from stepdown.intake.models import (
    Answer,
    Employment,
    Frequency,
    Housing,
    Intake,
    IntakeStatus,
    IntakeSubstance,
    Route,
    Substance,
)
from stepdown.kit import clock
from stepdown.kit.errors import Conflict, Invalid
from stepdown.placement.models import DIMENSIONS

# Business rules named in refusals (``Conflict.rule``).
SIGNED: Final = "intake.signed"
NOT_SIGNED: Final = "intake.not_signed"
INCOMPLETE: Final = "intake.incomplete"
EXISTS: Final = "intake.exists"
NO_OPEN_EPISODE: Final = "intake.no_open_episode"
NOT_AWAITING: Final = "intake.not_awaiting_cosignature"

# Free-text bounds. A section of a biopsychosocial is a few paragraphs; 4,000 characters
# is about a page, and a correction or more goes in an addendum.
SECTION_MAX: Final = 4_000
LINE_MAX: Final = 200
LIMITS: Final[Mapping[str, int]] = {
    "presenting_problem": SECTION_MAX,
    "client_goals": SECTION_MAX,
    "treatment_history": SECTION_MAX,
    "medical_history": SECTION_MAX,
    "psychiatric_diagnoses": SECTION_MAX,
    "psychiatric_history": SECTION_MAX,
    "psychiatric_medications": SECTION_MAX,
    "family": SECTION_MAX,
    "housing_notes": SECTION_MAX,
    "legal_notes": SECTION_MAX,
    "employment_notes": SECTION_MAX,
    "strengths": SECTION_MAX,
    "treatment_preferences": SECTION_MAX,
    "cultural_needs": SECTION_MAX,
    "preferred_language": 80,
    "other_name": 80,
    "amount": LINE_MAX,
    "pattern": LINE_MAX,
    "addendum": SECTION_MAX,
}
TEXT_FIELDS: Final = (
    "presenting_problem",
    "client_goals",
    "treatment_history",
    "medical_history",
    "psychiatric_diagnoses",
    "psychiatric_history",
    "psychiatric_medications",
    "family",
    "housing_notes",
    "legal_notes",
    "employment_notes",
    "strengths",
    "treatment_preferences",
    "preferred_language",
    "cultural_needs",
)
ANSWER_FIELDS: Final = (
    "withdrawal_complications",
    "on_medication_for_sud",
    "prior_treatment",
    "prior_withdrawal_management",
    "prior_residential",
    "prior_medication_for_sud",
    "medical_problems_now",
    "pregnant",
    "psychiatric_hospitalizations",
    "others_use_at_home",
    "probation_or_parole",
    "court_case_pending",
    "in_school",
    "interpreter_needed",
    "trauma_exposure",
    "ptsd_1",
    "ptsd_2",
    "ptsd_3",
    "ptsd_4",
    "ptsd_5",
)
CHOICE_FIELDS: Final = ("housing", "employment")
# Every field a save may change, in the form's order.
FIELDS: Final = ("interviewed_at", *TEXT_FIELDS, *ANSWER_FIELDS, *CHOICE_FIELDS)

MAX_SUBSTANCES: Final = 12
# Age of first use: whole years, from infancy (a client exposed as a child) to the oldest
# client a program sees.
AGE_MIN: Final = 1
AGE_MAX: Final = 120

# The Primary Care PTSD Screen for DSM-5 (Prins, Bovin, Smolenski et al., J Gen Intern Med
# 2016;31:1206, https://pmc.ncbi.nlm.nih.gov/articles/PMC5023594/), written by VA National
# Center for PTSD staff and published by the VA for use (a U.S. Government work, 17 U.S.C.
# § 105). An exposure question, then five yes/no items about the past month; the score
# is the count of "yes" (0 when there was no exposure). A cut-point of 3 is "optimally
# sensitive" and 4 "optimally efficient" (Prins et al. 2016; Bovin et al., JAMA Netw Open
# 2021;4:e2036733 prefer 4 overall and 3 for women). Program choice: 3, the sensitive
# one, since an intake screen only asks for a fuller assessment and the VA's own guidance
# calls a screen with three "yes" positive
# (https://www.ptsd.va.gov/professional/treat/care/toolkits/clergy/basicsScreening.asp).
PC_PTSD_5_EXPOSURE: Final = (
    "Sometimes things happen to people that are unusually or especially frightening, "
    "horrible, or traumatic (a serious accident or fire; a physical or sexual assault or "
    "abuse; an earthquake or flood; a war; seeing someone be killed or seriously injured; "
    "having a loved one die through homicide or suicide). Have you ever experienced this "
    "kind of event?"
)
PC_PTSD_5: Final = (
    "Had nightmares about the event(s) or thought about the event(s) when you did not want to?",
    "Tried hard not to think about the event(s) or went out of your way to avoid "
    "situations that reminded you of the event(s)?",
    "Been constantly on guard, watchful, or easily startled?",
    "Felt numb or detached from people, activities, or your surroundings?",
    "Felt guilty or unable to stop blaming yourself or others for the event(s) or any "
    "problems the event(s) may have caused?",
)
PTSD_ITEM_FIELDS: Final = ("ptsd_1", "ptsd_2", "ptsd_3", "ptsd_4", "ptsd_5")
PTSD_CUT_POINT: Final = 3

# Substances whose withdrawal can need medical management: alcohol and sedatives
# (seizures, delirium) and opioids (the COWS-rated syndrome); shared/domain/
# instruments-and-levels.md (CIWA-Ar, COWS).
WITHDRAWAL_CLASSES: Final = frozenset({Substance.ALCOHOL, Substance.SEDATIVE, Substance.OPIOID})
# How recent a last use of one of them is marked "withdrawal potential to review" on
# dimension 1. A program choice for a prompt, never a rating, to be confirmed with the
# medical director: acute withdrawal begins within about three days of the last use
# (alcohol 6-24 h, with delirium at 48-72 h: BJGP, "Alcohol withdrawal symptoms and their
# timelines", Table 1; short-acting opioids 6-12 h, long-acting 30-72 h, resolving over
# about 10 days: ClinicalKey "Opioid withdrawal", 2023) and starts later for long-acting
# benzodiazepines, so two weeks covers each class's onset and acute course. An unknown
# last use is marked too.
WITHDRAWAL_REVIEW_WINDOW: Final = timedelta(days=14)

# An episode admitted this many days ago without a signed intake is listed as due. A
# program choice: one week. Regulations differ by state: Maryland asks for the outpatient
# assessment within two weeks of admission (COMAR 10.47.02.04 D(1)); New Jersey within
# three visits (N.J.A.C. 10:161B-9.1(a)), which at intensive outpatient's three or more
# days a week is about one week. Change it to the state's rule.
INTAKE_DUE_DAYS: Final = 7

EXCERPT: Final = 300
NOT_ASKED: Final = "not asked"
NOT_WRITTEN: Final = "not written"


# ---- bounds and what signing needs ------------------------------------------------------


def require_draft(status: IntakeStatus) -> None:
    if status is not IntakeStatus.DRAFT:
        raise Conflict("a signed intake never changes; write an addendum instead", rule=SIGNED)


def require_signed(status: IntakeStatus) -> None:
    if status is not IntakeStatus.SIGNED:
        raise Conflict(
            "an addendum is for a signed intake; edit the draft instead", rule=NOT_SIGNED
        )


@dataclass(frozen=True)
class SubstanceRow:
    """One substance row as entered, before it is stored."""

    substance: Substance
    other_name: str = ""
    age_first_use: int | None = None
    route: Route | None = None
    frequency: Frequency | None = None
    amount: str = ""
    pattern: str = ""
    last_use_on: date | None = None
    last_use_at: datetime | None = None


def row_field(index: int, name: str) -> str:
    """A substance row's field as pages and refusals name it: ``substances.2.amount``."""
    return f"substances.{index}.{name}"


def check_text(field: str, value: str) -> None:
    limit = LIMITS.get(field, SECTION_MAX)
    if len(value) > limit:
        raise Invalid(f"at most {limit} characters", field=field)


def check_substances(
    rows: Sequence[SubstanceRow], *, interviewed_at: datetime, client_age: int | None
) -> None:
    """Each row on its own, and the rows together: at most ``MAX_SUBSTANCES``; "other"
    names the substance, and only "other" does; an age of first use within the bounds and
    not past the client's age at the interview; a last-use time on the last-use day and
    not after the interview."""
    if len(rows) > MAX_SUBSTANCES:
        raise Invalid(f"at most {MAX_SUBSTANCES} substances", field="substances")
    for index, row in enumerate(rows):
        for name in ("other_name", "amount", "pattern"):
            text = getattr(row, name)
            if len(text) > LIMITS[name]:
                raise Invalid(f"at most {LIMITS[name]} characters", field=row_field(index, name))
        if row.substance is Substance.OTHER and not row.other_name:
            raise Invalid("name the substance", field=row_field(index, "other_name"))
        if row.substance is not Substance.OTHER and row.other_name:
            raise Invalid(
                "only a substance listed as other takes a name",
                field=row_field(index, "other_name"),
            )
        if row.age_first_use is not None:
            if not AGE_MIN <= row.age_first_use <= AGE_MAX:
                raise Invalid(
                    f"enter an age from {AGE_MIN} to {AGE_MAX}",
                    field=row_field(index, "age_first_use"),
                )
            if client_age is not None and row.age_first_use > client_age:
                raise Invalid(
                    "older than the client was at the interview",
                    field=row_field(index, "age_first_use"),
                )
        if row.last_use_at is not None:
            if row.last_use_on is None or clock.local(row.last_use_at).date() != row.last_use_on:
                raise Invalid(
                    "a last-use time needs its day", field=row_field(index, "last_use_on")
                )
            if row.last_use_at > interviewed_at:
                raise Invalid(
                    "the last use is after the interview", field=row_field(index, "last_use_on")
                )
        elif row.last_use_on is not None and row.last_use_on > clock.local(interviewed_at).date():
            raise Invalid(
                "the last use is after the interview", field=row_field(index, "last_use_on")
            )


def missing_for_signature(presenting_problem: str, substance_count: int) -> list[str]:
    """What an intake needs before it can be signed: why the client came, and the use
    history (an addiction program's assessment without one is not an assessment). Every
    other question may stay unanswered: it then reads "not asked" wherever it is shown."""
    missing = []
    if not presenting_problem.strip():
        missing.append("presenting_problem")
    if substance_count == 0:
        missing.append("substances")
    return missing


def require_complete(presenting_problem: str, substance_count: int) -> None:
    missing = missing_for_signature(presenting_problem, substance_count)
    if "presenting_problem" in missing:
        raise Conflict(
            "write the presenting problem before signing",
            field="presenting_problem",
            rule=INCOMPLETE,
        )
    if "substances" in missing:
        raise Conflict(
            "list at least one substance before signing", field="substances", rule=INCOMPLETE
        )


# ---- the PC-PTSD-5 ------------------------------------------------------------------------


def ptsd_score(exposure: Answer | None, items: Sequence[Answer | None]) -> int | None:
    """The PC-PTSD-5 score: 0 when the client reported no exposure, else the count of
    "yes" among the five items; None when it cannot be scored (not asked, declined, or an
    item unanswered)."""
    if exposure is Answer.NO:
        return 0
    if exposure is not Answer.YES:
        return None
    if any(item not in (Answer.YES, Answer.NO) for item in items):
        return None
    return sum(item is Answer.YES for item in items)


# ---- what is signed -----------------------------------------------------------------------


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Answer | Substance | Route | Frequency | Housing | Employment):
        return value.value
    return value


def signed_content(intake: Intake, substances: Sequence[IntakeSubstance]) -> dict[str, Any]:
    """Exactly what a signature covers: the intake's answers and text, its substance rows
    in order, and which client and episode it is about."""
    content: dict[str, Any] = {
        "intake_id": str(intake.id),
        "episode_id": str(intake.episode_id),
        "client_id": str(intake.client_id),
    }
    for name in FIELDS:
        content[name] = _plain(getattr(intake, name))
    content["substances"] = [
        {
            "substance": row.substance.value,
            "other_name": row.other_name,
            "age_first_use": row.age_first_use,
            "route": _plain(row.route),
            "frequency": _plain(row.frequency),
            "amount": row.amount,
            "pattern": row.pattern,
            "last_use_on": _plain(row.last_use_on),
            "last_use_at": _plain(row.last_use_at),
        }
        for row in sorted(substances, key=lambda r: r.position)
    ]
    return content


def addendum_content(intake_id: object, addendum_id: object, text: str) -> dict[str, Any]:
    return {"intake_id": str(intake_id), "addendum_id": str(addendum_id), "text": text}


# ---- due ----------------------------------------------------------------------------------


def due_since(admitted_on: date) -> date:
    """The day an intake for an admission falls due."""
    return admitted_on + timedelta(days=INTAKE_DUE_DAYS)


def is_due(admitted_on: date, today: date) -> bool:
    return today >= due_since(admitted_on)


# ---- the pre-fill -------------------------------------------------------------------------


@dataclass(frozen=True)
class SubstanceFacts:
    substance: Substance
    other_name: str = ""
    route: Route | None = None
    frequency: Frequency | None = None
    last_use_on: date | None = None
    last_use_at: datetime | None = None

    @property
    def name(self) -> str:
        if self.substance is Substance.OTHER:
            return self.other_name or "Other substance"
        return self.substance.label


@dataclass(frozen=True)
class IntakeFacts:
    """The intake's answers the pre-fill reads: plain values, no database."""

    interviewed_at: datetime
    substances: tuple[SubstanceFacts, ...] = ()
    withdrawal_complications: Answer | None = None
    on_medication_for_sud: Answer | None = None
    prior_treatment: Answer | None = None
    prior_withdrawal_management: Answer | None = None
    prior_residential: Answer | None = None
    prior_medication_for_sud: Answer | None = None
    treatment_history: str = ""
    medical_problems_now: Answer | None = None
    pregnant: Answer | None = None
    medical_history: str = ""
    psychiatric_diagnoses: str = ""
    psychiatric_hospitalizations: Answer | None = None
    psychiatric_history: str = ""
    psychiatric_medications: str = ""
    trauma_exposure: Answer | None = None
    ptsd_items: tuple[Answer | None, ...] = (None, None, None, None, None)
    client_goals: str = ""
    treatment_preferences: str = ""
    family: str = ""
    housing: Housing | None = None
    others_use_at_home: Answer | None = None
    housing_notes: str = ""
    probation_or_parole: Answer | None = None
    court_case_pending: Answer | None = None
    employment: Employment | None = None
    in_school: Answer | None = None


def facts_of(intake: Intake, substances: Sequence[IntakeSubstance]) -> IntakeFacts:
    return IntakeFacts(
        interviewed_at=intake.interviewed_at,
        substances=tuple(
            SubstanceFacts(
                substance=row.substance,
                other_name=row.other_name,
                route=row.route,
                frequency=row.frequency,
                last_use_on=row.last_use_on,
                last_use_at=row.last_use_at,
            )
            for row in sorted(substances, key=lambda r: r.position)
        ),
        withdrawal_complications=intake.withdrawal_complications,
        on_medication_for_sud=intake.on_medication_for_sud,
        prior_treatment=intake.prior_treatment,
        prior_withdrawal_management=intake.prior_withdrawal_management,
        prior_residential=intake.prior_residential,
        prior_medication_for_sud=intake.prior_medication_for_sud,
        treatment_history=intake.treatment_history,
        medical_problems_now=intake.medical_problems_now,
        pregnant=intake.pregnant,
        medical_history=intake.medical_history,
        psychiatric_diagnoses=intake.psychiatric_diagnoses,
        psychiatric_hospitalizations=intake.psychiatric_hospitalizations,
        psychiatric_history=intake.psychiatric_history,
        psychiatric_medications=intake.psychiatric_medications,
        trauma_exposure=intake.trauma_exposure,
        ptsd_items=tuple(getattr(intake, name) for name in PTSD_ITEM_FIELDS),
        client_goals=intake.client_goals,
        treatment_preferences=intake.treatment_preferences,
        family=intake.family,
        housing=intake.housing,
        others_use_at_home=intake.others_use_at_home,
        housing_notes=intake.housing_notes,
        probation_or_parole=intake.probation_or_parole,
        court_case_pending=intake.court_case_pending,
        employment=intake.employment,
        in_school=intake.in_school,
    )


@dataclass(frozen=True)
class Fact:
    """One sentence of evidence. ``review`` points the clinician at it (a prompt, not a
    rating); ``unknown`` says the intake does not know (not asked, declined, not written)."""

    text: str
    review: bool = False
    unknown: bool = False


@dataclass(frozen=True)
class Prefill:
    dimension: str  # "d1" .. "d6", as placement.models.DIMENSIONS
    label: str
    facts: tuple[Fact, ...]

    @property
    def review(self) -> bool:
        return any(f.review for f in self.facts)

    @property
    def unknowns(self) -> int:
        return sum(f.unknown for f in self.facts)


def _said(answer: Answer | None) -> str:
    """An answer in words; no answer is "not asked", never "no"."""
    return answer.label.lower() if answer is not None else NOT_ASKED


def _known(answer: Answer | None) -> bool:
    return answer in (Answer.YES, Answer.NO)


def _answer_fact(question: str, answer: Answer | None, *, review_if_yes: bool = False) -> Fact:
    return Fact(
        f"{question}: {_said(answer)}",
        review=review_if_yes and answer is Answer.YES,
        unknown=not _known(answer),
    )


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1].rstrip() + "…"


def _text_fact(heading: str, text: str) -> Fact:
    if not text.strip():
        return Fact(f"{heading}: {NOT_WRITTEN}", unknown=True)
    return Fact(f"{heading}: {_excerpt(text)}")


def _elapsed(delta: timedelta) -> str:
    hours = max(0, int(delta.total_seconds() // 3600))
    if hours < 72:
        return f"{hours} h"
    return f"{hours // 24} days"


def latest_last_use(row: SubstanceFacts) -> datetime | None:
    """The latest the last use can have been: its time when known, else the end of its
    day (a later use is the worse case for withdrawal); None when not asked."""
    if row.last_use_at is not None:
        return row.last_use_at
    if row.last_use_on is not None:
        return clock.day_start(row.last_use_on + timedelta(days=1))
    return None


def withdrawal_review(row: SubstanceFacts, interviewed_at: datetime) -> bool:
    """Whether dimension 1 marks this substance's withdrawal potential for review: a class
    whose withdrawal can need medical management, last used within the window before the
    interview, or at a time the intake does not know."""
    if row.substance not in WITHDRAWAL_CLASSES:
        return False
    latest = latest_last_use(row)
    return latest is None or interviewed_at - latest <= WITHDRAWAL_REVIEW_WINDOW


def _last_use(row: SubstanceFacts, interviewed_at: datetime) -> str:
    if row.last_use_at is not None:
        when = clock.local(row.last_use_at).strftime("%Y-%m-%d %H:%M")
        before = _elapsed(interviewed_at - row.last_use_at)
        return f"last use {when} ({before} before the interview)"
    if row.last_use_on is not None:
        return f"last use {row.last_use_on.isoformat()} (time {NOT_ASKED})"
    return f"last use {NOT_ASKED}"


def _d1(facts: IntakeFacts) -> list[Fact]:
    found: list[Fact] = []
    if not facts.substances:
        found.append(Fact(f"Substance-use history: {NOT_ASKED}", review=True, unknown=True))
    for row in facts.substances:
        frequency = row.frequency.label.lower() if row.frequency else f"frequency {NOT_ASKED}"
        review = withdrawal_review(row, facts.interviewed_at)
        text = f"{row.name}: {_last_use(row, facts.interviewed_at)}; {frequency}"
        if review:
            text += "; withdrawal potential to review"
        found.append(Fact(text, review=review, unknown=latest_last_use(row) is None))
    uses_withdrawal_class = any(r.substance in WITHDRAWAL_CLASSES for r in facts.substances)
    found.append(
        Fact(
            "Past withdrawal seizures or delirium: " + _said(facts.withdrawal_complications),
            review=facts.withdrawal_complications is Answer.YES
            or (uses_withdrawal_class and not _known(facts.withdrawal_complications)),
            unknown=not _known(facts.withdrawal_complications),
        )
    )
    found.append(
        _answer_fact("On medication for a substance use disorder now", facts.on_medication_for_sud)
    )
    return found


def _d2(facts: IntakeFacts) -> list[Fact]:
    found = [
        _answer_fact(
            "Medical problems needing attention now", facts.medical_problems_now, review_if_yes=True
        ),
        _answer_fact("Pregnant", facts.pregnant, review_if_yes=True),
        _text_fact("Medical history", facts.medical_history),
    ]
    injected = [r.name for r in facts.substances if r.route is Route.INJECTION]
    if injected:
        found.append(Fact("Injection use: " + ", ".join(injected), review=True))
    return found


def _ptsd_fact(facts: IntakeFacts) -> Fact:
    score = ptsd_score(facts.trauma_exposure, facts.ptsd_items)
    if facts.trauma_exposure is None:
        return Fact(f"PC-PTSD-5 trauma screen: {NOT_ASKED}", unknown=True)
    if facts.trauma_exposure is Answer.DECLINED:
        return Fact("PC-PTSD-5 trauma screen: declined to answer", unknown=True)
    if facts.trauma_exposure is Answer.NO:
        return Fact("PC-PTSD-5 trauma screen: no trauma exposure reported (score 0 of 5)")
    if score is None:
        answered = sum(_known(item) for item in facts.ptsd_items)
        return Fact(
            f"PC-PTSD-5 trauma screen: exposure reported; {answered} of 5 items answered, "
            "not scored",
            review=True,
            unknown=True,
        )
    positive = score >= PTSD_CUT_POINT
    verdict = (
        f"at or above the cut-point of {PTSD_CUT_POINT}: a fuller PTSD assessment is indicated"
        if positive
        else f"below the cut-point of {PTSD_CUT_POINT}"
    )
    return Fact(
        f"PC-PTSD-5 trauma screen: exposure reported; score {score} of 5, {verdict}",
        review=positive,
    )


def _d3(facts: IntakeFacts) -> list[Fact]:
    return [
        _text_fact("Psychiatric diagnoses", facts.psychiatric_diagnoses),
        _answer_fact(
            "Psychiatric hospitalizations",
            facts.psychiatric_hospitalizations,
            review_if_yes=True,
        ),
        _text_fact("Psychiatric history", facts.psychiatric_history),
        _text_fact("Psychiatric medications", facts.psychiatric_medications),
        _ptsd_fact(facts),
    ]


def _d4(facts: IntakeFacts) -> list[Fact]:
    return [
        _text_fact("What the client wants from treatment", facts.client_goals),
        _text_fact("Treatment preferences", facts.treatment_preferences),
        _answer_fact("On probation or parole", facts.probation_or_parole),
        _answer_fact("Court case pending", facts.court_case_pending),
    ]


def _d5(facts: IntakeFacts) -> list[Fact]:
    found = [
        _answer_fact("Treated for substance use before", facts.prior_treatment),
        _answer_fact("Withdrawal management (detox) before", facts.prior_withdrawal_management),
        _answer_fact("Residential treatment before", facts.prior_residential),
        _answer_fact(
            "Medication for a substance use disorder before", facts.prior_medication_for_sud
        ),
        _text_fact("Treatment history and outcomes", facts.treatment_history),
    ]
    daily = [r.name for r in facts.substances if r.frequency is Frequency.DAILY]
    if daily:
        found.append(Fact("Daily or almost daily use in the past 3 months: " + ", ".join(daily)))
    return found


def _d6(facts: IntakeFacts) -> list[Fact]:
    housing = facts.housing.label if facts.housing else NOT_ASKED
    employment = facts.employment.label if facts.employment else NOT_ASKED
    return [
        Fact(
            f"Living arrangement: {housing}",
            review=facts.housing is Housing.HOMELESS,
            unknown=facts.housing is None,
        ),
        _answer_fact(
            "Others at home use alcohol or drugs", facts.others_use_at_home, review_if_yes=True
        ),
        _text_fact("Housing notes", facts.housing_notes),
        _answer_fact("On probation or parole", facts.probation_or_parole),
        _answer_fact("Court case pending", facts.court_case_pending),
        Fact(f"Employment: {employment}", unknown=facts.employment is None),
        _answer_fact("In school", facts.in_school),
        _text_fact("Family and relationships", facts.family),
    ]


_BUILDERS = {"d1": _d1, "d2": _d2, "d3": _d3, "d4": _d4, "d5": _d5, "d6": _d6}


def dimension_prefill(facts: IntakeFacts) -> dict[str, Prefill]:
    """Per placement dimension (``placement.models.DIMENSIONS``), the intake's facts that
    bear on it. Evidence only: no rating, no level, no decision."""
    return {key: Prefill(key, label, tuple(_BUILDERS[key](facts))) for key, label in DIMENSIONS}


# What a caller named at inquiry, as the intake's DSM-5 classes; the assessor confirms or
# corrects each row (an inquiry records worry, not a diagnosis).
FROM_INQUIRY: Final[dict[str, tuple[Substance, str]]] = {
    "alcohol": (Substance.ALCOHOL, ""),
    "opioids": (Substance.OPIOID, ""),
    "fentanyl": (Substance.OPIOID, "fentanyl named at inquiry"),
    "stimulants": (Substance.OTHER_STIMULANT, ""),
    "cocaine": (Substance.COCAINE, ""),
    "methamphetamine": (Substance.AMPHETAMINE, "methamphetamine named at inquiry"),
    "cannabis": (Substance.CANNABIS, ""),
    "benzodiazepines": (Substance.SEDATIVE, "benzodiazepines named at inquiry"),
}


def rows_from_inquiry(named: Sequence[str]) -> list[SubstanceRow]:
    """The intake's first substance rows from what the inquiry recorded, one per class in
    the order named ("other" is left for the assessor to name)."""
    rows: dict[Substance, SubstanceRow] = {}
    for word in named:
        found = FROM_INQUIRY.get(word)
        if found is None:
            continue
        substance, pattern = found
        if substance in rows:
            earlier = rows[substance].pattern
            pattern = "; ".join(p for p in (earlier, pattern) if p)
        rows[substance] = SubstanceRow(substance=substance, pattern=pattern)
    return list(rows.values())[:MAX_SUBSTANCES]
