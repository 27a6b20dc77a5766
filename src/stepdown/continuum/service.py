"""Use cases on the continuum: the catalog, admissions, transitions, discharge, the census.

Every operation builds the episode's facts, asks ``rules`` for a plan (which raises, naming
the rule, before anything is written), then applies the plan and audits it in the
caller's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit import rules as audit_rules
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.calendar import level_change, level_change_rules
from stepdown.clients import service as clients_service
from stepdown.clients.models import Client
from stepdown.continuum import repository, rules
from stepdown.continuum.models import (
    DischargeType,
    Episode,
    EpisodeStatus,
    LevelOfCare,
    PartnerProvider,
    Segment,
    Track,
    Transition,
)
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Invalid, NotFound
from stepdown.security.actor import Actor


def level_facts(level: LevelOfCare) -> rules.LevelFacts:
    return rules.LevelFacts(
        id=level.id,
        code=level.code,
        name=level.name,
        order=level.step_down_order,
        in_house=level.provided_in_house,
        day_track=level.has_day_track,
        evening_track=level.has_evening_track,
        active=level.is_active,
        typical_weeks_max=level.typical_stay_weeks_max,
    )


def catalog(session: Session) -> list[LevelOfCare]:
    return list(session.scalars(repository.catalog_stmt()))


def level_by_code(session: Session, code: str) -> LevelOfCare:
    level = session.scalar(select(LevelOfCare).where(LevelOfCare.code == code.strip().upper()))
    if level is None:
        raise Invalid(f"no level of care with code {code!r}", field="level")
    return level


def partners(session: Session) -> list[PartnerProvider]:
    return list(session.scalars(repository.partners_stmt()))


def segments_for(session: Session, episodes: Sequence[Episode]) -> dict[uuid.UUID, list[Segment]]:
    grouped: dict[uuid.UUID, list[Segment]] = {e.id: [] for e in episodes}
    if episodes:
        for segment in session.scalars(repository.segments_of([e.id for e in episodes])):
            grouped[segment.episode_id].append(segment)
    return grouped


def episode_facts(episode: Episode, segments: Sequence[Segment]) -> rules.EpisodeFacts:
    return rules.EpisodeFacts(
        status=episode.status,
        admitted_on=episode.admitted_on,
        discharged_on=episode.discharged_on,
        segments=tuple(
            rules.SegmentFacts(s.level_id, s.track, s.starts_on, s.ends_on, s.transition)
            for s in segments
        ),
    )


def current_segment(session: Session, episode: Episode) -> Segment:
    """The open-ended segment of an episode that is not discharged."""
    segment = session.scalar(
        select(Segment).where(Segment.episode_id == episode.id, Segment.ends_on.is_(None))
    )
    if segment is None:
        raise NotFound("the episode has no current level")
    return segment


def level_for(session: Session, level_id: uuid.UUID) -> LevelOfCare:
    level = session.get(LevelOfCare, level_id)
    if level is None:
        raise NotFound("no such level of care")
    return level


def get_episode(session: Session, *, actor: Actor, episode_id: uuid.UUID) -> Episode:
    episode = session.scalar(repository.readable_episodes(actor).where(Episode.id == episode_id))
    if episode is None:
        raise NotFound("no such episode of care, or not one you may see")
    return episode


def _audit(
    session: Session,
    actor: Actor,
    episode: Episode,
    action: AuditAction,
    detail: dict[str, Any],
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=action,
        entity_type="episode",
        entity_id=episode.id,
        client_id=episode.client_id,
        detail=detail,
    )


def _new_segment(
    session: Session,
    actor: Actor,
    episode: Episode,
    spec: rules.NewSegment,
    reason: str,
    skip_reason: str = "",
) -> Segment:
    segment = Segment(
        episode_id=episode.id,
        level_id=spec.level_id,
        track=spec.track,
        starts_on=spec.starts_on,
        transition=spec.transition,
        reason=reason,
        skip_reason=skip_reason.strip(),
        partner_id=spec.partner_id,
        recorded_by=actor.user_id,
        recorded_at=utc_now(),
    )
    session.add(segment)
    return segment


def admit(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    level_code: str,
    track: Track,
    on: date,
    reason: str,
) -> Episode:
    """Open an episode of care at an in-house level."""
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    reason = rules.require_text(reason, "reason", "a reason for the admission")
    level = level_by_code(session, level_code)
    spec = rules.plan_admit(
        has_open_episode=repository.open_episode_of(session, client.id) is not None,
        level=level_facts(level),
        track=track,
        on=on,
        today=today(),
    )
    detail = {"transition": "admit", "level": level.code, "track": track.value}
    return _open_episode(session, actor, client, EpisodeStatus.ACTIVE, spec, reason, detail)


def admit_referred_out(
    session: Session,
    *,
    actor: Actor,
    client_id: uuid.UUID,
    partner_id: uuid.UUID,
    on: date,
    reason: str,
) -> Episode:
    """Open an episode that starts away at a partner's detox or residential care (on hold)."""
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    reason = rules.require_text(reason, "reason", "a reason for the referral")
    partner = _active_partner(session, partner_id)
    target = session.get(LevelOfCare, partner.level_id)
    assert target is not None  # foreign key
    spec = rules.plan_admit_referred_out(
        has_open_episode=repository.open_episode_of(session, client.id) is not None,
        target=level_facts(target),
        partner_level_id=partner.level_id,
        partner_id=partner.id,
        on=on,
        today=today(),
    )
    detail = {
        "transition": "admit_referred_out",
        "level": target.code,
        "partner_id": str(partner.id),
    }
    return _open_episode(session, actor, client, EpisodeStatus.ON_HOLD, spec, reason, detail)


def _open_episode(
    session: Session,
    actor: Actor,
    client: Client,
    status: EpisodeStatus,
    spec: rules.NewSegment,
    reason: str,
    detail: dict[str, Any],
) -> Episode:
    """Write an admission the rules have already allowed: the episode, its first segment."""
    episode = Episode(
        client_id=client.id, site_id=client.site_id, status=status, admitted_on=spec.starts_on
    )
    session.add(episode)
    session.flush()
    _new_segment(session, actor, episode, spec, reason)
    session.flush()
    _audit(
        session,
        actor,
        episode,
        AuditAction.CREATE,
        {**detail, "on": spec.starts_on.isoformat()},
    )
    return episode


def _active_partner(session: Session, partner_id: uuid.UUID) -> PartnerProvider:
    partner = session.get(PartnerProvider, partner_id)
    if partner is None or not partner.is_active:
        raise Invalid("no such active partner provider", field="partner_id")
    return partner


@dataclass(frozen=True)
class _Loaded:
    episode: Episode
    segments: list[Segment]
    facts: rules.EpisodeFacts
    levels: list[LevelOfCare]

    @property
    def catalog_facts(self) -> list[rules.LevelFacts]:
        return [level_facts(lv) for lv in self.levels]


def _load(session: Session, actor: Actor, episode_id: uuid.UUID) -> _Loaded:
    episode = get_episode(session, actor=actor, episode_id=episode_id)
    segments = segments_for(session, [episode])[episode.id]
    return _Loaded(episode, segments, episode_facts(episode, segments), catalog(session))


def _apply(
    session: Session,
    actor: Actor,
    loaded: _Loaded,
    plan: rules.Plan,
    reason: str,
    detail: dict[str, Any],
    skip_reason: str = "",
) -> Episode:
    episode = loaded.episode
    if plan.close_current_on is not None:
        loaded.segments[-1].ends_on = plan.close_current_on
    if plan.new_segment is not None:
        _new_segment(session, actor, episode, plan.new_segment, reason, skip_reason)
    episode.status = plan.status
    session.flush()
    _audit(session, actor, episode, AuditAction.UPDATE, detail)
    _update_week(session, actor, loaded, plan)
    return episode


def _update_week(session: Session, actor: Actor, loaded: _Loaded, plan: rules.Plan) -> None:
    """The week follows the new level at once: bookings that no longer fit are released and
    a re-plan is proposed to the director (``calendar.level_change``)."""
    if plan.new_segment is not None:
        spec = plan.new_segment
        level = next(lv for lv in loaded.levels if lv.id == spec.level_id)
        placement = level_change_rules.Placement.of(
            level.code, spec.track.value, in_house=level.provided_in_house
        )
        effective_on = spec.starts_on
    elif plan.close_current_on is not None:  # a discharge: out of care from the day after
        placement, effective_on = level_change_rules.Placement(None), plan.close_current_on
    else:
        return
    level_change.after_level_change(
        session,
        actor=actor,
        client_id=loaded.episode.client_id,
        effective_on=effective_on,
        placement=placement,
    )


def step(
    session: Session,
    *,
    actor: Actor,
    episode_id: uuid.UUID,
    direction: Transition,
    level_code: str,
    track: Track,
    on: date,
    reason: str,
    skip_reason: str = "",
) -> Episode:
    """Step down (or up) to another in-house level."""
    if direction not in (Transition.STEP_DOWN, Transition.STEP_UP):
        raise Invalid("direction must be step_down or step_up", field="direction")
    reason = rules.require_text(reason, "reason", f"a reason for the {direction.value}")
    loaded = _load(session, actor, episode_id)
    target = level_by_code(session, level_code)
    plan = rules.plan_step(
        episode=loaded.facts,
        catalog=loaded.catalog_facts,
        direction=direction,
        target=level_facts(target),
        track=track,
        on=on,
        today=today(),
        skip_reason=skip_reason,
    )
    detail = {
        "transition": direction.value,
        "level": target.code,
        "track": track.value,
        "on": on.isoformat(),
    }
    return _apply(session, actor, loaded, plan, reason, detail, skip_reason)


def change_track(
    session: Session,
    *,
    actor: Actor,
    episode_id: uuid.UUID,
    track: Track,
    on: date,
    reason: str,
) -> Episode:
    reason = rules.require_text(reason, "reason", "a reason for the track change")
    loaded = _load(session, actor, episode_id)
    plan = rules.plan_change_track(
        episode=loaded.facts, catalog=loaded.catalog_facts, track=track, on=on, today=today()
    )
    detail = {"transition": "change_track", "track": track.value, "on": on.isoformat()}
    return _apply(session, actor, loaded, plan, reason, detail)


def refer_out(
    session: Session,
    *,
    actor: Actor,
    episode_id: uuid.UUID,
    partner_id: uuid.UUID,
    on: date,
    reason: str,
) -> Episode:
    """Send the client to a partner's detox or residential care; the episode waits on hold."""
    reason = rules.require_text(reason, "reason", "a reason for the referral")
    loaded = _load(session, actor, episode_id)
    partner = _active_partner(session, partner_id)
    target = session.get(LevelOfCare, partner.level_id)
    assert target is not None  # foreign key
    plan = rules.plan_refer_out(
        episode=loaded.facts,
        target=level_facts(target),
        partner_level_id=partner.level_id,
        partner_id=partner.id,
        on=on,
        today=today(),
    )
    detail = {
        "transition": "refer_out",
        "level": target.code,
        "partner_id": str(partner.id),
        "on": on.isoformat(),
    }
    return _apply(session, actor, loaded, plan, reason, detail)


def return_from_referral(
    session: Session,
    *,
    actor: Actor,
    episode_id: uuid.UUID,
    level_code: str,
    track: Track,
    on: date,
    reason: str,
) -> Episode:
    reason = rules.require_text(reason, "reason", "a note on the return")
    loaded = _load(session, actor, episode_id)
    level = level_by_code(session, level_code)
    plan = rules.plan_return(
        episode=loaded.facts, level=level_facts(level), track=track, on=on, today=today()
    )
    detail = {
        "transition": "return_from_referral",
        "level": level.code,
        "track": track.value,
        "on": on.isoformat(),
    }
    return _apply(session, actor, loaded, plan, reason, detail)


def discharge(
    session: Session,
    *,
    actor: Actor,
    episode_id: uuid.UUID,
    discharge_type: DischargeType,
    on: date,
    summary: str,
) -> Episode:
    summary = rules.require_text(summary, "summary", "a discharge summary")
    loaded = _load(session, actor, episode_id)
    plan = rules.plan_discharge(
        episode=loaded.facts, discharge_type=discharge_type, on=on, today=today()
    )
    episode = loaded.episode
    episode.discharged_on = plan.discharged_on
    episode.discharge_type = discharge_type
    episode.discharge_summary = summary
    episode.discharged_by = actor.user_id
    detail = {"transition": "discharge", "type": discharge_type.value, "on": on.isoformat()}
    return _apply(session, actor, loaded, plan, summary, detail)


@dataclass(frozen=True)
class EpisodeView:
    episode: Episode
    segments: list[Segment]


def client_episodes(session: Session, *, actor: Actor, client: Client) -> list[EpisodeView]:
    """A client's episodes, newest first, with their segments (a read of the chart)."""
    episodes = list(
        session.scalars(
            repository.readable_episodes(actor)
            .where(Episode.client_id == client.id)
            .order_by(Episode.admitted_on.desc())
        )
    )
    grouped = segments_for(session, episodes)
    if episodes:
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.READ,
            entity_type="episode_timeline",
            entity_id=client.id,
            client_id=client.id,
        )
    return [EpisodeView(e, grouped[e.id]) for e in episodes]


def open_episode_count(session: Session, site_id: uuid.UUID) -> int:
    """Episodes at a site not yet discharged, on hold included: a site cannot close under
    clients who are still the program's."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Episode)
            .where(Episode.site_id == site_id, Episode.status != EpisodeStatus.DISCHARGED)
        )
        or 0
    )


def active_client_ids(session: Session, site_id: uuid.UUID, on: date) -> list[uuid.UUID]:
    """Clients of a site in care at an in-house level on a day, sorted by id.

    Read from the segments, so a past day gives who was in care then; clients away at a
    partner's detox or residential care are not in-house. Ids only, for the random drug-test
    draw, which runs as the system.
    """
    stmt = (
        select(Episode.client_id)
        .join(Segment, Segment.episode_id == Episode.id)
        .join(LevelOfCare, LevelOfCare.id == Segment.level_id)
        .where(
            Episode.site_id == site_id,
            LevelOfCare.provided_in_house.is_(True),
            Segment.starts_on <= on,
            (Segment.ends_on.is_(None)) | (Segment.ends_on > on),
        )
        .distinct()
    )
    return sorted(session.scalars(stmt), key=str)


@dataclass(frozen=True)
class CensusRow:
    client: Client
    episode: Episode
    segment: Segment
    level: LevelOfCare
    days_in_level: int
    expected_end: date | None

    @property
    def over_typical_stay(self) -> bool:
        return self.expected_end is not None and self.expected_end < today()


@dataclass(frozen=True)
class Census:
    rows: list[CensusRow]
    counts: dict[str, int]  # level code -> clients, every level in the catalog


def census(
    session: Session,
    *,
    actor: Actor,
    site_id: uuid.UUID | None = None,
    clinician_id: uuid.UUID | None = None,
) -> Census:
    """Everyone in an open episode, by level and track; each client shown is an audited read."""
    stmt = repository.readable_episodes(actor).where(Episode.status != EpisodeStatus.DISCHARGED)
    if site_id is not None:
        stmt = stmt.where(Episode.site_id == site_id)
    episodes = list(session.scalars(stmt))
    clients = clients_service.clients_by_id(
        session, actor=actor, client_ids=[e.client_id for e in episodes]
    )
    if clinician_id is not None:
        episodes = [
            e for e in episodes if clients[e.client_id].primary_clinician_id == clinician_id
        ]
    levels = {lv.id: lv for lv in catalog(session)}
    current = {
        s.episode_id: s
        for s in session.scalars(
            select(Segment).where(
                Segment.episode_id.in_([e.id for e in episodes]), Segment.ends_on.is_(None)
            )
        )
    }
    now = today()
    rows = []
    for episode in episodes:
        segment = current[episode.id]
        level = levels[segment.level_id]
        rows.append(
            CensusRow(
                client=clients[episode.client_id],
                episode=episode,
                segment=segment,
                level=level,
                days_in_level=max((now - segment.starts_on).days, 0),
                expected_end=rules.expected_end(segment.starts_on, level_facts(level)),
            )
        )
    rows.sort(key=lambda r: (r.level.step_down_order, r.segment.track, -r.days_in_level))
    counts = {lv.code: 0 for lv in levels.values()}
    for row in rows:
        counts[row.level.code] += 1
    audit_service.record_reads(
        session, actor=actor, entity_type="census", client_ids=[r.client.id for r in rows]
    )
    return Census(rows, counts)


EDITABLE_LEVEL_FIELDS = (
    "name",
    "asam_level",
    "weekly_hours_min",
    "weekly_hours_max",
    "days_per_week_min",
    "days_per_week_max",
    "session_minutes",
    "typical_stay_weeks_min",
    "typical_stay_weeks_max",
    "supervision",
    "medical_monitoring",
    "has_day_track",
    "has_evening_track",
    "is_active",
)


def update_level(
    session: Session, *, actor: Actor, code: str, changes: dict[str, Any]
) -> LevelOfCare:
    """The director edits the catalog; what counts as a level's hours and stay changes here."""
    level = level_by_code(session, code)
    changes = dict(changes)
    if "name" in changes and not (changes["name"] or "").strip():
        raise Invalid("a level needs a name", field="name")
    for text_field in ("asam_level", "supervision", "medical_monitoring"):
        if text_field in changes and changes[text_field] is None:
            changes[text_field] = ""
    unknown = set(changes) - set(EDITABLE_LEVEL_FIELDS)
    if unknown:
        raise Invalid(f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    merged = {field: changes.get(field, getattr(level, field)) for field in EDITABLE_LEVEL_FIELDS}
    rules.check_level_ranges(merged)
    before = {k: getattr(level, k) for k in changes}
    for field, value in changes.items():
        setattr(level, field, value)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="level_of_care",
        entity_id=level.id,
        detail={"fields": sorted(changes), "before": _jsonable(before)},
    )
    return level


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, str | int | float | bool) or v is None else str(v)
        for k, v in values.items()
    }


def set_partner_active(
    session: Session, *, actor: Actor, partner_id: uuid.UUID, active: bool
) -> PartnerProvider:
    """Stop or resume offering a partner for new referrals; past referrals keep naming it."""
    partner = session.get(PartnerProvider, partner_id)
    if partner is None:
        raise NotFound("no such partner provider")
    if partner.is_active != active:
        partner.is_active = active
        session.flush()
        audit_service.record(
            session,
            actor=actor,
            action=AuditAction.UPDATE,
            entity_type="partner_provider",
            entity_id=partner.id,
            detail={"changes": {"is_active": audit_rules.change(not active, active)}},
        )
    return partner


def create_partner(
    session: Session,
    *,
    actor: Actor,
    name: str,
    level_code: str,
    phone: str = "",
    email: str = "",
    address: str = "",
    notes: str = "",
    is_synthetic: bool = False,
) -> PartnerProvider:
    name = rules.require_text(name, "name", "the partner's name")
    level = level_by_code(session, level_code)
    if level.provided_in_house:
        raise Invalid(f"{level.name} is provided here, not by partners", field="level")
    partner = PartnerProvider(
        name=name,
        level_id=level.id,
        phone=phone.strip(),
        email=email.strip(),
        address=address.strip(),
        notes=notes.strip(),
        is_synthetic=is_synthetic,
    )
    session.add(partner)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="partner_provider",
        entity_id=partner.id,
    )
    return partner
