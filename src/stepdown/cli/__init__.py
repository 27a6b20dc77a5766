"""The `stepdown` command line."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.table import Table

from stepdown import __version__
from stepdown.assessments.cli import app as assess_app
from stepdown.attendance.cli import app as attendance_app
from stepdown.billing.cli import app as billing_app
from stepdown.checkins.cli import app as checkins_app
from stepdown.cli import (
    audit,
    authorizations,
    backup,
    clients,
    context,
    coverage,
    db,
    disclosures,
    serving,
    users,
)
from stepdown.drug_testing.cli import app as testing_app
from stepdown.fhir.cli import app as fhir_app
from stepdown.inquiries.cli import app as inquiries_app
from stepdown.jobs.cli import app as worker_app
from stepdown.outcomes.cli import app as outcomes_app
from stepdown.placement.cli import app as placement_app
from stepdown.programs.cli import app as programs_app
from stepdown.scheduling.cli import app as schedule_app
from stepdown.setup.cli import init
from stepdown.transitions.cli import app as reviews_app
from stepdown.treatment_plans.cli import app as plans_app

app = typer.Typer(
    help="Stepdown: run an outpatient addiction-treatment program across its continuum of care.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Show the effective configuration.", no_args_is_help=True)
demo_app = typer.Typer(help="The synthetic demo program.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(db.app, name="db")
app.add_typer(users.users_app, name="users")
app.add_typer(users.tokens_app, name="tokens")
app.add_typer(audit.app, name="audit")
app.add_typer(demo_app, name="demo")
app.add_typer(clients.clients_app, name="clients")
app.add_typer(coverage.app, name="coverage")
app.add_typer(authorizations.auth_app, name="auth")
app.add_typer(authorizations.ur_app, name="ur")
app.add_typer(disclosures.consents_app, name="consents")
app.add_typer(disclosures.disclosures_app, name="disclosures")
app.add_typer(fhir_app, name="fhir")
app.command("init")(init)
app.command("census")(clients.census)
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.add_typer(assess_app, name="assess")
app.add_typer(checkins_app, name="checkins")
app.add_typer(schedule_app, name="schedule")
app.add_typer(inquiries_app, name="inquiries")
app.add_typer(programs_app, name="programs")
app.add_typer(placement_app, name="placement")
app.add_typer(testing_app, name="testing")
app.add_typer(worker_app, name="worker")
app.add_typer(plans_app, name="plans")
app.add_typer(reviews_app, name="reviews")
app.add_typer(outcomes_app, name="outcomes")
app.add_typer(billing_app, name="billing")
app.add_typer(attendance_app, name="attendance")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int | None = typer.Option(
        None,
        min=1,
        show_default=False,
        help="Worker processes. Default: on PostgreSQL one per CPU core available "
        f"({serving.available_cores()} here); on SQLite 1, and more are refused because "
        "SQLite serialises writers.",
    ),
) -> None:
    """Serve the web UI and the JSON API."""
    settings = context.settings()
    count = workers if workers is not None else serving.default_workers(settings)
    if (refused := serving.refusal(settings, count)) is not None:
        context.fail(refused)
    serving.serve(settings, host=host, port=port, workers=count)


@config_app.command("show")
def config_show() -> None:
    """Print every effective setting, secrets masked."""
    table = Table("setting", "value")
    for key, value in context.settings().masked().items():
        table.add_row(key, value)
    Console().print(table)


@demo_app.command("seed")
def demo_seed(
    history: bool = typer.Option(
        True,
        "--history/--no-history",
        help="Also write 18 months of discharged episodes for the outcome charts.",
    ),
) -> None:
    """Create the synthetic demo program (idempotent), run today's aftercare job so the
    reminders due today go out (to an outbox directory without a mail server), and print
    a sign-in for each role and where the reminders went."""
    from stepdown.aftercare import mail, tasks
    from stepdown.demo.seed import demo_mail_settings, seed
    from stepdown.documents import storage
    from stepdown.kit.clock import today

    settings = context.settings()
    mail_settings = demo_mail_settings(settings)
    actor = context.system_actor()
    with context.unit_of_work() as session:
        sign_ins = seed(
            session,
            actor=actor,
            secret_key=settings.effective_secret_key,
            documents=storage.from_settings(settings),
            time_zone=settings.timezone,
            history=history,
        )
        tasks.daily(session, actor=actor, settings=mail_settings, day=today())
    table = Table("role", "username", "password", title="Demo sign-ins (synthetic accounts)")
    for sign_in in sign_ins:
        table.add_row(sign_in.role.label, sign_in.username, sign_in.password)
    Console().print(table)
    typer.echo(f"Check-in reminder e-mails go to {mail.destination(mail_settings)}.")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; a usage error is one line on stderr and exit status 2."""
    try:
        code = app(args=argv, standalone_mode=False)
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        sys.exit(1)
    except typer.TyperException as exc:  # usage errors: unknown command, bad option, ...
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        typer.echo(f"error: {message}", err=True)
        sys.exit(getattr(exc, "exit_code", 2))
    sys.exit(code if isinstance(code, int) else 0)
