"""Billing staff's pages: a week's charges (held lines with reasons, ready lines, by payer),
releasing and exporting them, the claim files, posting a remittance, the denials worklist
and balances.

Every change is a POST that redirects back with a message; a refusal comes back on the
page with the field named. A claim file is a disclosure to the payer: exporting passes
each claim through the gate, and the download route is declared gated (Channel.CLAIM) so
the outbound-route walk knows it.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from stepdown.billing import access, charges, claims, descriptors, remittances, review
from stepdown.billing.claim_data import Frequency
from stepdown.billing.models import Claim, Remittance
from stepdown.billing.rules import LineStatus, week_of
from stepdown.coverage.models import Payer
from stepdown.disclosures import outbound
from stepdown.disclosures.models import Channel
from stepdown.kit import bounds
from stepdown.kit.clock import today
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.settings import Settings
from stepdown.web import flash, navigation
from stepdown.web.templating import render, templates

router = APIRouter(tags=["pages"], include_in_schema=False)
navigation.register("Billing", "/billing", access.READ, order=59)
Reader = Annotated[Actor, allow(access.READ)]
Worker = Annotated[Actor, allow(access.WORK)]


def money(cents: int) -> str:
    """Dollars and cents, as billing staff read them ($1,234.50; -$12.00)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{part:02d}"


templates.env.filters["money"] = money


def _week(value: str | None) -> date:
    """The Monday of the asked-for week (this week when none is asked)."""
    if not value:
        return week_of(today())
    day = bounds.require_day(value, field="week", what="the week's Monday")
    if day.weekday() != 0:
        raise Invalid("a billing week starts on a Monday", field="week")
    return day


def _back(request: Request, where: str, message: str, *, kind: str = "info") -> Response:
    response = RedirectResponse(where, status_code=303)
    flash.flash(request, response, message, kind=kind)
    return response


def _week_url(monday: date) -> str:
    return f"/billing?{urlencode({'week': monday.isoformat()})}"


async def _form(request: Request) -> dict[str, str]:
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _payer_id(session: Session, value: str) -> uuid.UUID | None:
    if not value:
        return None
    try:
        payer_id = uuid.UUID(value)
    except ValueError:
        raise Invalid("choose a payer from the list", field="payer") from None
    if session.get(Payer, payer_id) is None:
        raise Invalid("choose a payer from the list", field="payer")
    return payer_id


def _week_page(
    request: Request,
    session: Session,
    actor: Actor,
    monday: date,
    *,
    error: StepdownError | None = None,
) -> HTMLResponse:
    view = review.week(session, actor=actor, week_of=monday)
    settings: Settings = request.app.state.settings
    return render(
        request,
        "billing/week.html",
        {
            "view": view,
            "statuses": LineStatus,
            "may_work": access.WORK.allows(actor.role),
            "error": error,
            "descriptors": descriptors.load(settings.code_descriptors_file),
        },
        status_code=error.status_code if error else 200,
    )


@router.get("/billing", response_class=HTMLResponse)
def week_page(
    request: Request, session: DbSession, actor: Reader, week: str | None = None
) -> Response:
    try:
        monday = _week(week)
    except Invalid as exc:
        return _week_page(request, session, actor, week_of(today()), error=exc)
    return _week_page(request, session, actor, monday)


@router.post("/billing/charges", response_class=HTMLResponse)
async def compute(request: Request, session: DbSession, actor: Worker) -> Response:
    form = await _form(request)
    monday = week_of(today())
    try:
        monday = _week(form.get("week"))
        result = charges.compute_week(session, actor=actor, week_of=monday)
    except StepdownError as exc:
        session.rollback()
        return _week_page(request, session, actor, monday, error=exc)
    kept = f"; {result.kept} client-days already sent were left as they were" if result.kept else ""
    return _back(request, _week_url(monday), f"Charges computed: {result.written} lines{kept}.")


@router.post("/billing/release", response_class=HTMLResponse)
async def release(request: Request, session: DbSession, actor: Worker) -> Response:
    form = await _form(request)
    monday = week_of(today())
    try:
        monday = _week(form.get("week"))
        payer_id = _payer_id(session, form.get("payer", ""))
        count = claims.release(session, actor=actor, week_of=monday, payer_id=payer_id)
    except StepdownError as exc:
        session.rollback()
        return _week_page(request, session, actor, monday, error=exc)
    return _back(request, _week_url(monday), f"Released {count} lines for claims.")


@router.post("/billing/export", response_class=HTMLResponse)
async def export(request: Request, session: DbSession, actor: Worker) -> Response:
    form = await _form(request)
    monday = week_of(today())
    try:
        monday = _week(form.get("week"))
        payer_id = _payer_id(session, form.get("payer", ""))
        result = claims.export_week(session, actor=actor, week_of=monday, payer_id=payer_id)
    except StepdownError as exc:
        session.rollback()
        return _week_page(request, session, actor, monday, error=exc)
    if result.reused:
        message = "Nothing newly released: the week's claim files are as already written."
    else:
        count = sum(b.claim_count for b in result.batches)
        message = f"Exported {count} claims in {len(result.batches)} files."
    if result.held:
        message += f" {result.held} lines were held back: see their reasons."
    return _back(request, _week_url(monday), message)


@router.get("/billing/files/{batch_id}")
def claim_file(
    batch_id: uuid.UUID,
    session: DbSession,
    actor: Worker,
    _: Annotated[None, outbound.gated(Channel.CLAIM)],
) -> Response:
    """The file as written at export (each claim on it went through the gate then)."""
    batch = claims.batch_file(session, actor=actor, batch_id=batch_id)
    return Response(
        batch.content,
        media_type="application/edi-x12",
        headers={"Content-Disposition": f'attachment; filename="{batch.filename}"'},
    )


@router.post("/billing/claims/{claim_id}/correct", response_class=HTMLResponse)
async def correct(
    claim_id: uuid.UUID, request: Request, session: DbSession, actor: Worker
) -> Response:
    form = await _form(request)
    try:
        frequency = Frequency(form.get("frequency", ""))
    except ValueError:
        frequency = Frequency.ORIGINAL
    claim = session.get(Claim, claim_id)
    where = _week_url(claim.week_of) if claim is not None else "/billing/balances"
    try:
        batch = claims.correct(session, actor=actor, claim_id=claim_id, frequency=frequency)
    except StepdownError as exc:
        session.rollback()
        return _back(request, "/billing/balances", exc.message, kind="error")
    what = "Void" if frequency is Frequency.VOID else "Replacement"
    return _back(request, where, f"{what} written: {batch.filename}.")


# --- Remittances, denials, balances ---------------------------------------------------------


def _remittances_page(
    request: Request, session: Session, actor: Actor, *, error: StepdownError | None = None
) -> HTMLResponse:
    posted = list(
        session.scalars(select(Remittance).order_by(Remittance.posted_at.desc()).limit(50))
    )
    return render(
        request,
        "billing/remittances.html",
        {"posted": posted, "error": error, "may_work": access.WORK.allows(actor.role)},
        status_code=error.status_code if error else 200,
    )


@router.get("/billing/remittances", response_class=HTMLResponse)
def remittances_page(request: Request, session: DbSession, actor: Reader) -> Response:
    return _remittances_page(request, session, actor)


@router.post("/billing/remittances", response_class=HTMLResponse)
async def post_remittance(request: Request, session: DbSession, actor: Worker) -> Response:
    form = await request.form()
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid("choose the 835 file to post", field="file")
        raw = await upload.read(remittances.MAX_FILE_BYTES + 1)
        if len(raw) > remittances.MAX_FILE_BYTES:
            raise Invalid("the file is larger than 5 MB", field="file")
        text = raw.decode("ascii", errors="replace")
        result = remittances.post(session, actor=actor, text=text, filename=upload.filename)
    except StepdownError as exc:
        session.rollback()
        return _remittances_page(request, session, actor, error=exc)
    message = (
        f"Posted {result.claims} claims from {result.remittances} remittance(s); "
        f"{result.denials} denied."
    )
    if result.unmatched:
        message += f" Not claims we sent: {', '.join(result.unmatched)}."
    return _back(request, "/billing/denials" if result.denials else "/billing/balances", message)


@router.get("/billing/denials", response_class=HTMLResponse)
def denials_page(request: Request, session: DbSession, actor: Reader) -> Response:
    found = remittances.denials(session, actor=actor, today=today())
    return render(
        request,
        "billing/denials.html",
        {"denials": found, "may_work": access.WORK.allows(actor.role)},
    )


@router.post("/billing/denials/{payment_id}/worked", response_class=HTMLResponse)
async def work_denial(
    payment_id: uuid.UUID, request: Request, session: DbSession, actor: Worker
) -> Response:
    form = await _form(request)
    try:
        remittances.work_denial(
            session, actor=actor, payment_id=payment_id, note=form.get("note", "")
        )
    except StepdownError as exc:
        session.rollback()
        return _back(request, "/billing/denials", f"{exc.field}: {exc.message}", kind="error")
    return _back(request, "/billing/denials", "Denial taken off the worklist.")


@router.get("/billing/balances", response_class=HTMLResponse)
def balances_page(request: Request, session: DbSession, actor: Reader) -> Response:
    found = remittances.balances(session, actor=actor)
    return render(
        request,
        "billing/balances.html",
        {"balances": found, "may_work": access.WORK.allows(actor.role)},
    )
