"""An invitation link e-mailed to the client, where mail is configured: it says only the
program's name and the link, and a refused send leaves the link on screen."""

from __future__ import annotations

import email
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from stepdown.aftercare.mail import CLINICAL_WORDS
from stepdown.app import create_app
from stepdown.security.roles import Role
from stepdown.settings import Settings
from tests.factories import csrf_from, make_client, make_site, make_user, sign_in


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def mailing(
    settings: Settings, session_factory: sessionmaker[Session], outbox: Path
) -> Iterator[TestClient]:
    configured = settings.model_copy(
        update={"smtp_from": "portal@example.org", "mail_outbox": outbox}
    )
    app = create_app(configured, session_factory=session_factory)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        yield client


def test_the_link_is_emailed_without_clinical_words(
    mailing: TestClient, session: Session, outbox: Path
) -> None:
    site = make_site(session)
    record = make_client(session, site=site, email="client@example.org")
    staff = make_user(session, role=Role.ADMISSIONS, site=site)
    session.commit()
    sign_in(mailing, staff.username)
    chart = mailing.get(f"/clients/{record.id}").text
    assert "Also e-mail it to client@example.org" in chart
    made = mailing.post(
        f"/clients/{record.id}/portal-invitation",
        data={"csrf_token": csrf_from(chart), "email": "yes"},
    )
    assert made.status_code == 200
    assert "The link was e-mailed to client@example.org." in made.text
    files = list(outbox.glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes())
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert message["To"] == "client@example.org"
    link = made.text.split('<code class="password-once">')[1].split("</code>")[0]
    assert link in body
    text = (str(message["Subject"]) + body).lower()
    assert not [w for w in CLINICAL_WORDS if w in text]
    assert record.legal_last_name.lower() not in text


def test_without_an_address_the_link_is_shown_and_the_page_says_why(
    mailing: TestClient, session: Session, outbox: Path
) -> None:
    site = make_site(session)
    record = make_client(session, site=site, email="")
    staff = make_user(session, role=Role.ADMISSIONS, site=site)
    session.commit()
    sign_in(mailing, staff.username)
    token = csrf_from(mailing.get(f"/clients/{record.id}").text)
    made = mailing.post(
        f"/clients/{record.id}/portal-invitation", data={"csrf_token": token, "email": "yes"}
    )
    assert made.status_code == 200
    assert "Not e-mailed: the record has no e-mail address" in made.text
    assert "/invitation/" in made.text
    assert not outbox.exists()


def test_no_mail_option_where_mail_is_not_configured(client: TestClient, session: Session) -> None:
    site = make_site(session)
    record = make_client(session, site=site, email="client@example.org")
    staff = make_user(session, role=Role.ADMISSIONS, site=site)
    session.commit()
    sign_in(client, staff.username)
    assert "Also e-mail it" not in client.get(f"/clients/{record.id}").text
