"""Recording, ranking, ending and voiding diagnoses through the service, with its audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import DischargeType
from stepdown.diagnoses import rules, service
from stepdown.diagnoses.codeset import CODE_SET
from stepdown.diagnoses.models import (
    Diagnosis,
    DiagnosisStatus,
    PrincipalPeriod,
    Rank,
    Remission,
    Severity,
)
from stepdown.diagnoses.rules import Specifiers
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.diagnoses.factories import Chart, make_chart, make_diagnosis
from tests.factories import SYSTEM, make_client, make_site, make_user


def _entries(session: Session, chart: Chart, action: AuditAction) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.entity_type == service.ENTITY,
                AuditEntry.client_id == chart.client.id,
                AuditEntry.action == action,
            )
            .order_by(AuditEntry.seq)
        )
    )


def _open_periods(session: Session, chart: Chart) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(PrincipalPeriod)
            .where(
                PrincipalPeriod.episode_id == chart.episode.id, PrincipalPeriod.ends_on.is_(None)
            )
        )
        or 0
    )


def test_record_a_principal_diagnosis(session: Session) -> None:
    chart = make_chart(session)
    diagnosis = service.add_diagnosis(
        session,
        actor=chart.actor,
        client_id=chart.client.id,
        code=" f1020 ",
        principal=True,
        specifiers=Specifiers(Severity.SEVERE),
    )
    assert (diagnosis.code, diagnosis.description) == (
        "F10.20",
        "Alcohol dependence, uncomplicated",
    )
    assert diagnosis.code_set == CODE_SET
    assert diagnosis.episode_id == chart.episode.id
    assert diagnosis.diagnosed_on == today()
    assert diagnosis.diagnosed_by == chart.clinician.id
    [view] = service.current_diagnoses(session, actor=chart.actor, episode_id=chart.episode.id)
    assert (view.rank, view.specifiers, view.diagnosed_by) == (
        Rank.PRINCIPAL,
        "severe",
        chart.clinician.display_name,
    )
    [created] = _entries(session, chart, AuditAction.CREATE)
    assert created.entity_id == str(diagnosis.id)
    assert created.detail["rank"] == "principal"
    assert created.detail["specifiers"] == ["severity"]
    assert "F10" not in str(created.detail)  # ids, dates and field names only
    assert _entries(session, chart, AuditAction.READ)


def test_nothing_is_written_when_the_code_or_specifiers_are_wrong(session: Session) -> None:
    chart = make_chart(session)
    for code, spec, field in (
        ("F10", Specifiers(Severity.MILD), "code"),
        ("F10.99.9", Specifiers(), "code"),
        ("F10.20", Specifiers(Severity.MILD), "severity"),
        ("F11.20", Specifiers(Severity.SEVERE, Remission.EARLY), "remission"),
    ):
        with pytest.raises(Invalid) as refused:
            service.add_diagnosis(
                session, actor=chart.actor, client_id=chart.client.id, code=code, specifiers=spec
            )
        assert refused.value.field == field
    assert session.scalar(select(func.count()).select_from(Diagnosis)) == 0
    assert _entries(session, chart, AuditAction.CREATE) == []


def test_a_new_principal_demotes_the_old_one_and_says_so(session: Session) -> None:
    chart = make_chart(session)
    admitted = chart.episode.admitted_on
    first = make_diagnosis(session, chart, code="F10.20", principal=True)
    second = make_diagnosis(
        session,
        chart,
        code="F11.20",
        principal=True,
        specifiers=Specifiers(Severity.SEVERE),
        diagnosed_on=today(),
    )
    assert _open_periods(session, chart) == 1

    def ranks(day: object = None) -> list[tuple[str, Rank | None]]:
        views = service.current_diagnoses(
            session, actor=chart.actor, episode_id=chart.episode.id, on=day
        )
        return [(v.code, v.rank) for v in views]

    assert ranks() == [("F11.20", Rank.PRINCIPAL), ("F10.20", Rank.SECONDARY)]
    assert ranks(today() - timedelta(days=1)) == [("F10.20", Rank.PRINCIPAL)]
    assert ranks(admitted - timedelta(days=1)) == []
    demoted = [
        e for e in _entries(session, chart, AuditAction.UPDATE) if e.entity_id == str(first.id)
    ]
    assert [e.detail["rank"] for e in demoted] == [{"before": "principal", "after": "secondary"}]
    assert demoted[0].detail["principal"] == str(second.id)

    service.make_principal(session, actor=chart.actor, diagnosis_id=first.id)
    assert ranks() == [("F10.20", Rank.PRINCIPAL), ("F11.20", Rank.SECONDARY)]
    assert _open_periods(session, chart) == 1
    with pytest.raises(Conflict) as again:
        service.make_principal(session, actor=chart.actor, diagnosis_id=first.id)
    assert again.value.rule == rules.ALREADY_PRINCIPAL


def test_a_principal_made_before_the_current_one_starts_when_it_did(session: Session) -> None:
    """Recorded late with an earlier date, a new principal takes over from the day the
    current one became principal, so no day has two."""
    chart = make_chart(session)
    made = chart.episode.admitted_on
    secondary = make_diagnosis(session, chart, code="F10.20", diagnosed_on=made)
    current = make_diagnosis(
        session, chart, code="F12.20", principal=True, diagnosed_on=made + timedelta(days=5)
    )
    late = make_diagnosis(
        session, chart, code="F11.20", principal=True, diagnosed_on=made + timedelta(days=2)
    )
    periods = {
        p.diagnosis_id: (p.starts_on, p.ends_on) for p in session.scalars(select(PrincipalPeriod))
    }
    day5 = made + timedelta(days=5)
    assert periods == {current.id: (day5, day5), late.id: (day5, None)}
    with pytest.raises(Invalid, match="choose that day or later") as early:
        service.make_principal(
            session, actor=chart.actor, diagnosis_id=secondary.id, on=made + timedelta(days=3)
        )
    assert early.value.field == "on"


def test_resolve_and_rule_out(session: Session) -> None:
    chart = make_chart(session)
    principal = make_diagnosis(session, chart, code="F10.20", principal=True)
    provisional = make_diagnosis(session, chart, code="F41.1")
    day = today() - timedelta(days=3)
    service.end_diagnosis(
        session,
        actor=chart.actor,
        diagnosis_id=principal.id,
        status=DiagnosisStatus.RESOLVED,
        on=day,
    )
    service.end_diagnosis(
        session, actor=chart.actor, diagnosis_id=provisional.id, status=DiagnosisStatus.RULED_OUT
    )
    assert (principal.status, principal.ended_on, principal.ended_by) == (
        DiagnosisStatus.RESOLVED,
        day,
        chart.clinician.id,
    )
    assert service.current_diagnoses(session, actor=chart.actor, episode_id=chart.episode.id) == []
    before = service.current_diagnoses(
        session, actor=chart.actor, episode_id=chart.episode.id, on=day - timedelta(days=1)
    )
    assert [(v.code, v.rank) for v in before] == [
        ("F10.20", Rank.PRINCIPAL),
        ("F41.1", Rank.SECONDARY),
    ]
    assert _open_periods(session, chart) == 0
    statuses = [e.detail["status"] for e in _entries(session, chart, AuditAction.UPDATE)]
    assert statuses == [
        {"before": "active", "after": "resolved"},
        {"before": "active", "after": "ruled_out"},
    ]
    with pytest.raises(Conflict) as twice:
        service.end_diagnosis(
            session, actor=chart.actor, diagnosis_id=principal.id, status=DiagnosisStatus.RESOLVED
        )
    assert twice.value.rule == rules.NOT_CURRENT
    with pytest.raises(Invalid) as odd:
        service.end_diagnosis(
            session, actor=chart.actor, diagnosis_id=provisional.id, status=DiagnosisStatus.ACTIVE
        )
    assert odd.value.field == "status"
    # Resolved, the code may be diagnosed again (a relapse is a new diagnosis).
    make_diagnosis(session, chart, code="F10.20", diagnosed_on=today())


def test_a_code_is_current_once_per_episode(session: Session) -> None:
    chart = make_chart(session)
    make_diagnosis(session, chart, code="F41.1")
    with pytest.raises(Conflict) as duplicate:
        make_diagnosis(session, chart, code="F411")
    assert (duplicate.value.rule, duplicate.value.field) == (rules.DUPLICATE, "code")


def test_entered_in_error_is_kept_and_counts_for_nothing(session: Session) -> None:
    chart = make_chart(session)
    wrong = make_diagnosis(session, chart, code="F14.20", principal=True)
    with pytest.raises(Invalid) as no_reason:
        service.mark_entered_in_error(session, actor=chart.actor, diagnosis_id=wrong.id, reason=" ")
    assert no_reason.value.field == "reason"
    service.mark_entered_in_error(
        session, actor=chart.actor, diagnosis_id=wrong.id, reason="Entered on the wrong chart"
    )
    assert wrong.status is DiagnosisStatus.ENTERED_IN_ERROR
    assert wrong.error_by == chart.clinician.id
    for days in (0, 1, 10):
        day = today() - timedelta(days=days)
        assert (
            service.current_diagnoses(
                session, actor=chart.actor, episode_id=chart.episode.id, on=day
            )
            == []
        )
    [listed] = service.list_for_client(session, actor=chart.actor, client_id=chart.client.id)
    assert (listed.status, listed.error_reason, listed.rank) == (
        DiagnosisStatus.ENTERED_IN_ERROR,
        "Entered on the wrong chart",
        None,
    )
    assert _open_periods(session, chart) == 0
    [voided] = _entries(session, chart, AuditAction.UPDATE)
    assert voided.detail["status"] == {"before": "active", "after": "entered_in_error"}
    assert "wrong chart" not in str(voided.detail)
    with pytest.raises(Conflict) as twice:
        service.mark_entered_in_error(
            session, actor=chart.actor, diagnosis_id=wrong.id, reason="again"
        )
    assert twice.value.rule == rules.ALREADY_IN_ERROR
    with pytest.raises(Conflict):
        service.make_principal(session, actor=chart.actor, diagnosis_id=wrong.id)
    assert session.get(Diagnosis, wrong.id) is not None


def test_an_episode_is_needed(session: Session) -> None:
    site = make_site(session)
    clinician = make_user(session, site=site)
    person = make_client(session, site=site, clinician=clinician)
    with pytest.raises(Conflict) as none:
        service.add_diagnosis(
            session,
            actor=security_service.actor_for(clinician),
            client_id=person.id,
            code="F41.1",
        )
    assert none.value.rule == rules.NO_OPEN_EPISODE


def test_after_discharge_only_dates_within_the_episode(session: Session) -> None:
    chart = make_chart(session, admitted_on=today() - timedelta(days=40))
    continuum_service.discharge(
        session,
        actor=SYSTEM,
        episode_id=chart.episode.id,
        discharge_type=DischargeType.COMPLETED,
        on=today() - timedelta(days=10),
        summary="completed",
    )
    with pytest.raises(Conflict):  # no open episode to default to
        make_diagnosis(session, chart, code="F41.1", diagnosed_on=today() - timedelta(days=20))
    late = service.add_diagnosis(
        session,
        actor=chart.actor,
        client_id=chart.client.id,
        episode_id=chart.episode.id,
        code="F41.1",
        diagnosed_on=today() - timedelta(days=20),
    )
    assert late.episode_id == chart.episode.id
    with pytest.raises(Invalid) as after:
        service.add_diagnosis(
            session,
            actor=chart.actor,
            client_id=chart.client.id,
            episode_id=chart.episode.id,
            code="F32.1",
            diagnosed_on=today() - timedelta(days=5),
        )
    assert after.value.field == "diagnosed_on"


def test_who_diagnosed(session: Session) -> None:
    chart = make_chart(session)
    director = make_user(session, role=Role.DIRECTOR)
    case_manager = make_user(session, role=Role.CASE_MANAGER)
    with pytest.raises(Invalid) as unnamed:
        service.add_diagnosis(session, actor=SYSTEM, client_id=chart.client.id, code="F41.1")
    assert unnamed.value.field == "diagnosed_by_id"
    with pytest.raises(Invalid) as not_a_diagnoser:
        service.add_diagnosis(
            session,
            actor=SYSTEM,
            client_id=chart.client.id,
            code="F41.1",
            diagnosed_by_id=case_manager.id,
        )
    assert not_a_diagnoser.value.field == "diagnosed_by_id"
    named = service.add_diagnosis(
        session, actor=SYSTEM, client_id=chart.client.id, code="F41.1", diagnosed_by_id=director.id
    )
    assert (named.diagnosed_by, named.recorded_by) == (director.id, None)


def test_who_reads_and_who_writes(session: Session) -> None:
    chart = make_chart(session)
    diagnosis = make_diagnosis(session, chart, principal=True)
    other = security_service.actor_for(make_user(session, role=Role.CLINICIAN))
    review = security_service.actor_for(make_user(session, role=Role.UTILIZATION_REVIEW))
    site_case_manager = security_service.actor_for(make_user(session, role=Role.CASE_MANAGER))
    # Another clinician's caseload: as if it did not exist.
    with pytest.raises(NotFound):
        service.current_diagnoses(session, actor=other, episode_id=chart.episode.id)
    with pytest.raises(NotFound):
        service.list_for_client(session, actor=other, client_id=chart.client.id)
    with pytest.raises(NotFound):
        service.end_diagnosis(
            session, actor=other, diagnosis_id=diagnosis.id, status=DiagnosisStatus.RESOLVED
        )
    # Utilization review reads program-wide, writes nothing.
    [seen] = service.current_diagnoses(session, actor=review, episode_id=chart.episode.id)
    assert seen.code == "F10.20"
    with pytest.raises(Forbidden):
        service.add_diagnosis(session, actor=review, client_id=chart.client.id, code="F41.1")
    # Case managers neither.
    with pytest.raises(Forbidden):
        service.list_for_client(session, actor=site_case_manager, client_id=chart.client.id)
    with pytest.raises(Forbidden):
        service.current_diagnoses(session, actor=site_case_manager, episode_id=chart.episode.id)


def test_every_read_is_audited(session: Session) -> None:
    chart = make_chart(session)
    make_diagnosis(session, chart)
    before = len(_entries(session, chart, AuditAction.READ))
    service.current_diagnoses(session, actor=chart.actor, episode_id=chart.episode.id)
    service.list_for_client(session, actor=chart.actor, client_id=chart.client.id)
    service.chart_tab(session, actor=chart.actor, client=chart.client)
    reads = _entries(session, chart, AuditAction.READ)[before:]
    assert [e.entity_type for e in reads].count(service.ENTITY) == 3
    assert {e.actor_id for e in reads} == {chart.clinician.id}


def test_the_chart_tab(session: Session) -> None:
    chart = make_chart(session)
    kept = make_diagnosis(session, chart, code="F10.20", principal=True)
    ended = make_diagnosis(session, chart, code="F41.1")
    voided = make_diagnosis(session, chart, code="F32.1")
    service.end_diagnosis(
        session, actor=chart.actor, diagnosis_id=ended.id, status=DiagnosisStatus.RESOLVED
    )
    service.mark_entered_in_error(session, actor=chart.actor, diagnosis_id=voided.id, reason="dup")
    tab = service.chart_tab(session, actor=chart.actor, client=chart.client)
    [section] = tab.episodes
    assert [v.id for v in section.current] == [kept.id]
    assert [v.id for v in section.past] == [ended.id]
    assert [v.id for v in section.in_error] == [voided.id]
    assert section.has_principal
    assert tab.open_has_principal
    assert tab.can_write
    assert tab.open_episode_id == chart.episode.id
    assert (str(chart.clinician.id), chart.clinician.display_name) in tab.diagnosers
    assert any(c.code == "F11.21" for c in tab.suggestions)
    whats = [(e.code, e.what) for e in section.events]
    assert ("F10.20", "diagnosed") in whats
    assert ("F10.20", "principal from") in whats
    assert ("F41.1", "resolved") in whats
    assert all(code != "F32.1" for code, _ in whats)


def test_looking_a_code_up() -> None:
    assert service.code_description("F11.21") == "Opioid dependence, in remission"
    assert service.code_description("F11.2") is None
    with pytest.raises(Invalid) as refused:
        service.lookup_code("F11.2")
    assert refused.value.field == "code"
