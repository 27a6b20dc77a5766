"""The director's Outcomes page, its print view, the CSV downloads and the drill-down.

The page is live: every request computes the figures from the tables as they are now (the
charts are cached on their data, so an unchanged figure is not drawn twice). Filters are a
GET form, so a filtered view is a link that can be shared and printed. What leaves the
screen (the print view, the CSV of a figure, the CLI report) is masked: counts under 11
show as "<11". The de-identified export is the director's only.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from stepdown.disclosures import outbound
from stepdown.kit.clock import today
from stepdown.kit.errors import Invalid, NotFound
from stepdown.kit.web import DbSession
from stepdown.outcomes import access, charts, exports, filters, service
from stepdown.outcomes.figures import MASK, SMALL_CELL, cell_text
from stepdown.outcomes.scope import Scope
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.settings import Settings
from stepdown.web import navigation
from stepdown.web.templating import render, templates

router = APIRouter(tags=["pages"], include_in_schema=False)
navigation.register("Outcomes", "/outcomes", access.READ, order=58)
# The table cells on the page and in the print view read as the CSV does (figures.cell_text).
templates.env.filters["cell"] = cell_text

AGGREGATE = "aggregate figures with counts under 11 masked: no client can be identified"


def _form(request: Request) -> dict[str, str]:
    q = request.query_params
    return {k: q.get(k, "") for k in ("from", "to", "site", "level", "track", "payer", "cohort")}


def _scope(session: Session, form: dict[str, str]) -> Scope:
    return filters.scope_from(
        session,
        start=form["from"],
        end=form["to"],
        today=today(),
        site=form["site"],
        level=form["level"],
        track=form["track"],
        payer=form["payer"],
        cohort=form["cohort"],
    )


def _query(scope: Scope) -> str:
    """The scope as a query string, so every link on the page keeps the filters."""
    parts = {
        "from": scope.start.isoformat(),
        "to": scope.end.isoformat(),
        "site": str(scope.site_id) if scope.site_id else "",
        "level": scope.level or "",
        "track": scope.track or "",
        "payer": scope.payer or "",
        "cohort": scope.cohort or "",
    }
    return urlencode({k: v for k, v in parts.items() if v})


def _page(request: Request, session: Session, actor: Actor, *, masked: bool) -> Response:
    form = _form(request)
    context: dict[str, object] = {
        "form": form,
        "choices": filters.choices(session),
        "may_drill": access.DRILL.allows(actor.role),
        "may_export": access.EXPORT.allows(actor.role),
        "small_cell": SMALL_CELL,
        "mask": MASK,
    }
    template = "outcomes/print.html" if masked else "outcomes/index.html"
    try:
        scope = _scope(session, form)
    except Invalid as exc:
        context["error"] = exc
        return render(request, template, context, status_code=422)
    found = service.report(session, actor=actor, scope=scope, as_of=today(), masked=masked)
    context.update(
        report=found,
        query=_query(scope),
        svgs={f.key: Markup(charts.render(f)) for f in found.figures},  # noqa: S704 - our own SVG
    )
    return render(request, template, context)


@router.get("/outcomes", response_class=HTMLResponse)
def index(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.READ)]
) -> Response:
    """The Outcomes page: every figure, exact, with its table and a CSV of it."""
    return _page(request, session, actor, masked=False)


@router.get("/outcomes/print", response_class=HTMLResponse)
def printable(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.READ)],
    _internal: Annotated[None, outbound.internal_copy(AGGREGATE)],
) -> Response:
    """The board-meeting copy: the same figures, masked, laid out for paper."""
    return _page(request, session, actor, masked=True)


@router.get("/outcomes/figures/{key}.csv")
def figure_csv(
    key: str,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.READ)],
) -> Response:
    """One figure's table as CSV, masked as every copy that leaves the screen is."""
    found = service.report(
        session, actor=actor, scope=_scope(session, _form(request)), as_of=today(), masked=True
    )
    figure = found.figure(key)
    if figure is None:
        raise NotFound(f"no figure {key!r}")
    return Response(
        exports.table_csv(figure.table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="outcomes-{key}.csv"'},
    )


@router.get("/outcomes/drill", response_class=HTMLResponse)
def drill(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.DRILL)],
    cell: str = "",
) -> Response:
    """The named clients behind one count: each is a read of that client's record."""
    form = _form(request)
    scope = _scope(session, form)
    found = service.drill(session, actor=actor, scope=scope, as_of=today(), key=cell[:200])
    return render(request, "outcomes/drill.html", {"drill": found, "query": _query(scope)})


@router.get("/outcomes/deidentified.csv")
def deidentified(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.EXPORT)],
) -> Response:
    """The measures per episode with no names and month dates (a limited data set)."""
    settings: Settings = request.app.state.settings
    text = service.deidentified(
        session,
        actor=actor,
        scope=_scope(session, _form(request)),
        as_of=today(),
        secret=settings.effective_secret_key,
    )
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="outcomes-deidentified.csv"'},
    )
