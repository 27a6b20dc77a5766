"""Decoding an uploaded import file: CSV in UTF-8 (with or without a BOM), an .xlsx's first
sheet, and a sentence, never a traceback, for everything else."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from stepdown.setup import import_files
from stepdown.setup.import_files import FileRefused
from stepdown.setup.import_rules import SheetRow

CSV = 'first_name,last_name,date_of_birth\nAna,Núñez,1988-03-04\n\nBo,"Park, Jr",1990-01-02\n'


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=number, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class TestCsv:
    def test_utf8_rows_keep_their_spreadsheet_numbers(self) -> None:
        sheet = import_files.decode(CSV.encode(), filename="clients.csv")
        assert sheet.header == ("first_name", "last_name", "date_of_birth")
        assert sheet.rows == (
            SheetRow(2, ("Ana", "Núñez", "1988-03-04")),
            SheetRow(4, ("Bo", "Park, Jr", "1990-01-02")),
        )

    def test_a_byte_order_mark_is_dropped(self) -> None:
        sheet = import_files.decode(b"\xef\xbb\xbf" + CSV.encode(), filename="clients.csv")
        assert sheet.header[0] == "first_name"

    def test_semicolons_and_tabs_separate_too(self) -> None:
        for delimiter in (";", "\t"):
            text = CSV.replace(",", delimiter).replace(f'"Park{delimiter} Jr"', "Park")
            assert import_files.decode(text.encode()).rows[0].cells == (
                "Ana",
                "Núñez",
                "1988-03-04",
            )

    def test_latin1_is_refused_naming_the_byte_and_line(self) -> None:
        with pytest.raises(FileRefused) as refused:
            import_files.decode(CSV.encode("latin-1"), filename="clients.csv")
        # The heading line is 35 bytes, then "Ana,N": the Latin-1 "ú" is byte 40.
        assert "byte 40 (line 2) is not UTF-8" in refused.value.message
        assert refused.value.field == "file"

    def test_the_byte_offset_counts_the_bom(self) -> None:
        with pytest.raises(FileRefused, match=r"byte 3 \(line 1\)"):
            import_files.decode(b"\xef\xbb\xbf\xff,b\n1,2\n")

    def test_empty_headings_only_and_blank_first_row_are_refused(self) -> None:
        for data, words in [
            (b"", "empty"),
            (b"   \n", "empty"),
            (b"a,b\n", "no rows under them"),
            (b"\na,b\n1,2\n", "row 1 is blank"),
            (b",,\n,,\n", "no rows"),
        ]:
            with pytest.raises(FileRefused, match=words):
                import_files.decode(data)

    def test_caps_on_size_rows_and_columns(self) -> None:
        with pytest.raises(FileRefused, match=r"at most 2\.0 MB"):
            import_files.decode(b"a\n" + b"x" * import_files.MAX_BYTES)
        rows = b"a\n" + b"1\n" * (import_files.MAX_ROWS + 1)
        with pytest.raises(FileRefused, match="more than 5,000 rows"):
            import_files.decode(rows)
        assert len(import_files.decode(b"a\n" + b"1\n" * import_files.MAX_ROWS).rows) == 5000
        wide = ",".join(["h"] * (import_files.MAX_COLUMNS + 1)).encode()
        with pytest.raises(FileRefused, match="more than 60 columns"):
            import_files.decode(wide + b"\n" + wide)

    def test_a_malformed_quote_is_a_refusal(self) -> None:
        huge = b'a\n"' + b"x" * (200 * 1024) + b'"\n'
        with pytest.raises(FileRefused, match="row 2 cannot be read as CSV"):
            import_files.decode(huge)

    def test_old_excel_is_told_to_save_as_xlsx(self) -> None:
        with pytest.raises(FileRefused, match=r"old Excel format \(.xls\)"):
            import_files.decode(b"\xd0\xcf\x11\xe0" + b"\x00" * 100, filename="c.xls")


class TestXlsx:
    def test_the_first_sheet_is_read_as_the_text_people_see(self) -> None:
        data = _xlsx(
            [
                ["record_number", "phone", "date_of_birth", "admission_date", "note"],
                [1234, 5550102345, datetime(1988, 3, 4), date(2026, 1, 5), 1.5],  # noqa: DTZ001
                [None, None, None, None, None],
                ["A-2", "555-0102", "1990-01-02", None, True],
            ]
        )
        sheet = import_files.decode(data, filename="clients.xlsx")
        assert sheet.header == ("record_number", "phone", "date_of_birth", "admission_date", "note")
        assert sheet.rows[0] == SheetRow(
            2, ("1234", "5550102345", "1988-03-04", "2026-01-05", "1.5")
        )
        assert sheet.rows[1].number == 4
        assert sheet.rows[1].cells == ("A-2", "555-0102", "1990-01-02", "", "TRUE")

    def test_a_workbook_is_known_by_its_content_whatever_its_name(self) -> None:
        data = _xlsx([["a"], ["1"]])
        assert import_files.decode(data, filename="export.csv").rows[0].cells == ("1",)

    def test_a_file_named_xlsx_that_is_no_zip_is_refused(self) -> None:
        with pytest.raises(FileRefused, match="not a zip file"):
            import_files.decode(b"first_name\nAna\n", filename="clients.xlsx")

    def test_a_truncated_workbook_is_refused(self) -> None:
        data = _xlsx([["a"], ["1"]])
        with pytest.raises(FileRefused, match="not a zip file"):
            import_files.decode(data[: len(data) // 2], filename="clients.xlsx")

    def test_a_zip_that_is_no_workbook_is_refused(self) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "not a workbook")
        with pytest.raises(FileRefused, match="cannot be opened"):
            import_files.decode(buffer.getvalue(), filename="clients.xlsx")

    def test_a_workbook_with_a_damaged_sheet_is_refused(self) -> None:
        source = zipfile.ZipFile(io.BytesIO(_xlsx([["a"], ["1"]])))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for member in source.infolist():
                content = source.read(member.filename)
                if member.filename == "xl/worksheets/sheet1.xml":
                    content = content[: len(content) // 2]
                archive.writestr(member, content)
        with pytest.raises(FileRefused, match="damaged"):
            import_files.decode(buffer.getvalue(), filename="clients.xlsx")

    def test_a_zip_bomb_is_refused_before_it_is_unpacked(self) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (65 * 1024 * 1024))
        assert len(buffer.getvalue()) < import_files.MAX_BYTES
        with pytest.raises(FileRefused, match="unpacks to more than"):
            import_files.decode(buffer.getvalue(), filename="clients.xlsx")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (5550102345.0, "5550102345"),
        (1e20, "1e+20"),
        (-0.25, "-0.25"),
        (False, "FALSE"),
        (datetime(2026, 1, 5, 9, 30), "2026-01-05T09:30:00"),  # noqa: DTZ001 - cells have no zone
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert import_files.cell_text(value) == text
