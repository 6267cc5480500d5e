"""Field-level validation of the domain schemas."""

from __future__ import annotations

import math
from datetime import date, time

import pytest
from conftest import tiny_document
from pydantic import ValidationError

from models.base import (
    add_weeks,
    number_bounds,
    parse_iso_week,
    week_label,
    week_monday,
    weeks_in_year,
)
from models.references import find_problems
from models.scenario import ChangeOpeningHours
from models.unit import ActivityType, Calendar, CareNeed, OpeningHours, ShiftType, Unit


@pytest.mark.parametrize(("year", "weeks"), [(2026, 53), (2027, 52), (2020, 53), (2021, 52)])
def test_weeks_in_year(year: int, weeks: int) -> None:
    assert weeks_in_year(year) == weeks


def test_iso_week_arithmetic_crosses_years() -> None:
    assert week_monday("2027-W01") == date(2027, 1, 4)
    assert add_weeks("2026-W52", 1) == "2026-W53"
    assert add_weeks("2026-W53", 1) == "2027-W01"
    assert week_label(date(2027, 1, 3)) == "2026-W53"


@pytest.mark.parametrize("text", ["2027-W53", "2027-W00", "2027W05", "2027-W5", ""])
def test_weeks_that_do_not_exist_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"ISO week|exists"):
        parse_iso_week(text)
    with pytest.raises(ValidationError):
        Calendar(start_week=text)


def test_night_shift_spans_midnight() -> None:
    night = ShiftType(id="N", start="21:30", end="07:30", paid_minutes=570, night=True)
    assert night.span_minutes == 600


def test_paid_minutes_cannot_exceed_the_shift() -> None:
    with pytest.raises(ValidationError, match="exceeds the 480 minutes"):
        ShiftType(id="D", start="07:00", end="15:00", paid_minutes=500)


def test_opening_hours_must_end_after_they_start() -> None:
    with pytest.raises(ValidationError, match="not after start"):
        OpeningHours(weekdays=["mon"], start="16:00", end="08:00")


def test_bed_days_take_a_ward_and_nothing_else_does() -> None:
    with pytest.raises(ValidationError, match="needs a ward"):
        ActivityType(id="b", kind="bed_day", mean_process_time=60)
    with pytest.raises(ValidationError, match="only bed_day"):
        ActivityType(id="v", kind="new_visit", mean_process_time=30, ward="w")


def test_schemas_are_frozen_and_strict() -> None:
    unit = Unit.model_validate(tiny_document())
    with pytest.raises(ValidationError):
        unit.id = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs"):
        Unit.model_validate(tiny_document(colour="blue"))


def test_sound_unit_has_no_reference_problems() -> None:
    assert find_problems(Unit.model_validate(tiny_document())) == []


def test_reference_problems_carry_path_value_and_expectation() -> None:
    unit = Unit.model_validate(
        tiny_document(
            product_groups=[{"id": "hip", "mix": {"op": 1, "knee": 1}}],
            care_guarantee={"days": 90, "product_groups": {"hand": 60}},
            waiting_list=[{"product_group": "hip", "waiting_since": "2027-06-01", "patients": 1}],
        )
    )
    problems = {p.path: p for p in find_problems(unit)}
    assert problems.keys() == {
        ("product_groups", 0, "mix", "knee"),
        ("care_guarantee", "product_groups", "hand"),
        ("waiting_list", 0, "waiting_since"),
    }
    assert problems[("product_groups", 0, "mix", "knee")].value == "knee"
    assert "activity type id (bed, op)" in problems[("product_groups", 0, "mix", "knee")].expected


@pytest.mark.parametrize("start", ["07:30", " 07:30 ", time(7, 30)])
def test_clock_times_are_hh_mm_text_or_time(start: object) -> None:
    shift = ShiftType(id="D", start=start, end="16:00", paid_minutes=480)
    assert shift.start == time(7, 30)
    assert shift.model_dump(mode="json")["start"] == "07:30"


@pytest.mark.parametrize("start", [7, 7.3, 16.0, 27000, "7:30", "07:30:00", "24:00", "0730", ""])
def test_clock_times_in_any_other_form_are_refused(start: object) -> None:
    """Regression: pydantic read a number as seconds (``7`` was 00:00:07), and as a time with a
    UTC offset that the naive times of other fields could not be compared with."""
    for build in (
        lambda: ShiftType(id="D", start=start, end="16:00", paid_minutes=480),
        lambda: OpeningHours(weekdays=["mon"], start=start, end="16:00"),
        lambda: ChangeOpeningHours(
            type="opening_hours", rooms=["or1"], weekdays=["sat"], start=start, end="16:00"
        ),
    ):
        with pytest.raises(ValidationError) as caught:
            build()
        (error,) = caught.value.errors()
        assert error["loc"] == ("start",)
        assert error["msg"] == "Value error, a time HH:MM in quotes ('07:00')"


@pytest.mark.parametrize("patients", [math.inf, -math.inf, math.nan, "inf", "-inf", "nan", "1e999"])
def test_numbers_must_be_finite(patients: object) -> None:
    with pytest.raises(ValidationError) as caught:
        CareNeed(product_group="hip", week="2027-W10", patients=patients)
    (error,) = caught.value.errors()
    assert error["type"] == "finite_number"


@pytest.mark.parametrize(
    ("loc", "bounds"),
    [
        (("care_need", 0, "patients"), ">= 0"),
        (("room_types", 2, "utilisation"), "> 0 and <= 1"),
        (("staff", 0, "non_clinical_share"), ">= 0 and < 1"),  # optional
        (("activity_types", 0, "team", "nurse"), "> 0"),  # a dict's values
        (("activity_types", 0, "mean_process_time"), "> 0 and <= 1440"),
        (("calendar", "weeks"), ">= 1 and <= 260"),
        (("staff", 0, "id"), ""),  # not a number
        (("care_need", 0, "nowhere"), ""),
        (("care_need", 0, "patients", 1), ""),
    ],
)
def test_number_bounds_follow_the_error_location(loc: tuple[str | int, ...], bounds: str) -> None:
    assert number_bounds(Unit, loc) == bounds
