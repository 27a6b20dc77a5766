"""What an upload is, decided from its bytes: real PNG, JPEG and PDF files pass; programs,
scripts, archives, markup, polyglots, truncated files and image bombs are refused with the
``file`` field named; random bytes never crash the check and are never taken for one of
the three types."""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript

from stepdown.documents import content
from stepdown.kit.errors import Invalid
from tests.documents.factories import (
    ELF,
    HTML,
    PE,
    SCRIPT,
    SVG,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    raw_pdf,
    zip_bytes,
)


def _inspect(data: bytes) -> content.Detected:
    return content.inspect(io.BytesIO(data))


def _refusal(data: bytes) -> str:
    with pytest.raises(Invalid) as caught:
        _inspect(data)
    assert caught.value.field == "file"
    return caught.value.message


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels, with (almost) no pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + _chunk(b"IEND", b"")
    )


def _pypdf(change: object) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    change(writer)  # type: ignore[operator]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class TestAccepted:
    def test_a_png_is_a_png_with_its_size(self) -> None:
        assert _inspect(png_bytes((40, 30))) == content.Detected(content.PNG, 40, 30)

    def test_a_jpeg_is_a_jpeg_with_its_size(self) -> None:
        assert _inspect(jpeg_bytes((64, 48))) == content.Detected(content.JPEG, 64, 48)

    def test_a_pdf_is_a_pdf(self) -> None:
        assert _inspect(pdf_bytes()) == content.Detected(content.PDF)

    def test_a_pdf_rewritten_by_another_producer_is_a_pdf(self) -> None:
        assert _inspect(_pypdf(lambda writer: None)).content_type == content.PDF

    def test_a_hand_written_pdf_with_a_correct_index_is_a_pdf(self) -> None:
        data = raw_pdf(
            b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"
        )
        assert _inspect(data).content_type == content.PDF

    def test_a_jpeg_with_trailing_bytes_after_its_end_is_a_jpeg(self) -> None:
        # Some phones append their own data after the image's end marker.
        assert _inspect(jpeg_bytes() + b"\x00" * 64 + b"SEFT").content_type == content.JPEG


class TestRenamedOrForeign:
    @pytest.mark.parametrize(
        ("data", "says"),
        [
            (ELF, "a program (ELF executable)"),
            (PE, "a Windows program (PE executable)"),
            (SCRIPT, "a script"),
            (b"#!/usr/bin/env python3\nprint('x')\n", "a script"),
            (zip_bytes(), "an archive or Office file"),
            (HTML, "a web page or markup"),
            (b"\n  <html><body>hi</body></html>", "a web page or markup"),
            (SVG, "a web page or markup"),
            (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "markup"),
            ("\ufeff<html></html>".encode("utf-16-le"), "a web page or markup"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "an Office file"),
            (b"{\\rtf1\\ansi hello}", "RTF"),
            (zlib.compress(b"x") and b"\x1f\x8b\x08\x00" + b"\x00" * 40, "gzip"),
        ],
    )
    def test_is_refused_saying_what_it_is(self, data: bytes, says: str) -> None:
        assert says in _refusal(data)

    def test_text_is_refused_as_unrecognised(self) -> None:
        assert "could not be recognised" in _refusal(b"Dear Sir, please find attached")

    def test_an_empty_file_is_refused(self) -> None:
        assert _refusal(b"") == "the file is empty"

    def test_a_heic_photo_is_refused_with_what_to_do(self) -> None:
        heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
        assert "Most Compatible" in _refusal(heic)

    def test_a_tiff_scan_is_refused_with_what_to_do(self) -> None:
        out = io.BytesIO()
        Image.new("L", (20, 20)).save(out, "TIFF")
        assert "scan to PDF" in _refusal(out.getvalue())

    @pytest.mark.parametrize("fmt", ["GIF", "BMP", "WEBP"])
    def test_another_image_type_is_refused(self, fmt: str) -> None:
        out = io.BytesIO()
        Image.new("RGB", (20, 20)).save(out, fmt)
        assert "not a PDF, JPEG or PNG" in _refusal(out.getvalue())


class TestPolyglotsAndDamage:
    @pytest.mark.parametrize("make", [png_bytes, jpeg_bytes, pdf_bytes])
    def test_an_archive_appended_to_an_accepted_file_is_refused(self, make: object) -> None:
        data = make() + zip_bytes()  # type: ignore[operator]
        assert "archive (ZIP) hidden at its end" in _refusal(data)

    def test_a_png_that_ends_as_svg_is_refused(self) -> None:
        assert "reads both as" in _refusal(png_bytes() + b"<svg></svg>")

    def test_the_bytes_pk_inside_an_image_are_not_an_archive(self) -> None:
        # Only a real end-of-central-directory record (ending the file) counts.
        data = jpeg_bytes() + b"PK\x05\x06" + b"\x00" * 40
        assert _inspect(data).content_type == content.JPEG

    @pytest.mark.parametrize(
        ("data", "says"),
        [
            (png_bytes()[:-20], "PNG image is damaged or was cut short"),
            (jpeg_bytes((200, 100))[:-60], "JPEG image is damaged or was cut short"),
            (pdf_bytes()[:400], "PDF has no end"),
            (b"%PDF-1.4\n" + b"x" * 200 + b"\n%%EOF\n", "PDF has no end"),
            (b"%PDF-1.4\nstartxref\n999999\n%%EOF\n", "points past its end"),
            (b"%PDF-1.4\n1 0 obj\nstartxref\n3\n%%EOF\n", "its index is not where it says"),
            (b"%PDF-9.9\n%%EOF\n", "does not start as a PDF does"),
        ],
    )
    def test_a_damaged_or_truncated_file_is_refused(self, data: bytes, says: str) -> None:
        assert says in _refusal(data)

    def test_a_png_with_a_broken_checksum_is_refused(self) -> None:
        data = bytearray(png_bytes())
        data[40] ^= 0xFF  # inside IDAT: its CRC no longer matches
        assert "PNG image is damaged" in _refusal(bytes(data))

    @pytest.mark.parametrize(
        "change",
        [
            lambda writer: writer.add_open_action(JavaScript("app.alert(1)")),
            lambda writer: writer.add_attachment("invoice.exe", b"MZ" + b"\x00" * 64),
        ],
        ids=["javascript", "attachment"],
    )
    def test_a_pdf_with_active_content_is_refused(self, change: object) -> None:
        assert "scripts, actions or attached files" in _refusal(_pypdf(change))

    def test_a_hex_escaped_javascript_name_is_seen(self) -> None:
        data = raw_pdf(b"<< /Type /Catalog /OpenAction << /S /J#61vaScript /J#53 (x) >> >>")
        assert "scripts, actions or attached files" in _refusal(data)

    def test_a_name_that_only_starts_like_one_is_not_active_content(self) -> None:
        data = raw_pdf(b"<< /Type /Catalog /JSONish 1 /Launcher 2 >>")
        assert _inspect(data).content_type == content.PDF


class TestImageBombs:
    def test_a_png_over_pillows_bomb_limit_is_refused(self) -> None:
        assert "too large to open" in _refusal(png_declaring(20_000, 20_000))

    def test_a_png_over_the_programs_pixel_limit_is_refused(self) -> None:
        # 9000 x 9000 = 81 million pixels: under Pillow's threshold, over ours.
        assert "the most is 80 million" in _refusal(png_declaring(9_000, 9_000))

    def test_a_png_just_under_the_limit_is_only_refused_for_its_broken_pixels(self) -> None:
        # 8000 x 8000 = 64 million: allowed in size; the stub's pixel data does not verify.
        message = _refusal(png_declaring(8_000, 8_000))
        assert "million" not in message


# --- properties -----------------------------------------------------------------------

ALLOWED_PREFIXES = [
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff\xe0",
    b"\xff\xd8\xff",
    b"%PDF-1.7\n",
    b"\x7fELF",
    b"MZ",
    b"PK\x03\x04",
    b"<html>",
    b"#!",
    b"\x00\x00\x00\x18ftypheic",
    b"II*\x00",
    b"GIF89a",
]


PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")


def _really_is(data: bytes, detected: content.Detected) -> bool:
    """An oracle apart from ``inspect``: Pillow with every decoder, or pypdf, agrees."""
    if detected.content_type == content.PDF:
        # A PDF by its own definition (ISO 32000-1 section 7.5: a header line first, the
        # end-of-file marker last); a damaged object inside is still a PDF, and the viewer
        # that shows it is sandboxed by the browser.
        return bool(PDF_HEADER.match(data)) and b"%%EOF" in data[-1024:]
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        expected = {content.PNG: {"PNG"}, content.JPEG: {"JPEG", "MPO"}}
        return image.format in expected[detected.content_type]


def _check(data: bytes) -> None:
    refusal: Invalid | None = None
    try:
        detected = _inspect(data)
    except Invalid as exc:
        refusal = exc
    if refusal is not None:
        assert refusal.field == "file"
        assert refusal.message
        return
    assert detected.content_type in content.ALLOWED
    assert _really_is(data, detected)


HYPOTHESIS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@HYPOTHESIS
@given(st.binary(max_size=4096))
def test_random_bytes_never_crash_and_are_never_accepted_wrongly(data: bytes) -> None:
    _check(data)


@HYPOTHESIS
@given(st.sampled_from(ALLOWED_PREFIXES), st.binary(max_size=2048), st.binary(max_size=64))
def test_random_bytes_behind_a_magic_number_never_crash(
    prefix: bytes, middle: bytes, end: bytes
) -> None:
    _check(prefix + middle + end)
    _check(prefix + middle + b"\nstartxref\n9\n%%EOF\n")


VALID = {"png": png_bytes((30, 20)), "jpeg": jpeg_bytes((60, 40)), "pdf": pdf_bytes()}


@HYPOTHESIS
@given(
    st.sampled_from(sorted(VALID)),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=8),
)
def test_a_valid_file_with_bytes_changed_never_crashes(
    name: str, changes: list[tuple[int, int]]
) -> None:
    data = bytearray(VALID[name])
    for at, value in changes:
        data[at % len(data)] = value
    _check(bytes(data))


@HYPOTHESIS
@given(st.sampled_from(["png", "pdf"]), st.data())
def test_a_png_or_pdf_cut_short_is_refused(name: str, data: st.DataObject) -> None:
    whole = VALID[name]
    end = whole.rfind(b"%%EOF") if name == "pdf" else len(whole)
    cut = data.draw(st.integers(0, end - 1))
    with pytest.raises(Invalid) as caught:
        _inspect(whole[:cut])
    assert caught.value.field == "file"
