"""The director's schedule pages: pick a week, build it, review the build, publish or discard.

"Build week" only queues the build (``service.request_build``); a background job runs the
optimizer (10 s by default). The build's page shows its progress until the job is done: with
htmx its progress panel asks again every 2 s and, once the build is a draft or failed, sends
the browser to the page again, which then shows the review or the reason; without JavaScript
it has a link to look again. With htmx the form posts in the background and follows the
``HX-Redirect``; without JavaScript it is a plain form and a 303 redirect. A refused form is
shown again with the field's error (422; 200 with htmx, which swaps only successful
responses, retargeted to the page's main element).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from stepdown.calendar import publish as calendar_publish
from stepdown.calendar.models import BuildStatus
from stepdown.kit import bounds
from stepdown.kit.clock import today
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.scheduling import access, service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
navigation.register("Schedule", "/schedule", access.SCHEDULE, order=65)

Scheduler = Annotated[Actor, allow(access.SCHEDULE)]
DEFAULT_SECONDS = 10


def _monday(value: str | None, field: str = "week") -> date:
    """The Monday of the given day's week (this week when none is given)."""
    day = bounds.parse_day(value, field=field) or today()
    return day - timedelta(days=day.weekday())


def _week_context(
    session: Session, actor: Actor, week_of: date, *, errors: dict[str, str], values: dict[str, str]
) -> dict[str, Any]:
    builds = service.list_builds(session, actor=actor, week_of=week_of)
    return {
        "week_of": week_of,
        "previous_week": week_of - timedelta(days=7),
        "next_week": week_of + timedelta(days=7),
        "builds": builds,
        "published": next((b for b in builds if b.status is BuildStatus.PUBLISHED), None),
        "default_seconds": DEFAULT_SECONDS,
        "max_seconds": f"{service.MAX_SECONDS:g}",
        "errors": errors,
        "values": values,
    }


@router.get("/schedule", response_class=HTMLResponse)
def week_page(
    request: Request, session: DbSession, actor: Scheduler, week: str | None = None
) -> Response:
    errors: dict[str, str] = {}
    try:
        week_of = _monday(week)
    except Invalid as exc:
        errors = {"week": exc.message}
        week_of = _monday(None)
    context = _week_context(session, actor, week_of, errors=errors, values={})
    return render(request, "scheduling/week.html", context, status_code=422 if errors else 200)


def _go(request: Request, target: str, message: str | None, kind: str = "info") -> Response:
    """A redirect a browser follows, or htmx's full-page redirect for its background requests."""
    if request.headers.get("hx-request"):
        response: Response = Response(status_code=200, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    if message is not None:
        flash.flash(request, response, message, kind=kind)
    return response


@router.post("/schedule/builds", response_class=HTMLResponse)
async def build_week(request: Request, session: DbSession, actor: Scheduler) -> Response:
    form = {k: str(v).strip() for k, v in (await request.form()).items() if isinstance(v, str)}
    week_of = _monday(None)
    try:
        week_of = _monday(form.get("week"))
        try:
            seconds = float(form.get("time_limit") or DEFAULT_SECONDS)
        except ValueError:
            raise Invalid("enter a number of seconds", field="time_limit") from None
        build = service.request_build(session, actor=actor, week_of=week_of, time_limit=seconds)
    except StepdownError as exc:
        session.rollback()
        context = _week_context(
            session, actor, week_of, errors={exc.field or "form": exc.message}, values=form
        )
        htmx = bool(request.headers.get("hx-request"))
        response = render(
            request, "scheduling/week.html", context, status_code=200 if htmx else 422
        )
        if htmx:
            response.headers["HX-Retarget"] = "#main"
            response.headers["HX-Reswap"] = "outerHTML"
            response.headers["HX-Reselect"] = "#main"
        return response
    return _go(
        request,
        f"/schedule/builds/{build.id}",
        f"Building the week of {week_of}: the optimizer runs for up to {seconds:g} s. "
        "This page shows its progress, then the build to review.",
    )


@router.get("/schedule/builds/{build_id}", response_class=HTMLResponse)
def review_page(
    build_id: uuid.UUID, request: Request, session: DbSession, actor: Scheduler
) -> Response:
    build = service.build_progress(session, actor=actor, build_id=build_id)
    if build.status in service.UNSOLVED or build.status is BuildStatus.FAILED:
        return render(request, "scheduling/progress.html", {"b": build})
    review = service.review(session, actor=actor, build_id=build_id)
    return render(request, "scheduling/review.html", {"review": review, "b": review.build})


@router.get("/schedule/builds/{build_id}/progress", response_class=HTMLResponse)
def progress_panel(
    build_id: uuid.UUID, request: Request, session: DbSession, actor: Scheduler
) -> Response:
    """The progress panel htmx polls; once the job is done, the whole page is loaded again."""
    build = service.build_progress(session, actor=actor, build_id=build_id)
    if build.status in service.UNSOLVED:
        return render(request, "scheduling/_progress.html", {"b": build})
    target = f"/schedule/builds/{build_id}"
    if build.status is not BuildStatus.DRAFT:  # failed (the page says why) or discarded
        return _go(request, target, None)
    summary = build.summary
    return _go(
        request,
        target,
        f"Week of {build.week_of} built: {summary['compliant']} of {summary['clients']} clients "
        "compliant. Review it below before publishing.",
    )


async def _form(request: Request) -> dict[str, str]:
    return {k: str(v).strip() for k, v in (await request.form()).items() if isinstance(v, str)}


def _confirm_page(
    request: Request,
    session: Session,
    actor: Actor,
    build_id: uuid.UUID,
    *,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    preview = calendar_publish.preview(session, actor=actor, build_id=build_id)
    return render(
        request,
        "scheduling/publish_confirm.html",
        {"preview": preview, "b": preview.build, "message": message},
        status_code=status_code,
    )


@router.post("/schedule/builds/{build_id}/publish", response_class=HTMLResponse)
async def publish_build(
    build_id: uuid.UUID, request: Request, session: DbSession, actor: Scheduler
) -> Response:
    """First post: the change list to confirm. The confirmed post (``confirmed=yes`` and
    the digest of the list the director read) publishes; a list that changed meanwhile is
    shown again instead."""
    target = f"/schedule/builds/{build_id}"
    form = await _form(request)
    try:
        if form.get("confirmed") != "yes":
            return _confirm_page(request, session, actor, build_id)
        result = service.publish_build(
            session, actor=actor, build_id=build_id, confirmed=form.get("digest", "")
        )
    except StepdownError as exc:
        if exc.status_code == 404:
            raise
        session.rollback()
        if exc.rule == "publish.changes_moved":
            return _confirm_page(
                request,
                session,
                actor,
                build_id,
                message="The changes differ from the ones you confirmed (the calendar or the "
                "build changed meanwhile). Read them again before publishing.",
                status_code=409,
            )
        return _go(request, target, f"Not published: {exc.message}", kind="error")
    return _go(
        request,
        target,
        f"Published the week of {result.build.week_of}: {result.sessions_added} sessions added, "
        f"{result.sessions_changed} changed, {result.sessions_cancelled} cancelled; "
        f"{result.clients_affected} clients' and {result.staff_affected} staff members' weeks "
        "changed, and each of them has been told.",
    )


@router.get("/schedule/builds/{build_id}/adjust", response_class=HTMLResponse)
def adjust_page(
    build_id: uuid.UUID, request: Request, session: DbSession, actor: Scheduler
) -> Response:
    try:
        view = service.adjust_view(session, actor=actor, build_id=build_id)
    except StepdownError as exc:
        if exc.status_code == 404:
            raise
        return _go(request, f"/schedule/builds/{build_id}", f"Not adjusted: {exc.message}", "error")
    return render(
        request,
        "scheduling/adjust.html",
        {"view": view, "b": view.build, "errors": {}, "values": {}},
    )


def _adjust_refused(
    request: Request,
    session: Session,
    actor: Actor,
    build_id: uuid.UUID,
    exc: StepdownError,
    values: dict[str, str],
) -> Response:
    session.rollback()
    if exc.status_code == 404 or exc.field is None:
        return _go(request, f"/schedule/builds/{build_id}", f"Not adjusted: {exc.message}", "error")
    view = service.adjust_view(session, actor=actor, build_id=build_id)
    return render(
        request,
        "scheduling/adjust.html",
        {"view": view, "b": view.build, "errors": {exc.field: exc.message}, "values": values},
        status_code=exc.status_code,
    )


def _validity(build_summary: dict[str, Any]) -> str:
    if build_summary.get("valid", True):
        return "The validator finds no broken rule."
    return "The schedule now breaks a rule (listed below): it cannot be published until fixed."


@router.post("/schedule/builds/{build_id}/move", response_class=HTMLResponse)
async def move_client(
    build_id: uuid.UUID, request: Request, session: DbSession, actor: Scheduler
) -> Response:
    form = await _form(request)
    try:
        build = service.move_client(
            session,
            actor=actor,
            build_id=build_id,
            client=form.get("client", ""),
            from_session=form.get("from_session", ""),
            to_session=form.get("to_session", ""),
        )
    except StepdownError as exc:
        return _adjust_refused(request, session, actor, build_id, exc, form)
    return _go(
        request,
        f"/schedule/builds/{build_id}/adjust",
        f"Client moved. {_validity(build.summary)}",
    )


@router.post("/schedule/builds/{build_id}/drop", response_class=HTMLResponse)
async def drop_session(
    build_id: uuid.UUID, request: Request, session: DbSession, actor: Scheduler
) -> Response:
    """First post: which group, and who loses it, to confirm; the confirmed post drops it."""
    form = await _form(request)
    session_id = form.get("session", "")
    try:
        if form.get("confirmed") != "yes":
            view = service.adjust_view(session, actor=actor, build_id=build_id)
            group = next((g for g in view.groups if g[0] == session_id), None)
            if group is None:
                raise Invalid("choose a group that runs in this build", field="session")
            return render(
                request, "scheduling/drop_confirm.html", {"b": view.build, "group": group}
            )
        build, members = service.drop_session(
            session, actor=actor, build_id=build_id, session_id=session_id
        )
    except StepdownError as exc:
        return _adjust_refused(request, session, actor, build_id, exc, form)
    return _go(
        request,
        f"/schedule/builds/{build_id}/adjust",
        f"Group dropped; {len(members)} clients lose it. {_validity(build.summary)}",
    )


@router.post("/schedule/builds/{build_id}/discard", response_class=HTMLResponse)
def discard_build(
    build_id: uuid.UUID, request: Request, session: DbSession, actor: Scheduler
) -> Response:
    try:
        build = service.discard_build(session, actor=actor, build_id=build_id)
    except StepdownError as exc:
        if exc.status_code == 404:
            raise
        session.rollback()
        return _go(
            request, f"/schedule/builds/{build_id}", f"Not discarded: {exc.message}", kind="error"
        )
    return _go(request, f"/schedule?week={build.week_of}", "Build discarded.")
