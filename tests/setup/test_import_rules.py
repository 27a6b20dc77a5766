"""Reading an import file's rows: headings, each field's normalisation and bounds, and the
refusals within the file. Whatever a cell holds, the answer is a refusal, never an error."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from stepdown.continuum.models import Track
from stepdown.security.roles import Role
from stepdown.setup import import_rules as rules
from stepdown.setup.import_rules import Kind, Refusal, Sheet, SheetRow

TODAY = date(2026, 6, 15)
CLIENT_HEADER = (
    "record_number",
    "first_name",
    "last_name",
    "date_of_birth",
    "phone",
    "site",
    "level",
    "track",
    "admission_date",
    "primary_clinician",
)


def _client(**cells: str) -> tuple[str, ...]:
    values = {
        "record_number": "",
        "first_name": "Ana",
        "last_name": "Núñez",
        "date_of_birth": "1988-03-04",
        "phone": "",
        "site": "N",
        "level": "",
        "track": "",
        "admission_date": "",
        "primary_clinician": "",
    }
    values.update(cells)
    return tuple(values[h] for h in CLIENT_HEADER)


def _sheet(header: tuple[str, ...], *rows: tuple[str, ...]) -> Sheet:
    return Sheet(header, tuple(SheetRow(n, cells) for n, cells in enumerate(rows, start=2)))


def _clients(*rows: tuple[str, ...]) -> tuple[list[rules.ClientRecord], list[Refusal]]:
    return rules.read_clients(_sheet(CLIENT_HEADER, *rows), today=TODAY)


def _fields(refusals: list[Refusal]) -> set[tuple[int, str]]:
    return {(r.row, r.field) for r in refusals}


class TestHeadings:
    def test_headings_match_without_case_spaces_or_their_other_names(self) -> None:
        header = ("MRN", "First Name", "Surname", "DOB", "Site code")
        records, refusals = rules.read_clients(
            _sheet(header, ("A-1", "Ana", "Diaz", "03/04/1988", "N")), today=TODAY
        )
        assert refusals == []
        assert records[0].record_number == "A-1"
        assert records[0].date_of_birth == date(1988, 3, 4)

    def test_an_unknown_heading_refuses_the_file_naming_its_column(self) -> None:
        _, refusals = rules.read_clients(
            _sheet((*CLIENT_HEADER, "Insurance"), (*_client(), "Acme")), today=TODAY
        )
        assert [(r.row, r.field) for r in refusals] == [(1, "column K")]
        assert "unknown heading 'Insurance'" in refusals[0].reason

    def test_a_missing_required_column_and_a_repeated_one_are_refused(self) -> None:
        _, refusals = rules.read_staff(_sheet(("username", "Username", "role"), ("a", "b", "c")))
        assert _fields(refusals) == {(1, "column B"), (1, "display_name")}

    def test_a_value_under_no_heading_is_refused(self) -> None:
        _, refusals = _clients((*_client(), "", "stray"))
        assert _fields(refusals) == {(2, "column L")}

    def test_column_letters_run_past_z(self) -> None:
        assert [rules.column_letter(i) for i in (0, 25, 26, 51, 52)] == [
            "A",
            "Z",
            "AA",
            "AZ",
            "BA",
        ]


class TestClientFields:
    def test_a_good_row_is_normalised(self) -> None:
        records, refusals = _clients(
            _client(
                first_name="  Ana  Maria ",
                phone="(555) 010-2345 x12",
                level="iop",
                track="Evening",
                admission_date="2026-05-01",
                primary_clinician="Dr.Lee",
            )
        )
        assert refusals == []
        record = records[0]
        assert record.first_name == "Ana Maria"
        assert record.phone == "(555) 010-2345 x12"
        assert record.track is Track.EVENING
        assert record.admission_date == date(2026, 5, 1)
        assert record.primary_clinician == "dr.lee"

    def test_required_fields_are_named(self) -> None:
        _, refusals = _clients(_client(first_name=" ", date_of_birth="", site=""))
        assert _fields(refusals) == {(2, "first_name"), (2, "date_of_birth"), (2, "site")}

    def test_birth_dates_run_from_1900_to_yesterday(self) -> None:
        ok, _ = _clients(_client(date_of_birth="1900-01-01"))
        assert ok[0].date_of_birth == date(1900, 1, 1)
        for value, words in [
            ("1899-12-31", "on or after 1900-01-01"),
            (TODAY.isoformat(), "before today"),
            ("2026-02-30", "not a date on the calendar"),
            ("04/03/88", "four-digit year"),
            ("99999-01-01", "YYYY-MM-DD"),
        ]:
            _, refusals = _clients(_client(date_of_birth=value))
            assert [r.field for r in refusals] == ["date_of_birth"], value
            assert words in refusals[0].reason, value

    def test_admission_dates_run_from_1990_to_today(self) -> None:
        today, _ = _clients(_client(level="OP", admission_date=TODAY.isoformat()))
        assert today[0].admission_date == TODAY
        for value, words in [
            ("1989-12-31", "on or after 1990-01-01"),
            ((TODAY + timedelta(days=1)).isoformat(), "not be in the future"),
            ("1987-01-01", "on or after"),
        ]:
            _, refusals = _clients(_client(level="OP", admission_date=value))
            assert [r.field for r in refusals] == ["admission_date"], value
            assert words in refusals[0].reason

    def test_an_admission_before_birth_is_refused(self) -> None:
        _, refusals = _clients(
            _client(date_of_birth="2000-01-01", level="OP", admission_date="1999-05-05")
        )
        assert [(r.field, r.reason) for r in refusals] == [
            ("admission_date", "is before the date of birth")
        ]

    def test_level_and_admission_date_come_together(self) -> None:
        _, refusals = _clients(
            _client(level="IOP"), _client(first_name="Bo", admission_date="2026-01-01")
        )
        assert _fields(refusals) == {(2, "admission_date"), (3, "level")}
        _, refusals = _clients(_client(track="day"))
        assert _fields(refusals) == {(2, "track")}

    def test_phone_numbers_are_digits_and_separators(self) -> None:
        for value, words in [
            ("555-CALL-NOW", "use digits"),
            ("12345", "7 to 15 digits (this has 5)"),
            ("1" * 16, "this has 16"),
        ]:
            _, refusals = _clients(_client(phone=value))
            assert [r.field for r in refusals] == ["phone"], value
            assert words in refusals[0].reason

    def test_text_longer_than_its_column_is_refused_with_the_limit(self) -> None:
        _, refusals = _clients(_client(last_name="x" * 81))
        assert [(r.field, r.reason) for r in refusals] == [
            ("last_name", "at most 80 characters (this has 81)")
        ]

    def test_control_characters_and_nul_are_refused(self) -> None:
        _, refusals = _clients(_client(first_name="A\x00na"), _client(last_name="B\x07o"))
        assert _fields(refusals) == {(2, "first_name"), (3, "last_name")}

    def test_record_numbers_have_a_shape(self) -> None:
        _, refusals = _clients(_client(record_number="-12"), _client(record_number="A B"))
        assert _fields(refusals) == {(2, "record_number"), (3, "record_number")}


class TestDuplicatesWithinTheFile:
    def test_the_same_person_twice_is_refused_on_the_later_row(self) -> None:
        records, refusals = _clients(
            _client(first_name="Ana", last_name="Núñez-Ortiz"),
            _client(first_name="ana", last_name="Nunez Ortiz"),
        )
        assert len(records) == 2  # each row reads; the file-level check refuses the second
        assert [(r.row, r.field) for r in refusals] == [(3, "last_name")]
        assert "same name and date of birth as row 2" in refusals[0].reason

    def test_the_same_phone_and_birth_date_under_another_name_is_refused(self) -> None:
        _, refusals = _clients(
            _client(phone="+1 555 010 2345"),
            _client(first_name="Annie", last_name="Other", phone="555.010.2345"),
        )
        assert [(r.row, r.field) for r in refusals] == [(3, "phone")]

    def test_a_record_number_twice_is_refused(self) -> None:
        _, refusals = _clients(
            _client(record_number="A-1"), _client(record_number="a-1", first_name="Bo")
        )
        assert [(r.row, r.field) for r in refusals] == [(3, "record_number")]

    def test_different_people_born_the_same_day_pass(self) -> None:
        _, refusals = _clients(_client(), _client(first_name="Bo", last_name="Park"))
        assert refusals == []


class TestStaff:
    HEADER = ("username", "display_name", "role", "email", "site", "supervisor")

    def _read(self, *rows: tuple[str, ...]) -> tuple[list[rules.StaffRecord], list[Refusal]]:
        return rules.read_staff(_sheet(self.HEADER, *rows))

    def test_roles_are_read_by_value_or_label(self) -> None:
        records, refusals = self._read(
            ("lee", "Dr Lee", "Case manager", "", "", ""),
            ("kim", "Kim", "utilization_review", "kim@example.org", "N", "lee"),
            ("ora", "Ora", "Administrator", "", "", ""),
        )
        assert refusals == []
        assert [r.role for r in records] == [
            Role.CASE_MANAGER,
            Role.UTILIZATION_REVIEW,
            Role.ADMIN,
        ]

    def test_bad_values_are_refused_by_field(self) -> None:
        _, refusals = self._read(
            ("Bad Name!", "", "client", "not-an-address", "", ""),
            ("new", "New", "system", "", "", ""),
        )
        assert _fields(refusals) == {
            (2, "username"),
            (2, "display_name"),
            (2, "role"),
            (2, "email"),
            (3, "username"),
            (3, "role"),
        }
        assert any("portal invitation" in r.reason for r in refusals)

    def test_supervision_may_not_loop_or_name_oneself(self) -> None:
        _, refusals = self._read(
            ("amy", "Amy", "clinician", "", "", "bob"),
            ("bob", "Bob", "clinician", "", "", "amy"),
            ("cal", "Cal", "clinician", "", "", "cal"),
            ("dee", "Dee", "director", "", "", ""),
            ("amy", "Amy again", "clinician", "", "", "dee"),
        )
        assert _fields(refusals) == {
            (2, "supervisor"),
            (3, "supervisor"),
            (4, "supervisor"),
            (6, "username"),
        }


class TestEpisodes:
    HEADER = ("record_number", "level", "track", "admission_date")

    def test_one_row_per_client(self) -> None:
        records, refusals = rules.read_episodes(
            _sheet(
                self.HEADER,
                ("C-1", "IOP", "day", "2026-01-05"),
                ("c-1", "OP", "", "2026-02-05"),
                ("C-2", "", "", ""),
            ),
            today=TODAY,
        )
        assert [r.record_number for r in records] == ["C-1", "c-1"]
        assert _fields(refusals) == {(3, "record_number"), (4, "level"), (4, "admission_date")}


class TestKeys:
    def test_names_compare_without_accents_case_or_punctuation(self) -> None:
        assert rules.name_key("Ana", "Núñez-Ortiz") == rules.name_key("ANA", "nunez ortiz")
        assert rules.name_key("Ana", "Diaz") != rules.name_key("Ann", "Diaz")

    def test_phones_compare_on_their_last_ten_digits(self) -> None:
        assert rules.phone_key("+1 (555) 010-2345 ext 9") == "5550102345"
        assert rules.phone_key("555-0102") == "5550102"
        assert rules.phone_key("12-34") == ""


ANY_TEXT = st.text(max_size=400) | st.sampled_from(
    [
        "9" * 400,
        "1e308",
        "-0",
        "9999-12-31",
        "0001-01-01",
        "99/99/9999",
        "2026-13-01",
        "\ud800",
        "\x00",
        "\u202e",
        " ",
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(list(Kind)),
    header=st.lists(ANY_TEXT, max_size=12),
    cells=st.lists(st.lists(ANY_TEXT, max_size=14), max_size=5),
    use_real_header=st.booleans(),
)
def test_any_cells_are_read_or_refused_never_raised(
    kind: Kind, header: list[str], cells: list[list[str]], use_real_header: bool
) -> None:
    if use_real_header:
        header = [c.name for c in rules.COLUMNS[kind]]
    sheet = Sheet(
        tuple(header), tuple(SheetRow(n, tuple(row)) for n, row in enumerate(cells, start=2))
    )
    if kind is Kind.CLIENTS:
        records, refusals = rules.read_clients(sheet, today=TODAY)
        for client in records:
            assert rules.FIRST_BIRTH <= client.date_of_birth < TODAY
            assert len(client.last_name) <= rules.LENGTHS["last_name"]
    elif kind is Kind.STAFF:
        records_staff, refusals = rules.read_staff(sheet)
        assert all(r.username and r.display_name for r in records_staff)
    else:
        records_episodes, refusals = rules.read_episodes(sheet, today=TODAY)
        for episode in records_episodes:
            assert rules.FIRST_ADMISSION <= episode.admission_date <= TODAY
    assert all(isinstance(r, Refusal) and r.reason for r in refusals)


@settings(max_examples=300, deadline=None)
@given(value=ANY_TEXT | st.integers().map(str) | st.floats().map(str))
def test_whatever_a_field_holds_an_accepted_row_is_within_bounds(value: str) -> None:
    records, refusals = _clients(*(_client(**{field: value}) for field in CLIENT_HEADER))
    for record in records:
        assert rules.FIRST_BIRTH <= record.date_of_birth < TODAY
        assert record.admission_date is None or (
            rules.FIRST_ADMISSION <= record.admission_date <= TODAY
        )
        digits = sum(ch.isdigit() for ch in rules._EXTENSION.sub("", record.phone))
        assert not record.phone or rules.PHONE_DIGITS_MIN <= digits <= rules.PHONE_DIGITS_MAX
        for field in ("record_number", "first_name", "last_name", "site", "primary_clinician"):
            text = getattr(record, field)
            assert len(text) <= rules.LENGTHS[field]
            assert "\x00" not in text
            assert text == text.strip()
    refused_rows = {r.row for r in refusals}
    assert {r.row for r in records} | refused_rows == set(range(2, 2 + len(CLIENT_HEADER)))
