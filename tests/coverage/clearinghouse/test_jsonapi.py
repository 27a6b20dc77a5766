"""The Stedi adapter's request against the vendor's published fields, and what it makes of
the vendor's answers. No test calls the vendor: the transport is handed in."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from email.message import Message

import pytest

from stepdown.coverage.clearinghouse.gateway import Answered, Failed, FailureKind
from stepdown.coverage.clearinghouse.jsonapi import StediGateway
from stepdown.coverage.clearinghouse.simulator import respond
from stepdown.kit.x12 import X12Error
from tests.coverage.clearinghouse.inquiries import NOW, NPI, PAYER_ID, Dependent, build_270

URL = "https://healthcare.us.stedi.com/2024-04-01/change/medicalnetwork/eligibility/v3"
KEY = "test-key-not-real"

# The properties Stedi publishes for the request body and its objects: OpenAPI of the
# "Real-Time Eligibility Check (270/271) JSON" endpoint, schemas EligibilityCheckRequestContent,
# Provider, RequestSubscriber, RequestDependent and Encounter
# (https://www.stedi.com/docs/api-reference/post-healthcare-eligibility).
REQUEST_FIELDS = {
    "controlNumber", "dependents", "eligibilitySearchId", "encounter", "externalPatientId",
    "informationReceiverName", "portalPassword", "portalUsername", "provider",
    "submitterTransactionIdentifier", "subscriber", "tradingPartnerName",
    "tradingPartnerServiceId",
}  # fmt: skip
REQUIRED = {"provider", "subscriber", "tradingPartnerServiceId"}
PROVIDER_FIELDS = {
    "address", "contactNumber", "contractNumber", "devicePinNumber", "employersId",
    "facilityIdNumber", "facilityNetworkIdNumber", "firstName",
    "informationReceiverAdditionalIdentifierState", "lastName", "medicaidProviderNumber",
    "medicareProviderNumber", "npi", "organizationName", "payorId", "pharmacyProcessorNumber",
    "priorIdentifierNumber", "providerCode", "providerPlanNetworkIdNumber", "providerType",
    "referenceIdentification", "serviceProviderNumber", "servicesPlanID", "ssn",
    "stateLicenceNumber", "submitterIdNumber", "taxId",
}  # fmt: skip
PERSON_FIELDS = {  # the fields RequestSubscriber and RequestDependent share
    "additionalIdentification", "address", "beginningCardIssueDate", "beginningPlanIssueDate",
    "birthSequenceNumber", "dateOfBirth", "endCardIssueDate", "endPlanIssueDate", "firstName",
    "gender", "groupNumber", "healthCareCodeInformation", "idCard", "idCardIssueDate",
    "lastName", "memberId", "middleName", "planIssueDate", "providerCode",
    "providerIdentifier", "referenceIdentificationQualifier", "ssn", "suffix",
}  # fmt: skip
ENCOUNTER_FIELDS = {
    "beginningDateOfService", "dateOfService", "diagnosisCodePointer", "endDateOfService",
    "industryCode", "medicalProcedures", "priorAuthorizationOrReferralNumber", "procedureCode",
    "procedureModifiers", "productOrServiceIDQualifier", "referenceIdentificationQualifier",
    "serviceTypeCodes",
}  # fmt: skip


class Recorder:
    """A transport that keeps the request and answers with a canned body."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.requests: list[urllib.request.Request] = []

    def __call__(self, request: urllib.request.Request, timeout: float) -> bytes:
        self.requests.append(request)
        return self.answer

    def body(self) -> dict[str, object]:
        data = self.requests[0].data
        assert isinstance(data, bytes)
        loaded: dict[str, object] = json.loads(data)
        return loaded


def stedi_answer(member_id: str) -> bytes:
    """Stedi's JSON with the payer's 271 in ``x12`` (here the simulator's)."""
    x12 = respond(build_270(member_id), now=NOW).body
    return json.dumps({"benefitsInformation": [], "errors": [], "x12": x12}).encode()


def test_the_request_restates_the_270_in_stedis_fields() -> None:
    transport = Recorder(stedi_answer("ACT1"))
    outcome = StediGateway(URL, KEY, 5.0, transport=transport).inquire(
        build_270("ACT1001", service_types=("30", "AI"))
    )
    assert isinstance(outcome, Answered)
    request = transport.requests[0]
    assert (request.full_url, request.get_method()) == (URL, "POST")
    assert request.get_header("Authorization") == KEY
    assert request.get_header("Content-type") == "application/json"
    assert transport.body() == {
        "tradingPartnerServiceId": PAYER_ID,
        "provider": {"organizationName": "STEP DOWN RECOVERY", "npi": NPI},
        "subscriber": {
            "memberId": "ACT1001",
            "firstName": "ANA",
            "lastName": "RIVERA",
            "dateOfBirth": "19850214",
            "gender": "F",
        },
        "encounter": {"serviceTypeCodes": ["30", "AI"], "dateOfService": "20260302"},
    }


@pytest.mark.parametrize("dependent", [None, Dependent()])
def test_every_field_sent_is_one_stedi_publishes(dependent: Dependent | None) -> None:
    transport = Recorder(stedi_answer("ACT1"))
    StediGateway(URL, KEY, 5.0, transport=transport).inquire(
        build_270("ACT1", dependent=dependent, service_date=("RD8", "20260302-20260331"))
    )
    body = transport.body()
    assert REQUIRED <= body.keys() <= REQUEST_FIELDS
    assert "controlNumber" not in body  # deprecated, ignored by Stedi (changelog 2025-09-15)
    provider, subscriber, encounter = body["provider"], body["subscriber"], body["encounter"]
    assert isinstance(provider, dict)
    assert provider.keys() <= PROVIDER_FIELDS
    assert isinstance(subscriber, dict)
    assert subscriber.keys() <= PERSON_FIELDS
    assert isinstance(encounter, dict)
    assert encounter.keys() <= ENCOUNTER_FIELDS
    assert encounter["beginningDateOfService"] == "20260302"
    assert encounter["endDateOfService"] == "20260331"
    if dependent is None:
        assert "dependents" not in body
    else:
        assert body["dependents"] == [
            {"firstName": "LUIS", "lastName": "RIVERA", "dateOfBirth": "20100607", "gender": "M"}
        ]


def test_a_person_provider_is_named_by_first_and_last_name() -> None:
    transport = Recorder(stedi_answer("ACT1"))
    text = build_270("ACT1").replace(
        "NM1*1P*2*STEP DOWN RECOVERY*****XX", "NM1*1P*1*SMITH*JO****XX"
    )
    StediGateway(URL, KEY, 5.0, transport=transport).inquire(text)
    assert transport.body()["provider"] == {"firstName": "JO", "lastName": "SMITH", "npi": NPI}


def test_the_vendors_271_is_returned_as_received() -> None:
    answer = stedi_answer("AUTH1")
    outcome = StediGateway(URL, KEY, 5.0, transport=Recorder(answer)).inquire(build_270("AUTH1"))
    assert outcome == Answered(json.loads(answer)["x12"])


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (b'{"benefitsInformation": []}', "no X12 271"),
        (b'{"x12": ""}', "no X12 271"),
        (b"[]", "no X12 271"),
        (b"<html>", "not JSON"),
        (
            json.dumps({"x12": build_270("ACT1").replace("ST*270", "ST*999")}).encode(),
            "holds no 271",
        ),
    ],
)
def test_an_answer_without_a_271_is_malformed(answer: bytes, says: str) -> None:
    outcome = StediGateway(URL, KEY, 5.0, transport=Recorder(answer)).inquire(build_270("ACT1"))
    assert isinstance(outcome, Failed)
    assert outcome.kind is FailureKind.MALFORMED
    assert says in outcome.detail


def test_an_http_error_keeps_its_status() -> None:
    def throttled(request: urllib.request.Request, timeout: float) -> bytes:
        raise urllib.error.HTTPError(URL, 429, "Too Many Requests", Message(), None)

    outcome = StediGateway(URL, KEY, 5.0, transport=throttled).inquire(build_270("ACT1"))
    assert outcome == Failed(FailureKind.SERVER_ERROR, "HTTP 429 Too Many Requests", status=429)


def test_a_timeout_is_a_timeout() -> None:
    def slow(request: urllib.request.Request, timeout: float) -> bytes:
        raise urllib.error.URLError(TimeoutError("timed out"))

    outcome = StediGateway(URL, KEY, 5.0, transport=slow).inquire(build_270("ACT1"), timeout=2)
    assert outcome == Failed(FailureKind.TIMEOUT, "no answer within 2 s")


def test_what_is_not_a_270_is_our_bug_and_raises() -> None:
    with pytest.raises(X12Error):
        StediGateway(URL, KEY, 5.0, transport=Recorder(b"{}")).inquire("not x12")
