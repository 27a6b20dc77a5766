"""Pure rules for chart documents: what a filing must say, file names fit to show and to
send back, the headers a stored file is served with, and who corrects a filing.

No I/O here; the content checks, which read the file, are in ``content``.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import date
from typing import Final
from urllib.parse import quote

from stepdown.documents import access
from stepdown.documents.models import DocumentKind
from stepdown.kit import bounds
from stepdown.kit.errors import Invalid
from stepdown.security.roles import Role

DESCRIPTION_MAX: Final = 500
REASON_MIN: Final = 3
REASON_MAX: Final = 300
FILENAME_MAX: Final = 200
# Room in an upload's request for the form's other fields (kind, date, a 500-character
# description, the CSRF token) and the multipart framing, as the spreadsheet import keeps.
FORM_OVERHEAD: Final = 16 * 1024

DUPLICATE: Final = "document_duplicate"
DAMAGED: Final = "document_damaged"
NOT_YOURS: Final = "document_not_yours"
ALREADY_IN_ERROR: Final = "document_already_in_error"


# The routes that take a document's file. The server's request limit (``max_body_bytes``,
# 1 MiB by default, enforced before any route runs) is raised on these alone to what the
# documents' own limit needs: a phone photo or a multi-page scan is several megabytes, and
# every other form and API call stays bounded by the small limit.
UPLOAD_PATH: Final = re.compile(r"\A(?:/api/v1)?/clients/[0-9a-fA-F-]{36}/documents\Z")


def request_limit(documents_max_bytes: int) -> int:
    """The largest request an upload route accepts: the file and the form around it."""
    return documents_max_bytes + FORM_OVERHEAD


def size_text(n: int) -> str:
    """A size as people read it: 20 MB, 980 KB, 512 bytes (binary units, as the limits are
    set)."""
    if n >= 1024 * 1024:
        value = n / (1024 * 1024)
        return f"{value:.0f} MB" if value >= 10 or value == int(value) else f"{value:.1f} MB"
    if n >= 1024:
        return f"{n // 1024} KB"
    return f"{n} bytes"


def too_large_message(limit: int) -> str:
    return f"the file is larger than the {size_text(limit)} a document may be"


def check_kind(role: Role, kind: DocumentKind) -> None:
    """A role files only the kinds it may read back (``access.UPLOADABLE_KINDS``)."""
    if kind not in access.uploadable_kinds(role):
        raise Invalid(f"your role does not file {kind.label.lower()} documents", field="kind")


def check_description(kind: DocumentKind, description: str) -> str:
    """Bounded, storable text; "other" must say what the paper is, or nobody can find it."""
    text = bounds.parse_text(description, field="description", max_length=DESCRIPTION_MAX)
    text = text.strip()
    if kind is DocumentKind.OTHER and not text:
        raise Invalid("say what the document is when its type is Other", field="description")
    return text


def check_document_date(day: date | None, today: date) -> date | None:
    """The date on the paper (issued, signed, collected) cannot be after today: a date
    ahead is a typing slip, and a paper cannot be dated in the future it was filed in."""
    if day is None:
        return None
    bounds.check_day(day, field="document_date")
    if day > today:
        raise Invalid("the document's date cannot be after today", field="document_date")
    return day


def check_reason(reason: str) -> str:
    text = bounds.parse_text(reason, field="reason", max_length=REASON_MAX).strip()
    if len(text) < REASON_MIN:
        raise Invalid(
            "say why the document was entered in error (e.g. wrong client, wrong file)",
            field="reason",
        )
    return text


def may_mark_error(role: Role, actor_id: uuid.UUID | None, uploaded_by: uuid.UUID | None) -> bool:
    """The person who filed it, or the director."""
    if role in access.CORRECTS_ANY:
        return True
    return actor_id is not None and actor_id == uploaded_by


# Characters that change how a name displays without being visible: bidirectional
# overrides and isolates ("invoice<RLO>fdp.exe" shows as "invoiceexe.pdf"), zero-width
# characters, and the byte-order mark.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_UNSAFE = re.compile(r'[\\/:*?"<>|]')


def clean_filename(name: str) -> str:
    """The uploader's file name, fit to display and to offer back: no folders (a browser
    may send "C:\\fakepath\\x.pdf"), no control, format or invisible characters, no
    characters file systems refuse, no leading dots, at most ``FILENAME_MAX`` characters.
    Only ever shown: the stored file is named by its digest."""
    text = unicodedata.normalize("NFC", name)
    text = re.split(r"[\\/]", text)[-1]
    text = _INVISIBLE.sub("", text)
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C")
    text = _UNSAFE.sub("_", text)
    text = " ".join(text.split()).strip(" .")
    if len(text) > FILENAME_MAX:
        stem, dot, extension = text.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            text = stem[: FILENAME_MAX - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            text = text[:FILENAME_MAX].rstrip(" .")
    return text or "document"


# The extensions a stored type is known by; the first is what a name gets when it has none.
EXTENSIONS: Final = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/png": (".png",),
}


def served_name(original: str, content_type: str) -> str:
    """The name a download is offered under: the cleaned name, ending in an extension of
    the type the content really is (a PDF uploaded as "scan.exe" downloads as
    "scan.exe.pdf"), so the computer that saves it opens it as what it is."""
    name = clean_filename(original)
    known = EXTENSIONS.get(content_type, ())
    if known and not name.lower().endswith(known):
        name = name[: FILENAME_MAX - len(known[0])] + known[0]
    return name


def _ascii_fallback(name: str) -> str:
    """For clients that ignore ``filename*``: letters outside ASCII become "_", and the
    quoted-string's specials are dropped (RFC 6266 section 4.3)."""
    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(
        c if 0x20 <= ord(c) < 0x7F and c not in '"\\' else "_"
        for c in decomposed
        if not unicodedata.combining(c)
    )
    return kept or "document"


def content_disposition(disposition: str, filename: str) -> str:
    """``inline`` or ``attachment`` with the name in both forms RFC 6266 (section 4.3)
    recommends: a quoted ASCII ``filename`` and ``filename*`` in UTF-8 (RFC 8187)."""
    if disposition not in ("inline", "attachment"):
        raise ValueError(f"unknown disposition {disposition!r}")
    fallback = _ascii_fallback(filename)
    encoded = quote(filename, safe="")
    if fallback == filename:
        return f'{disposition}; filename="{fallback}"'
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


# The policy a stored file is served under. Nothing in it may run (no script source, no
# sandbox escape); what Chromium's built-in PDF viewer needs is allowed, since it renders
# a PDF opened in a tab through an internal <embed> governed by object-src and a generated
# page whose inline styles must apply (crbug.com/271452; a `sandbox` directive blocks the
# viewer altogether, so there is none). Images need img-src for the image document.
# Nothing may frame it.
FILE_CSP: Final = (
    "default-src 'none'; object-src 'self'; img-src 'self'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def file_headers(content_type: str, filename: str, *, download: bool, size: int) -> dict[str, str]:
    """The headers of a stored file's answer: the type the content was found to be, never
    sniffed, never cached, shown in the tab (images and PDFs) or saved (``download``)."""
    disposition = "attachment" if download or content_type not in EXTENSIONS else "inline"
    return {
        "Content-Type": content_type,
        "Content-Length": str(size),
        "Content-Disposition": content_disposition(disposition, filename),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": FILE_CSP,
        "Cache-Control": "no-store",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
