"""A one-column printed page (fpdf2, generated on the server) for what the program hands
to people: the aftercare plan, the discharge summary.

The PDF core font (Helvetica) covers Latin-1 only; other characters are reduced to their
closest Latin-1 form (an accent dropped) rather than printed as boxes, since a missing
glyph could hide a name or a phone number.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import XPos, YPos

_PUNCTUATION = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
# Letters with no decomposition to a Latin-1 base.
_LETTERS = str.maketrans(
    {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Œ": "OE", "œ": "oe"}
)


def latin1(text: str) -> str:
    """Text the core font can print: Latin-1 as is, other letters without their accents."""
    text = text.translate(_PUNCTUATION).translate(_LETTERS)
    out = []
    for char in text:
        if ord(char) < 256:
            out.append(char)
            continue
        base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
        out.append(base or "?")
    return "".join(out)


@dataclass(frozen=True)
class Sizes:
    """Font sizes (points) and line heights (mm) of a document's title, headings and text:
    a plan a client reads at home is set larger than a summary a provider files."""

    title: tuple[float, float]
    heading: tuple[float, float]
    heading_space: float
    text: tuple[float, float]


class Document:
    """A US Letter page with 18 mm margins that breaks onto new pages by itself."""

    def __init__(self, title: str, *, sizes: Sizes) -> None:
        self.sizes = sizes
        self.pdf = FPDF(format="Letter")
        self.pdf.set_title(title)
        self.pdf.set_auto_page_break(auto=True, margin=18)
        self.pdf.set_margins(18, 18, 18)
        self.pdf.add_page()

    def _write(self, text: str, size: tuple[float, float], style: str = "") -> None:
        points, height = size
        self.pdf.set_font("Helvetica", style, points)
        self.pdf.multi_cell(0, height, latin1(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def logo(self, data: bytes) -> None:
        """The program's logo at the head of the page, 15 mm high, its width to scale."""
        self.pdf.image(io.BytesIO(data), h=15)
        self.pdf.ln(2)

    def title(self, text: str) -> None:
        self._write(text, self.sizes.title, "B")

    def heading(self, text: str) -> None:
        self.pdf.ln(self.sizes.heading_space)
        self._write(text, self.sizes.heading, "B")

    def line(self, text: str) -> None:
        self._write(text, self.sizes.text)

    def strong(self, text: str) -> None:
        self._write(text, self.sizes.text, "B")

    def paragraph(self, text: str, *, empty: str = "None written.") -> None:
        self.line(text or empty)

    def bullets(self, items: list[str], *, empty: str) -> None:
        if not items:
            self.line(empty)
        for item in items:
            self.line(f"-  {item}")

    def bytes(self) -> bytes:
        return bytes(self.pdf.output())
