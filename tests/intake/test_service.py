"""Intakes on a real database: start, save, sign (a wrong password changes nothing),
frozen once signed, addenda, the co-signature of a supervised clinician's intake, who may
read what, the intakes due, the placement pre-fill, and the audit trail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.intake import rules, service
from stepdown.intake.models import (
    Answer,
    Housing,
    Intake,
    IntakeAddendum,
    IntakeStatus,
    IntakeSubstance,
    Substance,
)
from stepdown.intake.schemas import SubstanceWrite
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Forbidden, Invalid, NotFound
from stepdown.security import signing
from stepdown.security.models import Signature, SignatureMeaning
from stepdown.security.roles import Role
from stepdown.security.service import actor_for
from tests.factories import PASSWORD, make_client, make_episode, make_occurrence, make_user
from tests.intake.factories import (
    PRESENTING,
    Setting,
    complete,
    make_intake,
    make_setting,
    supervise,
)


def _signatures(session: Session, intake: Intake) -> list[Signature]:
    return signing.signatures_of(session, service.ENTITY, intake.id)


def _audit_since(session: Session, start: int) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.seq > start, AuditEntry.entity_type == service.ENTITY)
            .order_by(AuditEntry.seq)
        )
    )


def _seq(session: Session) -> int:
    return session.scalar(select(func.max(AuditEntry.seq))) or 0


def test_a_draft_is_started_for_the_open_episode_once(session: Session) -> None:
    s = make_setting(session)
    actor = actor_for(s.clinician)
    intake = service.start_intake(session, actor=actor, client_id=s.client.id)
    assert (intake.episode_id, intake.status, intake.author_id) == (
        s.episode.id,
        IntakeStatus.DRAFT,
        s.clinician.id,
    )
    with pytest.raises(Conflict) as refused:
        service.start_intake(session, actor=actor, client_id=s.client.id)
    assert refused.value.rule == rules.EXISTS


def test_no_intake_without_an_open_episode(session: Session) -> None:
    s = make_setting(session)
    other = make_client(session, site=s.site, clinician=s.clinician)
    with pytest.raises(Conflict) as refused:
        service.start_intake(session, actor=actor_for(s.clinician), client_id=other.id)
    assert refused.value.rule == rules.NO_OPEN_EPISODE
    assert session.scalar(select(Intake).where(Intake.client_id == other.id)) is None


def test_saving_stores_answers_and_rows_and_replaces_them(session: Session) -> None:
    s = make_setting(session)
    intake = make_intake(session, s)
    (row,) = session.scalars(select(IntakeSubstance).where(IntakeSubstance.intake_id == intake.id))
    assert (row.substance, row.age_first_use, row.position) == (Substance.ALCOHOL, 15, 0)
    assert intake.presenting_problem == PRESENTING
    assert intake.withdrawal_complications is Answer.NO
    assert intake.pregnant is None  # not asked
    data = complete(
        housing=Housing.HOMELESS,
        substances=[
            SubstanceWrite(substance=Substance.OPIOID),
            SubstanceWrite(substance=Substance.OTHER, other_name="kratom"),
        ],
    )
    service.save_draft(session, actor=actor_for(s.clinician), intake_id=intake.id, data=data)
    rows = list(
        session.scalars(
            select(IntakeSubstance)
            .where(IntakeSubstance.intake_id == intake.id)
            .order_by(IntakeSubstance.position)
        )
    )
    assert [(r.position, r.substance, r.other_name) for r in rows] == [
        (0, Substance.OPIOID, ""),
        (1, Substance.OTHER, "kratom"),
    ]
    assert intake.housing is Housing.HOMELESS


def test_a_bad_row_writes_nothing(session: Session) -> None:
    s = make_setting(session)
    intake = make_intake(session, s)
    bad = complete(
        client_goals="Changed goals",
        substances=[
            SubstanceWrite(substance=Substance.ALCOHOL),
            SubstanceWrite(substance=Substance.CANNABIS, age_first_use=90),
        ],
    )
    with pytest.raises(Invalid) as refused:
        service.save_draft(session, actor=actor_for(s.clinician), intake_id=intake.id, data=bad)
    assert refused.value.field == "substances.1.age_first_use"
    session.refresh(intake)
    assert intake.client_goals == "Stay sober for my kids."
    assert session.scalar(select(func.count()).where(IntakeSubstance.intake_id == intake.id)) == 1


def test_a_last_use_time_in_the_spring_gap_is_refused(session: Session) -> None:
    s = make_setting(session)
    intake = make_intake(session, s)
    # 8 March 2026: the clocks in New York went from 02:00 to 03:00.
    gap = complete(
        substances=[
            SubstanceWrite(
                substance=Substance.ALCOHOL, last_use_on=date(2026, 3, 8), last_use_time="02:30"
            )
        ]
    )
    with pytest.raises(Invalid) as refused:
        service.save_draft(session, actor=actor_for(s.clinician), intake_id=intake.id, data=gap)
    assert refused.value.field == "substances.0.last_use_time"


def test_signing_with_a_wrong_password_changes_nothing(session: Session) -> None:
    s = make_setting(session)
    intake = make_intake(session, s)
    start = _seq(session)
    with pytest.raises(Invalid) as refused:
        service.sign(
            session, actor=actor_for(s.clinician), intake_id=intake.id, secret="not the password"
        )
    assert refused.value.field == signing.SECRET_FIELD
    session.refresh(intake)
    assert intake.status is IntakeStatus.DRAFT
    assert intake.signed_at is None
    assert _signatures(session, intake) == []
    assert _audit_since(session, start) == []


def test_signing_needs_a_complete_intake(session: Session) -> None:
    s = make_setting(session)
    intake = make_intake(session, s, data=complete(substances=[]))
    with pytest.raises(Conflict) as refused:
        service.sign(session, actor=actor_for(s.clinician), intake_id=intake.id, secret=PASSWORD)
    assert (refused.value.field, refused.value.rule) == ("substances", rules.INCOMPLETE)
    assert _signatures(session, intake) == []


def test_a_signed_intake_is_frozen_and_its_signature_verifies(session: Session) -> None:
    s = make_setting(session)
    intake = make_intake(session, s, sign=True)
    assert intake.status is IntakeStatus.SIGNED
    assert intake.final
    assert intake.signed_by == s.clinician.id
    (signature,) = _signatures(session, intake)
    assert signature.meaning is SignatureMeaning.AUTHOR
    view = service.get_intake(session, actor=actor_for(s.clinician), intake_id=intake.id)
    assert view.intact is True
    with pytest.raises(Conflict) as refused:
        service.save_draft(
            session,
            actor=actor_for(s.clinician),
            intake_id=intake.id,
            data=complete(presenting_problem="Rewritten"),
        )
    assert refused.value.rule == rules.SIGNED
    with pytest.raises(Conflict):
        service.sign(session, actor=actor_for(s.clinician), intake_id=intake.id, secret=PASSWORD)
    session.refresh(intake)
    assert intake.presenting_problem == PRESENTING
    assert len(_signatures(session, intake)) == 1


def test_a_change_behind_the_application_is_caught(session: Session) -> None:
    s = make_setting(session)
    intake = make_intake(session, s, sign=True)
    session.execute(update(Intake).where(Intake.id == intake.id).values(family="Edited later"))
    session.expire_all()
    view = service.get_intake(session, actor=actor_for(s.clinician), intake_id=intake.id)
    assert view.intact is False


def test_an_addendum_is_signed_with_its_own_time(session: Session) -> None:
    s = make_setting(session)
    draft = make_intake(session, s)
    actor = actor_for(s.clinician)
    with pytest.raises(Conflict) as refused:
        service.add_addendum(
            session, actor=actor, intake_id=draft.id, text="Late fact", secret=PASSWORD
        )
    assert refused.value.rule == rules.NOT_SIGNED
    service.sign(session, actor=actor, intake_id=draft.id, secret=PASSWORD)
    with pytest.raises(Invalid):
        service.add_addendum(
            session, actor=actor, intake_id=draft.id, text="Late fact", secret="wrong"
        )
    assert session.scalar(select(func.count()).select_from(IntakeAddendum)) == 0
    with pytest.raises(Invalid) as empty:
        service.add_addendum(session, actor=actor, intake_id=draft.id, text="  ", secret=PASSWORD)
    assert empty.value.field == "text"
    addendum = service.add_addendum(
        session,
        actor=actor,
        intake_id=draft.id,
        text="Client later disclosed daily benzodiazepine use.",
        secret=PASSWORD,
    )
    assert addendum.signed_at >= draft.signed_at  # type: ignore[operator]
    (signature,) = signing.signatures_of(session, service.ADDENDUM_ENTITY, addendum.id)
    assert signature.meaning is SignatureMeaning.ADDENDUM
    view = service.get_intake(session, actor=actor, intake_id=draft.id)
    assert [a.text for a in view.addenda] == ["Client later disclosed daily benzodiazepine use."]
    assert view.intact is True
    assert view.intake.presenting_problem == PRESENTING


def test_a_supervised_clinicians_intake_waits_for_the_supervisor(session: Session) -> None:
    s = make_setting(session)
    supervisor = make_user(session, role=Role.CLINICIAN, site=s.site)  # not the client's
    supervise(session, s.clinician, supervisor)
    review = make_user(session, role=Role.UTILIZATION_REVIEW)
    intake = make_intake(session, s, sign=True)
    assert intake.awaiting_cosignature
    assert not intake.final
    queue = service.awaiting_cosignature(session, actor=actor_for(supervisor))
    assert [(r.intake.id, r.client.id) for r in queue] == [(intake.id, s.client.id)]
    assert service.awaiting_cosignature(session, actor=actor_for(s.clinician)) == []
    # Utilization review reads final intakes only.
    with pytest.raises(NotFound):
        service.get_intake(session, actor=actor_for(review), intake_id=intake.id)
    # The supervisor reads the intake they are asked to co-sign, not the rest of the chart.
    view = service.get_intake(session, actor=actor_for(supervisor), intake_id=intake.id)
    assert view.cosigner == supervisor.id
    assert not service.may_write(session, actor=actor_for(supervisor), intake=intake)
    other = make_user(session, role=Role.CLINICIAN, site=s.site)
    with pytest.raises(NotFound):
        service.cosign(session, actor=actor_for(other), intake_id=intake.id, secret=PASSWORD)
    with pytest.raises(NotFound):
        service.cosign(session, actor=actor_for(s.clinician), intake_id=intake.id, secret=PASSWORD)
    with pytest.raises(Invalid):
        service.cosign(session, actor=actor_for(supervisor), intake_id=intake.id, secret="wrong")
    session.refresh(intake)
    assert intake.cosigned_at is None
    service.cosign(session, actor=actor_for(supervisor), intake_id=intake.id, secret=PASSWORD)
    assert intake.final
    assert intake.cosigned_by == supervisor.id
    meanings = [sig.meaning for sig in _signatures(session, intake)]
    assert meanings == [SignatureMeaning.AUTHOR, SignatureMeaning.COSIGNER]
    assert service.awaiting_cosignature(session, actor=actor_for(supervisor)) == []
    read = service.get_intake(session, actor=actor_for(review), intake_id=intake.id)
    assert read.intact is True
    with pytest.raises(Conflict) as again:
        service.cosign(session, actor=actor_for(supervisor), intake_id=intake.id, secret=PASSWORD)
    assert again.value.rule == rules.NOT_AWAITING


def test_a_supervision_without_cosigning_signs_final(session: Session) -> None:
    s = make_setting(session)
    supervise(session, s.clinician, make_user(session, site=s.site), cosign=False)
    intake = make_intake(session, s, sign=True)
    assert intake.final


def test_who_reads_and_writes(session: Session) -> None:
    s = make_setting(session)
    intake = make_intake(session, s)
    colleague = make_user(session, role=Role.CLINICIAN, site=s.site)
    director = make_user(session, role=Role.DIRECTOR)
    review = make_user(session, role=Role.UTILIZATION_REVIEW)
    with pytest.raises(NotFound):
        service.get_intake(session, actor=actor_for(colleague), intake_id=intake.id)
    with pytest.raises(NotFound):
        service.save_draft(
            session, actor=actor_for(colleague), intake_id=intake.id, data=complete()
        )
    with pytest.raises(NotFound):  # a draft is not the record yet
        service.get_intake(session, actor=actor_for(review), intake_id=intake.id)
    with pytest.raises(Forbidden):
        service.save_draft(session, actor=actor_for(review), intake_id=intake.id, data=complete())
    for role in (Role.CASE_MANAGER, Role.ADMISSIONS, Role.ADMIN):
        outsider = make_user(session, role=role, site=s.site)
        with pytest.raises(Forbidden):
            service.get_intake(session, actor=actor_for(outsider), intake_id=intake.id)
    service.save_draft(session, actor=actor_for(director), intake_id=intake.id, data=complete())
    service.sign(session, actor=actor_for(director), intake_id=intake.id, secret=PASSWORD)
    assert intake.signed_by == director.id
    assert service.get_intake(session, actor=actor_for(review), intake_id=intake.id)


def test_intakes_due_a_week_after_admission(session: Session) -> None:
    s = make_setting(session, admitted_days_ago=rules.INTAKE_DUE_DAYS)
    recent = make_client(session, site=s.site, clinician=s.clinician)
    make_episode(session, client=recent, on=today() - timedelta(days=rules.INTAKE_DUE_DAYS - 1))
    drafted = make_client(session, site=s.site, clinician=s.clinician)
    drafted_episode = make_episode(session, client=drafted, on=today() - timedelta(days=20))
    signed = make_client(session, site=s.site, clinician=s.clinician)
    signed_episode = make_episode(session, client=signed, on=today() - timedelta(days=20))
    elsewhere = make_client(session, site=s.site, clinician=make_user(session, site=s.site))
    make_episode(session, client=elsewhere, on=today() - timedelta(days=20))
    make_intake(session, Setting(s.site, s.clinician, drafted, drafted_episode))
    signed_setting = Setting(s.site, s.clinician, signed, signed_episode)
    make_intake(session, signed_setting, sign=True)

    rows = service.intakes_due(session, actor=actor_for(s.clinician))
    assert [(r.client.id, r.intake is not None) for r in rows] == [
        (drafted.id, True),
        (s.client.id, False),
    ]
    assert rows[1].due_since == today()
    assert rows[1].days_since_admission == rules.INTAKE_DUE_DAYS
    director = make_user(session, role=Role.DIRECTOR)
    everyone = {r.client.id for r in service.intakes_due(session, actor=actor_for(director))}
    assert {drafted.id, s.client.id, elsewhere.id} <= everyone
    assert signed.id not in everyone
    assert recent.id not in everyone
    with pytest.raises(Forbidden):
        service.intakes_due(session, actor=actor_for(make_user(session, role=Role.CASE_MANAGER)))


def test_the_placement_prefill_respects_who_may_read(session: Session) -> None:
    s = make_setting(session)
    actor = actor_for(s.clinician)
    assert service.prefill_for_client(session, actor=actor, client=s.client) is None
    intake = make_intake(session, s)
    found = service.prefill_for_client(session, actor=actor, client=s.client)
    assert found is not None
    assert found.intake.id == intake.id
    assert found.dimensions["d1"].review  # alcohol a day before the interview
    case_manager = make_user(session, role=Role.CASE_MANAGER, site=s.site)
    assert (
        service.prefill_for_client(session, actor=actor_for(case_manager), client=s.client) is None
    )
    review = make_user(session, role=Role.UTILIZATION_REVIEW)
    assert service.prefill_for_client(session, actor=actor_for(review), client=s.client) is None
    service.sign(session, actor=actor, intake_id=intake.id, secret=PASSWORD)
    assert service.prefill_for_client(session, actor=actor_for(review), client=s.client)


def test_every_read_and_change_is_audited_without_text(session: Session) -> None:
    s = make_setting(session)
    actor = actor_for(s.clinician)
    start = _seq(session)
    intake = make_intake(session, s, sign=True)
    service.get_intake(session, actor=actor, intake_id=intake.id)
    service.chart_tab(session, actor=actor, client=s.client)
    service.prefill_for_client(session, actor=actor, client=s.client)
    service.add_addendum(session, actor=actor, intake_id=intake.id, text="Later", secret=PASSWORD)
    entries = _audit_since(session, start)
    actions = [e.action for e in entries]
    assert actions.count(AuditAction.CREATE) == 2  # the intake, the addendum
    assert actions.count(AuditAction.UPDATE) == 2  # the save, the signature's freeze
    assert actions.count(AuditAction.SIGN) == 1  # the addendum's sign entry is its own type
    assert actions.count(AuditAction.READ) == 3
    assert {e.client_id for e in entries} == {s.client.id}
    save = next(e for e in entries if e.action is AuditAction.UPDATE)
    assert "presenting_problem" in save.detail["fields"]
    for entry in entries:
        flat = str(entry.detail)
        assert PRESENTING not in flat
        assert "drinks" not in flat


def test_signing_refuses_an_intake_that_names_another_client_of_the_group(
    session: Session,
) -> None:
    """The name check of every note runs over the intake's narrative: a fellow group
    member's name is refused at signing, and the draft stays a draft to be corrected."""
    setting = make_setting(session)
    mate = make_client(
        session, site=setting.site, legal_first_name="Marisol", legal_last_name="Quenby"
    )
    make_occurrence(
        session,
        site=setting.site,
        leader=setting.clinician,
        day=today() - timedelta(days=2),
        clients=[setting.client, mate],
    )
    intake = make_intake(
        session, setting, data=complete(client_goals="Get on as well with Marisol as before.")
    )
    with pytest.raises(Conflict) as refused:
        service.sign(
            session, actor=actor_for(setting.clinician), intake_id=intake.id, secret=PASSWORD
        )
    assert refused.value.field == "client_goals"
    assert "Marisol" not in str(refused.value)  # the message never repeats the name
    assert intake.status is IntakeStatus.DRAFT
    service.save_draft(
        session,
        actor=actor_for(setting.clinician),
        intake_id=intake.id,
        data=complete(client_goals="Get on as well with my group as before."),
    )
    signed = service.sign(
        session, actor=actor_for(setting.clinician), intake_id=intake.id, secret=PASSWORD
    )
    assert signed.status is IntakeStatus.SIGNED
