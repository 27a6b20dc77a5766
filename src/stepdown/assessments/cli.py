"""``stepdown assess``: score an instrument from the command line, for staff and for scripts,
and show a client's recorded results."""

from __future__ import annotations

import re
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from stepdown.assessments import service
from stepdown.assessments.rules import (
    INSTRUMENTS,
    Band,
    InstrumentError,
    InstrumentSpec,
    Score,
    Sex,
    instrument,
    score,
)
from stepdown.clients import repository as clients_repository
from stepdown.clients import service as clients_service
from stepdown.kit.clock import local

app = typer.Typer(help="Score screening and monitoring instruments.", no_args_is_help=True)


_ANSWER = re.compile(r"[0-9]+")


def _parse_answers(spec: InstrumentSpec, text: str) -> list[int | None]:
    """Blanks stay blank (``1,,2``) so the scorer reports the missing item by its number.

    Only ASCII digits are an answer: ``int`` would also take ``0_1``, ``+1`` and other
    scripts' digits (``１``, ``٣``), so a mistyped or pasted answer would be scored as a
    number nobody typed. Plain spaces around an answer ("0, 1") are only layout.
    """
    answers: list[int | None] = []
    for position, raw in enumerate(part.strip(" ") for part in text.split(",")):
        if not raw:
            answers.append(None)
        elif _ANSWER.fullmatch(raw):
            answers.append(int(raw))
        else:
            number = spec.items[position].number if position < spec.item_count else position + 1
            raise InstrumentError(f"item {number}: {raw!r} is not a whole number")
    return answers


def _parse_sex(text: str | None) -> Sex | None:
    if text is None:
        return None
    try:
        return Sex(text.lower())
    except ValueError:
        raise InstrumentError(f"sex: {text!r} is not one of female, male") from None


def _list_bands(bands: tuple[Band, ...]) -> str:
    return "; ".join(f"{b.label} {b.low}-{b.high}" for b in bands)


def _describe_scale(spec: InstrumentSpec) -> str:
    if spec.subscales:
        return "subscales " + ", ".join(spec.subscales) + " (no cut-offs)"
    if not spec.has_total:
        return "risk level none, low, moderate or high"
    low, high = spec.total_range
    if spec.bands_for_women is None:
        return f"total {low}-{high}: {_list_bands(spec.bands)}"
    women = _list_bands(spec.bands_for_women)
    return f"total {low}-{high}: men {_list_bands(spec.bands)}; women {women}"


def _describe_score(spec: InstrumentSpec, result: Score) -> list[str]:
    if result.total is not None:
        lines = [f"{spec.name}: total {result.total} of {spec.total_range[1]}, {result.band}"]
    elif result.band is not None:
        lines = [f"{spec.name}: {result.band} risk"]
    else:
        lines = [f"{spec.name}: subscales only, no total"]
    if result.subscales:
        lines.append("subscales: " + ", ".join(f"{k} {v}" for k, v in result.subscales.items()))
    if result.flags:
        lines.append("flags: " + ", ".join(sorted(result.flags)))
    if result.safety_alert:
        lines.append("SAFETY: a same-day safety assessment is needed")
    return lines


@app.command("list")
def list_instruments() -> None:
    """List the instruments with their item counts and bands."""
    for spec in INSTRUMENTS.values():
        typer.echo(
            f"{spec.code:<7} {spec.name:<16} {spec.item_count:>2} items  {_describe_scale(spec)}"
        )


@app.command("score")
def score_answers(
    instrument_code: Annotated[
        str,
        typer.Argument(
            metavar="INSTRUMENT",
            help="Instrument code from `stepdown assess list`, e.g. phq9 or PHQ-9.",
        ),
    ],
    answers: Annotated[
        str, typer.Option(help="Answers in form order, comma-separated, e.g. 0,1,2,0,0,1,0,0,0.")
    ],
    sex: Annotated[str | None, typer.Option(help="female or male; the AUDIT-C needs it.")] = None,
) -> None:
    """Score one administration and print its total, band, subscales and flags."""
    try:
        spec = instrument(instrument_code)
        result = score(spec.code, _parse_answers(spec, answers), sex=_parse_sex(sex))
    except InstrumentError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    for line in _describe_score(spec, result):
        typer.echo(line)


@app.command("history")
def history(
    record: Annotated[
        str, typer.Argument(metavar="RECORD_NUMBER", help="Record number, e.g. DEMO-0001.")
    ],
    code: Annotated[
        str | None, typer.Option("--code", help="Only this instrument, e.g. phq9.")
    ] = None,
) -> None:
    """Show a client's recorded results, newest first (an audited read, as the system)."""
    # Imported here: `stepdown.cli` registers this sub-app, so a top-level import would cycle.
    from stepdown.cli import context

    with context.unit_of_work() as session:
        actor = context.system_actor()
        # As `stepdown clients show` does: find the record, then open it through the service.
        found = session.scalar(clients_repository.by_record_number(record.strip().upper()))
        if found is None:
            context.fail(f"record: no client with record number {record!r}")
        client = clients_service.get_client(session, actor=actor, client_id=found.id)
        responses = service.list_responses(session, actor=actor, client=client, code=code)
        table = Table(
            "given (UTC)",
            "instrument",
            "result",
            "flags",
            "status",
            title=f"{client.display_name} {client.record_number}: {len(responses)} results",
        )
        for response in responses:
            spec = INSTRUMENTS[response.instrument]
            table.add_row(
                f"{local(response.administered_at):%Y-%m-%d %H:%M %Z}",
                spec.name,
                _describe_stored(response.total, response.band, response.subscales),
                ", ".join(response.flags),
                f"entered in error: {response.error_reason}"
                if response.entered_in_error
                else "recorded",
            )
        Console().print(table)


def _describe_stored(total: int | None, band: str | None, subscales: dict[str, int]) -> str:
    if total is not None:
        return f"{total}, {band}"
    if subscales:
        return ", ".join(f"{k} {v}" for k, v in subscales.items())
    return f"{band} risk"
