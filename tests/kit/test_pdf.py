"""The printed page the program's PDFs share: text the core font can print, and pages
that break by themselves."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from stepdown.kit.pdf import Document, Sizes, latin1

SIZES = Sizes(title=(18, 9), heading=(13, 7), heading_space=3, text=(10, 5))


def test_latin1_keeps_latin1_and_strips_other_accents() -> None:
    assert latin1("Zoë “Łódź” – ok") == 'Zoë "Lódz" - ok'


@given(st.text(max_size=200))
def test_whatever_is_written_comes_out_as_latin1(text: str) -> None:
    printable = latin1(text)
    printable.encode("latin-1")  # never raises
    assert len(printable) >= len([c for c in text if ord(c) < 256])


def test_a_long_text_breaks_onto_a_second_page_and_reads_back() -> None:
    doc = Document("t", sizes=SIZES)
    doc.title("Discharge summary")
    doc.heading("Course of treatment")
    doc.bullets([], empty="No attendance recorded.")
    for n in range(80):
        doc.line(f"Line {n} of the narrative.")
    reader = PdfReader(io.BytesIO(doc.bytes()))
    assert len(reader.pages) == 2
    text = "".join(page.extract_text() for page in reader.pages)
    assert "No attendance recorded." in text
    assert "Line 79 of the narrative." in text
