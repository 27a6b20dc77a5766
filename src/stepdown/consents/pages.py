"""Consent pages: the chart's Consents tab, the client's own consents in the portal, the
printable consent, and the program's rules for minors.

- The tab (``consents.access.READ``) shows the § 2.22 notice's status, the client's
  contacts, their consents with why each no longer works (if so), and, for
  ``consents.access.WRITE``, the forms: record the notice, add or remove a contact, a
  minor's refusal of a parent, a consent signed in person, its revocation in writing, and
  the event a consent expires on.
- The portal (``consents.access.OWN``) lets a client sign a specific consent to one of their
  contacts and revoke one, each by typing their password again, and acknowledge the notice.
  The service scopes every read to their own record, so another client's consent is a 404.
- The director or an administrator (``consents.access.SETTINGS``) sets the minors rule.

Forms post and come back without JavaScript (no hx-boost: a refused form answers 4xx with
its page, which a boosted form would not show). A refused form re-renders its page with
the field named and what was typed, except passwords; each change runs in a savepoint
rolled back on refusal, so nothing of a refused form is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, ClassVar, Final, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy.orm import Session

from stepdown.chart import tabs
from stepdown.chart.pages import chart_page
from stepdown.clients.models import Client
from stepdown.consents import access, guardians, pdf, program_rules, repository, rules, service
from stepdown.consents import settings as consent_settings
from stepdown.consents.models import (
    ClientContact,
    Consent,
    ConsentKind,
    ContactRelationship,
    InformationClass,
    MinorConsentRule,
    NoticeAcknowledgement,
    Purpose,
    RecipientClass,
    Signer,
)
from stepdown.consents.schemas import (
    ConsentForm,
    ContactForm,
    ExpiryEventForm,
    PortalConsentForm,
    RevocationForm,
)
from stepdown.disclosures import outbound
from stepdown.disclosures.models import DisclosureRecipient
from stepdown.kit.clock import today, utc_now
from stepdown.kit.errors import Invalid, NotFound, StepdownError
from stepdown.kit.web import DbSession
from stepdown.portal import service as portal_service
from stepdown.security import service as security_service
from stepdown.security.actor import Actor
from stepdown.security.deps import CSRF_FIELD, allow
from stepdown.security.signing import SECRET_FIELD
from stepdown.web import flash, navigation
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
TAB: Final = "consents"
PORTAL: Final = "/portal/consents"
PORTAL_NEW: Final = "/portal/consents/new"
PORTAL_NOTICE: Final = "/portal/consents/notice"
SETTINGS_PAGE: Final = "/consents/settings"

Reader = Annotated[Actor, allow(access.READ)]
Writer = Annotated[Actor, allow(access.WRITE)]
Own = Annotated[Actor, allow(access.OWN)]
RulesSetter = Annotated[Actor, allow(access.SETTINGS)]
Form = dict[str, str]
S = TypeVar("S", bound=BaseModel)

# Checkbox groups: kept in the re-rendered form as their values joined by spaces (enum
# values and ids hold none), since the chart page carries a refused form as ``dict[str, str]``.
LISTS: Final = ("information", "recipients", "recipient_classes", "purposes")
CONSENT_TEXT: Final = (
    "kind",
    "disclosers",
    "information_description",
    "purpose_description",
    "expiry_event",
    "client_signature",
    "guardian_signature",
)
CONSENT_OPTIONAL: Final = ("expires_on", "signed_on", "guardian_contact_id")
CONTACT_TEXT: Final = ("name", "relationship", "organization", "phone", "email", "may_be_told")
# Pydantic's errors for a value the form offers as a choice (an enum's, an id from a list).
CHOICE_ERRORS: Final = frozenset({"enum", "uuid_parsing", "uuid_type", "literal_error"})

# What a client may choose in the portal, in plain words. Counseling notes are left out:
# they go only under a consent of their own (§ 2.31(b)), which is taken in person.
PORTAL_INFORMATION: Final = tuple(
    c for c in InformationClass if c is not InformationClass.COUNSELING_NOTES
)
PORTAL_PURPOSES: Final = {
    Purpose.COURT_SUPERVISION: "So my probation or parole officer, or the court, can follow my "
    "treatment",
    Purpose.FAMILY_INVOLVEMENT: "So my family can be involved in my treatment",
    Purpose.TREATMENT: "So another health care provider can treat me",
    Purpose.PATIENT_REQUEST: "Because I want them to have it",
}
# The service names the consent's elements; the portal form names its own fields.
PORTAL_FIELDS: Final = {
    "recipients": "contact",
    "purposes": "purpose",
    "client_signature": "signature",
    **{name: name for name in ("contact", "information", "purpose", "expires_on", "signature")},
    SECRET_FIELD: SECRET_FIELD,
}
SERVICE_PREAMBLE: Final = "the consent cannot be saved: "
PORTAL_MESSAGES: Final = {
    "contact": "choose who may be told",
    "information": "choose at least one kind of information",
    "purpose": "choose why they may be told",
    "expires_on": "choose the last day this consent is in effect",
    "signature": "type your full name to sign",
}

navigation.register("My consents", PORTAL, access.OWN, order=10)
navigation.register("Consent rules", SETTINGS_PAGE, access.SETTINGS, order=84)


# --- labels shared by the tab and the portal -------------------------------------------------


class Labels:
    """How stored values read on a page: a consent keeps its classes and purposes as the
    enum values it was signed with."""

    kinds: ClassVar = tuple(ConsentKind)
    information_classes: ClassVar = tuple(InformationClass)
    purposes: ClassVar = tuple(Purpose)
    relationships: ClassVar = tuple(ContactRelationship)
    recipient_classes: ClassVar = tuple(
        (k.value, rules.TPO_RECIPIENT_WORDING[k]) for k in RecipientClass
    )

    @staticmethod
    def information_text(values: Iterable[str]) -> str:
        return "; ".join(InformationClass(v).label for v in values)

    @staticmethod
    def purpose_text(values: Iterable[str]) -> str:
        return "; ".join(Purpose(v).label for v in values)


# --- the chart tab ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentsTab(Labels):
    client: Client
    today: date
    notice: NoticeAcknowledgement | None
    contacts: list[ClientContact]
    consents: list[service.ConsentView]
    recipients: list[DisclosureRecipient]
    minor_rule: MinorConsentRule
    # A minor under the minor-and-guardian rule: a guardian signs too (§ 2.14).
    guardian_signs: bool
    # A minor under the minor-alone rule may refuse disclosure to a parent (§ 2.14(b)).
    minor_may_refuse: bool
    can_write: bool
    # Guardians may have their own portal account under the program's rule (guardians.py).
    guardian_portal: bool = False
    notice_version: ClassVar = service.NOTICE_VERSION

    @property
    def guardians(self) -> list[ClientContact]:
        return [c for c in self.contacts if c.is_legal_guardian]


def _tab(session: Session, actor: Actor, client: Client) -> ConsentsTab:
    on = today()
    rule = consent_settings.current(session).minor_rule
    signer = rules.required_signer(date_of_birth=client.date_of_birth, on=on, rule=rule)
    return ConsentsTab(
        client=client,
        today=on,
        notice=service.notice_acknowledgement(session, client.id),
        contacts=service.contacts_of(session, client.id),
        consents=service.consents_of(session, actor=actor, client_id=client.id),
        recipients=service.recipients_for(session, client.id),
        minor_rule=rule,
        guardian_signs=signer is Signer.CLIENT_AND_GUARDIAN,
        minor_may_refuse=rules.is_minor(client.date_of_birth, on)
        and rule is MinorConsentRule.MINOR_ALONE,
        can_write=access.WRITE.allows(actor.role),
        guardian_portal=guardians.rule_refusal(session, client=client, on=on) is None,
    )


tabs.register(
    TAB, "Consents", access.READ, template="consents/_chart_tab.html", build=_tab, order=96
)


# --- reading forms ---------------------------------------------------------------------------


async def _form(request: Request) -> Form:
    """The posted text fields, trimmed; a checkbox group's values joined by spaces."""
    data = await request.form()
    form: Form = {}
    for key, value in data.multi_items():
        if not isinstance(value, str) or key == CSRF_FIELD:
            continue
        if key in LISTS and key in form:
            form[key] = f"{form[key]} {value.strip()}"
        else:
            form[key] = value.strip()
    return form


def _empty(error: ErrorDetails) -> bool:
    return error["type"] == "missing" or error.get("input") in (None, "")


def _message(error: ErrorDetails) -> str:
    """Pydantic's message, except where the field was left empty or answered with
    something the form never offered: a form says that in its own words."""
    if _empty(error):
        return "this is required"
    if error["type"] in CHOICE_ERRORS:
        return "choose from the list"
    return str(error["msg"])


def _validated(schema: type[S], values: dict[str, Any]) -> S:
    """A form through its schema; the first problem becomes a refusal naming its field."""
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else None
        raise Invalid(_message(error), field=name) from None


def _consent_values(form: Form) -> dict[str, Any]:
    values: dict[str, Any] = {k: form.get(k, "") for k in CONSENT_TEXT}
    values.update({k: form.get(k, "").split() for k in LISTS})
    values.update({k: form.get(k) or None for k in CONSENT_OPTIONAL})
    return values


# --- the chart tab's forms -------------------------------------------------------------------


def _tab_url(client_id: uuid.UUID) -> str:
    return f"/clients/{client_id}?tab={TAB}"


def _go(request: Request, url: str, message: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    flash.flash(request, response, message)
    return response


def _on_chart(
    request: Request,
    session: Session,
    actor: Actor,
    client_id: uuid.UUID,
    form: Form,
    action: Callable[[], str],
) -> Response:
    """One change in a savepoint; back to the tab saying what happened, or the tab again
    with the refusal and what was typed. A record of another client is not found."""
    nested = session.begin_nested()
    try:
        message = action()
    except StepdownError as exc:
        nested.rollback()
        if isinstance(exc, NotFound):
            raise
        return chart_page(request, session, actor, client_id, TAB, error=exc, form=form)
    nested.commit()
    return _go(request, _tab_url(client_id), message)


def _same_client(found: uuid.UUID, client_id: uuid.UUID, what: str) -> None:
    """The address names the client; the record must be theirs."""
    if found != client_id:
        raise NotFound(f"no such {what} for this client")


def _contact_of(session: Session, client_id: uuid.UUID, contact_id: uuid.UUID) -> ClientContact:
    found = next((c for c in service.contacts_of(session, client_id) if c.id == contact_id), None)
    if found is None:
        raise NotFound("no such contact for this client")
    return found


@router.post("/clients/{client_id}/consents/notice", response_class=HTMLResponse)
def acknowledge_notice(
    client_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    def act() -> str:
        service.acknowledge_notice(session, actor=actor, client_id=client_id)
        return "Acknowledgement of the privacy notice recorded."

    return _on_chart(request, session, actor, client_id, {"action": "notice"}, act)


@router.post("/clients/{client_id}/contacts", response_class=HTMLResponse)
async def add_contact(
    client_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    form = await _form(request)
    form["action"] = "add_contact"

    def act() -> str:
        values: dict[str, Any] = {k: form.get(k, "") for k in CONTACT_TEXT}
        values["is_legal_guardian"] = form.get("is_legal_guardian") == "yes"
        data = _validated(ContactForm, values)
        contact = service.add_contact(
            session,
            actor=actor,
            client_id=client_id,
            name=data.name,
            relationship=data.relationship,
            organization=data.organization,
            phone=data.phone,
            email=data.email,
            may_be_told=data.may_be_told,
            is_legal_guardian=data.is_legal_guardian,
        )
        return (
            f"{contact.name} added to the contacts. Nothing is shared until a consent names them."
        )

    return _on_chart(request, session, actor, client_id, form, act)


@router.post("/clients/{client_id}/contacts/{contact_id}/remove", response_class=HTMLResponse)
def remove_contact(
    client_id: uuid.UUID,
    contact_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Writer,
) -> Response:
    def act() -> str:
        contact = _contact_of(session, client_id, contact_id)
        service.remove_contact(session, actor=actor, contact_id=contact.id)
        return f"{contact.name} removed. Consents naming them stay as signed: revoke those too."

    form = {"action": f"contact:{contact_id}"}
    return _on_chart(request, session, actor, client_id, form, act)


@router.post("/clients/{client_id}/contacts/{contact_id}/refusal", response_class=HTMLResponse)
async def minor_refusal(
    client_id: uuid.UUID,
    contact_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Writer,
) -> Response:
    form = await _form(request)
    form["action"] = f"contact:{contact_id}"
    refuses = form.get("refuses") == "yes"

    def act() -> str:
        _contact_of(session, client_id, contact_id)
        contact = service.set_minor_refusal(
            session, actor=actor, contact_id=contact_id, refuses=refuses
        )
        if refuses:
            return f"Nothing will be disclosed to {contact.name}: the client refuses."
        return f"The client no longer refuses disclosure to {contact.name}."

    return _on_chart(request, session, actor, client_id, form, act)


@router.post("/clients/{client_id}/consents", response_class=HTMLResponse)
async def record_consent(
    client_id: uuid.UUID, request: Request, session: DbSession, actor: Writer
) -> Response:
    form = await _form(request)
    form["action"] = "record_consent"

    def act() -> str:
        data = _validated(ConsentForm, _consent_values(form))
        consent = service.record_consent(
            session, actor=actor, client_id=client_id, data=data.consent_input()
        )
        return f"Consent recorded: {consent.kind.label.lower()}, signed {consent.signed_on}."

    return _on_chart(request, session, actor, client_id, form, act)


@router.post("/clients/{client_id}/consents/{consent_id}/revoke", response_class=HTMLResponse)
async def revoke(
    client_id: uuid.UUID,
    consent_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Writer,
) -> Response:
    form = await _form(request)
    form["action"] = f"revoke:{consent_id}"

    def act() -> str:
        data = _validated(RevocationForm, {"note": form.get("note", "")})
        consent = service.revoke(session, actor=actor, consent_id=consent_id, note=data.note)
        _same_client(consent.client_id, client_id, "consent")
        return f"Consent signed {consent.signed_on} revoked: nothing more is disclosed under it."

    return _on_chart(request, session, actor, client_id, form, act)


@router.post("/clients/{client_id}/consents/{consent_id}/expiry-event", response_class=HTMLResponse)
async def record_expiry_event(
    client_id: uuid.UUID,
    consent_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Writer,
) -> Response:
    form = await _form(request)
    form["action"] = f"expiry:{consent_id}"

    def act() -> str:
        data = _validated(ExpiryEventForm, {"on": form.get("on") or None})
        consent = service.record_expiry_event(
            session, actor=actor, consent_id=consent_id, on=data.on
        )
        _same_client(consent.client_id, client_id, "consent")
        return f"Recorded: {consent.expiry_event} on {data.on}. The consent has expired."

    return _on_chart(request, session, actor, client_id, form, act)


# --- the printable consent -------------------------------------------------------------------


def _pdf(request: Request, session: Session, actor: Actor, consent_id: uuid.UUID) -> Response:
    """The consent as signed, for staff in scope or the client themselves (the service
    refuses anyone else with a 404)."""
    consent = service.get_consent(session, actor=actor, consent_id=consent_id)
    witness = consent.attested_by_id
    names = security_service.display_names(session, {witness}) if witness else {}
    content = pdf.render(
        consent,
        recipients=_named(session, consent),
        program=request.app.state.program.current(),
        printed_at=utc_now(),
        attested_by=names.get(witness) if witness else None,
    )
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="consent.pdf"'},
    )


def _named(session: Session, consent: Consent) -> list[str]:
    """The consent's named recipients as the directory shows them (a TPO consent's classes
    of recipient are printed by ``pdf`` in the rule's words)."""
    facts = next(
        f for f in repository.consent_facts(session, consent.client_id) if f.id == consent.id
    )
    labels = {r.id: r.display for r in service.recipients_for(session, consent.client_id)}
    return [labels.get(r, "(removed contact)") for r in service.named(facts)]


@router.get("/consents/{consent_id}.pdf")
def consent_pdf(
    consent_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Reader,
    _: Annotated[None, outbound.internal_copy("the program's file copy of the signed consent")],
) -> Response:
    return _pdf(request, session, actor, consent_id)


@router.get(PORTAL + "/{consent_id}.pdf")
def my_consent_pdf(
    consent_id: uuid.UUID,
    request: Request,
    session: DbSession,
    actor: Own,
    _: Annotated[None, outbound.internal_copy("the client's own copy of what they signed")],
) -> Response:
    return _pdf(request, session, actor, consent_id)


# --- the portal ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PortalPage(Labels):
    """The client's own consents, contacts and notice; ``values`` and ``errors`` come back
    with a refused form, ``failed`` says which one."""

    client: Client
    today: date
    contacts: list[ClientContact]
    consents: list[service.ConsentView] = field(default_factory=list)
    notice: NoticeAcknowledgement | None = None
    # A minor under the minor-and-guardian rule: consents are taken in person (§ 2.14).
    guardian_signs: bool = False
    values: Form = field(default_factory=dict)
    errors: Form = field(default_factory=dict)
    failed: str = ""
    portal_information: ClassVar = PORTAL_INFORMATION
    portal_purposes: ClassVar = tuple((p.value, text) for p, text in PORTAL_PURPOSES.items())
    revocation_statement: ClassVar = rules.REVOCATION_STATEMENT
    conditioning_statement: ClassVar = rules.CONDITIONING_STATEMENT
    notice_version: ClassVar = service.NOTICE_VERSION

    @property
    def chosen(self) -> list[str]:
        return self.values.get("information", "").split()


def _portal_page(
    session: Session,
    actor: Actor,
    *,
    consents: bool = False,
    values: Form | None = None,
    errors: Form | None = None,
    failed: str = "",
) -> PortalPage:
    client = portal_service.own_client(session, actor=actor)
    on = today()
    rule = consent_settings.current(session).minor_rule
    signer = rules.required_signer(date_of_birth=client.date_of_birth, on=on, rule=rule)
    return PortalPage(
        client=client,
        today=on,
        contacts=service.contacts_of(session, client.id),
        consents=service.consents_of(session, actor=actor, client_id=client.id) if consents else [],
        notice=service.notice_acknowledgement(session, client.id),
        guardian_signs=signer is Signer.CLIENT_AND_GUARDIAN,
        values=values or {},
        errors=errors or {},
        failed=failed,
    )


def _portal_errors(exc: StepdownError) -> Form:
    """A refusal under the portal form's own field names, or the whole form's; the field
    says what cannot be saved, so the service's preamble is left out."""
    name = PORTAL_FIELDS.get(exc.field or "", "form")
    return {name: exc.message.removeprefix(SERVICE_PREAMBLE)}


@router.get(PORTAL, response_class=HTMLResponse)
def my_consents(request: Request, session: DbSession, actor: Own) -> Response:
    page = _portal_page(session, actor, consents=True)
    return render(request, "consents/portal.html", {"page": page})


@router.get(PORTAL_NEW, response_class=HTMLResponse)
def new_consent(request: Request, session: DbSession, actor: Own) -> Response:
    page = _portal_page(session, actor)
    return render(request, "consents/portal_new.html", {"page": page})


def _portal_input(
    form: Form, contacts: list[ClientContact], program_name: str
) -> tuple[service.ConsentInput, ClientContact]:
    """The portal's choices as a specific consent, worded from what the client saw: the
    labels of the classes they ticked and of the reason they chose."""
    values: dict[str, Any] = {
        "contact": form.get("contact") or None,
        "information": form.get("information", "").split(),
        "purpose": form.get("purpose") or None,
        "expires_on": form.get("expires_on") or None,
        "signature": form.get("signature", ""),
    }
    try:
        data = PortalConsentForm.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0])
        unanswered = _empty(error) or error["type"] in CHOICE_ERRORS
        message = PORTAL_MESSAGES[name] if unanswered else str(error["msg"])
        raise Invalid(message, field=name) from None
    contact = next((c for c in contacts if c.id == data.contact), None)
    if contact is None:
        raise Invalid(PORTAL_MESSAGES["contact"], field="contact")
    if not data.information:
        raise Invalid(PORTAL_MESSAGES["information"], field="information")
    if not set(data.information) <= set(PORTAL_INFORMATION):
        raise Invalid("choose from the list", field="information")
    if data.purpose not in PORTAL_PURPOSES:
        raise Invalid("choose from the list", field="purpose")
    return (
        service.ConsentInput(
            kind=ConsentKind.SPECIFIC,
            disclosers=program_name,
            information=frozenset(data.information),
            information_description=Labels.information_text(data.information),
            recipient_ids=frozenset({contact.recipient_id}),
            recipient_classes=frozenset(),
            purposes=frozenset({data.purpose}),
            purpose_description=PORTAL_PURPOSES[data.purpose],
            expires_on=data.expires_on,
            expiry_event="",
            client_signature=data.signature,
            signed_on=today(),
        ),
        contact,
    )


@router.post(PORTAL, response_class=HTMLResponse)
async def sign_consent(request: Request, session: DbSession, actor: Own) -> Response:
    form = await _form(request)
    secret = form.pop(SECRET_FIELD, "")
    page = _portal_page(session, actor)
    nested = session.begin_nested()
    try:
        data, contact = _portal_input(form, page.contacts, request.app.state.program.current().name)
        service.record_consent(
            session, actor=actor, client_id=page.client.id, data=data, secret=secret
        )
    except StepdownError as exc:
        nested.rollback()
        refused = _portal_page(session, actor, values=form, errors=_portal_errors(exc))
        return render(
            request, "consents/portal_new.html", {"page": refused}, status_code=exc.status_code
        )
    nested.commit()
    return _go(
        request,
        PORTAL,
        f"Consent signed. {contact.name} may be told what you chose until {data.expires_on}.",
    )


@router.post(PORTAL + "/{consent_id}/revoke", response_class=HTMLResponse)
async def revoke_mine(
    consent_id: uuid.UUID, request: Request, session: DbSession, actor: Own
) -> Response:
    form = await _form(request)
    nested = session.begin_nested()
    try:
        service.revoke(
            session, actor=actor, consent_id=consent_id, secret=form.get(SECRET_FIELD, "")
        )
    except StepdownError as exc:
        nested.rollback()
        if isinstance(exc, NotFound):
            raise
        page = _portal_page(
            session,
            actor,
            consents=True,
            errors={SECRET_FIELD if exc.field == SECRET_FIELD else "form": exc.message},
            failed=str(consent_id),
        )
        return render(request, "consents/portal.html", {"page": page}, status_code=exc.status_code)
    nested.commit()
    return _go(request, PORTAL, "Consent revoked. Nothing more will be shared under it.")


@router.get(PORTAL_NOTICE, response_class=HTMLResponse)
def notice(request: Request, session: DbSession, actor: Own) -> Response:
    return render(request, "consents/portal_notice.html", {"page": _portal_page(session, actor)})


@router.post(PORTAL_NOTICE, response_class=HTMLResponse)
async def acknowledge_mine(request: Request, session: DbSession, actor: Own) -> Response:
    form = await _form(request)
    client = portal_service.own_client(session, actor=actor)
    nested = session.begin_nested()
    try:
        service.acknowledge_notice(
            session, actor=actor, client_id=client.id, secret=form.get(SECRET_FIELD, "")
        )
    except StepdownError as exc:
        nested.rollback()
        page = _portal_page(session, actor, errors=_portal_errors(exc))
        return render(
            request, "consents/portal_notice.html", {"page": page}, status_code=exc.status_code
        )
    nested.commit()
    return _go(request, PORTAL, "Thank you. We have recorded that you read the privacy notice.")


# --- the program's rules ---------------------------------------------------------------------


def _settings_page(request: Request, values: Form, error: StepdownError | None = None) -> Response:
    return render(
        request,
        "consents/settings.html",
        {
            "values": values,
            "errors": {(error.field or "form"): error.message} if error else {},
        },
        status_code=error.status_code if error else 200,
    )


@router.get(SETTINGS_PAGE, response_class=HTMLResponse)
def settings_page(request: Request, session: DbSession, actor: RulesSetter) -> Response:
    row = consent_settings.current(session)
    values = {
        "minor_rule": row.minor_rule.value,
        "guardian_portal_access": "yes" if row.guardian_portal_access else "",
    }
    return _settings_page(request, values)


@router.post(SETTINGS_PAGE, response_class=HTMLResponse)
async def save_settings(request: Request, session: DbSession, actor: RulesSetter) -> Response:
    form = await _form(request)
    values = {
        "minor_rule": form.get("minor_rule", ""),
        "guardian_portal_access": form.get("guardian_portal_access", ""),
    }
    nested = session.begin_nested()
    try:
        try:
            rule = MinorConsentRule(values["minor_rule"])
        except ValueError:
            raise Invalid("choose one of the rules", field="minor_rule") from None
        program_rules.set_rules(
            session,
            actor=actor,
            minor_rule=rule,
            guardian_portal_access=values["guardian_portal_access"] == "yes",
        )
    except StepdownError as exc:
        nested.rollback()
        return _settings_page(request, values, exc)
    nested.commit()
    return _go(
        request, SETTINGS_PAGE, "Consent rules saved; they apply to consents signed from now."
    )
