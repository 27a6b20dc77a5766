"""``stepdown reviews``: run the level-of-care review now, see the queue and the rules, and
try the rules on an evidence file (``evaluate``: no records read, nothing stored)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from stepdown.cli import context
from stepdown.programs import service as programs_service
from stepdown.transitions import service
from stepdown.transitions.rule_table import DEFAULT_TABLE
from stepdown.transitions.rules import ENGINE_RULES
from stepdown.transitions.schemas import EvidenceInput

app = typer.Typer(
    help="Level-of-care reviews: run the engine, see the queue and the rules, try an evidence "
    "file.",
    no_args_is_help=True,
)


@app.command("run")
def run(
    site: str | None = typer.Option(None, "--site", help="Site code; every site when left out."),
) -> None:
    """Review every client in care now (as the nightly job does) and print each proposal,
    most urgent first. Running it again the same day records nothing new."""
    grid = Table(title="Level-of-care review")
    for heading in ("site", "record", "level", "proposal", "urgency", "top reasons", "new"):
        grid.add_column(heading)
    with context.unit_of_work() as session:
        sites = (
            [programs_service.require_site(session, site)]
            if site
            else programs_service.list_sites(session)
        )
        for each in sites:
            lines = service.run_for_site(session, actor=context.system_actor(), site_id=each.id)
            for line in lines:
                proposal = line.kind.label
                if line.target:
                    proposal += f" to {line.target}"
                elif line.discharge:
                    proposal += " (complete the program)"
                grid.add_row(
                    each.code,
                    line.record_number,
                    line.level,
                    proposal,
                    str(line.urgency),
                    "\n".join(line.top_reasons),
                    "yes" if line.recorded else "no",
                )
    Console().print(grid)


@app.command("queue")
def show_queue() -> None:
    """Print the proposals waiting for a clinician, most urgent first."""
    with context.unit_of_work() as session:
        items = service.queue(session, actor=context.system_actor())
        grid = Table(title="Review queue")
        for heading in ("record", "level", "proposal", "due", "top reasons"):
            grid.add_column(heading)
        for item in items:
            proposal = item.review.kind.label
            if item.target_level is not None:
                proposal += f" to {item.target_level.code}"
            due = item.review.next_review_due.isoformat() + (" (overdue)" if item.overdue else "")
            grid.add_row(
                item.client.record_number,
                item.from_level.code,
                proposal,
                due,
                "\n".join(item.top_reasons),
            )
    Console().print(grid)


@app.command("rules")
def show_rules() -> None:
    """Print the review table, strongest action first, as the engine applies it."""
    grid = Table(title=f"Level-of-care review rules, version {DEFAULT_TABLE.version} (built-in)")
    for heading in ("rule", "does", "when", "weight", "says"):
        grid.add_column(heading)
    for rule_id, does, says in ENGINE_RULES:
        grid.add_row(rule_id, does, "the engine's own rule: no table can remove it", "", says)
    for rule in service.rules_in_order(DEFAULT_TABLE):
        grid.add_row(
            rule.id,
            rule.action.value,
            " and ".join(rule.when) or "always",
            str(rule.weight),
            rule.sentence,
        )
    Console().print(grid)


@app.command("evaluate")
def evaluate(
    evidence_file: Path = typer.Argument(
        ...,
        metavar="EVIDENCE.json",
        help="A client's review evidence (format: docs/domain.md, docs/examples/).",
    ),
) -> None:
    """Print the proposal the built-in rules make for the evidence in a JSON file, with
    every reason and the evidence it read, as JSON. Reads no records and stores nothing; a
    bad file is one line naming the problem and its field, exit status 2."""
    found = context.read_json_model(evidence_file, EvidenceInput)
    typer.echo(json.dumps(found.evaluate(DEFAULT_TABLE), indent=2, ensure_ascii=False))
