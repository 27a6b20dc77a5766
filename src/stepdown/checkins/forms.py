"""The check-in form shared by the client's portal and the chart's Check-ins tab.

One form, so a check-in read out over the phone asks exactly what the client would have
been asked. Framework-free: the pages read the posted fields and hand them here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from stepdown.checkins import rules
from stepdown.checkins.rules import CheckInError
from stepdown.kit.errors import Invalid, StepdownError

TEXT_FIELDS = (
    "craving",
    "mood",
    "sleep_hours",
    "sleep_quality",
    "used_since_last",
    "substance",
    "self_harm_thoughts",
    "risky_other",
    "note",
)


@dataclass(frozen=True)
class CheckInForm:
    """What the shared form template needs: where it posts, what was typed, what failed."""

    action: str
    values: Mapping[str, str] = field(default_factory=dict)
    situations: Sequence[str] = ()
    error: StepdownError | None = None
    risky_choices: tuple[rules.RiskySituation, ...] = tuple(rules.RiskySituation)
    scale: range = range(rules.SCALE_MIN, rules.SCALE_MAX + 1)
    craving_labels: Mapping[int, str] = field(default_factory=lambda: rules.CRAVING_LABELS)
    mood_labels: Mapping[int, str] = field(default_factory=lambda: rules.MOOD_LABELS)
    sleep_quality_labels: Mapping[int, str] = field(
        default_factory=lambda: rules.SLEEP_QUALITY_LABELS
    )

    def invalid(self, name: str) -> bool:
        return self.error is not None and self.error.field == name


def _whole(values: Mapping[str, str], name: str, what: str) -> int | None:
    raw = values.get(name, "")
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise Invalid(f"{raw!r} is not a {what}", field=name) from None


def draft_from(values: Mapping[str, str], situations: Sequence[str]) -> rules.Draft:
    """A form's answers as a draft; blanks stay blank so ``rules.validate`` names them."""
    used = values.get("used_since_last", "")
    self_harm = values.get("self_harm_thoughts", "")
    try:
        sleep_hours = rules.parse_sleep_hours(values.get("sleep_hours", ""))
    except CheckInError as exc:
        raise Invalid(exc.message, field=exc.field) from None
    return rules.Draft(
        craving=_whole(values, "craving", "craving rating"),
        mood=_whole(values, "mood", "mood rating"),
        used_since_last={"yes": True, "no": False}.get(used),
        sleep_hours=sleep_hours,
        sleep_quality=_whole(values, "sleep_quality", "sleep quality"),
        risky_situations=tuple(situations),
        risky_other=values.get("risky_other", ""),
        substance=values.get("substance", ""),
        note=values.get("note", ""),
        # The form asks it every time: a blank is refused, never taken as "no".
        self_harm_thoughts={"yes": True, "no": False}.get(self_harm),
        self_harm_required=True,
    )
