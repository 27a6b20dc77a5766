"""Serving the web app: one process, or several under uvicorn's supervisor.

One process handles requests on one core at a time (the routes are synchronous and the
GIL runs one thread's Python at once), so a PostgreSQL deployment serves with one worker
process per core by default. SQLite takes one writer at a time (every audited read writes,
see ``kit.db``): more processes would only queue on its lock, so it serves with one and
refuses more.

Several workers need the app as an import string: uvicorn's supervisor binds the socket,
then spawns fresh interpreters that each import ``app_factory`` and accept connections
from the shared listening socket. Each worker builds its own settings from the same
environment (and ``.env``) the supervisor read, so they agree.

Latency: asyncio sets ``TCP_NODELAY`` on every connection it accepts, but only when the
listening socket says its protocol is TCP (``base_events._set_nodelay`` checks
``sock.proto == IPPROTO_TCP``, and accepted sockets inherit the listener's ``proto``).
uvicorn's own listener for several workers (``Config.bind_socket``) is made with
``socket.socket(family)``, protocol 0, so without ``_TcpConfig`` below every worker's
connections kept Nagle's algorithm: a response written as headers then body waited for
the client's delayed ACK, 44 ms per keep-alive request instead of 2 (measured on
/healthz, uvicorn 0.54). One process is unaffected: uvicorn lets asyncio bind, from
``getaddrinfo``, which names TCP. ``tests/cli/test_serve.py`` reads the option on the
accepted sockets of each worker.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from typing import TYPE_CHECKING

import uvicorn

from stepdown.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

SQLITE_ONE_WORKER = (
    "SQLite lets one process write at a time, so it is served by 1 worker; "
    "use PostgreSQL (STEPDOWN_DATABASE_URL) for more"
)


def available_cores() -> int:
    """The cores this process may run on (a container's or taskset's limit, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def is_sqlite(settings: Settings) -> bool:
    return settings.effective_database_url.startswith("sqlite")


def default_workers(settings: Settings) -> int:
    return 1 if is_sqlite(settings) else available_cores()


def refusal(settings: Settings, workers: int) -> str | None:
    """Why ``workers`` processes cannot serve this database, or None when they can."""
    if workers > 1 and is_sqlite(settings):
        return f"--workers {workers}: {SQLITE_ONE_WORKER}"
    return None


def configure_logging() -> None:
    """Our loggers at INFO on stderr, in the supervisor and in every worker it spawns.

    Uvicorn's own access log is off: it prints query strings (a client search by name
    would land in the log); the app logs each request with ids only instead.
    """
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s %(message)s")


def app_factory() -> FastAPI:
    """The app for one worker process (uvicorn calls this after spawning it)."""
    from stepdown.app import create_app

    configure_logging()
    return create_app(Settings())


def _prepare_keys(settings: Settings) -> None:
    """Make the generated secret and audit keys before the workers start, so they read
    one key each instead of racing to create it (the secret key's first writer wins and
    a second would fail on the existing file)."""
    from stepdown.audit import keys

    _ = settings.effective_secret_key
    keys.load(settings)


class _TcpConfig(uvicorn.Config):
    """uvicorn's settings, with a listening socket that says it is TCP (see the module
    docstring): the workers rebuild it with the same ``proto``, and asyncio then sets
    TCP_NODELAY on each connection they accept."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return sock
        tcp = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        tcp.set_inheritable(True)
        return tcp


def serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Serve until interrupted; the caller has checked ``refusal`` first."""
    configure_logging()
    if workers == 1:
        from stepdown.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)
        return
    _prepare_keys(settings)
    # What ``uvicorn.run`` does for several workers, with our socket.
    from uvicorn.supervisors import Multiprocess

    config = _TcpConfig(
        f"{__name__}:app_factory",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
    )
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[config.bind_socket()]).run()
