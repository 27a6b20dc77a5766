"""The synthetic history (``demo.archive``): closed episodes whose every row agrees with the
rules the app applies, whose paperwork is signed as a real program's would be (so no
worklist asks for it), reproducible from its seed and written once."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta
from itertools import zip_longest

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from stepdown.aftercare import rules as aftercare_rules
from stepdown.aftercare import service as aftercare_service
from stepdown.aftercare.models import AftercarePlan, FollowUp, RelapsePreventionCheckIn
from stepdown.alerts.models import Alert
from stepdown.assessments import rules as assessment_rules
from stepdown.assessments.models import InstrumentResponse
from stepdown.attendance import rules as attendance_rules
from stepdown.attendance.models import AttendanceRecord
from stepdown.attendance.rules import ATTENDED
from stepdown.audit import service as audit_service
from stepdown.audit.models import AuditEntry
from stepdown.authorizations import service as authorizations_service
from stepdown.authorizations.models import Authorization, AuthorizationEvent
from stepdown.authorizations.rules import AuthStatus
from stepdown.calendar.models import (
    Appointment,
    AppointmentKind,
    BuildStatus,
    ScheduleBuild,
    SessionOccurrence,
    SessionSeat,
)
from stepdown.case_management import service as case_management_service
from stepdown.checkins.models import CheckIn
from stepdown.clients.models import Client
from stepdown.clinical_notes import rules as notes_rules
from stepdown.clinical_notes import service as notes_service
from stepdown.clinical_notes.demo import seed_demo_clinical_notes
from stepdown.clinical_notes.models import ClinicalNote, NoteStatus, ServiceType
from stepdown.continuum import rules as continuum_rules
from stepdown.continuum.models import (
    DischargeType,
    Episode,
    EpisodeStatus,
    LevelOfCare,
    Segment,
    Transition,
)
from stepdown.coverage.demo import seed_demo_coverage
from stepdown.demo.archive import (
    DISCHARGE_SUMMARIES,
    NOTE_TEXT,
    PROGNOSIS_TEXT,
    RECOMMENDATIONS,
    TABLES,
    HistoryPrerequisiteMissing,
    seed_past_episodes,
)
from stepdown.demo.histories import seed_histories
from stepdown.demo.names import FIRST_NAMES, LAST_NAMES
from stepdown.demo.seed import demo_password
from stepdown.discharge_summaries import rules as summary_rules
from stepdown.discharge_summaries import service as summaries_service
from stepdown.discharge_summaries.models import DischargeSummary, SummaryKind, SummaryStatus
from stepdown.drug_testing import rules as testing_rules
from stepdown.drug_testing.models import (
    Analyte,
    AnalyteResult,
    Method,
    OrderReason,
    OrderStatus,
    TestCollection,
    TestOrder,
)
from stepdown.group_notes.rules import MemberName
from stepdown.intake import service as intake_service
from stepdown.kit.clock import local, today
from stepdown.medications.models import Medication
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.models import Signature, SignatureMeaning, User
from stepdown.security.roles import Role
from stepdown.transitions import service as transitions_service
from stepdown.treatment_plans import service as treatment_plans_service
from tests.conftest import DEMO_KEY
from tests.factories import SYSTEM, make_build, make_site, make_user

TODAY = date(2026, 6, 15)  # a Monday; never the real date
MONTHS = 12
FIRST_DAY = TODAY - timedelta(days=MONTHS * 30)
# The history stops before the weeks the demo calendar publishes (two past weeks on).
LAST_DAY = TODAY - timedelta(days=15)


def _program(session: Session) -> None:
    """What the demo seed would have made that the history needs, made cheaply: the two
    sites, clinicians (a case manager at one site only), partners and payers."""
    s1 = make_site(session, code="S1", address="12 Example Avenue, Springfield")
    s2 = make_site(session, code="S2", address="48 Sample Street, Shelbyville")
    for site in (s1, s1, s2, s2):
        make_user(session, role=Role.CLINICIAN, site=site)
    make_user(session, role=Role.CASE_MANAGER, site=s1)
    seed_histories(session, actor=SYSTEM, clients=[])  # the partner providers only
    seed_demo_coverage(session, actor=SYSTEM, clients=[], today=TODAY)  # the payers only
    session.commit()


@pytest.fixture
def program(session: Session) -> Session:
    _program(session)
    return session


def _counts(session: Session) -> dict[str, int]:
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in TABLES
    }


def _seed(session: Session, **overrides: object) -> int:
    options: dict[str, object] = {"today": TODAY, "months": MONTHS, "episodes": 40}
    options.update(overrides)
    return seed_past_episodes(session, **options)  # type: ignore[arg-type]


def test_the_history_agrees_with_itself_and_with_the_rules(program: Session) -> None:
    session = program
    assert _seed(session) == 40
    session.commit()  # the audit entry joins the chain at commit
    clients = list(session.scalars(select(Client).order_by(Client.record_number)))
    assert [c.record_number for c in clients] == [f"HIST-{n:05d}" for n in range(1, 41)]
    assert all(c.is_synthetic for c in clients)
    episodes = list(session.scalars(select(Episode)))
    assert len(episodes) == 40
    _episodes_are_closed_and_contiguous(session, episodes)
    _dates_stay_inside_the_history(session)
    _seats_follow_the_level_and_minutes_follow_the_rules(session)
    _specimens_have_results_read_by_the_rules(session)
    _instrument_scores_are_the_rules_scores(session)
    _all_four_follow_ups_recorded_once_due(session, episodes)
    _aftercare_and_authorizations_are_consistent(session)
    entries = list(
        session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "synthetic_history"))
    )
    assert [(e.entity_id, e.detail["episodes"]) for e in entries] == [("HIST", 40)]
    # One audit entry for the whole import, counting every table's rows, signed ones too.
    written, counts = entries[0].detail["rows"], _counts(session)
    for table in ("discharge_summary", "clinical_note", "signature"):
        assert written[table] == counts[table] > 0, table
    assert audit_service.verify_chain(session).ok


def _episodes_are_closed_and_contiguous(session: Session, episodes: list[Episode]) -> None:
    segments: dict[object, list[Segment]] = defaultdict(list)
    for segment in session.scalars(select(Segment).order_by(Segment.starts_on)):
        segments[segment.episode_id].append(segment)
    for episode in episodes:
        assert episode.status is EpisodeStatus.DISCHARGED
        assert episode.discharged_on is not None
        assert episode.discharge_type is not None
        timeline = segments[episode.id]
        facts = continuum_rules.EpisodeFacts(
            episode.status,
            episode.admitted_on,
            episode.discharged_on,
            tuple(
                continuum_rules.SegmentFacts(
                    s.level_id, s.track, s.starts_on, s.ends_on, s.transition
                )
                for s in timeline
            ),
        )
        assert continuum_rules.timeline_problems(facts) == []
        assert timeline[0].transition is Transition.ADMIT
        assert timeline[0].starts_on == episode.admitted_on
        # Half-open: the last day in care is the discharge day.
        assert timeline[-1].ends_on == episode.discharged_on + timedelta(days=1)
        away = [s for s in timeline if s.transition is Transition.REFER_OUT]
        assert all(s.partner_id is not None for s in away)
        if timeline[-1].transition is Transition.REFER_OUT:
            assert episode.discharge_type is DischargeType.REFERRED_OUT


def _dates_stay_inside_the_history(session: Session) -> None:
    """Nothing happens before the history's first day or from today on (a segment's end is
    exclusive; plans made then may look ahead: their check-ins and authorizations' ends)."""
    days = [
        *session.scalars(select(Episode.admitted_on)),
        *session.scalars(select(Episode.discharged_on)),
        *session.scalars(select(Segment.starts_on)),
        *session.scalars(select(AttendanceRecord.day)),
        *session.scalars(select(CheckIn.day)),
        *session.scalars(select(TestOrder.ordered_on)),
        *session.scalars(select(Authorization.starts_on)),
        *session.scalars(select(AftercarePlan.starts_on)),
    ]
    instants = [
        *session.scalars(select(InstrumentResponse.administered_at)),
        *session.scalars(select(TestCollection.collected_at)),
        *session.scalars(select(FollowUp.recorded_at).where(FollowUp.recorded_at.is_not(None))),
        *session.scalars(
            select(RelapsePreventionCheckIn.completed_at).where(
                RelapsePreventionCheckIn.completed_at.is_not(None)
            )
        ),
    ]
    days += [local(moment).date() for moment in instants]
    assert all(day is not None and FIRST_DAY <= day < TODAY for day in days)
    assert max(session.scalars(select(Episode.discharged_on))) <= LAST_DAY
    assert max(session.scalars(select(Segment.ends_on))) <= LAST_DAY + timedelta(days=1)


def _seats_follow_the_level_and_minutes_follow_the_rules(session: Session) -> None:
    levels = dict(session.execute(select(LevelOfCare.id, LevelOfCare.code)).all())
    level_on: dict[tuple[object, date], tuple[str, str]] = {}
    for episode, segment in session.execute(
        select(Episode, Segment).join(Segment, Segment.episode_id == Episode.id)
    ):
        assert segment.ends_on is not None
        day = segment.starts_on
        while day < segment.ends_on:
            level_on[(episode.client_id, day)] = (levels[segment.level_id], segment.track.value)
            day += timedelta(days=1)
    seats = session.execute(
        select(SessionSeat, SessionOccurrence, AttendanceRecord)
        .join(SessionOccurrence, SessionOccurrence.id == SessionSeat.occurrence_id)
        .join(AttendanceRecord, AttendanceRecord.seat_id == SessionSeat.id)
    )
    seated = 0
    for seat, occurrence, record in seats:
        seated += 1
        level, _ = level_on[(seat.client_id, occurrence.day)]
        assert occurrence.levels == [level]
        assert record.day == occurrence.day
        scheduled = attendance_rules.scheduled_minutes(occurrence.start, occurrence.end)
        assert record.scheduled_minutes == scheduled
    assert seated == session.scalar(select(func.count()).select_from(SessionSeat))
    records = list(session.scalars(select(AttendanceRecord)))
    assert len(records) == seated + (
        session.scalar(select(func.count()).select_from(Appointment)) or 0
    )
    for record in records:
        assert record.credited_minutes == attendance_rules.credited_minutes(
            record.status, record.scheduled_minutes, record.late_minutes, record.left_early_minutes
        )
        assert level_on.get((record.client_id, record.day)) is not None
    statuses = Counter(r.status for r in records)
    assert statuses.most_common(1)[0][0].value == "present"
    # Every week of the history has one published build, its own or one already there.
    builds = Counter(
        session.scalars(
            select(ScheduleBuild.week_of).where(ScheduleBuild.status == BuildStatus.PUBLISHED)
        )
    )
    assert set(builds.values()) == {1}


def _specimens_have_results_read_by_the_rules(session: Session) -> None:
    medications: dict[object, list[Medication]] = defaultdict(list)
    for medication in session.scalars(select(Medication)):
        medications[medication.client_id].append(medication)
    results: dict[object, list[AnalyteResult]] = defaultdict(list)
    for result in session.scalars(select(AnalyteResult)):
        results[result.collection_id].append(result)
    collections = {c.order_id: c for c in session.scalars(select(TestCollection))}
    orders = list(session.scalars(select(TestOrder)))
    for order in orders:
        if order.reason is OrderReason.CONFIRMATION:
            assert order.status is OrderStatus.RESULTED
            assert order.confirms_order_id in collections
            confirmed = results[collections[order.confirms_order_id].id]
            assert any(
                r.method is Method.DEFINITIVE and r.analyte is order.confirms_analyte
                for r in confirmed
            )
            continue
        assert (order.status is OrderStatus.COLLECTED) == (order.id in collections)
        assert order.status is not OrderStatus.RESULTED
        assert (order.schedule_id is not None) == (order.reason is OrderReason.SCHEDULED)
    for collection in collections.values():
        found = results[collection.id]
        assert found, "a collected specimen without results"
        day = local(collection.collected_at).date()
        active = [
            testing_rules.ActiveMedication(
                m.name, frozenset(Analyte(a) for a in m.analytes), m.is_mat
            )
            for m in medications[collection.client_id]
            if m.active_on(day)
        ]
        for result in found:
            reading = testing_rules.interpret(result.analyte, result.result, active)
            assert result.interpretation is reading.interpretation
            assert result.explained_by == ", ".join(reading.explained_by)
        presumptive = [r for r in found if r.method is Method.PRESUMPTIVE]
        assert len(presumptive) >= 5
    statuses = Counter(o.status for o in orders if o.reason is not OrderReason.CONFIRMATION)
    assert statuses[OrderStatus.COLLECTED] > statuses[OrderStatus.REFUSED]


def _instrument_scores_are_the_rules_scores(session: Session) -> None:
    responses = list(session.scalars(select(InstrumentResponse)))
    assert {r.instrument for r in responses} == {"phq9", "gad7", "bam"}
    for response in responses:
        score = assessment_rules.score(response.instrument, response.answers)
        assert (response.total, response.band) == (score.total, score.band)
        assert response.subscales == dict(score.subscales)
        assert response.flags == sorted(score.flags)
    # At admission every client had a PHQ-9, in the episode; after discharge, none is open.
    admissions = dict(session.execute(select(Episode.id, Episode.admitted_on)).all())
    firsts = {
        r.episode_id: r
        for r in sorted(responses, key=lambda r: r.administered_at, reverse=True)
        if r.instrument == "phq9" and r.episode_id is not None
    }
    assert set(firsts) == set(admissions)
    assert all(local(r.administered_at).date() == admissions[e] for e, r in firsts.items())


def _all_four_follow_ups_recorded_once_due(session: Session, episodes: list[Episode]) -> None:
    """Every follow-up is there; once due, its call is recorded, reached or not (so none
    waits on the aftercare worklist), and not before."""
    found = {(f.episode_id, f.days_after): f for f in session.scalars(select(FollowUp))}
    reached: Counter[bool] = Counter()
    for episode in episodes:
        assert episode.discharged_on is not None
        for days, due in aftercare_rules.follow_up_dates(episode.discharged_on):
            follow_up = found.get((episode.id, days))
            assert follow_up is not None, (days, due)
            if due > TODAY:
                assert follow_up.recorded_at is None
                assert follow_up.reached is None
                continue
            assert follow_up.due_on == due
            assert follow_up.recorded_at is not None
            assert follow_up.recorded_by is not None
            assert follow_up.reached is not None
            reached[follow_up.reached] += 1
            if follow_up.reached:
                assert None not in (
                    follow_up.abstinent,
                    follow_up.readmitted,
                    follow_up.employment_school,
                    follow_up.housing,
                )
            else:
                assert (follow_up.abstinent, follow_up.housing) == (None, None)
    assert reached[True] > 0
    assert reached[False] > 0


def _aftercare_and_authorizations_are_consistent(session: Session) -> None:
    plans = {p.id: p for p in session.scalars(select(AftercarePlan))}
    assert plans
    checkins: dict[object, list[RelapsePreventionCheckIn]] = defaultdict(list)
    for checkin in session.scalars(select(RelapsePreventionCheckIn)):
        checkins[checkin.plan_id].append(checkin)
    alerts = {a.source_id: a for a in session.scalars(select(Alert))}
    for plan_id, plan in plans.items():
        assert plan.starts_on is not None
        expected = aftercare_rules.checkin_schedule(
            plan.starts_on, weekly=plan.weekly_checkins, months=plan.checkin_months
        )
        assert sorted(c.due_on for c in checkins[plan_id]) == expected
        for checkin in checkins[plan_id]:
            state = aftercare_rules.checkin_state(
                due_on=checkin.due_on,
                completed=checkin.completed_at is not None,
                today=TODAY,
                grace_days=plan.grace_days,
            )
            missed = state is aftercare_rules.CheckInState.MISSED
            # Missed ones are marked alerted, with the alert the nightly job would raise.
            assert (checkin.missed_alerted_at is not None) == missed
            assert (checkin.id in alerts) == missed
            # The job's reminder went out on the due day, unless the client had checked in.
            early = checkin.completed_at is not None and (
                local(checkin.completed_at).date() < checkin.due_on
            )
            reminded = checkin.due_on < TODAY and not early
            assert (checkin.reminder_sent_at is not None) == reminded
            if checkin.reminder_sent_at is not None:
                assert local(checkin.reminder_sent_at).date() == checkin.due_on
    events: dict[object, list[AuthorizationEvent]] = defaultdict(list)
    for event in session.scalars(
        select(AuthorizationEvent).order_by(AuthorizationEvent.recorded_at)
    ):
        events[event.authorization_id].append(event)
    for authorization in session.scalars(select(Authorization)):
        assert authorization.level_code in ("PHP", "IOP")
        history = events[authorization.id]
        assert (history[0].from_status, history[0].to_status) == (None, AuthStatus.PENDING)
        assert history[-1].to_status is authorization.status
        approved, requested = authorization.approved_units, authorization.requested_units
        if authorization.status is AuthStatus.APPROVED:
            assert approved == requested
        elif authorization.status is AuthStatus.PARTIAL:
            assert approved is not None
            assert 1 <= approved < requested
        else:
            assert approved is None


def test_seeding_again_writes_nothing(program: Session) -> None:
    session = program
    assert _seed(session, episodes=10) == 10
    counts = _counts(session)
    assert _seed(session, episodes=10) == 0
    assert _seed(session, episodes=30, seed=7) == 0  # the prefix is what says it is there
    assert _counts(session) == counts


def test_the_same_seed_and_day_give_the_same_history(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    _program(session)

    def history(seed: int) -> list[tuple[object, ...]]:
        with session_factory() as attempt:
            _seed(attempt, episodes=12, seed=seed)
            rows: list[tuple[object, ...]] = [
                (c.id, c.record_number, c.date_of_birth, e.admitted_on, e.discharged_on, e.id)
                for c, e in attempt.execute(
                    select(Client, Episode)
                    .join(Episode, Episode.client_id == Client.id)
                    .order_by(Client.record_number)
                )
            ]
            rows += [
                (r.id, r.status, r.credited_minutes)
                for r in attempt.scalars(select(AttendanceRecord).order_by(AttendanceRecord.id))
            ]
            attempt.rollback()
        return rows

    first = history(2026)
    assert first == history(2026)
    assert first != history(2027)


def test_rows_scale_with_the_number_of_episodes(program: Session) -> None:
    session = program
    before = _counts(session)
    _seed(session, episodes=10, prefix="SMALL")
    small = {k: v - before[k] for k, v in _counts(session).items()}
    before = _counts(session)
    _seed(session, episodes=30, prefix="LARGE")
    large = {k: v - before[k] for k, v in _counts(session).items()}
    assert (small["client"], small["episode"], large["client"], large["episode"]) == (
        10,
        10,
        30,
        30,
    )
    # The content stream does not depend on the prefix: the first ten episodes are the same.
    admitted = {
        number[number.index("-") + 1 :]: (on, off)
        for number, on, off in session.execute(
            select(Client.record_number, Episode.admitted_on, Episode.discharged_on).join(
                Episode, Episode.client_id == Client.id
            )
        )
        if number.startswith("SMALL-")
    }
    again = {
        number[number.index("-") + 1 :]: (on, off)
        for number, on, off in session.execute(
            select(Client.record_number, Episode.admitted_on, Episode.discharged_on).join(
                Episode, Episode.client_id == Client.id
            )
        )
        if number.startswith("LARGE-")
    }
    assert all(again[n] == admitted[n] for n in admitted)
    for table in ("episode_segment", "attendance_record", "checkin", "test_order", "coverage"):
        assert large[table] > small[table] > 0, table
    assert 2 * small["attendance_record"] < large["attendance_record"]


def test_a_week_already_published_keeps_its_one_build(program: Session) -> None:
    session = program
    monday = TODAY - timedelta(days=TODAY.weekday(), weeks=10)
    build = make_build(session, week_of=monday)
    _seed(session)
    builds = list(
        session.scalars(
            select(ScheduleBuild).where(
                ScheduleBuild.week_of == monday, ScheduleBuild.status == BuildStatus.PUBLISHED
            )
        )
    )
    assert [b.id for b in builds] == [build.id]
    that_week = list(
        session.scalars(
            select(SessionOccurrence).where(
                SessionOccurrence.day >= monday,
                SessionOccurrence.day < monday + timedelta(days=7),
            )
        )
    )
    assert that_week
    assert {o.build_id for o in that_week} == {build.id}


def test_what_is_missing_is_named(session: Session) -> None:
    with pytest.raises(HistoryPrerequisiteMissing, match="S1, S2"):
        _seed(session)
    make_site(session, code="S1")
    make_site(session, code="S2")
    with pytest.raises(HistoryPrerequisiteMissing, match="clinician"):
        _seed(session)
    assert session.scalar(select(func.count()).select_from(Client)) == 0


def _names() -> list[MemberName]:
    """Every name the demo gives a client (first, last and preferred names come from these
    lists): what the name check of a note or a summary would look for."""
    return [
        MemberName(uuid.uuid4(), first, last)
        for first, last in zip_longest(FIRST_NAMES, LAST_NAMES, fillvalue="")
    ]


def test_the_words_of_the_signed_records_name_no_client() -> None:
    others = _names()
    texts = {
        f"{group}-{n}": text
        for group, pool in (
            *NOTE_TEXT.items(),
            ("prognosis", tuple(PROGNOSIS_TEXT.values())),
            ("recommendations", tuple(RECOMMENDATIONS.values())),
            ("reason", tuple(DISCHARGE_SUMMARIES.values())),
        )
        for n, text in enumerate(pool)
    }
    notes_rules.check_names(texts, others)


def test_every_discharge_referral_and_attended_session_is_signed(program: Session) -> None:
    """A signed summary of each discharge and referral out, a signed progress note of each
    attended individual appointment: by the client's clinician, complete by the app's rules,
    the summary's facts what the service gathers, each signature intact in the app's view."""
    session = program
    assert _seed(session, episodes=30) == 30
    episodes = list(session.scalars(select(Episode)))
    primary: dict[uuid.UUID, uuid.UUID | None] = dict(
        session.execute(select(Client.id, Client.primary_clinician_id)).all()
    )
    others = _names()

    events = summaries_service.events_of_episodes(session, episodes)
    kinds = Counter(e.kind for e in events)
    assert kinds[SummaryKind.DISCHARGE] == 30
    assert kinds[SummaryKind.REFERRAL_OUT] > 0
    summaries = []
    for event in events:
        summary = event.summary
        assert summary is not None, event
        assert not event.due
        assert summary.status is SummaryStatus.SIGNED
        assert summary.signed_by == summary.author_id == primary[summary.client_id]
        view = summaries_service.get_summary(session, actor=SYSTEM, summary_id=summary.id)
        assert [(s.meaning, s.intact) for s in view.signatures] == [(SignatureMeaning.AUTHOR, True)]
        assert summary_rules.missing(view.narrative) == []
        assert "Synthetic history" in view.narrative.narrative
        preview = summaries_service.preview(
            session, actor=SYSTEM, episode_id=summary.episode_id, segment_id=summary.segment_id
        )
        assert summary.facts == summary_rules.facts_to_json(preview.facts)
        notes_rules.check_names(view.narrative.texts(), others)
        summaries.append(summary)
    assert len(summaries) == session.scalar(select(func.count()).select_from(DischargeSummary))

    attended: dict[uuid.UUID, uuid.UUID] = dict(
        session.execute(
            select(Appointment.id, AttendanceRecord.id)
            .join(AttendanceRecord, AttendanceRecord.appointment_id == Appointment.id)
            .where(AttendanceRecord.status.in_(list(ATTENDED)))
        ).all()
    )
    notes = list(session.scalars(select(ClinicalNote)))
    assert {n.appointment_id: n.attendance_record_id for n in notes} == attended
    late = 0
    for note in notes:
        assert note.status is NoteStatus.SIGNED
        assert note.signed_by == note.author_id == primary[note.client_id]
        assert note.signed_at is not None
        assert note.signed_at > note.ends_at
        record = session.get(AttendanceRecord, note.attendance_record_id)
        assert record is not None
        notes_rules.check_linkage(
            note.service_type, kind=AppointmentKind.INDIVIDUAL, attendance=record.status
        )
        notes_rules.require_complete(
            note_format=note.note_format,
            sections=note.sections,
            service_type=note.service_type,
            risk=notes_service.risk_of(note),
            objectives=(),
            plan_has_objectives=False,
        )
        assert note.late_entry == notes_rules.is_late(
            note.ends_at, note.signed_at, notes_rules.DEFAULT_OVERDUE_HOURS
        )
        late += note.late_entry
        view = notes_service.get_note(session, actor=SYSTEM, note_id=note.id)
        assert view.intact
        assert [s.meaning for s in view.signatures] == [SignatureMeaning.AUTHOR]
        notes_rules.check_names(note.sections, others)
    assert {n.service_type for n in notes} == {ServiceType.INDIVIDUAL_THERAPY}
    assert 0 < late < len(notes) / 10  # a few late entries, as in any program
    assert session.scalar(select(func.count()).select_from(Signature)) == len(summaries) + len(
        notes
    )


def _listed(rows: object) -> set[uuid.UUID]:
    """The clients a worklist's rows name."""
    assert isinstance(rows, list)
    return {row.id if isinstance(row, Client) else row.client.id for row in rows}


def test_on_the_demo_program(demo_session: Session) -> None:
    """The history seeded into the demo program (under its own prefix, so the test holds
    whether or not the demo already has one): its intern (supervised) carries no caseload of
    past clients, no worklist asks for paperwork a real program would have finished, the
    signatures verify as staff read them, and a second run adds nothing."""
    session = demo_session
    prefix = "HTST"
    assert _seed(session, episodes=20, today=today(), prefix=prefix) == 20
    history = list(session.scalars(select(Client).where(Client.record_number.like(f"{prefix}-%"))))
    assert len(history) == 20
    intern = session.scalar(select(User.id).where(User.username == "intern"))
    primaries = {c.primary_clinician_id for c in history}
    assert primaries
    assert intern not in primaries
    past = {c.id for c in history}

    def actor(username: str) -> Actor:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None, username
        return security_service.actor_for(user)

    director, review = actor("director"), actor("review")
    day = today()
    assert not past & _listed(summaries_service.summaries_due(session, actor=director))
    # Some of the past clients' sessions fall inside the overdue list's look-back: their
    # signed notes are what keeps them off it.
    recent = select(func.count()).where(
        ClinicalNote.client_id.in_(past),
        ClinicalNote.service_date >= day - notes_service.OVERDUE_LOOKBACK,
    )
    assert session.scalar(recent)
    assert not past & _listed(notes_service.overdue_notes(session, actor=director))
    for clinician in {c.primary_clinician_id for c in history}:
        user = session.get(User, clinician)
        assert user is not None
        lists = notes_service.home_lists(session, actor=security_service.actor_for(user))
        assert not past & _listed(lists.overdue)
    assert (
        seed_demo_clinical_notes(
            session, actor=SYSTEM, password=lambda u: demo_password(DEMO_KEY, u), today=day
        )
        == 0
    )
    work = aftercare_service.worklist(session, actor=director, today=day)
    # Follow-ups of past clients are on it only before they are due.
    assert all(r.follow_up.due_on >= day for r in work.follow_ups if r.client.id in past)
    # Lists of clients in care: a discharged client is never on them.
    desk = authorizations_service.desk(session, actor=review)
    for rows in (desk.overdue, desk.due_today, desk.due_soon, desk.running_out, desk.pending):
        assert not past & _listed(rows)
    assert not past & _listed(desk.uncovered)
    assert not past & _listed(intake_service.intakes_due(session, actor=director))
    assert not past & _listed(treatment_plans_service.overdue_reviews(session, actor=director))
    assert not past & _listed(transitions_service.queue(session, actor=director))
    cases = case_management_service.worklist(session, actor=director, today=day)
    assert not past & set(cases.client_ids())

    # A past client's summary and note, as the director reads them: signed and intact.
    summary = session.scalars(
        select(DischargeSummary).where(DischargeSummary.client_id.in_(past))
    ).first()
    assert summary is not None
    view = summaries_service.get_summary(session, actor=director, summary_id=summary.id)
    assert view.is_final
    assert [(s.meaning, s.intact) for s in view.signatures] == [(SignatureMeaning.AUTHOR, True)]
    note = session.scalars(select(ClinicalNote).where(ClinicalNote.client_id.in_(past))).first()
    assert note is not None
    note_view = notes_service.get_note(session, actor=director, note_id=note.id)
    assert note_view.note.status is NoteStatus.SIGNED
    assert note_view.signatures
    assert note_view.intact

    assert _seed(session, episodes=20, today=today(), prefix=prefix) == 0
