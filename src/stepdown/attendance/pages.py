"""Attendance pages: the day's sessions, a roster made for a tablet in the group room, the
compliance board, and the chart's Hours tab.

The roster works without JavaScript: status choices are large radio buttons and the
minutes fields appear for late / left early through CSS alone (``:has``), since the
Content-Security-Policy allows no inline script. "All present" is its own small form that
records everyone not yet recorded; exceptions are then changed and saved. A refused save is
shown again (422) with every choice kept and the row's field named.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from stepdown.attendance import access, rules, service
from stepdown.attendance.api import parse_track, program_today
from stepdown.attendance.models import AttendanceStatus
from stepdown.chart import tabs
from stepdown.group_notes import service as group_notes_service
from stepdown.kit import bounds
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.programs import service as programs_service
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.security.roles import Role
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
navigation.register("Attendance", "/attendance", access.TAKE, order=30)
navigation.register("Hours board", "/attendance/board", access.HOURS, order=35)
tabs.register(
    "hours",
    "Hours",
    access.HOURS,
    template="attendance/_chart_tab.html",
    build=lambda session, actor, client: service.client_weeks(session, actor=actor, client=client),
    order=55,
)

STATUSES = [(s, rules.STATUS_LABELS[s]) for s in AttendanceStatus]


def _date(value: str, field: str) -> date | None:
    return bounds.parse_day(value, field=field, what="the date")


@router.get("/attendance", response_class=HTMLResponse)
def sessions_today(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.TAKE)],
    day: str = "",
    site: str = "",
) -> Response:
    """A clinician's own sessions of the day; with a site, everything there they may take."""
    chosen = _date(day, "day") or program_today(request)
    sites = programs_service.list_sites(session)
    site_obj = programs_service.require_site(session, site) if site.strip() else None
    if site_obj is None and actor.role is Role.CASE_MANAGER:
        site_obj = next((s for s in sites if s.id == actor.site_id), None)
    if site_obj is None and actor.role is Role.DIRECTOR and sites:
        site_obj = sites[0]
    found = service.sessions_on(
        session, actor=actor, day=chosen, site_id=site_obj.id if site_obj else None
    )
    return render(
        request,
        "attendance/today.html",
        {
            "day": chosen,
            "previous": chosen - timedelta(days=1),
            "next": chosen + timedelta(days=1),
            "sessions": found,
            "sites": sites,
            "site": site_obj,
        },
    )


def _note_href(actor: Actor, roster: service.Roster) -> str | None:
    """The group note form, for the leader or a director of a group that was held: the
    roster is where they finish, so the note is one click away. Site staff who covered the
    roster do not write the note (group_notes.access), so they get no link."""
    if roster.kind != "group" or roster.cancelled:
        return None
    if not group_notes_service.may_write(actor, leader_id=roster.leader_id):
        return None
    return f"/group-notes/occurrences/{roster.booking_id}"


def _roster_page(
    request: Request,
    roster: service.Roster,
    *,
    actor: Actor,
    action: str,
    errors: dict[str, str] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "attendance/roster.html",
        {
            "roster": roster,
            "note_href": _note_href(actor, roster),
            "action": action,
            "statuses": STATUSES,
            "errors": errors or {},
            "values": values or {},
        },
        status_code=status_code,
    )


@router.get("/attendance/occurrences/{occurrence_id}", response_class=HTMLResponse)
def roster_page(
    occurrence_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.TAKE)],
) -> Response:
    roster = service.roster(session, actor=actor, occurrence_id=occurrence_id)
    return _roster_page(
        request, roster, actor=actor, action=f"/attendance/occurrences/{occurrence_id}"
    )


@router.get("/attendance/appointments/{appointment_id}", response_class=HTMLResponse)
def appointment_page(
    appointment_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.TAKE)],
) -> Response:
    roster = service.appointment_roster(session, actor=actor, appointment_id=appointment_id)
    return _roster_page(
        request, roster, actor=actor, action=f"/attendance/appointments/{appointment_id}"
    )


def _minutes(raw: str, field: str) -> int:
    return bounds.parse_int(raw, field=field, le=24 * 60, default=0, message="enter whole minutes")


async def _submitted(
    request: Request, roster: service.Roster
) -> tuple[list[tuple[uuid.UUID, service.Entry | Invalid]], dict[str, dict[str, str]]]:
    """Each row the leader chose a status for, in roster order; rows left blank are skipped
    (a partial save is fine). A row whose minutes are not numbers carries its error."""
    form = await request.form()
    values: dict[str, dict[str, str]] = {}
    rows: list[tuple[uuid.UUID, service.Entry | Invalid]] = []
    for row in roster.rows:
        cid = str(row.client.id)
        fields = {
            name: str(form.get(f"{name}-{cid}", "")).strip()
            for name in ("status", "late_minutes", "left_early_minutes", "note")
        }
        values[cid] = fields
        if not fields["status"]:
            continue
        try:
            status = AttendanceStatus(fields["status"])
        except ValueError:
            rows.append((row.client.id, Invalid("choose a status", field="status")))
            continue
        # Only the field the status shows counts: a hidden field may hold an old value.
        late = left = 0
        try:
            if status is AttendanceStatus.LATE:
                late = _minutes(fields["late_minutes"], "late_minutes")
            elif status is AttendanceStatus.LEFT_EARLY:
                left = _minutes(fields["left_early_minutes"], "left_early_minutes")
        except Invalid as exc:
            rows.append((row.client.id, exc))
            continue
        rows.append(
            (row.client.id, service.Entry(row.client.id, status, late, left, fields["note"]))
        )
    return rows, values


def _row_errors(
    rows: list[tuple[uuid.UUID, service.Entry | Invalid]], exc: StepdownError
) -> dict[str, str]:
    """Map the service's ``entries[i].field`` back to the row it came from."""
    field = exc.field or ""
    if field.startswith("entries[") and "]" in field:
        index = int(field[len("entries[") : field.index("]")])
        entries = [cid for cid, e in rows if isinstance(e, service.Entry)]
        if index < len(entries):
            return {str(entries[index]): f"{_label(field)}{exc.message}"}
    return {"form": exc.message}


def _label(field: str) -> str:
    name = field.rsplit(".", 1)[-1]
    labels = {"late_minutes": "Minutes late: ", "left_early_minutes": "Minutes left early: "}
    return labels.get(name, "")


async def _save(
    request: Request,
    session: Session,
    actor: Actor,
    roster: service.Roster,
    action: str,
    write: Any,
) -> Response:
    rows, values = await _submitted(request, roster)
    for cid, item in rows:
        if isinstance(item, Invalid):
            errors = {str(cid): f"{_label(item.field or '')}{item.message}"}
            return _roster_page(
                request,
                roster,
                actor=actor,
                action=action,
                errors=errors,
                values=values,
                status_code=422,
            )
    entries = [e for _, e in rows if isinstance(e, service.Entry)]
    if not entries:
        errors = {"form": "choose a status for at least one member"}
        return _roster_page(
            request,
            roster,
            actor=actor,
            action=action,
            errors=errors,
            values=values,
            status_code=422,
        )
    nested = session.begin_nested()
    try:
        recorded: service.Recorded = write(entries)
    except StepdownError as exc:
        nested.rollback()
        return _roster_page(
            request,
            roster,
            actor=actor,
            action=action,
            errors=_row_errors(rows, exc),
            values=values,
            status_code=exc.status_code,
        )
    nested.commit()
    credited = sum(r.credited_minutes for r in recorded.records)
    message = f"Attendance saved for {len(recorded.records)}: {rules.hours(credited)} credited."
    if recorded.alerts:
        message += f" {recorded.alerts} alert(s) raised for the primary clinician."
    response = RedirectResponse(action, status_code=303)
    flash.flash(request, response, message)
    return response


@router.post("/attendance/occurrences/{occurrence_id}", response_class=HTMLResponse)
async def save_roster(
    occurrence_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.TAKE)],
) -> Response:
    roster = service.roster(session, actor=actor, occurrence_id=occurrence_id)

    def write(entries: list[service.Entry]) -> service.Recorded:
        return service.record_attendance(
            session,
            actor=actor,
            occurrence_id=occurrence_id,
            entries=entries,
            today=program_today(request),
        )

    return await _save(
        request, session, actor, roster, f"/attendance/occurrences/{occurrence_id}", write
    )


@router.post("/attendance/occurrences/{occurrence_id}/all-present", response_class=HTMLResponse)
def all_present(
    occurrence_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.TAKE)],
) -> Response:
    action = f"/attendance/occurrences/{occurrence_id}"
    response = RedirectResponse(action, status_code=303)
    nested = session.begin_nested()
    try:
        recorded = service.mark_all_present(
            session, actor=actor, occurrence_id=occurrence_id, today=program_today(request)
        )
    except StepdownError as exc:
        nested.rollback()
        flash.flash(request, response, exc.message, kind="error")
        return response
    nested.commit()
    flash.flash(
        request,
        response,
        f"{len(recorded.records)} marked present. Now change anyone who was not.",
    )
    return response


@router.post("/attendance/appointments/{appointment_id}", response_class=HTMLResponse)
async def save_appointment(
    appointment_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.TAKE)],
) -> Response:
    roster = service.appointment_roster(session, actor=actor, appointment_id=appointment_id)

    def write(entries: list[service.Entry]) -> service.Recorded:
        return service.record_appointment_attendance(
            session,
            actor=actor,
            appointment_id=appointment_id,
            entry=entries[0],
            today=program_today(request),
        )

    return await _save(
        request, session, actor, roster, f"/attendance/appointments/{appointment_id}", write
    )


@router.get("/attendance/board", response_class=HTMLResponse)
def board_page(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, allow(access.HOURS)],
    site: str = "",
    week: str = "",
    track: str = "",
    level: str = "",
) -> Response:
    sites = programs_service.list_sites(session)
    chosen = programs_service.require_site(session, site) if site.strip() else None
    if chosen is None and actor.site_id is not None:
        chosen = next((s for s in sites if s.id == actor.site_id), None)
    chosen = chosen or (sites[0] if sites else None)
    context: dict[str, Any] = {
        "sites": sites,
        "site": chosen,
        "track": track,
        "level": level,
        "board": None,
    }
    if chosen is not None:
        board = service.compliance_board(
            session,
            actor=actor,
            site_id=chosen.id,
            week_of=_date(week, "week") or program_today(request),
            track=parse_track(track),
            level=level or None,
            today=program_today(request),
        )
        context.update(
            board=board,
            previous=board.monday - timedelta(weeks=1),
            next=board.monday + timedelta(weeks=1),
        )
    return render(request, "attendance/board.html", context)
