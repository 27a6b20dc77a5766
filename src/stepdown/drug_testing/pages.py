"""Drug-test pages: the chart's Drug tests tab with its forms, and a site's tests of the day.

Chart forms that are refused re-render the tab with the field's error and the values
entered (status 4xx), through the chart page's renderer. Times are entered and shown on
the program's clock (``kit.clock``) and stored in UTC.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from stepdown.chart import tabs
from stepdown.chart.pages import chart_page
from stepdown.drug_testing import access, service
from stepdown.drug_testing.models import (
    Analyte,
    Method,
    OrderReason,
    OrderStatus,
    ResultValue,
    SpecimenType,
)
from stepdown.drug_testing.schemas import ResultEntry
from stepdown.kit import bounds, clock
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.programs import service as programs_service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
TAB = "drug_tests"
tabs.register(
    TAB,
    "Drug tests",
    access.ORDERS_READ,
    template="drug_testing/_chart_tab.html",
    build=lambda session, actor, client: service.chart_tab(session, actor=actor, client=client),
    order=70,
)
navigation.register("Today's tests", "/testing", access.TODAY, order=25)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _date(value: str, field: str) -> date:
    return bounds.require_day(value, field=field)


def _when(value: str) -> datetime:
    """A ``datetime-local`` value on the program's clock, stored as UTC; blank means now."""
    if not value.strip():
        return utc_now()
    return clock.parse_local(value, field="collected_at")


E = TypeVar("E", OrderReason, SpecimenType, OrderStatus, Method, ResultValue)


def _enum(cls: type[E], value: str, field: str) -> E:
    try:
        return cls(value)
    except ValueError:
        raise Invalid("choose from the list", field=field) from None


def _done(request: Request, target: str, message: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    flash.flash(request, response, message)
    return response


def _chart(client_id: uuid.UUID, anchor: str = "") -> str:
    return f"/clients/{client_id}?tab={TAB}" + (f"#{anchor}" if anchor else "")


def _refused(
    request: Request,
    session: DbSession,
    actor: Actor,
    client_id: uuid.UUID,
    exc: StepdownError,
    form: dict[str, str],
) -> Response:
    return chart_page(request, session, actor, client_id, TAB, error=exc, form=form)


@router.post("/clients/{client_id}/testing/orders", response_class=HTMLResponse)
def order_test(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ORDER)],
    reason: Annotated[str, Form()] = "",
    on: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    form = {"action": "order", "reason": reason, "on": on, "note": note}
    nested = session.begin_nested()
    try:
        order = service.order_test(
            session,
            actor=actor,
            client_id=client_id,
            reason=_enum(OrderReason, reason, "reason"),
            on=_date(on, "on") if on.strip() else None,
            note=note,
        )
    except StepdownError as exc:
        nested.rollback()
        return _refused(request, session, actor, client_id, exc, form)
    nested.commit()
    label = order.reason.value.replace("_", "-")
    return _done(request, _chart(client_id), f"Ordered a {label} test for {order.ordered_on}.")


@router.post("/clients/{client_id}/testing/standing", response_class=HTMLResponse)
def set_standing(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.ORDER)],
    weekday: Annotated[str, Form()] = "",
    starts_on: Annotated[str, Form()] = "",
) -> Response:
    form = {"action": "standing", "weekday": weekday, "starts_on": starts_on}
    nested = session.begin_nested()
    try:
        day = bounds.parse_optional_int(weekday, field="weekday", le=6)
        service.set_standing_schedule(
            session,
            actor=actor,
            client_id=client_id,
            weekday=day,
            starts_on=_date(starts_on, "starts_on"),
        )
    except StepdownError as exc:
        nested.rollback()
        return _refused(request, session, actor, client_id, exc, form)
    nested.commit()
    message = "Standing tests stopped." if day is None else f"Tested every {WEEKDAYS[day]}."
    return _done(request, _chart(client_id), message)


def _back(target: str, client_id: uuid.UUID, day: date, site: str) -> str:
    """Where a collection form returns to: the day's list it came from, or the chart."""
    if target == "today":
        return f"/testing?site={site}&day={day.isoformat()}"
    return _chart(client_id)


@router.post("/testing/orders/{order_id}/collection", response_class=HTMLResponse)
def record_collection(
    order_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.COLLECT)],
    client_id: Annotated[uuid.UUID, Form()],
    specimen_type: Annotated[str, Form()] = "",
    observed: Annotated[str, Form()] = "",
    collected_at: Annotated[str, Form()] = "",
    chain_of_custody_id: Annotated[str, Form()] = "",
    collector_id: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
    site: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "action": "collect",
        "order_id": str(order_id),
        "specimen_type": specimen_type,
        "observed": observed,
        "collected_at": collected_at,
        "chain_of_custody_id": chain_of_custody_id,
    }
    nested = session.begin_nested()
    try:
        try:
            collector = uuid.UUID(collector_id) if collector_id.strip() else None
        except ValueError:
            raise Invalid("choose a staff member", field="collector_id") from None
        collection = service.record_collection(
            session,
            actor=actor,
            order_id=order_id,
            specimen_type=_enum(SpecimenType, specimen_type, "specimen_type"),
            observed=observed == "yes",
            collected_at=_when(collected_at),
            chain_of_custody_id=chain_of_custody_id,
            collector_id=collector,
        )
    except StepdownError as exc:
        nested.rollback()
        if back == "today":
            flash_target = _back(back, client_id, today(), site)
            response = RedirectResponse(flash_target, status_code=303)
            prefix = f"{exc.field.replace('_', ' ').capitalize()}: " if exc.field else ""
            flash.flash(request, response, f"{prefix}{exc.message}", kind="error")
            return response
        return _refused(request, session, actor, client_id, exc, form)
    nested.commit()
    target = _back(back, collection.client_id, clock.local(collection.collected_at).date(), site)
    return _done(request, target, "Collection recorded.")


@router.post("/testing/orders/{order_id}/outcome", response_class=HTMLResponse)
def mark_outcome(
    order_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.COLLECT)],
    client_id: Annotated[uuid.UUID, Form()],
    status: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
    site: Annotated[str, Form()] = "",
) -> Response:
    form = {"action": "outcome", "order_id": str(order_id), "status": status, "note": note}
    nested = session.begin_nested()
    try:
        order = service.mark_outcome(
            session,
            actor=actor,
            order_id=order_id,
            status=_enum(OrderStatus, status, "status"),
            note=note,
        )
    except StepdownError as exc:
        nested.rollback()
        if back == "today":
            response = RedirectResponse(_back(back, client_id, today(), site), status_code=303)
            flash.flash(request, response, exc.message, kind="error")
            return response
        return _refused(request, session, actor, client_id, exc, form)
    nested.commit()
    target = _back(back, order.client_id, order.ordered_on, site)
    return _done(request, target, f"Marked {order.status.value}.")


@router.post("/testing/collections/{collection_id}/results", response_class=HTMLResponse)
async def record_results(
    collection_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.COLLECT)],
) -> Response:
    """The results grid: one row per analyte with a method and a result; blank rows are
    skipped, so a partial panel (or a breath test) enters only what was tested."""
    data = await request.form()
    form = {k: str(v) for k, v in data.items() if isinstance(v, str)}
    form["action"] = "results"
    form["collection_id"] = str(collection_id)
    client_id = uuid.UUID(int=0)
    nested = session.begin_nested()
    try:
        try:
            client_id = uuid.UUID(form.get("client_id", ""))
        except ValueError:
            raise Invalid("missing client", field="client_id") from None
        entries = [_entry(form, analyte) for analyte in Analyte if form.get(f"result_{analyte}")]
        results = service.record_results(
            session, actor=actor, collection_id=collection_id, entries=entries
        )
    except StepdownError as exc:
        nested.rollback()
        return _refused(request, session, actor, client_id, exc, form)
    nested.commit()
    unexpected = sum(r.interpretation.value == "unexpected_positive" for r in results)
    message = f"{len(results)} result(s) recorded"
    if unexpected:
        message += f"; {unexpected} unexpected positive(s)"
    return _done(request, _chart(client_id, f"collection-{collection_id}"), message + ".")


def _number(form: dict[str, str], name: str) -> float | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise Invalid("enter a number", field=name) from None
    if value < 0:
        raise Invalid("enter a number of zero or more", field=name)
    return value


def _entry(form: dict[str, str], analyte: Analyte) -> ResultEntry:
    return ResultEntry(
        analyte=analyte,
        method=_enum(Method, form.get(f"method_{analyte}", ""), f"method_{analyte}"),
        result=_enum(ResultValue, form.get(f"result_{analyte}", ""), f"result_{analyte}"),
        value=_number(form, f"value_{analyte}"),
        cutoff=_number(form, f"cutoff_{analyte}"),
        unit=form.get(f"unit_{analyte}", "").strip()[:20],
    )


@router.get("/testing", response_class=HTMLResponse)
def today_page(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.TODAY)],
    site: str = "",
    day: str = "",
) -> Response:
    """A site's tests of a day, for the staff collecting specimens: the default site is the
    caller's own, else the first."""
    sites = programs_service.list_sites(session)
    chosen = next((s for s in sites if s.code == site.strip().upper()), None)
    if chosen is None:
        chosen = next((s for s in sites if s.id == actor.site_id), sites[0] if sites else None)
    on = today()
    error = ""
    if day.strip():
        try:
            on = bounds.require_day(day, field="day")
        except Invalid as exc:
            error = f"Day: {exc.message}"
    rows = service.todays_tests(session, actor=actor, site_id=chosen.id, day=on) if chosen else []
    draw = service.get_draw(session, site_id=chosen.id, day=on) if chosen else None
    return render(
        request,
        "drug_testing/today.html",
        {
            "sites": sites,
            "site": chosen,
            "day": on,
            "rows": rows,
            "draw": draw,
            "error": error,
            "can_collect": access.COLLECT.allows(actor.role),
            "specimen_types": list(SpecimenType),
        },
        status_code=422 if error else 200,
    )
