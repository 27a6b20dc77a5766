"""Use cases on the program's sites and rooms (not PHI)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.programs.models import Room, Site


def list_sites(session: Session) -> list[Site]:
    return list(session.scalars(select(Site).order_by(Site.code)))


def get_site(session: Session, site_id: uuid.UUID) -> Site | None:
    return session.get(Site, site_id)


def rooms_by_site(session: Session) -> dict[uuid.UUID, list[Room]]:
    rooms: dict[uuid.UUID, list[Room]] = {}
    for room in session.scalars(select(Room).order_by(Room.code)):
        rooms.setdefault(room.site_id, []).append(room)
    return rooms


def site_by_code(session: Session, code: str) -> Site | None:
    return session.scalar(select(Site).where(Site.code == code.strip().upper()))
