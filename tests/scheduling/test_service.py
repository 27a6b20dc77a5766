"""Building, reviewing, discarding and applying a week against the seeded demo program."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.calendar.models import BuildStatus, ScheduleBuild, SessionOccurrence
from stepdown.demo.seed import seed
from stepdown.kit.clock import today
from stepdown.kit.errors import Conflict, Forbidden, Invalid
from stepdown.programs import export
from stepdown.scheduling import service
from stepdown.scheduling.exchange import parse_solution
from stepdown.scheduling.first_fit import first_fit
from stepdown.security.actor import Actor
from stepdown.security.roles import Role
from tests.calendar.test_publish import make_week
from tests.factories import SYSTEM

THIS_MONDAY = today() - timedelta(days=today().weekday())
# Two weeks ahead: the demo seed publishes up to next week, so this week starts empty.
LATER = THIS_MONDAY + timedelta(weeks=2)


@pytest.fixture
def demo(session: Session) -> Session:
    seed(session, actor=SYSTEM, secret_key="demo-test-key")
    return session


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_built_week_is_a_valid_draft_with_its_figures(demo: Session) -> None:
    build = service.build_week(demo, actor=SYSTEM, week_of=LATER, time_limit=2)
    assert build.status is BuildStatus.DRAFT
    assert build.applies_from == LATER
    summary = build.summary
    assert summary["valid"] is True
    assert summary["method"] == "optimizer"
    assert summary["clients"] == len(build.instance["clients"]) >= 30
    assert 0 < summary["compliant"] <= summary["compliant_bound"] <= summary["clients"]
    assert len(summary["unmet"]) == summary["clients"] - summary["compliant"]
    assert all(u["reason"] for u in summary["unmet"])
    assert summary["seconds"] <= 4
    assert summary["skipped"] == []
    assert service.list_builds(demo, actor=SYSTEM, week_of=LATER) == [build]
    exports = demo.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.action == AuditAction.EXPORT,
            AuditEntry.detail["week_of"].as_string() == LATER.isoformat(),
        )
    )
    assert exports == summary["clients"]


def test_a_draft_is_published_or_discarded_once(demo: Session) -> None:
    instance = export.export_week(demo, actor=SYSTEM, week_of=LATER).instance
    drafts = [
        service.save_build(
            demo,
            actor=SYSTEM,
            instance=instance,
            solution=first_fit(instance),
            skipped=[],
            method="first-fit",
        )
        for _ in range(2)
    ]
    result = service.publish_build(demo, actor=SYSTEM, build_id=drafts[0].id)
    assert result.sessions_added == result.build.summary["sessions"] > 0
    review = service.review(demo, actor=SYSTEM, build_id=drafts[1].id)
    assert review.published is drafts[0]
    assert review.changes is not None
    assert review.changes.empty  # the same first-fit week
    assert {g.site for g in review.grids} == {"S1", "S2"}
    assert sum(len(cells) for g in review.grids for cells in g.cells.values()) == len(
        instance.sessions
    ) - (len(instance.sessions) - result.sessions_added)
    discarded = service.discard_build(demo, actor=SYSTEM, build_id=drafts[1].id)
    assert discarded.status is BuildStatus.DISCARDED
    with pytest.raises(Conflict):
        service.discard_build(demo, actor=SYSTEM, build_id=drafts[1].id)
    with pytest.raises(Conflict):
        service.publish_build(demo, actor=SYSTEM, build_id=drafts[1].id)


def test_only_directors_build(session: Session) -> None:
    clinician = Actor(user_id=None, role=Role.CLINICIAN, username="someone")
    with pytest.raises(Forbidden):
        service.build_week(session, actor=clinician, week_of=LATER, time_limit=2)
    with pytest.raises(Forbidden):
        service.list_builds(session, actor=clinician, week_of=LATER)


def test_bad_weeks_and_limits_are_refused_by_field(session: Session) -> None:
    with pytest.raises(Invalid) as refused:
        service.build_week(session, actor=SYSTEM, week_of=LATER + timedelta(days=1), time_limit=2)
    assert refused.value.field == "week_of"
    with pytest.raises(Invalid) as refused:
        service.build_week(session, actor=SYSTEM, week_of=LATER, time_limit=0.1)
    assert refused.value.field == "time_limit"
    with pytest.raises(Invalid) as refused:
        service.build_week(
            session, actor=SYSTEM, week_of=LATER, time_limit=2, applies_from=LATER + timedelta(7)
        )
    assert refused.value.field == "applies_from"


def test_applying_a_solution_publishes_it_and_an_invalid_one_writes_nothing(demo: Session) -> None:
    instance = export.export_week(demo, actor=SYSTEM, week_of=LATER).instance
    solution = first_fit(instance)
    builds, occurrences = _count(demo, ScheduleBuild), _count(demo, SessionOccurrence)
    broken = solution.model_copy(update={"sessions": [*solution.sessions, solution.sessions[0]]})
    with pytest.raises(Conflict) as refused:
        service.apply_solution(demo, actor=SYSTEM, solution=broken)
    assert refused.value.rule == "schedule.session-once"
    assert (_count(demo, ScheduleBuild), _count(demo, SessionOccurrence)) == (builds, occurrences)

    result = service.apply_solution(demo, actor=SYSTEM, solution=solution)
    assert result.build.status is BuildStatus.PUBLISHED
    assert result.build.summary["method"] == "file"
    assert _count(demo, SessionOccurrence) == occurrences + len(solution.sessions)


def test_a_solution_of_no_exported_week_needs_its_instance(session: Session) -> None:
    week = make_week(session)
    solution = parse_solution(week.solution({"mon": [0]})).model_copy(
        update={"instance": "hand-made"}
    )
    with pytest.raises(Invalid) as refused:
        service.apply_solution(session, actor=SYSTEM, solution=solution)
    assert refused.value.field == "instance"
