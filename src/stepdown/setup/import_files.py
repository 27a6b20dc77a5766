"""Turning an uploaded file into a ``Sheet``: CSV in UTF-8, or the first sheet of an XLSX
workbook. Nothing here knows what the columns mean (``import_rules`` does).

The file came from outside, so everything about it is bounded before it is read: its size,
its rows, its columns, and for a workbook what its zip members unpack to (an XLSX of 2 MB
can hold a sheet of gigabytes). Anything that is not what it claims to be (text that is
not UTF-8, a workbook that is not a zip, a corrupt one) is refused with a sentence saying
what to do, never a traceback.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from typing import Final

import openpyxl  # type: ignore[import-untyped, unused-ignore]

from stepdown.kit.errors import Invalid
from stepdown.setup.import_rules import Sheet, SheetRow

MAX_BYTES: Final = 2 * 1024 * 1024
# Data rows under the heading: enough for a program's whole client list; a larger move is
# split into files, so a refusal does not cost an afternoon's work.
MAX_ROWS: Final = 5000
MAX_COLUMNS: Final = 60
# Rows read in all, blank ones included, before a sheet is judged too long.
MAX_SCANNED_ROWS: Final = 4 * MAX_ROWS
# What a workbook's members may unpack to, together.
MAX_UNPACKED_BYTES: Final = 64 * 1024 * 1024
ZIP_MAGIC: Final = b"PK\x03\x04"
# The old binary Excel format (an OLE2 compound file).
XLS_MAGIC: Final = b"\xd0\xcf\x11\xe0"
UTF8_BOM: Final = b"\xef\xbb\xbf"
DELIMITERS: Final = (",", ";", "\t")


class FileRefused(Invalid):
    """The file cannot be read as a table; the message says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def decode(data: bytes, *, filename: str = "") -> Sheet:
    """The file's heading row and its non-blank rows, as text."""
    if not data.strip():
        raise FileRefused("the file is empty")
    if len(data) > MAX_BYTES:
        raise FileRefused(
            f"the file is {_size(len(data))}; at most {_size(MAX_BYTES)}: "
            "split it into smaller files"
        )
    name = filename.casefold()
    if data.startswith(XLS_MAGIC) or name.endswith(".xls"):
        raise FileRefused(
            "this is the old Excel format (.xls): "
            "save it as an Excel workbook (.xlsx) or as CSV UTF-8"
        )
    if data.startswith(ZIP_MAGIC) or name.endswith((".xlsx", ".xlsm")):
        return _sheet(_workbook_rows(data))
    return _sheet(_csv_rows(data))


def _sheet(rows: Iterable[tuple[int, tuple[str, ...]]]) -> Sheet:
    """The first non-blank row is the heading; blank rows after it are skipped but keep
    their numbers, so a refusal names the row the spreadsheet shows."""
    header: tuple[str, ...] | None = None
    body: list[SheetRow] = []
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > MAX_COLUMNS and any(cell.strip() for cell in cells[MAX_COLUMNS:]):
            raise FileRefused(f"row {number} has more than {MAX_COLUMNS} columns")
        if header is None:
            if number != 1:
                raise FileRefused(
                    f"row 1 is blank: put the headings in row 1 (the first text is in row {number})"
                )
            header = cells
            continue
        if len(body) == MAX_ROWS:
            raise FileRefused(
                f"the file has more than {MAX_ROWS:,} rows under the headings: "
                "split it into smaller files"
            )
        body.append(SheetRow(number, cells))
    if header is None:
        raise FileRefused("the file has no rows")
    if not body:
        raise FileRefused("the file has headings but no rows under them")
    return Sheet(header, tuple(body))


def _csv_rows(data: bytes) -> Iterator[tuple[int, tuple[str, ...]]]:
    try:
        text = data.removeprefix(UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + (len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0)
        line = data[:offset].count(b"\n") + 1
        raise FileRefused(
            f"the file is not UTF-8 text: byte {offset} (line {line}) is not UTF-8. "
            "In the spreadsheet, save it as \u201cCSV UTF-8\u201d, or upload the .xlsx"
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for cells in reader:
            number += 1
            if number > MAX_SCANNED_ROWS:
                raise FileRefused(f"the file has more than {MAX_SCANNED_ROWS:,} rows")
            yield number, tuple(cells)
    except csv.Error as exc:  # the row being read is the one after the last complete row
        raise FileRefused(f"row {number + 1} cannot be read as CSV: {exc}") from None


def _workbook_rows(data: bytes) -> Iterator[tuple[int, tuple[str, ...]]]:
    _check_zip(data)
    try:
        book = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
    # A damaged workbook fails anywhere inside openpyxl (zip, XML, a missing part, a bad
    # style) with whatever exception that step raises: every one of them is the same answer.
    except Exception:
        raise FileRefused(
            "the workbook cannot be opened (it is damaged, or not an .xlsx): "
            "open it in the spreadsheet and save it again, or save it as CSV UTF-8"
        ) from None
    try:
        if not book.worksheets:
            raise FileRefused("the workbook has no sheets")
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # read every row, whatever the file says its size is
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_SCANNED_ROWS:
                raise FileRefused(f"the first sheet has more than {MAX_SCANNED_ROWS:,} rows")
            yield number, tuple(cell_text(value) for value in values)
    except FileRefused:
        raise
    except Exception:  # as above: some damage shows only when the rows are read
        raise FileRefused(
            "the workbook's first sheet cannot be read (the file is damaged): "
            "open it in the spreadsheet and save it again, or save it as CSV UTF-8"
        ) from None
    finally:
        book.close()


def _check_zip(data: bytes) -> None:
    """An .xlsx is a zip of XML files: refuse one that is not a zip, or whose members
    would unpack to more than we read (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise FileRefused(
            "the file is not an Excel workbook (.xlsx): it is not a zip file. "
            "Save it from the spreadsheet as .xlsx or as CSV UTF-8"
        ) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileRefused(
            f"the workbook unpacks to more than {_size(MAX_UNPACKED_BYTES)}: "
            "save the sheet as CSV UTF-8, or split it"
        )


def cell_text(value: object) -> str:
    """A workbook cell as the text a person sees in it: whole numbers without ".0" (phone
    numbers and record numbers are often stored as numbers), dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)
