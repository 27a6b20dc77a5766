"""`stepdown audit`: check the trail against its keys and checkpoints, checkpoint its head,
rotate its key."""

from __future__ import annotations

import typer

from stepdown.audit import checkpoints, keys, service
from stepdown.audit.keys import Keyring, KeyringError
from stepdown.cli import context

app = typer.Typer(help="Check the audit trail.", no_args_is_help=True)


def keyring() -> Keyring:
    """The audit keys, or one line naming the file that is wrong (exit 2)."""
    try:
        return keys.active()
    except KeyringError as exc:
        context.fail(f"audit key: {exc}")


def describe(result: service.VerifyResult) -> str:
    """One line: what was checked and held, or where the trail first breaks."""
    if not result.ok and result.first_broken_seq is None:
        return f"BROKEN: {result.problem}"
    if not result.ok:
        return (
            f"BROKEN at entry {result.first_broken_seq}: {result.problem} "
            f"({result.checked} entries before it are intact)"
        )
    legacy = f", {result.unkeyed} of them from before it was keyed" if result.unkeyed else ""
    return (
        f"ok: {result.checked} entries, chain intact{legacy}; "
        f"{result.checkpoints} checkpoint(s) hold"
    )


@app.command()
def verify() -> None:
    """Recompute every entry's hash and hold the chain to the checkpoint file; exit 1 naming
    the first entry that does not match."""
    found = keyring()
    path = context.settings().effective_audit_checkpoint_file
    with context.unit_of_work() as session:
        result = service.verify(session, checkpoint_path=path, keyring=found)
    if not result.ok:
        typer.echo(describe(result), err=True)
        raise typer.Exit(1)
    typer.echo(describe(result))
    if result.checkpoints == 0:
        typer.echo(
            f"warning: no checkpoint in {path} yet, so a rewrite by someone holding the key, "
            "or a cut-off tail, would go unnoticed: run `stepdown audit checkpoint`",
            err=True,
        )


@app.command()
def checkpoint() -> None:
    """Append a signed checkpoint of the newest entry to the checkpoint file (the daily
    `audit.checkpoint` job does this too)."""
    found = keyring()
    path = context.settings().effective_audit_checkpoint_file
    with context.unit_of_work() as session:
        try:
            made = checkpoints.write(session, keyring=found, path=path)
        except OSError as exc:
            context.fail(f"{path}: {exc.strerror or 'cannot be written'}")
    typer.echo(f"checkpoint of entry {made.seq} ({made.hash[:16]}…, key {made.key_id}) in {path}")


@app.command("rotate-key")
def rotate_key() -> None:
    """Retire the audit key into the keyring and make a new one for new entries."""
    settings = context.settings()
    try:
        old, new = keys.rotate(settings)
    except KeyringError as exc:
        context.fail(str(exc))
    except OSError as exc:
        context.fail(f"{exc.filename}: {exc.strerror or 'cannot be written'}")
    typer.echo(
        f"new entries use audit key {new.id}; key {old.id} stays in "
        f"{settings.effective_audit_keyring} to verify the entries it made. Restart "
        "`stepdown serve` and the workers to switch, and back up both key files."
    )
