"""Eligibility: the feasible pairs every scheduler builds on, and the availability bound."""

from __future__ import annotations

from stepdown.scheduling.eligibility import Eligibility
from stepdown.scheduling.exchange import Instance, week_minute
from tests.scheduling.test_exchange import week_data, window


def test_leaders_rooms_and_sessions_follow_the_rules() -> None:
    data = week_data(days=("mon",))
    data["staff"][1]["topics"] = ["B"]
    data["rooms"][1]["capacity"] = 1
    data["clients"][1]["availability"] = [window("mon", "10:45", "17:00")]
    elig = Eligibility(Instance.model_validate(data))
    assert elig.leaders["G1"] == ("T1",)
    assert [room.id for room in elig.rooms["G1"]] == ["R1"]
    assert elig.clients["C1"].sessions == ("G1", "G2")
    assert elig.clients["C2"].sessions == ("G2",)


def test_appointment_slots_fit_both_availabilities() -> None:
    data = week_data(days=("mon",))
    data["staff"][0]["availability"] = [window("mon", "12:00", "15:00")]
    elig = Eligibility(Instance.model_validate(data))
    slots = elig.clients["C1"].slots
    assert slots
    assert all(week_minute("mon", "12:00") <= t <= week_minute("mon", "14:00") for t in slots)


def test_max_days_limits_what_availability_can_hold() -> None:
    data = week_data(days=("mon", "tue", "wed"))
    data["levels"]["IOP"]["max_days"] = 1
    data["sessions"] = [s for s in data["sessions"] if s["start"] == "09:00"]
    elig = Eligibility(Instance.model_validate(data))
    assert not elig.can_comply("C1")


def test_restricted_narrows_sessions_and_recomputes_the_bound() -> None:
    elig = Eligibility(Instance.model_validate(week_data(days=("mon", "tue"))))
    assert elig.can_comply("C1")
    narrowed = elig.restricted(lambda cid, sid: cid != "C1" or sid == "G1")
    assert narrowed.clients["C1"].sessions == ("G1",)
    assert not narrowed.can_comply("C1")
    assert elig.can_comply("C1")
