"""`stepdown coverage check RECORD`: ask the payers about a client now; `stepdown coverage
read-271 FILE`: what Stepdown reads in a payer's eligibility response, without a database,
to check a clearinghouse's file or a payer's oddity."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from stepdown.cli import context
from stepdown.clients import repository as clients_repository
from stepdown.coverage import eligibility, rules
from stepdown.coverage import service as coverage_service
from stepdown.coverage.benefits import BenefitsSnapshot
from stepdown.coverage.summary import by_level
from stepdown.coverage.x12_271 import parse_271
from stepdown.kit.x12 import X12Error

app = typer.Typer(help="Insurance eligibility and benefits.", no_args_is_help=True)

# A 271 about one patient is a few kilobytes; anything far larger is not one.
MAX_271_BYTES = 1_000_000


@app.command("read-271")
def read_271(path: Path = typer.Argument(..., help="An X12 271 file.")) -> None:
    """Print the benefits snapshot read from a 271 as JSON: per service type code, what
    the payer returned, and null for what it did not."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        context.fail(f"{path}: {exc.strerror or 'cannot be read'}")
    if len(raw) > MAX_271_BYTES:
        context.fail(f"{path}: larger than {MAX_271_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        context.fail(f"{path}: not UTF-8 text")
    try:
        snapshot = parse_271(text)
    except X12Error as exc:
        context.fail(f"{path}: not a valid 271: {exc}")
    typer.echo(json.dumps(snapshot.to_json(), indent=2, sort_keys=True))


@app.command("check")
def check(
    record: str = typer.Argument(..., help="The client's record number (e.g. DEMO-0001)."),
    service_types: str = typer.Option(
        ",".join(rules.DEFAULT_SERVICE_TYPES),
        "--service-types",
        help="X12 service type codes to ask about, comma-separated.",
    ),
) -> None:
    """Check the eligibility of each coverage of the client now, through the configured
    gateway (the simulator unless STEPDOWN_ELIGIBILITY_GATEWAY says otherwise), and print
    each outcome with the benefits by level of care."""
    codes = service_types.replace(" ", ",").split(",")
    with context.unit_of_work() as session:
        actor = context.system_actor()
        client = session.scalar(clients_repository.by_record_number(record.strip().upper()))
        if client is None:
            context.fail(f"record: no client with record number {record!r}")
        owner = coverage_service.Owner(client_id=client.id)
        payers = [
            v
            for v in coverage_service.coverages(session, actor=actor, owner=owner)
            if v.in_force and not v.coverage.self_pay
        ]
        if not payers:
            context.fail(f"{client.record_number} has no insurance coverage in force to check")
        route = eligibility.route_for(context.settings())
        console = Console()
        for view in payers:
            found = eligibility.check(
                session,
                actor=actor,
                coverage_id=view.coverage.id,
                route=route,
                service_types=rules.check_service_types(codes),
            )
            console.print(
                f"[bold]{view.label}[/bold] ({view.coverage.member_id}): "
                f"{found.outcome.label}{': ' + found.detail if found.detail else ''}"
            )
            if found.snapshot and found.outcome.value == "active":
                table = Table("level", "service type", "copay", "deductible left", "authorization")
                for line in by_level(BenefitsSnapshot.from_json(found.snapshot)):
                    table.add_row(
                        line.level,
                        line.service_type or "-",
                        line.copay,
                        line.deductible_remaining,
                        line.authorization,
                    )
                console.print(table)
