"""Every route that makes something to leave the program declares how it goes through the
gate; a new printout, PDF, feed or FHIR route without that declaration fails here."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from stepdown.app import create_app
from stepdown.disclosures.outbound import INTERNAL_MARKER, OUTBOUND_MARKER
from stepdown.settings import Settings

# What looks like a document or a feed for someone else: a PDF, a calendar, a print page,
# a file download, a packet, the printable summary, and the FHIR API.
OUTBOUND_SHAPE = re.compile(
    r"(\.pdf$|\.ics$|/print$|/download$|review-packet|^/clients/\{client_id\}/accountability$"
    r"|^/fhir/(?!metadata$|auth/))"
)


def _declared(dependant: Dependant) -> set[str]:
    found: set[str] = set()
    call: Callable[..., Any] | None = dependant.call
    if call is not None:
        if hasattr(call, OUTBOUND_MARKER):
            found.add("outbound")
        if hasattr(call, INTERNAL_MARKER):
            found.add("internal")
    for sub in dependant.dependencies:
        found |= _declared(sub)
    return found


def _routes() -> list[tuple[str, set[str]]]:
    app = create_app(Settings(secret_key="x" * 40, _env_file=None))  # type: ignore[arg-type, call-arg]
    return [
        (context.path, _declared(context.original_route.dependant))
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and "GET" in context.original_route.methods
    ]


def test_every_outbound_route_goes_through_the_gate_or_says_it_is_internal() -> None:
    routes = _routes()
    shaped = [(path, kinds) for path, kinds in routes if OUTBOUND_SHAPE.search(path)]
    assert len(shaped) >= 8, "the walk found too few outbound routes to be walking the app"
    bypassing = [path for path, kinds in shaped if not kinds]
    assert not bypassing, f"outbound routes that bypass the disclosure gate: {bypassing}"


def test_the_release_paths_named_by_the_rule_are_gated() -> None:
    gated = {path for path, kinds in _routes() if "outbound" in kinds}
    assert {
        "/clients/{client_id}/accountability",
        "/aftercare/plans/{plan_id}.pdf",
        "/discharge-summaries/{summary_id}.pdf",
        "/episodes/{episode_id}/review-packet",
        "/episodes/{episode_id}/review-packet.pdf",
        "/calendar/feeds/{secret}.ics",
        "/fhir/{resource_type}/{resource_id}",
        "/fhir/{resource_type}",
        "/fhir/Patient/{patient_id}/$everything",
    } <= gated
