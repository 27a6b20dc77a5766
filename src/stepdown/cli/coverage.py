"""`stepdown coverage read-271 FILE`: what Stepdown reads in a payer's eligibility
response, without a database, to check a clearinghouse's file or a payer's oddity."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from stepdown.cli import context
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
