"""The interactive API reference, served from vendored Swagger UI (no CDN, works offline),
and the OpenAPI document's account of the refusals every operation can answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts

from stepdown.kit.schemas import ErrorBody, ValidationErrorBody
from stepdown.security.actor import Actor
from stepdown.security.deps import POLICY_MARKER, open_route

SWAGGER = "/static/swagger-ui-5.35.0"
router = APIRouter(include_in_schema=False)


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(_: Annotated[Actor | None, open_route("API reference (no data)")]) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/api/openapi.json",
        title="Stepdown API",
        swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
    )


# The refusals every operation of a kind can answer, documented once here rather than on
# each route: the answers come from central handlers (app._install_error_handlers), so the
# document is written the same central way.
MUTATING = {"post", "put", "patch", "delete"}
ERROR_REF = "#/components/schemas/ErrorBody"
VALIDATION_REF = "#/components/schemas/ValidationErrorBody"
REFUSALS: dict[str, str] = {
    "400": "The body could not be read as JSON",
    "401": "Not signed in: no token, or one that is unknown, expired or revoked",
    "403": "The caller's role may not do this (or a browser request without its CSRF token)",
    "404": "An id in the path or the request names nothing the caller may see",
    "409": "A business rule refused the change (`rule` names it); nothing was changed",
    "413": "The request body is larger than the server accepts",
}


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` describe the answers the app really gives.

    FastAPI documents its own 422 body (``HTTPValidationError``); ours is ``ErrorBody`` with
    the list of problems. It also cannot know which operations answer 401, 403, 404, 409 or
    413, because those come from dependencies and services: each is added here from what
    the route declares (its policy, its path ids, its method and body).
    """

    generate = app.openapi  # FastAPI's own, which caches its document on the app

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _document_refusals(app, generate())
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _has_policy(dependant: Dependant) -> bool:
    if dependant.call is not None and hasattr(dependant.call, POLICY_MARKER):
        return True
    return any(_has_policy(sub) for sub in dependant.dependencies)


def _error_content(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": ref}}}


def _document_refusals(app: FastAPI, document: dict[str, Any]) -> None:
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorBody, ValidationErrorBody):
        body = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(body.pop("$defs", {}))
        schemas[model.__name__] = body
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    document["components"]["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (`stepdown tokens create`)",
        }
    }
    guarded: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path and _has_policy(route.dependant):
            guarded.update((context.path, m.lower()) for m in route.methods or ())
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            codes: list[str] = []
            if (path, method) in guarded:
                codes += ["401", "403"]
                operation["security"] = [{"bearer": []}]
            has_body = "requestBody" in operation
            if "{" in path or has_body or _names_an_id(operation):
                codes.append("404")
            if method in MUTATING:
                codes.append("409")
            if has_body:
                codes += ["400", "413"]
            for code in codes:
                responses.setdefault(
                    code, {"description": REFUSALS[code], "content": _error_content(ERROR_REF)}
                )
            if "422" in responses or operation.get("parameters") or has_body:
                responses["422"] = {
                    "description": "The input is invalid; `field` names the first field at fault",
                    "content": _error_content(VALIDATION_REF),
                }


def _names_an_id(operation: dict[str, Any]) -> bool:
    """A query parameter holding an id (``site_id=``): an unknown one is a 404."""
    return any("uuid" in str(p.get("schema", {})) for p in operation.get("parameters", []))
