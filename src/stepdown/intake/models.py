"""The biopsychosocial intake assessment: one per episode of care, written at admission.

An intake is a draft while the clinician writes it, then signed (``security.signing``:
the password or signing PIN again, a hash of exactly what was signed) and frozen. One
signed by a supervised clinician (``signing.needs_cosignature``) is final once their
supervisor co-signs it. A correction or a later fact is an ``IntakeAddendum`` with
its own time and its own signature, never an edit.

Every yes/no question is an ``Answer`` column that may be empty: empty means "not asked",
which the pages say in those words and the rules never read as "no" (unknown is never
good news). The substance rows and the last-use dates are structured because the
placement pre-fill (``rules.dimension_prefill``) reads them; the narrative sections are
bounded text (``rules.LIMITS``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class IntakeStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"


class Answer(StrEnum):
    """A yes/no question's answer. No answer at all (``None``) is "not asked"; "declined"
    is a question asked and not answered. Neither is ever taken for "no"."""

    YES = "yes"
    NO = "no"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return ANSWER_LABELS[self]


ANSWER_LABELS = {Answer.YES: "Yes", Answer.NO: "No", Answer.DECLINED: "Declined to answer"}


class Substance(StrEnum):
    """The substance classes of DSM-5's substance-related disorders, stimulants split by
    type as DSM-5 specifies them (amphetamine-type, cocaine, other), caffeine left out (no
    use disorder in DSM-5). SAMHSA, "Impact of the DSM-IV to DSM-5 Changes on the National
    Survey on Drug Use and Health", 2016, ch. 2 (https://www.ncbi.nlm.nih.gov/books/NBK519702/).
    """

    ALCOHOL = "alcohol"
    OPIOID = "opioid"
    SEDATIVE = "sedative"
    CANNABIS = "cannabis"
    COCAINE = "cocaine"
    AMPHETAMINE = "amphetamine"
    OTHER_STIMULANT = "other_stimulant"
    HALLUCINOGEN = "hallucinogen"
    INHALANT = "inhalant"
    TOBACCO = "tobacco"
    OTHER = "other"

    @property
    def label(self) -> str:
        return SUBSTANCE_LABELS[self]


SUBSTANCE_LABELS = {
    Substance.ALCOHOL: "Alcohol",
    Substance.OPIOID: "Opioids (heroin, fentanyl, prescription opioids)",
    Substance.SEDATIVE: "Sedatives, hypnotics or anxiolytics (benzodiazepines and others)",
    Substance.CANNABIS: "Cannabis",
    Substance.COCAINE: "Cocaine",
    Substance.AMPHETAMINE: "Amphetamine-type stimulants (methamphetamine and others)",
    Substance.OTHER_STIMULANT: "Other stimulants",
    Substance.HALLUCINOGEN: "Hallucinogens (including phencyclidine)",
    Substance.INHALANT: "Inhalants",
    Substance.TOBACCO: "Tobacco or nicotine",
    Substance.OTHER: "Other (name it)",
}


class Route(StrEnum):
    """Usual route of administration, as the Treatment Episode Data Set codes it (TEDS-A
    codebook, "ROUTE": oral, smoking, inhalation, injection, other)."""

    ORAL = "oral"
    SMOKING = "smoking"
    INHALATION = "inhalation"
    INJECTION = "injection"
    OTHER = "other"

    @property
    def label(self) -> str:
        return ROUTE_LABELS[self]


ROUTE_LABELS = {
    Route.ORAL: "Oral",
    Route.SMOKING: "Smoking or vaping",
    Route.INHALATION: "Inhalation or snorting",
    Route.INJECTION: "Injection",
    Route.OTHER: "Other",
}


class Frequency(StrEnum):
    """How often in the past three months: the answers of question 2 of the WHO ASSIST
    v3.1 (and the NIDA-modified ASSIST built on it): never, once or twice, monthly,
    weekly, daily or almost daily (as tabulated in Drug Alcohol Depend 2016;166:85,
    Table 1, https://pmc.ncbi.nlm.nih.gov/articles/PMC4983530/table/T1)."""

    NOT_PAST_3_MONTHS = "not_past_3_months"
    ONCE_OR_TWICE = "once_or_twice"
    MONTHLY = "monthly"
    WEEKLY = "weekly"
    DAILY = "daily"

    @property
    def label(self) -> str:
        return FREQUENCY_LABELS[self]


FREQUENCY_LABELS = {
    Frequency.NOT_PAST_3_MONTHS: "Not in the past 3 months",
    Frequency.ONCE_OR_TWICE: "Once or twice in the past 3 months",
    Frequency.MONTHLY: "Monthly",
    Frequency.WEEKLY: "Weekly",
    Frequency.DAILY: "Daily or almost daily",
}


class Housing(StrEnum):
    """Living arrangement, in the Treatment Episode Data Set's three codes (TEDS-A codebook,
    "LIVARAG"): homeless; dependent living (a supervised setting such as a halfway house
    or group home, or a minor living with family); independent living."""

    HOMELESS = "homeless"
    DEPENDENT = "dependent"
    INDEPENDENT = "independent"

    @property
    def label(self) -> str:
        return HOUSING_LABELS[self]


HOUSING_LABELS = {
    Housing.HOMELESS: "Homeless",
    Housing.DEPENDENT: "Dependent living (supervised setting, or a minor living with family)",
    Housing.INDEPENDENT: "Independent living",
}


class Employment(StrEnum):
    """Employment status, in the Treatment Episode Data Set's codes (TEDS-A codebook,
    "EMPLOY"): full time, part time, unemployed (looking for work), not in the labor force
    (student, homemaker, retired, disabled, not looking)."""

    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    UNEMPLOYED = "unemployed"
    NOT_IN_LABOR_FORCE = "not_in_labor_force"

    @property
    def label(self) -> str:
        return EMPLOYMENT_LABELS[self]


EMPLOYMENT_LABELS = {
    Employment.FULL_TIME: "Full time",
    Employment.PART_TIME: "Part time",
    Employment.UNEMPLOYED: "Unemployed, looking for work",
    Employment.NOT_IN_LABOR_FORCE: "Not in the labor force (student, retired, disabled…)",
}


def _answer() -> Mapped[Answer | None]:
    return mapped_column(str_enum(Answer, "intake_answer", length=20))


class Intake(IdMixin, TimestampMixin, Base):
    """One episode's intake assessment (see the module docstring)."""

    __tablename__ = "intake"

    episode_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("episode.id", ondelete="RESTRICT"), unique=True
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[IntakeStatus] = mapped_column(str_enum(IntakeStatus, "intake_status", length=20))
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # When the client was interviewed: the last-use times are measured back from it.
    interviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    presenting_problem: Mapped[str] = mapped_column(Text, default="")
    client_goals: Mapped[str] = mapped_column(Text, default="")

    # Substance use beyond the per-substance rows.
    withdrawal_complications: Mapped[Answer | None] = _answer()
    on_medication_for_sud: Mapped[Answer | None] = _answer()

    # Treatment history.
    prior_treatment: Mapped[Answer | None] = _answer()
    prior_withdrawal_management: Mapped[Answer | None] = _answer()
    prior_residential: Mapped[Answer | None] = _answer()
    prior_medication_for_sud: Mapped[Answer | None] = _answer()
    treatment_history: Mapped[str] = mapped_column(Text, default="")

    # Medical.
    medical_problems_now: Mapped[Answer | None] = _answer()
    pregnant: Mapped[Answer | None] = _answer()
    medical_history: Mapped[str] = mapped_column(Text, default="")

    # Psychiatric.
    psychiatric_diagnoses: Mapped[str] = mapped_column(Text, default="")
    psychiatric_hospitalizations: Mapped[Answer | None] = _answer()
    psychiatric_history: Mapped[str] = mapped_column(Text, default="")
    psychiatric_medications: Mapped[str] = mapped_column(Text, default="")

    family: Mapped[str] = mapped_column(Text, default="")

    housing: Mapped[Housing | None] = mapped_column(str_enum(Housing, "intake_housing", length=20))
    others_use_at_home: Mapped[Answer | None] = _answer()
    housing_notes: Mapped[str] = mapped_column(Text, default="")

    probation_or_parole: Mapped[Answer | None] = _answer()
    court_case_pending: Mapped[Answer | None] = _answer()
    legal_notes: Mapped[str] = mapped_column(Text, default="")

    employment: Mapped[Employment | None] = mapped_column(
        str_enum(Employment, "intake_employment", length=30)
    )
    in_school: Mapped[Answer | None] = _answer()
    employment_notes: Mapped[str] = mapped_column(Text, default="")

    # The PC-PTSD-5 (``rules.PC_PTSD_5``): the exposure question, then five yes/no items.
    trauma_exposure: Mapped[Answer | None] = _answer()
    ptsd_1: Mapped[Answer | None] = _answer()
    ptsd_2: Mapped[Answer | None] = _answer()
    ptsd_3: Mapped[Answer | None] = _answer()
    ptsd_4: Mapped[Answer | None] = _answer()
    ptsd_5: Mapped[Answer | None] = _answer()

    strengths: Mapped[str] = mapped_column(Text, default="")
    treatment_preferences: Mapped[str] = mapped_column(Text, default="")
    preferred_language: Mapped[str] = mapped_column(String(80), default="")
    interpreter_needed: Mapped[Answer | None] = _answer()
    cultural_needs: Mapped[str] = mapped_column(Text, default="")

    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Set when a supervised clinician signs (``signing.needs_cosignature``): the intake
    # then waits for their supervisor's co-signature (``signing.cosigner_for``: whoever
    # supervises the author when it is given) and is not final until it has it.
    cosign_required: Mapped[bool] = mapped_column(default=False, server_default=false())
    cosigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cosigned_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    @property
    def signed(self) -> bool:
        return self.status is IntakeStatus.SIGNED

    @property
    def awaiting_cosignature(self) -> bool:
        return self.signed and self.cosign_required and self.cosigned_at is None

    @property
    def final(self) -> bool:
        """Signed, and co-signed where the author's signature needed it."""
        return self.signed and not self.awaiting_cosignature


class IntakeSubstance(IdMixin, Base):
    """One substance in the use history, in the order the clinician listed them (the
    first is the primary substance)."""

    __tablename__ = "intake_substance"
    __table_args__ = (UniqueConstraint("intake_id", "position"),)

    intake_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    substance: Mapped[Substance] = mapped_column(
        str_enum(Substance, "intake_substance_class", length=30)
    )
    other_name: Mapped[str] = mapped_column(String(80), default="")
    age_first_use: Mapped[int | None]
    route: Mapped[Route | None] = mapped_column(str_enum(Route, "intake_route", length=20))
    frequency: Mapped[Frequency | None] = mapped_column(
        str_enum(Frequency, "intake_frequency", length=30)
    )
    amount: Mapped[str] = mapped_column(String(200), default="")
    pattern: Mapped[str] = mapped_column(String(200), default="")
    # The day of last use on the program's calendar, and the instant when the time is
    # known too; both empty: not asked.
    last_use_on: Mapped[date | None]
    last_use_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IntakeAddendum(IdMixin, Base):
    """A signed addition to a signed intake, with its own time; the intake never changes."""

    __tablename__ = "intake_addendum"

    intake_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake.id", ondelete="RESTRICT"), index=True
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    signed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
