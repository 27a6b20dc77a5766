"""Run pyx12's validator (the library behind ``x12valid``) on a file's text, in process.

It reads the interchange against the implementation guide's map named by GS08 and the
external code lists it carries, and reports each error with the segment it was found in.
Running it in process (not as a subprocess per file) keeps the suite fast; what it checks
is the same as ``x12valid FILE``.

pyx12 writes its findings as one JSON document (``errh_json``): a tree of interchanges,
groups and transactions, each with its own ``errors``, the transactions holding the
segments that had errors and, under them, the elements that had errors. ``errors`` walks
that tree and flattens it into one line per error.
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyx12.params
import pyx12.x12n_document


def errors(text: str) -> list[str]:
    """Every error pyx12 reports, one line each, in file order; empty when the file is
    valid. A segment's error reads "SEG position: code message", the position counted in
    its transaction set from ST as 1 (as a 999's IK302 counts) and the code pyx12's (for a
    segment or an element, the 999's IK304 or IK403 code); an element's error reads
    "SEG position ELEMENT: code message"; an envelope's "ISA: code message" (or GS, ST)."""
    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    param = pyx12.params.params()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "claim.x12"
        source.write_text(text, encoding="ascii")
        found = io.StringIO()
        ack = io.StringIO()
        ok = pyx12.x12n_document.x12n_document(
            param=param, src_file=str(source), fd_997=ack, fd_html=None, fd_json=found
        )
    raw = found.getvalue()
    messages = list(_messages(json.loads(raw))) if raw.strip() else []
    if not ok and not messages:
        messages.append("pyx12 rejected the file without naming an error")
    return messages


def _messages(document: Mapping[str, Any]) -> Iterator[str]:
    for interchange in document.get("interchanges", ()):
        yield from _envelope("ISA", interchange)
        for group in interchange.get("groups", ()):
            yield from _envelope("GS", group)
            for transaction in group.get("transactions", ()):
                yield from _envelope("ST", transaction)
                for segment in transaction.get("segments", ()):
                    yield from _segment(segment)


def _envelope(name: str, node: Mapping[str, Any]) -> Iterator[str]:
    for error in node.get("errors", ()):
        yield f"{name}: {_error(error)}"


def _segment(segment: Mapping[str, Any]) -> Iterator[str]:
    where = f"{segment.get('seg_id') or '?'} {segment.get('seg_count', '?')}"
    for error in segment.get("errors", ()):
        yield f"{where}: {_error(error)}"
    for element in segment.get("elements", ()):
        name = _element_name(segment, element)
        for error in element.get("errors", ()):
            yield f"{where} {name}: {_error(error)}"


def _element_name(segment: Mapping[str, Any], element: Mapping[str, Any]) -> str:
    """E.g. "N403" or "CLM05-3", as the implementation guides name elements."""
    position = element.get("ele_pos")
    if not isinstance(position, int):
        return "element"
    name = f"{segment.get('seg_id') or ''}{position:02d}"
    sub = element.get("subele_pos")
    return f"{name}-{sub}" if isinstance(sub, int) and sub > 0 else name


def _error(error: Mapping[str, Any]) -> str:
    text = f"{error.get('err_cde', '?')} {' '.join(str(error.get('err_str', '')).split())}"
    value = error.get("err_val")
    if value in (None, "") or f"({value})" in text:
        return text
    return f"{text} (value {value!r})"
