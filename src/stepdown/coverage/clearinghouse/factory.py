"""The gateway the settings ask for."""

from __future__ import annotations

from stepdown.coverage.clearinghouse.gateway import EligibilityGateway
from stepdown.coverage.clearinghouse.http_gateway import X12HttpGateway
from stepdown.coverage.clearinghouse.jsonapi import StediGateway
from stepdown.coverage.clearinghouse.simulator import SimulatorGateway
from stepdown.settings import Settings


def gateway_from_settings(settings: Settings) -> EligibilityGateway:
    """Refuses a real route without its endpoint (and the JSON API without its key) here,
    at start-up, rather than at the first patient's check-in."""
    timeout = settings.eligibility_timeout_seconds
    kind = settings.eligibility_gateway
    if kind == "simulator":
        return SimulatorGateway(timeout=timeout)
    if not settings.eligibility_url:
        raise ValueError(
            f"eligibility_gateway={kind} needs eligibility_url (STEPDOWN_ELIGIBILITY_URL)"
        )
    if kind == "http":
        return X12HttpGateway(settings.eligibility_url, timeout)
    key = settings.eligibility_api_key.get_secret_value()
    if not key:
        raise ValueError(
            "eligibility_gateway=jsonapi needs eligibility_api_key (STEPDOWN_ELIGIBILITY_API_KEY)"
        )
    return StediGateway(settings.eligibility_url, key, timeout)
