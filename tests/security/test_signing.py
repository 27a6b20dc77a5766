"""Signing that means something (``security.signing``): PIN rules, confirming the signer
by password or PIN, the pause after wrong ones, who may sign, what a signature stores,
whether a record is still what was signed, co-signature, and the seeded signatures of the
demo. Every database test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.kit.errors import Forbidden, Invalid
from stepdown.kit.ratelimit import SlidingWindowLimiter
from stepdown.security import accounts, service, signing
from stepdown.security.actor import Actor
from stepdown.security.models import (
    Signature,
    SignatureMeaning,
    SignatureMethod,
    SigningPin,
    User,
)
from stepdown.security.roles import Role
from stepdown.security.service import actor_for
from tests.factories import PASSWORD, SYSTEM, make_user

PIN = "482915"
CONTENT = {"topic": "Relapse prevention", "content": "The HALT check.", "lines": [1, 2]}

# --- PIN rules (pure) -------------------------------------------------------------------


def _trivial(pin: str) -> bool:
    """One digit repeated, or a run counting up or down by one: what the rule refuses."""
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin)}
    return steps in ({0}, {1}, {-1})


@given(st.text(alphabet="0123456789", min_size=6, max_size=12))
def test_a_pin_of_six_to_twelve_digits_is_accepted_unless_trivial(pin: str) -> None:
    if _trivial(pin):
        with pytest.raises(Invalid) as caught:
            signing.check_pin(pin)
        assert caught.value.field == "pin"
    else:
        signing.check_pin(pin)


@st.composite
def _trivial_pins(draw: st.DrawFn) -> str:
    length = draw(st.integers(6, 12))
    kind = draw(st.sampled_from(["repeat", "up", "down"]))
    if kind == "repeat":
        return draw(st.sampled_from("0123456789")) * length
    length = min(length, 10)  # a run of digits is at most 10 long
    start = draw(st.integers(0, 10 - length))
    run = "".join(str(d) for d in range(start, start + length))
    return run if kind == "up" else run[::-1]


@given(_trivial_pins())
def test_repeated_digits_and_runs_are_refused(pin: str) -> None:
    with pytest.raises(Invalid) as caught:
        signing.check_pin(pin)
    assert caught.value.field == "pin"


@given(
    st.one_of(
        st.text(alphabet="0123456789", max_size=5),
        st.text(alphabet="0123456789", min_size=13, max_size=30),
        st.text(min_size=6, max_size=12).filter(lambda t: not (t.isascii() and t.isdigit())),
    )
)
def test_anything_but_six_to_twelve_ascii_digits_is_refused(pin: str) -> None:
    with pytest.raises(Invalid) as caught:
        signing.check_pin(pin)
    assert caught.value.field == "pin"


def test_digits_of_other_scripts_are_not_a_pin() -> None:
    with pytest.raises(Invalid):
        signing.check_pin("٤٨٢٩١٥")  # Arabic-Indic digits: isdigit, but not typed on a keypad


def test_the_content_hash_ignores_key_order_and_catches_any_change() -> None:
    same = {"lines": [1, 2], "content": "The HALT check.", "topic": "Relapse prevention"}
    assert signing.content_hash(CONTENT) == signing.content_hash(same)
    assert signing.content_hash(CONTENT) != signing.content_hash(CONTENT | {"lines": [2, 1]})
    assert len(signing.content_hash(CONTENT)) == 64


# --- confirming the signer --------------------------------------------------------------


@pytest.fixture
def limiter(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The failure limiter on a clock the test moves (a list holding "now", in seconds)."""
    now = [1000.0]
    monkeypatch.setattr(
        signing,
        "_failures",
        SlidingWindowLimiter(
            limit=signing.FAILURES, window=signing.WINDOW.total_seconds(), clock=lambda: now[0]
        ),
    )
    return now


def _with_pin(session: Session, pin: str = PIN) -> tuple[User, Actor]:
    user = make_user(session)
    actor = actor_for(user)
    signing.set_pin(session, actor=actor, password=PASSWORD, pin=pin)
    return user, actor


def test_the_password_or_the_pin_confirms_the_signer(session: Session) -> None:
    user, actor = _with_pin(session)
    assert signing.confirm_signer(session, actor=actor, secret=PASSWORD) is SignatureMethod.PASSWORD
    assert signing.confirm_signer(session, actor=actor, secret=PIN) is SignatureMethod.PIN
    assert signing.has_pin(session, user.id)


@pytest.mark.parametrize("secret", ["", "not my password", "123789", "x" * 201])
def test_a_wrong_or_empty_secret_is_refused_naming_the_field(
    session: Session, limiter: list[float], secret: str
) -> None:
    _, actor = _with_pin(session)
    with pytest.raises(Invalid) as caught:
        signing.confirm_signer(session, actor=actor, secret=secret)
    assert caught.value.field == signing.SECRET_FIELD == "secret"


def test_another_users_password_does_not_sign(session: Session, limiter: list[float]) -> None:
    _, mine = _with_pin(session)
    make_user(session, password="another person's long password")
    with pytest.raises(Invalid):
        signing.confirm_signer(session, actor=mine, secret="another person's long password")


def test_five_wrong_secrets_pause_signing_until_the_window_passes(
    session: Session, limiter: list[float]
) -> None:
    _, actor = _with_pin(session)
    other = actor_for(make_user(session))
    for _ in range(signing.FAILURES):
        with pytest.raises(Invalid):
            signing.confirm_signer(session, actor=actor, secret="wrong guess")
        limiter[0] += 60
    for secret in (PASSWORD, PIN):
        with pytest.raises(Forbidden) as caught:
            signing.confirm_signer(session, actor=actor, secret=secret)
        assert caught.value.rule == signing.PAUSED
    with pytest.raises(Forbidden):
        signing.sign(
            session,
            actor=actor,
            secret=PASSWORD,
            entity_type="test_note",
            entity_id=uuid.uuid4(),
            client_id=None,
            content=CONTENT,
        )
    # Another signer is not paused by someone else's failures.
    assert signing.confirm_signer(session, actor=other, secret=PASSWORD) is SignatureMethod.PASSWORD
    # The first failure leaves the window 15 minutes after it was made.
    limiter[0] += signing.WINDOW.total_seconds() - signing.FAILURES * 60 + 1
    assert signing.confirm_signer(session, actor=actor, secret=PASSWORD) is SignatureMethod.PASSWORD


def test_four_wrong_secrets_do_not_pause(session: Session, limiter: list[float]) -> None:
    _, actor = _with_pin(session)
    for _ in range(signing.FAILURES - 1):
        with pytest.raises(Invalid):
            signing.confirm_signer(session, actor=actor, secret="wrong guess")
    assert signing.confirm_signer(session, actor=actor, secret=PIN) is SignatureMethod.PIN


def test_wrong_passwords_when_setting_a_pin_count_toward_the_pause(
    session: Session, limiter: list[float]
) -> None:
    user = make_user(session)
    actor = actor_for(user)
    for _ in range(signing.FAILURES):
        with pytest.raises(Invalid) as caught:
            signing.set_pin(session, actor=actor, password="a guess", pin=PIN)
        assert caught.value.field == "password"
    with pytest.raises(Forbidden):
        signing.set_pin(session, actor=actor, password=PASSWORD, pin=PIN)
    with pytest.raises(Forbidden):
        signing.confirm_signer(session, actor=actor, secret=PASSWORD)
    assert not signing.has_pin(session, user.id)


def test_a_disabled_account_does_not_sign(session: Session) -> None:
    user = make_user(session)
    actor = actor_for(user)
    service.disable_user(session, actor=SYSTEM, username=user.username)
    with pytest.raises(Forbidden):
        signing.confirm_signer(session, actor=actor, secret=PASSWORD)


def test_clients_and_the_system_do_not_sign(session: Session) -> None:
    portal = make_user(session, role=Role.CLIENT)
    for actor in (actor_for(portal), SYSTEM):
        with pytest.raises(Forbidden):
            signing.confirm_signer(session, actor=actor, secret=PASSWORD)
        with pytest.raises(Forbidden):
            signing.set_pin(session, actor=actor, password=PASSWORD, pin=PIN)


# --- signatures ---------------------------------------------------------------------------


def test_a_signature_stores_who_how_in_what_capacity_and_a_hash_and_is_audited(
    session: Session,
) -> None:
    user, actor = _with_pin(session)
    entity_id = uuid.uuid4()
    signature = signing.sign(
        session,
        actor=actor,
        secret=PIN,
        entity_type="test_note",
        entity_id=entity_id,
        client_id=None,
        content=CONTENT,
        meaning=SignatureMeaning.ADDENDUM,
    )
    stored = session.get(Signature, signature.id)
    assert stored is not None
    assert (stored.signer_id, stored.method, stored.meaning) == (
        user.id,
        SignatureMethod.PIN,
        SignatureMeaning.ADDENDUM,
    )
    assert stored.content_hash == signing.content_hash(CONTENT)
    assert stored.signed_at is not None
    assert signing.signatures_of(session, "test_note", entity_id) == [stored]
    entry = session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == AuditAction.SIGN, AuditEntry.entity_id == str(entity_id)
        )
    )
    assert entry is not None
    assert entry.entity_type == "test_note"
    assert entry.actor_id == user.id
    assert entry.detail == {
        "meaning": "addendum",
        "method": "pin",
        "signature": signature.id.hex,
    }


def test_a_wrong_secret_stores_no_signature(session: Session, limiter: list[float]) -> None:
    _, actor = _with_pin(session)
    entity_id = uuid.uuid4()
    with pytest.raises(Invalid):
        signing.sign(
            session,
            actor=actor,
            secret="wrong guess",
            entity_type="test_note",
            entity_id=entity_id,
            client_id=None,
            content=CONTENT,
        )
    assert signing.signatures_of(session, "test_note", entity_id) == []


def test_intact_tells_whether_the_record_is_still_what_was_signed(session: Session) -> None:
    actor = actor_for(make_user(session))
    signature = signing.sign(
        session,
        actor=actor,
        secret=PASSWORD,
        entity_type="test_note",
        entity_id=uuid.uuid4(),
        client_id=None,
        content=CONTENT,
    )
    assert signing.intact(signature, dict(CONTENT))
    assert not signing.intact(signature, CONTENT | {"content": "The HALT check!"})
    assert not signing.intact(signature, CONTENT | {"extra": ""})


# --- co-signature ---------------------------------------------------------------------------


def _supervise(session: Session, user: User, supervisor: User | None, *, cosign: bool) -> None:
    admin = make_user(session, role=Role.ADMIN)
    accounts.update_account(
        session,
        actor=actor_for(admin),
        username=user.username,
        change=accounts.AccountChange(
            display_name=user.display_name,
            email=user.email,
            role=user.role,
            site_id=user.site_id,
            supervisor_id=supervisor.id if supervisor else None,
            cosign_notes=cosign,
        ),
    )


def test_only_supervised_staff_marked_for_it_need_a_cosignature(session: Session) -> None:
    supervisor = make_user(session, role=Role.CLINICIAN)
    intern = make_user(session, role=Role.CLINICIAN)
    licensed = make_user(session, role=Role.CLINICIAN)
    alone = make_user(session, role=Role.CLINICIAN)
    _supervise(session, intern, supervisor, cosign=True)
    _supervise(session, licensed, supervisor, cosign=False)
    assert signing.needs_cosignature(session, intern.id) == supervisor.id
    assert signing.needs_cosignature(session, licensed.id) is None
    assert signing.needs_cosignature(session, alone.id) is None
    assert signing.supervisees_needing_cosignature(session, supervisor.id) == [intern.id]
    assert signing.supervisees_needing_cosignature(session, intern.id) == []
    # Who co-signs what already waits: the supervisor now, with or without the flag.
    assert signing.cosigner_for(session, licensed.id) == supervisor.id
    assert signing.cosigner_for(session, alone.id) is None
    _supervise(session, intern, supervisor, cosign=False)
    assert signing.needs_cosignature(session, intern.id) is None
    assert signing.cosigner_for(session, intern.id) == supervisor.id


# --- the signing PIN ----------------------------------------------------------------------


def test_setting_a_pin_takes_the_password_and_is_audited(
    session: Session, limiter: list[float]
) -> None:
    user = make_user(session)
    actor = actor_for(user)
    with pytest.raises(Invalid) as caught:
        signing.set_pin(session, actor=actor, password="not it", pin=PIN)
    assert caught.value.field == "password"
    with pytest.raises(Invalid) as caught:
        signing.set_pin(session, actor=actor, password=PASSWORD + "x" * 300, pin=PIN)
    assert caught.value.field == "password"
    with pytest.raises(Invalid) as caught:
        signing.set_pin(session, actor=actor, password=PASSWORD, pin="111111")
    assert caught.value.field == "pin"
    assert not signing.has_pin(session, user.id)
    signing.set_pin(session, actor=actor, password=PASSWORD, pin=PIN)
    signing.set_pin(session, actor=actor, password=PASSWORD, pin="739164")
    row = session.get(SigningPin, user.id)
    assert row is not None
    assert PIN not in row.pin_hash
    assert "739164" not in row.pin_hash
    with pytest.raises(Invalid):
        signing.confirm_signer(session, actor=actor, secret=PIN)  # the replaced PIN
    assert signing.confirm_signer(session, actor=actor, secret="739164") is SignatureMethod.PIN
    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.entity_type == "signing_pin", AuditEntry.entity_id == str(user.id))
        .order_by(AuditEntry.seq)
    ).all()
    assert actions == [AuditAction.CREATE, AuditAction.UPDATE]


def test_a_pin_equal_to_the_password_is_refused(session: Session) -> None:
    digits = "482915736102"
    user = make_user(session, password=digits)
    with pytest.raises(Invalid) as caught:
        signing.set_pin(session, actor=actor_for(user), password=digits, pin=digits)
    assert caught.value.field == "pin"
    assert not signing.has_pin(session, user.id)


def test_clearing_the_pin_leaves_the_password(session: Session, limiter: list[float]) -> None:
    user, actor = _with_pin(session)
    signing.clear_pin(session, actor=actor)
    assert not signing.has_pin(session, user.id)
    with pytest.raises(Invalid):
        signing.confirm_signer(session, actor=actor, secret=PIN)
    assert signing.confirm_signer(session, actor=actor, secret=PASSWORD) is SignatureMethod.PASSWORD
    signing.clear_pin(session, actor=actor)  # nothing to clear: no error, no entry
    deletes = session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.entity_type == "signing_pin",
            AuditEntry.entity_id == str(user.id),
            AuditEntry.action == AuditAction.DELETE,
        )
    ).all()
    assert len(deletes) == 1


# --- the demo's seeded signatures ---------------------------------------------------------


def _synthetic(session: Session) -> User:
    return service.create_user(
        session,
        actor=SYSTEM,
        username=f"demo{uuid.uuid4().hex[:8]}",
        display_name="Demo Clinician (synthetic)",
        role=Role.CLINICIAN,
        password=PASSWORD,
        is_synthetic=True,
    )


def test_a_seeded_signature_is_only_the_systems_for_a_synthetic_account(
    session: Session,
) -> None:
    synthetic = _synthetic(session)
    real = make_user(session)
    entity_id = uuid.uuid4()
    fields = {
        "entity_type": "test_note",
        "entity_id": entity_id,
        "client_id": None,
        "content": CONTENT,
    }
    with pytest.raises(Forbidden):
        signing.record_seeded_signature(
            session, actor=actor_for(synthetic), signer_id=synthetic.id, **fields
        )
    with pytest.raises(Forbidden):
        signing.record_seeded_signature(session, actor=SYSTEM, signer_id=real.id, **fields)
    signature = signing.record_seeded_signature(
        session, actor=SYSTEM, signer_id=synthetic.id, **fields
    )
    assert (signature.signer_id, signature.method) == (synthetic.id, SignatureMethod.PASSWORD)
    assert signing.intact(signature, CONTENT)
    entry = session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == AuditAction.SIGN, AuditEntry.entity_id == str(entity_id)
        )
    )
    assert entry is not None
    assert entry.actor_id is None  # the system, not the synthetic signer
    assert entry.detail["seeded_for"] == synthetic.id.hex
