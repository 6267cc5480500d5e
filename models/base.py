"""Shared building blocks of the domain schemas: the base model, identifiers and ISO weeks."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from functools import cache
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer, StringConstraints

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class DomainModel(BaseModel):
    """Base of every domain schema: immutable, and unknown fields are an error, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


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


ClockTime = Annotated[
    time, PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str, when_used="json")
]
"""A time of day, written ``HH:MM``."""
