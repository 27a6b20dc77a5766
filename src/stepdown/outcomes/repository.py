"""Loading a report's facts: one bulk query per kind of fact, for the scoped episodes only.

Rows are read as plain tuples (no ORM objects) and turned into ``outcomes.facts`` records:
a three-year report of a 2,000-episode program reads a few hundred thousand rows, and the
page has two seconds. Attendance is summed per client and day in SQL, which both databases
do the same way. Facts after the range's end are still read up to ``as_of`` where a measure
follows its episodes past the range (the DRR-E window, follow-ups, step-down horizons).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import QueryableAttribute, Session

from stepdown.aftercare.models import FollowUp, RelapsePreventionCheckIn
from stepdown.alumni.models import Rsvp, RsvpStatus
from stepdown.assessments.models import InstrumentResponse
from stepdown.attendance.models import AttendanceRecord
from stepdown.authorizations.models import Authorization
from stepdown.checkins.models import CheckIn
from stepdown.continuum.models import Episode, LevelOfCare, Segment
from stepdown.coverage.models import Coverage, Payer
from stepdown.drug_testing.models import (
    AnalyteResult,
    Interpretation,
    OrderReason,
    OrderStatus,
    ResultValue,
    TestCollection,
    TestOrder,
)
from stepdown.kit import clock
from stepdown.outcomes.facts import (
    AttendedDay,
    AuthFact,
    CheckInDay,
    Contact,
    ContactKind,
    EpisodeFact,
    FollowUpFact,
    LevelFact,
    OutcomeData,
    Score,
    Specimen,
    SpecimenOutcome,
    Stretch,
)
from stepdown.outcomes.scope import Scope
from stepdown.programs.models import Site

SELF_PAY, NO_COVERAGE = "Self-pay", "No coverage on file"
INSTRUMENTS = ("phq9", "gad7", "bam")
# Positions of BAM items 4 (alcohol days) and 6 (drug days) in the stored answers
# (assessments.rules.BAM lists items 1-6 first; item 7 is not asked).
BAM_ALCOHOL, BAM_DRUGS = 3, 5
CHUNK = 2000  # ids per IN (...) list: under SQLite's and psycopg's parameter limits


def _chunks(ids: Sequence[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    for i in range(0, len(ids), CHUNK):
        yield list(ids[i : i + CHUNK])


def _rows(
    session: Session, ids: Sequence[uuid.UUID], query: Any, column: QueryableAttribute[Any]
) -> Iterator[Any]:
    """Run ``query`` once per chunk of ids, filtered on ``column``."""
    for chunk in _chunks(ids):
        yield from session.execute(query.where(column.in_(chunk))).all()


def levels(session: Session) -> tuple[LevelFact, ...]:
    rows = session.execute(
        select(
            LevelOfCare.code,
            LevelOfCare.name,
            LevelOfCare.step_down_order,
            LevelOfCare.weekly_hours_min,
            LevelOfCare.provided_in_house,
        ).order_by(LevelOfCare.step_down_order)
    ).all()
    return tuple(LevelFact(*row) for row in rows)


def payers(session: Session) -> list[str]:
    """Every payer a filter can name, with the two pseudo-payers."""
    names = list(session.scalars(select(Payer.name).order_by(Payer.name)))
    return [*names, SELF_PAY, NO_COVERAGE]


def _payer_by_client(session: Session, client_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each client's primary coverage: the lowest rank, the latest start among equals."""
    query = select(
        Coverage.client_id, Coverage.rank, Coverage.starts_on, Coverage.self_pay, Payer.name
    ).outerjoin(Payer, Payer.id == Coverage.payer_id)
    best: dict[uuid.UUID, tuple[int, int, str]] = {}
    for client_id, rank, starts_on, self_pay, name in _rows(
        session, client_ids, query, Coverage.client_id
    ):
        label = SELF_PAY if self_pay else (name or NO_COVERAGE)
        key = (rank, -(starts_on or date.min).toordinal(), label)
        if client_id not in best or key < best[client_id]:
            best[client_id] = key
    return {client_id: key[2] for client_id, key in best.items()}


def episodes(session: Session, *, start: date, as_of: date) -> tuple[EpisodeFact, ...]:
    """Every episode open at some point from ``start`` to ``as_of``, with its segments."""
    rows = session.execute(
        select(
            Episode.id,
            Episode.client_id,
            Episode.site_id,
            Episode.admitted_on,
            Episode.discharged_on,
            Episode.discharge_type,
        ).where(
            Episode.admitted_on <= as_of,
            Episode.discharged_on.is_(None) | (Episode.discharged_on > start),
        )
    ).all()
    ids = [row[0] for row in rows]
    stretches: dict[uuid.UUID, list[Stretch]] = defaultdict(list)
    query = select(
        Segment.episode_id,
        LevelOfCare.code,
        Segment.track,
        Segment.starts_on,
        Segment.ends_on,
        Segment.transition,
    ).join(LevelOfCare, LevelOfCare.id == Segment.level_id)
    for episode_id, code, track, starts_on, ends_on, transition in _rows(
        session, ids, query, Segment.episode_id
    ):
        stretches[episode_id].append(Stretch(code, str(track), starts_on, ends_on, str(transition)))
    payer = _payer_by_client(session, list({row[1] for row in rows}))
    return tuple(
        EpisodeFact(
            episode_id=episode_id,
            client_id=client_id,
            site_id=site_id,
            payer=payer.get(client_id, NO_COVERAGE),
            admitted_on=admitted_on,
            discharged_on=discharged_on,
            discharge_type=str(discharge_type) if discharge_type else None,
            stretches=tuple(sorted(stretches[episode_id], key=lambda s: s.starts_on)),
        )
        for episode_id, client_id, site_id, admitted_on, discharged_on, discharge_type in sorted(
            rows, key=lambda r: (r[3], str(r[0]))
        )
    )


def _day(moment: datetime) -> date:
    return clock.local(moment).date()


def _scores(session: Session, clients: Sequence[uuid.UUID], since: datetime) -> list[Score]:
    query = select(
        InstrumentResponse.client_id,
        InstrumentResponse.instrument,
        InstrumentResponse.administered_at,
        InstrumentResponse.total,
        InstrumentResponse.answers,
        InstrumentResponse.subscales,
    ).where(
        InstrumentResponse.instrument.in_(INSTRUMENTS),
        InstrumentResponse.entered_in_error.is_(False),
        InstrumentResponse.administered_at >= since,
    )
    found = []
    for client_id, code, at, total, answers, subscales in _rows(
        session, clients, query, InstrumentResponse.client_id
    ):
        if code == "bam":
            found.append(
                Score(
                    client_id,
                    code,
                    _day(at),
                    total,
                    alcohol_days_band=_answer(answers, BAM_ALCOHOL),
                    drug_days_band=_answer(answers, BAM_DRUGS),
                    use_subscale=(subscales or {}).get("use"),
                )
            )
        else:
            found.append(Score(client_id, code, _day(at), total))
    return found


def _answer(answers: list[int | None] | None, position: int) -> int | None:
    if not answers or len(answers) <= position:
        return None
    return answers[position]


def _specimens(session: Session, clients: Sequence[uuid.UUID], since: date) -> list[Specimen]:
    """One outcome per order (confirmations of an earlier specimen are not new ones)."""
    orders = list(
        _rows(
            session,
            clients,
            select(TestOrder.id, TestOrder.client_id, TestOrder.ordered_on, TestOrder.status).where(
                TestOrder.ordered_on >= since, TestOrder.reason != OrderReason.CONFIRMATION
            ),
            TestOrder.client_id,
        )
    )
    results: dict[uuid.UUID, list[tuple[ResultValue, Interpretation]]] = defaultdict(list)
    query = select(
        TestCollection.order_id, AnalyteResult.result, AnalyteResult.interpretation
    ).join(AnalyteResult, AnalyteResult.collection_id == TestCollection.id)
    for order_id, result, interpretation in _rows(
        session,
        clients,
        query.where(TestCollection.collected_at >= clock.day_start(since)),
        TestCollection.client_id,
    ):
        results[order_id].append((result, interpretation))
    return [
        Specimen(client_id, ordered_on, _outcome(status, results.get(order_id, [])))
        for order_id, client_id, ordered_on, status in orders
    ]


def _outcome(
    status: OrderStatus, results: Iterable[tuple[ResultValue, Interpretation]]
) -> SpecimenOutcome:
    if status is OrderStatus.REFUSED:
        return SpecimenOutcome.REFUSED
    if status is OrderStatus.MISSED:
        return SpecimenOutcome.MISSED
    found = list(results)
    if not found:
        return SpecimenOutcome.PENDING
    if any(i is Interpretation.UNEXPECTED_POSITIVE for _, i in found):
        return SpecimenOutcome.POSITIVE
    if any(r is ResultValue.INVALID or i is Interpretation.RECOLLECT for r, i in found):
        return SpecimenOutcome.INVALID
    return SpecimenOutcome.NEGATIVE


def _contacts(
    session: Session, clients: Sequence[uuid.UUID], since: datetime, checkins: list[CheckInDay]
) -> list[Contact]:
    found = [Contact(c.client_id, c.day, ContactKind.CHECK_IN) for c in checkins]
    for client_id, at in _rows(
        session,
        clients,
        select(RelapsePreventionCheckIn.client_id, RelapsePreventionCheckIn.completed_at).where(
            RelapsePreventionCheckIn.completed_at >= since
        ),
        RelapsePreventionCheckIn.client_id,
    ):
        found.append(Contact(client_id, _day(at), ContactKind.RELAPSE_PREVENTION))
    for client_id, at in _rows(
        session,
        clients,
        select(FollowUp.client_id, FollowUp.recorded_at).where(
            FollowUp.recorded_at >= since, FollowUp.reached.is_(True)
        ),
        FollowUp.client_id,
    ):
        found.append(Contact(client_id, _day(at), ContactKind.FOLLOW_UP))
    for client_id, at in _rows(
        session,
        clients,
        select(Rsvp.client_id, Rsvp.created_at).where(
            Rsvp.created_at >= since, Rsvp.status == RsvpStatus.GOING
        ),
        Rsvp.client_id,
    ):
        found.append(Contact(client_id, _day(at), ContactKind.ALUMNI))
    return found


def load(session: Session, *, scope: Scope, as_of: date) -> OutcomeData:
    """The facts of the episodes ``scope`` chooses, read up to ``as_of``."""
    every = episodes(session, start=scope.start, as_of=as_of)
    chosen = tuple(e for e in every if scope.admits(e))
    clients = sorted({e.client_id for e in chosen}, key=str)
    since_day = min((e.admitted_on for e in chosen), default=scope.start)
    since = clock.day_start(since_day)
    checkins = [
        CheckInDay(client_id, day, used)
        for client_id, day, used in _rows(
            session,
            clients,
            select(CheckIn.client_id, CheckIn.day, CheckIn.used_since_last).where(
                CheckIn.day >= since_day, CheckIn.day <= as_of
            ),
            CheckIn.client_id,
        )
    ]
    attendance = [
        AttendedDay(client_id, day, int(minutes))
        for client_id, day, minutes in _rows(
            session,
            clients,
            select(
                AttendanceRecord.client_id,
                AttendanceRecord.day,
                func.sum(AttendanceRecord.credited_minutes),
            )
            .where(AttendanceRecord.day >= since_day, AttendanceRecord.day <= as_of)
            .group_by(AttendanceRecord.client_id, AttendanceRecord.day),
            AttendanceRecord.client_id,
        )
    ]
    episode_ids = [e.episode_id for e in chosen]
    followups = [
        FollowUpFact(episode_id, days, due, recorded_at is not None, reached, abstinent, readmitted)
        for episode_id, days, due, recorded_at, reached, abstinent, readmitted in _rows(
            session,
            episode_ids,
            select(
                FollowUp.episode_id,
                FollowUp.days_after,
                FollowUp.due_on,
                FollowUp.recorded_at,
                FollowUp.reached,
                FollowUp.abstinent,
                FollowUp.readmitted,
            ),
            FollowUp.episode_id,
        )
    ]
    authorizations = [
        AuthFact(
            episode_id,
            SELF_PAY if self_pay else (payer or NO_COVERAGE),
            level,
            str(status),
            requested,
            approved,
            starts_on,
        )
        for episode_id, self_pay, payer, level, status, requested, approved, starts_on in _rows(
            session,
            episode_ids,
            select(
                Authorization.episode_id,
                Coverage.self_pay,
                Payer.name,
                Authorization.level_code,
                Authorization.status,
                Authorization.requested_units,
                Authorization.approved_units,
                Authorization.starts_on,
            )
            .join(Coverage, Coverage.id == Authorization.coverage_id)
            .outerjoin(Payer, Payer.id == Coverage.payer_id),
            Authorization.episode_id,
        )
    ]
    admissions: dict[uuid.UUID, list[date]] = defaultdict(list)
    for e in every:
        admissions[e.client_id].append(e.admitted_on)
    return OutcomeData(
        as_of=as_of,
        levels=levels(session),
        episodes=chosen,
        scores=tuple(_scores(session, clients, since)),
        specimens=tuple(_specimens(session, clients, since_day)),
        checkins=tuple(checkins),
        attendance=tuple(attendance),
        followups=tuple(followups),
        contacts=tuple(_contacts(session, clients, since, checkins)),
        authorizations=tuple(authorizations),
        admissions={k: tuple(sorted(v)) for k, v in admissions.items()},
        site_names=dict(session.execute(select(Site.id, Site.name)).all()),
    )


def site_choices(session: Session) -> list[tuple[uuid.UUID, str]]:
    return [
        (site_id, name)
        for site_id, name in session.execute(select(Site.id, Site.name).order_by(Site.name))
    ]
