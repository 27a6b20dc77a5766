"""``stepdown placement``: the rule table in force and the recommended-versus-placed report,
for the director and utilization review to read from a terminal or a script."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from stepdown.cli import context
from stepdown.placement import rule_store, rules, service

app = typer.Typer(help="Placement rules and the placement report.", no_args_is_help=True)


def _date(name: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        context.fail(f"{name}: {text!r} is not a date (YYYY-MM-DD)")


@app.command("rules")
def show_rules() -> None:
    """Print the rule table in force, in the order the engine applies it."""
    with context.unit_of_work() as session:
        table = rule_store.active(session)
        title = f"Placement rules, version {table.version}"
        if table.version == rule_store.BUILT_IN_VERSION:
            title += " (built-in)"
        grid = Table(title=title, caption=table.note)
        grid.add_column("rule", no_wrap=True)
        for heading in ("looks at", "when", "does", "says"):
            grid.add_column(heading)
        for rule in table.rules:
            does = f"{rule.action.value} {rule.drives}"
            if rule.then is not None:
                does += f" then {rule.then.value}"
            grid.add_row(
                rule.id, rule.looks_at, " and ".join(rule.when) or "always", does, rule.sentence
            )
    Console().print(grid)


@app.command("evaluate")
def evaluate(
    facts_file: Path = typer.Argument(
        ..., metavar="FACTS.json", help="A client's facts (format: docs/domain.md)."
    ),
) -> None:
    """Print the recommendation for the facts in a JSON file, with every reason, as JSON:
    the rule table in force and the safety gate, as an intake would get them. Nothing is
    stored."""
    facts = context.read_json_model(facts_file, rules.PlacementFacts)
    with context.unit_of_work() as session:
        table = rule_store.active(session)
    result = rules.recommend(facts, rules=table.rules)
    typer.echo(json.dumps(service.serialize(result, rule_table_version=table.version), indent=2))


@app.command("report")
def report(
    date_from: str = typer.Option(..., "--from", help="First decision date, YYYY-MM-DD."),
    date_to: str = typer.Option(..., "--to", help="Last decision date, YYYY-MM-DD."),
) -> None:
    """Print recommended against actual placements decided in the range, with the reasons
    for every difference."""
    start, end = _date("from", date_from), _date("to", date_to)
    with context.unit_of_work() as session:
        result = service.report(session, actor=context.system_actor(), date_from=start, date_to=end)
        grid = Table(
            "decided",
            "record",
            "recommended",
            "placed",
            "why it differs",
            title=f"Placements {start.isoformat()} to {end.isoformat()}",
        )
        for decision, client in result.rows:
            why = decision.discrepancy.label if decision.discrepancy else ""
            if decision.discrepancy_text:
                why += f": {decision.discrepancy_text}"
            left_out = "; ".join(
                f"{e.instrument} {e.administered_at:%Y-%m-%d} left out: {e.reason}"
                for e in result.exclusions.get(decision.assessment_id, [])
            )
            grid.add_row(
                decision.decided_at.date().isoformat(),
                client.record_number,
                f"{decision.recommended_level} {decision.recommended_track}",
                f"{decision.placed_level} {decision.placed_track}",
                "; ".join(part for part in (why, left_out) if part),
            )
    console = Console()
    console.print(grid)
    console.print(f"{len(result.rows)} decisions, {result.agreed} as recommended")
    for reason, count in sorted(result.by_reason.items()):
        console.print(f"  {reason.replace('_', ' ')}: {count}")
