"""`stepdown schedule solve|check`: run the optimizer and the checker on exchange-format files.

Bad input ends with one `error:` line and exit status 2, so scripts and coordinators see the
cause rather than a traceback; an invalid solution exits 1 so `check` can gate a pipeline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from .exchange import ExchangeError, Solution, load_instance, load_solution, save_solution
from .solver import Progress, solve
from .validator import CheckReport, check

app = typer.Typer(
    help="Weekly schedule optimizer: solve an exchange-format week, or check a solution.",
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
        f"{progress.seconds:7.1f} s   compliant {progress.compliant} "
        f"(bound {progress.compliant_bound}, gap {gap:.1%})   "
        f"objective {progress.objective:,}   bound {progress.bound:,}"
    )


def _summary(solution: Solution, report: CheckReport) -> Table:
    stats = solution.stats
    table = Table(title=f"Schedule for {solution.instance}")
    for column in (
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
    """Optimize a week, showing the best objective and proven bound as they improve."""
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
