"""The accounting of disclosures: each disclosure as recorded, inside the days asked for
(program days, both ends included), by default the 3 years to today and never more; the
client's own only, and producing it audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.consents.models import Consent, InformationClass, Purpose
from stepdown.disclosures import accounting, gate
from stepdown.disclosures.models import Channel, Disclosure, DisclosureRecipient
from stepdown.disclosures.notice import current
from stepdown.kit.clock import day_start, today
from stepdown.kit.errors import Invalid, NotFound
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.disclosures.factories import COURT, Released, released
from tests.factories import make_client, make_site, make_user

OFFICER = "Pat Officer (County Probation)"


def disclosed(
    r: Released,
    consent: Consent,
    at: datetime,
    *,
    description: str = "weekly accountability summary",
    channel: Channel = Channel.ACCOUNTABILITY_SUMMARY,
) -> Disclosure:
    """A disclosure row at a chosen instant, as the gate writes it (the gate stamps the
    present, and the boundaries need exact instants)."""
    row = Disclosure(
        occurred_at=at,
        client_id=r.client.id,
        recipient_id=r.officer.recipient_id,
        recipient_label=OFFICER,
        consent_id=consent.id,
        purpose=Purpose.COURT_SUPERVISION.value,
        information=sorted(COURT),
        channel=channel,
        description=description,
        notice_version=current().version,
        actor_id=r.clinician.id,
        actor_label=r.clinician.username,
    )
    r.session.add(row)
    r.session.flush()
    return row


def table(found: accounting.Accounting) -> list[tuple[str, ...]]:
    return [
        (
            accounting.when_text(row),
            accounting.recipient_text(row),
            accounting.information_text(row),
            row.purpose.label,
            row.channel.label,
            row.description,
            accounting.consent_text(row),
            row.sent_by,
        )
        for row in found.rows
    ]


def test_each_disclosure_in_the_days_asked_for_as_it_was_recorded(session: Session) -> None:
    r = released(session)
    consent = r.consent()
    first, last = date(2026, 3, 1), date(2026, 3, 31)
    after = day_start(last + timedelta(days=1))
    disclosed(r, consent, day_start(first) - timedelta(seconds=1), description="too early")
    disclosed(r, consent, day_start(first), description="first instant")
    disclosed(r, consent, after - timedelta(seconds=1), channel=Channel.FHIR, description="last")
    disclosed(r, consent, after, description="too late")
    # Renamed and given an address since: the name stays as sent, the address is today's.
    recipient = session.get(DisclosureRecipient, r.officer.recipient_id)
    assert recipient is not None
    recipient.name, recipient.address = "P. Officer", "1 Court Square, Portland"

    found = accounting.account(
        session, actor=r.staff, client_id=r.client.id, start=first, end=last, today=today()
    )

    assert (found.start, found.end, found.record_number) == (first, last, r.client.record_number)
    signed = f"Specific disclosure, signed {r.signed_on.isoformat()}"
    sent = ("Attendance, schedule and level of care, Drug test results",)
    assert table(found) == [
        (
            "2026-03-01 00:00",
            f"{OFFICER}, 1 Court Square, Portland",
            *sent,
            "Court, probation or parole supervision",
            "Accountability summary",
            "first instant",
            signed,
            r.clinician.username,
        ),
        (
            "2026-03-31 23:59",
            f"{OFFICER}, 1 Court Square, Portland",
            *sent,
            "Court, probation or parole supervision",
            "FHIR API",
            "last",
            signed,
            r.clinician.username,
        ),
    ]


def test_by_default_the_three_years_to_today_and_never_longer(session: Session) -> None:
    r = released(session)
    consent = r.consent()
    on = date(2026, 6, 15)
    disclosed(r, consent, day_start(date(2023, 6, 15)) - timedelta(seconds=1), description="old")
    disclosed(r, consent, day_start(date(2023, 6, 15)), description="oldest listed")
    disclosed(r, consent, day_start(on) + timedelta(hours=9), description="today")

    def account(start: date | None, end: date | None) -> accounting.Accounting:
        return accounting.account(
            session, actor=r.staff, client_id=r.client.id, start=start, end=end, today=on
        )

    found = account(None, None)
    assert (found.start, found.end) == (date(2023, 6, 15), on)
    assert [row.description for row in found.rows] == ["oldest listed", "today"]
    assert account(None, date(2025, 1, 1)).start == date(2022, 1, 1)
    assert account(date(2023, 6, 15), None).end == on
    with pytest.raises(Invalid) as too_long:
        account(date(2023, 6, 14), on)
    assert too_long.value.field == "from"
    assert "at most 3 years" in too_long.value.message
    with pytest.raises(Invalid) as backwards:
        account(date(2026, 6, 16), on)
    assert backwards.value.field == "to"


def test_three_years_before_a_leap_day_is_the_28th() -> None:
    assert accounting.years_before(date(2028, 2, 29), 3) == date(2025, 2, 28)
    assert accounting.years_before(date(2026, 12, 6), 3) == date(2023, 12, 6)


def test_a_client_sees_their_own_accounting_and_no_one_elses(session: Session) -> None:
    r = released(session)
    disclosed(r, r.consent(), day_start(today()))
    portal = make_user(session, role=Role.CLIENT)
    r.client.portal_user_id = portal.id
    other = make_client(session, site=make_site(session))
    session.flush()
    me = security_service.actor_for(portal)

    mine = accounting.account(
        session, actor=me, client_id=r.client.id, start=None, end=None, today=today()
    )

    assert [row.recipient for row in mine.rows] == [OFFICER]
    with pytest.raises(NotFound):
        accounting.account(
            session, actor=me, client_id=other.id, start=None, end=None, today=today()
        )


def test_staff_who_may_not_read_the_chart_are_told_no_such_client(session: Session) -> None:
    r = released(session)
    stranger = security_service.actor_for(make_user(session, role=Role.CLINICIAN))
    director = security_service.actor_for(make_user(session, role=Role.DIRECTOR))
    with pytest.raises(NotFound):
        accounting.account(
            session, actor=stranger, client_id=r.client.id, start=None, end=None, today=today()
        )
    found = accounting.account(
        session, actor=director, client_id=r.client.id, start=None, end=None, today=today()
    )
    assert found.rows == []


def test_producing_an_accounting_is_audited_as_an_export(session: Session) -> None:
    r = released(session)
    accounting.account(
        session,
        actor=r.staff,
        client_id=r.client.id,
        start=date(2026, 1, 1),
        end=date(2026, 1, 31),
        today=today(),
    )
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == accounting.AUDIT_ENTITY)
    ).one()
    assert (entry.action, entry.client_id, entry.actor_label) == (
        AuditAction.EXPORT,
        r.client.id,
        r.clinician.username,
    )
    assert entry.detail == {"from": "2026-01-01", "to": "2026-01-31", "rows": 0}


def test_what_the_gate_lets_through_is_in_the_accounting(session: Session) -> None:
    r = released(session)
    consent = r.consent(information=frozenset({InformationClass.ATTENDANCE}))
    gate.disclose(
        session,
        actor=r.staff,
        client_id=r.client.id,
        recipient_id=r.officer.recipient_id,
        purpose=Purpose.COURT_SUPERVISION,
        classes=frozenset({InformationClass.ATTENDANCE}),
        channel=Channel.ACCOUNTABILITY_SUMMARY,
        description="attendance this week",
    )
    found = accounting.account(
        session, actor=r.staff, client_id=r.client.id, start=None, end=None, today=today()
    )
    (row,) = found.rows
    assert (row.consent_id, row.recipient, row.information, row.description) == (
        consent.id,
        OFFICER,
        (InformationClass.ATTENDANCE,),
        "attendance this week",
    )
