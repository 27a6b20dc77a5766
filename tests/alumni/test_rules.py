"""The pure alumni rules: RSVP capacity and waitlist order, who may mentor, who matches."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepdown.alumni import rules
from stepdown.alumni.models import MentorshipStatus, RsvpStatus
from stepdown.continuum.models import DischargeType, EpisodeStatus, Track
from stepdown.kit.errors import Conflict, Invalid

TODAY = date(2026, 11, 30)
NOON = datetime(2026, 12, 5, 17, tzinfo=UTC)


class TestEvent:
    def test_a_valid_event_passes(self) -> None:
        rules.check_event(
            title="Alumni picnic",
            starts_at=NOON,
            ends_at=NOON + timedelta(hours=2),
            capacity=20,
            link="",
        )

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"title": "  "}, "title"),
            ({"ends_at": NOON}, "ends_at"),
            ({"capacity": 0}, "capacity"),
            ({"link": "javascript:alert(1)"}, "link"),
        ],
    )
    def test_each_refusal_names_its_field(self, changes: dict[str, object], field: str) -> None:
        values: dict[str, object] = {
            "title": "Alumni picnic",
            "starts_at": NOON,
            "ends_at": NOON + timedelta(hours=2),
            "capacity": 20,
            "link": "https://example.org/meet",
        }
        values.update(changes)
        with pytest.raises(Invalid) as refused:
            rules.check_event(**values)  # type: ignore[arg-type]
        assert refused.value.field == field

    def test_capacity_cannot_drop_below_those_going(self) -> None:
        rules.check_capacity_change(5, 5)
        rules.check_capacity_change(None, 50)
        with pytest.raises(Conflict) as refused:
            rules.check_capacity_change(4, 5)
        assert refused.value.rule == "event.capacity_below_going"


class Book:
    """A model event driven only through the rules, as the service drives its rows."""

    def __init__(self, capacity: int | None) -> None:
        self.capacity = capacity
        self.status: dict[int, RsvpStatus] = {}
        self.queue: dict[int, int] = {}
        self.counter = 0

    def going(self) -> int:
        return sum(s is RsvpStatus.GOING for s in self.status.values())

    def waitlist(self) -> list[int]:
        waiting = [p for p, s in self.status.items() if s is RsvpStatus.WAITLISTED]
        return sorted(waiting, key=self.queue.__getitem__)

    def answer(self, person: int) -> None:
        if self.status.get(person) in (RsvpStatus.GOING, RsvpStatus.WAITLISTED):
            return
        self.counter += 1
        self.queue[person] = self.counter
        self.status[person] = rules.status_for_answer(self.capacity, self.going())

    def cancel(self, person: int) -> list[int]:
        was = self.status.get(person)
        if was is None or was is RsvpStatus.CANCELLED:
            return []
        self.status[person] = RsvpStatus.CANCELLED
        if was is not RsvpStatus.GOING:
            return []
        promoted = rules.to_promote(self.capacity, self.going(), self.waitlist())
        for p in promoted:
            self.status[p] = RsvpStatus.GOING
        return promoted


operations = st.lists(st.tuples(st.booleans(), st.integers(0, 9)), max_size=60)


class TestRsvpCapacity:
    @given(capacity=st.integers(1, 6), ops=operations)
    def test_never_more_going_than_capacity_and_no_idle_waitlist(
        self, capacity: int, ops: list[tuple[bool, int]]
    ) -> None:
        book = Book(capacity)
        for joining, person in ops:
            if joining:
                book.answer(person)
            else:
                book.cancel(person)
            assert book.going() <= capacity
            # Nobody waits while a place is free.
            assert not book.waitlist() or book.going() == capacity

    @given(capacity=st.integers(1, 6), ops=operations)
    def test_the_waitlist_is_served_in_the_order_people_asked(
        self, capacity: int, ops: list[tuple[bool, int]]
    ) -> None:
        book = Book(capacity)
        for joining, person in ops:
            if joining:
                book.answer(person)
                continue
            before = book.waitlist()
            promoted = book.cancel(person)
            assert promoted == before[: len(promoted)]

    def test_no_limit_means_everyone_goes(self) -> None:
        assert rules.status_for_answer(None, 10_000) is RsvpStatus.GOING
        assert rules.to_promote(None, 3, ["a", "b"]) == ["a", "b"]

    def test_the_last_place_then_the_waitlist(self) -> None:
        assert rules.status_for_answer(3, 2) is RsvpStatus.GOING
        assert rules.status_for_answer(3, 3) is RsvpStatus.WAITLISTED
        assert rules.to_promote(3, 1, ["a", "b", "c"]) == ["a", "b"]


def facts(**changes: object) -> rules.VolunteerFacts:
    base = rules.VolunteerFacts(
        completed_treatment=True,
        in_treatment=False,
        consent_given_at=datetime(2026, 1, 1, tzinfo=UTC),
        consent_withdrawn_at=None,
        active=True,
        recovery_start=TODAY - timedelta(days=400),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


class TestEligibility:
    @pytest.mark.parametrize(
        ("changes", "expected"),
        [
            ({}, []),
            ({"recovery_start": TODAY - timedelta(days=365)}, []),
            ({"recovery_start": TODAY - timedelta(days=364)}, ["mentor.recovery_too_short"]),
            ({"completed_treatment": False}, ["mentor.no_completed_discharge"]),
            ({"in_treatment": True}, ["mentor.in_treatment"]),
            ({"consent_given_at": None}, ["mentor.no_consent"]),
            (
                {"consent_withdrawn_at": datetime(2026, 6, 1, tzinfo=UTC)},
                ["mentor.consent_withdrawn"],
            ),
            ({"active": False}, ["mentor.inactive"]),
            (
                {"completed_treatment": False, "consent_given_at": None},
                ["mentor.no_completed_discharge", "mentor.no_consent"],
            ),
        ],
    )
    def test_table(self, changes: dict[str, object], expected: list[str]) -> None:
        assert rules.mentor_refusals(facts(**changes), today=TODAY, min_days=365) == expected

    def test_the_minimum_is_a_setting(self) -> None:
        short = facts(recovery_start=TODAY - timedelta(days=100))
        assert rules.mentor_refusals(short, today=TODAY, min_days=90) == []
        assert rules.mentor_refusals(short, today=TODAY, min_days=180) == [
            "mentor.recovery_too_short"
        ]

    def test_every_refusal_has_words(self) -> None:
        everything = facts(
            completed_treatment=False,
            in_treatment=True,
            consent_withdrawn_at=datetime(2026, 6, 1, tzinfo=UTC),
            active=False,
            recovery_start=TODAY,
        )
        refusals = rules.mentor_refusals(everything, today=TODAY, min_days=365)
        refusals += rules.mentor_refusals(facts(consent_given_at=None), today=TODAY, min_days=0)
        assert set(refusals) == set(rules.REFUSAL_TEXT)


class TestSteppingDown:
    @pytest.mark.parametrize(
        ("status", "level", "discharged_days_ago", "kind", "expected"),
        [
            (EpisodeStatus.ACTIVE, "OP", None, None, True),
            (EpisodeStatus.ACTIVE, "AFTERCARE", None, None, True),
            (EpisodeStatus.ACTIVE, "IOP", None, None, False),
            (EpisodeStatus.ON_HOLD, "OP", None, None, False),
            (EpisodeStatus.DISCHARGED, "OP", 90, DischargeType.COMPLETED, True),
            (EpisodeStatus.DISCHARGED, "OP", 91, DischargeType.COMPLETED, False),
            (EpisodeStatus.DISCHARGED, "IOP", 5, DischargeType.LEFT_AGAINST_ADVICE, True),
            (EpisodeStatus.DISCHARGED, "IOP", 5, DischargeType.DECEASED, False),
        ],
    )
    def test_table(
        self,
        status: EpisodeStatus,
        level: str,
        discharged_days_ago: int | None,
        kind: DischargeType | None,
        expected: bool,
    ) -> None:
        discharged = TODAY - timedelta(days=discharged_days_ago) if discharged_days_ago else None
        assert (
            rules.is_stepping_down(
                episode_status=status,
                level_code=level,
                discharged_on=discharged,
                discharge_type=kind,
                today=TODAY,
            )
            is expected
        )


SITE_A, SITE_B = uuid.UUID(int=1), uuid.UUID(int=2)


def candidate(n: int, **changes: object) -> rules.Candidate:
    base = rules.Candidate(
        volunteer_id=uuid.UUID(int=100 + n),
        site_ids=frozenset({SITE_B}),
        tracks=frozenset(),
        interests=frozenset(),
        open_mentorships=0,
        max_mentees=2,
        recovery_days=400,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


MENTEE = rules.MenteeFacts(
    site_id=SITE_A, track=Track.EVENING, interests=frozenset({"parenting", "fitness", "chess"})
)


class TestMatching:
    def test_site_then_track_then_interests(self) -> None:
        site = candidate(1, site_ids=frozenset({SITE_A}))
        track = candidate(2, tracks=frozenset({Track.EVENING}))
        interests = candidate(3, interests=frozenset({"parenting", "chess"}))
        both = candidate(4, site_ids=frozenset({SITE_A}), tracks=frozenset({Track.EVENING}))
        nothing = candidate(5)
        ranked = rules.rank(MENTEE, [nothing, interests, track, site, both])
        assert [(m.volunteer_id, m.score) for m in ranked] == [
            (both.volunteer_id, 5),
            (site.volunteer_id, 3),
            # Two points each; equal recovery, so the smaller id comes first.
            (track.volunteer_id, 2),
            (interests.volunteer_id, 2),
            (nothing.volunteer_id, 0),
        ]
        assert ranked[0].same_site
        assert ranked[0].same_track
        shared = next(m for m in ranked if m.volunteer_id == interests.volunteer_id).shared
        assert shared == ("chess", "parenting")

    def test_ties_go_to_longer_recovery_then_id(self) -> None:
        newer = candidate(1, recovery_days=400)
        older = candidate(2, recovery_days=900)
        twin = candidate(0, recovery_days=400)
        ranked = rules.rank(MENTEE, [newer, older, twin])
        assert [m.volunteer_id for m in ranked] == [
            older.volunteer_id,
            twin.volunteer_id,
            newer.volunteer_id,
        ]

    def test_a_mentor_at_their_limit_is_never_suggested(self) -> None:
        full = candidate(1, site_ids=frozenset({SITE_A}), open_mentorships=2, max_mentees=2)
        room = candidate(2, open_mentorships=1, max_mentees=2)
        assert [m.volunteer_id for m in rules.rank(MENTEE, [full, room])] == [room.volunteer_id]

    @given(
        st.lists(
            st.tuples(
                st.booleans(),
                st.booleans(),
                st.integers(0, 3),
                st.integers(0, 3),
                st.integers(1, 3),
            ),
            max_size=12,
        ),
        st.randoms(use_true_random=False),
    )
    def test_the_order_does_not_depend_on_the_input_order(
        self, specs: list[tuple[bool, bool, int, int, int]], rnd: object
    ) -> None:
        pool = [
            candidate(
                i,
                site_ids=frozenset({SITE_A if same_site else SITE_B}),
                tracks=frozenset({Track.EVENING}) if same_track else frozenset(),
                interests=frozenset(list(MENTEE.interests)[:shared]),
                open_mentorships=taken,
                max_mentees=limit,
            )
            for i, (same_site, same_track, shared, taken, limit) in enumerate(specs)
        ]
        shuffled = list(pool)
        rnd.shuffle(shuffled)  # type: ignore[attr-defined]
        ranked = rules.rank(MENTEE, pool)
        assert ranked == rules.rank(MENTEE, shuffled)
        assert all(
            c.open_mentorships < c.max_mentees
            for c in pool
            if c.volunteer_id in {m.volunteer_id for m in ranked}
        )
        assert [m.score for m in ranked] == sorted((m.score for m in ranked), reverse=True)


class TestConsent:
    def test_active_only_when_both_consented(self) -> None:
        at = datetime(2026, 11, 30, tzinfo=UTC)
        assert rules.status_after_consent(None, None) is MentorshipStatus.PROPOSED
        assert rules.status_after_consent(at, None) is MentorshipStatus.PROPOSED
        assert rules.status_after_consent(None, at) is MentorshipStatus.PROPOSED
        assert rules.status_after_consent(at, at) is MentorshipStatus.ACTIVE

    @pytest.mark.parametrize(
        "status", [MentorshipStatus.ACTIVE, MentorshipStatus.DECLINED, MentorshipStatus.ENDED]
    )
    def test_consent_only_while_proposed(self, status: MentorshipStatus) -> None:
        with pytest.raises(Conflict) as refused:
            rules.require_proposed(status)
        assert refused.value.rule == "mentorship.not_proposed"


class TestInputs:
    def test_tags_are_trimmed_lowered_and_unique(self) -> None:
        assert rules.parse_tags(" Chess,  rock  climbing ,chess,, ") == ["chess", "rock climbing"]

    def test_too_many_or_too_long_tags_are_refused(self) -> None:
        with pytest.raises(Invalid):
            rules.parse_tags(",".join(f"t{i}" for i in range(11)))
        with pytest.raises(Invalid):
            rules.parse_tags("x" * 31)

    def test_interests_come_from_the_list_in_its_order(self) -> None:
        assert rules.parse_interests(["fitness", "twelve_step"]) == ["twelve_step", "fitness"]
        with pytest.raises(Invalid) as refused:
            rules.parse_interests(["knitting"])
        assert refused.value.field == "interests"

    def test_volunteer_checks(self) -> None:
        rules.check_volunteer(recovery_start=TODAY, today=TODAY, max_mentees=1)
        with pytest.raises(Invalid) as refused:
            rules.check_volunteer(recovery_start=TODAY + timedelta(1), today=TODAY, max_mentees=1)
        assert refused.value.field == "recovery_start"
        with pytest.raises(Invalid) as refused:
            rules.check_volunteer(recovery_start=TODAY, today=TODAY, max_mentees=6)
        assert refused.value.field == "max_mentees"

    def test_first_name_prefers_the_preferred_name(self) -> None:
        assert rules.first_name("Robert", "Bobby") == "Bobby"
        assert rules.first_name("Robert", "") == "Robert"
