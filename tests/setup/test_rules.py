"""The checklist says what is missing, step by step, and never claims a step it cannot see."""

from __future__ import annotations

from dataclasses import replace

from stepdown.setup.rules import SetupFacts, checklist

EMPTY = SetupFacts(
    has_contact_details=False,
    open_sites=0,
    open_sites_without_rooms=(),
    in_house_levels=4,
    partners=0,
    clinical_staff=0,
    staff_without_profile=(),
    time_blocks=0,
    group_sessions=0,
)
READY = SetupFacts(
    has_contact_details=True,
    open_sites=2,
    open_sites_without_rooms=(),
    in_house_levels=4,
    partners=3,
    clinical_staff=5,
    staff_without_profile=(),
    time_blocks=6,
    group_sessions=20,
)


def _done(facts: SetupFacts) -> dict[str, bool]:
    return {step.key: step.done for step in checklist(facts)}


def test_an_empty_program_has_everything_but_the_seeded_levels_to_do() -> None:
    assert _done(EMPTY) == {
        "program": False,
        "sites": False,
        "rooms": False,
        "levels": True,
        "partners": False,
        "accounts": False,
        "profiles": False,
        "week": False,
    }


def test_a_ready_program_has_every_step_done() -> None:
    assert all(_done(READY).values())


def test_a_site_without_rooms_is_named() -> None:
    steps = {s.key: s for s in checklist(replace(READY, open_sites_without_rooms=("S2",)))}
    assert not steps["rooms"].done
    assert "S2" in steps["rooms"].detail


def test_a_clinician_without_a_profile_is_named() -> None:
    steps = {s.key: s for s in checklist(replace(READY, staff_without_profile=("Dana Cruz",)))}
    assert not steps["profiles"].done
    assert "Dana Cruz" in steps["profiles"].detail


def test_blocks_without_groups_are_not_a_week() -> None:
    assert not _done(replace(READY, group_sessions=0))["week"]
