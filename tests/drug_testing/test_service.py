"""The draw on a real database: commit then draw, idempotence, refusals that name their
rule, and verification that catches a draw edited directly in the database."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditEntry
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Track
from stepdown.drug_testing import rules, service
from stepdown.drug_testing.models import OrderReason, OrderStatus, RandomTestDraw, TestOrder
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Invalid
from stepdown.programs.models import Site
from tests.factories import SYSTEM, make_client, make_site

KEY = b"test sealing key"


def admitted(session: Session, site: Site, days_ago: int = 10) -> Client:
    person = make_client(session, site=site)
    continuum_service.admit(
        session,
        actor=SYSTEM,
        client_id=person.id,
        level_code="PHP",
        track=Track.DAY,
        on=today() - timedelta(days=days_ago),
        reason="test admission",
    )
    return person


@pytest.fixture
def site(session: Session) -> Site:
    return make_site(session)


def drawn(session: Session, site: Site, rate: float = 5.0) -> RandomTestDraw:
    service.commit_day(
        session, actor=SYSTEM, site_id=site.id, day=today(), rate_per_week=rate, sealing_key=KEY
    )
    return service.run_draw(session, actor=SYSTEM, site_id=site.id, day=today(), sealing_key=KEY)


def orders_of(session: Session, draw: RandomTestDraw) -> list[TestOrder]:
    return list(session.scalars(select(TestOrder).where(TestOrder.draw_id == draw.id)))


class TestEligibility:
    def test_only_clients_of_the_site_in_house_that_day(self, session: Session, site: Site) -> None:
        inside = [admitted(session, site) for _ in range(3)]
        admitted(session, make_site(session))  # another site
        make_client(session, site=site)  # never admitted
        starts_tomorrow = make_client(session, site=site)
        away = make_client(session, site=site)
        partner = continuum_service.create_partner(
            session, actor=SYSTEM, name=f"Detox {uuid.uuid4().hex[:4]}", level_code="DETOX"
        )
        continuum_service.admit_referred_out(
            session,
            actor=SYSTEM,
            client_id=away.id,
            partner_id=partner.id,
            on=today() - timedelta(days=2),
            reason="detox first",
        )
        eligible = continuum_service.active_client_ids(session, site.id, today())
        assert eligible == sorted((c.id for c in inside), key=str)
        assert starts_tomorrow.id not in eligible


class TestDraw:
    def test_commit_then_draw_orders_a_test_for_each_selected_client(
        self, session: Session, site: Site
    ) -> None:
        clients = [admitted(session, site) for _ in range(4)]
        draw = drawn(session, site, rate=5.0)  # p = 1: everyone
        assert draw.eligible == sorted(str(c.id) for c in clients)
        assert draw.selected == draw.eligible
        assert draw.probability == 1.0
        orders = orders_of(session, draw)
        assert sorted(str(o.client_id) for o in orders) == draw.selected
        assert {(o.reason, o.status, o.ordered_on) for o in orders} == {
            (OrderReason.RANDOM, OrderStatus.ORDERED, today())
        }
        audited = session.scalars(
            select(AuditEntry.entity_type).where(
                AuditEntry.entity_id.in_([str(draw.id), *(str(o.id) for o in orders)])
            )
        ).all()
        assert sorted(audited) == ["random_test_draw"] * 2 + ["test_order"] * 4

    def test_the_default_rate_selects_among_the_eligible(
        self, session: Session, site: Site
    ) -> None:
        for _ in range(5):
            admitted(session, site)
        draw = drawn(session, site, rate=rules.DEFAULT_RATE_PER_WEEK)
        assert draw.probability == pytest.approx(0.4)
        assert set(draw.selected or []) <= set(draw.eligible or [])
        assert len(orders_of(session, draw)) == len(draw.selected or [])

    def test_running_it_twice_changes_nothing(self, session: Session, site: Site) -> None:
        admitted(session, site)
        first = drawn(session, site)
        before = (first.seed, first.draw_hash, len(orders_of(session, first)))
        entries = session.scalar(select(func.count()).select_from(AuditEntry))
        second = drawn(session, site)
        assert second.id == first.id
        assert (second.seed, second.draw_hash, len(orders_of(session, second))) == before
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == entries

    def test_a_second_commit_keeps_the_first(self, session: Session, site: Site) -> None:
        day = today() + timedelta(days=1)
        first = service.commit_day(session, actor=SYSTEM, site_id=site.id, day=day, sealing_key=KEY)
        again = service.commit_day(
            session, actor=SYSTEM, site_id=site.id, day=day, rate_per_week=4, sealing_key=KEY
        )
        assert again.id == first.id
        assert (again.commitment, again.rate_per_week) == (first.commitment, 2.0)
        assert first.seed is None  # sealed, not revealed, until the day

    @pytest.mark.parametrize(
        ("commit_offset", "draw_offset", "key", "rule"),
        [
            (None, 0, KEY, "draw.not_committed"),
            (1, 1, KEY, "draw.before_day"),
            (0, 0, b"another key", "draw.seed_unsealable"),
        ],
    )
    def test_refusals_name_their_rule(
        self,
        session: Session,
        site: Site,
        commit_offset: int | None,
        draw_offset: int,
        key: bytes,
        rule: str,
    ) -> None:
        admitted(session, site)
        if commit_offset is not None:
            service.commit_day(
                session,
                actor=SYSTEM,
                site_id=site.id,
                day=today() + timedelta(days=commit_offset),
                sealing_key=KEY,
            )
        with pytest.raises(Conflict) as refused:
            service.run_draw(
                session,
                actor=SYSTEM,
                site_id=site.id,
                day=today() + timedelta(days=draw_offset),
                sealing_key=key,
            )
        assert refused.value.rule == rule
        assert (
            session.scalar(
                select(func.count())
                .select_from(TestOrder)
                .where(TestOrder.client_id.in_(select(Client.id).where(Client.site_id == site.id)))
            )
            == 0
        )

    def test_an_impossible_rate_is_refused_even_when_already_committed(
        self, session: Session, site: Site
    ) -> None:
        service.commit_day(session, actor=SYSTEM, site_id=site.id, day=today(), sealing_key=KEY)
        with pytest.raises(Invalid) as refused:
            service.commit_day(
                session,
                actor=SYSTEM,
                site_id=site.id,
                day=today(),
                rate_per_week=9,
                sealing_key=KEY,
            )
        assert refused.value.field == "rate_per_week"

    def test_a_past_day_cannot_be_committed(self, session: Session, site: Site) -> None:
        with pytest.raises(Conflict) as refused:
            service.commit_day(
                session,
                actor=SYSTEM,
                site_id=site.id,
                day=today() - timedelta(days=1),
                sealing_key=KEY,
            )
        assert refused.value.rule == "draw.commit_in_past"


class TestVerify:
    def test_an_untouched_draw_verifies(self, session: Session, site: Site) -> None:
        for _ in range(3):
            admitted(session, site)
        drawn(session, site, rate=2.0)
        assert service.verify_draw(session, site_code=site.code, day=today()).ok

    def edit(self, session: Session, draw: RandomTestDraw, **values: object) -> None:
        """Change the stored row behind the ORM's back, as someone with database access would."""
        session.execute(update(RandomTestDraw).where(RandomTestDraw.id == draw.id).values(**values))
        session.expire_all()

    def test_removing_a_selected_client_fails_verification(
        self, session: Session, site: Site
    ) -> None:
        for _ in range(3):
            admitted(session, site)
        draw = drawn(session, site)
        self.edit(session, draw, selected=(draw.selected or [])[1:])
        result = service.verify_draw(session, site_code=site.code, day=today())
        assert result.problems == (rules.SELECTION_DIFFERS, rules.RECORD_ALTERED)

    def test_changing_the_seed_fails_verification(self, session: Session, site: Site) -> None:
        admitted(session, site)
        draw = drawn(session, site, rate=2.0)
        self.edit(session, draw, seed=rules.new_seed().hex())
        result = service.verify_draw(session, site_code=site.code, day=today())
        assert result.problems[0] == rules.COMMITMENT_MISMATCH
        assert rules.RECORD_ALTERED in result.problems

    def test_a_draw_not_yet_run_cannot_be_verified(self, session: Session, site: Site) -> None:
        service.commit_day(session, actor=SYSTEM, site_id=site.id, day=today(), sealing_key=KEY)
        with pytest.raises(Conflict) as refused:
            service.verify_draw(session, site_code=site.code, day=today())
        assert refused.value.rule == "draw.not_revealed"
