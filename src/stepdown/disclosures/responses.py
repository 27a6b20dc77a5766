"""The page a refused disclosure answers with: 403, the gate's reason, nothing released."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from stepdown.disclosures.gate import DisclosureRefused
from stepdown.web.templating import render


def refused(request: Request, error: DisclosureRefused, *, back: str = "") -> HTMLResponse:
    """Returned, not raised: the request's transaction commits, so the refusal stays in the
    audit trail."""
    return render(
        request,
        "disclosures/refused.html",
        {"message": error.message, "back": back},
        status_code=403,
    )
