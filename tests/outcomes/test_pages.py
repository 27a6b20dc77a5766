"""The Outcomes page as its readers see it: the director's figures, the masked print view
and CSVs that agree with it cell for cell, the drill-down, the export, and who may see what."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from html.parser import HTMLParser

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditEntry
from stepdown.kit.clock import today
from stepdown.security.roles import Role
from tests.factories import make_user, sign_in
from tests.outcomes.test_service import Program, program

__all__ = ["program"]


class _Tables(HTMLParser):
    """Each figure section's table cells, by figure key, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._figure: str | None = None
        self._cell: list[str] | None = None
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section" and (found.get("id") or "").startswith("figure-"):
            self._figure = (found["id"] or "").removeprefix("figure-")
            self.tables[self._figure] = []
        elif tag == "caption":
            self._hidden += 1
        elif tag == "tr" and self._figure is not None:
            self.tables[self._figure].append([])
        elif tag in ("td", "th") and self._figure is not None and not self._hidden:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._hidden -= 1
        elif tag in ("td", "th") and self._cell is not None and self._figure is not None:
            self.tables[self._figure][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "section":
            self._figure = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def _sign_in_as_director(client: TestClient, session: Session) -> None:
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)


def _query(p: Program) -> str:
    return f"from={(p.base - timedelta(days=7)).isoformat()}&to={today().isoformat()}"


def test_the_director_reads_every_figure(
    client: TestClient, session: Session, program: Program
) -> None:
    _sign_in_as_director(client, session)
    response = client.get(f"/outcomes?{_query(program)}")
    assert response.status_code == 200
    html = response.text
    assert 'aria-current="page">Outcomes</a>' in html
    for title in (
        "Census by level",
        "Retention by first level",
        "Depression (PHQ-9) and anxiety (GAD-7): response and remission",
        "Negative drug tests per week",
        "Moves between levels",
        "Hours delivered against each level",
        "Authorization decisions by payer",
    ):
        assert title in html
    assert html.count('role="img"') == html.count('class="outcome-figure"') >= 10
    assert "Out of:" in html
    assert "Who is behind these numbers" in html
    assert "De-identified export" in html


def test_print_and_csv_agree_and_mask_small_counts(
    client: TestClient, session: Session, program: Program
) -> None:
    _sign_in_as_director(client, session)
    printed = client.get(f"/outcomes/print?{_query(program)}")
    assert printed.status_code == 200
    assert "shown as “&lt;11”" in printed.text
    tables = _tables(printed.text)
    assert len(tables) >= 10
    for key, rows in tables.items():
        download = client.get(f"/outcomes/figures/{key}.csv?{_query(program)}")
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("text/csv")
        assert list(csv.reader(io.StringIO(download.text))) == [r for r in rows if r], key
    reasons = list(
        csv.reader(
            io.StringIO(
                client.get(f"/outcomes/figures/discharge-reasons.csv?{_query(program)}").text
            )
        )
    )
    assert reasons == [["Reason", "Episodes", "Per cent"], ["Completed", "<11", "<11"]]
    # On screen the director reads the exact count.
    screen = _tables(client.get(f"/outcomes?{_query(program)}").text)
    assert screen["discharge-reasons"][1] == ["Completed", "1", "100"]


def test_drill_down_is_audited(client: TestClient, session: Session, program: Program) -> None:
    _sign_in_as_director(client, session)
    response = client.get(f"/outcomes/drill?cell=discharge-reasons:completed&{_query(program)}")
    assert response.status_code == 200
    assert program.first.record_number in response.text
    assert program.second.record_number not in response.text
    reads = session.scalars(
        select(AuditEntry.client_id).where(AuditEntry.entity_type == "outcomes_drill")
    ).all()
    assert reads == [program.first.id]


def test_who_may_see_what(client: TestClient, session: Session, program: Program) -> None:
    clinician = make_user(session, role=Role.CLINICIAN, site=program.site)
    admin = make_user(session, role=Role.ADMIN)
    session.commit()
    sign_in(client, clinician.username)
    assert client.get("/outcomes").status_code == 403
    assert client.get("/outcomes/figures/census.csv").status_code == 403
    client.cookies.clear()
    sign_in(client, admin.username)
    page = client.get(f"/outcomes?{_query(program)}")
    assert page.status_code == 200
    assert "Who is behind these numbers" not in page.text
    assert "De-identified export" not in page.text
    assert client.get("/outcomes/drill?cell=discharge-reasons:completed").status_code == 403
    assert client.get("/outcomes/deidentified.csv").status_code == 403


def test_a_bad_filter_is_named(client: TestClient, session: Session, program: Program) -> None:
    _sign_in_as_director(client, session)
    response = client.get("/outcomes?level=XYZ")
    assert response.status_code == 422
    assert "no level &#39;XYZ&#39; in the catalog" in response.text
    assert 'id="f-level" name="level" aria-invalid="true"' in response.text
    assert client.get("/outcomes?from=2026-13-01").status_code == 422
    assert client.get("/outcomes/figures/nothing.csv").status_code == 404


def test_the_deidentified_export_downloads(
    client: TestClient, session: Session, program: Program
) -> None:
    _sign_in_as_director(client, session)
    response = client.get(f"/outcomes/deidentified.csv?{_query(program)}")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 2
    assert program.first.record_number not in response.text
