"""Unmet diagnosis: reasons a coordinator can act on, own limits told apart from competition."""

from __future__ import annotations

from stepdown.scheduling.eligibility import Eligibility
from stepdown.scheduling.exchange import Instance
from stepdown.scheduling.solver import solve
from stepdown.scheduling.unmet import own_availability_reason
from tests.scheduling.test_exchange import week_data, window


def test_too_little_availability_names_hours_and_when() -> None:
    data = week_data(days=("mon", "thu"))
    data["clients"][0]["availability"] = [window("thu", "08:00", "10:45")]
    elig = Eligibility(Instance.model_validate(data))
    assert not elig.can_comply("C1")
    assert own_availability_reason(elig, "C1") == (
        "IOP needs 4 h; availability holds eligible sessions worth only 1.5 h "
        "(+1 h appointments) (Thu mornings)"
    )


def test_no_common_hour_with_therapist() -> None:
    data = week_data()
    data["staff"][0]["availability"] = [window("mon", "08:00", "17:00")]
    data["clients"][0]["availability"] = [window("tue", "08:00", "17:00")]
    data["clients"][0]["family_sessions"] = 1
    elig = Eligibility(Instance.model_validate(data))
    reason = own_availability_reason(elig, "C1")
    assert reason is not None
    assert reason.startswith(
        "no common free hour with primary therapist T1 for 1 individual session + 1 family session"
    )


def test_no_eligible_session_at_all() -> None:
    data = week_data()
    data["clients"][0]["age_group"] = "adolescent"
    elig = Eligibility(Instance.model_validate(data))
    reason = own_availability_reason(elig, "C1")
    assert reason is not None
    assert "no IOP adolescent session open to gender F at S1 or by telehealth" in reason


def test_compliable_client_has_no_own_reason() -> None:
    elig = Eligibility(Instance.model_validate(week_data()))
    assert elig.can_comply("C1")
    assert own_availability_reason(elig, "C1") is None


def test_competition_is_reported_as_such() -> None:
    # One day, groups of at most 2: of three clients with the same needs, one is left short.
    data = week_data(clients=3, days=("mon",), max_size=2)
    data["rooms"] = data["rooms"][:1]
    solution = solve(Instance.model_validate(data), time_limit=2)
    assert len(solution.unmet) == 1
    unmet = solution.unmet[0]
    assert unmet.reason == "sessions full/leaders busy: scheduled 1 of 4 h"
    assert unmet.short_hours == 3
