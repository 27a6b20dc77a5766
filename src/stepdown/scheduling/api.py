"""JSON routes for schedule builds: list a week's builds, build, read, publish, discard.

Building answers 202 at once with the queued build and its ``status_url`` (also in
``Location``): a background job runs the optimizer, and GET on that URL gives the status,
the progress while it solves, then the summary of the draft or the failure's reason.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from stepdown.kit.schemas import Day
from stepdown.kit.web import DbSession
from stepdown.scheduling import access, service
from stepdown.scheduling.schemas import BuildCreate, BuildListItem, BuildRead, PublishRead
from stepdown.security.actor import Actor
from stepdown.security.deps import allow

router = APIRouter(prefix="/api/v1/schedule", tags=["schedule"])

Scheduler = Annotated[Actor, allow(access.SCHEDULE)]


@router.get("/builds", response_model=list[BuildListItem])
def list_builds(
    session: DbSession, actor: Scheduler, week: Annotated[Day, Query()]
) -> list[BuildListItem]:
    builds = service.list_builds(session, actor=actor, week_of=week)
    return [BuildListItem.model_validate(b) for b in builds]


@router.post("/builds", response_model=BuildRead, status_code=202)
def build_week(
    body: BuildCreate, session: DbSession, actor: Scheduler, response: Response
) -> BuildRead:
    build = service.request_build(
        session,
        actor=actor,
        week_of=body.week_of,
        time_limit=body.time_limit,
        applies_from=body.applies_from,
    )
    read = BuildRead.model_validate(build)
    response.headers["Location"] = read.status_url
    return read


@router.get("/builds/{build_id}", response_model=BuildRead)
def get_build(build_id: uuid.UUID, session: DbSession, actor: Scheduler) -> BuildRead:
    return BuildRead.model_validate(service.get_build(session, actor=actor, build_id=build_id))


@router.post("/builds/{build_id}/publish", response_model=PublishRead)
def publish_build(build_id: uuid.UUID, session: DbSession, actor: Scheduler) -> PublishRead:
    result = service.publish_build(session, actor=actor, build_id=build_id)
    return PublishRead.model_validate(
        {**result.__dict__, "build": BuildRead.model_validate(result.build)}
    )


@router.post("/builds/{build_id}/discard", response_model=BuildRead)
def discard_build(build_id: uuid.UUID, session: DbSession, actor: Scheduler) -> BuildRead:
    return BuildRead.model_validate(service.discard_build(session, actor=actor, build_id=build_id))
