"""Shared building blocks of the domain schemas: the base model, identifiers and ISO weeks."""

from __future__ import annotations

import re
import types
from datetime import date, time, timedelta
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    StringConstraints,
)
from pydantic.fields import FieldInfo

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


class DomainModel(BaseModel):
    """Base of every domain schema: immutable, unknown fields are an error, not ignored, and
    every number is finite (``inf``, ``-inf`` and ``nan`` are refused, from text or not)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, allow_inf_nan=False
    )


Id = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9\u00c0-\u024f][\w.\-]*$"),
]
"""An identifier: letters (Swedish included), digits, '_', '.', '-'; no spaces."""


@cache
def weeks_in_year(year: int) -> int:
    """Number of ISO weeks in ``year`` (52 or 53): 28 December is always in the last week."""
    return date(year, 12, 28).isocalendar().week


def parse_iso_week(text: str) -> tuple[int, int]:
    """Split ``'2027-W05'`` into ``(2027, 5)``.

    Raises
    ------
    ValueError
        Whose message says what was expected, if ``text`` is not a week that exists.
    """
    match = _ISO_WEEK.match(text)
    if match is None:
        raise ValueError("an ISO week like '2027-W05'")
    year, week = int(match.group(1)), int(match.group(2))
    if not 1 <= week <= weeks_in_year(year):
        raise ValueError(f"a week that exists ({year} has weeks 01 to {weeks_in_year(year):02d})")
    return year, week


def week_monday(text: str) -> date:
    """The Monday that starts ISO week ``text``."""
    year, week = parse_iso_week(text)
    return date.fromisocalendar(year, week, 1)


def week_label(day: date) -> str:
    """The ISO week ``day`` falls in, as ``'2027-W05'``."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def add_weeks(text: str, weeks: int) -> str:
    """The ISO week ``weeks`` after ``text``."""
    return week_label(week_monday(text) + timedelta(weeks=weeks))


def _check_iso_week(text: str) -> str:
    parse_iso_week(text)
    return text


IsoWeek = Annotated[str, AfterValidator(_check_iso_week)]
"""An ISO 8601 week, ``YYYY-Www``, that exists in its year."""


def _clock_time(value: object) -> object:
    """A ``time`` as it is, ``'HH:MM'`` as that time; anything else (a YAML number such as
    ``7.30``, which pydantic would read as seconds) is an error."""
    if isinstance(value, time):
        return value
    match = _CLOCK.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError("a time HH:MM in quotes ('07:00')")
    return time(int(match.group(1)), int(match.group(2)))


ClockTime = Annotated[
    time,
    BeforeValidator(_clock_time),
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str, when_used="json"),
]
"""A time of day, written ``'HH:MM'`` (or a ``time`` in code); every clock-time field is one."""


# --------------------------------------------------------------------------------------------
# Describing a number field's bounds, for messages about a value that breaks them


_BOUNDS = (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<="))
"""The attributes of pydantic's bound constraints (``annotated_types.Gt`` ...), lower first."""


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """``annotation`` without ``Annotated`` and ``| None``, and the constraints they held."""
    constraints: list[Any] = []
    while True:
        if get_origin(annotation) is Annotated:
            annotation, *extra = get_args(annotation)
            for item in extra:
                constraints += item.metadata if isinstance(item, FieldInfo) else [item]
        elif get_origin(annotation) in (Union, types.UnionType):
            options = [a for a in get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation, constraints
            annotation = options[0]
        else:
            return annotation, constraints


def number_bounds(model: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    """The bounds of the number at ``loc`` (a pydantic error location) in ``model``, as
    ``'>= 0 and <= 1'``; ``''`` when it has none or ``loc`` leads elsewhere."""
    annotation: Any = model
    constraints: list[Any] = []
    for part in loc:
        annotation, _ = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return ""
            annotation, constraints = field.annotation, list(field.metadata)
        elif get_origin(annotation) in (list, dict):
            annotation, constraints = get_args(annotation)[-1], []
        else:
            return ""
    annotation, more = _unwrap(annotation)
    constraints += more
    return " and ".join(
        f"{sign} {getattr(c, name):g}"
        for name, sign in _BOUNDS
        for c in constraints
        if getattr(c, name, None) is not None
    )
