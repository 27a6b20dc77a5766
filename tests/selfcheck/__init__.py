"""Answer sets shared by the self-check tests: one typical person per suggestion."""

from __future__ import annotations

# Uses a few times a week, works, steady home: the program's typical IOP client.
IOP_WORKING: dict[str, str] = {
    "self_harm": "no",
    "overdose": "no",
    "withdrawal": "uncomfortable",
    "use_frequency": "weekly",
    "duration": "few_years",
    "cravings": "sometimes",
    "past_attempts": "once_or_twice",
    "recent_care": "no",
    "structure": "few_days",
    "home": "yes",
    "commitments": "yes",
    "support": "some",
}
# Just out of detox, daily use, needs medical eyes on them every day.
PHP_AFTER_DETOX: dict[str, str] = {
    **IOP_WORKING,
    "use_frequency": "daily",
    "duration": "many_years",
    "cravings": "most_days",
    "past_attempts": "many_times",
    "recent_care": "detox",
    "structure": "daily_medical",
    "commitments": "no",
    "support": "none",
}
# Finished IOP, rarely craves, good people around them.
OP_AFTER_IOP: dict[str, str] = {
    **IOP_WORKING,
    "withdrawal": "nothing",
    "use_frequency": "sometimes",
    "duration": "under_a_year",
    "cravings": "rarely",
    "past_attempts": "first_time",
    "recent_care": "intensive_outpatient",
    "structure": "weekly",
    "support": "strong",
}
