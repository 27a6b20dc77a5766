"""Treatment-plan rules, pure: review dates, objective status transitions, what a plan needs
before it can be signed, and what signing freezes.

Sources for the defaults (public references, to confirm against the program's state rules
and accreditor): plans are "typically reviewed every 30 days or per facility policy"
(open-exam-prep.com, ICRC study guide 3.5 "Treatment Planning"); "every 30-90 days in
treatment depending on the treatment episode length" (improvingmipractices.org,
"Treatment plan"); state standards list the elements and ask for the review date and the
dated signatures of staff and client (Kansas K.A.R. R03-606, "Treatment Planning and
Updates", via aging.ks.gov). Hence a 30-day default that each plan may change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from stepdown.kit.errors import Conflict, Invalid
from stepdown.treatment_plans.models import ObjectiveStatus, PlanStatus

DEFAULT_REVIEW_INTERVAL_DAYS = 30
MIN_REVIEW_INTERVAL_DAYS = 7
MAX_REVIEW_INTERVAL_DAYS = 90

S = ObjectiveStatus
# Which status an objective may move to. Chosen so that the record stays truthful:
# - "discontinued" is final: an objective dropped from the plan is not resumed; a new one
#   is written instead, so the history shows the decision.
# - "met" is final except for "revised": a met objective may be raised to a new target
#   (e.g. 30 days abstinent met, now 90), which is a revision, not "still in progress".
# - "revised" (reworded or retargeted) continues like an objective in progress.
# - Nothing goes back to "not started".
TRANSITIONS: dict[ObjectiveStatus, frozenset[ObjectiveStatus]] = {
    S.NOT_STARTED: frozenset({S.IN_PROGRESS, S.MET, S.REVISED, S.DISCONTINUED}),
    S.IN_PROGRESS: frozenset({S.MET, S.REVISED, S.DISCONTINUED}),
    S.REVISED: frozenset({S.IN_PROGRESS, S.MET, S.DISCONTINUED}),
    S.MET: frozenset({S.REVISED}),
    S.DISCONTINUED: frozenset(),
}
# Objectives still being worked on, for summaries.
OPEN_STATUSES = frozenset({S.IN_PROGRESS, S.REVISED})


def validate_interval(days: int) -> int:
    if not MIN_REVIEW_INTERVAL_DAYS <= days <= MAX_REVIEW_INTERVAL_DAYS:
        raise Invalid(
            f"review every {MIN_REVIEW_INTERVAL_DAYS} to {MAX_REVIEW_INTERVAL_DAYS} days",
            field="review_interval_days",
        )
    return days


def next_review_due(*, started_on: date, last_review_on: date | None, interval_days: int) -> date:
    """Counted from the last review, or from the day the plan took effect if none yet."""
    return (last_review_on or started_on) + timedelta(days=interval_days)


def is_overdue(due: date | None, today: date) -> bool:
    """Due today is not yet overdue: the review may still happen today."""
    return due is not None and today > due


def days_overdue(due: date, today: date) -> int:
    return max((today - due).days, 0)


def check_transition(current: ObjectiveStatus, new: ObjectiveStatus) -> None:
    if new is current:
        raise Conflict(
            f"the objective is already {current.label.lower()}",
            rule="objective.status_unchanged",
        )
    if new not in TRANSITIONS[current]:
        raise Conflict(
            f"an objective that is {current.label.lower()} cannot become {new.label.lower()}",
            rule="objective.transition_not_allowed",
        )


def check_change_date(
    changed_on: date, *, today: date, effective_on: date | None, last_change_on: date | None
) -> None:
    """A status change is dated within the signed plan's life and after the last one."""
    if changed_on > today:
        raise Invalid("a status change cannot be dated in the future", field="changed_on")
    if effective_on is not None and changed_on < effective_on:
        raise Invalid(
            f"date it on or after the plan took effect ({effective_on.isoformat()})",
            field="changed_on",
        )
    if last_change_on is not None and changed_on < last_change_on:
        raise Invalid(
            f"date it on or after the objective's last change ({last_change_on.isoformat()})",
            field="changed_on",
        )


def check_review_date(
    reviewed_on: date, *, today: date, effective_on: date | None, last_review_on: date | None
) -> None:
    if reviewed_on > today:
        raise Invalid("a review cannot be dated in the future", field="reviewed_on")
    if effective_on is not None and reviewed_on < effective_on:
        raise Invalid(
            f"date it on or after the plan took effect ({effective_on.isoformat()})",
            field="reviewed_on",
        )
    if last_review_on is not None and reviewed_on < last_review_on:
        raise Invalid(
            f"date it on or after the last review ({last_review_on.isoformat()})",
            field="reviewed_on",
        )


@dataclass(frozen=True)
class GoalShape:
    objective_count: int


@dataclass(frozen=True)
class ProblemShape:
    goals: tuple[GoalShape, ...]


def signing_gaps(problems: Sequence[ProblemShape], intervention_count: int) -> list[str]:
    """What the plan lacks before it can be signed; empty when complete.

    Every problem needs a goal and every goal a measurable objective (target dates are
    required on objectives by the schema), so nothing signed is left half-written.
    """
    gaps: list[str] = []
    if not problems:
        gaps.append("add at least one problem")
    for n, problem in enumerate(problems, start=1):
        if not problem.goals:
            gaps.append(f"problem {n} needs a goal in the client's words")
        for m, goal in enumerate(problem.goals, start=1):
            if goal.objective_count == 0:
                gaps.append(f"goal {n}.{m} needs a measurable objective with a target date")
    if intervention_count == 0:
        gaps.append("add at least one intervention")
    return gaps


def check_editable(status: PlanStatus, *, clinician_signed: bool) -> None:
    """Signing freezes the content. A draft the clinician has signed is frozen too (the client
    signs what the clinician signed); the clinician may reopen it while the client has not
    signed. An active or superseded version is changed only by revising it."""
    if status is not PlanStatus.DRAFT:
        raise Conflict(
            "this plan version is signed and its content is frozen; revise it to make a new "
            "draft version",
            rule="plan.signed_is_frozen",
        )
    if clinician_signed:
        raise Conflict(
            "the clinician has signed this draft; reopen it before changing its content",
            rule="plan.signed_is_frozen",
        )


def check_target_date(target: date, *, today: date) -> None:
    """A new or edited objective aims at a day still to come (a past target is not a plan)."""
    if target < today:
        raise Invalid("the target date must be today or later", field="target_date")


def clean_text(value: str, field: str, what: str, *, limit: int = 2000) -> str:
    text = value.strip()
    if not text:
        raise Invalid(f"enter {what}", field=field)
    if len(text) > limit:
        raise Invalid(f"keep it under {limit} characters", field=field)
    return text
