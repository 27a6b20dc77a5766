"""An HTML form for a Pydantic model of plain facts, and the model read back from it.

The "try the rules" pages let a director type a client's facts and see what the placement
or review engine would say, with the same models the JSON files and the CLI use. Rather
than a hand-written form per model (which would drift from the model), the form is derived
from the model's fields: numbers, yes/no, choices from an enum or a literal, dates and
short text; a nested model becomes a fieldset. Fields holding lists are left at their
default (the JSON file is the way to give those).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args, get_origin

from annotated_types import Ge, Le
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from starlette.datastructures import FormData

from stepdown.kit.errors import Invalid

NOT_RECORDED = ""  # the blank choice: the field keeps its default (often "not recorded")


@dataclass(frozen=True)
class FormField:
    name: str  # dotted path, also the input's name
    label: str
    kind: Literal["number", "decimal", "choice", "date", "text"]
    choices: tuple[tuple[str, str], ...] = ()  # (value, label); first may be the blank
    minimum: float | None = None
    maximum: float | None = None
    required: bool = False
    boolean: bool = False  # a yes/no choice, sent to the model as true or false


@dataclass(frozen=True)
class FormGroup:
    label: str
    fields: tuple[FormField, ...]


def _unwrap(annotation: Any) -> tuple[Any, bool, tuple[Any, ...]]:
    """The type inside ``X | None`` and ``Annotated[X, ...]``, whether None is allowed, and
    the constraints an inner ``Annotated`` carries (Pydantic keeps only the outer ones on
    the field)."""
    optional = False
    if get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            annotation, optional = args[0], True
    if get_origin(annotation) is Annotated:
        inner, *extra = get_args(annotation)
        return inner, optional, tuple(extra)
    return annotation, optional, ()


def _label(name: str, info: FieldInfo) -> str:
    return info.description or name.replace("_", " ").capitalize()


def _number(bound: object) -> float | None:
    return float(bound) if isinstance(bound, int | float) else None


def _bounds(constraints: list[Any]) -> tuple[float | None, float | None]:
    flat: list[Any] = []
    for c in constraints:
        flat.extend(c.metadata if isinstance(c, FieldInfo) else [c])
    low = next((_number(m.ge) for m in flat if isinstance(m, Ge)), None)
    high = next((_number(m.le) for m in flat if isinstance(m, Le)), None)
    return low, high


def _field(path: str, name: str, info: FieldInfo) -> FormField | None:
    kind, optional, inner = _unwrap(info.annotation)
    required = info.is_required()
    blank = (("", "not recorded"),) if optional or not required else ()
    label = _label(name, info)
    if kind is bool:
        yes_no = (("true", "yes"), ("false", "no"))
        return FormField(path, label, "choice", (*blank, *yes_no), boolean=True)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        options = tuple((str(m.value), str(m.value).replace("_", " ")) for m in kind)
        return FormField(path, label, "choice", (*blank, *options), required=required)
    if get_origin(kind) is Literal:
        options = tuple((str(v), str(v)) for v in get_args(kind))
        return FormField(path, label, "choice", (*blank, *options), required=required)
    if kind is int or kind is float:
        low, high = _bounds([*info.metadata, *inner])
        number: Literal["number", "decimal"] = "number" if kind is int else "decimal"
        return FormField(path, label, number, minimum=low, maximum=high, required=required)
    if kind is dt.date:
        return FormField(path, label, "date", required=required)
    if kind is str:
        return FormField(path, label, "text", required=required)
    return None  # lists, tuples and anything else keep their default


def groups_of(model: type[BaseModel], *, title: str = "Facts") -> list[FormGroup]:
    """The model's fields as form groups: its own plain fields first, then one group per
    nested model."""
    groups: list[FormGroup] = []
    own: list[FormField] = []

    def walk(current: type[BaseModel], prefix: str, into: list[FormField]) -> None:
        for name, info in current.model_fields.items():
            kind, _, _ = _unwrap(info.annotation)
            path = f"{prefix}{name}"
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                nested: list[FormField] = []
                walk(kind, f"{path}.", nested)
                if nested:
                    groups.append(FormGroup(_label(name, info), tuple(nested)))
                continue
            found = _field(path, name, info)
            if found is not None:
                into.append(found)

    walk(model, "", own)
    return [FormGroup(title, tuple(own)), *groups] if own else groups


Model = typing.TypeVar("Model", bound=BaseModel)


def _nest(values: dict[str, object]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for path, value in values.items():
        *parents, leaf = path.split(".")
        target = nested
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return nested


_INTEGER = re.compile(r"-?[0-9]{1,12}")
_DECIMAL = re.compile(r"-?[0-9]{1,12}(\.[0-9]{1,12})?")


def _typed(field: FormField, text: str) -> object:
    """The form's text as the JSON value the model expects (models may be strict). Only
    ASCII digits: ``int`` alone would take ``1_0`` or full-width digits."""
    if field.kind == "number":
        if not _INTEGER.fullmatch(text):
            raise Invalid("enter a whole number", field=field.name)
        return int(text)
    if field.kind == "decimal":
        if not _DECIMAL.fullmatch(text):
            raise Invalid("enter a number", field=field.name)
        return float(text)
    if field.boolean:
        return text == "true"
    return text


def parse(model: type[Model], form: FormData, groups: list[FormGroup]) -> Model:
    """The model from the posted form; a blank choice keeps the field's default. A refusal
    names the field as the form shows it."""
    values: dict[str, object] = {}
    for field in (f for g in groups for f in g.fields):
        text = str(form.get(field.name, "")).strip()
        if text != NOT_RECORDED:
            values[field.name] = _typed(field, text)
    try:
        return model.model_validate(_nest(values))
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise Invalid(error["msg"], field=where or "form") from None


def submitted(form: FormData, groups: list[FormGroup]) -> dict[str, str]:
    """What was typed, to show the form again with it."""
    return {f.name: str(form.get(f.name, "")) for g in groups for f in g.fields}
