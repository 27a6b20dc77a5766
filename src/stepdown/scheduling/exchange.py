"""The scheduling exchange format (see FORMAT.md), so a week can be solved and checked offline.

Instances and solutions are validated on load so that the solver, the heuristic and the checker
can trust ids and times without re-checking them, and a coordinator gets one readable line
instead of a traceback when a file is wrong.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any, Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

INSTANCE_FORMAT: Final = "stepdown-schedule-instance/1"
SOLUTION_FORMAT: Final = "stepdown-schedule-solution/1"

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60

Level = Literal["PHP", "IOP", "OP"]
# What a payer counts (``authorizations.rules.UnitType``): a day attended, a session (group or
# appointment), a visit (an appointment) or whole 15-minute units of each service.
Unit = Literal["day", "session", "visit", "unit_15"]

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")


class ExchangeError(ValueError):
    """A file that cannot be used, described in one line for the command line."""


def to_minutes(clock: str) -> int:
    """Minutes since midnight of an "HH:MM" wall-clock time ("24:00" closes a day)."""
    if not _CLOCK.match(clock):
        raise ValueError(f"time {clock!r} is not HH:MM")
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def to_clock(minutes: int) -> str:
    """The "HH:MM" form of minutes since midnight."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def week_minute(day: str, clock: str) -> int:
    """Minutes since Monday 00:00, so intervals on different days never compare equal."""
    return DAYS.index(day) * MINUTES_PER_DAY + to_minutes(clock)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Timed(_Model):
    day: Day
    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        to_minutes(value)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if to_minutes(self.end) <= to_minutes(self.start):
            raise ValueError(f"end {self.end} is not after start {self.start} on {self.day}")
        return self

    @property
    def week_start(self) -> int:
        return week_minute(self.day, self.start)

    @property
    def week_end(self) -> int:
        return week_minute(self.day, self.end)

    @property
    def minutes(self) -> int:
        return to_minutes(self.end) - to_minutes(self.start)


class Window(_Timed):
    """A stretch of availability on one day."""


class LevelRule(_Model):
    min_hours: float = Field(ge=0)
    max_hours: float = Field(ge=0)
    max_days: int = Field(ge=0, le=7)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.max_hours < self.min_hours:
            raise ValueError(f"max_hours {self.max_hours} is below min_hours {self.min_hours}")
        return self


class Room(_Model):
    id: str
    site: str
    capacity: int = Field(ge=0)


class Staff(_Model):
    id: str
    site: str
    topics: list[str]
    availability: list[Window]
    max_hours: float = Field(ge=0)


class Session(_Timed):
    id: str
    site: str
    topic: str
    levels: list[Level]
    audience: Literal["adult", "adolescent"]
    gender: Literal["any", "F", "M"]
    min_size: int = Field(ge=0)
    max_size: int = Field(ge=1)
    telehealth: bool = False

    @model_validator(mode="after")
    def _sizes(self) -> Self:
        if self.max_size < self.min_size:
            raise ValueError(f"session {self.id}: max_size {self.max_size} < min_size")
        return self


def _duplicates(ids: list[str]) -> list[str]:
    return sorted(key for key, count in Counter(ids).items() if count > 1)


class AuthorizationLimit(_Model):
    """What one payer authorization still allows this week: at most ``units`` units of the
    client's services on ``days``, counted as the payer counts them (``unit``)."""

    unit: Unit
    days: list[Day]
    units: int = Field(ge=0)
    reason: str = ""

    @field_validator("days")
    @classmethod
    def _once(cls, days: list[Day]) -> list[Day]:
        if dup := _duplicates(list(days)):
            raise ValueError(f"day {dup[0]} is listed twice")
        return days


class AuthorizedWeek(_Model):
    """A client's payer authorizations for the week, a hard limit.

    Absent from a client: nothing to respect (the episode has no authorization: self-pay, or a
    payer that requires none). Present: no service on a day outside ``days`` (no approved
    authorization in force that day), and every limit holds.
    """

    days: list[Day]
    limits: list[AuthorizationLimit] = Field(default_factory=list)
    reason: str = ""
    """Why days are missing from ``days`` (e.g. the authorization is still pending)."""

    @model_validator(mode="after")
    def _inside(self) -> Self:
        if dup := _duplicates(list(self.days)):
            raise ValueError(f"day {dup[0]} is listed twice")
        for limit in self.limits:
            outside = [day for day in limit.days if day not in self.days]
            if outside:
                raise ValueError(f"a limit counts {outside[0]}, which is not an authorized day")
        return self

    @property
    def open_days(self) -> frozenset[Day]:
        """Days a service may take place: authorized, and under no used-up limit that every
        service counts against (a ``visit`` limit leaves groups free, and a ``unit_15`` one
        services shorter than 15 minutes)."""
        closed = {
            day
            for limit in self.limits
            if limit.units == 0 and limit.unit in ("day", "session")
            for day in limit.days
        }
        return frozenset(day for day in self.days if day not in closed)


class Client(_Model):
    id: str
    site: str
    level: Level
    age_group: Literal["adult", "adolescent"]
    gender: Literal["F", "M", "X"]
    availability: list[Window]
    primary_therapist: str
    individual_sessions: int = Field(ge=0)
    family_sessions: int = Field(ge=0)
    keep_apart: list[str] = Field(default_factory=list)
    previous_sessions: list[str] = Field(default_factory=list)
    authorization: AuthorizedWeek | None = None

    @property
    def appointments_needed(self) -> int:
        return self.individual_sessions + self.family_sessions

    @property
    def authorized_availability(self) -> list[Window]:
        """The availability on the days the payer's authorizations leave open (all of it
        for a client who needs no authorization)."""
        if self.authorization is None:
            return self.availability
        open_days = self.authorization.open_days
        return [window for window in self.availability if window.day in open_days]


class Instance(_Model):
    format: Literal["stepdown-schedule-instance/1"]
    name: str
    week_of: str
    levels: dict[Level, LevelRule]
    individual_minutes: int = Field(gt=0)
    sites: list[str]
    rooms: list[Room]
    staff: list[Staff]
    sessions: list[Session]
    clients: list[Client]

    @field_validator("week_of")
    @classmethod
    def _monday(cls, value: str) -> str:
        if date.fromisoformat(value).weekday() != 0:
            raise ValueError(f"week_of {value} is not a Monday")
        return value

    @model_validator(mode="after")
    def _references(self) -> Self:
        problems: list[str] = []
        for kind, ids in (
            ("site", self.sites),
            ("room", [room.id for room in self.rooms]),
            ("staff", [person.id for person in self.staff]),
            ("session", [session.id for session in self.sessions]),
            ("client", [client.id for client in self.clients]),
        ):
            problems += [f"duplicate {kind} id {dup}" for dup in _duplicates(ids)]
        sites = set(self.sites)
        staff = {person.id for person in self.staff}
        clients = {client.id for client in self.clients}
        for owner, site in (
            *((f"room {r.id}", r.site) for r in self.rooms),
            *((f"staff {s.id}", s.site) for s in self.staff),
            *((f"session {s.id}", s.site) for s in self.sessions),
            *((f"client {c.id}", c.site) for c in self.clients),
        ):
            if site not in sites:
                problems.append(f"{owner}: unknown site {site}")
        for session in self.sessions:
            problems += [
                f"session {session.id}: level {level} has no rule in levels"
                for level in session.levels
                if level not in self.levels
            ]
        for client in self.clients:
            if client.level not in self.levels:
                problems.append(f"client {client.id}: level {client.level} has no rule in levels")
            if client.primary_therapist not in staff:
                problems.append(
                    f"client {client.id}: primary_therapist {client.primary_therapist} "
                    "is not in staff"
                )
            problems += [
                f"client {client.id}: keep_apart names unknown client {other}"
                for other in client.keep_apart
                if other not in clients
            ]
        if problems:
            raise ValueError("; ".join(problems))
        return self


class SessionRun(_Model):
    id: str
    room: str | None = None
    leader: str


class Attendance(_Model):
    client: str
    session: str


class Appointment(_Timed):
    client: str
    staff: str
    kind: Literal["individual", "family"]


class Unmet(_Model):
    client: str
    short_hours: float = Field(ge=0)
    reason: str


class Solution(_Model):
    format: Literal["stepdown-schedule-solution/1"] = SOLUTION_FORMAT
    instance: str
    sessions: list[SessionRun] = Field(default_factory=list)
    attendance: list[Attendance] = Field(default_factory=list)
    appointments: list[Appointment] = Field(default_factory=list)
    unmet: list[Unmet] = Field(default_factory=list)
    stats: dict[str, float | int | str] = Field(default_factory=dict)


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {message}{more}" if where else f"{message}{more}"


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExchangeError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExchangeError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}") from exc


def parse_instance(data: Any, *, source: str = "instance") -> Instance:
    try:
        return Instance.model_validate(data)
    except ValidationError as exc:
        raise ExchangeError(f"{source}: {_one_line(exc)}") from exc


def parse_solution(data: Any, *, source: str = "solution") -> Solution:
    try:
        return Solution.model_validate(data)
    except ValidationError as exc:
        raise ExchangeError(f"{source}: {_one_line(exc)}") from exc


def load_instance(path: Path) -> Instance:
    return parse_instance(_read(path), source=str(path))


def load_solution(path: Path) -> Solution:
    return parse_solution(_read(path), source=str(path))


def save_solution(solution: Solution, path: Path) -> None:
    try:
        path.write_text(solution.model_dump_json(indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ExchangeError(f"cannot write {path}: {exc.strerror or exc}") from exc
