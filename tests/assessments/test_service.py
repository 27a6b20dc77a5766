"""Recording instrument results: scores as the sources define them, alerts routed to the
people who act on them, corrections that keep the record but leave the trend."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.alerts import service as alerts_service
from stepdown.alerts.models import AlertKind, Severity
from stepdown.assessments import rules, service
from stepdown.assessments.rules import Sex
from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import Track
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import SYSTEM, make_client, make_response, make_site, make_user

# Kroenke 2001: eight items at 1 and item 9 at 0 make 8, mild.
MILD_NO_ITEM9 = [1, 1, 1, 1, 1, 1, 1, 1, 0]
# Eight items at 1 and item 9 at 2 ("more than half the days") make 10, moderate.
MODERATE_ITEM9 = [1, 1, 1, 1, 1, 1, 1, 1, 2]


def _actor(user: User) -> Actor:
    return security_service.actor_for(user)


def test_stores_answers_score_episode_and_who(session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    episode = continuum_service.admit(
        session,
        actor=SYSTEM,
        client_id=person.id,
        level_code="IOP",
        track=Track.EVENING,
        on=today() - timedelta(days=3),
        reason="fits",
    )
    recorded = service.record_response(
        session, actor=_actor(clinician), client_id=person.id, code="PHQ-9", answers=MILD_NO_ITEM9
    )
    response = recorded.response
    assert (response.instrument, response.total, response.band) == ("phq9", 8, "mild")
    assert response.answers == MILD_NO_ITEM9
    assert response.flags == []
    assert response.episode_id == episode.id
    assert response.administered_by == clinician.id
    assert response.administered_at == response.recorded_at
    assert recorded.alerts == []
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.entity_id == str(response.id))
    ).one()
    assert (entry.action, entry.client_id, entry.detail) == (
        AuditAction.CREATE,
        person.id,
        {"instrument": "phq9"},
    )


def test_without_an_open_episode_the_episode_is_empty(session: Session) -> None:
    person = make_client(session, site=make_site(session))
    response = make_response(session, client=person, code="dast10", answers=[0, 0, 0] + [0] * 7)
    assert response.episode_id is None
    assert (response.total, response.band) == (1, "low")  # item 3 "no" scores (Skinner 1982)


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ([1, 1, 1, 1, 1, 1, 1, 1, None], "item_9", "PHQ-9 item 9: missing"),
        ([1, 1, 4, 1, 1, 1, 1, 1, 0], "item_3", "PHQ-9 item 3: 4 is not one of 0, 1, 2, 3"),
        ([1, 1], "item_3", "PHQ-9 item 3: missing"),
    ],
)
def test_an_invalid_answer_names_the_item_and_stores_nothing(
    session: Session, answers: list[int | None], field: str, message: str
) -> None:
    person = make_client(session, site=make_site(session))
    with pytest.raises(Invalid) as refused:
        make_response(session, client=person, answers=answers)
    assert (refused.value.field, refused.value.message) == (field, message)
    assert service.list_responses(session, actor=SYSTEM, client=person) == []


def test_an_unknown_instrument_is_refused(session: Session) -> None:
    person = make_client(session, site=make_site(session))
    with pytest.raises(Invalid) as refused:
        make_response(session, client=person, code="k10")
    assert refused.value.field == "instrument"


def test_phq9_item9_alerts_the_primary_clinician_and_directors_only(session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    other = make_user(session, role=Role.CLINICIAN, site=site)
    director = make_user(session, role=Role.DIRECTOR)
    screener = make_user(session, role=Role.ADMISSIONS, site=site)
    person = make_client(session, site=site, clinician=clinician)

    recorded = service.record_response(
        session, actor=_actor(screener), client_id=person.id, code="phq9", answers=MODERATE_ITEM9
    )
    [alert] = recorded.alerts
    assert (alert.kind, alert.severity) == (AlertKind.PHQ9_ITEM9, Severity.URGENT)
    assert alert.summary == (
        "PHQ-9 item 9 answered 2 (more than half the days): same-day safety assessment needed"
    )
    assert (alert.source_type, alert.source_id) == ("instrument_response", recorded.response.id)
    assert alert.created_by == screener.id

    def visible_to(user: User) -> list[object]:
        return [
            r.alert.id for r in alerts_service.open_alerts_for_home(session, actor=_actor(user))
        ]

    assert visible_to(clinician) == [alert.id]
    assert visible_to(director) == [alert.id]
    assert visible_to(other) == []


@pytest.mark.parametrize(
    ("answers", "band", "expected"),
    [
        ([1, 1, 1, 1, 0, 0], "high", (AlertKind.CSSRS_HIGH, Severity.URGENT)),
        ([0, 0, 0, 0, 0, 2], "high", (AlertKind.CSSRS_HIGH, Severity.URGENT)),
        ([1, 1, 1, 0, 0, 0], "moderate", (AlertKind.CSSRS_MODERATE, Severity.HIGH)),
        ([1, 0, 0, 0, 0, 0], "low", None),
        ([0, 0, 0, 0, 0, 0], "none", None),
    ],
)
def test_cssrs_risk_raises_the_matching_alert(
    session: Session,
    answers: list[int | None],
    band: str,
    expected: tuple[AlertKind, Severity] | None,
) -> None:
    person = make_client(session, site=make_site(session))
    recorded = service.record_response(
        session, actor=SYSTEM, client_id=person.id, code="cssrs", answers=answers
    )
    assert recorded.response.band == band
    assert [(a.kind, a.severity) for a in recorded.alerts] == ([expected] if expected else [])


def test_audit_c_needs_sex_and_keeps_it_other_instruments_ignore_it(session: Session) -> None:
    person = make_client(session, site=make_site(session))
    with pytest.raises(Invalid) as refused:
        make_response(session, client=person, code="auditc", answers=[1, 1, 1])
    assert refused.value.field == "sex"
    woman = make_response(session, client=person, code="auditc", answers=[1, 1, 1], sex=Sex.FEMALE)
    assert (woman.total, woman.band, woman.sex) == (3, "positive", Sex.FEMALE)  # Bradley 2007
    phq = make_response(session, client=person, sex=Sex.MALE)
    assert phq.sex is None


def test_times_must_be_aware_and_not_ahead(session: Session) -> None:
    person = make_client(session, site=make_site(session))
    with pytest.raises(Invalid) as ahead:
        make_response(session, client=person, administered_at=utc_now() + timedelta(hours=1))
    assert ahead.value.field == "administered_at"
    with pytest.raises(Invalid):
        make_response(session, client=person, administered_at=utc_now().replace(tzinfo=None))
    earlier = utc_now() - timedelta(days=2)
    assert make_response(session, client=person, administered_at=earlier).administered_at == earlier


def test_entered_in_error_keeps_the_row_but_leaves_the_trend(session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, role=Role.CLINICIAN, site=site)
    person = make_client(session, site=site, clinician=clinician)
    actor = _actor(clinician)
    first = make_response(
        session, client=person, answers=MILD_NO_ITEM9, administered_at=utc_now() - timedelta(days=7)
    )
    wrong = make_response(session, client=person, answers=[3] * 8 + [0])

    assert [p.total for p in service.trend(session, actor=actor, client=person, code="phq9")] == [
        8,
        24,
    ]
    with pytest.raises(Invalid) as no_reason:
        service.mark_entered_in_error(session, actor=actor, response_id=wrong.id, reason=" ")
    assert no_reason.value.field == "reason"
    marked = service.mark_entered_in_error(
        session, actor=actor, response_id=wrong.id, reason="Answers typed into the wrong chart"
    )
    assert marked.entered_in_error
    assert marked.error_marked_by == clinician.id
    points = service.trend(session, actor=actor, client=person, code="phq9")
    assert [(p.response_id, p.total) for p in points] == [(first.id, 8)]
    history = service.list_responses(session, actor=actor, client=person)
    assert [r.id for r in history] == [wrong.id, first.id]
    with pytest.raises(Conflict) as twice:
        service.mark_entered_in_error(session, actor=actor, response_id=wrong.id, reason="again")
    assert twice.value.rule == service.ALREADY_IN_ERROR


def test_case_managers_correct_only_their_own_results(session: Session) -> None:
    site = make_site(session)
    manager = make_user(session, role=Role.CASE_MANAGER, site=site)
    person = make_client(session, site=site)
    theirs = make_response(
        session, client=person, code="bam", answers=[0] * 16, actor=_actor(manager)
    )
    someone_elses = make_response(session, client=person, code="bam", answers=[0] * 16)
    with pytest.raises(Forbidden):
        service.mark_entered_in_error(
            session, actor=_actor(manager), response_id=someone_elses.id, reason="wrong client"
        )
    service.mark_entered_in_error(
        session, actor=_actor(manager), response_id=theirs.id, reason="wrong client"
    )


def test_reads_are_scoped_and_administrators_see_no_results(session: Session) -> None:
    site = make_site(session)
    other = make_user(session, role=Role.CLINICIAN, site=site)
    admin = make_user(session, role=Role.ADMIN)
    person = make_client(session, site=site)
    response = make_response(session, client=person)
    with pytest.raises(NotFound):
        service.get_response(session, actor=_actor(other), response_id=response.id)
    with pytest.raises(NotFound):
        service.record_response(
            session, actor=_actor(other), client_id=person.id, code="phq9", answers=[0] * 9
        )
    with pytest.raises(Forbidden):
        service.list_responses(session, actor=_actor(admin), client=person)


def test_history_reads_are_audited(session: Session) -> None:
    person = make_client(session, site=make_site(session))
    make_response(session, client=person)
    before = session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    service.list_responses(session, actor=SYSTEM, client=person, code="PHQ-9")
    reads = session.scalars(
        select(AuditEntry).where(AuditEntry.seq > before, AuditEntry.action == AuditAction.READ)
    ).all()
    assert [(r.entity_type, r.client_id) for r in reads] == [("instrument_response", person.id)]


def test_every_item_has_wording_for_each_allowed_answer() -> None:
    for spec in rules.INSTRUMENTS.values():
        for item in spec.items:
            assert [c.value for c in service.choices(spec, item)] == list(item.allowed)
