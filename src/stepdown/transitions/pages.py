"""Review pages: the review queue, and the chart's Reviews tab with its forms.

A refused form on the chart re-renders the tab with the field's error and the values
entered, through the chart page's renderer; one sent from the queue goes back to the queue
with the error as a message, since the queue shows no form values to keep.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from stepdown.chart import tabs
from stepdown.chart.pages import chart_page
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import EpisodeStatus, LevelOfCare, Track
from stepdown.kit import bounds
from stepdown.kit.clock import today
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.transitions import access, rules, service
from stepdown.transitions.models import LevelReview, ReviewStatus
from stepdown.transitions.rule_table import FACTS
from stepdown.transitions.schemas import EvidenceInput
from stepdown.web import flash, model_form, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
TAB = "reviews"
navigation.register("Reviews", "/reviews", access.READ, order=17)
navigation.register("Try review rules", "/reviews/try", access.TRY, order=63)
TRY_GROUPS = model_form.groups_of(EvidenceInput, title="The review")


@dataclass(frozen=True)
class ReviewsTab:
    found: service.ClientReviews
    can_decide: bool
    today: date
    # For a waiting step: the tracks the new level runs, and the one offered first.
    tracks: list[Track]
    default_track: Track | None

    @property
    def waiting(self) -> LevelReview | None:
        latest = self.found.latest
        return latest if latest and latest.status is ReviewStatus.PROPOSED else None

    def level(self, level_id: uuid.UUID | None) -> LevelOfCare | None:
        return self.found.levels.get(level_id) if level_id else None


def _tab(session: Session, actor: Actor, client: Client) -> ReviewsTab:
    found = service.client_reviews(session, actor=actor, client_id=client.id)
    latest = found.latest
    tracks: list[Track] = []
    default: Track | None = None
    if latest and latest.status is ReviewStatus.PROPOSED and latest.target_level_id:
        target = found.levels[latest.target_level_id]
        tracks = service.tracks_of(target)
        episode = continuum_service.get_episode(session, actor=actor, episode_id=latest.episode_id)
        if episode.status is EpisodeStatus.ACTIVE:
            current = continuum_service.current_segment(session, episode)
            default = service.default_track(current.track, target)
    return ReviewsTab(found, access.DECIDE.allows(actor.role), today(), tracks, default)


tabs.register(
    "reviews", "Reviews", access.READ, template="transitions/_chart_tab.html", build=_tab, order=75
)


def _chart(client_id: uuid.UUID) -> str:
    return f"/clients/{client_id}?tab={TAB}"


def _done(request: Request, target: str, message: str, kind: str = "info") -> Response:
    response = RedirectResponse(target, status_code=303)
    flash.flash(request, response, message, kind=kind)
    return response


def _message(exc: StepdownError) -> str:
    prefix = f"{exc.field.replace('_', ' ').capitalize()}: " if exc.field else ""
    suffix = f" (rule: {exc.rule})" if exc.rule else ""
    return f"{prefix}{exc.message}{suffix}"


def _date(value: str) -> date | None:
    return bounds.parse_day(value, field="on")


def _track(value: str) -> Track | None:
    if not value.strip():
        return None
    try:
        return Track(value)
    except ValueError:
        raise Invalid("choose a track", field="track") from None


@router.get("/reviews", response_class=HTMLResponse)
def review_queue(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.READ)]
) -> Response:
    items = service.queue(session, actor=actor)
    return render(
        request,
        "transitions/queue.html",
        {"items": items, "today": today(), "can_decide": access.DECIDE.allows(actor.role)},
    )


@router.get("/reviews/rules", response_class=HTMLResponse)
def review_rules(request: Request, actor: Annotated[Actor, allow(access.READ)]) -> Response:
    """The review table in force, for the clinical director and reviewers to read."""
    table = rules.DEFAULT_TABLE
    return render(
        request,
        "transitions/rules.html",
        {
            "table": table,
            "rows": service.rules_in_order(table),
            "engine_rules": rules.ENGINE_RULES,
            "facts": FACTS,
            "review_every": table.review_every_days,
            "decide_within": table.decide_within_days,
        },
    )


@router.post("/clients/{client_id}/reviews/run", response_class=HTMLResponse)
def run_review(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.DECIDE)],
) -> Response:
    nested = session.begin_nested()
    try:
        review = service.run_for_client(session, actor=actor, client_id=client_id)
    except StepdownError as exc:
        nested.rollback()
        return chart_page(request, session, actor, client_id, TAB, error=exc)
    nested.commit()
    return _done(request, _chart(client_id), f"Review run: {review.kind.label.lower()}.")


def _review_client(session: Session, review_id: uuid.UUID) -> uuid.UUID | None:
    review = session.get(LevelReview, review_id)
    return review.client_id if review else None


@router.post("/reviews/{review_id}/accept", response_class=HTMLResponse)
def accept_review(
    review_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.DECIDE)],
    on: Annotated[str, Form()] = "",
    track: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    form = {"action": "accept", "on": on, "track": track, "note": note}
    nested = session.begin_nested()
    try:
        review = service.accept(
            session, actor=actor, review_id=review_id, on=_date(on), track=_track(track), note=note
        )
    except StepdownError as exc:
        nested.rollback()
        client_id = _review_client(session, review_id)
        if back == "queue" or client_id is None:
            return _done(request, "/reviews", _message(exc), kind="error")
        return chart_page(request, session, actor, client_id, TAB, error=exc, form=form)
    nested.commit()
    target = "/reviews" if back == "queue" else _chart(review.client_id)
    return _done(request, target, f"Accepted: {review.outcome}.")


@router.post("/reviews/{review_id}/dismiss", response_class=HTMLResponse)
def dismiss_review(
    review_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.DECIDE)],
    reason: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    form = {"action": "dismiss", "reason": reason}
    nested = session.begin_nested()
    try:
        review = service.dismiss(session, actor=actor, review_id=review_id, reason=reason)
    except StepdownError as exc:
        nested.rollback()
        client_id = _review_client(session, review_id)
        if back == "queue" or client_id is None:
            return _done(request, "/reviews", _message(exc), kind="error")
        return chart_page(request, session, actor, client_id, TAB, error=exc, form=form)
    nested.commit()
    target = "/reviews" if back == "queue" else _chart(review.client_id)
    return _done(request, target, "Proposal dismissed; the reason is kept with it.")


def _try_page(
    request: Request,
    *,
    typed: dict[str, str],
    result: dict[str, Any] | None = None,
    error: StepdownError | None = None,
) -> Response:
    return render(
        request,
        "transitions/try.html",
        {
            "groups": TRY_GROUPS,
            "typed": typed,
            "action": "/reviews/try",
            "button": "Propose",
            "table_version": rules.DEFAULT_TABLE.version,
            "result": result,
            "result_on_hold": bool(result and result["safety"]),
            "result_json": json.dumps(result, indent=2) if result else "",
            "error": error,
        },
        status_code=error.status_code if error else 200,
    )


@router.get("/reviews/try", response_class=HTMLResponse)
def try_rules_form(request: Request, actor: Annotated[Actor, allow(access.TRY)]) -> Response:
    """The review engine on evidence the director types: the same as ``stepdown reviews
    evaluate``, nothing read or stored."""
    return _try_page(request, typed={})


@router.post("/reviews/try", response_class=HTMLResponse)
async def try_rules(request: Request, actor: Annotated[Actor, allow(access.TRY)]) -> Response:
    form = await request.form()
    typed = model_form.submitted(form, TRY_GROUPS)
    try:
        evidence = model_form.parse(EvidenceInput, form, TRY_GROUPS)
    except StepdownError as exc:
        return _try_page(request, typed=typed, error=exc)
    return _try_page(request, typed=typed, result=evidence.evaluate())
