"""The program's name, contact details and clock as every page and printout shows them.

Read from the ``program`` row (``stepdown init``), with the settings' ``program_name`` and
``timezone`` standing in until there is one (a database migrated but not yet initialised,
or one seeded before the row existed). Pages read the card from memory rather than the
database: a request costs no extra query, and the card changes only when an administrator
edits the details. The process that saved an edit reloads at once; other worker processes
reload on a timer (``Settings.program_refresh_seconds``). Each load also sets the process's
clock (``kit.clock.set_program_zone``), so every page shows times in the program's zone.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from stepdown.kit import clock
from stepdown.programs.models import Program, ProgramLogo
from stepdown.settings import Settings


@dataclass(frozen=True)
class ProgramCard:
    name: str
    phone: str
    address: str
    time_zone: str
    initialised: bool
    # The printouts' logo (``ProgramLogo``), kept here so a printout costs no query.
    logo: bytes | None = None
    logo_type: str = ""

    @property
    def address_lines(self) -> list[str]:
        return self.address.splitlines()


def card_from_settings(settings: Settings) -> ProgramCard:
    return ProgramCard(
        name=settings.program_name,
        phone="",
        address="",
        time_zone=settings.timezone,
        initialised=False,
    )


def read_card(session: Session, settings: Settings) -> ProgramCard:
    row = session.get(Program, 1)
    if row is None:
        return card_from_settings(settings)
    logo = session.get(ProgramLogo, 1)
    return ProgramCard(
        name=row.name,
        phone=row.phone,
        address=row.address,
        time_zone=row.time_zone,
        initialised=True,
        logo=logo.data if logo else None,
        logo_type=logo.content_type if logo else "",
    )


class ProgramCards:
    """One process's copy of the card."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings) -> None:
        self._factory = factory
        self._settings = settings
        self._card = card_from_settings(settings)

    def current(self) -> ProgramCard:
        return self._card

    def reload(self) -> ProgramCard:
        """Read the row again and put the process on the program's clock
        (``kit.clock``); a database that cannot answer (not migrated yet, briefly down)
        keeps the card the process has."""
        try:
            with self._factory() as session:
                card = read_card(session, self._settings)
        except SQLAlchemyError:
            card = self._card
        self._card = card  # one reference replaced: readers see the old card or the new
        clock.set_program_zone(card.time_zone)
        return card


def with_program_clock(settings: Settings, card: ProgramCard) -> Settings:
    """The settings with the initialised program's time zone: ``stepdown init`` records the
    clock in the database, and everything that reads ``settings.timezone`` (the web app,
    its jobs, ``stepdown worker``) follows it."""
    if not card.initialised or card.time_zone == settings.timezone:
        return settings
    return settings.model_copy(update={"timezone": card.time_zone})
