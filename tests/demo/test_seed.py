"""The demo program: synthetic, complete enough to show, and idempotent."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.aftercare import mail
from stepdown.audit import service as audit_service
from stepdown.clients.models import Client
from stepdown.continuum import service as continuum_service
from stepdown.continuum.models import DischargeType, Episode, Segment, Transition
from stepdown.demo.seed import (
    CLIENT_COUNT,
    DEMO_SENDER,
    HISTORY_EPISODES,
    SignIn,
    demo_mail_settings,
    seed,
)
from stepdown.documents.storage import LocalDirectoryStorage
from stepdown.programs.models import Room, Site
from stepdown.security import service as security_service
from stepdown.security.models import User
from stepdown.security.roles import STAFF_ROLES, USER_ROLES
from stepdown.settings import Settings
from stepdown.transitions.models import LevelReview, ReviewStatus
from stepdown.transitions.rules import ProposalKind
from tests.factories import SYSTEM

KEY = "demo-test-key"


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_demo_program_is_complete_and_seeds_once(
    demo_session: Session, demo_documents: LocalDirectoryStorage
) -> None:
    """The seeded program (``demo_session``) read by each check below; seeding it again
    returns the same sign-ins and adds nothing."""
    session = demo_session
    sign_ins = seed(session, actor=SYSTEM, secret_key=KEY, documents=demo_documents)
    counts = _people_and_places(session, sign_ins)
    _every_sign_in_works_and_each_clinician_has_a_caseload(session, sign_ins)
    episodes = _histories_cover_the_continuum(session)
    _the_review_queue_shows_each_kind_of_proposal(session)

    again = seed(session, actor=SYSTEM, secret_key=KEY, documents=demo_documents)
    assert (_count(session, Site), _count(session, Room), _count(session, Client)) == counts[:3]
    assert _count(session, User) == counts[3]
    assert _count(session, Episode) == episodes
    assert again == sign_ins


def _people_and_places(session: Session, sign_ins: list[SignIn]) -> tuple[int, int, int, int]:
    counts = (_count(session, Site), _count(session, Room), _count(session, Client))
    users = list(session.scalars(select(User)))
    staff = [u for u in users if u.role in STAFF_ROLES]
    # 60 demo clients, the one admitted from a demo inquiry through the pipeline, and the
    # clients of the 18 months of history (demo.archive).
    assert counts == (2, 7, CLIENT_COUNT + 1 + HISTORY_EPISODES)
    # Eleven staff (the billing clerk too), and the intern the progress notes add (supervised
    # by the demo clinician).
    assert len(staff) == 12
    assert {u.role for u in staff} == STAFF_ROLES
    assert all(u.is_synthetic for u in users)
    assert all(c.is_synthetic for c in session.scalars(select(Client)))
    assert {s.role for s in sign_ins} == set(USER_ROLES)
    return (*counts, len(users))


def _every_sign_in_works_and_each_clinician_has_a_caseload(
    session: Session, sign_ins: list[SignIn]
) -> None:
    for sign_in in sign_ins:
        user = security_service.authenticate(
            session, username=sign_in.username, password=sign_in.password
        )
        assert user is not None
        assert user.role is sign_in.role
    caseloads = Counter(
        session.scalars(
            select(Client.primary_clinician_id).where(Client.record_number.like("DEMO-%"))
        )
    )
    assert len(caseloads) == 4  # the intern carries no caseload
    assert min(caseloads.values()) >= 10
    portal = session.scalar(select(Client).where(Client.portal_user_id.is_not(None)))
    assert portal is not None
    assert portal.record_number == "DEMO-0001"
    assert audit_service.verify_chain(session).ok


def _histories_cover_the_continuum(session: Session) -> int:
    census = continuum_service.census(session, actor=SYSTEM)
    assert all(census.counts[code] > 0 for code in ("PHP", "IOP", "OP", "AFTERCARE"))
    assert census.counts["RESIDENTIAL"] == 1  # one client away at a partner, episode on hold
    transitions = Counter(
        session.scalars(
            select(Segment.transition)
            .join(Episode, Episode.id == Segment.episode_id)
            .join(Client, Client.id == Episode.client_id)
            .where(Client.record_number.like("DEMO-%"))
        )
    )
    assert transitions[Transition.STEP_DOWN] >= 10
    assert transitions[Transition.REFER_OUT] == 2
    assert transitions[Transition.RETURN_FROM_REFERRAL] == 1
    discharges = Counter(
        session.scalars(select(Episode.discharge_type).where(Episode.discharge_type.is_not(None)))
    )
    assert discharges[DischargeType.COMPLETED] >= 1
    assert discharges[DischargeType.LEFT_AGAINST_ADVICE] >= 1
    return _count(session, Episode)


def _the_review_queue_shows_each_kind_of_proposal(session: Session) -> None:
    """Routine measurement gives the engine evidence (demo.routine), so the queue shows step
    downs, the step up, the safety hold and only a few "not enough evidence"."""
    waiting = list(
        session.scalars(select(LevelReview).where(LevelReview.status == ReviewStatus.PROPOSED))
    )
    kinds = Counter(r.kind for r in waiting)
    assert kinds[ProposalKind.STEP_DOWN] >= 1
    assert kinds[ProposalKind.STEP_UP] >= 1
    assert any(r.safety for r in waiting)
    short_of_evidence = [
        r for r in waiting if any(str(x["rule_id"]).startswith("EVIDENCE-") for x in r.reasons)
    ]
    assert 1 <= len(short_of_evidence) <= 5


def test_demo_reminders_go_to_the_outbox_unless_mail_is_configured(tmp_path: Path) -> None:
    plain = Settings(_env_file=None, var_dir=tmp_path)  # type: ignore[call-arg]
    assert not mail.configured(plain)  # an install without mail sends nothing
    demo = demo_mail_settings(plain)
    assert demo.mail_outbox == tmp_path / "outbox"
    assert demo.smtp_from == DEMO_SENDER
    assert mail.configured(demo)
    assert plain.mail_outbox is None  # the configured settings are left as they were

    chosen = Settings(  # type: ignore[call-arg]
        _env_file=None, mail_outbox=tmp_path / "pickup", smtp_from="me@harbor.example"
    )
    assert demo_mail_settings(chosen).mail_outbox == tmp_path / "pickup"
    assert demo_mail_settings(chosen).smtp_from == "me@harbor.example"
    server = Settings(  # type: ignore[call-arg]
        _env_file=None, smtp_host="mail.example", smtp_from="me@harbor.example"
    )
    assert demo_mail_settings(server) is server
