"""What an uploaded file really is, decided from its bytes alone.

The file's name and the type the browser declared are never consulted: a renamed program
is still a program. ``inspect`` accepts exactly three types, the ones a scanner or a phone
produces and a browser shows: PDF, JPEG and PNG. Anything else is refused, naming the
``file`` field, with the reason in words:

1. Signatures of what must never be filed, checked first so the refusal says what the
   file is: programs (ELF, Windows PE "MZ", Mach-O, scripts starting "#!"), archives and
   Office files (ZIP, which .docx/.xlsx are, OLE2, RAR, 7-Zip, gzip, bzip2, xz, RTF), and
   markup a browser would run (HTML, SVG, XML, whatever starts with "<").
2. ``puremagic`` names the type from the file's head and tail (no extension given). The
   best match must be one of the three, and no other match of four or more bytes may be
   present: a file that also reads as something else (a PNG ending in "</svg>") is a
   polyglot and refused. HEIC/HEIF photos and TIFF scans are recognised and refused with
   what to do instead: no browser but Safari shows them, and this server cannot check
   them (Pillow reads TIFF but TIFF's many codecs are a long history of decoder bugs;
   HEIF needs a plugin the program does not carry). A phone's "Most Compatible" setting,
   or printing to PDF, gives a file that is accepted.
3. A ZIP archive hidden at the end of an accepted file (its end-of-central-directory
   record, which must end the file) is refused: JPEG+ZIP and PDF+ZIP polyglots.
4. The type is then checked past its magic number, cheaply:
   - PDF: "%PDF-1.x" or "%PDF-2.x" at byte 0, "%%EOF" in the last 1024 bytes after a
     "startxref" whose offset lands on a cross-reference table or object (ISO 32000-1
     section 7.5.5; a file cut short fails here), and no uncompressed name of active
     content (/JavaScript, /JS, /Launch, /EmbeddedFile(s), /RichMedia, /XFA, hex-escaped
     spellings included). Names inside compressed object streams are not seen: the check
     is a cheap filter, not a sandbox; what protects a viewer is that the file is served
     as a PDF, never sniffed, under a policy that runs nothing (``rules.FILE_CSP``).
   - JPEG and PNG: Pillow opens it with only the expected decoder, at most
     ``MAX_PIXELS`` pixels (its decompression-bomb check holds too); a PNG's chunks and
     CRCs are verified through IEND, a JPEG is decoded (at 1/8 scale, so cheaply), which
     fails on a file cut short. The size returned is the size shown: a JPEG whose EXIF
     orientation turns it a quarter has its width and height swapped.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from typing import IO, Final

import puremagic
from PIL import Image

from stepdown.kit.errors import Invalid

PDF: Final = "application/pdf"
JPEG: Final = "image/jpeg"
PNG: Final = "image/png"
ALLOWED: Final = frozenset({PDF, JPEG, PNG})
# puremagic lists FDF (form data) beside PDF for "%PDF": the same signature.
ALIASES: Final = frozenset({"application/vnd.fdf"})
# A 600-dpi scan of a tabloid page (11 x 17 in) is 6600 x 10200 = 67.3 million pixels;
# nothing a program files is larger. Below Pillow's own bomb threshold (89.5 million).
MAX_PIXELS: Final = 80_000_000
ACCEPTED: Final = "upload a PDF, or a JPEG or PNG photo or scan"

_CHUNK = 1024 * 1024
_PDF_TAIL = 1024  # where readers look for the trailer (ISO 32000-1 section 7.5.5)


@dataclass(frozen=True)
class Detected:
    content_type: str
    width: int | None = None
    height: int | None = None


def _refuse(message: str) -> Invalid:
    return Invalid(message, field="file")


# Step 1: what must never be filed, by its first bytes.
_NEVER: Final = (
    (b"\x7fELF", "a program (ELF executable)"),
    (b"MZ", "a Windows program (PE executable)"),
    (b"\xfe\xed\xfa\xce", "a program (Mach-O executable)"),
    (b"\xfe\xed\xfa\xcf", "a program (Mach-O executable)"),
    (b"\xce\xfa\xed\xfe", "a program (Mach-O executable)"),
    (b"\xcf\xfa\xed\xfe", "a program (Mach-O executable)"),
    (b"\xca\xfe\xba\xbe", "a program (Mach-O or Java class)"),
    (b"#!", "a script"),
    (b"\x00asm", "a program (WebAssembly)"),
    (b"PK\x03\x04", "an archive or Office file (ZIP, .docx, .xlsx)"),
    (b"PK\x05\x06", "an archive (ZIP)"),
    (b"PK\x07\x08", "an archive (ZIP)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Office file (.doc, .xls)"),
    (b"Rar!", "an archive (RAR)"),
    (b"7z\xbc\xaf\x27\x1c", "an archive (7-Zip)"),
    (b"\x1f\x8b", "an archive (gzip)"),
    (b"BZh", "an archive (bzip2)"),
    (b"\xfd7zXZ\x00", "an archive (xz)"),
    (b"{\\rtf", "a word-processor file (RTF)"),
)
_MARKUP = re.compile(rb"\A(?:\xef\xbb\xbf|\xff\xfe|\xfe\xff)?[\x00\s]*<")
# Step 2: types recognised only to say what to do instead.
_INSTEAD: Final = {
    "image/heic": "a HEIC photo, which browsers cannot show; take or share the photo as "
    "JPEG (on an iPhone: Settings, Camera, Formats, Most Compatible)",
    "image/heif": "a HEIC/HEIF photo, which browsers cannot show; take or share the photo "
    "as JPEG (on an iPhone: Settings, Camera, Formats, Most Compatible)",
    "image/avif": "an AVIF image; save it as JPEG or PNG",
    "image/tiff": "a TIFF scan, which browsers cannot show; scan to PDF (or print the TIFF to PDF)",
}


def _never(head: bytes) -> str | None:
    for signature, what in _NEVER:
        if head.startswith(signature):
            return what
    if _MARKUP.match(head):
        return "a web page or markup (HTML, SVG or XML)"
    return None


def _matches(stream: IO[bytes]) -> list[puremagic.PureMagicWithConfidence]:
    stream.seek(0)
    try:
        found = puremagic.magic_stream(stream)
    except (puremagic.PureError, ValueError):
        found = []
    stream.seek(0)
    return sorted(found, key=lambda m: (m.confidence, len(m.byte_match)), reverse=True)


def _identify(stream: IO[bytes]) -> str:
    """The allowed type the file's best match names, or a refusal saying what it is."""
    matches = _matches(stream)
    if not matches:
        raise _refuse(f"the file's type could not be recognised; {ACCEPTED}")
    best = matches[0]
    if best.mime_type not in ALLOWED:
        what = _INSTEAD.get(best.mime_type)
        if what is not None:
            raise _refuse(f"the file is {what}")
        name = best.name or best.mime_type or "another kind of file"
        raise _refuse(f"the file is not a PDF, JPEG or PNG (it reads as {name}); {ACCEPTED}")
    for other in matches[1:]:
        if (
            other.mime_type not in ALLOWED | ALIASES
            and len(other.byte_match) >= 4
            and other.mime_type != best.mime_type
        ):
            raise _refuse(
                f"the file reads both as {best.name} and as {other.name or other.mime_type}; "
                f"{ACCEPTED}"
            )
    return str(best.mime_type)


def _size(stream: IO[bytes]) -> int:
    return stream.seek(0, 2)


def _tail(stream: IO[bytes], n: int) -> tuple[int, bytes]:
    size = _size(stream)
    start = max(0, size - n)
    stream.seek(start)
    return start, stream.read(n)


# Step 3: a ZIP's end-of-central-directory record ends the file: 22 bytes and a comment of
# the length it gives (APPNOTE.TXT 4.3.16), within the last 64 KiB + 22 bytes.
_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22


def _hides_zip(stream: IO[bytes]) -> bool:
    start, tail = _tail(stream, 0xFFFF + _EOCD_SIZE)
    size = start + len(tail)
    at = tail.rfind(_EOCD)
    while at != -1:
        if at + _EOCD_SIZE <= len(tail):
            (comment,) = struct.unpack_from("<H", tail, at + 20)
            if start + at + _EOCD_SIZE + comment == size:
                return True
        at = tail.rfind(_EOCD, 0, at)
    return False


# Step 4, PDF.
_PDF_HEADER = re.compile(rb"\A%PDF-[12]\.\d")
_STARTXREF = re.compile(rb"startxref\s+(\d{1,15})\s+%%EOF")
_XREF_TARGET = re.compile(rb"\A\s*(?:xref|\d{1,10}\s+\d{1,5}\s+obj)")
_ACTIVE_NAMES: Final = frozenset(
    {b"javascript", b"js", b"launch", b"embeddedfile", b"embeddedfiles", b"richmedia", b"xfa"}
)
_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]{1,127})")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_OVERLAP = 256


def _pdf_name(raw: bytes) -> bytes:
    return _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw).lower()


def _has_active_content(stream: IO[bytes]) -> bool:
    stream.seek(0)
    carry = b""
    while chunk := stream.read(_CHUNK):
        window = carry + chunk
        for match in _NAME.finditer(window):
            if _pdf_name(match.group(1)) in _ACTIVE_NAMES:
                return True
        carry = window[-_OVERLAP:]
    return False


def _check_pdf(stream: IO[bytes]) -> Detected:
    stream.seek(0)
    if not _PDF_HEADER.match(stream.read(16)):
        raise _refuse(f"the file does not start as a PDF does; {ACCEPTED}")
    start, tail = _tail(stream, _PDF_TAIL)
    size = start + len(tail)
    eof = tail.rfind(b"%%EOF")
    trailer = tail.rfind(b"startxref", 0, eof) if eof != -1 else -1
    found = _STARTXREF.match(tail, trailer) if trailer != -1 else None
    if found is None:
        raise _refuse(
            "the PDF has no end (it may have been cut short in transfer); save or scan it again"
        )
    offset = int(found.group(1))
    if offset >= size:
        raise _refuse("the PDF is damaged (its index points past its end); save or scan it again")
    stream.seek(offset)
    if not _XREF_TARGET.match(stream.read(64)):
        raise _refuse("the PDF is damaged (its index is not where it says); save or scan it again")
    if _has_active_content(stream):
        raise _refuse(
            "the PDF contains scripts, actions or attached files; print it to a new PDF "
            "(or scan the paper) and upload that"
        )
    return Detected(PDF)


# Step 4, PNG past Pillow's reading of the header: the chunks run from the signature to an
# IEND that ends the file, and the image data inflates to exactly the bytes the header's
# size, color type, bit depth and interlacing call for (PNG specification, 3rd ed.,
# sections 5.3, 7.2 and 8.2), streamed in bounded pieces: a file cut short or with
# garbled pixel data fails, without decoding the picture into memory.
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_CHANNELS: Final = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_ADAM7: Final = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)


def _png_raw_size(width: int, height: int, depth: int, color: int, interlaced: bool) -> int:
    bits = depth * _CHANNELS[color]

    def rows(w: int, h: int) -> int:
        return h * (1 + (w * bits + 7) // 8) if w and h else 0

    if not interlaced:
        return rows(width, height)
    return sum(
        rows(
            (width - x0 + dx - 1) // dx if width > x0 else 0,
            (height - y0 + dy - 1) // dy if height > y0 else 0,
        )
        for x0, y0, dx, dy in _ADAM7
    )


def _png_data_complete(stream: IO[bytes]) -> bool:
    stream.seek(0)
    if stream.read(8) != _PNG_SIGNATURE:
        return False
    header = stream.read(8 + 13)
    if len(header) != 21 or header[4:8] != b"IHDR":
        return False
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header[8:])
    if color not in _CHANNELS:
        return False
    expected = _png_raw_size(width, height, depth, color, interlace == 1)
    stream.seek(8 + 8 + 13 + 4)
    inflater = zlib.decompressobj()
    produced = 0
    while True:
        head = stream.read(8)
        if len(head) != 8:
            return False
        length, kind = struct.unpack(">I4s", head)
        if kind == b"IEND":
            stream.seek(-8, 1)
            produced += len(inflater.flush())  # output zlib still held (at most its window)
            return (
                stream.read(len(_IEND) + 1) == _IEND
                and inflater.eof
                and not inflater.unconsumed_tail
                and produced == expected
            )
        if kind != b"IDAT":
            stream.seek(length + 4, 1)
            continue
        remaining = length
        while remaining:
            piece = stream.read(min(remaining, _CHUNK))
            if not piece:
                return False
            remaining -= len(piece)
            data = piece
            while data and not inflater.eof:
                produced += len(inflater.decompress(data, _CHUNK))
                if produced > expected:
                    return False
                data = inflater.unconsumed_tail
        stream.seek(4, 1)  # the CRC, checked by Pillow's verify


# Step 4, images. Pillow names phone JPEGs with several pictures (MPO) apart.
_FORMATS: Final = {JPEG: ("JPEG", frozenset({"JPEG", "MPO"})), PNG: ("PNG", frozenset({"PNG"}))}


# EXIF orientations (TIFF tag 274) that turn the picture a quarter: a phone stores a
# portrait photo as landscape pixels with one of these, and every browser shows a JPEG
# turned as its orientation says (CSS Images 3, image-orientation: from-image), so the
# size a preview is given is the size shown, width and height swapped.
_ORIENTATION: Final = 0x0112
_QUARTER_TURNS: Final = frozenset({5, 6, 7, 8})


def _turned(image: Image.Image) -> bool:
    try:
        return image.getexif().get(_ORIENTATION) in _QUARTER_TURNS
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, TypeError):
        return False  # unreadable EXIF is ignored, as browsers ignore it


def _check_image(stream: IO[bytes], content_type: str) -> Detected:
    decoder, names = _FORMATS[content_type]
    label = "JPEG" if content_type == JPEG else "PNG"
    unreadable = f"the {label} image is damaged or was cut short; save or scan it again"
    stream.seek(0)
    try:
        with Image.open(stream, formats=[decoder]) as image:
            width, height = image.size
            if image.format not in names:
                raise _refuse(unreadable)
            if width * height > MAX_PIXELS:
                raise _refuse(
                    f"the image is {width}×{height} pixels; the most is "
                    f"{MAX_PIXELS // 1_000_000} million (scan at 300 dpi)"
                )
            if content_type == PNG:
                image.verify()
                if not _png_data_complete(stream):
                    raise _refuse(unreadable)
            else:
                if _turned(image):
                    width, height = height, width
                image.draft("L", (max(1, image.width // 8), max(1, image.height // 8)))
                image.load()
    except Image.DecompressionBombError:
        raise _refuse(
            f"the image is too large to open; the most is {MAX_PIXELS:,} pixels"
        ) from None
    except Image.DecompressionBombWarning:  # only raised where warnings are errors (tests)
        raise _refuse(
            f"the image is too large to open; the most is {MAX_PIXELS:,} pixels"
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, TypeError):
        raise _refuse(unreadable) from None
    return Detected(content_type, width, height)


def inspect(stream: IO[bytes]) -> Detected:
    """What the file is, or ``Invalid`` (field ``file``) saying why it is refused. Reads
    the seekable ``stream`` from its start, in bounded pieces."""
    stream.seek(0)
    head = stream.read(64)
    if not head:
        raise _refuse("the file is empty")
    what = _never(head)
    if what is not None:
        raise _refuse(f"the file is {what}; {ACCEPTED}")
    content_type = _identify(stream)
    if _hides_zip(stream):
        raise _refuse(f"the file has an archive (ZIP) hidden at its end; {ACCEPTED}")
    if content_type == PDF:
        return _check_pdf(stream)
    return _check_image(stream, content_type)
