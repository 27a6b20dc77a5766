"""The set-up checklist: what a new program still needs before its first week.

Each step is judged from counts the service reads, so the rule is a pure function and the
checklist can never claim a step done that the data does not show.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SetupFacts:
    has_contact_details: bool  # the program's phone and address, printed on every handout
    open_sites: int
    open_sites_without_rooms: tuple[str, ...]  # site codes
    in_house_levels: int
    partners: int  # active partner providers for referral out
    clinical_staff: int  # active clinicians and case managers
    staff_without_profile: tuple[str, ...]  # names of active clinicians with no profile
    time_blocks: int
    group_sessions: int


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    href: str
    done: bool
    detail: str


def checklist(facts: SetupFacts) -> list[Step]:
    """The steps in the order a new program takes them; each says what is missing."""
    rooms_missing = ", ".join(facts.open_sites_without_rooms)
    profiles_missing = ", ".join(facts.staff_without_profile)
    return [
        Step(
            "program",
            "Program details",
            "/setup/program",
            facts.has_contact_details,
            "Name, phone and address as printouts show them"
            if facts.has_contact_details
            else "Add the program's phone and address: printouts and letters carry them",
        ),
        Step(
            "sites",
            "Sites",
            "/setup/sites",
            facts.open_sites > 0,
            f"{facts.open_sites} open site(s)" if facts.open_sites else "Add the first site",
        ),
        Step(
            "rooms",
            "Rooms",
            "/programs#rooms",
            facts.open_sites > 0 and not facts.open_sites_without_rooms,
            f"No rooms yet at {rooms_missing}"
            if rooms_missing
            else ("Every open site has rooms" if facts.open_sites else "Add a site first"),
        ),
        Step(
            "levels",
            "Levels of care",
            "/levels",
            facts.in_house_levels > 0,
            f"{facts.in_house_levels} level(s) provided in house: check their hours"
            if facts.in_house_levels
            else "No level is provided in house",
        ),
        Step(
            "partners",
            "Partner providers",
            "/levels#partners",
            facts.partners > 0,
            f"{facts.partners} partner(s) for detox and residential referrals"
            if facts.partners
            else "Add where clients are referred for detox and residential care",
        ),
        Step(
            "accounts",
            "Staff accounts",
            "/users",
            facts.clinical_staff > 0,
            f"{facts.clinical_staff} clinical account(s)"
            if facts.clinical_staff
            else "Create an account for each clinician and case manager",
        ),
        Step(
            "profiles",
            "Staff schedule profiles",
            "/programs#staff",
            facts.clinical_staff > 0 and not facts.staff_without_profile,
            f"No profile yet: {profiles_missing}"
            if profiles_missing
            else (
                "Every clinician can be scheduled"
                if facts.clinical_staff
                else "Create clinical accounts first"
            ),
        ),
        Step(
            "week",
            "Time blocks and groups",
            "/programs#blocks",
            facts.time_blocks > 0 and facts.group_sessions > 0,
            f"{facts.time_blocks} time block(s), {facts.group_sessions} candidate group(s)"
            if facts.time_blocks
            else "Add the program's time blocks, then its candidate groups",
        ),
    ]
