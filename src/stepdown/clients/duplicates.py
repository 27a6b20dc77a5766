"""Finding the existing records a new client may duplicate, before anything is created.

Every path that opens a record (converting an inquiry, the API, an import) asks here
first and shows what it finds to a person. The search spans the whole program, not only
what the asker may open: a duplicate at the other site is as harmful as one at this site.
Each candidate shown is a read of that record and is audited as one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from stepdown.audit import service as audit_service
from stepdown.clients import repository, rules
from stepdown.clients.models import Client
from stepdown.programs.models import Site
from stepdown.security.actor import Actor

# Enough for a person to decide; a longer list means the search is too loose to help.
MOST_SHOWN = 10


@dataclass(frozen=True, slots=True)
class LikelyDuplicate:
    client_id: uuid.UUID
    record_number: str
    name: str
    date_of_birth: date
    site_name: str
    reasons: tuple[str, ...]


def identity_of(client: Client) -> rules.Identity:
    return rules.Identity(
        first_name=client.legal_first_name,
        last_name=client.legal_last_name,
        date_of_birth=client.date_of_birth,
        phone=client.phone,
        preferred_name=client.preferred_name,
    )


def likely_duplicates(
    session: Session,
    *,
    actor: Actor,
    identity: rules.Identity,
    excluding: uuid.UUID | None = None,
) -> list[LikelyDuplicate]:
    """Existing clients who may be the person ``identity`` describes, best match first.

    Candidates are narrowed in the database by birth date (as typed, or with day and month
    swapped) or by phone digits, then scored by ``rules.match_reasons``: every rule needs
    one of those two to agree, so nothing that could match is left out by the narrowing.
    """
    conditions = []
    if identity.date_of_birth is not None:
        days = {identity.date_of_birth}
        if (swapped := rules.swapped_day_month(identity.date_of_birth)) is not None:
            days.add(swapped)
        conditions.append(Client.date_of_birth.in_(days))
    if digits := rules.phone_digits(identity.phone):
        conditions.append(repository.phone_digits(Client.phone).like(f"%{digits}"))
    if not conditions:
        return []
    stmt = (
        select(Client, Site.name)
        .join(Site, Site.id == Client.site_id)
        .where(or_(*conditions), repository.not_merged_away())
    )
    if excluding is not None:
        stmt = stmt.where(Client.id != excluding)
    found: list[tuple[int, LikelyDuplicate]] = []
    for client, site_name in session.execute(stmt):
        reasons = rules.match_reasons(identity, identity_of(client))
        if reasons:
            score = rules.name_similarity(identity, identity_of(client))
            found.append(
                (
                    score,
                    LikelyDuplicate(
                        client_id=client.id,
                        record_number=client.record_number,
                        name=client.display_name,
                        date_of_birth=client.date_of_birth,
                        site_name=site_name,
                        reasons=reasons,
                    ),
                )
            )
    found.sort(key=lambda pair: (-pair[0], pair[1].record_number))
    shown = [candidate for _, candidate in found[:MOST_SHOWN]]
    audit_service.record_reads(
        session,
        actor=actor,
        entity_type="client_duplicate_check",
        client_ids=[c.client_id for c in shown],
    )
    return shown
