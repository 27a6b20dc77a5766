"""Hand-written array literals read back by PostgreSQL as the same values."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session

from stepdown.kit.pg_arrays import text_array

# PostgreSQL text holds any character but NUL.
_TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=40)


def test_a_literal_spells_quotes_backslashes_and_nulls() -> None:
    assert text_array(["a", None, "", 'say "hi"', "back\\slash", "NULL"]) == (
        '{"a",NULL,"","say \\"hi\\"","back\\\\slash","NULL"}'
    )
    assert text_array([]) == "{}"


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(values=st.lists(st.one_of(st.none(), _TEXT), max_size=12))
def test_postgresql_reads_the_values_back(session: Session, values: list[str | None]) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's own array syntax")
    read = session.scalar(text("SELECT CAST(:literal AS text[])"), {"literal": text_array(values)})
    assert read == values
