"""Benchmark: the Outcomes page for a program of about 2,000 episodes over three years, on
PostgreSQL, against a bare FastAPI app serving the same bytes.

Run from the repository root: `.venv/bin/python -m bench.outcomes_bench [--runs N]`.
Builds a scratch PostgreSQL database beside STEPDOWN_BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test; dropped afterwards): migrations, the demo seed
(60 clients in care and 240 discharged episodes over 18 months), then
``demo.archive.seed_past_episodes`` for 1,700 more discharged episodes over 36 months
(prefix BNCH), with their attendance, drug tests, instrument scores, check-ins, aftercare
and authorizations (about 560,000 rows), and VACUUM ANALYZE as autovacuum would have.

Then, as the signed-in demo director through FastAPI's TestClient (the whole request: the
audited read committed, every query, the measures, the charts, the template):

- the first request (cold: lifelines and matplotlib load, every chart is drawn);
- the same page again N times, warm: nothing changed, so the computed report is reused
  (``outcomes.service`` keeps it until the audit trail records a change) and the charts
  come from their cache; the audited read is still written and the template rendered;
- the same page N times right after a change (the report's cache emptied before each
  request, as a change does): every fact loaded and every measure computed again;
- the page filtered to one site and IOP, both ways;
- the baseline, measured in the same run: a bare FastAPI app answering the warm page's
  exact bytes from memory through the same TestClient.

And, in-process, where the time goes: loading the facts, computing the measures, building
the figures, drawing the charts without their cache. Target (issue 17): the warm page
under 2 s. Writes bench/results/outcomes.md and prints it.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from bench.compliance_board import PG_DEFAULT, scratch_pg
from stepdown.app import create_app
from stepdown.continuum.models import Episode
from stepdown.demo.archive import seed_past_episodes
from stepdown.demo.seed import demo_password, seed
from stepdown.documents.storage import LocalDirectoryStorage
from stepdown.kit import migrate
from stepdown.kit.clock import today
from stepdown.kit.db import make_engine, make_sessionmaker, session_scope
from stepdown.outcomes import charts, measures, repository
from stepdown.outcomes import report as report_builder
from stepdown.outcomes import service as outcomes_service
from stepdown.outcomes.scope import Scope
from stepdown.security.actor import Actor
from stepdown.settings import Settings

EXTRA_EPISODES = 1700
MONTHS = 36
TARGET_MS = 2000.0
SECRET = "bench-secret-key-not-for-production"  # noqa: S105 - a throwaway database
RESULTS = Path(__file__).parent / "results" / "outcomes.md"
IMG = 'role="img"'
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _median_ms(call: Callable[[], object], runs: int) -> tuple[float, float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), min(timings)


def _after_a_change(client: TestClient, path: str) -> None:
    """A request as the first after any record changed: the computed report is gone."""
    outcomes_service._REPORTS.found.clear()
    assert client.get(path).status_code == 200


def _sign_in(client: TestClient) -> None:
    found = CSRF.search(client.get("/sign-in").text)
    assert found is not None
    response = client.post(
        "/sign-in",
        data={
            "username": "director",
            "password": demo_password(SECRET, "director"),
            "csrf_token": found.group(1),
            "next": "/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def _build(url: str, var_dir: Path) -> tuple[int, float]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_sessionmaker(engine)
    with session_scope(factory) as session:
        seed(
            session,
            actor=Actor.system("bench"),
            secret_key=SECRET,
            documents=LocalDirectoryStorage(var_dir / "documents"),
        )
    started = time.perf_counter()
    with session_scope(factory) as session:
        seed_past_episodes(
            session, today=today(), months=MONTHS, episodes=EXTRA_EPISODES, prefix="BNCH"
        )
    seconds = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    with factory() as session:
        episodes = session.scalar(select(func.count()).select_from(Episode)) or 0
    engine.dispose()
    return episodes, seconds


def _breakdown(url: str, scope: Scope, runs: int) -> list[tuple[str, float]]:
    """Where a warm request's time goes, in-process, medians of ``runs``."""
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    found: list[tuple[str, float]] = []
    with factory() as session:
        data = repository.load(session, scope=scope, as_of=today())
        found.append(
            (
                "load the facts",
                _median_ms(lambda: repository.load(session, scope=scope, as_of=today()), runs)[0],
            )
        )
    result = measures.compute(data, scope.start, scope.end)
    found.append(
        (
            "compute the measures",
            _median_ms(lambda: measures.compute(data, scope.start, scope.end), runs)[0],
        )
    )
    built = report_builder.build(
        result, scope=scope.describe(), as_of=today(), site_names=data.site_names, masked=False
    )
    found.append(
        (
            "build the figures",
            _median_ms(
                lambda: report_builder.build(
                    result,
                    scope=scope.describe(),
                    as_of=today(),
                    site_names=data.site_names,
                    masked=False,
                ),
                runs,
            )[0],
        )
    )
    found.append(
        (
            "draw every chart, cache bypassed",
            _median_ms(lambda: [charts._draw(f) for f in built.figures], max(1, runs // 3))[0],
        )
    )
    found.append(
        (
            "draw every chart, cached",
            _median_ms(lambda: [charts.render(f) for f in built.figures], runs)[0],
        )
    )
    engine.dispose()
    return found


def run(runs: int) -> str:
    base = os.environ.get("STEPDOWN_BENCH_DATABASE_URL", PG_DEFAULT)
    lines = [
        "# Outcomes page benchmark",
        "",
        f"Load average at the start: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on "
        f"{os.cpu_count()} CPUs. Medians of {runs} requests after 2 warm-ups.",
        "",
    ]
    with scratch_pg(base) as url, tempfile.TemporaryDirectory() as tmp:
        if url is None:
            return "\n".join([*lines, "PostgreSQL not reachable: nothing measured.", ""])
        episodes, seeding = _build(url, Path(tmp))
        settings = Settings(
            var_dir=Path(tmp),
            database_url=url,
            secret_key=SECRET,  # type: ignore[arg-type]
            jobs_backend="off",
            _env_file=None,  # type: ignore[call-arg]
        )
        first = today() - timedelta(days=3 * 365 - 1)
        path = f"/outcomes?from={first.isoformat()}&to={today().isoformat()}"
        with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
            _sign_in(client)
            started = time.perf_counter()
            page = client.get(path)
            cold = (time.perf_counter() - started) * 1000
            assert page.status_code == 200, page.text[:500]
            body = page.text
            for _ in range(2):
                client.get(path)
            warm, warm_best = _median_ms(lambda: client.get(path), runs)
            changed, changed_best = _median_ms(lambda: _after_a_change(client, path), runs)
            sites = re.findall(r'<option value="([0-9a-f-]{36})"', body)
            filtered = f"{path}&site={sites[0]}&level=IOP"
            client.get(filtered)
            narrow, _ = _median_ms(lambda: client.get(filtered), runs)
            narrow_changed, _ = _median_ms(lambda: _after_a_change(client, filtered), runs)
        bare = FastAPI()

        @bare.get("/outcomes", response_class=HTMLResponse)
        def same_bytes() -> str:
            return body

        with TestClient(bare, base_url="http://127.0.0.1:8000") as client:
            for _ in range(2):
                client.get("/outcomes")
            baseline, _ = _median_ms(lambda: client.get("/outcomes"), runs)
        scope = Scope(start=first, end=today())
        parts = _breakdown(url, scope, max(3, runs // 2))
    lines += [
        f"Program: {episodes} episodes ({EXTRA_EPISODES} added over {MONTHS} months in "
        f"{seeding:.1f} s on top of the demo), page {len(body) // 1024} KiB with "
        f"{body.count(IMG)} charts.",
        "",
        "| request | median ms | ratio to the bare app | under 2 s |",
        "|---|---:|---:|---|",
        f"| bare FastAPI app, same bytes (baseline) | {baseline:.1f} | 1.0 | |",
        f"| Outcomes, 3 years, warm | {warm:.1f} (best {warm_best:.1f}) | "
        f"{warm / baseline:.0f} | {warm < TARGET_MS} |",
        f"| Outcomes, 3 years, right after a change | {changed:.1f} (best {changed_best:.1f}) | "
        f"{changed / baseline:.0f} | {changed < TARGET_MS} |",
        f"| Outcomes, one site and IOP, warm | {narrow:.1f} | {narrow / baseline:.0f} | "
        f"{narrow < TARGET_MS} |",
        f"| Outcomes, one site and IOP, right after a change | {narrow_changed:.1f} | "
        f"{narrow_changed / baseline:.0f} | {narrow_changed < TARGET_MS} |",
        f"| Outcomes, 3 years, first request (cold) | {cold:.1f} | {cold / baseline:.0f} | "
        f"{cold < TARGET_MS} |",
        "",
        "Where a warm request's time goes (in-process, 3 years, all sites):",
        "",
        "| step | median ms |",
        "|---|---:|",
        *(f"| {name} | {ms:.1f} |" for name, ms in parts),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10, help="timed requests per figure")
    args = parser.parse_args()
    report = run(args.runs)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
