"""PostgreSQL array literals, written by hand.

A batch of rows can go to PostgreSQL as one ``INSERT ... SELECT FROM unnest(...)`` with a
text array literal per column. Encoding the literals in advance lets a writer that holds
a lock do no per-value work under it (psycopg adapts a list value by value at execute
time, about 20 microseconds per row of 15 columns). The syntax is PostgreSQL's "Array
Value Input" (https://www.postgresql.org/docs/current/arrays.html#ARRAYS-IO): elements
between braces, separated by commas, NULL for a null, and any element in double quotes
with backslash before a double quote or a backslash.
"""

from __future__ import annotations

from collections.abc import Iterable


def text_array(values: Iterable[str | None]) -> str:
    """A one-dimensional array literal of the values, each quoted (None is NULL)."""
    return "{" + ",".join("NULL" if v is None else _quoted(v) for v in values) + "}"


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
