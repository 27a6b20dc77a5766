"""The change list, from plain facts: whose week a publish moves, and how."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta

from stepdown.calendar.change_list import ChangeList, Group, Visit, Week, compute

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)
ANN, BEN, CAL = (uuid.UUID(int=i) for i in range(1, 4))
LEADER, OTHER_LEADER, THERAPIST = (uuid.UUID(int=100 + i) for i in range(3))
ROOM_A, ROOM_B = uuid.UUID(int=200), uuid.UUID(int=201)


def group(code: str = "S1-G-mon", day: date = MONDAY, **overrides: object) -> Group:
    values: dict[str, object] = {
        "code": code,
        "day": day,
        "start": "18:00",
        "end": "19:30",
        "topic": "RP",
        "room_id": ROOM_A,
        "leader_id": LEADER,
        "members": frozenset({ANN, BEN}),
    }
    values.update(overrides)
    return Group(**values)  # type: ignore[arg-type]


def visit(client: uuid.UUID = CAL, day: date = TUESDAY, start: str = "10:00") -> Visit:
    end = f"{int(start[:2]) + 1:02d}:{start[3:]}"
    return Visit(client, THERAPIST, "individual", day, start, end)


def people(changes: ChangeList) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    return {p.person_id for p in changes.clients}, {p.person_id for p in changes.staff}


def test_the_same_week_changes_nobody() -> None:
    week = Week((group(),), (visit(),))
    changes = compute(week, week, applies_from=MONDAY)
    assert changes.empty
    assert changes == ChangeList()


def test_a_first_publish_adds_everything_for_everyone_in_it() -> None:
    changes = compute(Week(), Week((group(),), (visit(),)), applies_from=MONDAY)
    assert people(changes) == ({ANN, BEN, CAL}, {LEADER, THERAPIST})
    ann = next(p for p in changes.clients if p.person_id == ANN)
    assert [(i.kind, i.code, i.topic) for i in ann.added] == [("group", "S1-G-mon", "RP")]
    assert not ann.removed
    assert not ann.moved
    assert changes.cancelled == ()


def test_a_client_moved_between_groups_loses_one_and_gains_the_other() -> None:
    before = Week((group(), group("S1-G-tue", TUESDAY, members=frozenset({CAL}))))
    after = Week(
        (
            group(members=frozenset({ANN})),
            group("S1-G-tue", TUESDAY, members=frozenset({BEN, CAL})),
        )
    )
    changes = compute(before, after, applies_from=MONDAY)
    assert people(changes) == ({BEN}, set())  # the leader leads the same two groups
    (ben,) = changes.clients
    assert [i.code for i in ben.removed] == ["S1-G-mon"]
    assert [i.code for i in ben.added] == ["S1-G-tue"]


def test_a_group_moved_in_time_or_room_moves_its_members_and_leader() -> None:
    before = Week((group(),))
    for moved in (group(room_id=ROOM_B), group(start="17:00", end="18:30")):
        changes = compute(before, Week((moved,)), applies_from=MONDAY)
        assert people(changes) == ({ANN, BEN}, {LEADER})
        for person in (*changes.clients, *changes.staff):
            assert not person.added
            assert not person.removed
            (move,) = person.moved
            assert (move.before.room_id, move.before.start) == (ROOM_A, "18:00")
            assert (move.after.room_id, move.after.start) == (moved.room_id, moved.start)


def test_a_new_leader_changes_the_leaders_weeks_not_the_clients() -> None:
    changes = compute(Week((group(),)), Week((group(leader_id=OTHER_LEADER),)), applies_from=MONDAY)
    assert people(changes) == (set(), {LEADER, OTHER_LEADER})
    by_id = {p.person_id: p for p in changes.staff}
    assert len(by_id[LEADER].removed) == 1
    assert len(by_id[OTHER_LEADER].added) == 1


def test_a_rebooked_appointment_is_moved_and_an_unbooked_one_cancelled() -> None:
    before = Week((), (visit(), visit(ANN, WEDNESDAY, "09:00")))
    after = Week((), (visit(CAL, WEDNESDAY, "14:00"),))
    changes = compute(before, after, applies_from=MONDAY)
    assert people(changes) == ({ANN, CAL}, {THERAPIST})
    cal = next(p for p in changes.clients if p.person_id == CAL)
    (move,) = cal.moved
    assert (move.before.day, move.before.start) == (TUESDAY, "10:00")
    assert (move.after.day, move.after.start, move.after.with_id) == (WEDNESDAY, "14:00", THERAPIST)
    assert changes.cancelled == (visit(ANN, WEDNESDAY, "09:00"),)
    (therapist,) = changes.staff
    assert [(m.before.with_id, m.after.with_id) for m in therapist.moved] == [(CAL, CAL)]
    assert [i.with_id for i in therapist.removed] == [ANN]


def test_a_staff_members_appointment_with_one_client_is_not_moved_to_another() -> None:
    before = Week((), (visit(ANN),))
    after = Week((), (visit(BEN, WEDNESDAY),))
    (therapist,) = compute(before, after, applies_from=MONDAY).staff
    assert not therapist.moved
    assert [i.with_id for i in therapist.removed] == [ANN]
    assert [i.with_id for i in therapist.added] == [BEN]


def test_days_before_the_build_applies_are_not_compared() -> None:
    before = Week((group(),), (visit(day=MONDAY),))
    after = Week((group("S1-G-wed", WEDNESDAY),))
    changes = compute(before, after, applies_from=TUESDAY)
    assert people(changes) == ({ANN, BEN}, {LEADER})
    assert all(i.day == WEDNESDAY for p in changes.clients for i in p.added)
    assert all(not p.removed for p in (*changes.clients, *changes.staff))
    assert changes.cancelled == ()


def test_the_digest_tells_two_lists_apart_and_is_stable() -> None:
    before = Week((group(),))
    first = compute(before, Week((group(room_id=ROOM_B),)), applies_from=MONDAY)
    again = compute(before, Week((group(room_id=ROOM_B),)), applies_from=MONDAY)
    other = compute(before, Week((replace(group(), start="17:00"),)), applies_from=MONDAY)
    assert first.digest == again.digest
    assert first.digest != other.digest
    assert first.digest != ChangeList().digest
