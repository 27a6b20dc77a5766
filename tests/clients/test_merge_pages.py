"""A director merges a duplicate in three pages and undoes it from the merges list."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from stepdown.security.roles import Role
from tests.factories import csrf_from, make_client, make_site, make_user, sign_in


def test_merge_preview_confirm_and_undo(client: TestClient, session: Session) -> None:
    site = make_site(session)
    survivor = make_client(session, site=site, legal_first_name="Lee", legal_last_name="Park")
    duplicate = make_client(session, site=site, legal_first_name="Lee", legal_last_name="Parks")
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    chart = client.get(f"/clients/{duplicate.id}").text
    assert f'href="/clients/{duplicate.id}/merge"' in chart
    token = csrf_from(client.get(f"/clients/{duplicate.id}/merge").text)
    unknown = client.post(
        f"/clients/{duplicate.id}/merge",
        data={"csrf_token": token, "target": "C-NOPE", "reason": "same"},
    )
    assert unknown.status_code == 422
    assert "No client has that record number." in unknown.text
    form = {"csrf_token": token, "target": survivor.record_number, "reason": "registered twice"}
    preview = client.post(f"/clients/{duplicate.id}/merge", data=form)
    assert preview.status_code == 200
    assert f"Merge {duplicate.record_number} into {survivor.record_number}" in preview.text
    assert 'class="danger"' in preview.text
    done = client.post(
        f"/clients/{duplicate.id}/merge", data={**form, "confirmed": "yes"}, follow_redirects=False
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/clients/{survivor.id}"
    assert client.get(f"/clients/{duplicate.id}").status_code == 404
    assert (
        f"also <code>{duplicate.record_number}</code>" in client.get(f"/clients/{survivor.id}").text
    )
    listed = client.get("/clients/merges").text
    assert "registered twice" in listed
    merge_id = listed.split('action="/clients/merges/')[1].split("/undo")[0]
    ask = client.post(f"/clients/merges/{merge_id}/undo", data={"csrf_token": token})
    assert "Undo the merge" in ask.text
    undone = client.post(
        f"/clients/merges/{merge_id}/undo",
        data={"csrf_token": token, "confirmed": "yes"},
        follow_redirects=False,
    )
    assert undone.headers["location"] == f"/clients/{duplicate.id}"
    assert client.get(f"/clients/{duplicate.id}").status_code == 200


def test_only_the_director_may_merge(client: TestClient, session: Session) -> None:
    site = make_site(session)
    record = make_client(session, site=site)
    staff = make_user(session, role=Role.ADMISSIONS, site=site)
    session.commit()
    sign_in(client, staff.username)
    assert client.get(f"/clients/{record.id}/merge").status_code == 403
    assert client.get("/clients/merges").status_code == 403
    assert "/merge" not in client.get(f"/clients/{record.id}").text
