"""Which bookings a level change releases, and the re-planner's input for the new level."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from stepdown.calendar import level_change_rules as rules
from stepdown.programs.models import BlockKind
from stepdown.scheduling.exchange import DAYS, Instance, Solution, Window
from stepdown.scheduling.validator import check

MONDAY = date(2026, 11, 23)
IOP_EVENING = rules.Placement("IOP", "evening")
OP = rules.Placement("OP", "evening")
OUT = rules.Placement(None)


def group(
    day: date, *levels: str, track: str | None = None, recorded: bool = False
) -> rules.Booking:
    return rules.Booking(
        ref=uuid.uuid4(), day=day, group=True, levels=levels, track=track, recorded=recorded
    )


def appointment(day: date, *, recorded: bool = False) -> rules.Booking:
    return rules.Booking(ref=uuid.uuid4(), day=day, group=False, recorded=recorded)


class TestPlacement:
    def test_in_house_scheduled_levels_keep_their_track(self) -> None:
        assert rules.Placement.of("OP", "day", in_house=True) == rules.Placement("OP", "day")

    def test_aftercare_and_partner_levels_leave_the_schedule(self) -> None:
        assert not rules.Placement.of("AFTERCARE", "none", in_house=True).scheduled
        assert not rules.Placement.of("IOP", "day", in_house=False).scheduled

    def test_described_for_the_audit(self) -> None:
        assert OP.describe() == "OP (evening)"
        assert rules.Placement("OP").describe() == "OP"
        assert OUT.describe() == "out of the scheduled program"


class TestFits:
    def test_a_step_down_to_op_releases_iop_only_groups(self) -> None:
        assert not rules.group_fits(["IOP"], "evening", OP)
        assert rules.group_fits(["IOP", "OP"], "evening", OP)

    def test_a_track_change_releases_the_other_tracks_groups(self) -> None:
        day = rules.Placement("IOP", "day")
        assert not rules.group_fits(["IOP"], "evening", day)
        assert rules.group_fits(["IOP"], "day", day)

    def test_groups_of_no_track_fit_any_track(self) -> None:
        assert rules.group_fits(["IOP"], None, rules.Placement("IOP", "day"))
        assert rules.block_track(BlockKind.SATURDAY) is None
        assert rules.block_track(None) is None
        assert rules.block_track(BlockKind.IOP_DAY) == "day"

    def test_a_level_without_tracks_fits_every_block(self) -> None:
        assert rules.group_fits(["OP"], "evening", rules.Placement("OP"))

    def test_nothing_fits_a_client_out_of_the_schedule(self) -> None:
        assert not rules.group_fits(["IOP", "OP", "PHP"], None, OUT)
        assert not rules.fits(appointment(MONDAY), OUT)
        assert rules.fits(appointment(MONDAY), OP)


class TestRelease:
    def test_the_issue_example(self) -> None:
        """IOP evening Monday to Friday, 2 h each; stepped down to OP from Wednesday."""
        week = [group(MONDAY + timedelta(days=i), "IOP", track="evening") for i in range(5)]
        wednesday = MONDAY + timedelta(days=2)
        released = rules.to_release(week, OP, rules.release_from(wednesday, MONDAY))
        assert released == week[2:]

    def test_a_discharge_releases_everything_from_its_day(self) -> None:
        week = [
            group(MONDAY, "IOP", "OP"),
            appointment(MONDAY + timedelta(days=1)),
            group(MONDAY + timedelta(days=3), "OP"),
            appointment(MONDAY + timedelta(days=4)),
        ]
        assert rules.to_release(week, OUT, MONDAY + timedelta(days=1)) == week[1:]

    def test_a_booking_whose_attendance_was_taken_stays(self) -> None:
        taken = group(MONDAY, "IOP", recorded=True)
        seen = appointment(MONDAY, recorded=True)
        assert rules.to_release([taken, seen], OUT, MONDAY) == []

    def test_a_back_dated_change_releases_from_today(self) -> None:
        today = MONDAY + timedelta(days=3)
        assert rules.release_from(MONDAY, today) == today
        assert rules.release_from(today + timedelta(days=2), today) == today + timedelta(days=2)

    @given(
        st.lists(
            st.tuples(
                st.integers(0, 13),
                st.booleans(),
                st.sets(st.sampled_from(["PHP", "IOP", "OP"]), min_size=1),
                st.sampled_from([None, "day", "evening"]),
                st.booleans(),
            ),
            max_size=20,
        ),
        st.sampled_from([IOP_EVENING, OP, OUT, rules.Placement("PHP", "day")]),
        st.integers(0, 13),
    )
    def test_released_are_exactly_the_later_unrecorded_unfit_ones(
        self,
        rows: list[tuple[int, bool, set[str], str | None, bool]],
        placement: rules.Placement,
        first: int,
    ) -> None:
        bookings = [
            rules.Booking(
                ref=uuid.uuid4(),
                day=MONDAY + timedelta(days=offset),
                group=is_group,
                levels=tuple(sorted(levels)),
                track=track,
                recorded=recorded,
            )
            for offset, is_group, levels, track, recorded in rows
        ]
        first_day = MONDAY + timedelta(days=first)
        released = rules.to_release(bookings, placement, first_day)
        assert [b.day for b in released] == sorted(b.day for b in released)
        for booking in bookings:
            expected = (
                booking.day >= first_day
                and not booking.recorded
                and not rules.fits(booking, placement)
            )
            assert (booking in released) is expected


class TestWeeks:
    def test_published_weeks_with_days_left(self) -> None:
        weeks = [MONDAY - timedelta(days=7), MONDAY, MONDAY + timedelta(days=7)]
        wednesday = MONDAY + timedelta(days=2)
        assert rules.weeks_from(wednesday, weeks) == weeks[1:]
        assert rules.first_changed_day(MONDAY, wednesday) == wednesday
        assert rules.first_changed_day(weeks[2], wednesday) == weeks[2]
        assert rules.day_name(MONDAY, wednesday) == "wed"


minutes = st.integers(0, 7 * 24 * 60)


@st.composite
def day_windows(draw: st.DrawFn) -> list[Window]:
    found = []
    for day in draw(st.lists(st.sampled_from(DAYS), unique=True, max_size=4)):
        start = draw(st.integers(0, 22 * 60))
        end = draw(st.integers(start + 1, 24 * 60))
        found.append(Window(day=day, start=_clock(start), end=_clock(end)))
    return found


def _clock(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


def covered(windows: list[Window]) -> set[int]:
    return {m for w in windows for m in range(w.week_start, w.week_end)}


class TestSubtract:
    def test_cuts_a_window_around_a_group(self) -> None:
        evening = Window(day="mon", start="08:00", end="22:00")
        busy = [(18 * 60, 19 * 60 + 30)]
        assert rules.subtract([evening], busy) == [
            Window(day="mon", start="08:00", end="18:00"),
            Window(day="mon", start="19:30", end="22:00"),
        ]

    @given(day_windows(), st.lists(st.tuples(minutes, minutes), max_size=4))
    def test_keeps_exactly_the_free_minutes(
        self, windows: list[Window], cuts: list[tuple[int, int]]
    ) -> None:
        busy = [(min(a, b), max(a, b)) for a, b in cuts]
        left = rules.subtract(windows, busy)
        taken = {m for low, high in busy for m in range(low, high)}
        assert covered(left) == covered(windows) - taken

    def test_availability_from_drops_earlier_days(self) -> None:
        week = [Window(day=d, start="08:00", end="22:00") for d in ("mon", "wed", "fri")]
        assert [w.day for w in rules.availability_from(week, "wed", [])] == ["wed", "fri"]


def _instance(min_size: int = 1) -> Instance:
    sessions = [
        {
            "id": f"S-{level}-{day}",
            "site": "S",
            "day": day,
            "start": "18:00" if level == "IOP" else "17:00",
            "end": "20:00" if level == "IOP" else "18:00",
            "topic": "RP",
            "levels": [level],
            "audience": "adult",
            "gender": "any",
            "min_size": min_size,
            "max_size": 4,
        }
        for day in ("mon", "tue", "wed", "thu", "fri")
        for level in ("IOP", "OP")
    ]
    available = [{"day": d, "start": "08:00", "end": "22:00"} for d in DAYS[:5]]
    clients = [
        {
            "id": cid,
            "site": "S",
            "level": "IOP",
            "age_group": "adult",
            "gender": "X",
            "availability": available,
            "primary_therapist": "t1",
            "individual_sessions": 0,
            "family_sessions": 0,
            "keep_apart": ["B"] if cid == "A" else (["A"] if cid == "B" else []),
        }
        for cid in ("A", "B", "C")
    ]
    return Instance.model_validate(
        {
            "format": "stepdown-schedule-instance/1",
            "name": "week",
            "week_of": MONDAY.isoformat(),
            "levels": {
                "IOP": {"min_hours": 0, "max_hours": 15, "max_days": 5},
                "OP": {"min_hours": 1, "max_hours": 4, "max_days": 2},
            },
            "individual_minutes": 60,
            "sites": ["S"],
            "rooms": [{"id": "S-R", "site": "S", "capacity": 10}],
            "staff": [
                {
                    "id": "t1",
                    "site": "S",
                    "topics": ["RP"],
                    "availability": available,
                    "max_hours": 40,
                }
            ],
            "sessions": sessions,
            "clients": clients,
        }
    )


def _published(instance: Instance, members: dict[str, list[str]]) -> Solution:
    return Solution.model_validate(
        {
            "instance": instance.name,
            "sessions": [{"id": sid, "room": "S-R", "leader": "t1"} for sid in members],
            "attendance": [
                {"client": cid, "session": sid} for sid, who in members.items() for cid in who
            ],
        }
    )


class TestReplanInput:
    def test_the_client_enters_at_the_new_level_from_the_day(self) -> None:
        instance = _instance(min_size=2)
        groups = {f"S-IOP-{d}": ["A"] for d in ("tue", "wed", "thu", "fri")}
        published = _published(instance, {"S-IOP-mon": ["A", "C"], **groups})
        client = instance.clients[0].model_copy(update={"level": "OP"})
        given_ = rules.replan_input(
            instance, published, client=client, from_day="wed", unfit_sessions=[]
        )
        assert given_.change.client.level == "OP"
        assert {w.day for w in given_.change.client.availability} == {"wed", "thu", "fri"}
        assert [(a.client, a.session) for a in given_.published.attendance] == [("C", "S-IOP-mon")]
        assert [c.id for c in given_.instance.clients] == ["B", "C"]
        assert given_.instance.clients[0].keep_apart == []
        assert given_.change.client.keep_apart == ["B"]
        # Monday met with C: it keeps running, its minimum lowered to what it kept; the groups
        # the client alone filled are left to the re-planner.
        assert [r.id for r in given_.published.sessions] == ["S-IOP-mon"]
        specs = {s.id: s for s in given_.instance.sessions}
        assert (specs["S-IOP-mon"].min_size, specs["S-IOP-thu"].min_size) == (1, 2)
        assert check(given_.instance, given_.published).valid

    def test_other_track_hours_are_taken_out_of_the_availability(self) -> None:
        instance = _instance(min_size=0)
        client = instance.clients[0]
        given_ = rules.replan_input(
            instance,
            _published(instance, {}),
            client=client,
            from_day="mon",
            unfit_sessions=["S-IOP-mon"],
        )
        monday = [w for w in given_.change.client.availability if w.day == "mon"]
        assert monday == [
            Window(day="mon", start="08:00", end="18:00"),
            Window(day="mon", start="20:00", end="22:00"),
        ]
