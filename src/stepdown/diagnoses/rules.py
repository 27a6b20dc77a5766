"""Pure rules on diagnoses: DSM-5-TR specifiers against the ICD-10-CM code, dates, and which
diagnosis is principal on a day. No I/O; the service looks codes up in the code set first.

How DSM-5-TR codes a substance use disorder in ICD-10-CM
---------------------------------------------------------
DSM-5-TR (American Psychiatric Association, 2022), chapter "Substance-Related and Addictive
Disorders", gives each use disorder a coding note, "Code based on current
severity/remission", which the tabular list of ICD-10-CM FY2026 repeats as inclusion terms
(read them with ``codeset.inclusion_terms``; ``tests/diagnoses/test_rules.py`` checks this
table against them for every code in F10-F19):

- mild -> F1x.10 ("abuse"); mild in early or sustained remission -> F1x.11;
- moderate or severe -> F1x.20 ("dependence"); in early or sustained remission -> F1x.21;
- with a substance-induced disorder (intoxication, withdrawal, induced depressive disorder
  ...), the use disorder is carried in the 4th character of the combination code: F1x.1-
  for mild, F1x.2- for moderate or severe (e.g. F11.14 / F11.24), and F1x.9- means the
  induced disorder *without* a use disorder;
- tobacco is the exception: every severity codes to F17.2- ("nicotine dependence",
  F17.200 mild, moderate or severe; F17.201 in early or sustained remission; F17.21- for
  cigarettes, F17.22- chewing tobacco, F17.29- other products), 6th character 1 = in
  remission. DSM-5 (2013) coded mild tobacco use disorder to Z72.0; DSM-5-TR moved it to
  F17.200, as the FY2026 inclusion terms show.

Sources: DSM-5-TR coding notes as reproduced for opioid use disorder by the BC Centre on
Substance Use, "Appendix 2: DSM-5-TR Criteria for Opioid Use Disorder"
(https://bccsu.helpjuice.com/clinical-guidance-appendices/appendix-2-dsm-5-tr-criteria,
"Code based on current severity/remission ... F11.14 for mild opioid use disorder with
opioid-induced depressive disorder or F11.24 for a moderate or severe ...");
ACDIS, "Q&A: Bridging the gap between DSM-5, ICD-10 for substance-related disorders"
(https://www.acdis.org/articles/qa-bridging-gap-between-dsm-5-icd-10-substance-related-disorders,
"mild use disorder equals abuse, and moderate or severe use disorder equals dependence");
and the ICD-10-CM FY2026 tabular list's inclusion terms (CDC/NCHS, public domain).

Remission and its further specifiers
------------------------------------
Early remission: at least 3 but less than 12 months with no criterion met except craving;
sustained: 12 months or longer. Two further specifiers (DSM-5-TR, same chapter):

- "in a controlled environment" (access to the substance is restricted: a locked unit, a
  jail, a therapeutic community) is given for every use disorder class in F10-F19;
- "on maintenance therapy" (a prescribed agonist, partial agonist, agonist/antagonist or
  antagonist such as methadone, buprenorphine or naltrexone, with no criterion met for that
  class of medication except tolerance or withdrawal) is given only for opioid use disorder
  and tobacco use disorder (long-term maintenance medication such as nicotine
  replacement).

Both further specify a remission ("in sustained remission, on maintenance therapy"), so
each needs early or sustained remission (DSM-5-TR, "Substance Use Disorders: Specifiers").
Neither changes the code.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from stepdown.diagnoses.models import DiagnosisStatus, Remission, Severity
from stepdown.kit.errors import Conflict, Invalid

# Rules a refusal names (409).
DUPLICATE = "diagnosis.duplicate"
NOT_CURRENT = "diagnosis.not_current"
ALREADY_IN_ERROR = "diagnosis.entered_in_error"
ALREADY_PRINCIPAL = "diagnosis.already_principal"
NO_OPEN_EPISODE = "diagnosis.no_open_episode"

REASON_MAX: Final = 300


@dataclass(frozen=True)
class SubstanceClass:
    """A DSM-5-TR substance class and the ICD-10-CM category it codes to."""

    category: str
    name: str
    maintenance: bool  # whether DSM-5-TR gives "on maintenance therapy" for it


CLASSES: Final = {
    c.category: c
    for c in (
        SubstanceClass("F10", "alcohol", maintenance=False),
        SubstanceClass("F11", "opioid", maintenance=True),
        SubstanceClass("F12", "cannabis", maintenance=False),
        SubstanceClass("F13", "sedative, hypnotic, or anxiolytic", maintenance=False),
        SubstanceClass("F14", "cocaine", maintenance=False),
        SubstanceClass("F15", "amphetamine-type or other stimulant", maintenance=False),
        SubstanceClass("F16", "hallucinogen", maintenance=False),
        SubstanceClass("F17", "tobacco", maintenance=True),
        SubstanceClass("F18", "inhalant", maintenance=False),
        SubstanceClass("F19", "other (or unknown) substance", maintenance=False),
    )
}


class Kind(StrEnum):
    """What a code in F10-F19 says about a use disorder."""

    MILD = "mild"  # F1x.1-: "abuse"
    MODERATE_OR_SEVERE = "moderate_or_severe"  # F1x.2-: "dependence"
    ANY_SEVERITY = "any_severity"  # F17.2-: tobacco, every severity
    NONE = "none"  # F1x.9-: use, or an induced disorder, without a use disorder


@dataclass(frozen=True)
class SudCode:
    code: str
    substance: SubstanceClass
    kind: Kind
    in_remission: bool  # F1x.11, F1x.21, F17.2x1

    @property
    def remission_code(self) -> str:
        """The code this class and kind take in remission."""
        if self.kind is Kind.ANY_SEVERITY:
            return self.code[:6] + "1" if len(self.code) == 7 else "F17.201"
        digit = "1" if self.kind is Kind.MILD else "2"
        return f"{self.substance.category}.{digit}1"


# What each severity codes to, per kind (the rule table the checks below apply).
SEVERITIES_BY_KIND: Final[dict[Kind, frozenset[Severity]]] = {
    Kind.MILD: frozenset({Severity.MILD}),
    Kind.MODERATE_OR_SEVERE: frozenset({Severity.MODERATE, Severity.SEVERE}),
    Kind.ANY_SEVERITY: frozenset(Severity),
    Kind.NONE: frozenset(),
}


def sud_code(code: str) -> SudCode | None:
    """What a billable code (written with its dot) says about a use disorder; None for a
    code outside F10-F19."""
    substance = CLASSES.get(code[:3])
    rest = code[4:]
    if substance is None or not rest:
        return None
    if substance.category == "F17":
        # Nicotine dependence F17.2<product><state>; state 1 = in remission.
        return SudCode(code, substance, Kind.ANY_SEVERITY, len(rest) == 3 and rest[2] == "1")
    kinds = {"1": Kind.MILD, "2": Kind.MODERATE_OR_SEVERE, "9": Kind.NONE}
    kind = kinds.get(rest[0])
    if kind is None:
        return None
    # F1x.11 / F1x.21; F1x.91 is use in remission without a use disorder (Kind.NONE).
    return SudCode(code, substance, kind, rest[1:] == "1")


@dataclass(frozen=True)
class Specifiers:
    severity: Severity | None = None
    remission: Remission | None = None
    controlled_environment: bool = False
    maintenance_therapy: bool = False

    def given(self) -> list[str]:
        """The names of the specifiers set, in the form's order."""
        return [
            name
            for name, value in (
                ("severity", self.severity),
                ("remission", self.remission),
                ("controlled_environment", self.controlled_environment),
                ("maintenance_therapy", self.maintenance_therapy),
            )
            if value
        ]


def _coded_as(sud: SudCode) -> str:
    category = sud.substance.category
    if sud.kind is Kind.MILD:
        return f"{category}.1- (abuse), the code for a mild use disorder"
    return f"{category}.2- (dependence), the code for a moderate or severe use disorder"


def check_specifiers(code: str, spec: Specifiers) -> None:
    """Refuse specifiers that disagree with the code, naming the specifier at fault."""
    sud = sud_code(code)
    given = spec.given()
    if sud is None:
        if given:
            raise Invalid(
                f"{code} is not a substance use disorder code (F10-F19): leave the "
                "substance use disorder specifiers empty",
                field=given[0],
            )
        return
    category = sud.substance.category
    if sud.kind is Kind.NONE:
        if given:
            raise Invalid(
                f"{code} records {sud.substance.name} use without a use disorder; a use "
                f"disorder codes to {category}.1- (mild) or {category}.2- (moderate or "
                "severe)",
                field=given[0],
            )
        return
    if spec.severity is None:
        raise Invalid(
            f"{code} is a {sud.substance.name} use disorder: give its current severity "
            "(mild, moderate or severe)",
            field="severity",
        )
    if spec.severity not in SEVERITIES_BY_KIND[sud.kind]:
        other = "1" if spec.severity is Severity.MILD else "2"
        raise Invalid(
            f"{code} is {_coded_as(sud)}; a {spec.severity.value} {sud.substance.name} use "
            f"disorder codes to {category}.{other}-",
            field="severity",
        )
    if sud.in_remission and spec.remission is None:
        raise Invalid(
            f"{code} is an in-remission code: say whether the remission is early or sustained",
            field="remission",
        )
    if not sud.in_remission and spec.remission is not None:
        raise Invalid(
            f"a use disorder in {spec.remission.value} remission codes to "
            f"{sud.remission_code}, not {code}",
            field="remission",
        )
    if spec.controlled_environment and spec.remission is None:
        raise Invalid(
            '"in a controlled environment" further specifies a remission: only for a use '
            "disorder in early or sustained remission",
            field="controlled_environment",
        )
    if spec.maintenance_therapy:
        if not sud.substance.maintenance:
            raise Invalid(
                'DSM-5-TR gives "on maintenance therapy" only for opioid and tobacco use disorders',
                field="maintenance_therapy",
            )
        if spec.remission is None:
            raise Invalid(
                '"on maintenance therapy" further specifies a remission: only for a use '
                "disorder in early or sustained remission",
                field="maintenance_therapy",
            )


def specifier_label(spec: Specifiers) -> str:
    """The specifiers as DSM-5-TR writes them after the disorder's name."""
    parts = []
    if spec.severity is not None:
        parts.append(spec.severity.value)
    if spec.remission is not None:
        parts.append(f"in {spec.remission.value} remission")
    if spec.controlled_environment:
        parts.append("in a controlled environment")
    if spec.maintenance_therapy:
        parts.append("on maintenance therapy")
    return ", ".join(parts)


# ---- dates ----------------------------------------------------------------------------------


def check_diagnosed_on(day: date, *, today: date, discharged_on: date | None) -> None:
    if day > today:
        raise Invalid("the date diagnosed cannot be in the future", field="diagnosed_on")
    if discharged_on is not None and day > discharged_on:
        raise Invalid(
            f"the episode ended on {discharged_on.isoformat()}; the date diagnosed cannot be "
            "after it",
            field="diagnosed_on",
        )


def check_end(
    day: date, *, diagnosed_on: date, today: date, principal_since: date | None = None
) -> None:
    """The day a diagnosis is resolved or ruled out: not ahead, not before it was made, and
    not before the day it became principal (its period cannot end before it began)."""
    if day > today:
        raise Invalid("the date cannot be in the future", field="on")
    if day < diagnosed_on:
        raise Invalid(
            f"the diagnosis was made on {diagnosed_on.isoformat()}; the date cannot be before it",
            field="on",
        )
    if principal_since is not None and day < principal_since:
        raise Invalid(
            f"it has been the principal diagnosis since {principal_since.isoformat()}; the "
            "date cannot be before that",
            field="on",
        )


def require_active(status: DiagnosisStatus) -> None:
    if status is DiagnosisStatus.ENTERED_IN_ERROR:
        raise Conflict("this diagnosis was marked entered in error", rule=ALREADY_IN_ERROR)
    if status is not DiagnosisStatus.ACTIVE:
        raise Conflict(
            f"this diagnosis is no longer current ({status.label.lower()})", rule=NOT_CURRENT
        )


def require_reason(reason: str) -> str:
    text = " ".join(reason.split())
    if not text:
        raise Invalid("say why the entry was a mistake", field="reason")
    if len(text) > REASON_MAX:
        raise Invalid(f"at most {REASON_MAX} characters", field="reason")
    return text


def principal_start_for_new(diagnosed_on: date, current_since: date | None) -> date:
    """A diagnosis recorded as principal is principal from the day it was made, or from the
    day the current principal became principal if that is later (one principal a day)."""
    if current_since is not None and current_since > diagnosed_on:
        return current_since
    return diagnosed_on


def check_principal_from(
    day: date, *, diagnosed_on: date, today: date, current_since: date | None
) -> None:
    """The day an existing diagnosis becomes principal: not ahead, not before it was made,
    not before the current principal became principal."""
    if day > today:
        raise Invalid("the date cannot be in the future", field="on")
    if day < diagnosed_on:
        raise Invalid(
            f"the diagnosis was made on {diagnosed_on.isoformat()}; it cannot be principal "
            "before that",
            field="on",
        )
    if current_since is not None and day < current_since:
        raise Invalid(
            f"the current principal diagnosis has been principal since "
            f"{current_since.isoformat()}; choose that day or later",
            field="on",
        )


# ---- which diagnoses on a day ---------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    diagnosis_id: uuid.UUID
    starts_on: date
    ends_on: date | None  # exclusive

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day < self.ends_on)


def principal_on(periods: Sequence[Period], day: date) -> uuid.UUID | None:
    """The diagnosis whose principal period covers the day (at most one does)."""
    return next((p.diagnosis_id for p in periods if p.covers(day)), None)


def current_on(
    status: DiagnosisStatus, diagnosed_on: date, ended_on: date | None, day: date
) -> bool:
    """Whether a diagnosis stood on a day: made by then, not yet resolved or ruled out, and
    never entered in error."""
    if status is DiagnosisStatus.ENTERED_IN_ERROR:
        return False
    return diagnosed_on <= day and (ended_on is None or day < ended_on)
