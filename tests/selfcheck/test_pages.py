"""The public self-check through a browser's eyes: nothing stored until a consultation is
asked for, then exactly one web-form inquiry; robots, floods and forged answers get nowhere."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Protocol

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.audit.models import AuditAction, AuditEntry
from stepdown.inquiries.models import Inquiry
from stepdown.inquiries.rules import CallerType, InquirySource, Urgency
from stepdown.security import tokens
from stepdown.security.roles import Role
from stepdown.selfcheck import pages, rules, service
from stepdown.settings import Settings
from tests.factories import csrf_from, make_site, make_user, sign_in
from tests.selfcheck import IOP_WORKING, OP_AFTER_IOP

HIDDEN = re.compile(r'<input type="hidden" name="(answers|signature)" value="([^"]+)"')
CONTACT = {
    "name": "Robin",
    "phone": "617-555-0142",
    "email": "",
    "best_time": "Weekdays after 5 pm",
    "consent_to_contact": "on",
}


class Response(Protocol):
    """What these tests read from a response, whichever httpx the test client uses."""

    @property
    def status_code(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str]: ...


def _counts(session: Session) -> tuple[int, int]:
    inquiries = session.scalar(select(func.count()).select_from(Inquiry))
    audits = session.scalar(select(func.count()).select_from(AuditEntry))
    return inquiries or 0, audits or 0


def _one_h1(html: str) -> None:
    assert html.count("<h1") == 1


def _every_input_labelled(html: str) -> None:
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if 'type="hidden"' in tag:
            continue
        found = re.search(r'id="([^"]+)"', tag)
        assert found, tag
        assert f'for="{found.group(1)}"' in html, tag


def _take(client: TestClient, answers: dict[str, str]) -> Response:
    form = client.get("/self-check")
    return client.post("/self-check/result", data={"csrf_token": csrf_from(form.text), **answers})


def _hidden(html: str) -> dict[str, str]:
    return dict(HIDDEN.findall(html))


def _consult(client: TestClient, result: Response, **overrides: str | list[str]) -> Response:
    data: dict[str, str | list[str]] = {
        "csrf_token": csrf_from(result.text),
        **_hidden(result.text),
        **CONTACT,
    }
    data.update(overrides)
    return client.post("/self-check/consultation", data=data, follow_redirects=False)


class TestQuestionnaire:
    def test_is_public_plain_and_labelled(self, client: TestClient) -> None:
        page = client.get("/self-check")
        assert page.status_code == 200
        _one_h1(page.text)
        _every_input_labelled(page.text)
        assert page.text.count('<fieldset class="question"') == len(rules.QUESTIONS)
        assert "This is not a diagnosis." in page.text
        assert 'aria-label="Main"' not in page.text
        assert 'name="csrf_token"' in page.text

    def test_staff_signed_in_still_see_no_menu(self, client: TestClient, session: Session) -> None:
        user = make_user(session, role=Role.ADMISSIONS)
        session.commit()
        sign_in(client, user.username)
        page = client.get("/self-check")
        assert 'aria-label="Main"' not in page.text
        assert user.username not in page.text

    def test_unanswered_questions_are_named(self, client: TestClient, session: Session) -> None:
        partial = {k: v for k, v in IOP_WORKING.items() if k not in ("home", "support")}
        page = _take(client, partial)
        assert page.status_code == 422
        _one_h1(page.text)
        assert '<p class="field-error" id="e-home">Please choose an answer.</p>' in page.text
        assert 'aria-describedby="e-support"' in page.text
        assert 'value="weekly" required checked' in page.text  # answers given are kept
        assert _counts(session) == (0, 0)

    def test_sign_in_page_links_to_it(self, client: TestClient) -> None:
        assert 'href="/self-check">Not sure which program fits?' in client.get("/sign-in").text


class TestResult:
    def test_suggests_a_level_and_stores_nothing(
        self, client: TestClient, session: Session
    ) -> None:
        before = _counts(session)
        page = _take(client, IOP_WORKING)
        assert page.status_code == 200
        _one_h1(page.text)
        _every_input_labelled(page.text)
        assert "A program to ask about: Intensive outpatient (IOP), day or evening" in page.text
        assert rules.DAY_OR_EVENING in page.text
        assert "This is not a diagnosis." in page.text
        assert "Your safety comes first" not in page.text
        assert set(_hidden(page.text)) == {"answers", "signature"}
        assert _counts(session) == before

    def test_danger_guidance_comes_before_anything_else(self, client: TestClient) -> None:
        page = _take(
            client,
            {**OP_AFTER_IOP, "self_harm": "yes", "overdose": "yes", "withdrawal": "severe"},
        ).text
        safety = page.index("Your safety comes first")
        assert safety < page.index("This is not a diagnosis.")
        assert safety < page.index("Our suggestion: talk to us first")
        guidance = page[safety : page.index("This is not a diagnosis.")]
        assert 'call <a href="tel:911">911</a>' in guidance
        assert 'call or text <a href="tel:988">988</a></strong> to reach the 988 Suicide' in (
            guidance
        )
        assert "withdrawal from alcohol or from benzodiazepines" in guidance.lower()
        assert "naloxone" in guidance

    def test_only_the_matching_guidance_is_shown(self, client: TestClient) -> None:
        page = _take(client, {**IOP_WORKING, "withdrawal": "severe"}).text
        assert "Get medical care now" in page
        assert "thinking about ending your life" not in page
        assert "An overdose is a medical emergency" not in page


class TestConsultation:
    def test_creates_one_web_form_inquiry_audited_as_a_create(
        self, client: TestClient, session: Session
    ) -> None:
        site = make_site(session)
        session.commit()
        result = _take(client, {**IOP_WORKING, "overdose": "yes"})
        response = _consult(client, result, site_id=str(site.id), substances=["opioids", "alcohol"])
        assert response.status_code == 303
        assert response.headers["location"] == "/self-check/thanks"
        inquiries = list(session.scalars(select(Inquiry)))
        assert len(inquiries) == 1
        inquiry = inquiries[0]
        assert inquiry.source is InquirySource.WEB_FORM
        assert inquiry.caller_type is CallerType.SELF
        assert inquiry.urgency is Urgency.URGENT
        assert (inquiry.first_name, inquiry.phone) == ("Robin", "617-555-0142")
        assert inquiry.preferred_contact_time == "Weekdays after 5 pm"
        assert inquiry.consent_to_contact
        assert inquiry.substances == ["alcohol", "opioids"]
        assert inquiry.site_id == site.id
        assert inquiry.assigned_to_id is None
        assert "suggested asking about: Talk to us first." in inquiry.notes
        assert "an overdose in the past three months" in inquiry.notes
        entry = session.scalar(
            select(AuditEntry).where(
                AuditEntry.entity_id == str(inquiry.id), AuditEntry.action == AuditAction.CREATE
            )
        )
        assert entry is not None
        assert entry.actor_label == "public:self-check"
        assert entry.actor_role == Role.SYSTEM.value

    def test_routine_answers_give_a_routine_inquiry_without_a_site(
        self, client: TestClient, session: Session
    ) -> None:
        _consult(client, _take(client, OP_AFTER_IOP), phone="", email="robin@example.org")
        inquiry = session.scalars(select(Inquiry)).one()
        assert inquiry.urgency is Urgency.ROUTINE
        assert inquiry.site_id is None
        assert inquiry.email == "robin@example.org"
        assert inquiry.notes.startswith("Web self-check suggested asking about: Outpatient (OP).")

    def test_sending_the_same_result_twice_makes_one_inquiry(
        self, client: TestClient, session: Session
    ) -> None:
        result = _take(client, IOP_WORKING)
        assert _consult(client, result).status_code == 303
        assert _consult(client, result).status_code == 303
        assert _counts(session)[0] == 1

    def test_thank_you_page_repeats_the_crisis_numbers(self, client: TestClient) -> None:
        page = client.get("/self-check/thanks")
        assert page.status_code == 200
        _one_h1(page.text)
        assert "If you are in danger now, call" in page.text
        assert 'href="tel:988"' in page.text

    def test_missing_consent_names_the_field_and_stores_nothing(
        self, client: TestClient, session: Session
    ) -> None:
        result = _take(client, IOP_WORKING)
        data = {**CONTACT}
        del data["consent_to_contact"]
        response = client.post(
            "/self-check/consultation",
            data={"csrf_token": csrf_from(result.text), **_hidden(result.text), **data},
        )
        assert response.status_code == 422
        _one_h1(response.text)
        assert '<p class="field-error" id="e-consent_to_contact">Consent to be contacted:' in (
            response.text
        )
        assert 'aria-invalid="true" aria-describedby="e-consent_to_contact"' in response.text
        assert 'value="Robin"' in response.text  # what they typed is kept
        assert "A program to ask about: Intensive outpatient (IOP)" in response.text
        assert _counts(session) == (0, 0)

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"phone": "", "email": ""}, "phone", "Give us a phone number or an email address"),
            ({"phone": "call me"}, "phone", "Enter a phone number of 7 to 15 digits"),
            ({"email": "robin@"}, "email", "Enter an email address like"),
            ({"name": " "}, "name", "Tell us a first name"),
            ({"name": "R" * 81}, "name", "at most 80 characters"),
            ({"best_time": "x" * 81}, "best_time", "at most 80 characters"),
            ({"site_id": "not-a-site"}, "site_id", "UUID"),
            ({"substances": ["glue"]}, "substances", "Input should be"),
        ],
    )
    def test_bad_contact_details_are_refused_at_their_field(
        self,
        client: TestClient,
        session: Session,
        overrides: dict[str, str],
        field: str,
        message: str,
    ) -> None:
        response = _consult(client, _take(client, IOP_WORKING), **overrides)
        assert response.status_code == 422
        error = re.search(rf'<p class="field-error" id="e-{field}">([^<]*)</p>', response.text)
        assert error, response.text
        assert message in error.group(1)
        assert _counts(session) == (0, 0)

    def test_an_unknown_site_is_refused(self, client: TestClient, session: Session) -> None:
        make_site(session)
        session.commit()
        response = _consult(
            client, _take(client, IOP_WORKING), site_id="00000000-0000-4000-8000-000000000000"
        )
        assert response.status_code == 422
        assert '<p class="field-error" id="e-site_id">Location: There is no site' in response.text
        assert _counts(session)[0] == 0


class TestAbuse:
    def test_a_filled_honeypot_looks_like_success_and_stores_nothing(
        self, client: TestClient, session: Session
    ) -> None:
        response = _consult(client, _take(client, IOP_WORKING), website="http://spam.example")
        assert response.status_code == 303
        assert response.headers["location"] == "/self-check/thanks"
        assert _counts(session) == (0, 0)

    def test_honeypot_is_hidden_from_people(self, client: TestClient) -> None:
        page = _take(client, IOP_WORKING).text
        trap = re.search(r'<div class="hp" aria-hidden="true">.*?</div>', page, re.S)
        assert trap
        assert 'tabindex="-1"' in trap.group(0)
        assert 'autocomplete="off"' in trap.group(0)

    def test_too_many_requests_from_one_address_get_a_phone_number(
        self, client: TestClient, session: Session
    ) -> None:
        make_site(session, name="Harbor Clinic", phone="617-555-0100")
        session.commit()
        result = _take(client, IOP_WORKING)
        for _ in range(pages.CONSULTATIONS_PER_WINDOW):
            assert _consult(client, result, website="bot").status_code == 303
        refused = _consult(client, result)
        assert refused.status_code == 429
        _one_h1(refused.text)
        assert "Harbor Clinic" in refused.text
        assert 'href="tel:617-555-0100"' in refused.text
        assert 0 < int(refused.headers["retry-after"]) <= 3601
        assert _counts(session) == (0, 0)

    @pytest.mark.parametrize(
        "forge",
        [
            lambda h: {**h, "answers": h["answers"].replace("self_harm=no", "self_harm=yes")},
            lambda h: {**h, "signature": "0" * 64},
            lambda h: {"answers": h["answers"]},
            lambda h: {},
        ],
        ids=["changed-answer", "wrong-signature", "no-signature", "nothing"],
    )
    def test_forged_answers_are_refused_and_nothing_is_stored(
        self,
        client: TestClient,
        session: Session,
        forge: Callable[[dict[str, str]], dict[str, str]],
    ) -> None:
        result = _take(client, IOP_WORKING)
        hidden = forge(_hidden(result.text))
        response = client.post(
            "/self-check/consultation",
            data={"csrf_token": csrf_from(result.text), **hidden, **CONTACT},
        )
        assert response.status_code == 400
        _one_h1(response.text)
        assert "These answers could not be checked" in response.text
        assert _counts(session) == (0, 0)

    def test_validly_signed_but_incomplete_answers_are_refused(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        """As after an upgrade that added a question while someone had the result open."""
        payload = f"{service.SEAL_VERSION}.nonce.self_harm=no"
        signature = tokens.sign(
            settings.effective_secret_key, f"stepdown.selfcheck.answers:{payload}"
        )
        result = _take(client, IOP_WORKING)
        response = client.post(
            "/self-check/consultation",
            data={
                "csrf_token": csrf_from(result.text),
                "answers": payload,
                "signature": signature,
                **CONTACT,
            },
        )
        assert response.status_code == 400
        assert _counts(session) == (0, 0)

    def test_posts_without_the_csrf_token_are_refused(
        self, client: TestClient, session: Session
    ) -> None:
        result = _take(client, IOP_WORKING)
        response = client.post("/self-check/consultation", data={**_hidden(result.text), **CONTACT})
        assert response.status_code == 403
        assert _counts(session) == (0, 0)
