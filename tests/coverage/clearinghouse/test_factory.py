"""The gateway the settings choose, and the settings a real route cannot do without."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from stepdown.coverage.clearinghouse import gateway_from_settings
from stepdown.coverage.clearinghouse.http_gateway import X12HttpGateway
from stepdown.coverage.clearinghouse.jsonapi import StediGateway
from stepdown.coverage.clearinghouse.simulator import SimulatorGateway
from stepdown.settings import Settings


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_the_simulator_is_the_default() -> None:
    gateway = gateway_from_settings(settings())
    assert isinstance(gateway, SimulatorGateway)
    assert gateway.timeout == 20.0


def test_the_environment_chooses_the_http_route(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEPDOWN_ELIGIBILITY_GATEWAY", "http")
    monkeypatch.setenv("STEPDOWN_ELIGIBILITY_URL", "https://clearinghouse.example/realtime")
    monkeypatch.setenv("STEPDOWN_ELIGIBILITY_TIMEOUT_SECONDS", "12.5")
    gateway = gateway_from_settings(settings())
    assert isinstance(gateway, X12HttpGateway)
    assert (gateway.url, gateway.timeout) == ("https://clearinghouse.example/realtime", 12.5)


def test_the_json_api_takes_its_key() -> None:
    gateway = gateway_from_settings(
        settings(
            eligibility_gateway="jsonapi",
            eligibility_url="https://healthcare.us.stedi.com/2024-04-01/change/medicalnetwork/eligibility/v3",
            eligibility_api_key="k",
        )
    )
    assert isinstance(gateway, StediGateway)


@pytest.mark.parametrize("kind", ["http", "jsonapi"])
def test_a_real_route_without_a_url_is_refused(kind: str) -> None:
    with pytest.raises(ValueError, match="needs eligibility_url"):
        gateway_from_settings(settings(eligibility_gateway=kind, eligibility_api_key="k"))


def test_the_json_api_without_a_key_is_refused() -> None:
    with pytest.raises(ValueError, match="needs eligibility_api_key"):
        gateway_from_settings(
            settings(eligibility_gateway="jsonapi", eligibility_url="https://api.example/")
        )


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://host/x", "clearinghouse.example"])
def test_only_http_urls_are_taken(url: str) -> None:
    with pytest.raises(ValueError, match="eligibility_url must be an http"):
        gateway_from_settings(settings(eligibility_gateway="http", eligibility_url=url))


@pytest.mark.parametrize(
    "values",
    [
        {"eligibility_gateway": "soap"},
        {"eligibility_timeout_seconds": 0.5},
        {"eligibility_timeout_seconds": 61},
        {"eligibility_sender_id": "A" * 16},
        {"eligibility_receiver_id": "BAD*ID"},
        {"eligibility_sender_id": ""},
    ],
)
def test_out_of_bounds_settings_are_refused(values: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        settings(**values)


def test_the_api_key_is_secret() -> None:
    assert "hunter2" not in repr(settings(eligibility_api_key="hunter2"))
