"""The chart's Summary tab and the printable accountability summary.

The tab shows the last 30 days' points for the review and a date-range form; the form and
the tab's link open the printable page, a standalone document (no menu, no chart tabs)
with the client, the range and who printed it when at the top, which the stylesheet's
print rules lay out for paper. The browser prints it: the strict Content-Security-Policy
allows no inline script, and the page needs none.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from stepdown.accountability import access, rules, service
from stepdown.chart import tabs
from stepdown.clients.models import Client
from stepdown.consents.models import InformationClass
from stepdown.disclosures import gate, outbound
from stepdown.disclosures.models import Channel
from stepdown.disclosures.responses import refused
from stepdown.kit import bounds
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Invalid
from stepdown.kit.web import DbSession
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)


@dataclass(frozen=True)
class SummaryTab:
    summary: service.AccountabilitySummary
    today: date


def _tab(session: Session, actor: Actor, client: Client) -> SummaryTab:
    now = today()
    start, end = rules.resolve_range(None, None, today=now)
    found = service.gather(session, actor=actor, client_id=client.id, start=start, end=end)
    return SummaryTab(found, now)


tabs.register(
    "summary",
    "Summary",
    access.READ,
    template="accountability/_tab.html",
    build=_tab,
    order=90,
)


def _date(value: str | None, field: str) -> date | None:
    """A date from the form, or None for an empty field (the default applies)."""
    return bounds.parse_day(value, field=field)


# What each section of the summary is, for the gate: a recipient sees the sections their
# consent covers. The points for the review draw on every section, so they go only where
# all of them may.
SECTIONS: dict[str, InformationClass] = {
    "attendance": InformationClass.ATTENDANCE,
    "hours": InformationClass.ATTENDANCE,
    "tests": InformationClass.DRUG_TESTS,
    "objectives": InformationClass.PLANS,
    "checkins": InformationClass.ASSESSMENTS,
    "instruments": InformationClass.ASSESSMENTS,
}


@router.get("/clients/{client_id}/accountability", response_class=HTMLResponse)
def printable(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.READ)],
    target: Annotated[outbound.ReleaseTarget, outbound.release_to(Channel.ACCOUNTABILITY_SUMMARY)],
    start: str | None = None,
    end: str | None = None,
) -> Response:
    """The printable summary: the program's own copy, or (``?recipient=&purpose=``) a copy for a
    recipient the client consented to, holding only what the consent covers, with the
    § 2.32 notice, and recorded as a disclosure. A range that cannot be summarised
    re-renders the range form with the field named (422) instead of a summary."""
    now = today()
    form = {"start": start or "", "end": end or ""}
    context: dict[str, object] = {
        "client_id": client_id,
        "form": form,
        "today": now,
        "target": target,
        "choices": outbound.choices(session, client_id) if actor.is_staff else [],
        "sections": set(SECTIONS),
    }
    try:
        first, last = rules.resolve_range(_date(start, "start"), _date(end, "end"), today=now)
        found = service.gather(session, actor=actor, client_id=client_id, start=first, end=last)
    except Invalid as exc:
        context["error"] = exc
        return render(request, "accountability/print.html", context, status_code=422)
    if target.recipient_id is not None and target.purpose is not None:
        try:
            release = gate.disclose(
                session,
                actor=actor,
                client_id=client_id,
                recipient_id=target.recipient_id,
                purpose=target.purpose,
                classes=frozenset(SECTIONS.values()),
                channel=Channel.ACCOUNTABILITY_SUMMARY,
                description=f"accountability summary {first.isoformat()} to {last.isoformat()}",
                partial=True,
            )
        except gate.DisclosureRefused as exc:
            return refused(request, exc, back=f"/clients/{client_id}?tab=summary")
        context.update(
            release=release,
            sections={name for name, item in SECTIONS.items() if item in release.allowed},
        )
    names = security_service.display_names(session, {actor.user_id} if actor.user_id else set())
    context.update(
        summary=found,
        form={"start": first.isoformat(), "end": last.isoformat()},
        printed_at=utc_now(),
        printed_by=names.get(actor.user_id, actor.username) if actor.user_id else actor.username,
    )
    return render(request, "accountability/print.html", context)
