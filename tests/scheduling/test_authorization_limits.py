"""Payer authorization limits in the exchange format, every scheduler, the checker and the
unmet diagnosis (issue 15), on hand-made, random and sample weeks."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stepdown.authorizations.rules import Service, UnitType
from stepdown.scheduling.authorized import allowance
from stepdown.scheduling.eligibility import Eligibility
from stepdown.scheduling.exchange import (
    DAYS,
    AuthorizationLimit,
    AuthorizedWeek,
    ExchangeError,
    Instance,
    Solution,
    Unit,
    load_instance,
    parse_instance,
)
from stepdown.scheduling.first_fit import first_fit
from stepdown.scheduling.plain import solve_plain
from stepdown.scheduling.replan import Sick, changed_instance, replan
from stepdown.scheduling.solver import solve
from stepdown.scheduling.unmet import unmet_for
from stepdown.scheduling.validator import check
from tests.scheduling.test_bound import grouped_bound, optimum, tiny_weeks

SHARED = Path(__file__).resolve().parents[3] / "shared" / "scheduling"
SMALL = SHARED / "small-1site-40.json"
MEDIUM = SHARED / "medium-3sites-300.json"
needs_samples = pytest.mark.skipif(
    not SMALL.exists(), reason="shared samples not beside the repository"
)
UNITS: tuple[Unit, ...] = ("day", "session", "visit", "unit_15")


def _with(instance: Instance, authorizations: dict[str, AuthorizedWeek | None]) -> Instance:
    data = instance.model_dump(mode="json")
    for client in data["clients"]:
        if client["id"] in authorizations:
            found = authorizations[client["id"]]
            client["authorization"] = found.model_dump(mode="json") if found else None
    return parse_instance(data)


def _units(unit: str, services: list[tuple[str, int, bool]]) -> int:
    """The payer's count, written out for the tests: (day, minutes, appointment) per service."""
    if unit == "day":
        return len({day for day, _, _ in services})
    if unit == "session":
        return len(services)
    if unit == "visit":
        return sum(appointment for _, _, appointment in services)
    return sum(minutes // 15 for _, minutes, _ in services)


def _services(instance: Instance, solution: Solution) -> dict[str, list[tuple[str, int, bool]]]:
    sessions = {s.id: s for s in instance.sessions}
    found: dict[str, list[tuple[str, int, bool]]] = defaultdict(list)
    for row in solution.attendance:
        session = sessions[row.session]
        found[row.client].append((session.day, session.minutes, False))
    for appointment in solution.appointments:
        found[appointment.client].append((appointment.day, appointment.minutes, True))
    return found


def _random_limits(instance: Instance, rng: random.Random, share: float) -> Instance:
    """Some clients get an authorization: a few days of the week, one limit of a random unit
    over some of them, with units from none to about what a compliant week uses."""
    most = {"day": 4, "session": 8, "visit": 2, "unit_15": 48}
    chosen: dict[str, AuthorizedWeek | None] = {}
    for client in instance.clients:
        if rng.random() >= share:
            continue
        days = sorted(rng.sample(DAYS, rng.randint(0, 7)), key=DAYS.index)
        limits = []
        if days and rng.random() < 0.8:
            unit = rng.choice(UNITS)
            counted = sorted(rng.sample(days, rng.randint(1, len(days))), key=DAYS.index)
            limits.append(
                AuthorizationLimit(
                    unit=unit, days=counted, units=rng.randint(0, most[unit]), reason="random"
                )
            )
        chosen[client.id] = AuthorizedWeek(days=days, limits=limits, reason="random")
    return _with(instance, chosen)


def _within(instance: Instance, solution: Solution) -> None:
    """Every authorization held, counted here rather than by the checker."""
    services = _services(instance, solution)
    for client in instance.clients:
        if client.authorization is None:
            continue
        mine = services[client.id]
        assert {day for day, _, _ in mine} <= set(client.authorization.days), client.id
        for limit in client.authorization.limits:
            counted = [s for s in mine if s[0] in limit.days]
            assert _units(limit.unit, counted) <= limit.units, (client.id, limit)


# ---- the exchange format -------------------------------------------------------------------


def _week(**client: Any) -> Instance:
    """One IOP client (9 h, one individual session, at most 5 days), a 3-hour group every
    weekday morning and a therapist free all day."""
    weekdays = DAYS[:5]
    record = {
        "id": "C1",
        "site": "S1",
        "level": "IOP",
        "age_group": "adult",
        "gender": "F",
        "availability": [{"day": d, "start": "08:00", "end": "18:00"} for d in weekdays],
        "primary_therapist": "T1",
        "individual_sessions": 1,
        "family_sessions": 0,
        **client,
    }
    return parse_instance(
        {
            "format": "stepdown-schedule-instance/1",
            "name": "week",
            "week_of": "2026-11-23",
            "levels": {"IOP": {"min_hours": 9, "max_hours": 15, "max_days": 5}},
            "individual_minutes": 60,
            "sites": ["S1"],
            "rooms": [{"id": "R1", "site": "S1", "capacity": 8}],
            "staff": [
                {
                    "id": "T1",
                    "site": "S1",
                    "topics": ["CBT"],
                    "availability": [
                        {"day": d, "start": "08:00", "end": "18:00"} for d in weekdays
                    ],
                    "max_hours": 40,
                }
            ],
            "sessions": [
                {
                    "id": f"G-{d}",
                    "site": "S1",
                    "day": d,
                    "start": "09:00",
                    "end": "12:00",
                    "topic": "CBT",
                    "levels": ["IOP"],
                    "audience": "adult",
                    "gender": "any",
                    "min_size": 1,
                    "max_size": 8,
                }
                for d in weekdays
            ],
            "clients": [record],
        }
    )


def test_an_instance_without_authorizations_still_loads_and_a_bad_one_is_named() -> None:
    assert _week().clients[0].authorization is None  # files written before the field
    with pytest.raises(ExchangeError) as outside:
        _week(authorization={"days": ["mon"], "limits": [{"unit": "day", "days": ["tue"]}]})
    assert str(outside.value).startswith("instance: clients.0.authorization")
    with pytest.raises(ExchangeError) as negative:
        _week(authorization={"days": ["mon"], "limits": [{"unit": "day", "days": [], "units": -1}]})
    assert "units" in str(negative.value)
    with pytest.raises(ExchangeError):
        _week(authorization={"days": ["mon", "mon"]})
    with pytest.raises(ExchangeError):
        _week(authorization={"days": ["mon"], "limits": [{"unit": "hour", "days": ["mon"]}]})


def test_a_used_up_visit_limit_leaves_groups_open_and_a_used_up_day_limit_does_not() -> None:
    def open_days(unit: Unit) -> frozenset[str]:
        limit = AuthorizationLimit(unit=unit, days=["mon", "tue"], units=0)
        return AuthorizedWeek(days=["mon", "tue", "wed"], limits=[limit]).open_days

    assert open_days("visit") == open_days("unit_15") == {"mon", "tue", "wed"}
    assert open_days("day") == open_days("session") == {"wed"}


# ---- the schedulers, the checker and the diagnosis on one client ----------------------------


def test_a_day_limit_places_what_it_allows_and_the_diagnosis_says_why_not_more() -> None:
    limit = {"unit": "day", "days": list(DAYS[:5]), "units": 1, "reason": "IOP authorization A-1"}
    week = _week(authorization={"days": list(DAYS[:5]), "limits": [limit]})
    for solution in (first_fit(week), solve(week, time_limit=3, workers=1)):
        report = check(week, solution)
        assert report.valid, report.violations
        days = {a.day for a in solution.appointments}
        days |= {s.id.removeprefix("G-") for s in solution.sessions}
        assert len(days) == 1
        assert report.client_hours["C1"] == 4  # one group and the appointment that day
        assert [u.reason for u in solution.unmet] == [
            "authorization: IOP authorization A-1: 1 day left this week, all scheduled; the week "
            "needs 3 days, 2 not authorized; scheduled 4 of 9 h"
        ]
    plain = solve_plain(week, time_limit=3, workers=1)
    assert plain.stats["status"] == "OPTIMAL"
    assert check(week, plain).valid
    assert check(week, plain).client_hours["C1"] == 4


def test_days_without_an_approved_authorization_get_nothing() -> None:
    week = _week(authorization={"days": [], "reason": "IOP authorization pending"})
    assert Eligibility(week).clients["C1"].sessions == ()
    assert Eligibility(week).clients["C1"].slots == ()
    solution = solve(week, time_limit=2, workers=1)
    assert (solution.attendance, solution.appointments) == ([], [])
    assert [u.reason for u in solution.unmet] == [
        "authorization: no approved authorization on Mon, Tue, Wed, Thu, Fri "
        "(IOP authorization pending); scheduled 0 of 9 h"
    ]
    # Two authorized days cannot hold 9 h: the authorization is why, not availability.
    two = _week(authorization={"days": ["mon", "tue"], "reason": "approved from 2026-11-25"})
    assert not Eligibility(two).can_comply("C1")
    assert [u.reason for u in unmet_for(Eligibility(two), first_fit(two))] == [
        "authorization: no approved authorization on Wed, Thu, Fri (approved from 2026-11-25); "
        "scheduled 7 of 9 h"
    ]


def test_a_visit_limit_of_none_costs_the_appointment_only() -> None:
    limit = {"unit": "visit", "days": ["mon"], "units": 0, "reason": "OP visits A-2"}
    week = _week(authorization={"days": list(DAYS[:5]), "limits": [limit]})
    solution = solve(week, time_limit=2, workers=1)
    assert check(week, solution).valid
    assert {a.day for a in solution.appointments} <= {"tue", "wed", "thu", "fri"}
    assert solution.unmet == []


def test_the_checker_refuses_a_day_no_authorization_covers_and_a_limit_exceeded() -> None:
    free = _week()
    solution = first_fit(free)
    used = {s.id.removeprefix("G-") for s in solution.sessions}
    assert len(used) == 3
    closed = _week(authorization={"days": sorted(used, key=DAYS.index)[1:]})
    rules = {v.rule for v in check(closed, solution).violations}
    assert rules == {"authorization"}
    capped = _week(
        authorization={
            "days": list(DAYS),
            "limits": [{"unit": "session", "days": list(DAYS), "units": 3, "reason": "A-3"}],
        }
    )
    [violation] = check(capped, solution).violations
    assert violation.message == (
        "client C1 uses 4 session units on mon, tue, wed, thu, fri, sat, sun, authorized 3 (A-3)"
    )


# ---- random weeks and limits ---------------------------------------------------------------


@st.composite
def limited_weeks(draw: st.DrawFn) -> Instance:
    """A tiny week (``test_bound.tiny_weeks``) whose clients may have authorizations."""
    instance = draw(tiny_weeks())
    chosen: dict[str, AuthorizedWeek | None] = {}
    for client in instance.clients:
        if not draw(st.booleans()):
            continue
        days = draw(st.lists(st.sampled_from(("mon", "tue", "wed")), unique=True))
        limits = []
        if days and draw(st.booleans()):
            unit = draw(st.sampled_from(UNITS))
            limits.append(
                AuthorizationLimit(
                    unit=unit,
                    days=draw(st.lists(st.sampled_from(days), min_size=1, unique=True)),
                    units=draw(st.integers(0, 12 if unit == "unit_15" else 2)),
                )
            )
        chosen[client.id] = AuthorizedWeek(days=days, limits=limits)
    return _with(instance, chosen)


@settings(
    max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(limited_weeks())
def test_limits_hold_in_every_scheduler_and_the_bound_stays_above_the_optimum(
    instance: Instance,
) -> None:
    """The plain model's proven optimum (``optimum`` also checks its week) is never above the
    optimizer's grouped bound, and the heuristic's week keeps every limit."""
    assert grouped_bound(instance) >= optimum(instance)
    week = first_fit(instance)
    assert check(instance, week).valid
    _within(instance, week)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    day=st.sampled_from(list(DAYS[:5])),
    unit=st.sampled_from(UNITS),
    over=st.integers(1, 5),
    data=st.data(),
)
def test_the_checker_refuses_any_week_over_a_limit_and_accepts_one_at_it(
    day: str, unit: Unit, over: int, data: st.DataObject
) -> None:
    """Any limit below what a valid week uses is a broken rule; at what it uses, none."""
    solution = first_fit(_week())
    mine = _services(_week(), solution)["C1"]
    days = data.draw(st.lists(st.sampled_from(list(DAYS)), min_size=1, unique=True))
    uses = _units(unit, [s for s in mine if s[0] in days])

    def limited(units: int) -> Instance:
        return _week(
            authorization={
                "days": list(DAYS),
                "limits": [{"unit": unit, "days": days, "units": units}],
            }
        )

    assert check(limited(uses), solution).valid
    if uses:
        broken = check(limited(max(uses - over, 0)), solution).violations
        assert [v.rule for v in broken] == ["authorization"]
    served = {s[0] for s in mine}
    if day in served:
        closed = [d for d in DAYS if d != day]
        report = check(_week(authorization={"days": closed}), solution)
        assert {v.rule for v in report.violations} == {"authorization"}


MONDAY = date(2026, 11, 23)


@st.composite
def services(draw: st.DrawFn) -> list[Service]:
    return [
        Service(
            MONDAY + timedelta(days=draw(st.integers(-21, 27))),
            draw(st.booleans()),
            draw(st.booleans()),
            draw(st.sampled_from((45, 60, 90, 180))),
        )
        for _ in range(draw(st.integers(0, 30)))
    ]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    unit=st.sampled_from(list(UnitType)),
    approved=st.one_of(st.none(), st.integers(0, 40)),
    cap=st.one_of(st.none(), st.integers(1, 7)),
    starts=st.integers(-21, 7),
    length=st.integers(0, 40),
    rebuilt=st.integers(0, 6),
    found=services(),
    booked=services(),
)
def test_the_allowance_is_never_negative_nor_over_the_cap_and_ignores_the_weeks_own_bookings(
    unit: UnitType,
    approved: int | None,
    cap: int | None,
    starts: int,
    length: int,
    rebuilt: int,
    found: list[Service],
    booked: list[Service],
) -> None:
    starts_on = MONDAY + timedelta(days=starts)
    ends_on = starts_on + timedelta(days=length)
    rebuilt_from = MONDAY + timedelta(days=rebuilt)

    def figures(extra: list[Service]) -> int:
        return allowance(
            unit,
            approved,
            cap,
            starts_on,
            ends_on,
            [*found, *extra],
            monday=MONDAY,
            rebuilt_from=rebuilt_from,
        ).units

    units = figures([])
    assert 0 <= units <= (approved or 0)
    assert cap is None or units <= cap
    # Bookings on the days being built are what the build decides: they change nothing.
    sunday = MONDAY + timedelta(days=6)
    own = [s for s in booked if rebuilt_from <= s.day <= sunday and not s.attended]
    assert figures(own) == units
    # Anything attended, or booked on other days, can only leave less.
    assert figures([s for s in booked if s not in own]) <= units


# ---- the samples, with random limits -------------------------------------------------------


@needs_samples
def test_the_optimizer_keeps_random_limits_on_the_small_sample() -> None:
    instance = _random_limits(load_instance(SMALL), random.Random(15), share=0.6)
    solution = solve(instance, time_limit=4, workers=2, seed=0)
    report = check(instance, solution)
    assert report.valid, report.violations[:3]
    _within(instance, solution)
    assert report.compliant <= int(solution.stats["compliant_bound"])
    assert report.compliant >= check(instance, first_fit(instance)).compliant
    reasons = {u.client: u.reason for u in solution.unmet}
    limited = {c.id for c in instance.clients if c.authorization is not None}
    assert any(r.startswith("authorization: ") for c, r in reasons.items() if c in limited)
    assert not any("authorization" in r for c, r in reasons.items() if c not in limited)


@needs_samples
def test_the_heuristic_and_the_plain_model_keep_random_limits_on_the_samples() -> None:
    medium = _random_limits(load_instance(MEDIUM), random.Random(16), share=0.5)
    week = first_fit(medium)
    assert check(medium, week).valid
    _within(medium, week)
    small = _random_limits(load_instance(SMALL), random.Random(17), share=0.6)
    plain = solve_plain(small, time_limit=3, workers=2)
    assert check(small, plain).valid
    _within(small, plain)


@needs_samples
def test_replanning_keeps_the_limits_of_the_published_week() -> None:
    instance = _random_limits(load_instance(SMALL), random.Random(18), share=0.6)
    published = first_fit(instance)
    busiest = max(
        instance.staff, key=lambda p: sum(r.leader == p.id for r in published.sessions)
    ).id
    week = replan(
        instance, published, change=Sick(busiest), from_day="wed", time_limit=3, workers=1
    )
    changed = changed_instance(instance, Sick(busiest), "wed")
    assert check(changed, week).valid
    _within(changed, week)


def test_a_limit_counts_quarter_hours_of_each_service() -> None:
    """A 3-hour group is 12 units and the hour's appointment 4: 16 fit one group and the
    appointment, not two groups."""
    limit = {"unit": "unit_15", "days": list(DAYS[:5]), "units": 16}
    week = _week(authorization={"days": list(DAYS[:5]), "limits": [limit]})
    solution = solve(week, time_limit=2, workers=1)
    report = check(week, solution)
    assert report.valid
    assert report.client_hours["C1"] == 4
