"""Imports from a spreadsheet in the browser: choose what the file holds and upload it, read
the preview (what it will create, what it refuses and why), confirm.

The confirmation posts the very bytes that were previewed back, compressed into a hidden
field, so nothing is kept on the server between the two steps and the import re-checks the
whole file against the database as it is at that moment. The field is bounded (what it
unpacks to is capped like an upload) and the form carries the CSRF token like every other.
Passwords made for imported staff are shown once, on the result page, which is not cached.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from typing import Annotated, Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from stepdown.kit import bounds
from stepdown.kit.errors import Invalid, StepdownError
from stepdown.kit.web import DbSession
from stepdown.security.actor import Actor
from stepdown.security.deps import allow
from stepdown.security.roles import Role
from stepdown.settings import Settings
from stepdown.setup import access, import_files, import_rules, imports
from stepdown.setup.import_rules import Kind
from stepdown.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
Caller = Annotated[Actor, allow(access.SETUP)]
# Room in a request for the confirmation's other fields and the form's encoding.
FORM_OVERHEAD: Final = 16 * 1024
FILENAME_MAX: Final = 200
EXPIRED: Final = "the confirmation could not be read; upload the file again"


def _kinds(actor: Actor) -> list[Kind]:
    """Staff accounts are made by an administrator only (``security.service``)."""
    return [k for k in Kind if k is not Kind.STAFF or actor.role is Role.ADMIN]


def _upload_limit(request: Request) -> int:
    """The largest file a request can bring: the import's own cap, or less where the
    server's request limit is lower."""
    return min(import_files.MAX_BYTES, _body_limit(request) - FORM_OVERHEAD)


def _body_limit(request: Request) -> int:
    settings: Settings = request.app.state.settings
    return settings.max_body_bytes


def _choose_page(
    request: Request,
    actor: Actor,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "setup/import.html",
        {
            "kinds": [(k.value, k.label) for k in _kinds(actor)],
            "columns": {k: import_rules.COLUMNS[k] for k in _kinds(actor)},
            "values": values or {"kind": Kind.CLIENTS.value},
            "errors": errors or {},
            "limit_kb": _upload_limit(request) // 1024,
            "max_rows": import_files.MAX_ROWS,
        },
        status_code=status_code,
    )


def _kind(form: FormData, actor: Actor) -> Kind:
    value = form.get("kind")
    try:
        kind = Kind(value if isinstance(value, str) else "")
    except ValueError:
        raise Invalid("choose what the file holds", field="kind") from None
    if kind not in _kinds(actor):
        raise Invalid("only an administrator imports staff accounts", field="kind")
    return kind


def _filename(value: object) -> str:
    name = value if isinstance(value, str) else ""
    return bounds.parse_text(name[:FILENAME_MAX], field="file", max_length=FILENAME_MAX)


def _pack(data: bytes) -> str:
    return base64.urlsafe_b64encode(zlib.compress(data, 9)).decode("ascii")


def _unpack(value: object) -> bytes:
    """The previewed file from the confirmation, refused when it is not what ``_pack``
    made or unpacks past the upload cap."""
    if not isinstance(value, str) or not value:
        raise Invalid(EXPIRED, field="file")
    try:
        packed = base64.urlsafe_b64decode(value.encode("ascii"))
        inflater = zlib.decompressobj()
        data = inflater.decompress(packed, import_files.MAX_BYTES + 1)
    except (binascii.Error, UnicodeEncodeError, zlib.error):
        raise Invalid(EXPIRED, field="file") from None
    if not inflater.eof or len(data) > import_files.MAX_BYTES:
        raise Invalid(EXPIRED, field="file")
    return data


def _preview_page(
    request: Request,
    actor: Actor,
    preview: imports.ImportPreview,
    *,
    filename: str,
    data: bytes,
    status_code: int = 200,
) -> Response:
    payload = _pack(data)
    too_large = len(payload) + FORM_OVERHEAD > _body_limit(request)
    context: dict[str, Any] = {
        "preview": preview,
        "kind": preview.kind,
        "filename": filename,
        "payload": "" if too_large else payload,
        "too_large": too_large,
        "refused_rows": len({r.row for r in preview.refused}),
        "kinds": [(k.value, k.label) for k in _kinds(actor)],
        "values": {"kind": preview.kind.value},
        "errors": {},
        "limit_kb": _upload_limit(request) // 1024,
    }
    return render(request, "setup/import_preview.html", context, status_code=status_code)


@router.get("/setup/import", response_class=HTMLResponse)
def import_page(request: Request, actor: Caller) -> Response:
    return _choose_page(request, actor)


@router.post("/setup/import", response_class=HTMLResponse)
async def upload(request: Request, session: DbSession, actor: Caller) -> Response:
    form = await request.form()
    values = {"kind": str(form.get("kind") or "")}
    try:
        kind = _kind(form, actor)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid("choose a CSV or XLSX file", field="file")
        filename = _filename(upload.filename)
        data = await upload.read(import_files.MAX_BYTES + 1)
        sheet = import_files.decode(data, filename=filename)
        preview = imports.preview(session, actor=actor, kind=kind, rows=sheet)
    except StepdownError as exc:
        session.rollback()
        return _choose_page(
            request, actor, values, {exc.field or "file": exc.message}, exc.status_code
        )
    return _preview_page(request, actor, preview, filename=filename, data=data)


@router.post("/setup/import/confirm", response_class=HTMLResponse)
async def confirm(request: Request, session: DbSession, actor: Caller) -> Response:
    form = await request.form()
    values = {"kind": str(form.get("kind") or "")}
    try:
        kind = _kind(form, actor)
        filename = _filename(form.get("filename"))
        data = _unpack(form.get("payload"))
        sheet = import_files.decode(data, filename=filename)
        result = imports.apply(session, actor=actor, kind=kind, rows=sheet)
    except imports.ImportRefused as exc:
        session.rollback()
        return _preview_page(
            request, actor, exc.preview, filename=filename, data=data, status_code=409
        )
    except StepdownError as exc:
        session.rollback()
        return _choose_page(
            request, actor, values, {exc.field or "file": exc.message}, exc.status_code
        )
    return _result_page(request, result, filename)


def _result_page(request: Request, result: imports.ImportResult, filename: str) -> Response:
    response = render(
        request,
        "setup/import_done.html",
        {"result": result, "kind": result.kind, "filename": filename},
    )
    # Passwords and new records: never kept by a browser cache or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response
