"""Payer authorizations as a hard limit of the live week's builds (issue 15), end to end: the
authorization recorded through its service, each week exported, solved by the optimizer,
stored and published through the scheduling service, and the balance read back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.authorizations import service as authorizations_service
from stepdown.authorizations.models import Authorization
from stepdown.authorizations.rules import AuthStatus, UnitType
from stepdown.authorizations.schemas import AuthorizationRequest, Decision
from stepdown.calendar.models import BookingStatus, SessionOccurrence, SessionSeat
from stepdown.clients.models import Client
from stepdown.continuum.models import Episode
from stepdown.coverage import service as coverage_service
from stepdown.kit.errors import Conflict
from stepdown.programs import export as programs_export
from stepdown.scheduling import service
from stepdown.scheduling.exchange import Instance
from stepdown.scheduling.first_fit import first_fit
from stepdown.scheduling.solver import solve
from stepdown.scheduling.validator import check
from tests.coverage.factories import make_coverage, make_payer
from tests.factories import SYSTEM
from tests.scheduling.test_tasks import LATER, Program, small_program

WEEKS = [LATER + timedelta(weeks=n) for n in range(4)]


@dataclass
class Case:
    program: Program
    capped: Client  # IOP authorization: 10 days approved, at most 3 a week, for four weeks
    waiting: Client  # IOP authorization still pending
    free: Client  # no authorization at all

    @property
    def clients(self) -> list[Client]:
        return [self.capped, self.waiting, self.free]


def _authorize(
    session: Session, client: Client, *, approved: int | None, per_week: int | None = None
) -> Authorization:
    episode = session.scalars(select(Episode).where(Episode.client_id == client.id)).one()
    coverage = make_coverage(
        session, coverage_service.Owner(client_id=client.id), make_payer(session)
    )
    found = authorizations_service.request_authorization(
        session,
        actor=SYSTEM,
        episode_id=episode.id,
        data=AuthorizationRequest(
            coverage_id=coverage.id,
            level_code="IOP",
            unit_type=UnitType.DAY,
            codes=["S9480"],
            requested_units=12,
            per_week_cap=per_week,
            starts_on=WEEKS[0],
            ends_on=WEEKS[-1] + timedelta(days=6),
        ),
    )
    if approved is not None:
        authorizations_service.record_decision(
            session,
            actor=SYSTEM,
            authorization_id=found.id,
            data=Decision(status=AuthStatus.PARTIAL, approved_units=approved, auth_number="A-10"),
        )
    return found


@pytest.fixture
def case(session: Session) -> Case:
    program = small_program(session, clients=3)
    capped, waiting, free = program.clients
    _authorize(session, capped, approved=10, per_week=3)
    _authorize(session, waiting, approved=None)
    return Case(program, capped, waiting, free)


def _build_and_publish(session: Session, monday: date) -> tuple[Instance, dict[str, Any]]:
    build = service.request_build(session, actor=SYSTEM, week_of=monday, time_limit=5)
    work = service.start_build(session, actor=SYSTEM, build_id=build.id)
    assert work is not None
    instance = work.export.instance
    solution = solve(instance, time_limit=work.time_limit, workers=1)
    assert check(instance, solution).valid
    summary = service.summarize(instance, solution, skipped=work.export.skipped, method="optimizer")
    service.finish_build(
        session,
        actor=SYSTEM,
        build_id=build.id,
        export=work.export,
        solution=solution,
        summary=summary,
    )
    service.publish_build(session, actor=SYSTEM, build_id=build.id)
    return instance, summary


def _days_booked(session: Session, client: Client) -> set[date]:
    return set(
        session.scalars(
            select(SessionOccurrence.day)
            .join(SessionSeat, SessionSeat.occurrence_id == SessionOccurrence.id)
            .where(
                SessionSeat.client_id == client.id,
                SessionSeat.status == BookingStatus.SCHEDULED,
                SessionOccurrence.status == BookingStatus.SCHEDULED,
            )
        )
    )


def test_ten_authorized_days_of_the_twelve_wanted_are_placed_and_the_two_others_explained(
    session: Session, case: Case
) -> None:
    numbers = {c.id: c.record_number for c in case.clients}
    units = []
    for monday in WEEKS:
        instance, summary = _build_and_publish(session, monday)
        records = {c.id: c for c in instance.clients}
        capped = records[numbers[case.capped.id]].authorization
        assert capped is not None
        assert len(capped.limits) == 1
        units.append(capped.limits[0].units)
        assert records[numbers[case.free.id]].authorization is None
        waiting = records[numbers[case.waiting.id]].authorization
        assert waiting is not None
        assert (waiting.days, waiting.reason) == ([], "IOP authorization pending")
        unmet = {u["client"]: u["reason"] for u in summary["unmet"]}
        assert numbers[case.free.id] not in unmet  # nothing limits them: three days, compliant
        assert str(unmet[numbers[case.waiting.id]]).startswith(
            "authorization: no approved authorization on Mon, Tue, Wed, Thu, Fri "
            "(IOP authorization pending)"
        )
    # IOP asks for 3 days a week (9 h of 3-hour groups): 12 days over the four weeks. The
    # weekly cap allows 3, and the 10 approved leave 1 for the last week.
    assert units == [3, 3, 3, 1]
    placed = _days_booked(session, case.capped)
    assert len(placed) == 10
    assert all(WEEKS[0] <= day < WEEKS[-1] + timedelta(days=7) for day in placed)
    assert len([day for day in placed if day >= WEEKS[-1]]) == 1
    reason = unmet[numbers[case.capped.id]]
    assert str(reason).startswith(
        f"authorization: IOP authorization A-10: 10 days approved for {WEEKS[0]} to "
        f"{WEEKS[-1] + timedelta(days=6)}, 9 used or planned on other days, at most 3 a week: "
        "1 day left this week, all scheduled; the week needs 3 days, 2 not authorized; "
        "scheduled "
    )
    assert not _days_booked(session, case.waiting)
    assert len(_days_booked(session, case.free)) == 12
    # The authorization's own balance agrees: 10 planned, nothing booked beyond the approval.
    found = session.scalars(
        select(Authorization).where(Authorization.client_id == case.capped.id)
    ).one()
    balance = authorizations_service.view_of(session, found, on=WEEKS[0]).balance
    assert (balance.approved, balance.used, balance.planned, balance.short) == (10, 0, 10, 0)


def test_a_week_built_again_does_not_count_its_own_bookings_against_it(
    session: Session, case: Case
) -> None:
    number = case.capped.record_number

    def limit_of(instance: Instance) -> int:
        record = next(c for c in instance.clients if c.id == number)
        assert record.authorization is not None
        return record.authorization.limits[0].units

    first, _ = _build_and_publish(session, WEEKS[0])
    again, summary = _build_and_publish(session, WEEKS[0])
    assert limit_of(first) == limit_of(again) == 3
    assert number not in {u["client"] for u in summary["unmet"]}
    # Built from Wednesday, Monday and Tuesday's bookings stay and count against the week.
    build = service.request_build(
        session, actor=SYSTEM, week_of=WEEKS[0], time_limit=5, applies_from=WEEKS[0] + timedelta(2)
    )
    work = service.start_build(session, actor=SYSTEM, build_id=build.id)
    assert work is not None
    kept = len([d for d in _days_booked(session, case.capped) if d < WEEKS[0] + timedelta(2)])
    assert limit_of(work.export.instance) == 3 - kept


def test_a_solution_made_without_the_authorizations_is_not_applied(
    session: Session, case: Case
) -> None:
    """`apply` checks a file against the live week exported again, limits included."""
    free = programs_export.week_instance(session, actor=SYSTEM, week_of=WEEKS[0])
    unlimited = first_fit(free.instance)
    assert case.waiting.record_number in {a.client for a in unlimited.attendance}
    with pytest.raises(Conflict) as refused:
        service.apply_solution(session, actor=SYSTEM, solution=unlimited)
    assert refused.value.rule == "schedule.authorization"
    assert case.waiting.record_number in refused.value.message
