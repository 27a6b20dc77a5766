"""FastAPI glue shared by every domain's routes: the request-owned database session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: committed when the route returns, rolled back if it raises."""
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
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
