"""The concurrent-review packet as a page made for paper and as a PDF.

The page is standalone (no menu, no chart tabs), laid out for paper by the stylesheet's
print rules for printable pages ("accountability: printable summary" in stepdown.css); the
browser prints it, as the strict Content-Security-Policy allows no inline script. A range
the packet cannot cover re-renders the range form with the field named (422) instead of a
packet. Both forms are audited exports (``packet.build_packet``).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from stepdown.authorizations import access, packet
from stepdown.consents.models import InformationClass
from stepdown.disclosures import gate, outbound
from stepdown.disclosures import pdf as disclosure_pdf
from stepdown.disclosures.models import Channel
from stepdown.disclosures.responses import refused
from stepdown.kit import bounds
from stepdown.kit.clock import local, today, utc_now
from stepdown.kit.errors import Invalid
from stepdown.kit.pdf import Document, Sizes
from stepdown.kit.web import DbSession
from stepdown.programs.card import ProgramCard
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Target = Annotated[outbound.ReleaseTarget, outbound.release_to(Channel.REVIEW_PACKET)]
# What each section is, for the gate: a payer receives the sections the consent covers.
SECTION_CLASSES: dict[str, InformationClass] = {
    "dimensions": InformationClass.ASSESSMENTS,
    "trends": InformationClass.ASSESSMENTS,
    "diagnoses": InformationClass.DIAGNOSES,
    "medications": InformationClass.MEDICATIONS,
    "hours": InformationClass.ATTENDANCE,
    "drug_tests": InformationClass.DRUG_TESTS,
    "plan": InformationClass.PLANS,
    "discharge_plan": InformationClass.PLANS,
}
WITHHELD = "Withheld from this recipient: no consent of the client's covers it."
Builder = Annotated[Actor, allow(access.REVIEW_PACKET)]
From = Annotated[str | None, Query(alias="from")]
To = Annotated[str | None, Query(alias="to")]

# A provider files this document, so it is set as the discharge summary is.
SIZES = Sizes(title=(18, 9), heading=(13, 7), heading_space=3, text=(10, 5))
CHOOSE = "choose one of this episode's authorizations"
SYNTHETIC = "Synthetic demo: every person and fact in this packet is made up."


def _range(start: str | None, end: str | None) -> tuple[date, date]:
    return (
        bounds.require_day(start, field="from", what="the first day"),
        bounds.require_day(end, field="to", what="the last day"),
    )


def _authorization_id(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        raise Invalid(CHOOSE, field="authorization") from None


def _release(
    session: DbSession, actor: Actor, found: packet.Packet, target: outbound.ReleaseTarget
) -> tuple[packet.Packet, gate.Screening | None]:
    """The packet as it may leave for ``target``: the sections the consent covers, the
    rest marked withheld (raises ``DisclosureRefused`` when nothing is covered)."""
    if target.recipient_id is None or target.purpose is None:
        return found, None
    release = gate.disclose(
        session,
        actor=actor,
        client_id=found.client_id,
        recipient_id=target.recipient_id,
        purpose=target.purpose,
        classes=frozenset(SECTION_CLASSES[s.key] for s in found.sections if not s.withheld),
        channel=Channel.REVIEW_PACKET,
        description=(
            f"concurrent-review packet {found.starts_on.isoformat()} to {found.ends_on.isoformat()}"
        ),
        partial=True,
    )
    sections = tuple(
        s
        if s.withheld or SECTION_CLASSES[s.key] in release.allowed
        else replace(s, withheld=WITHHELD)
        for s in found.sections
    )
    notice = f"Released to {release.recipient_label} under the client's written consent."
    return replace(found, sections=sections, notice=notice), release


def _printer(session: DbSession, actor: Actor) -> str:
    if actor.user_id is None:
        return actor.username
    return security_service.display_names(session, {actor.user_id}).get(
        actor.user_id, actor.username
    )


@router.get("/episodes/{episode_id}/review-packet", response_class=HTMLResponse)
def packet_page(
    episode_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Builder,
    target: Target,
    start: From = None,
    end: To = None,
    authorization: str | None = None,
) -> Response:
    """The packet on a page made for paper, for internal preparation or (``?recipient=``)
    released to the payer through the gate; an audited export."""
    form = {"from": start or "", "to": end or "", "authorization": authorization or ""}
    context: dict[str, object] = {"episode_id": episode_id, "form": form, "today": today()}
    try:
        first, last = _range(start, end)
        found = packet.build_packet(
            session,
            actor=actor,
            episode_id=episode_id,
            starts_on=first,
            ends_on=last,
            authorization_id=_authorization_id(authorization),
            form="html",
        )
    except Invalid as exc:
        context["error"] = exc
        return render(request, "authorizations/packet.html", context, status_code=422)
    back = f"/clients/{found.client_id}?tab=authorizations"
    try:
        found, release = _release(session, actor, found, target)
    except gate.DisclosureRefused as exc:
        return refused(request, exc, back=back)
    context.update(
        packet=found,
        release=release,
        target=target,
        choices=outbound.choices(session, found.client_id),
        printed_by=_printer(session, actor),
        synthetic=SYNTHETIC,
        pdf_query=request.url.query,
    )
    return render(request, "authorizations/packet.html", context)


@router.get("/episodes/{episode_id}/review-packet.pdf")
def packet_pdf(
    episode_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Builder,
    target: Target,
    start: From = None,
    end: To = None,
    authorization: str | None = None,
) -> Response:
    """The packet as a PDF; an audited export. A refused range answers 422 naming the field;
    a refused release answers 403 with the gate's reason."""
    first, last = _range(start, end)
    found = packet.build_packet(
        session,
        actor=actor,
        episode_id=episode_id,
        starts_on=first,
        ends_on=last,
        authorization_id=_authorization_id(authorization),
        form="pdf",
    )
    try:
        found, release = _release(session, actor, found, target)
    except gate.DisclosureRefused as exc:
        return refused(request, exc, back=f"/clients/{found.client_id}?tab=authorizations")
    content = render_pdf(
        found,
        program=request.app.state.program.current(),
        printed_at=utc_now(),
        printed_by=_printer(session, actor),
        release=release,
    )
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="review-packet.pdf"'},
    )


def render_pdf(
    found: packet.Packet,
    *,
    program: ProgramCard,
    printed_at: datetime,
    printed_by: str,
    release: gate.Screening | None = None,
) -> bytes:
    """The packet's sections in the page's order, every item with its date and record."""
    doc = Document(f"Concurrent-review packet for {found.client_name}", sizes=SIZES)
    doc.pdf.set_creation_date(printed_at)
    if program.logo:
        doc.logo(program.logo)
    doc.title("Concurrent-review packet")
    doc.strong(found.notice)
    if found.synthetic:
        doc.strong(SYNTHETIC)
    doc.line(program.name)
    for line in program.address_lines:
        doc.line(line)
    if program.phone:
        doc.line(f"Phone: {program.phone}")
    doc.heading("Client")
    doc.line(
        f"{found.client_name}, born {found.date_of_birth.isoformat()}, record {found.record_number}"
    )
    doc.line(
        f"Admitted {found.admitted_on.isoformat()}"
        + (f"; level of care {found.level}" if found.level else "")
    )
    doc.line(
        f"Range {found.starts_on.isoformat()} to {found.ends_on.isoformat()} "
        f"({found.days} days, both included)"
    )
    if found.authorization:
        payer = f"; {found.payer}" if found.payer else ""
        doc.line(f"Authorization: {found.authorization}{payer}")
    for section in found.sections:
        doc.heading(section.title)
        if section.withheld:
            doc.line(section.withheld)
            continue
        if section.note:
            doc.line(section.note)
        doc.bullets(
            [f"{i.on.isoformat()}  {i.label}: {i.detail} (record: {i.url})" for i in section.items],
            empty=section.empty,
        )
    doc.pdf.ln(4)
    doc.line(
        f"Printed {local(printed_at):%Y-%m-%d %H:%M} by {printed_by}. "
        f"Times are {program.time_zone}. Record links are paths in {program.name}'s Stepdown."
    )
    if release is not None:
        disclosure_pdf.close(doc, release)
    return doc.bytes()
