"""Role-scoped queries on clients: every client query starts from ``readable``."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import ColumnElement, Select, exists, false, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from stepdown.clients.models import Client, ClientMerge
from stepdown.security.actor import Actor
from stepdown.security.roles import Role

# Roles whose work spans the whole program (minimum necessary still applies per field).
PROGRAM_WIDE = frozenset({Role.ADMIN, Role.DIRECTOR, Role.UTILIZATION_REVIEW, Role.SYSTEM})
SITE_WIDE = frozenset({Role.CASE_MANAGER, Role.ADMISSIONS})


def readable(actor: Actor) -> Select[Client]:
    """Clients this actor may see: clinicians their caseload, site staff their site,
    clients themselves only. A record merged into another is nobody's to list: its rows
    now belong to the surviving record."""
    stmt = select(Client).where(not_merged_away())
    if actor.role in PROGRAM_WIDE:
        return stmt
    if actor.role is Role.CLINICIAN and actor.user_id is not None:
        return stmt.where(Client.primary_clinician_id == actor.user_id)
    if actor.role in SITE_WIDE and actor.site_id is not None:
        return stmt.where(Client.site_id == actor.site_id)
    if actor.role is Role.CLIENT and actor.user_id is not None:
        return stmt.where(Client.portal_user_id == actor.user_id)
    return stmt.where(false())


def unassigned(actor: Actor) -> Select[Client]:
    """Clients with no primary clinician, as this actor may see them to get one assigned.

    A clinician's caseload is who they are the primary clinician of, so a new admission
    with none would be invisible to every clinician: they see the unassigned clients of
    their own site (every site's if they have none) to take one on.
    """
    if actor.role is Role.CLINICIAN:
        stmt = select(Client).where(not_merged_away())
        if actor.site_id is not None:
            stmt = stmt.where(Client.site_id == actor.site_id)
    else:
        stmt = readable(actor)
    return stmt.where(Client.primary_clinician_id.is_(None))


def not_merged_away() -> ColumnElement[bool]:
    """The client is not the source of a merge that stands (not undone)."""
    return ~exists().where(
        ClientMerge.source_client_id == Client.id, ClientMerge.undone_at.is_(None)
    )


def by_record_number(record_number: str) -> Select[Client]:
    return select(Client).where(Client.record_number == record_number)


def matches(query: str) -> ColumnElement[bool]:
    """Case-insensitive match on legal, preferred and full names and the record number;
    a query of four or more digits also matches phone numbers however they were typed,
    and a date (2001-04-17 or 4/17/2001) the date of birth."""
    text = query.strip()
    pattern = f"%{text.lower()}%"
    conditions: list[ColumnElement[bool]] = [
        func.lower(Client.legal_first_name).like(pattern),
        func.lower(Client.legal_last_name).like(pattern),
        func.lower(Client.preferred_name).like(pattern),
        func.lower(Client.record_number).like(pattern),
        func.lower(Client.legal_first_name + " " + Client.legal_last_name).like(pattern),
        func.lower(Client.preferred_name + " " + Client.legal_last_name).like(pattern),
    ]
    day = _as_day(text)
    if day is not None:
        conditions.append(Client.date_of_birth == day)
    else:
        digits = re.sub(r"\D", "", text)
        if len(digits) >= 4 and not re.search(r"[A-Za-z]", text):
            conditions.append(phone_digits(Client.phone).like(f"%{digits}%"))
    return or_(*conditions)


def phone_digits(column: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[str]:
    """The column with the separators people type in phone numbers removed (SQLite has no
    regular-expression replace)."""
    stripped: ColumnElement[str] = func.replace(column, " ", "")
    for separator in ("-", "(", ")", ".", "+", "/"):
        stripped = func.replace(stripped, separator, "")
    return stripped


_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_US_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def _as_day(text: str) -> date | None:
    if match := _ISO_DAY.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _US_DAY.fullmatch(text):
        month, day, year = (int(g) for g in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def highest_record_number(prefix: str) -> Select[str]:
    """Longest then greatest, so C-1000000 sorts after C-999999."""
    return (
        select(Client.record_number)
        .where(Client.record_number.like(f"{prefix}%"))
        .order_by(func.length(Client.record_number).desc(), Client.record_number.desc())
        .limit(1)
    )
