"""The CapabilityStatement ``GET /fhir/metadata`` answers: what is served and how to get in.

It holds no client data, so it is open to anyone, as FHIR expects of ``metadata``. The
version claimed is R4 (4.0.1): the resources are built with the R4B models of
``fhir.resources``, whose shape of every resource served here is R4's, and the tests
validate each one against the R4 definitions.
"""

from __future__ import annotations

from typing import Final

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from stepdown.fhir.kinds import RESOURCE_TYPES
from stepdown.fhir.namespace import Namespace
from stepdown.fhir.resources.common import Json, coding, concept

# When what this statement says last changed.
CHANGED: Final = "2026-12-06"
FHIR_VERSION: Final = "4.0.1"
SECURITY_SERVICE: Final = "http://terminology.hl7.org/CodeSystem/restful-security-service"
OAUTH_URIS: Final = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
EVERYTHING: Final = "http://hl7.org/fhir/OperationDefinition/Patient-everything"


def build(*, names: Namespace, version: str) -> CapabilityStatement:
    return CapabilityStatement(
        status="active",
        date=CHANGED,
        kind="instance",
        fhirVersion=FHIR_VERSION,
        format=["json"],
        software={"name": "Stepdown", "version": version},
        implementation={"description": "Stepdown FHIR API (read only)", "url": names.fhir_base},
        rest=[
            {
                "mode": "server",
                "documentation": (
                    "Read and search a client's record. Every answer is screened against the "
                    "client's 42 CFR Part 2 consents; what is withheld is listed in an "
                    "OperationOutcome entry with issue code 'suppressed'."
                ),
                "security": {
                    "extension": [
                        {
                            "url": OAUTH_URIS,
                            "extension": [
                                {"url": "token", "valueUri": f"{names.fhir_base}/auth/token"}
                            ],
                        }
                    ],
                    "service": [
                        concept("SMART on FHIR", coding(SECURITY_SERVICE, "SMART-on-FHIR"))
                    ],
                    "description": (
                        "Backend systems: OAuth 2.0 client credentials at the token URL, "
                        "SMART system scopes (system/Observation.read, system/*.read). Staff "
                        "and clients: their Stepdown API token or signed-in session."
                    ),
                },
                "resource": [_resource(t) for t in RESOURCE_TYPES],
            }
        ],
    )


def _resource(resource_type: str) -> Json:
    if resource_type == "Patient":
        parameters = [
            {"name": "_id", "type": "token"},
            {"name": "identifier", "type": "token"},
        ]
    else:
        parameters = [{"name": "patient", "type": "reference"}]
    if resource_type == "Observation":
        parameters.append({"name": "category", "type": "token"})
    found: Json = {
        "type": resource_type,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": parameters,
    }
    if resource_type == "Patient":
        found["operation"] = [{"name": "everything", "definition": EVERYTHING}]
    return found
