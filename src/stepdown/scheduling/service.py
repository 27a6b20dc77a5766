"""Building, reviewing and publishing a week: the optimizer run against the live program.

A build is the live week exported (``programs.export``) with what each client's payer
authorizations still allow (``scheduling.authorized``), solved, checked by the independent
validator and stored whole as a draft, so the review shows exactly what would be published and
an audit can later show what was decided. Publishing goes through ``calendar.publish``.

Asking for a build (``request_build``) only stores a queued build and enqueues the job that
solves it (``scheduling.tasks``). The optimizer runs for up to minutes, and a request holding
its transaction that long held SQLite's write lock (every transaction there begins IMMEDIATE),
so every other writer failed with "database is locked" after the busy timeout. The job reads
the week in one short transaction (``start_build``), solves with none open, reports progress
in short ones (``record_progress``) and stores the result in a last one (``finish_build``),
unless the build was discarded meanwhile. The export's audit entries are written with the
result: they record that the week's clients went into a stored build.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditAction
from stepdown.calendar import publish as calendar_publish
from stepdown.calendar.models import BuildStatus, ScheduleBuild
from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.jobs import service as jobs_service
from stepdown.kit.clock import utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.programs import export as programs_export
from stepdown.programs.rules import TOPIC_LABELS
from stepdown.scheduling import access, authorized
from stepdown.scheduling.eligibility import Eligibility
from stepdown.scheduling.exchange import (
    DAYS,
    Attendance,
    Instance,
    SessionRun,
    Solution,
    to_minutes,
)
from stepdown.scheduling.exchange import Session as ExchangeSession
from stepdown.scheduling.unmet import unmet_for
from stepdown.scheduling.validator import check
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role

BUILD_JOB = "schedule.build"
# A build in the job's hands: the pages poll it, and discarding it makes the job store nothing.
UNSOLVED = frozenset({BuildStatus.QUEUED, BuildStatus.SOLVING})
# The job runner takes a run still marked running after an hour (``jobs.service.STALE_AFTER``)
# for one whose worker died, and would start it again: ten minutes stays well inside that and
# is over three times what the largest benchmark sample (1,200 clients) needs.
MIN_SECONDS, MAX_SECONDS = 1.0, 600.0


def _require(actor: Actor) -> None:
    if actor.role is not Role.SYSTEM and not access.SCHEDULE.allows(actor.role):
        raise Forbidden(f"your role ({actor.role.label}) may not {access.SCHEDULE.description}")


def _applies_from(week_of: date, applies_from: date | None) -> date:
    if week_of.weekday() != 0:
        raise Invalid(f"{week_of} is not a Monday", field="week_of")
    if applies_from is None:
        return week_of
    if not week_of <= applies_from < week_of + timedelta(days=7):
        raise Invalid(f"{applies_from} is not in the week of {week_of}", field="applies_from")
    return applies_from


def summarize(
    instance: Instance, solution: Solution, *, skipped: list[str], method: str
) -> dict[str, Any]:
    """The review's figures and unmet list, recomputed by the validator and the diagnosis
    rather than trusted from the file (a hand-made solution may list no unmet clients)."""
    report = check(instance, solution)
    stats = solution.stats
    return {
        "method": method,
        "sites": list(instance.sites),
        "clients": report.clients,
        "compliant": report.compliant,
        "share": round(report.compliant / report.clients, 4) if report.clients else 0.0,
        "shortfall_hours": round(report.shortfall_hours, 2),
        "staff_hours": round(report.staff_hours, 2),
        "continuity": report.continuity,
        "sessions": len(solution.sessions),
        "appointments": len(solution.appointments),
        "compliant_bound": stats.get("compliant_bound"),
        "gap": stats.get("gap_compliant"),
        "objective": stats.get("objective"),
        "bound": stats.get("bound"),
        "seconds": stats.get("seconds"),
        "status": stats.get("status"),
        "valid": report.valid,
        "violations": [str(v) for v in report.violations[:5]],
        "unmet": [u.model_dump() for u in unmet_for(Eligibility(instance), solution)],
        "skipped": skipped,
    }


def save_build(
    session: Session,
    *,
    actor: Actor,
    instance: Instance,
    solution: Solution,
    skipped: list[str],
    method: str,
    applies_from: date | None = None,
) -> ScheduleBuild:
    """Store a solved week as a draft build (the caller has audited the export)."""
    _require(actor)
    week_of = date.fromisoformat(instance.week_of)
    build = ScheduleBuild(
        week_of=week_of,
        status=BuildStatus.DRAFT,
        applies_from=_applies_from(week_of, applies_from),
        instance=instance.model_dump(mode="json"),
        solution=solution.model_dump(mode="json"),
        summary=summarize(instance, solution, skipped=skipped, method=method),
        built_by=actor.user_id,
    )
    session.add(build)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="schedule_build",
        entity_id=build.id,
        detail={"week_of": week_of.isoformat(), "method": method},
    )
    return build


def request_build(
    session: Session,
    *,
    actor: Actor,
    week_of: date,
    time_limit: float,
    applies_from: date | None = None,
) -> ScheduleBuild:
    """Ask for the live week to be solved within ``time_limit`` seconds: a queued build and
    its job, enqueued in the caller's transaction so neither exists without the other."""
    _require(actor)
    first_day = _applies_from(week_of, applies_from)
    if not MIN_SECONDS <= time_limit <= MAX_SECONDS:
        raise Invalid(
            f"give between {MIN_SECONDS:g} and {MAX_SECONDS:g} seconds", field="time_limit"
        )
    running = session.scalar(
        select(ScheduleBuild.id)
        .where(ScheduleBuild.week_of == week_of, ScheduleBuild.status.in_(UNSOLVED))
        .limit(1)
    )
    if running is not None:
        raise Conflict(
            f"a build of the week of {week_of} is already queued or solving; wait for it or "
            "discard it",
            rule="build.already_solving",
        )
    build = ScheduleBuild(
        week_of=week_of,
        status=BuildStatus.QUEUED,
        applies_from=first_day,
        time_limit=time_limit,
        built_by=actor.user_id,
    )
    session.add(build)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.CREATE,
        entity_type="schedule_build",
        entity_id=build.id,
        detail={"week_of": week_of.isoformat(), "method": "optimizer", "time_limit": time_limit},
    )
    jobs_service.enqueue(session, BUILD_JOB, key=str(build.id), build_id=str(build.id))
    return build


@dataclass(frozen=True)
class BuildInput:
    """What the job solves: the week as exported when it started, and its time limit."""

    export: programs_export.WeekExport
    time_limit: float


def start_build(session: Session, *, actor: Actor, build_id: uuid.UUID) -> BuildInput | None:
    """Mark the build solving and export its week; None when it is no longer the job's to
    solve (discarded, or already finished by an earlier run of the job).

    A build found solving is solved again: its job ran before and its worker died.
    """
    _require(actor)
    build = _get(session, build_id, lock=True)
    if build.status not in UNSOLVED:
        return None
    assert build.time_limit is not None  # request_build always sets it
    export = authorized.with_authorizations(
        session,
        programs_export.week_instance(session, actor=actor, week_of=build.week_of),
        applies_from=build.applies_from,
    )
    if not export.instance.clients:
        raise Conflict(
            f"no client can be scheduled in the week of {build.week_of}"
            + (f" ({len(export.skipped)} skipped for missing set-up)" if export.skipped else ""),
            rule="build.no_clients",
        )
    build.status = BuildStatus.SOLVING
    build.progress = {"clients": len(export.instance.clients)}
    build.error = None
    return BuildInput(export, build.time_limit)


def record_progress(
    session: Session, *, build_id: uuid.UUID, progress: Mapping[str, float | int]
) -> None:
    """Store the optimizer's figures so far, unless the build stopped solving meanwhile.

    One UPDATE, no read first: the job writes this every few seconds while it solves.
    """
    session.execute(
        update(ScheduleBuild)
        .where(ScheduleBuild.id == build_id, ScheduleBuild.status == BuildStatus.SOLVING)
        .values(progress=dict(progress))
    )


def finish_build(
    session: Session,
    *,
    actor: Actor,
    build_id: uuid.UUID,
    export: programs_export.WeekExport,
    solution: Solution,
    summary: dict[str, Any],
) -> ScheduleBuild | None:
    """Store the solved week as a draft, with the export's audit entries; None, writing
    nothing, when the build was discarded while it was solving."""
    _require(actor)
    build = _get(session, build_id, lock=True)
    if build.status is not BuildStatus.SOLVING:
        return None
    programs_export.record_export(session, actor=actor, export=export)
    build.instance = export.instance.model_dump(mode="json")
    build.solution = solution.model_dump(mode="json")
    build.summary = summary
    build.status = BuildStatus.DRAFT
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="schedule_build",
        entity_id=build.id,
        detail={"status": BuildStatus.DRAFT.value},
    )
    return build


def fail_build(session: Session, *, actor: Actor, build_id: uuid.UUID, reason: str) -> None:
    """Mark a build the job could not make as failed, with the reason the page shows."""
    _require(actor)
    build = _get(session, build_id, lock=True)
    if build.status not in UNSOLVED:
        return
    build.status = BuildStatus.FAILED
    build.error = reason[:1000]
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="schedule_build",
        entity_id=build.id,
        detail={"status": BuildStatus.FAILED.value},
    )


def list_builds(session: Session, *, actor: Actor, week_of: date) -> list[ScheduleBuild]:
    """The week's builds, newest first (figures only: nothing here names a client)."""
    _require(actor)
    return list(
        session.scalars(
            select(ScheduleBuild)
            .where(ScheduleBuild.week_of == week_of)
            .order_by(ScheduleBuild.created_at.desc())
        )
    )


def _named_clients(build: ScheduleBuild) -> set[str]:
    """Record numbers the summary shows (unmet clients, skipped lines start with one)."""
    numbers = {str(u["client"]) for u in build.summary.get("unmet", [])}
    numbers |= {str(line).partition(":")[0] for line in build.summary.get("skipped", [])}
    return numbers


def _record_reads(session: Session, actor: Actor, numbers: set[str]) -> None:
    if not numbers:
        return
    ids = session.scalars(
        clients_repository.readable(actor)
        .where(Client.record_number.in_(sorted(numbers)))
        .with_only_columns(Client.id)
        .order_by(Client.record_number)
    )
    audit_service.record_reads(
        session, actor=actor, entity_type="schedule_build", client_ids=list(ids)
    )


def _get(session: Session, build_id: uuid.UUID, *, lock: bool = False) -> ScheduleBuild:
    """The build; ``lock`` for a status change, so the job and a discard take turns on
    PostgreSQL (SQLite's BEGIN IMMEDIATE already serializes writers). A locked read also
    refreshes a copy the session already holds: the job's session keeps the build from its
    first transaction, and a discard may have come in since."""
    build = session.get(ScheduleBuild, build_id, with_for_update=lock, populate_existing=lock)
    if build is None:
        raise NotFound("no such schedule build")
    return build


def get_build(session: Session, *, actor: Actor, build_id: uuid.UUID) -> ScheduleBuild:
    """One build; the clients its summary names are recorded as read."""
    _require(actor)
    build = _get(session, build_id)
    _record_reads(session, actor, _named_clients(build))
    return build


def build_progress(session: Session, *, actor: Actor, build_id: uuid.UUID) -> ScheduleBuild:
    """One build for the page that polls it: only its status, counts and error are shown
    from here, no client, so no read is recorded."""
    _require(actor)
    return _get(session, build_id)


def discard_build(session: Session, *, actor: Actor, build_id: uuid.UUID) -> ScheduleBuild:
    """Set a reviewed draft aside, or a build still queued or solving: its job then stores
    nothing. It stays stored, so what was considered can be shown."""
    _require(actor)
    build = _get(session, build_id, lock=True)
    if build.status is not BuildStatus.DRAFT and build.status not in UNSOLVED:
        raise Conflict(
            f"this build is {build.status.value}; only a draft, or a build still queued or "
            "solving, can be discarded",
            rule="build.not_draft",
        )
    build.status = BuildStatus.DISCARDED
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="schedule_build",
        entity_id=build.id,
        detail={"status": BuildStatus.DISCARDED.value},
    )
    return build


def publish_build(
    session: Session, *, actor: Actor, build_id: uuid.UUID, confirmed: str | None = None
) -> calendar_publish.PublishResult:
    """Publish a draft; ``confirmed`` is the digest of the change list the director read."""
    _require(actor)
    return calendar_publish.publish(session, actor=actor, build_id=build_id, confirmed=confirmed)


def published_build(session: Session, week_of: date) -> ScheduleBuild | None:
    return session.scalar(
        select(ScheduleBuild)
        .where(ScheduleBuild.week_of == week_of, ScheduleBuild.status == BuildStatus.PUBLISHED)
        .order_by(ScheduleBuild.published_at.desc())
        .limit(1)
    )


def _week_of_name(name: str) -> date:
    """The Monday a solution names, for solutions of an exported week ("week-YYYY-MM-DD")."""
    try:
        week_of = date.fromisoformat(name.removeprefix("week-"))
    except ValueError:
        raise Invalid(
            f"the solution is for {name!r}, not an exported week; give its instance",
            field="instance",
        ) from None
    if week_of.weekday() != 0:
        raise Invalid(f"{week_of} is not a Monday", field="instance")
    return week_of


def apply_solution(
    session: Session,
    *,
    actor: Actor,
    solution: Solution,
    instance: Instance | None = None,
    applies_from: date | None = None,
) -> calendar_publish.PublishResult:
    """Store a solution made elsewhere (e.g. ``schedule solve`` or ``replan``) and publish it.

    Without ``instance`` the solution is checked against the live week re-exported, so a
    change of set-up since the file was made shows up as a broken rule. An invalid solution is
    refused before anything is stored.
    """
    _require(actor)
    skipped: list[str] = []
    if instance is None:
        week_of = _week_of_name(solution.instance)
        export = authorized.with_authorizations(
            session,
            programs_export.week_instance(session, actor=actor, week_of=week_of),
            applies_from=applies_from,
        )
        instance, skipped = export.instance, export.skipped
    else:
        week_of = date.fromisoformat(instance.week_of)
        export = None
    _applies_from(week_of, applies_from)
    calendar_publish.validate(instance, solution)
    if export is not None:
        programs_export.record_export(session, actor=actor, export=export)
    build = save_build(
        session,
        actor=actor,
        instance=instance,
        solution=solution,
        skipped=skipped,
        method="file",
        applies_from=applies_from,
    )
    return calendar_publish.publish(session, actor=actor, build_id=build.id)


@dataclass(frozen=True)
class GridCell:
    session_id: str
    topic: str  # its label
    room: str  # "telehealth" for a telehealth group
    leader: str
    size: int


@dataclass
class SiteGrid:
    site: str
    days: list[str]
    slots: list[tuple[str, str]]
    cells: dict[tuple[str, str, str], list[GridCell]] = field(default_factory=dict)

    def at(self, slot: tuple[str, str], day: str) -> list[GridCell]:
        return self.cells.get((slot[0], slot[1], day), [])


_WORD_EDGE = r"[\w.@-]"


@dataclass(frozen=True)
class Names:
    """The build's exchange ids in words: clients by name (only those looked up, whose
    reads are recorded), staff by display name, sessions by topic label, day and time."""

    clients: dict[str, str]  # record number -> display name
    staff: dict[str, str]  # username -> display name
    sessions: dict[str, str]  # session id -> "Relapse prevention, Mon 18:00–19:30 (S1)"

    def client(self, number: str) -> str:
        return self.clients.get(number, number)

    def session(self, session_id: str) -> str:
        return self.sessions.get(session_id, session_id)

    def words(self, text: str) -> str:
        """A validator message or a left-out line with its ids replaced by names."""
        known = {**self.sessions, **self.staff, **self.clients}
        if not known:
            return text
        pattern = "|".join(re.escape(key) for key in sorted(known, key=len, reverse=True))
        return re.sub(
            rf"(?<!{_WORD_EDGE})({pattern})(?!{_WORD_EDGE})",
            lambda m: known[m.group(1)],
            text,
        )


def session_label(spec: ExchangeSession) -> str:
    topic = TOPIC_LABELS.get(spec.topic, spec.topic)
    return f"{topic}, {spec.day.capitalize()} {spec.start}–{spec.end} ({spec.site})"


def _names(session: Session, actor: Actor, instance: Instance, numbers: set[str]) -> Names:
    """Names for the instance's staff and sessions and for the clients ``numbers`` lists,
    each client's read recorded (only clients the actor may read are named)."""
    staff = dict(
        session.execute(
            select(User.username, User.display_name).where(
                User.username.in_([p.id for p in instance.staff])
            )
        ).all()
    )
    clients: dict[str, str] = {}
    if numbers:
        found = list(
            session.scalars(
                clients_repository.readable(actor)
                .where(Client.record_number.in_(sorted(numbers)))
                .order_by(Client.record_number)
            )
        )
        clients = {c.record_number: c.display_name for c in found}
        audit_service.record_reads(
            session, actor=actor, entity_type="schedule_build", client_ids=[c.id for c in found]
        )
    return Names(clients, staff, {s.id: session_label(s) for s in instance.sessions})


def _mentioned(instance: Instance, texts: list[str]) -> set[str]:
    """Record numbers of the instance's clients that appear in ``texts``."""
    numbers = {c.id for c in instance.clients}
    return {
        word for text in texts for word in re.findall(rf"{_WORD_EDGE}+", text) if word in numbers
    }


@dataclass(frozen=True)
class BuildReview:
    build: ScheduleBuild
    grids: list[SiteGrid]
    names: Names
    # The draft's change list against the calendar; None for a build that is not a draft.
    preview: calendar_publish.Preview | None
    # Why the change list cannot be made (a set-up change since the build), if so.
    preview_error: str | None = None


def _grids(instance: Instance, solution: Solution, names: Names) -> list[SiteGrid]:
    specs = {s.id: s for s in instance.sessions}
    sizes: dict[str, int] = defaultdict(int)
    for row in solution.attendance:
        sizes[row.session] += 1
    by_site: dict[str, SiteGrid] = {}
    for run in solution.sessions:
        spec = specs[run.id]
        grid = by_site.setdefault(spec.site, SiteGrid(spec.site, [], []))
        slot = (spec.start, spec.end)
        if slot not in grid.slots:
            grid.slots.append(slot)
        if spec.day not in grid.days:
            grid.days.append(spec.day)
        grid.cells.setdefault((spec.start, spec.end, spec.day), []).append(
            GridCell(
                session_id=run.id,
                topic=TOPIC_LABELS.get(spec.topic, spec.topic),
                room=run.room.partition("-")[2] if run.room else "telehealth",
                leader=names.staff.get(run.leader, run.leader),
                size=sizes[run.id],
            )
        )
    for grid in by_site.values():
        grid.days.sort(key=DAYS.index)
        grid.slots.sort(key=lambda s: (to_minutes(s[0]), to_minutes(s[1])))
    return [by_site[site] for site in sorted(by_site)]


def review(session: Session, *, actor: Actor, build_id: uuid.UUID) -> BuildReview:
    """Everything the review page shows, in names; the clients it names are recorded as
    read. A draft shows what publishing it would change on the calendar."""
    _require(actor)
    build = _get(session, build_id)
    instance, solution = calendar_publish.parse_build(build)
    texts = [str(v) for v in build.summary.get("violations", [])]
    numbers = _named_clients(build) | _mentioned(instance, texts)
    numbers |= {
        str(a.get("client")) for a in build.summary.get("adjustments", []) if a.get("client")
    }
    names = _names(session, actor, instance, numbers)
    preview, error = None, None
    if build.status is BuildStatus.DRAFT:
        try:
            preview = calendar_publish.preview(session, actor=actor, build_id=build.id)
        except Conflict as exc:
            error = exc.message
    return BuildReview(build, _grids(instance, solution, names), names, preview, error)


# Hand adjustments of a draft: the director moves a client between groups or drops a session;
# the solution is stored again as the optimizer stores it and the validator checks it again.


def _draft_for_adjusting(session: Session, build_id: uuid.UUID) -> ScheduleBuild:
    build = _get(session, build_id, lock=True)
    if build.status is not BuildStatus.DRAFT:
        raise Conflict(
            f"this build is {build.status.value}; only a draft can be adjusted",
            rule="build.not_draft",
        )
    return build


def _store_adjusted(
    build: ScheduleBuild,
    instance: Instance,
    runs: list[SessionRun],
    attendance: list[Attendance],
    solution: Solution,
    entry: dict[str, Any],
) -> None:
    """Store the adjusted solution the way the solver writes one (runs by id, members by
    session then client, its unmet diagnosis) and recompute the review's figures with the
    validator. The optimizer's own claims no longer describe it: its status says adjusted
    and the gap is against the proven bound."""
    adjusted = solution.model_copy(
        update={
            "sessions": sorted(runs, key=lambda r: r.id),
            "attendance": sorted(attendance, key=lambda a: (a.session, a.client)),
        }
    )
    adjusted = adjusted.model_copy(update={"unmet": unmet_for(Eligibility(instance), adjusted)})
    report = check(instance, adjusted)
    stats = dict(solution.stats)
    stats["status"] = "ADJUSTED"
    stats["compliant"] = report.compliant
    bound = stats.get("compliant_bound")
    if isinstance(bound, int | float) and bound:
        stats["gap_compliant"] = round((bound - report.compliant) / bound, 6)
    adjusted = adjusted.model_copy(update={"stats": stats})
    previous = build.summary
    summary = summarize(
        instance,
        adjusted,
        skipped=list(previous.get("skipped", [])),
        method=str(previous.get("method", "")),
    )
    summary["adjustments"] = [*previous.get("adjustments", []), entry]
    build.solution = adjusted.model_dump(mode="json")
    build.summary = summary


def move_client(
    session: Session,
    *,
    actor: Actor,
    build_id: uuid.UUID,
    client: str,
    from_session: str,
    to_session: str,
) -> ScheduleBuild:
    """Move one client (by record number) from one group of the draft to another that runs.

    Whether the client may be in that group (level, site, time, keep-apart, size) is the
    validator's to say: the move is stored, its violations shown, and publishing refused
    until they are fixed.
    """
    _require(actor)
    build = _draft_for_adjusting(session, build_id)
    instance, solution = calendar_publish.parse_build(build)
    if client not in {c.id for c in instance.clients}:
        raise Invalid("choose a client of this build", field="client")
    running = {r.id for r in solution.sessions}
    seats = {(a.client, a.session) for a in solution.attendance}
    if (client, from_session) not in seats:
        raise Invalid("the client is not in that group in this build", field="from_session")
    if to_session not in running:
        raise Invalid("choose a group that runs in this build", field="to_session")
    if to_session == from_session:
        raise Invalid("choose a different group to move to", field="to_session")
    if (client, to_session) in seats:
        raise Invalid("the client is already in that group", field="to_session")
    attendance = [
        Attendance(client=client, session=to_session)
        if (a.client, a.session) == (client, from_session)
        else a
        for a in solution.attendance
    ]
    entry = {
        "op": "move",
        "client": client,
        "from": from_session,
        "to": to_session,
        "at": utc_now().isoformat(),
    }
    _store_adjusted(build, instance, list(solution.sessions), attendance, solution, entry)
    session.flush()
    client_id = session.scalar(
        clients_repository.readable(actor)
        .where(Client.record_number == client)
        .with_only_columns(Client.id)
    )
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="schedule_build",
        entity_id=build.id,
        client_id=client_id,
        detail={"adjustment": "move", "from": from_session, "to": to_session},
    )
    return build


def drop_session(
    session: Session, *, actor: Actor, build_id: uuid.UUID, session_id: str
) -> tuple[ScheduleBuild, list[str]]:
    """Take a group out of the draft with its members' seats; the build and the record
    numbers of the clients who lose it (each such change of their week is audited)."""
    _require(actor)
    build = _draft_for_adjusting(session, build_id)
    instance, solution = calendar_publish.parse_build(build)
    if session_id not in {r.id for r in solution.sessions}:
        raise Invalid("choose a group that runs in this build", field="session")
    members = sorted(a.client for a in solution.attendance if a.session == session_id)
    entry = {
        "op": "drop",
        "session": session_id,
        "clients": len(members),
        "at": utc_now().isoformat(),
    }
    _store_adjusted(
        build,
        instance,
        [r for r in solution.sessions if r.id != session_id],
        [a for a in solution.attendance if a.session != session_id],
        solution,
        entry,
    )
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity_type="schedule_build",
        entity_id=build.id,
        detail={"adjustment": "drop", "session": session_id, "clients": len(members)},
    )
    if members:
        for client_id in session.scalars(
            clients_repository.readable(actor)
            .where(Client.record_number.in_(members))
            .with_only_columns(Client.id)
        ):
            audit_service.record(
                session,
                actor=actor,
                action=AuditAction.UPDATE,
                entity_type="schedule_build",
                entity_id=build.id,
                client_id=client_id,
                detail={"adjustment": "drop", "session": session_id},
            )
    return build, members


@dataclass(frozen=True)
class AdjustView:
    """The adjust page: who is in which running group, in names."""

    build: ScheduleBuild
    names: Names
    clients: list[tuple[str, str]]  # (record number, name), by name
    groups: list[tuple[str, str, list[str]]]  # (session id, label, member names), by label
    violations: list[str]  # in words


def adjust_view(session: Session, *, actor: Actor, build_id: uuid.UUID) -> AdjustView:
    """Every client of the draft by name (each read recorded) and the groups that run."""
    _require(actor)
    build = _get(session, build_id)
    if build.status is not BuildStatus.DRAFT:
        raise Conflict(
            f"this build is {build.status.value}; only a draft can be adjusted",
            rule="build.not_draft",
        )
    instance, solution = calendar_publish.parse_build(build)
    names = _names(session, actor, instance, {c.id for c in instance.clients})
    members: dict[str, list[str]] = defaultdict(list)
    for row in solution.attendance:
        members[row.session].append(names.client(row.client))
    groups = sorted(
        ((run.id, names.session(run.id), sorted(members[run.id])) for run in solution.sessions),
        key=lambda g: g[1],
    )
    clients = sorted(
        ((c.id, names.client(c.id)) for c in instance.clients if c.id in names.clients),
        key=lambda c: c[1],
    )
    violations = [names.words(str(v)) for v in check(instance, solution).violations]
    return AdjustView(build, names, clients, groups, violations)
