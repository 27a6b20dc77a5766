"""`stepdown schedule`: the optimizer, the checker and mid-week re-planning on files
(`solve|check|replan`), and the live program's week in and out (`export-week|apply`).

Bad input ends with one `error:` line and exit status 2, so scripts and coordinators see the
cause rather than a traceback; an invalid solution exits 1 so `check` can gate a pipeline.
`apply` refuses an invalid solution with exit 2 and nothing written, like any other refusal
of a command that changes the database.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from .exchange import (
    DAYS,
    Client,
    Day,
    ExchangeError,
    Instance,
    Solution,
    load_instance,
    load_solution,
    save_solution,
)
from .replan import Admit, Change, CloseRoom, Sick, changed_instance, replan
from .solver import Progress, solve
from .validator import CheckReport, check

app = typer.Typer(
    help="Weekly schedule optimizer: solve an exchange-format week, check a solution, or "
    "re-plan a published week mid-week.",
    no_args_is_help=True,
)

_out = Console()
_err = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _progress_line(progress: Progress) -> Text:
    gap = (progress.compliant_bound - progress.compliant) / max(1, progress.compliant_bound)
    return Text(
        f"{progress.seconds:7.1f} s   best found: compliant {progress.compliant} "
        f"(bound {progress.compliant_bound}, gap {gap:.1%})   "
        f"objective {progress.objective:,} (bound {progress.bound:,})"
    )


def _summary(solution: Solution, report: CheckReport) -> Table:
    stats = solution.stats
    table = Table(title=f"Schedule for {solution.instance}")
    for column in (
        "result",
        "clients",
        "compliant",
        "shortfall h",
        "staff h",
        "objective",
        "bound",
        "gap",
        "seconds",
    ):
        table.add_column(column, justify="right")
    table.add_row(
        # "optimal" only where CP-SAT proved every goal; anything else is the best found.
        "optimal" if stats.get("status") == "OPTIMAL" else "best found",
        str(report.clients),
        f"{report.compliant} (≤ {stats.get('compliant_bound', '?')})",
        f"{report.shortfall_hours:g}",
        f"{report.staff_hours:g}",
        f"{stats.get('objective', '?'):,}",
        f"{stats.get('bound', '?'):,}",
        f"{float(stats.get('gap_compliant', 0)):.1%} compliant / "
        f"{float(stats.get('gap_objective', 0)):.3%} objective",
        f"{stats.get('seconds', '?')}",
    )
    return table


@app.command("solve")
def solve_command(
    instance: Annotated[Path, typer.Argument(help="Week to schedule (instance JSON).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the solution.")],
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="Seconds the optimizer may use.")
    ],
    workers: Annotated[int, typer.Option(min=1, help="CP-SAT search threads.")] = 2,
    seed: Annotated[int, typer.Option(help="Random seed, for reproducible runs.")] = 0,
) -> None:
    """Optimize a week, showing the best objective found and its bound as they improve."""
    try:
        week = load_instance(instance)
    except ExchangeError as exc:
        raise _fail(str(exc)) from None
    with Live(Text("building model…"), console=_err, transient=True) as live:
        solution = solve(
            week,
            time_limit=time_limit,
            workers=workers,
            seed=seed,
            on_progress=lambda progress: live.update(_progress_line(progress)),
        )
    try:
        save_solution(solution, output)
    except ExchangeError as exc:
        raise _fail(str(exc)) from None
    report = check(week, solution)
    _out.print(_summary(solution, report))
    _out.print(f"{len(solution.unmet)} client(s) not compliant, listed with reasons in {output}")
    if not report.valid:
        _err.print(f"[red]solver produced an invalid schedule: {report.violations[0]}[/red]")
        raise typer.Exit(1)


@app.command("check")
def check_command(
    instance: Annotated[Path, typer.Argument(help="Instance JSON the solution is for.")],
    solution: Annotated[Path, typer.Argument(help="Solution JSON to check.")],
) -> None:
    """Recheck every hard rule and recompute the objective; exit 1 if a rule is broken."""
    try:
        week = load_instance(instance)
        answer = load_solution(solution)
    except ExchangeError as exc:
        raise _fail(str(exc)) from None
    report = check(week, answer)
    verdict = "[green]valid[/green]" if report.valid else "[red]INVALID[/red]"
    _out.print(f"{solution}: {verdict} — {len(report.violations)} violation(s)")
    for violation in report.violations:
        _out.print(f"  {violation}", markup=False, highlight=False)
    for warning in report.warnings:
        _out.print(f"  warning: {warning}", markup=False, highlight=False)
    _out.print(
        f"compliant {report.compliant}/{report.clients}, shortfall {report.shortfall_hours:g} h, "
        f"continuity {report.continuity}, staff {report.staff_hours:g} h"
    )
    if not report.valid:
        raise typer.Exit(1)


def _admitted(text: str) -> Client:
    """A client record given inline (`{...}`) or as a path to a JSON file."""
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else None
    except json.JSONDecodeError as exc:
        raise ExchangeError(f"--admit is not valid JSON: {exc.msg}") from exc
    if data is None:
        path = Path(text)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ExchangeError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except json.JSONDecodeError as exc:
            raise ExchangeError(f"{path} is not valid JSON: {exc.msg}") from exc
    try:
        return Client.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ExchangeError(f"--admit: {where}: {first['msg']}") from exc


def _change(admit: str | None, sick: str | None, close_room: str | None) -> Change:
    given = [option for option in (admit, sick, close_room) if option is not None]
    if len(given) != 1:
        raise ExchangeError("give exactly one of --admit, --sick, --close-room")
    if admit is not None:
        return Admit(_admitted(admit))
    if sick is not None:
        return Sick(sick)
    assert close_room is not None
    return CloseRoom(close_room)


@app.command("replan")
def replan_command(
    instance: Annotated[Path, typer.Argument(help="Instance JSON the week was published for.")],
    published: Annotated[Path, typer.Argument(help="The published solution JSON.")],
    from_day: Annotated[str, typer.Option("--from", help="First day that may change (mon…sun).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the new week.")],
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="Seconds the re-planning may use.")
    ] = 10.0,
    admit: Annotated[
        str | None,
        typer.Option(help="Admitted client: a client JSON record or a file holding one."),
    ] = None,
    sick: Annotated[
        str | None, typer.Option(help="Staff id calling in sick from --from on.")
    ] = None,
    close_room: Annotated[str | None, typer.Option(help="Room id closed from --from on.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="CP-SAT search threads.")] = 2,
) -> None:
    """Absorb one change into a published week, keeping earlier days and changing least."""
    try:
        day = from_day.lower()
        if day not in DAYS:
            raise ExchangeError(f"--from {from_day!r} is not one of {', '.join(DAYS)}")
        checked_day: Day = DAYS[DAYS.index(day)]
        change = _change(admit, sick, close_room)
        week = load_instance(instance)
        before = load_solution(published)
        after = replan(
            week,
            before,
            change=change,
            from_day=checked_day,
            time_limit=time_limit,
            workers=workers,
        )
        save_solution(after, output)
        report = check(changed_instance(week, change, checked_day), after)
    except ExchangeError as exc:
        raise _fail(str(exc)) from None
    stats = after.stats
    _out.print(
        f"re-planned from {checked_day}: compliant {report.compliant}/{report.clients} "
        f"(published {stats['published_compliant']}), {stats['changed_assignments']} of "
        f"{stats['published_assignments']} published assignments changed, "
        f"{stats['seconds']} s"
    )
    if not report.valid:
        _err.print(f"[red]re-planning produced an invalid schedule: {report.violations[0]}[/red]")
        raise typer.Exit(1)


def _monday(text: str, option: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise _fail(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None
    if day.weekday() != 0:
        raise _fail(f"{option}: {day} is not a Monday")
    return day


@app.command("export-week")
def export_week_command(
    week: Annotated[str, typer.Option("--week", help="The Monday of the week, YYYY-MM-DD.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the instance.")],
) -> None:
    """Write the live week as an instance, with last week's attendance as previous_sessions.

    The export of `stepdown programs export-week` (``programs.export.export_week``), with
    each client's payer authorization limits for the week (``scheduling.authorized``).
    """
    # Imported here: `stepdown.cli` imports this module, and solve/check/replan need no database.
    from stepdown.cli import context
    from stepdown.programs import export
    from stepdown.scheduling import authorized

    monday = _monday(week, "--week")
    with context.unit_of_work() as session:
        result = authorized.with_authorizations(
            session, export.export_week(session, actor=context.system_actor(), week_of=monday)
        )
        for line in result.skipped:
            typer.echo(f"skipped {line}", err=True)
        try:
            output.write_text(result.instance.model_dump_json(indent=1) + "\n", encoding="utf-8")
        except OSError as exc:
            context.fail(f"cannot write {output}: {exc.strerror or exc}")
    instance = result.instance
    typer.echo(
        f"wrote {output}: {len(instance.clients)} clients, {len(instance.sessions)} sessions, "
        f"{len(instance.staff)} staff ({len(result.skipped)} clients skipped)"
    )


def _from_day(text: str, instance: Instance | None, solution: Solution) -> date:
    """``--from``: a date, or a day name of the solution's week."""
    if text.lower() in DAYS:
        name = instance.week_of if instance is not None else solution.instance
        try:
            monday = date.fromisoformat(name.removeprefix("week-"))
        except ValueError:
            raise _fail(f"--from {text}: give a date, the solution names no week") from None
        return monday + timedelta(days=DAYS.index(text.lower()))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(f"--from {text!r} is not a date or one of {', '.join(DAYS)}") from None


@app.command("apply")
def apply_command(
    solution: Annotated[Path, typer.Argument(help="Solution JSON to publish.")],
    instance: Annotated[
        Path | None,
        typer.Option(help="Instance JSON the solution is for (default: the live week)."),
    ] = None,
    from_day: Annotated[
        str | None,
        typer.Option("--from", help="First day to change (YYYY-MM-DD or mon…sun)."),
    ] = None,
) -> None:
    """Validate a solution and publish it into the calendar (earlier days stay as they are)."""
    from stepdown.cli import context
    from stepdown.scheduling import service

    try:
        answer = load_solution(solution)
        week = load_instance(instance) if instance is not None else None
    except ExchangeError as exc:
        raise _fail(str(exc)) from None
    applies_from = _from_day(from_day, week, answer) if from_day is not None else None
    with context.unit_of_work() as session:
        result = service.apply_solution(
            session,
            actor=context.system_actor(),
            solution=answer,
            instance=week,
            applies_from=applies_from,
        )
        build = result.build
        summary = build.summary
        line = (
            f"published week {build.week_of} from {build.applies_from}: "
            f"compliant {summary['compliant']}/{summary['clients']}; sessions "
            f"{result.sessions_added} new, {result.sessions_changed} changed, "
            f"{result.sessions_cancelled} cancelled; seats +{result.seats_added} "
            f"-{result.seats_cancelled}; appointments +{result.appointments_added} "
            f"~{result.appointments_changed} -{result.appointments_cancelled}; "
            f"{result.clients_affected} clients affected"
        )
    typer.echo(line)
