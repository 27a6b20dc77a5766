"""``stepdown worker``: run background jobs, see what ran, queue one by hand."""

from __future__ import annotations

import logging
import signal
from datetime import date
from zoneinfo import ZoneInfo

import typer
from sqlalchemy.exc import OperationalError, ProgrammingError

from stepdown.cli import context
from stepdown.jobs import service
from stepdown.jobs.registry import default_registry
from stepdown.jobs.runner import DEFAULT_INTERVAL_SECONDS, Worker
from stepdown.kit.clock import utc_now
from stepdown.kit.db import make_sessionmaker

app = typer.Typer(help="Background jobs: nightly draws, reviews, reminders.", no_args_is_help=True)


def _worker() -> Worker:
    return Worker(
        make_sessionmaker(context.engine()), context.program_settings(), default_registry()
    )


@app.command("run")
def run(
    once: bool = typer.Option(False, "--once", help="Run the jobs due now, then exit."),
    interval: float = typer.Option(
        DEFAULT_INTERVAL_SECONDS, min=1, help="Seconds between looks at the queue."
    ),
) -> None:
    """Run due jobs until Ctrl-C; any number of workers may share one PostgreSQL database."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s %(message)s")
    worker = _worker()
    if once:
        try:
            ran = worker.run_due()
        except (OperationalError, ProgrammingError) as exc:
            first_line = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
            context.fail(f"database: {first_line} (has `stepdown db upgrade` been run?)")
        typer.echo(f"ran {ran} job(s)")
        return
    typer.echo(f"worker {worker.name} polling every {interval:g} s; Ctrl-C stops it")
    # A service manager stops us with SIGTERM: finish the job in hand, then exit.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: worker.stop())
    try:
        worker.run_forever(interval)
    except KeyboardInterrupt:
        typer.echo("stopped")


@app.command("status")
def status(limit: int = typer.Option(20, min=1, help="How many recent runs to show.")) -> None:
    """Show the most recent runs and when each periodic job is next due."""
    settings = context.program_settings()
    zone = ZoneInfo(settings.timezone)
    with context.unit_of_work() as session:
        runs = service.recent_runs(session, limit=limit)
    typer.echo(f"recent runs (newest first, times UTC): {len(runs)}")
    for run in runs:
        started = f"{run.started_at:%Y-%m-%d %H:%M:%S}" if run.started_at else "not started"
        error = f"  error: {run.last_error.splitlines()[0]}" if run.last_error else ""
        typer.echo(
            f"  {started}  {run.status.value:<9}  attempts={run.attempts}  {run.name}"
            f"  {run.key or '-'}{error}"
        )
    typer.echo(f"periodic jobs, next due ({settings.timezone}):")
    now = utc_now()
    for job in default_registry().jobs():
        slot = job.next_slot(now, zone)
        if slot is not None:
            typer.echo(f"  {service.slot_key(slot, zone)}  {job.name}")
    typer.echo(f"jobs backend: {settings.effective_jobs_backend}")


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


@app.command("enqueue")
def enqueue(
    name: str = typer.Argument(..., help="Job name, e.g. testing.draw_site."),
    param: list[str] = typer.Option([], "--param", help="key=value, repeatable."),
) -> None:
    """Queue one run of a job now; a worker (or the app's job thread) picks it up."""
    job = default_registry().get(name)
    if job is None:
        context.fail(f"name: no job named {name!r} (see `stepdown worker status`)")
    payload: dict[str, service.JsonValue] = {}
    for item in param:
        key, sep, value = item.partition("=")
        if not sep or not key:
            context.fail(f"param: {item!r} is not key=value")
        payload[key] = value
    if job.periodic and (set(payload) != {"day"} or not _is_date(str(payload["day"]))):
        context.fail("param: a periodic job takes exactly day=YYYY-MM-DD")
    with context.unit_of_work() as session:
        service.enqueue_payload(session, name, payload)
    typer.echo(f"queued {name}")
