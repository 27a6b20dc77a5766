"""Group notes in the browser's terms (form, sign, chart tab, a client's own page) and
through the JSON API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.clients import service as clients_service
from stepdown.group_notes.models import GroupNote, NoteStatus
from stepdown.security import accounts
from stepdown.security import service as security_service
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.factories import PASSWORD, SYSTEM, csrf_from, make_user, sign_in
from tests.group_notes.helpers import Group, make_group

ALICE_LINE = "Named two weekend triggers and a plan for each."
BOB_LINE = "Shared a recent craving and how a call to a sponsor helped."


def _form(group: Group, token: str, action: str, **shared: str) -> dict[str, str]:
    a, b = group.alice.id, group.bob.id
    return {
        "csrf_token": token,
        "action": action,
        "secret": PASSWORD if action == "sign" else "",
        "topic": "Relapse prevention",
        "content": "The HALT check, and planning for weekends.",
        "dynamics": "Supportive; members gave each other feedback.",
        f"participation-{a}": "active",
        f"progress-{a}": ALICE_LINE,
        f"objective-{a}": "",
        f"participation-{b}": "minimal",
        f"progress-{b}": BOB_LINE,
        f"objective-{b}": "",
    } | shared


def test_the_leader_writes_signs_and_the_chart_shows_only_the_own_line(
    client: TestClient, session: Session
) -> None:
    group = make_group(session)
    director = make_user(session, role=Role.DIRECTOR, site=group.site)
    session.commit()
    sign_in(client, group.leader.username)
    url = f"/group-notes/occurrences/{group.occurrence.id}"
    listing = client.get("/group-notes")
    assert f'href="{url}"' in listing.text
    assert "not started" in listing.text

    page = client.get(url)
    assert page.status_code == 200
    assert 'name="topic" required maxlength="120" value="Cognitive behavioral therapy"' in page.text
    for person in (group.alice, group.bob):
        assert f'name="progress-{person.id}"' in page.text
    assert f'name="progress-{group.carla.id}"' not in page.text
    assert "1 absent" in page.text

    token = csrf_from(page.text)
    draft = client.post(url, data=_form(group, token, "draft"), follow_redirects=False)
    assert draft.status_code == 303
    assert "Draft saved" in client.get(url).text
    signed = client.post(url, data=_form(group, token, "sign"), follow_redirects=False)
    assert signed.status_code == 303
    after = client.get(url)
    assert "filed in 2 chart(s)" in after.text
    assert "can no longer be changed" in after.text
    assert 'name="action" value="sign"' not in after.text

    client.post("/sign-out", data={"csrf_token": csrf_from(after.text)})
    sign_in(client, director.username)
    chart = client.get(f"/clients/{group.alice.id}?tab=group_notes")
    assert chart.status_code == 200
    assert ALICE_LINE in chart.text
    assert "The HALT check" in chart.text
    for other in (BOB_LINE, "Robert", "Stone", "Bobby", "Carla", "Reyes"):
        assert other not in chart.text


def test_a_name_in_the_shared_text_is_refused_with_the_field_named(
    client: TestClient, session: Session
) -> None:
    group = make_group(session)
    session.commit()
    sign_in(client, group.leader.username)
    url = f"/group-notes/occurrences/{group.occurrence.id}"
    token = csrf_from(client.get(url).text)
    refused = client.post(url, data=_form(group, token, "sign", dynamics="Bobby led the check-in"))
    assert refused.status_code == 409
    assert 'id="err-dynamics" role="alert"' in refused.text
    assert "names a group member" in refused.text
    assert "Bobby led the check-in" in refused.text  # the leader's text is kept
    assert ALICE_LINE in refused.text
    assert session.scalar(select(func.count()).select_from(GroupNote)) == 0

    incomplete = client.post(
        url, data=_form(group, token, "sign", **{f"progress-{group.bob.id}": ""})
    )
    assert incomplete.status_code == 409
    assert f'id="err-progress-{group.bob.id}" role="alert"' in incomplete.text
    assert session.scalar(select(func.count()).select_from(GroupNote)) == 0


def test_before_attendance_the_page_points_to_the_roster(
    client: TestClient, session: Session
) -> None:
    group = make_group(session, attendance=False)
    colleague = group.colleague
    session.commit()
    sign_in(client, group.leader.username)
    page = client.get(f"/group-notes/occurrences/{group.occurrence.id}")
    assert page.status_code == 409
    assert "take attendance first" in page.text
    assert f'href="/attendance/occurrences/{group.occurrence.id}"' in page.text
    client.post("/sign-out", data={"csrf_token": csrf_from(page.text)})
    sign_in(client, colleague.username)
    assert client.get(f"/group-notes/occurrences/{group.occurrence.id}").status_code == 403


def test_the_api_and_a_clients_own_page(client: TestClient, session: Session) -> None:
    group = make_group(session)
    portal = make_user(session, role=Role.CLIENT, site=group.site)
    clients_service.link_portal_account(session, actor=SYSTEM, client=group.bob, user_id=portal.id)
    session.commit()
    sign_in(client, group.leader.username)
    token = csrf_from(client.get("/group-notes").text)
    headers = {"X-CSRF-Token": token}
    api = f"/api/v1/group-notes/occurrences/{group.occurrence.id}"
    view = client.get(api).json()
    assert view["status"] is None
    assert [line["display_name"] for line in view["lines"]] == ["Bobby Stone", "Alice Walker"]
    body = {
        "topic": "Relapse prevention",
        "content": "The HALT check.",
        "dynamics": "",
        "lines": [
            {"client_id": str(group.alice.id), "participation": "active", "progress": ALICE_LINE},
            {"client_id": str(group.bob.id), "participation": "none", "progress": BOB_LINE},
        ],
    }
    saved = client.put(api, json=body, headers=headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["status"] == "draft"
    named = client.put(api, json=body | {"content": "Alice spoke first"}, headers=headers)
    assert named.status_code == 409
    assert (named.json()["field"], named.json()["rule"]) == ("content", "group_note.names_member")
    wrong = client.post(f"{api}/sign", json={"secret": "not my password"}, headers=headers)
    assert wrong.status_code == 422
    assert wrong.json()["field"] == "secret"
    assert client.get(api).json()["status"] == "draft"
    assert client.post(f"{api}/sign", json={}, headers=headers).json()["field"] == "secret"
    signed = client.post(f"{api}/sign", json={"secret": PASSWORD}, headers=headers)
    assert signed.json()["status"] == "signed"
    (signature,) = signed.json()["signatures"]
    assert (signature["meaning"], signature["method"], signature["intact"]) == (
        "author",
        "password",
        True,
    )
    assert client.put(api, json=body, headers=headers).json()["rule"] == "group_note.signed"
    assert client.get(f"/api/v1/clients/{group.alice.id}/group-notes").status_code == 200

    client.post("/sign-out", data={"csrf_token": token})
    sign_in(client, portal.username)
    mine = client.get("/my-group-notes")
    assert mine.status_code == 200
    assert BOB_LINE in mine.text
    assert ALICE_LINE not in mine.text
    assert "Alice" not in mine.text
    (entry,) = client.get(f"/api/v1/clients/{group.bob.id}/group-notes").json()
    assert set(entry) == {
        "day",
        "start",
        "end",
        "topic",
        "content",
        "dynamics",
        "leader",
        "participation",
        "progress",
        "objective",
        "signed_at",
        "signed_by",
        "awaiting_cosignature",
        "cosigned_by",
    }
    assert client.get(f"/api/v1/clients/{group.alice.id}/group-notes").status_code == 404


def test_the_list_names_site_leader_topic_and_why_a_note_cannot_start(
    client: TestClient, session: Session
) -> None:
    waiting = make_group(session, attendance=False)
    ready = make_group(session)
    director = make_user(session, role=Role.DIRECTOR)
    session.commit()
    sign_in(client, director.username)
    listing = client.get("/group-notes").text
    rows = {
        occurrence.id: listing.split(f"/group-notes/occurrences/{occurrence.id}")[1].split("</tr>")[
            0
        ]
        for occurrence in (waiting.occurrence, ready.occurrence)
    }
    assert "take attendance first: 3 of 3 not recorded" in rows[waiting.occurrence.id]
    assert f'href="/attendance/occurrences/{waiting.occurrence.id}"' in rows[waiting.occurrence.id]
    assert "take attendance first" not in rows[ready.occurrence.id]
    assert "Cognitive behavioral therapy" in rows[ready.occurrence.id]
    assert ready.leader.display_name in rows[ready.occurrence.id]
    assert f"<td>{ready.site.code}</td>" in listing


def test_a_wrong_password_re_renders_the_form_and_signs_nothing(
    client: TestClient, session: Session
) -> None:
    group = make_group(session)
    session.commit()
    sign_in(client, group.leader.username)
    url = f"/group-notes/occurrences/{group.occurrence.id}"
    page = client.get(url)
    assert 'name="secret" autocomplete="current-password"' in page.text
    token = csrf_from(page.text)
    refused = client.post(url, data=_form(group, token, "sign", secret="my-wrong-password-123"))
    assert refused.status_code == 422
    assert 'id="err-secret" role="alert"' in refused.text
    assert "nothing was signed" in refused.text
    assert ALICE_LINE in refused.text  # the leader's text is kept
    assert "my-wrong-password-123" not in refused.text  # the secret never is
    assert session.scalar(select(func.count()).select_from(GroupNote)) == 0


def _supervised(session: Session) -> tuple[Group, User]:
    group = make_group(session)
    supervisor = make_user(session, role=Role.CLINICIAN, site=group.site)
    admin = make_user(session, role=Role.ADMIN)
    leader = group.leader
    accounts.update_account(
        session,
        actor=security_service.actor_for(admin),
        username=leader.username,
        change=accounts.AccountChange(
            display_name=leader.display_name,
            email=leader.email,
            role=leader.role,
            site_id=leader.site_id,
            supervisor_id=supervisor.id,
            cosign_notes=True,
        ),
    )
    return group, supervisor


def test_a_supervisor_cosigns_a_supervised_leaders_note_in_the_browser(
    client: TestClient, session: Session
) -> None:
    group, supervisor = _supervised(session)
    session.commit()
    sign_in(client, group.leader.username)
    url = f"/group-notes/occurrences/{group.occurrence.id}"
    token = csrf_from(client.get(url).text)
    signed = client.post(url, data=_form(group, token, "sign"))
    assert signed.status_code == 200
    assert "waits for your supervisor&#39;s co-signature" in signed.text
    assert "awaiting co-signature" in signed.text
    assert f"by {supervisor.display_name}" in signed.text
    assert 'action="' + url + '/cosign"' not in signed.text  # the author does not co-sign
    client.post("/sign-out", data={"csrf_token": token})

    sign_in(client, supervisor.username)
    listing = client.get("/group-notes")
    assert "1 group note of staff you supervise waits for your co-signature" in listing.text
    queue = client.get("/group-notes/awaiting-cosignature")
    assert queue.status_code == 200
    assert f'href="{url}"' in queue.text
    assert group.leader.display_name in queue.text
    for name in ("Alice", "Walker", "Robert", "Bobby"):
        assert name not in queue.text
    page = client.get(url)
    assert page.status_code == 200
    assert f'action="{url}/cosign"' in page.text
    assert ALICE_LINE in page.text
    token = csrf_from(page.text)
    wrong = client.post(f"{url}/cosign", data={"csrf_token": token, "secret": "nope nope"})
    assert wrong.status_code == 422
    assert 'id="err-secret" role="alert"' in wrong.text
    done = client.post(
        f"{url}/cosign", data={"csrf_token": token, "secret": PASSWORD}, follow_redirects=False
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/group-notes/awaiting-cosignature"
    after = client.get("/group-notes/awaiting-cosignature")
    assert "Co-signed: the note is final." in after.text
    assert "No group notes wait for your co-signature." in after.text
    session.expire_all()
    note = session.scalars(select(GroupNote)).one()
    assert note.status is NoteStatus.SIGNED


def test_the_cosignature_through_the_api(client: TestClient, session: Session) -> None:
    group, supervisor = _supervised(session)
    stranger = make_user(session, role=Role.CLINICIAN, site=group.site)
    session.commit()
    sign_in(client, group.leader.username)
    token = csrf_from(client.get("/group-notes").text)
    headers = {"X-CSRF-Token": token}
    api = f"/api/v1/group-notes/occurrences/{group.occurrence.id}"
    url = f"/group-notes/occurrences/{group.occurrence.id}"
    client.post(url, data=_form(group, token, "draft"))
    signed = client.post(f"{api}/sign", json={"secret": PASSWORD}, headers=headers).json()
    assert (signed["status"], signed["cosigner"]) == (
        "awaiting_cosignature",
        supervisor.display_name,
    )
    refused = client.post(f"{api}/cosign", json={"secret": PASSWORD}, headers=headers)
    assert refused.status_code == 403
    client.post("/sign-out", data={"csrf_token": token})

    sign_in(client, stranger.username)
    token = csrf_from(client.get("/group-notes").text)
    headers = {"X-CSRF-Token": token}
    assert client.get("/api/v1/group-notes/awaiting-cosignature").json() == []
    assert client.get(api).status_code == 403
    assert (
        client.post(f"{api}/cosign", json={"secret": PASSWORD}, headers=headers).status_code == 403
    )
    client.post("/sign-out", data={"csrf_token": token})

    sign_in(client, supervisor.username)
    token = csrf_from(client.get("/group-notes").text)
    headers = {"X-CSRF-Token": token}
    (row,) = client.get("/api/v1/group-notes/awaiting-cosignature").json()
    assert (row["kind"], row["url"], row["author"]) == (
        "group_note",
        url,
        group.leader.display_name,
    )
    wrong = client.post(f"{api}/cosign", json={"secret": "not it at all"}, headers=headers)
    assert (wrong.status_code, wrong.json()["field"]) == (422, "secret")
    done = client.post(f"{api}/cosign", json={"secret": PASSWORD}, headers=headers)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "signed"
    assert [(s["meaning"], s["intact"]) for s in body["signatures"]] == [
        ("author", True),
        ("cosigner", True),
    ]
    assert client.get("/api/v1/group-notes/awaiting-cosignature").json() == []
    again = client.post(f"{api}/cosign", json={"secret": PASSWORD}, headers=headers)
    assert again.status_code == 409
    assert again.json()["rule"] == "group_note.not_awaiting_cosignature"
    assert client.get(api).status_code == 200  # they still read what they co-signed
