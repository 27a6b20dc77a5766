"""Discharge-summary pages: the form (new or draft), a signed summary with its signatures,
addenda and co-signature, the printable page and the PDF, the chart's tab, the reminder on
the care timeline, and the list of summaries still due.

Forms are plain HTML. "Save draft" keeps the clinician's words; "Sign" saves and signs in
one step with the password or signing PIN typed into ``secret``. A refused form comes back
with what was typed (never the secret), the field named and the refusal's status code; a
refused signature saves and signs nothing.

The care timeline (``chart/_care.html``) includes ``discharge_summaries/_episode.html`` in
each episode that was discharged or referred out; it loads the reminder from
``/episodes/{id}/discharge-summaries/reminder`` (htmx), and without JavaScript links to the
episode's summaries page instead.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from stepdown.chart import tabs
from stepdown.consents.models import InformationClass
from stepdown.discharge_summaries import access, pdf, rules, service
from stepdown.discharge_summaries.models import Prognosis, SummaryStatus
from stepdown.disclosures import gate, outbound
from stepdown.disclosures.models import Channel
from stepdown.disclosures.responses import refused
from stepdown.kit import bounds
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.security.signing import SECRET_FIELD
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
INDEX = "/discharge-summaries"
TAB = "discharge_summaries"
navigation.register("Discharge summaries", INDEX, access.DUE, order=34)
tabs.register(
    TAB,
    "Discharge summaries",
    access.READ,
    template="discharge_summaries/_chart_tab.html",
    build=lambda session, actor, client: service.chart_tab(session, actor=actor, client=client),
    order=88,
)

Reader = Annotated[Actor, allow(access.READ)]
Writer = Annotated[Actor, allow(access.WRITE)]
Cosigner = Annotated[Actor, allow(access.COSIGN)]
Form = dict[str, str]
NARRATIVE_FIELDS = ("reason", "prognosis_text", "recommendations", "narrative")


def _url(summary_id: uuid.UUID) -> str:
    return f"/discharge-summaries/{summary_id}"


async def _read_form(request: Request) -> tuple[Form, str]:
    """The form's values, stripped, and the secret apart (never echoed back)."""
    data = await request.form()
    secret = data.get(SECRET_FIELD, "")
    values = {
        k: v.strip()
        for k, v in data.items()
        if isinstance(v, str) and k not in (SECRET_FIELD, "csrf_token")
    }
    return values, secret if isinstance(secret, str) else ""


def _narrative(form: Form) -> rules.Narrative:
    """The clinician's words from the form, each checked against its limit."""
    texts = {
        field: bounds.parse_text(form.get(field, ""), field=field, max_length=rules.LIMITS[field])
        for field in NARRATIVE_FIELDS
    }
    choice = form.get("prognosis", "")
    try:
        prognosis = Prognosis(choice) if choice else None
    except ValueError:
        raise Invalid("choose from the list", field="prognosis") from None
    return rules.Narrative(prognosis=prognosis, **texts)


def _values(narrative: rules.Narrative) -> Form:
    return {
        **narrative.texts(),
        "prognosis": narrative.prognosis.value if narrative.prognosis else "",
    }


def _errors(error: StepdownError | None) -> dict[str, str]:
    return {error.field or "form": error.message} if error is not None else {}


def _optional_uuid(value: str | None, field: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        raise Invalid("choose from the list", field=field) from None


# ---- lists ----------------------------------------------------------------------------------


@router.get(INDEX, response_class=HTMLResponse)
def index(
    request: Request, session: DbSession, actor: Annotated[Actor, allow(access.DUE)]
) -> Response:
    """Summaries still to write or sign, and those waiting for your co-signature."""
    return render(
        request,
        "discharge_summaries/index.html",
        {
            "summaries_due": service.summaries_due(session, actor=actor),
            "cosign_rows": service.awaiting_cosignature(session, actor=actor),
        },
    )


@router.get("/episodes/{episode_id}/discharge-summaries", response_class=HTMLResponse)
def episode_page(
    episode_id: uuid.UUID, request: Request, session: DbSession, actor: Reader
) -> Response:
    """An episode's discharge and referrals out with their summaries."""
    rows = service.episode_events(session, actor=actor, episode_id=episode_id)
    return render(
        request,
        "discharge_summaries/episode.html",
        {"rows": rows, "episode_id": episode_id, "can_write": service.may_write(actor)},
    )


@router.get("/episodes/{episode_id}/discharge-summaries/reminder", response_class=HTMLResponse)
def reminder(
    episode_id: uuid.UUID, request: Request, session: DbSession, actor: Reader
) -> Response:
    """The reminder shown in the episode on the care timeline (an htmx fragment)."""
    rows = service.episode_events(session, actor=actor, episode_id=episode_id)
    return render(
        request,
        "discharge_summaries/_reminder.html",
        {"rows": rows, "episode_id": episode_id, "can_write": service.may_write(actor)},
    )


# ---- a new summary --------------------------------------------------------------------------


def _new_page(
    request: Request,
    view: service.Preview,
    *,
    values: Form | None = None,
    error: StepdownError | None = None,
) -> Response:
    return render(
        request,
        "discharge_summaries/form.html",
        {
            "title": view.title,
            "client": view.client,
            "facts": view.facts,
            "sections": view.sections,
            "withheld": view.withheld,
            "live": True,
            "action": f"/episodes/{view.episode_id}/discharge-summaries",
            "segment_id": view.segment_id,
            "values": values if values is not None else _values(view.narrative),
            "errors": _errors(error),
            "prognoses": list(Prognosis),
            "limits": rules.LIMITS,
            "summary": None,
        },
        status_code=error.status_code if error else 200,
    )


@router.get("/episodes/{episode_id}/discharge-summaries/new", response_class=HTMLResponse)
def new_form(
    episode_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Writer,
    segment: str = "",
) -> Response:
    """The form for the summary of the episode's discharge, or of the referral out whose
    segment is given; an event that has one already opens it."""
    segment_id = _optional_uuid(segment, "segment")
    existing = service.existing_for(
        session, actor=actor, episode_id=episode_id, segment_id=segment_id
    )
    if existing is not None:
        return RedirectResponse(_url(existing), status_code=303)
    view = service.preview(session, actor=actor, episode_id=episode_id, segment_id=segment_id)
    return _new_page(request, view)


@router.post("/episodes/{episode_id}/discharge-summaries", response_class=HTMLResponse)
async def create(
    episode_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    form, secret = await _read_form(request)
    signing = form.get("action") == "sign"
    nested = session.begin_nested()
    try:
        segment_id = _optional_uuid(form.get("segment_id"), "segment_id")
        summary = service.create_draft(
            session,
            actor=actor,
            episode_id=episode_id,
            segment_id=segment_id,
            narrative=_narrative(form),
            prefill_reason=False,
        )
        if signing:
            summary = service.sign(session, actor=actor, summary_id=summary.id, secret=secret)
    except StepdownError as exc:
        nested.rollback()
        segment_id = _optional_uuid(form.get("segment_id"), "segment_id")
        view = service.preview(session, actor=actor, episode_id=episode_id, segment_id=segment_id)
        return _new_page(request, view, values=form, error=exc)
    nested.commit()
    response = RedirectResponse(_url(summary.id), status_code=303)
    flash.flash(request, response, _saved_message(summary.status))
    return response


def _saved_message(status: SummaryStatus) -> str:
    if status is SummaryStatus.DRAFT:
        return "Draft saved. The summary stays on your list until you sign it."
    if status is SummaryStatus.AWAITING_COSIGNATURE:
        return "Signed. It waits for your supervisor's co-signature."
    return "Signed. The summary is final; print it for the next provider."


# ---- one summary ----------------------------------------------------------------------------


def _summary_page(
    request: Request,
    view: service.SummaryView,
    *,
    values: Form | None = None,
    error: StepdownError | None = None,
) -> Response:
    template = "form.html" if view.may_edit else "summary.html"
    return render(
        request,
        f"discharge_summaries/{template}",
        {
            "view": view,
            "title": view.title,
            "client": view.client,
            "facts": view.facts,
            "sections": view.sections,
            "withheld": view.withheld,
            "live": view.is_draft,
            "action": _url(view.summary.id),
            "segment_id": view.summary.segment_id,
            "values": values if values is not None else _values(view.narrative),
            "errors": _errors(error),
            "prognoses": list(Prognosis),
            "limits": rules.LIMITS,
            "summary": view.summary,
        },
        status_code=error.status_code if error else 200,
    )


@router.get("/discharge-summaries/{summary_id}.pdf")
def summary_pdf(
    summary_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Reader,
    target: Annotated[outbound.ReleaseTarget, outbound.release_to(Channel.DISCHARGE_SUMMARY)],
) -> Response:
    """The signed summary as a PDF: the program's copy, or (``?recipient=&purpose=``) one
    sent under the client's consent with the § 2.32 notice, recorded as a disclosure; an
    audited export either way."""
    view = service.for_print(session, actor=actor, summary_id=summary_id, form="pdf")
    release = None
    if target.recipient_id is not None and target.purpose is not None:
        try:
            release = gate.disclose(
                session,
                actor=actor,
                client_id=view.client.id,
                recipient_id=target.recipient_id,
                purpose=target.purpose,
                classes=frozenset({InformationClass.DISCHARGE_SUMMARY}),
                channel=Channel.DISCHARGE_SUMMARY,
                description=f"{view.summary.kind.label.lower()}",
            )
        except gate.DisclosureRefused as exc:
            return refused(request, exc, back=_url(summary_id))
    content = pdf.render(
        view,
        program=request.app.state.program.current(),
        printed_at=utc_now(),
        printed_by=_printer(session, actor),
        release=release,
    )
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="discharge-summary.pdf"'},
    )


def _printer(session: DbSession, actor: Actor) -> str:
    if actor.user_id is None:
        return actor.username
    return security_service.display_names(session, {actor.user_id}).get(
        actor.user_id, actor.username
    )


@router.get("/discharge-summaries/{summary_id}/print", response_class=HTMLResponse)
def print_page(
    summary_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Reader,
    _: Annotated[None, outbound.internal_copy("the chart's paper copy; the PDF is released")],
) -> Response:
    """The signed summary on a page made for paper; an audited export."""
    view = service.for_print(session, actor=actor, summary_id=summary_id, form="html")
    return render(
        request,
        "discharge_summaries/print.html",
        {
            "view": view,
            "facts": view.facts,
            "sections": view.sections,
            "withheld": view.withheld,
            "live": False,
            "printed_at": utc_now(),
            "printed_by": _printer(session, actor),
            "confidential": pdf.CONFIDENTIAL,
            "synthetic": pdf.SYNTHETIC,
        },
    )


@router.get("/discharge-summaries/{summary_id}", response_class=HTMLResponse)
def summary_page(
    summary_id: uuid.UUID, request: Request, session: DbSession, actor: Reader
) -> Response:
    view = service.get_summary(session, actor=actor, summary_id=summary_id)
    return _summary_page(request, view)


@router.post("/discharge-summaries/{summary_id}", response_class=HTMLResponse)
async def save(
    summary_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    form, secret = await _read_form(request)
    signing = form.get("action") == "sign"
    nested = session.begin_nested()
    try:
        service.update_draft(
            session, actor=actor, summary_id=summary_id, narrative=_narrative(form)
        )
        summary = (
            service.sign(session, actor=actor, summary_id=summary_id, secret=secret)
            if signing
            else None
        )
    except StepdownError as exc:
        nested.rollback()
        view = service.get_summary(session, actor=actor, summary_id=summary_id)
        return _summary_page(request, view, values=form, error=exc)
    nested.commit()
    response = RedirectResponse(_url(summary_id), status_code=303)
    flash.flash(
        request, response, _saved_message(summary.status if summary else SummaryStatus.DRAFT)
    )
    return response


@router.post("/discharge-summaries/{summary_id}/cosign", response_class=HTMLResponse)
async def cosign(
    summary_id: uuid.UUID, request: Request, session: DbSession, actor: Cosigner
) -> Response:
    """Co-sign with your own password or PIN; a wrong one comes back with the error and
    co-signs nothing."""
    _, secret = await _read_form(request)
    nested = session.begin_nested()
    try:
        service.cosign(session, actor=actor, summary_id=summary_id, secret=secret)
    except StepdownError as exc:
        nested.rollback()
        view = service.get_summary(session, actor=actor, summary_id=summary_id)
        return _summary_page(request, view, error=exc)
    nested.commit()
    response = RedirectResponse(_url(summary_id), status_code=303)
    flash.flash(request, response, "Co-signed: the summary is final.")
    return response


@router.post("/discharge-summaries/{summary_id}/addenda", response_class=HTMLResponse)
async def add_addendum(
    summary_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    form, secret = await _read_form(request)
    nested = session.begin_nested()
    try:
        text = bounds.parse_text(
            form.get("text", ""), field="text", max_length=rules.LIMITS["addendum"]
        )
        service.add_addendum(session, actor=actor, summary_id=summary_id, text=text, secret=secret)
    except StepdownError as exc:
        nested.rollback()
        view = service.get_summary(session, actor=actor, summary_id=summary_id)
        return _summary_page(request, view, values=form, error=exc)
    nested.commit()
    response = RedirectResponse(_url(summary_id) + "#addenda", status_code=303)
    flash.flash(request, response, "Addendum signed and added; the summary itself is unchanged.")
    return response
