"""Changing the placement rules in the browser and over the API: director only, refusals
name the row and keep what was typed, and the next recommendation uses the new table."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.placement import rule_store
from stepdown.placement.rule_table import DEFAULT_RULES
from stepdown.security import service as security_service
from stepdown.security.roles import Role
from tests.factories import SYSTEM, csrf_from, make_client, make_site, make_user, sign_in
from tests.placement.test_pages import FORM


def form_of(html: str) -> dict[str, str]:
    """What a browser would submit from the edit form, untouched."""
    fields: dict[str, str] = {}
    for match in re.finditer(r"<input[^>]*>", html):
        tag = match.group(0)
        name = re.search(r'name="([^"]+)"', tag)
        if name is None or ('type="checkbox"' in tag and "checked" not in tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields[name.group(1)] = unescape(value.group(1)) if value else "on"
    for match in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', html):
        fields[match.group(1)] = unescape(match.group(2))
    for match in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', match.group(2))
        fields[match.group(1)] = chosen.group(1) if chosen else ""
    return fields


def row_index(html: str, rule_id: str) -> int:
    match = re.search(rf'name="r(\d+)-id" value="{rule_id}"', html)
    assert match, rule_id
    return int(match.group(1))


def test_director_edits_a_sentence_and_sees_it_in_the_next_recommendation(
    client: TestClient, session: Session
) -> None:
    site = make_site(session)
    director = make_user(session, role=Role.DIRECTOR, site=site)
    person = make_client(session, site=site, clinician=director)
    session.commit()
    sign_in(client, director.username)
    page = client.get("/placement/rules/edit")
    assert page.status_code == 200
    assert page.text.count("<h1>") == 1
    for input_id in re.findall(r'<(?:input|textarea|select)[^>]* id="([^"]+)"', page.text):
        assert f'for="{input_id}"' in page.text, input_id
    form = form_of(page.text)
    assert int(form["row_count"]) == len(DEFAULT_RULES) + 1
    d3 = row_index(page.text, "FLOOR-D3-PHP")
    form[f"r{d3}-sentence"] = "Dimension 3 at {value}: the director wants PHP here"
    housing = row_index(page.text, "SVC-HOUSING")
    del form[f"r{housing}-enabled"]
    saved = client.post("/placement/rules/edit", data={**form, "note": "plainer D3 wording"})
    assert saved.status_code == 200, re.findall(r"flash-error[^>]*>([^<]*)", saved.text)
    assert "Rule table version 1 is now in force." in saved.text
    assert "plainer D3 wording" in saved.text
    assert "SVC-HOUSING" not in saved.text.split("History")[0]
    token = csrf_from(saved.text)
    assessed = client.post(f"/clients/{person.id}/assessments", data={**FORM, "csrf_token": token})
    assert "Dimension 3 at 3: the director wants PHP here" in assessed.text
    assert "this recommendation used version 1" in assessed.text


def test_a_refused_table_names_the_row_and_keeps_the_input(
    client: TestClient, session: Session
) -> None:
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    page = client.get("/placement/rules/edit")
    form = form_of(page.text)
    d5 = row_index(page.text, "FLOOR-D5-PHP")
    form[f"r{d5}-when"] = "d5 >= 3\nd9 >= 1"
    new = int(form["row_count"]) - 1
    form.update(
        {f"r{new}-id": "SVC-NEW", f"r{new}-looks_at": "age", f"r{new}-action": "add service"}
    )
    form.update({f"r{new}-drives": "peer support", f"r{new}-sentence": "Age {value}"})
    refused = client.post("/placement/rules/edit", data={**form, "note": "typo"})
    assert refused.status_code == 422
    assert "rule FLOOR-D5-PHP:" in refused.text
    assert "unknown fact &#39;d9&#39;" in refused.text
    assert "d5 &gt;= 3\nd9 &gt;= 1</textarea>" in refused.text
    assert 'value="SVC-NEW"' in refused.text
    assert "typo</textarea>" in refused.text
    assert rule_store.active(session).version == 0


def test_clinicians_read_but_may_not_change_the_rules(client: TestClient, session: Session) -> None:
    clinician = make_user(session, role=Role.CLINICIAN)
    session.commit()
    sign_in(client, clinician.username)
    page = client.get("/placement/rules")
    assert page.status_code == 200
    assert "In force: version 0 (built-in)" in page.text
    assert "/placement/rules/edit" not in page.text
    assert client.get("/placement/rules/edit").status_code == 403
    token = csrf_from(page.text)
    posted = client.post("/placement/rules/edit", data={"csrf_token": token, "note": "x"})
    assert posted.status_code == 403


def test_director_reverts_from_the_history(client: TestClient, session: Session) -> None:
    director = make_user(session, role=Role.DIRECTOR)
    rows = [rule_store.row_of(r) for r in DEFAULT_RULES if r.id != "SVC-HOUSING"]
    rule_store.publish(session, actor=SYSTEM, rows=rows, note="no housing row")
    session.commit()
    sign_in(client, director.username)
    page = client.get("/placement/rules")
    assert "SVC-HOUSING" not in page.text
    reverted = client.post(
        "/placement/rules/revert",
        data={"csrf_token": csrf_from(page.text), "version": "0", "note": "housing back"},
    )
    assert "Rule table version 2 is now in force." in reverted.text
    assert "SVC-HOUSING" in reverted.text


def _headers(session: Session, role: Role) -> dict[str, str]:
    person = make_user(session, role=role)
    secret, _ = security_service.create_api_token(
        session, actor=SYSTEM, username=person.username, name="t"
    )
    return {"Authorization": f"Bearer {secret}"}


def test_rules_over_the_api(client: TestClient, session: Session) -> None:
    director = _headers(session, Role.DIRECTOR)
    reviewer = _headers(session, Role.UTILIZATION_REVIEW)
    session.commit()
    current = client.get("/api/v1/placement/rules", headers=reviewer)
    assert current.status_code == 200
    body = current.json()
    assert body["version"] == 0
    assert len(body["rows"]) == len(DEFAULT_RULES)
    rows = [row for row in body["rows"] if row["id"] != "SVC-HOUSING"]
    refused_role = client.post(
        "/api/v1/placement/rules", json={"rows": rows, "note": "x"}, headers=reviewer
    )
    assert refused_role.status_code == 403
    broken = [{**row, "then": None} if row["id"] == "REF-D1-DETOX" else row for row in rows]
    refused = client.post(
        "/api/v1/placement/rules", json={"rows": broken, "note": "oops"}, headers=director
    )
    assert refused.status_code == 422
    assert "rule REF-D1-DETOX" in refused.text
    created = client.post(
        "/api/v1/placement/rules", json={"rows": rows, "note": "no housing"}, headers=director
    )
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1
    assert created.json()["note"] == "no housing"
    assert created.json()["created_by"].startswith("Test ")
    assert client.get("/api/v1/placement/rules", headers=reviewer).json()["version"] == 1
