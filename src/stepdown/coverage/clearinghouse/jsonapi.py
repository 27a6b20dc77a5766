"""Stedi's Real-Time Eligibility Check JSON API as a gateway: the 270 we wrote is restated
in Stedi's request fields, and the payer's 271 comes back in the response's ``x12`` field.

Vendor reference (the fields below are the vendor's, not ours): Stedi, "Real-Time
Eligibility Check (270/271) JSON", POST {base}/change/medicalnetwork/eligibility/v3
(https://www.stedi.com/docs/api-reference/post-healthcare-eligibility; OpenAPI schema
``EligibilityCheckRequestContent``): required ``tradingPartnerServiceId`` (the payer id),
``provider`` (``organizationName`` or ``firstName``/``lastName``, and ``npi`` or ``taxId``)
and ``subscriber`` (``memberId``, ``firstName``, ``lastName``, ``dateOfBirth`` CCYYMMDD,
``gender`` M/F); optional ``dependents`` (at most one), ``encounter`` (``serviceTypeCodes``,
``dateOfService`` or ``beginningDateOfService``/``endDateOfService``). The API key goes in
the ``Authorization`` header (securityScheme ``httpApiKeyAuth``). ``controlNumber`` is
deprecated and ignored (Stedi changelog, 2025-09-15), so it is not sent. The response's
``x12`` "typically" holds the payer's raw 271 and sometimes a 999 instead; either way
``read_271`` decides.

Stedi sets its own trace number ("You can't set your own trace number when submitting
eligibility checks through this endpoint"): the 271's TRN*2 is Stedi's, not the 270's.
"""

from __future__ import annotations

import json
import urllib.request

from stepdown.coverage.clearinghouse.gateway import Failed, FailureKind, Outcome, read_271
from stepdown.coverage.clearinghouse.inquiry import Inquiry, Name, Person, read_270
from stepdown.coverage.clearinghouse.transport import Transport, checked_url, post, urlopen_body

Json = dict[str, object]

# NM108 of the 270's information receiver -> Stedi provider field.
_PROVIDER_IDS = {"XX": "npi", "FI": "taxId", "SV": "serviceProviderNumber"}


def stedi_request(inquiry: Inquiry) -> Json:
    """Stedi's request body for the inquiry; a field the 270 leaves empty is left out, as
    Stedi asks ("Don't include additional properties ... unless they are required")."""
    body: Json = {
        "tradingPartnerServiceId": inquiry.payer.id,
        "provider": _provider(inquiry.provider),
        "subscriber": _person(inquiry.subscriber, member=True),
    }
    if inquiry.dependent is not None:
        body["dependents"] = [_person(inquiry.dependent, member=False)]
    encounter = _encounter(inquiry.patient)
    if encounter:
        body["encounter"] = encounter
    return body


def _provider(name: Name) -> Json:
    fields: Json = (
        {"firstName": name.first, "lastName": name.last_or_organization}
        if name.entity_type == "1"
        else {"organizationName": name.last_or_organization}
    )
    key = _PROVIDER_IDS.get(name.id_qualifier)
    if key:
        fields[key] = name.id
    return _present(fields)


def _person(person: Person, *, member: bool) -> Json:
    return _present(
        {
            "memberId": person.name.id if member else "",
            "firstName": person.name.first,
            "middleName": person.name.middle,
            "lastName": person.name.last_or_organization,
            "suffix": person.name.suffix,
            "dateOfBirth": person.birth_date,
            "gender": person.gender if person.gender in ("M", "F") else "",
        }
    )


def _encounter(person: Person) -> Json:
    fields: Json = {}
    if person.service_types:
        fields["serviceTypeCodes"] = list(person.service_types)
    if person.service_date_format == "D8":
        fields["dateOfService"] = person.service_date
    elif person.service_date_format == "RD8" and "-" in person.service_date:
        start, end = person.service_date.split("-", 1)
        fields["beginningDateOfService"], fields["endDateOfService"] = start, end
    return fields


def _present(fields: Json) -> Json:
    return {key: value for key, value in fields.items() if value}


class StediGateway:
    def __init__(
        self, url: str, api_key: str, timeout: float, *, transport: Transport = urlopen_body
    ) -> None:
        self.url = checked_url(url, "eligibility_url")
        self._api_key = api_key
        self.timeout = timeout
        self._transport = transport

    def build(self, text: str) -> urllib.request.Request:
        """The HTTP request for a 270 (``X12Error`` when it is not one)."""
        return urllib.request.Request(  # noqa: S310 - checked_url allows http(s) only
            self.url,
            data=json.dumps(stedi_request(read_270(text))).encode("utf-8"),
            headers={
                "Authorization": self._api_key,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            method="POST",
        )

    def inquire(self, text: str, *, timeout: float | None = None) -> Outcome:
        """As the protocol says; raises ``X12Error`` when ``text`` is not a 270 (our own
        writer made it, so that is a bug to see, not a payer's answer)."""
        body = post(self.build(text), self.timeout if timeout is None else timeout, self._transport)
        if isinstance(body, Failed):
            return body
        try:
            answer = json.loads(body)
        except ValueError:
            return Failed(FailureKind.MALFORMED, "the vendor's response is not JSON")
        x12 = answer.get("x12") if isinstance(answer, dict) else None
        if not isinstance(x12, str) or not x12.strip():
            return Failed(FailureKind.MALFORMED, "the vendor's response has no X12 271 in it")
        return read_271(x12)
