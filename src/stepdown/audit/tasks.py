"""The daily audit checkpoint, run by the job runner.

Anchors the chain's head outside the database once a day (``checkpoints``). A worker
started after downtime runs the latest missed slot at once, so a new install or an upgrade
gets its first checkpoint within a minute of starting the server or a worker.
"""

from __future__ import annotations

from datetime import date, time

from sqlalchemy.orm import Session

from stepdown.audit import checkpoints, keys
from stepdown.jobs.registry import periodic
from stepdown.security.actor import Actor
from stepdown.settings import Settings

# Any hour would do; this one is clear of the other nightly jobs.
RUN_AT = time(0, 45)


@periodic("audit.checkpoint", at=RUN_AT)
def checkpoint(session: Session, *, actor: Actor, settings: Settings, day: date) -> None:
    checkpoints.write(session, keyring=keys.active(), path=settings.effective_audit_checkpoint_file)
