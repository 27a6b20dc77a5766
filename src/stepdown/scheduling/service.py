"""Building, reviewing and publishing a week: the optimizer run against the live program.

A build is the live week exported (``programs.export``), solved, checked by the independent
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
from stepdown.calendar.publish_rules import Changes, compare
from stepdown.clients import repository as clients_repository
from stepdown.clients.models import Client
from stepdown.jobs import service as jobs_service
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.programs import export as programs_export
from stepdown.scheduling import access
from stepdown.scheduling.eligibility import Eligibility
from stepdown.scheduling.exchange import DAYS, Instance, Solution, to_minutes
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
    export = programs_export.week_instance(session, actor=actor, week_of=build.week_of)
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
    session: Session, *, actor: Actor, build_id: uuid.UUID
) -> calendar_publish.PublishResult:
    _require(actor)
    return calendar_publish.publish(session, actor=actor, build_id=build_id)


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
        export = programs_export.week_instance(session, actor=actor, week_of=week_of)
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
    topic: str
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


@dataclass(frozen=True)
class BuildReview:
    build: ScheduleBuild
    grids: list[SiteGrid]
    published: ScheduleBuild | None  # the week's published build, if another one
    changes: Changes | None


def _grids(instance: Instance, solution: Solution, names: dict[str, str]) -> list[SiteGrid]:
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
                topic=spec.topic,
                room=run.room.partition("-")[2] if run.room else "telehealth",
                leader=names.get(run.leader, run.leader),
                size=sizes[run.id],
            )
        )
    for grid in by_site.values():
        grid.days.sort(key=DAYS.index)
        grid.slots.sort(key=lambda s: (to_minutes(s[0]), to_minutes(s[1])))
    return [by_site[site] for site in sorted(by_site)]


def review(session: Session, *, actor: Actor, build_id: uuid.UUID) -> BuildReview:
    """Everything the review page shows; the clients it names are recorded as read."""
    _require(actor)
    build = _get(session, build_id)
    instance, solution = calendar_publish.parse_build(build)
    usernames = {run.leader for run in solution.sessions}
    names = dict(
        session.execute(
            select(User.username, User.display_name).where(User.username.in_(usernames))
        ).all()
    )
    published = published_build(session, build.week_of)
    changes = None
    if published is not None and published.id != build.id:
        _, before = calendar_publish.parse_build(published)
        changes = compare(
            before,
            solution,
            session_days={s.id: s.day for s in instance.sessions},
            from_day=(build.applies_from - build.week_of).days,
        )
    shown = _named_clients(build) | set(changes.clients_moved if changes else [])
    _record_reads(session, actor, shown)
    return BuildReview(build, _grids(instance, solution, names), published, changes)
