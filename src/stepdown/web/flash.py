"""One-shot messages carried across a redirect in a signed cookie (never PHI)."""

from __future__ import annotations

import base64
import json

from fastapi import Request, Response

from stepdown.security import tokens

FLASH_COOKIE = "stepdown_flash"


def _key(request: Request) -> str:
    key: str = request.app.state.settings.effective_secret_key
    return key


def flash(request: Request, response: Response, message: str, *, kind: str = "info") -> None:
    payload = base64.urlsafe_b64encode(json.dumps([kind, message]).encode()).decode()
    signature = tokens.sign(_key(request), payload)
    response.set_cookie(
        FLASH_COOKIE, f"{payload}.{signature}", httponly=True, samesite="lax", max_age=60
    )


def read(request: Request) -> list[tuple[str, str]]:
    """The pending message, if its signature holds; the caller clears the cookie."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    payload, _, signature = raw.rpartition(".")
    if not payload or not tokens.same(tokens.sign(_key(request), payload), signature):
        return []
    try:
        kind, message = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, TypeError):
        return []
    return [(str(kind), str(message))]
