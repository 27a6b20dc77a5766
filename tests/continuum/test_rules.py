"""Continuum rules, one refusal per rule name, on plain facts."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from stepdown.continuum import rules
from stepdown.continuum.models import DischargeType, EpisodeStatus, Track, Transition
from stepdown.kit.errors import Conflict

TODAY = date(2026, 11, 23)


def level(
    code: str,
    order: int,
    *,
    in_house: bool = True,
    day: bool = True,
    eve: bool = False,
    weeks: int | None = None,
) -> rules.LevelFacts:
    return rules.LevelFacts(
        uuid.uuid4(), code, code, order, in_house, day, eve, typical_weeks_max=weeks
    )


DETOX = level("DETOX", 1, in_house=False, day=False)
RES = level("RESIDENTIAL", 2, in_house=False, day=False)
PHP = level("PHP", 3, weeks=6)
IOP = level("IOP", 4, eve=True, weeks=12)
OP = level("OP", 5, eve=True)
AFTER = level("AFTERCARE", 6, day=False)
CATALOG = [DETOX, RES, PHP, IOP, OP, AFTER]


def at(
    lv: rules.LevelFacts,
    start: date,
    track: Track = Track.DAY,
    status: EpisodeStatus = EpisodeStatus.ACTIVE,
    transition: Transition = Transition.ADMIT,
) -> rules.EpisodeFacts:
    return rules.EpisodeFacts(
        status, start, None, (rules.SegmentFacts(lv.id, track, start, None, transition),)
    )


def rule_of(excinfo: pytest.ExceptionInfo[Conflict]) -> str | None:
    return excinfo.value.rule


class TestAdmit:
    def test_admits_to_an_in_house_level_and_track(self) -> None:
        spec = rules.plan_admit(
            has_open_episode=False, level=IOP, track=Track.EVENING, on=TODAY, today=TODAY
        )
        assert (spec.level_id, spec.track, spec.transition) == (
            IOP.id,
            Track.EVENING,
            Transition.ADMIT,
        )

    @pytest.mark.parametrize(
        ("kwargs", "rule"),
        [
            ({"has_open_episode": True}, "episode.one_open_per_client"),
            ({"level": DETOX, "track": Track.NONE}, "level.referred_out"),
            ({"level": PHP, "track": Track.EVENING}, "track.not_offered"),
            ({"on": TODAY + timedelta(days=31)}, "transition.date_too_far_ahead"),
        ],
    )
    def test_refusals_name_their_rule(self, kwargs: dict[str, object], rule: str) -> None:
        args: dict[str, object] = {
            "has_open_episode": False,
            "level": IOP,
            "track": Track.DAY,
            "on": TODAY,
            "today": TODAY,
        }
        args.update(kwargs)
        with pytest.raises(Conflict) as excinfo:
            rules.plan_admit(**args)  # type: ignore[arg-type]
        assert rule_of(excinfo) == rule


class TestStep:
    def step(
        self,
        episode: rules.EpisodeFacts,
        target: rules.LevelFacts,
        direction: Transition = Transition.STEP_DOWN,
        track: Track = Track.DAY,
        on: date = TODAY,
        skip: str = "",
    ) -> rules.Plan:
        return rules.plan_step(
            episode=episode,
            catalog=CATALOG,
            direction=direction,
            target=target,
            track=track,
            on=on,
            today=TODAY,
            skip_reason=skip,
        )

    def test_step_down_in_order_closes_the_current_segment_on_the_date(self) -> None:
        plan = self.step(at(PHP, TODAY - timedelta(days=20)), IOP, track=Track.EVENING)
        assert plan.close_current_on == TODAY
        assert plan.new_segment is not None
        assert plan.new_segment.starts_on == TODAY
        assert plan.status is EpisodeStatus.ACTIVE

    def test_skipping_a_level_needs_a_reason(self) -> None:
        episode = at(PHP, TODAY - timedelta(days=20))
        with pytest.raises(Conflict, match=r"skips (Intensive|IOP)") as excinfo:
            self.step(episode, OP)
        assert rule_of(excinfo) == "step.skips_level"
        assert self.step(episode, OP, skip="works nights; OP fits and risk is low")

    def test_step_down_must_go_down_and_step_up_up(self) -> None:
        episode = at(IOP, TODAY - timedelta(days=20))
        with pytest.raises(Conflict) as down:
            self.step(episode, PHP)
        assert rule_of(down) == "step_down.not_lower"
        with pytest.raises(Conflict) as up:
            self.step(episode, OP, direction=Transition.STEP_UP)
        assert rule_of(up) == "step_up.not_higher"

    def test_dates_never_go_backwards(self) -> None:
        start = TODAY - timedelta(days=5)
        with pytest.raises(Conflict) as excinfo:
            self.step(at(PHP, start), IOP, on=start)
        assert rule_of(excinfo) == "transition.date_not_after_current"

    def test_step_to_a_referred_out_level_is_refused(self) -> None:
        with pytest.raises(Conflict) as excinfo:
            self.step(
                at(PHP, TODAY - timedelta(days=5)),
                DETOX,
                direction=Transition.STEP_UP,
                track=Track.NONE,
            )
        assert rule_of(excinfo) == "level.referred_out"

    def test_nothing_moves_while_on_hold(self) -> None:
        episode = at(
            DETOX,
            TODAY - timedelta(days=2),
            Track.NONE,
            EpisodeStatus.ON_HOLD,
            Transition.REFER_OUT,
        )
        with pytest.raises(Conflict) as excinfo:
            self.step(episode, OP)
        assert rule_of(excinfo) == "episode.on_hold"


class TestReferralAndReturn:
    def test_refer_out_puts_the_episode_on_hold(self) -> None:
        partner = uuid.uuid4()
        plan = rules.plan_refer_out(
            episode=at(IOP, TODAY - timedelta(days=9)),
            target=DETOX,
            partner_level_id=DETOX.id,
            partner_id=partner,
            on=TODAY,
            today=TODAY,
        )
        assert plan.status is EpisodeStatus.ON_HOLD
        assert plan.new_segment is not None
        assert plan.new_segment.partner_id == partner

    def test_partner_must_provide_the_level(self) -> None:
        with pytest.raises(Conflict) as excinfo:
            rules.plan_refer_out(
                episode=at(IOP, TODAY - timedelta(days=9)),
                target=DETOX,
                partner_level_id=RES.id,
                partner_id=uuid.uuid4(),
                on=TODAY,
                today=TODAY,
            )
        assert rule_of(excinfo) == "refer_out.partner_level"

    def test_return_only_from_a_referral(self) -> None:
        with pytest.raises(Conflict) as excinfo:
            rules.plan_return(
                episode=at(IOP, TODAY - timedelta(days=3)),
                level=IOP,
                track=Track.DAY,
                on=TODAY,
                today=TODAY,
            )
        assert rule_of(excinfo) == "return.not_referred_out"


class TestDischarge:
    def test_discharge_day_is_the_last_day_in_care(self) -> None:
        plan = rules.plan_discharge(
            episode=at(OP, TODAY - timedelta(days=30)),
            discharge_type=DischargeType.COMPLETED,
            on=TODAY,
            today=TODAY,
        )
        assert plan.close_current_on == TODAY + timedelta(days=1)
        assert plan.discharged_on == TODAY
        assert plan.status is EpisodeStatus.DISCHARGED

    def test_same_day_discharge_is_allowed(self) -> None:
        rules.plan_discharge(
            episode=at(IOP, TODAY),
            discharge_type=DischargeType.LEFT_AGAINST_ADVICE,
            on=TODAY,
            today=TODAY,
        )

    def test_cannot_complete_while_away(self) -> None:
        episode = at(
            DETOX,
            TODAY - timedelta(days=2),
            Track.NONE,
            EpisodeStatus.ON_HOLD,
            Transition.REFER_OUT,
        )
        with pytest.raises(Conflict) as excinfo:
            rules.plan_discharge(
                episode=episode, discharge_type=DischargeType.COMPLETED, on=TODAY, today=TODAY
            )
        assert rule_of(excinfo) == "discharge.on_hold_completed"

    def test_discharged_episode_is_final(self) -> None:
        ended = rules.EpisodeFacts(
            EpisodeStatus.DISCHARGED,
            TODAY - timedelta(days=9),
            TODAY,
            (
                rules.SegmentFacts(
                    OP.id,
                    Track.DAY,
                    TODAY - timedelta(days=9),
                    TODAY + timedelta(days=1),
                    Transition.ADMIT,
                ),
            ),
        )
        with pytest.raises(Conflict) as excinfo:
            rules.plan_change_track(
                episode=ended, catalog=CATALOG, track=Track.EVENING, on=TODAY, today=TODAY
            )
        assert rule_of(excinfo) == "episode.discharged"


def test_expected_end_uses_the_typical_stay() -> None:
    assert rules.expected_end(TODAY, IOP) == TODAY + timedelta(weeks=12)
    assert rules.expected_end(TODAY, OP) is None


def test_timeline_problems_finds_gaps() -> None:
    a = rules.SegmentFacts(
        PHP.id, Track.DAY, TODAY - timedelta(days=10), TODAY - timedelta(days=5), Transition.ADMIT
    )
    b = rules.SegmentFacts(IOP.id, Track.DAY, TODAY - timedelta(days=4), None, Transition.STEP_DOWN)
    episode = rules.EpisodeFacts(EpisodeStatus.ACTIVE, TODAY - timedelta(days=10), None, (a, b))
    assert any("gap" in p for p in rules.timeline_problems(episode))
