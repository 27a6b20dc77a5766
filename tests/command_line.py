"""The `stepdown` command run inside the test's own process, with the environment an
operator's shell would give it: the same arguments, standard input, exit code and the two
output streams as a child process, without paying for a fresh interpreter and import of
the whole application on every call (about two seconds each, and these suites make a
hundred calls). What only a real process shows (``python -m stepdown`` starting at all,
``serve``, a crash mid-write) stays in tests that start one.

The command's process state is put back after each call: the settings and engine it
cached, the program clock it set and the audit keyring it read."""

from __future__ import annotations

import subprocess
import sys
import traceback
from collections.abc import Mapping

from typer.testing import CliRunner

from stepdown.audit import keys
from stepdown.cli import context, main
from stepdown.kit import clock

_runner = CliRunner()


def _invoke(
    env: Mapping[str, str | None], args: tuple[str, ...], stdin: bytes
) -> tuple[int, bytes, bytes]:
    """``stepdown.cli.main`` (the console script's own entry: one-line usage errors) with
    the process state a command sets put back afterwards."""
    zone = clock.program_zone().key
    keyring = keys._active  # the audit key a test installed, if any
    keys.install(None)  # the command reads its key from its environment, as a process would
    context.settings.cache_clear()
    context.engine.cache_clear()
    code: int = 0
    try:
        with _runner.isolation(input=stdin, env=dict(env)) as (out, err, _):
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except Exception:  # what the interpreter prints before it exits 1
                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
            return code, out.getvalue(), err.getvalue()
    finally:
        if context.engine.cache_info().currsize:
            context.engine().dispose()
        context.settings.cache_clear()
        context.engine.cache_clear()
        clock.set_program_zone(zone)
        keys.install(keyring)


def stepdown(
    env: Mapping[str, str | None], *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """``stepdown *args`` with ``env`` over the test's environment (None unsets a name)."""
    code, out, err = _invoke(env, args, stdin.encode())
    return subprocess.CompletedProcess(["stepdown", *args], code, out.decode(), err.decode())


def stepdown_bytes(
    env: Mapping[str, str | None], *args: str, stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    """As ``stepdown``, for commands whose input or output is binary (backups)."""
    code, out, err = _invoke(env, args, stdin)
    return subprocess.CompletedProcess(["stepdown", *args], code, out, err)
