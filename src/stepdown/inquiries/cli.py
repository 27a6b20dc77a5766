"""`stepdown inquiries`: the admissions pipeline from the server's command line."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from stepdown.inquiries import service
from stepdown.inquiries.rules import InquiryStatus
from stepdown.inquiries.schemas import InquiryFilter
from stepdown.kit.clock import local
from stepdown.programs import service as programs_service

app = typer.Typer(help="The admissions pipeline: inquiries about treatment.", no_args_is_help=True)
STATUS_CHOICES = ", ".join(s.value for s in InquiryStatus)


@app.command("list")
def list_inquiries(
    status: str = typer.Option("", help=f"Only this status: {STATUS_CHOICES}."),
    site: str = typer.Option("", help="Only this site's code, e.g. S1."),
) -> None:
    """List inquiries, most urgent and longest waiting first (each one shown is audited)."""
    # Imported here: `stepdown.cli` registers this sub-app, so a top-level import would cycle.
    from stepdown.cli import context

    chosen: InquiryStatus | None = None
    if status:
        try:
            chosen = InquiryStatus(status)
        except ValueError:
            context.fail(f"status: {status!r} is not one of {STATUS_CHOICES}")
    with context.unit_of_work() as session:
        sites = {s.id: s.code for s in programs_service.list_sites(session)}
        site_id = None
        if site:
            found = programs_service.site_by_code(session, site)
            if found is None:
                context.fail(f"site: no site with code {site!r}")
            site_id = found.id
        inquiries = service.list_inquiries(
            session,
            actor=context.system_actor(),
            criteria=InquiryFilter(status=chosen, site_id=site_id),
        )
        table = Table("id", "received", "status", "urgency", "name", "source", "site")
        for inquiry in inquiries:
            table.add_row(
                str(inquiry.id)[:8],
                f"{local(inquiry.created_at):%Y-%m-%d %H:%M %Z}",
                inquiry.status.value,
                inquiry.urgency.value,
                inquiry.display_name,
                inquiry.source.value,
                sites.get(inquiry.site_id, "") if inquiry.site_id else "",
            )
        Console().print(table)
        count = len(inquiries)
        typer.echo(f"{count} {'inquiry' if count == 1 else 'inquiries'}")
