"""Results say "optimal" only where CP-SAT proved it, and "best found" otherwise."""

from __future__ import annotations

from fastapi.testclient import TestClient
from rich.console import Console
from sqlalchemy.orm import Session

from stepdown.scheduling.cli import _summary
from stepdown.scheduling.exchange import Solution
from stepdown.scheduling.validator import check
from stepdown.security.roles import Role
from tests.calendar.test_publish import make_week, store
from tests.factories import make_user, sign_in
from tests.scheduling.test_exchange import make_instance


def _rendered_summary(status: str) -> str:
    instance = make_instance()
    stats = {"status": status, "compliant_bound": 4, "objective": 1, "bound": 2}
    solution = Solution(instance=instance.name, stats=stats)
    console = Console(width=200, record=True)
    console.print(_summary(solution, check(instance, solution)))
    return console.export_text()


def test_the_cli_summary_says_best_found_until_the_solver_proves_optimality() -> None:
    assert "best found" in _rendered_summary("FEASIBLE")
    assert "optimal" not in _rendered_summary("FEASIBLE")
    assert "optimal" in _rendered_summary("OPTIMAL")
    assert "best found" not in _rendered_summary("OPTIMAL")


def test_the_review_says_best_found_until_the_solver_proves_optimality(
    client: TestClient, session: Session
) -> None:
    week = make_week(session)
    builds = {}
    for status in ("FEASIBLE", "OPTIMAL"):
        solution = week.solution({"mon": [0, 1]})
        solution["stats"] = {"status": status, "compliant_bound": 4, "gap_compliant": 1.0}
        builds[status] = store(session, week, solution)
    sign_in(client, make_user(session, role=Role.DIRECTOR).username)
    session.commit()
    unproven = client.get(f"/schedule/builds/{builds['FEASIBLE'].id}").text
    assert "0 of 4 (0 %), best found" in unproven
    assert "optimal" not in unproven
    assert "0 of 4 (0 %), optimal" in client.get(f"/schedule/builds/{builds['OPTIMAL'].id}").text
