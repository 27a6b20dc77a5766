"""``stepdown outcomes report``: the outcome figures at a terminal, for a board pack or a
state report. What it prints leaves the screen, so it is the masked copy (counts under 11
as "<11"), as the print view and the CSV downloads are."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Literal

import typer

from stepdown.cli import context
from stepdown.kit.clock import today
from stepdown.kit.errors import Invalid
from stepdown.outcomes import filters, service
from stepdown.outcomes.figures import cell_text
from stepdown.outcomes.report import Report
from stepdown.security.actor import Actor

app = typer.Typer(help="The program's outcomes: measures, charts, exports.", no_args_is_help=True)


def markdown(report: Report) -> str:
    """Each figure as a heading, its definition, its denominator and its table."""
    lines = [
        f"# {report.title}",
        "",
        f"{report.episodes} episodes: {report.scope}; as of {report.as_of.isoformat()}.",
        "Counts under 11 are shown as <11.",
    ]
    for f in report.figures:
        lines += ["", f"## {f.title}", "", f.definition, "", f"Out of: {f.denominator}.", ""]
        lines.append("| " + " | ".join(f.table.columns) + " |")
        lines.append("|" + "---|" * len(f.table.columns))
        for row in f.table.rows:
            lines.append("| " + " | ".join(cell_text(v).replace("|", "/") for v in row) + " |")
        lines.append(f"\nSource: {f.source}.")
    return "\n".join(lines) + "\n"


def long_csv(report: Report) -> str:
    """Every table cell as one row (figure, row label, column, value): one file, any
    spreadsheet pivots it back."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("figure", "row", "column", "value"))
    for f in report.figures:
        for row in f.table.rows:
            for column, value in zip(f.table.columns[1:], row[1:], strict=True):
                writer.writerow((f.key, cell_text(row[0]), column, cell_text(value)))
    return out.getvalue()


@app.command("report")
def report(
    start: str = typer.Option(..., "--from", help="First day, YYYY-MM-DD."),
    end: str = typer.Option(..., "--to", help="Last day, YYYY-MM-DD (today at the latest)."),
    site: str = typer.Option("", "--site", help="Site code; every site when left out."),
    level: str = typer.Option("", "--level", help="Level code, e.g. IOP."),
    track: str = typer.Option("", "--track", help="day or evening."),
    payer: str = typer.Option("", "--payer", help="Payer name as on file."),
    cohort: str = typer.Option("", "--cohort", help="Admission month, YYYY-MM."),
    output_format: str = typer.Option("md", "--format", help="md (Markdown) or csv."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write here, not stdout."),
) -> None:
    """Every outcome figure over the range as Markdown tables or one long CSV, masked."""
    if output_format not in ("md", "csv"):
        context.fail("format: give md or csv")
    chosen: Literal["md", "csv"] = "md" if output_format == "md" else "csv"
    actor = Actor.system(f"{context.system_actor().username} (outcomes report)")
    with context.unit_of_work() as session:
        try:
            scope = filters.scope_from(
                session,
                start=start,
                end=end,
                today=today(),
                site=site,
                level=level,
                track=track,
                payer=payer,
                cohort=cohort,
            )
        except Invalid as exc:
            context.fail(f"{exc.field}: {exc.message}")
        found = service.report(session, actor=actor, scope=scope, as_of=today(), masked=True)
    text = markdown(found) if chosen == "md" else long_csv(found)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}")
