"""PHQ-9 not improving by week 8 of care: the review fact ``phq9_not_improving``.

Pure arithmetic, no I/O: ``evidence.gather`` passes the client's PHQ-9 results and
``rules.Evidence.fact_values`` reads the judgement.

Definition:

- **Index**: the client's first valid PHQ-9 total of the current episode, administered on or
  after the episode's admission day (a result entered in error, or one without a total, is
  no score). Only an index above 9 (10 or more: moderate depression or worse) makes the fact
  apply.
- **Week 8 of care**: the 56th day after admission (``admitted_on + 56 days``). Before that
  day the fact is not judged.
- **Improving** (a response): the most recent valid PHQ-9 on or before the review day,
  administered after the index (on a later day: a repeat on the index day is part of the
  index visit, as for ``phq9_change``), is at most half the index, a drop of 50 % or more.
- **Not improving**: the fact applies and there is no PHQ-9 since the index, or the latest
  is above half the index. Unknown is never good news: no follow-up PHQ-9 is not improving,
  and the reason says "no PHQ-9 since the index".
- **Not recorded** (``None``, which fires no rule): before week 8, with an index of 9 or
  less, without a PHQ-9 since admission, or without the admission day.

Sources:
  NCQA HEDIS DRR-E, "Depression Remission or Response for Adolescents and Adults": the index
  is an elevated PHQ-9 (> 9); a response is a most recent PHQ-9 at least 50 % lower than the
  index. https://www.ncqa.org/report-cards/health-plans/state-of-health-care-quality-report/
  measures-list/depression-remission-or-response-for-adolescents-and-adults-drr-e
  Kroenke, Spitzer & Williams 2001 (J Gen Intern Med 16:606): PHQ-9 cut point 10 for
  moderate depression.
  The week-8 checkpoint is the program's choice (project issue): "PHQ-9 without a 50 % drop
  by week 8 of care is evidence for reassessment".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = [
    "INDEX_ABOVE",
    "WEEK_8_DAYS",
    "Phq9Progress",
    "Phq9Score",
    "first_and_latest",
    "judge",
    "progress",
    "week_8",
]

# NCQA DRR-E's index is an "elevated PHQ-9 (> 9)"; Kroenke 2001: 10 or more is moderate.
INDEX_ABOVE = 9
# The program's checkpoint (project issue): week 8 of care, day 56 after admission.
WEEK_8_DAYS = 56


@dataclass(frozen=True)
class Phq9Score:
    """One PHQ-9 result: the program's calendar day it was given on, and its total."""

    on: date
    total: int | None
    entered_in_error: bool = False


@dataclass(frozen=True)
class Phq9Progress:
    """The judgement, with the scores it rests on."""

    not_improving: bool | None  # None: not recorded (the fact does not apply)
    index: Phq9Score | None = None  # set when the fact applies
    follow_up: Phq9Score | None = None  # the latest PHQ-9 after the index, if any
    week_8: date | None = None  # admitted_on + 56 days, when the admission is known

    @property
    def since_index(self) -> str | None:
        """What came after the index, for the reason's sentence; None when not recorded."""
        if self.not_improving is None:
            return None
        if self.follow_up is None:
            return "no PHQ-9 since the index"
        return f"latest {self.follow_up.total} on {self.follow_up.on.isoformat()}"


def week_8(admitted_on: date) -> date:
    """The first day the fact is judged: week 8 of care, day 56 after admission."""
    return admitted_on + timedelta(days=WEEK_8_DAYS)


def first_and_latest(
    scores: Iterable[Phq9Score], *, admitted_on: date, day: date
) -> tuple[Phq9Score | None, Phq9Score | None]:
    """The episode's first valid PHQ-9 (the index) and its latest on or before ``day``,
    which is the index itself when there is no other. ``scores`` come oldest first; they
    are put in day order, keeping the order given within a day."""
    valid = sorted(
        (
            s
            for s in scores
            if not s.entered_in_error and s.total is not None and admitted_on <= s.on <= day
        ),
        key=lambda s: s.on,
    )
    if not valid:
        return None, None
    return valid[0], valid[-1]


def judge(
    index: Phq9Score | None,
    latest: Phq9Score | None,
    *,
    admitted_on: date | None,
    as_of: date,
) -> Phq9Progress:
    """Whether the PHQ-9 has failed to drop by half from its index by week 8 of care, on
    ``as_of`` (definition and sources in the module docstring)."""
    if admitted_on is None:
        return Phq9Progress(None)
    checkpoint = week_8(admitted_on)
    if (
        as_of < checkpoint
        or index is None
        or index.total is None
        or index.entered_in_error
        or not admitted_on <= index.on <= as_of
        or index.total <= INDEX_ABOVE
    ):
        return Phq9Progress(None, week_8=checkpoint)
    follow_up, responded = None, False
    if (
        latest is not None
        and latest.total is not None
        and not latest.entered_in_error
        and index.on < latest.on <= as_of
    ):
        follow_up = latest
        # DRR-E response: the most recent PHQ-9 at least 50 % lower than the index, that is
        # at most half of it (2 x latest <= index, in whole numbers: no rounding).
        responded = 2 * latest.total <= index.total
    return Phq9Progress(not responded, index=index, follow_up=follow_up, week_8=checkpoint)


def progress(scores: Iterable[Phq9Score], *, admitted_on: date, as_of: date) -> Phq9Progress:
    """The judgement straight from a client's PHQ-9 results (oldest first)."""
    index, latest = first_and_latest(scores, admitted_on=admitted_on, day=as_of)
    return judge(index, latest, admitted_on=admitted_on, as_of=as_of)
