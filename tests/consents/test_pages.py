"""The Consents chart tab, the client's consents in the portal and the consent rules page,
as each role sees them: refused forms come back 4xx with the field named and nothing
saved, a client reaches only their own consents, and every form needs its CSRF token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stepdown.consents import pages
from stepdown.consents import settings as consent_settings
from stepdown.consents.models import (
    ClientContact,
    Consent,
    ConsentKind,
    MinorConsentRule,
    NoticeAcknowledgement,
    SignatureMethod,
)
from stepdown.consents.program_rules import set_rules
from stepdown.kit.clock import today
from stepdown.programs.models import Site
from stepdown.security.models import User
from stepdown.security.roles import Role
from tests.disclosures.factories import Released, released
from tests.factories import SYSTEM, csrf_from, make_client, make_user, sign_in


@dataclass
class World(Released):
    account: User | None = None

    @property
    def tab(self) -> str:
        return f"/clients/{self.client.id}?tab=consents"

    def signed_in(self, web: TestClient, user: User | None = None) -> str:
        """Sign in (the clinician by default); the CSRF token of the page they land on."""
        self.session.commit()
        user = user or self.clinician
        sign_in(web, user.username)
        return csrf_from(web.get("/").text)


@pytest.fixture
def world(session: Session) -> World:
    base = released(session)
    account = make_user(session, role=Role.CLIENT)
    base.client.portal_user_id = account.id
    session.flush()
    return World(base.session, base.clinician, base.client, base.officer, account=account)


def _count(session: Session, model: type[Consent] | type[NoticeAcknowledgement]) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def _site_of(world: World) -> Site:
    site = world.session.get(Site, world.client.site_id)
    assert site is not None
    return site


def _day(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


def _in_person(world: World, token: str, **changes: object) -> dict[str, object]:
    """A complete consent to the probation officer, as the tab's form posts it."""
    data: dict[str, object] = {
        "csrf_token": token,
        "kind": "specific",
        "disclosers": "Stepdown test program",
        "information": ["attendance", "drug_tests"],
        "information_description": "whether I attend and my test results",
        "recipients": [str(world.officer.recipient_id)],
        "purposes": ["court_supervision"],
        "purpose_description": "my probation",
        "expires_on": _day(180),
        "expiry_event": "",
        "client_signature": "Given Family",
        "signed_on": _day(0),
    }
    data.update(changes)
    return data


class TestTheTab:
    def test_staff_see_the_notice_contacts_consents_and_forms(
        self, client: TestClient, world: World
    ) -> None:
        consent = world.consent()
        world.signed_in(client)
        page = client.get(world.tab)
        assert page.status_code == 200
        text = page.text
        assert f'href="{world.tab}" aria-current="page">Consents</a>' in text
        assert "Privacy notice (42 CFR 2.22)" in text
        assert "Record acknowledgement" in text
        assert "42 U.S.C. 290dd-2" in text
        assert "Secretary of Health and Human Services" in text
        assert "Pat Officer" in text
        assert "Probation officer" in text
        assert f'href="/consents/{consent.id}.pdf"' in text
        assert '<span class="tag">Active</span>' in text
        assert "Record a consent signed in person" in text
        assert f'value="{world.officer.recipient_id}"' in text  # offered as a recipient

    def test_a_reviewer_reads_without_the_forms(self, client: TestClient, world: World) -> None:
        world.consent()
        reviewer = make_user(world.session, role=Role.UTILIZATION_REVIEW)
        world.signed_in(client, reviewer)
        page = client.get(world.tab)
        assert page.status_code == 200
        assert "Pat Officer" in page.text
        assert "Record a consent signed in person" not in page.text
        assert "Record acknowledgement" not in page.text
        assert ">Revoke<" not in page.text

    def test_a_role_without_read_is_not_offered_the_tab(
        self, client: TestClient, world: World
    ) -> None:
        admin = make_user(world.session, role=Role.ADMIN)
        world.signed_in(client, admin)
        page = client.get(world.tab)
        assert page.status_code == 200  # the chart's overview instead
        assert "?tab=consents" not in page.text
        assert "Pat Officer" not in page.text
        refused = client.post(
            f"/clients/{world.client.id}/consents/notice",
            data={"csrf_token": csrf_from(page.text)},
        )
        assert refused.status_code == 403
        assert client.get(f"/consents/{world.consent().id}.pdf").status_code == 403


class TestRecordingInPerson:
    def test_a_consent_signed_in_person_is_recorded_and_attested(
        self, client: TestClient, world: World
    ) -> None:
        token = world.signed_in(client)
        posted = client.post(
            f"/clients/{world.client.id}/consents",
            data=_in_person(world, token),
            follow_redirects=False,
        )
        assert posted.status_code == 303, posted.text
        assert posted.headers["location"] == world.tab
        saved = world.session.scalars(select(Consent)).one()
        assert saved.kind is ConsentKind.SPECIFIC
        assert saved.signature_method is SignatureMethod.IN_PERSON
        assert saved.attested_by_id == world.clinician.id
        assert saved.information == ["attendance", "drug_tests"]
        page = client.get(world.tab)
        assert "Consent recorded: specific disclosure" in page.text
        assert "Attendance, schedule and level of care; Drug test results" in page.text

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"purposes": []}, "purposes"),
            ({"client_signature": ""}, "client_signature"),
            ({"recipients": []}, "recipients"),
            ({"expires_on": ""}, "expires_on"),
            ({"information": ["attendance", "counseling_notes"]}, "information"),
            ({"recipient_classes": ["health_plans"]}, "recipients"),
            ({"signed_on": "31/12/2020"}, "signed_on"),
            ({"signed_on": _day(3)}, "signed_on"),
            ({"kind": "blanket"}, "kind"),
            ({"recipients": ["not-an-id"]}, "recipients"),
            ({"client_signature": "x" * 171}, "client_signature"),
            ({"expiry_event": "y" * 201}, "expiry_event"),
            ({"purpose_description": "z" * 2001}, "purpose_description"),
        ],
    )
    def test_a_missing_or_wrong_element_comes_back_named(
        self, client: TestClient, world: World, changes: dict[str, object], field: str
    ) -> None:
        token = world.signed_in(client)
        refused = client.post(
            f"/clients/{world.client.id}/consents", data=_in_person(world, token, **changes)
        )
        assert refused.status_code == 422, refused.text
        assert f'id="e-rc-{field}"' in refused.text
        assert 'id="form-error"' in refused.text
        assert "whether I attend and my test results" in refused.text  # what was typed is kept
        assert 'value="attendance" checked' in refused.text
        assert _count(world.session, Consent) == 0

    def test_a_minor_under_the_guardian_rule_needs_the_guardian(
        self, client: TestClient, world: World
    ) -> None:
        minor = make_client(
            world.session,
            site=_site_of(world),
            clinician=world.clinician,
            date_of_birth=today().replace(year=today().year - 15),
        )
        token = world.signed_in(client)
        tab = f"/clients/{minor.id}?tab=consents"
        assert 'name="guardian_signature"' in client.get(tab).text
        added = client.post(
            f"/clients/{minor.id}/contacts",
            data={
                "csrf_token": token,
                "name": "Dana Parent",
                "relationship": "parent",
                "is_legal_guardian": "yes",
            },
            follow_redirects=False,
        )
        assert added.status_code == 303
        parent = world.session.scalars(
            select(ClientContact).where(ClientContact.client_id == minor.id)
        ).one()
        base = _in_person(
            world,
            token,
            recipients=[str(parent.recipient_id)],
            purposes=["family_involvement"],
            purpose_description="so my parent knows",
        )
        refused = client.post(f"/clients/{minor.id}/consents", data=base)
        assert refused.status_code == 422
        assert 'id="e-rc-guardian_signature"' in refused.text
        no_contact = client.post(
            f"/clients/{minor.id}/consents", data={**base, "guardian_signature": "Dana Parent"}
        )
        assert no_contact.status_code == 422
        assert 'id="e-rc-guardian_contact_id"' in no_contact.text
        signed = client.post(
            f"/clients/{minor.id}/consents",
            data={**base, "guardian_signature": "Dana Parent", "guardian_contact_id": parent.id},
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text
        assert world.session.scalars(select(Consent)).one().guardian_contact_id == parent.id


class TestChangingAConsent:
    def test_staff_record_a_written_revocation(self, client: TestClient, world: World) -> None:
        consent = world.consent()
        token = world.signed_in(client)
        url = f"/clients/{world.client.id}/consents/{consent.id}/revoke"
        refused = client.post(url, data={"csrf_token": token, "note": ""})
        assert refused.status_code == 422
        assert f'id="e-rv{consent.id}-note"' in refused.text
        done = client.post(
            url,
            data={"csrf_token": token, "note": "signed revocation form"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        world.session.expire_all()
        revoked = world.session.get(Consent, consent.id)
        assert revoked is not None
        assert revoked.revoked_at is not None
        assert revoked.revocation_note == "signed revocation form"
        page = client.get(world.tab).text
        assert "was revoked on" in page
        assert f'/consents/{consent.id}/revoke"' not in page

    def test_a_consent_of_another_client_is_not_found_by_this_address(
        self, client: TestClient, world: World
    ) -> None:
        other = released(world.session)
        theirs = other.consent()
        director = make_user(world.session, role=Role.DIRECTOR)
        token = world.signed_in(client, director)
        refused = client.post(
            f"/clients/{world.client.id}/consents/{theirs.id}/revoke",
            data={"csrf_token": token, "note": "signed revocation form"},
        )
        assert refused.status_code == 404
        world.session.expire_all()
        assert world.session.get(Consent, theirs.id).revoked_at is None  # type: ignore[union-attr]

    def test_staff_record_the_expiry_event(self, client: TestClient, world: World) -> None:
        consent = world.consent()
        consent.expiry_event = "end of probation"
        world.session.flush()
        token = world.signed_in(client)
        page = client.get(world.tab).text
        assert "Record expiry event" in page
        url = f"/clients/{world.client.id}/consents/{consent.id}/expiry-event"
        refused = client.post(url, data={"csrf_token": token, "on": _day(1)})
        assert refused.status_code == 422
        assert f'id="e-ex{consent.id}-on"' in refused.text
        done = client.post(url, data={"csrf_token": token, "on": _day(0)}, follow_redirects=False)
        assert done.status_code == 303
        assert "expired with &#39;end of probation&#39;" in client.get(world.tab).text

    def test_the_consent_prints(self, client: TestClient, world: World) -> None:
        consent = world.consent()
        world.signed_in(client)
        printed = client.get(f"/consents/{consent.id}.pdf")
        assert printed.status_code == 200
        assert printed.headers["content-type"] == "application/pdf"
        assert printed.content.startswith(b"%PDF")


class TestContactsAndNotice:
    def test_staff_add_and_remove_a_contact(self, client: TestClient, world: World) -> None:
        token = world.signed_in(client)
        refused = client.post(
            f"/clients/{world.client.id}/contacts",
            data={"csrf_token": token, "name": "", "relationship": "sibling", "phone": "555"},
        )
        assert refused.status_code == 422
        assert 'id="e-ct-name"' in refused.text
        assert 'value="555"' in refused.text
        added = client.post(
            f"/clients/{world.client.id}/contacts",
            data={"csrf_token": token, "name": "Sam Sibling", "relationship": "sibling"},
            follow_redirects=False,
        )
        assert added.status_code == 303
        sam = world.session.scalars(
            select(ClientContact).where(ClientContact.name == "Sam Sibling")
        ).one()
        assert "Sam Sibling" in client.get(world.tab).text
        removed = client.post(
            f"/clients/{world.client.id}/contacts/{sam.id}/remove",
            data={"csrf_token": token},
            follow_redirects=False,
        )
        assert removed.status_code == 303
        world.session.expire_all()
        assert world.session.get(ClientContact, sam.id).removed_at is not None  # type: ignore[union-attr]

    def test_a_minor_who_consents_alone_refuses_a_parent(
        self, client: TestClient, world: World
    ) -> None:
        set_rules(
            world.session,
            actor=SYSTEM,
            minor_rule=MinorConsentRule.MINOR_ALONE,
            guardian_portal_access=False,
        )
        minor = make_client(
            world.session,
            site=_site_of(world),
            clinician=world.clinician,
            date_of_birth=today().replace(year=today().year - 16),
        )
        token = world.signed_in(client)
        client.post(
            f"/clients/{minor.id}/contacts",
            data={"csrf_token": token, "name": "Dana Parent", "relationship": "parent"},
        )
        parent = world.session.scalars(
            select(ClientContact).where(ClientContact.client_id == minor.id)
        ).one()
        page = client.get(f"/clients/{minor.id}?tab=consents").text
        assert "The minor refuses disclosure to them" in page
        done = client.post(
            f"/clients/{minor.id}/contacts/{parent.id}/refusal",
            data={"csrf_token": token, "refuses": "yes"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        world.session.expire_all()
        assert world.session.get(ClientContact, parent.id).minor_refuses_disclosure  # type: ignore[union-attr]

    def test_staff_record_the_notice_acknowledgement(
        self, client: TestClient, world: World
    ) -> None:
        token = world.signed_in(client)
        done = client.post(
            f"/clients/{world.client.id}/consents/notice",
            data={"csrf_token": token},
            follow_redirects=False,
        )
        assert done.status_code == 303
        ack = world.session.scalars(select(NoticeAcknowledgement)).one()
        assert ack.method is SignatureMethod.IN_PERSON
        page = client.get(world.tab).text
        assert "Acknowledged" in page
        assert "Record acknowledgement" not in page

    def test_a_form_without_its_csrf_token_saves_nothing(
        self, client: TestClient, world: World
    ) -> None:
        world.signed_in(client)
        for url, data in (
            (f"/clients/{world.client.id}/consents", _in_person(world, "not-the-token")),
            (f"/clients/{world.client.id}/consents/notice", {}),
        ):
            assert client.post(url, data=data).status_code == 403
        assert _count(world.session, Consent) == 0
        assert _count(world.session, NoticeAcknowledgement) == 0


class TestThePortal:
    def _sign(self, client: TestClient, world: World, **changes: object) -> Response:
        assert world.account is not None
        world.signed_in(client, world.account)
        form = client.get(pages.PORTAL_NEW)
        assert form.status_code == 200
        assert "Sign a consent" in form.text
        data: dict[str, object] = {
            "csrf_token": csrf_from(form.text),
            "contact": str(world.officer.id),
            "information": ["attendance", "drug_tests"],
            "purpose": "court_supervision",
            "expires_on": _day(90),
            "signature": "Given Family",
            "secret": "correct horse battery staple",
        }
        data.update(changes)
        return client.post(pages.PORTAL, data=data, follow_redirects=False)

    def test_the_portal_lists_only_the_clients_own(self, client: TestClient, world: World) -> None:
        mine = world.consent()
        other = released(world.session)
        theirs = other.consent()
        assert world.account is not None
        world.signed_in(client, world.account)
        page = client.get(pages.PORTAL)
        assert page.status_code == 200
        assert "Pat Officer (County Probation)" in page.text
        assert f"/portal/consents/{mine.id}.pdf" in page.text
        assert str(theirs.id) not in page.text
        assert client.get(f"/portal/consents/{mine.id}.pdf").status_code == 200
        assert client.get(f"/portal/consents/{theirs.id}.pdf").status_code == 404
        token = csrf_from(page.text)
        revoke = client.post(
            f"/portal/consents/{theirs.id}/revoke",
            data={"csrf_token": token, "secret": "correct horse battery staple"},
        )
        assert revoke.status_code == 404
        assert client.get(f"/consents/{mine.id}.pdf").status_code == 403  # the staff address
        assert client.get(world.tab).status_code == 403

    def test_staff_cannot_open_the_portal_pages(self, client: TestClient, world: World) -> None:
        world.signed_in(client)
        assert client.get(pages.PORTAL).status_code == 403

    def test_a_client_signs_a_consent_with_their_password(
        self, client: TestClient, world: World
    ) -> None:
        posted = self._sign(client, world)
        assert posted.status_code == 303, posted.text
        saved = world.session.scalars(select(Consent)).one()
        assert saved.signature_method is SignatureMethod.PORTAL
        assert saved.attested_by_id is None
        assert saved.purpose_description.startswith("So my probation or parole officer")
        page = client.get(pages.PORTAL).text
        assert "Consent signed. Pat Officer may be told" in page
        assert "In effect" in page

    def test_a_wrong_password_signs_nothing(self, client: TestClient, world: World) -> None:
        refused = self._sign(client, world, secret="not my password")
        assert refused.status_code == 422
        assert 'id="e-secret"' in refused.text
        assert 'value="Given Family"' in refused.text
        assert "not my password" not in refused.text
        assert _count(world.session, Consent) == 0

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"contact": ""}, "contact"),
            ({"information": []}, "information"),
            ({"purpose": "payment"}, "purpose"),
            ({"expires_on": ""}, "expires_on"),
            ({"signature": ""}, "signature"),
        ],
    )
    def test_an_incomplete_portal_form_comes_back_plainly(
        self, client: TestClient, world: World, changes: dict[str, object], field: str
    ) -> None:
        refused = self._sign(client, world, **changes)
        assert refused.status_code == 422
        assert f'id="e-{field}"' in refused.text
        assert f'href="#{field}"' in refused.text
        assert _count(world.session, Consent) == 0

    def test_a_client_revokes_with_their_password(self, client: TestClient, world: World) -> None:
        consent = world.consent()
        assert world.account is not None
        token = world.signed_in(client, world.account)
        url = f"/portal/consents/{consent.id}/revoke"
        wrong = client.post(url, data={"csrf_token": token, "secret": "not my password"})
        assert wrong.status_code == 422
        assert f'id="e-revoke-{consent.id}-secret"' in wrong.text
        world.session.expire_all()
        assert world.session.get(Consent, consent.id).revoked_at is None  # type: ignore[union-attr]
        done = client.post(
            url,
            data={"csrf_token": token, "secret": "correct horse battery staple"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        world.session.expire_all()
        assert world.session.get(Consent, consent.id).revoked_at is not None  # type: ignore[union-attr]
        assert "Not in effect" in client.get(pages.PORTAL).text

    def test_a_client_acknowledges_the_notice(self, client: TestClient, world: World) -> None:
        assert world.account is not None
        world.signed_in(client, world.account)
        page = client.get(pages.PORTAL_NOTICE)
        assert page.status_code == 200
        assert "Secretary of Health and Human Services" in page.text
        token = csrf_from(page.text)
        wrong = client.post(pages.PORTAL_NOTICE, data={"csrf_token": token, "secret": "nope"})
        assert wrong.status_code == 422
        assert _count(world.session, NoticeAcknowledgement) == 0
        done = client.post(
            pages.PORTAL_NOTICE,
            data={"csrf_token": token, "secret": "correct horse battery staple"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        ack = world.session.scalars(select(NoticeAcknowledgement)).one()
        assert ack.method is SignatureMethod.PORTAL

    def test_a_minor_under_the_guardian_rule_is_sent_to_staff(
        self, client: TestClient, world: World
    ) -> None:
        world.client.date_of_birth = today().replace(year=today().year - 15)
        assert world.account is not None
        world.signed_in(client, world.account)
        page = client.get(pages.PORTAL_NEW)
        assert "a parent or guardian signs a consent with you" in page.text
        assert 'name="secret"' not in page.text

    def test_a_portal_form_without_its_csrf_token_saves_nothing(
        self, client: TestClient, world: World
    ) -> None:
        refused = self._sign(client, world, csrf_token="forged")
        assert refused.status_code == 403
        assert _count(world.session, Consent) == 0


class TestTheRules:
    def test_the_director_sets_the_minors_rule(self, client: TestClient, world: World) -> None:
        director = make_user(world.session, role=Role.DIRECTOR)
        world.signed_in(client, director)
        page = client.get(pages.SETTINGS_PAGE)
        assert page.status_code == 200
        assert 'value="minor_and_guardian" required checked' in page.text
        token = csrf_from(page.text)
        refused = client.post(
            pages.SETTINGS_PAGE,
            data={
                "csrf_token": token,
                "minor_rule": "minor_alone",
                "guardian_portal_access": "yes",
            },
        )
        assert refused.status_code == 422
        assert 'id="e-guardian_portal_access"' in refused.text
        saved = client.post(
            pages.SETTINGS_PAGE,
            data={"csrf_token": token, "minor_rule": "minor_alone"},
            follow_redirects=False,
        )
        assert saved.status_code == 303
        world.session.expire_all()
        assert consent_settings.current(world.session).minor_rule is MinorConsentRule.MINOR_ALONE

    def test_a_clinician_may_not(self, client: TestClient, world: World) -> None:
        world.signed_in(client)
        assert client.get(pages.SETTINGS_PAGE).status_code == 403
