"""JSON routes for the continuum: catalog, partners, episodes, transitions, census."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, status

from stepdown.clients import service as clients_service
from stepdown.continuum import access, service
from stepdown.continuum.models import Episode, Transition
from stepdown.continuum.schemas import (
    AdmitRequest,
    CensusRead,
    CensusRowRead,
    DischargeRequest,
    EpisodeRead,
    LevelRead,
    LevelUpdate,
    PartnerCreate,
    PartnerRead,
    ReferOutRequest,
    ReturnRequest,
    SegmentRead,
    StepRequest,
    TrackChangeRequest,
)
from stepdown.kit.schemas import Line
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1", tags=["continuum"])


@router.get("/levels", response_model=list[LevelRead])
def list_levels(
    session: DbSession, _: Annotated[Actor, allow(access.CATALOG_READ)]
) -> list[LevelRead]:
    return [LevelRead.model_validate(lv) for lv in service.catalog(session)]


@router.patch("/levels/{code}", response_model=LevelRead)
def update_level(
    code: Line,
    body: LevelUpdate,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CATALOG_WRITE)],
) -> LevelRead:
    level = service.update_level(
        session, actor=actor, code=code, changes=body.model_dump(exclude_unset=True)
    )
    return LevelRead.model_validate(level)


@router.get("/partners", response_model=list[PartnerRead])
def list_partners(
    session: DbSession, _: Annotated[Actor, allow(access.CATALOG_READ)]
) -> list[PartnerRead]:
    return [PartnerRead.model_validate(p) for p in service.partners(session)]


@router.post("/partners", response_model=PartnerRead, status_code=status.HTTP_201_CREATED)
def create_partner(
    body: PartnerCreate,
    session: DbSession,
    actor: Annotated[Actor, allow(access.PARTNERS_WRITE)],
) -> PartnerRead:
    partner = service.create_partner(
        session,
        actor=actor,
        name=body.name,
        level_code=body.level,
        phone=body.phone,
        email=body.email,
        address=body.address,
        notes=body.notes,
    )
    return PartnerRead.model_validate(partner)


def _episode_read(session: DbSession, episode: Episode) -> EpisodeRead:
    segments = service.segments_for(session, [episode])[episode.id]
    read = EpisodeRead.model_validate(episode)
    read.segments = [SegmentRead.model_validate(s) for s in segments]
    return read


@router.get("/clients/{client_id}/episodes", response_model=list[EpisodeRead])
def client_episodes(
    client_id: uuid.UUID,
    session: DbSession,
    actor: Annotated[Actor, allow(access.CENSUS_READ)],
) -> list[EpisodeRead]:
    client = clients_service.get_client(session, actor=actor, client_id=client_id)
    views = service.client_episodes(session, actor=actor, client=client)
    out = []
    for view in views:
        read = EpisodeRead.model_validate(view.episode)
        read.segments = [SegmentRead.model_validate(s) for s in view.segments]
        out.append(read)
    return out


@router.post(
    "/clients/{client_id}/admit", response_model=EpisodeRead, status_code=status.HTTP_201_CREATED
)
def admit(
    client_id: uuid.UUID,
    body: AdmitRequest,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ADMIT)],
) -> EpisodeRead:
    episode = service.admit(
        session,
        actor=actor,
        client_id=client_id,
        level_code=body.level,
        track=body.track,
        on=body.on,
        reason=body.reason,
    )
    return _episode_read(session, episode)


@router.post("/episodes/{episode_id}/step-down", response_model=EpisodeRead)
def step_down(
    episode_id: uuid.UUID,
    body: StepRequest,
    session: DbSession,
    actor: Annotated[Actor, allow(access.TRANSITION)],
) -> EpisodeRead:
    return _step(session, actor, episode_id, Transition.STEP_DOWN, body)


@router.post("/episodes/{episode_id}/step-up", response_model=EpisodeRead)
def step_up(
    episode_id: uuid.UUID,
    body: StepRequest,
    session: DbSession,
    actor: Annotated[Actor, allow(access.TRANSITION)],
) -> EpisodeRead:
    return _step(session, actor, episode_id, Transition.STEP_UP, body)


def _step(
    session: DbSession,
    actor: Actor,
    episode_id: uuid.UUID,
    direction: Transition,
    body: StepRequest,
) -> EpisodeRead:
    episode = service.step(
        session,
        actor=actor,
        episode_id=episode_id,
        direction=direction,
        level_code=body.level,
        track=body.track,
        on=body.on,
        reason=body.reason,
        skip_reason=body.skip_reason,
    )
    return _episode_read(session, episode)


@router.post("/episodes/{episode_id}/change-track", response_model=EpisodeRead)
def change_track(
    episode_id: uuid.UUID,
    body: TrackChangeRequest,
    session: DbSession,
    actor: Annotated[Actor, allow(access.TRANSITION)],
) -> EpisodeRead:
    episode = service.change_track(
        session,
        actor=actor,
        episode_id=episode_id,
        track=body.track,
        on=body.on,
        reason=body.reason,
    )
    return _episode_read(session, episode)


@router.post("/episodes/{episode_id}/refer-out", response_model=EpisodeRead)
def refer_out(
    episode_id: uuid.UUID,
    body: ReferOutRequest,
    session: DbSession,
    actor: Annotated[Actor, allow(access.TRANSITION)],
) -> EpisodeRead:
    episode = service.refer_out(
        session,
        actor=actor,
        episode_id=episode_id,
        partner_id=body.partner_id,
        on=body.on,
        reason=body.reason,
    )
    return _episode_read(session, episode)


@router.post("/episodes/{episode_id}/return", response_model=EpisodeRead)
def return_from_referral(
    episode_id: uuid.UUID,
    body: ReturnRequest,
    session: DbSession,
    actor: Annotated[Actor, allow(access.TRANSITION)],
) -> EpisodeRead:
    episode = service.return_from_referral(
        session,
        actor=actor,
        episode_id=episode_id,
        level_code=body.level,
        track=body.track,
        on=body.on,
        reason=body.reason,
    )
    return _episode_read(session, episode)


@router.post("/episodes/{episode_id}/discharge", response_model=EpisodeRead)
def discharge(
    episode_id: uuid.UUID,
    body: DischargeRequest,
    session: DbSession,
    actor: Annotated[Actor, allow(access.TRANSITION)],
) -> EpisodeRead:
    episode = service.discharge(
        session,
        actor=actor,
        episode_id=episode_id,
        discharge_type=body.type,
        on=body.on,
        summary=body.summary,
    )
    return _episode_read(session, episode)


@router.get("/census", response_model=CensusRead)
def census(
    session: DbSession,
    actor: Annotated[Actor, allow(access.CENSUS_READ)],
    site_id: uuid.UUID | None = None,
    clinician_id: uuid.UUID | None = None,
) -> CensusRead:
    result = service.census(session, actor=actor, site_id=site_id, clinician_id=clinician_id)
    return CensusRead(
        counts=result.counts,
        rows=[
            CensusRowRead(
                client_id=r.client.id,
                record_number=r.client.record_number,
                name=r.client.display_name,
                level=r.level.code,
                track=r.segment.track,
                status=r.episode.status,
                level_since=r.segment.starts_on,
                days_in_level=r.days_in_level,
                expected_end=r.expected_end,
                over_typical_stay=r.over_typical_stay,
            )
            for r in result.rows
        ],
    )
