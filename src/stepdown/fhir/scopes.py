"""SMART on FHIR scopes (v1 syntax, read only): ``context/Type.read``.

The context says whose data: ``patient`` (the client's own record), ``user`` (what the
signed-in staff member may see) or ``system`` (a backend client, by the consents that
name it). ``Type`` is a resource type or ``*``; the permission is ``read`` or ``*``,
which here grants no more than reading, since the API writes nothing. Write scopes are
refused rather than silently narrowed, so a client learns at once that it asked for
something this server does not do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from stepdown.fhir.kinds import RESOURCE_TYPES

_SCOPE = re.compile(r"(patient|user|system)/(\*|[A-Z][A-Za-z]+)\.(read|\*)")


class Context(StrEnum):
    PATIENT = "patient"
    USER = "user"
    SYSTEM = "system"


@dataclass(frozen=True, order=True)
class Scope:
    context: Context
    resource_type: str  # a FHIR type, or "*"
    permission: str  # "read" or "*"

    def __str__(self) -> str:
        return f"{self.context}/{self.resource_type}.{self.permission}"

    def grants(self, context: Context, resource_type: str) -> bool:
        """Whether it lets ``context`` read ``resource_type``."""
        return self.context is context and self.resource_type in ("*", resource_type)

    def covers(self, other: Scope) -> bool:
        """Whether everything ``other`` grants, this grants too."""
        return (
            self.context is other.context
            and self.resource_type in ("*", other.resource_type)
            and self.permission in ("*", other.permission)
        )


def parse(text: str) -> Scope:
    """One scope; ``ValueError`` naming it if it is not a read scope of a type served here."""
    match = _SCOPE.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a read scope (context/Type.read)")
    context, resource_type, permission = match.groups()
    if resource_type != "*" and resource_type not in RESOURCE_TYPES:
        raise ValueError(f"{text!r}: this server serves no {resource_type} resources")
    return Scope(Context(context), resource_type, permission)


def parse_all(text: str) -> tuple[Scope, ...]:
    """A space-separated list, as OAuth 2.0 spells scopes (RFC 6749 section 3.3)."""
    return tuple(sorted({parse(part) for part in text.split()}))


def covered(requested: Iterable[Scope], allowed: Iterable[Scope]) -> bool:
    granted = tuple(allowed)
    return all(any(a.covers(r) for a in granted) for r in requested)


def spelled(scopes: Iterable[Scope]) -> str:
    return " ".join(str(s) for s in sorted(scopes))
