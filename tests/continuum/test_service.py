"""The continuum service on a real database: operations, refusals that change nothing, and
the timeline invariants over random sequences of operations (Hypothesis)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.clients.models import Client
from stepdown.continuum import rules, service
from stepdown.continuum.models import (
    DischargeType,
    Episode,
    EpisodeStatus,
    PartnerProvider,
    Segment,
    Track,
    Transition,
)
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, StepdownError
from tests.factories import SYSTEM, make_client, make_site


def make_partner(session: Session, level_code: str = "DETOX") -> PartnerProvider:
    return service.create_partner(
        session,
        actor=SYSTEM,
        name=f"Partner {level_code} {uuid.uuid4().hex[:4]}",
        level_code=level_code,
    )


def snapshot(session: Session, client: Client) -> tuple[Any, ...]:
    """The clinical state. (A refused request also rolls back its audit rows, at the entry
    point; within the service a refusal may follow an audited read of the chart.)"""
    session.flush()
    episodes = session.scalars(select(Episode).where(Episode.client_id == client.id)).all()
    ids = [e.id for e in episodes]
    segments = session.scalars(select(Segment).where(Segment.episode_id.in_(ids))).all()
    return (
        sorted((str(e.id), e.status, e.admitted_on, e.discharged_on) for e in episodes),
        sorted((str(s.id), s.level_id, s.track, s.starts_on, s.ends_on) for s in segments),
    )


def check_invariants(session: Session, client: Client) -> None:
    episodes = service.client_episodes(session, actor=SYSTEM, client=client)
    open_ones = [v for v in episodes if v.episode.status is not EpisodeStatus.DISCHARGED]
    assert len(open_ones) <= 1
    for view in episodes:
        facts = service.episode_facts(view.episode, view.segments)
        assert rules.timeline_problems(facts) == []


class TestOperations:
    def test_admit_step_down_refer_return_discharge(self, session: Session) -> None:
        site = make_site(session)
        person = make_client(session, site=site)
        detox = make_partner(session)
        start = today() - timedelta(days=40)
        episode = service.admit(
            session,
            actor=SYSTEM,
            client_id=person.id,
            level_code="PHP",
            track=Track.DAY,
            on=start,
            reason="post-detox stabilization",
        )
        service.step(
            session,
            actor=SYSTEM,
            episode_id=episode.id,
            direction=Transition.STEP_DOWN,
            level_code="IOP",
            track=Track.EVENING,
            on=start + timedelta(days=14),
            reason="stable; back at work days",
        )
        service.refer_out(
            session,
            actor=SYSTEM,
            episode_id=episode.id,
            partner_id=detox.id,
            on=start + timedelta(days=20),
            reason="relapse with withdrawal",
        )
        assert episode.status is EpisodeStatus.ON_HOLD
        service.return_from_referral(
            session,
            actor=SYSTEM,
            episode_id=episode.id,
            level_code="IOP",
            track=Track.EVENING,
            on=start + timedelta(days=25),
            reason="detox completed",
        )
        service.discharge(
            session,
            actor=SYSTEM,
            episode_id=episode.id,
            discharge_type=DischargeType.COMPLETED,
            on=today(),
            summary="completed IOP; aftercare plan in place",
        )
        view = service.client_episodes(session, actor=SYSTEM, client=person)[0]
        assert [s.transition for s in view.segments] == [
            Transition.ADMIT,
            Transition.STEP_DOWN,
            Transition.REFER_OUT,
            Transition.RETURN_FROM_REFERRAL,
        ]
        assert view.episode.discharged_on == today()
        check_invariants(session, person)

    def test_second_open_episode_is_refused(self, session: Session) -> None:
        person = make_client(session, site=make_site(session))
        service.admit(
            session,
            actor=SYSTEM,
            client_id=person.id,
            level_code="IOP",
            track=Track.DAY,
            on=today(),
            reason="r",
        )
        with pytest.raises(Conflict) as excinfo:
            service.admit(
                session,
                actor=SYSTEM,
                client_id=person.id,
                level_code="OP",
                track=Track.DAY,
                on=today(),
                reason="r",
            )
        assert excinfo.value.rule == "episode.one_open_per_client"

    def test_blank_reason_names_the_field(self, session: Session) -> None:
        person = make_client(session, site=make_site(session))
        with pytest.raises(StepdownError) as excinfo:
            service.admit(
                session,
                actor=SYSTEM,
                client_id=person.id,
                level_code="IOP",
                track=Track.DAY,
                on=today(),
                reason="  ",
            )
        assert excinfo.value.field == "reason"

    def test_census_counts_match_the_database(self, session: Session) -> None:
        site = make_site(session)
        for code, track in [
            ("PHP", Track.DAY),
            ("IOP", Track.EVENING),
            ("IOP", Track.DAY),
            ("OP", Track.EVENING),
        ]:
            person = make_client(session, site=site)
            service.admit(
                session,
                actor=SYSTEM,
                client_id=person.id,
                level_code=code,
                track=track,
                on=today() - timedelta(days=100),
                reason="r",
            )
        census = service.census(session, actor=SYSTEM, site_id=site.id)
        open_by_level = dict(
            session.execute(
                select(service.LevelOfCare.code, func.count())
                .select_from(Segment)
                .join(Episode, Episode.id == Segment.episode_id)
                .join(service.LevelOfCare, service.LevelOfCare.id == Segment.level_id)
                .where(Segment.ends_on.is_(None), Episode.site_id == site.id)
                .group_by(service.LevelOfCare.code)
            ).all()
        )
        assert {k: v for k, v in census.counts.items() if v} == open_by_level
        assert census.counts["IOP"] == 2
        php_row = next(r for r in census.rows if r.level.code == "PHP")
        assert php_row.days_in_level == 100
        assert php_row.over_typical_stay  # PHP typically ends within 6 weeks


LEVELS = ["PHP", "IOP", "OP", "AFTERCARE", "DETOX"]
OPERATION = st.tuples(
    st.sampled_from(
        [
            "admit",
            "admit_referred",
            "step_down",
            "step_up",
            "change_track",
            "refer_out",
            "return",
            "discharge",
        ]
    ),
    st.sampled_from(LEVELS),
    st.sampled_from(list(Track)),
    st.integers(min_value=-3, max_value=20),  # days after the previous operation's date
    st.sampled_from(list(DischargeType)),
    st.booleans(),  # give a skip reason
)


def apply(
    session: Session, client: Client, partner: PartnerProvider, op: tuple[Any, ...], on: date
) -> None:
    kind, code, track, _, discharge_type, skip = op
    episode = next(
        (
            v.episode
            for v in service.client_episodes(session, actor=SYSTEM, client=client)
            if v.episode.status is not EpisodeStatus.DISCHARGED
        ),
        None,
    )
    if kind == "admit_referred":
        service.admit_referred_out(
            session,
            actor=SYSTEM,
            client_id=client.id,
            partner_id=partner.id,
            on=on,
            reason="withdrawal first",
        )
    elif kind == "admit" or episode is None:
        service.admit(
            session,
            actor=SYSTEM,
            client_id=client.id,
            level_code=code,
            track=track,
            on=on,
            reason="admitted",
        )
    elif kind in ("step_down", "step_up"):
        service.step(
            session,
            actor=SYSTEM,
            episode_id=episode.id,
            direction=Transition(kind),
            level_code=code,
            track=track,
            on=on,
            reason="progress",
            skip_reason="clinical judgment" if skip else "",
        )
    elif kind == "change_track":
        service.change_track(
            session, actor=SYSTEM, episode_id=episode.id, track=track, on=on, reason="schedule"
        )
    elif kind == "refer_out":
        service.refer_out(
            session,
            actor=SYSTEM,
            episode_id=episode.id,
            partner_id=partner.id,
            on=on,
            reason="withdrawal",
        )
    elif kind == "return":
        service.return_from_referral(
            session,
            actor=SYSTEM,
            episode_id=episode.id,
            level_code=code,
            track=track,
            on=on,
            reason="back",
        )
    else:
        service.discharge(
            session,
            actor=SYSTEM,
            episode_id=episode.id,
            discharge_type=discharge_type,
            on=on,
            summary="done",
        )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(OPERATION, min_size=1, max_size=10))
def test_invariants_hold_over_random_operations(
    session: Session, ops: list[tuple[Any, ...]]
) -> None:
    """At most one open episode; no gaps or overlaps; nothing after discharge; dates never
    go backwards; a refused operation names its rule and changes nothing."""
    nested = session.begin_nested()
    try:
        client = make_client(session, site=make_site(session))
        partner = make_partner(session)
        on = today() - timedelta(days=120)
        for op in ops:
            on = on + timedelta(days=op[3])
            before = snapshot(session, client)
            refusal: StepdownError | None = None
            try:
                apply(session, client, partner, op, on)
            except StepdownError as exc:
                refusal = exc
            if refusal is None:
                event(f"applied {op[0]}")
            else:
                event(f"refused {op[0]}: {refusal.rule or refusal.field}")
                assert refusal.rule or refusal.field, f"refusal without a rule: {refusal.message}"
                assert snapshot(session, client) == before
            check_invariants(session, client)
    finally:
        nested.rollback()


def test_new_client_can_start_away_at_detox_and_come_back(session: Session) -> None:
    person = make_client(session, site=make_site(session))
    detox = make_partner(session)
    start = today() - timedelta(days=9)
    episode = service.admit_referred_out(
        session,
        actor=SYSTEM,
        client_id=person.id,
        partner_id=detox.id,
        on=start,
        reason="severe withdrawal risk",
    )
    assert episode.status is EpisodeStatus.ON_HOLD
    service.return_from_referral(
        session,
        actor=SYSTEM,
        episode_id=episode.id,
        level_code="PHP",
        track=Track.DAY,
        on=today(),
        reason="detox completed",
    )
    check_invariants(session, person)
    with pytest.raises(Conflict) as excinfo:
        service.admit_referred_out(
            session,
            actor=SYSTEM,
            client_id=person.id,
            partner_id=detox.id,
            on=today(),
            reason="again",
        )
    assert excinfo.value.rule == "episode.one_open_per_client"
