"""The publish diff, from plain facts: what is inserted, updated, cancelled or left alone."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from stepdown.calendar.publish_rules import (
    BookedAppointment,
    BookedGroup,
    Op,
    PlannedAppointment,
    PlannedGroup,
    affected_clients,
    plan_appointments,
    plan_groups,
)

MONDAY = date(2026, 11, 23)
WEDNESDAY = MONDAY + timedelta(days=2)
CLIENTS = [uuid.UUID(int=i) for i in range(1, 7)]
LEADERS = [uuid.UUID(int=100 + i) for i in range(3)]
ROOMS = [uuid.UUID(int=200 + i) for i in range(2)]


def booked(code: str, day: date, members: set[uuid.UUID], *, scheduled: bool = True) -> BookedGroup:
    return BookedGroup(
        ref=uuid.uuid5(uuid.NAMESPACE_OID, f"{code}{day}"),
        code=code,
        day=day,
        room_id=ROOMS[0],
        leader_id=LEADERS[0],
        scheduled=scheduled,
        seated=frozenset(members),
    )


def planned(code: str, day: date, members: set[uuid.UUID], leader: int = 0) -> PlannedGroup:
    return PlannedGroup(code, day, ROOMS[0], LEADERS[leader], frozenset(members))


def test_a_first_publish_inserts_every_group_with_its_seats() -> None:
    actions = plan_groups([], [planned("S1-G1", MONDAY, {CLIENTS[0], CLIENTS[1]})], MONDAY)
    assert [(a.op, a.seats_added) for a in actions] == [
        (Op.INSERT, frozenset({CLIENTS[0], CLIENTS[1]}))
    ]


def test_a_kept_group_diffs_its_seats_and_a_dropped_one_is_cancelled() -> None:
    old = [
        booked("S1-G1", WEDNESDAY, {CLIENTS[0], CLIENTS[1]}),
        booked("S1-G2", WEDNESDAY, {CLIENTS[2]}),
    ]
    new = [planned("S1-G1", WEDNESDAY, {CLIENTS[1], CLIENTS[3]})]
    actions = {a.code: a for a in plan_groups(old, new, MONDAY)}
    assert actions["S1-G1"].op is Op.UPDATE
    assert actions["S1-G1"].seats_added == {CLIENTS[3]}
    assert actions["S1-G1"].seats_cancelled == {CLIENTS[0]}
    assert actions["S1-G2"].op is Op.CANCEL
    assert actions["S1-G2"].seats_cancelled == {CLIENTS[2]}
    assert affected_clients(list(actions.values()), []) == {CLIENTS[0], CLIENTS[2], CLIENTS[3]}


def test_an_unchanged_group_is_kept_and_a_new_leader_is_an_update() -> None:
    old = [booked("S1-G1", MONDAY, {CLIENTS[0]}), booked("S1-G2", MONDAY, {CLIENTS[1]})]
    new = [planned("S1-G1", MONDAY, {CLIENTS[0]}), planned("S1-G2", MONDAY, {CLIENTS[1]}, 1)]
    ops = {a.code: a.op for a in plan_groups(old, new, MONDAY)}
    assert ops == {"S1-G1": Op.KEEP, "S1-G2": Op.UPDATE}


def test_a_cancelled_group_planned_again_comes_back_as_an_update() -> None:
    old = [booked("S1-G1", MONDAY, set(), scheduled=False)]
    actions = plan_groups(old, [planned("S1-G1", MONDAY, {CLIENTS[0]})], MONDAY)
    assert [(a.op, a.seats_added) for a in actions] == [(Op.UPDATE, frozenset({CLIENTS[0]}))]
    assert plan_groups(old, [], MONDAY)[0].op is Op.KEEP


def test_days_before_applies_from_are_never_touched() -> None:
    old = [booked("S1-G1", MONDAY, {CLIENTS[0]})]
    new = [planned("S1-G9", MONDAY, {CLIENTS[1]}), planned("S1-G1", WEDNESDAY, {CLIENTS[0]})]
    actions = plan_groups(old, new, WEDNESDAY)
    assert [(a.op, a.code, a.day) for a in actions] == [(Op.INSERT, "S1-G1", WEDNESDAY)]


groups = st.builds(
    lambda code, day, members, leader: (code, day, frozenset(members), leader),
    st.sampled_from(["S1-A", "S1-B", "S1-C"]),
    st.integers(min_value=0, max_value=6).map(lambda d: MONDAY + timedelta(days=d)),
    st.sets(st.sampled_from(CLIENTS), max_size=4),
    st.integers(min_value=0, max_value=2),
)


@given(
    before=st.lists(groups, max_size=8),
    after=st.lists(groups, max_size=8),
    cancelled=st.sets(st.integers(0, 7)),
    from_day=st.integers(0, 6),
)
def test_applying_the_plan_gives_the_planned_week_and_keeps_earlier_days(
    before: list[tuple[str, date, frozenset[uuid.UUID], int]],
    after: list[tuple[str, date, frozenset[uuid.UUID], int]],
    cancelled: set[int],
    from_day: int,
) -> None:
    """Replaying the actions on the old calendar yields exactly the plan from applies_from on,
    and the old calendar before it; no seat is both added and cancelled."""
    start = MONDAY + timedelta(days=from_day)
    # A cancelled occurrence has no scheduled seats (publishing cancels them with it).
    old = {
        (code, day): BookedGroup(
            ref=uuid.uuid4(),
            code=code,
            day=day,
            room_id=ROOMS[0],
            leader_id=LEADERS[leader],
            scheduled=i not in cancelled,
            seated=members if i not in cancelled else frozenset(),
        )
        for i, (code, day, members, leader) in enumerate(before)
    }
    new = {(c, d): PlannedGroup(c, d, ROOMS[0], LEADERS[lead], m) for c, d, m, lead in after}
    calendar = {k: (g.scheduled, g.leader_id, g.seated) for k, g in old.items()}
    for action in plan_groups(old.values(), new.values(), start):
        key = (action.code, action.day)
        assert not action.seats_added & action.seats_cancelled
        assert action.day >= start
        if action.op is Op.CANCEL:
            calendar[key] = (False, calendar[key][1], frozenset())
        elif action.op in (Op.INSERT, Op.UPDATE):
            seated = calendar.get(key, (False, None, frozenset()))[2]
            seated = (seated - action.seats_cancelled) | action.seats_added
            assert action.planned is not None
            calendar[key] = (True, action.planned.leader_id, seated)
    for key, (scheduled, leader, seated) in calendar.items():
        if key[1] < start:
            assert (scheduled, leader, seated) == (
                old[key].scheduled,
                old[key].leader_id,
                old[key].seated,
            )
        elif key in new:
            assert (scheduled, leader, seated) == (True, new[key].leader_id, new[key].members)
        else:
            assert not scheduled
            assert not seated


def appointment(client: int, day: date, start: str, *, staff: int = 0) -> PlannedAppointment:
    return PlannedAppointment(CLIENTS[client], "individual", day, start, "11:00", LEADERS[staff])


def on_calendar(a: PlannedAppointment, *, scheduled: bool = True) -> BookedAppointment:
    return BookedAppointment(
        uuid.uuid4(), a.client_id, a.kind, a.day, a.start, a.end, a.staff_id, scheduled
    )


def test_appointments_match_on_client_kind_day_and_start() -> None:
    kept = appointment(0, MONDAY, "10:00")
    moved_old, moved_new = appointment(1, MONDAY, "10:00"), appointment(1, WEDNESDAY, "10:00")
    restaffed = appointment(2, MONDAY, "10:00")
    old = [on_calendar(kept), on_calendar(moved_old), on_calendar(restaffed)]
    new = [kept, moved_new, appointment(2, MONDAY, "10:00", staff=1)]
    actions = plan_appointments(old, new, MONDAY)
    by_client = {}
    for action in actions:
        by_client.setdefault(action.client_id, []).append(action.op)
    assert by_client == {
        CLIENTS[0]: [Op.KEEP],
        CLIENTS[1]: [Op.CANCEL, Op.INSERT],
        CLIENTS[2]: [Op.UPDATE],
    }
    assert affected_clients([], actions) == {CLIENTS[1], CLIENTS[2]}


def test_a_scheduled_duplicate_is_cancelled_and_a_cancelled_one_reused() -> None:
    wanted = appointment(0, MONDAY, "10:00")
    old = [on_calendar(wanted), on_calendar(wanted), on_calendar(wanted, scheduled=False)]
    ops = sorted(a.op.value for a in plan_appointments(old, [wanted], MONDAY))
    assert ops == ["cancel", "keep"]
    revived = plan_appointments([on_calendar(wanted, scheduled=False)], [wanted], MONDAY)
    assert [a.op for a in revived] == [Op.UPDATE]


def test_appointments_before_applies_from_stay() -> None:
    monday = appointment(0, MONDAY, "10:00")
    assert plan_appointments([on_calendar(monday)], [], WEDNESDAY) == []
