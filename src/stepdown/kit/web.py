"""FastAPI glue shared by every domain's routes: the request-owned database session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from stepdown.kit.bounds import storable_text
from stepdown.kit.errors import Invalid


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work: committed when the route returns, rolled back if it raises.

    Async so that opening and closing the session costs no trip through the threadpool:
    making a Session does no I/O, and one the request never used (a GET that reads only
    the URL, the CSRF check of a safe method) is closed on the event loop. Only a commit or
    a rollback, which talk to the database, go to a worker thread.
    """
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):  # a cancelled request still gives its row locks back
            await run_in_threadpool(_discard, session)
        raise
    if _has_work(session):
        await run_in_threadpool(_commit, session)
    else:
        session.close()


def _has_work(session: Session) -> bool:
    """Whether committing would do anything: a transaction, pending rows, or staged work in
    ``session.info`` (audit entries, job wake-ups) that a commit hook writes."""
    return bool(
        session.in_transaction() or session.new or session.dirty or session.deleted or session.info
    )


def _commit(session: Session) -> None:
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _discard(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


# scope="function": the session ends with the route function, before the response is sent.
# With FastAPI's default ("request") scope the commit ran after the client already had its
# 201, so a failed commit went unnoticed and an audited read reached the client before its
# audit row existed. Everything that needs the session (routes, the caller's policy, the
# CSRF check) takes it through this one alias: FastAPI caches a dependency per scope, so a
# second spelling would open a second session and a second transaction in the same request.
DbSession = Annotated[Session, Depends(get_session, scope="function")]


def wants_html(request: Request) -> bool:
    """Routes under /api speak JSON; everything else is the staff and client web UI."""
    return not request.url.path.startswith("/api/")


async def refuse_unstorable_input(request: Request) -> None:
    """Refuse a query string or form value the databases cannot store, naming the field.

    The API's bodies and parameters are checked by their bounded types; the pages read
    forms and query strings by hand, and a ``%00`` in any of them reached PostgreSQL (which
    refuses NUL in text) as a 500. One check here covers every page, present and future.
    """
    fields: list[tuple[str, object]] = list(request.query_params.multi_items())
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.headers.get(
        "content-type", ""
    ).startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        fields.extend((await request.form()).multi_items())
    for name, value in fields:
        for text in (name, value):
            if not isinstance(text, str):
                continue  # an uploaded file: its reader checks its content
            try:
                storable_text(text)
            except ValueError as exc:
                raise Invalid(str(exc), field=storable_name(name)) from None


def storable_name(name: str) -> str:
    """A field name fit to quote back: what cannot be stored is dropped from it."""
    return "".join(c for c in name if c != "\x00" and not 0xD800 <= ord(c) <= 0xDFFF)
