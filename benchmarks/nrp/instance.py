"""A Curtois & Qu instance file as plain data.

The format (comma separated; ``#`` starts a comment line; ``SECTION_<NAME>`` switches section):

- ``SECTION_HORIZON``: the number of days ``H``; day 0 is a Monday;
- ``SECTION_SHIFTS``: ``ShiftID, LengthInMinutes, NotFollowedBy`` (ids separated by ``|``,
  possibly empty);
- ``SECTION_STAFF``: ``ID, MaxShifts, MaxTotalMinutes, MinTotalMinutes, MaxConsecutiveShifts,
  MinConsecutiveShifts, MinConsecutiveDaysOff, MaxWeekends`` with ``MaxShifts`` as
  ``ShiftID=count`` pairs separated by ``|``;
- ``SECTION_DAYS_OFF``: ``EmployeeID, day, day, ...``;
- ``SECTION_SHIFT_ON_REQUESTS`` and ``SECTION_SHIFT_OFF_REQUESTS``:
  ``EmployeeID, Day, ShiftID, Weight``;
- ``SECTION_COVER``: ``Day, ShiftID, Requirement, WeightUnder, WeightOver``.

Parsing checks every reference (unknown shift or employee ids, days outside the horizon) and
raises :class:`engine.errors.InputError` naming the file, the line, the field and the value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import InputError, InputProblem


@dataclass(frozen=True)
class Shift:
    """A shift type: id, length in minutes, the shift ids that may not follow it next day."""

    id: str
    minutes: int
    not_followed_by: tuple[str, ...]


@dataclass(frozen=True)
class Employee:
    """An employee's contract as the file gives it."""

    id: str
    max_shifts: dict[str, int]
    max_total_minutes: int
    min_total_minutes: int
    max_consecutive_shifts: int
    min_consecutive_shifts: int
    min_consecutive_days_off: int
    max_weekends: int
    days_off: tuple[int, ...] = ()


@dataclass(frozen=True)
class Request:
    """A wish to work (``on``) or not to work a shift on a day."""

    employee: str
    day: int
    shift: str
    weight: int
    on: bool


@dataclass(frozen=True)
class Cover:
    """The preferred number of staff on a shift on a day, and the weights per person below
    and above it."""

    day: int
    shift: str
    requirement: int
    weight_under: int
    weight_over: int


@dataclass(frozen=True)
class Instance:
    """One benchmark instance."""

    name: str
    days: int
    shifts: tuple[Shift, ...]
    employees: tuple[Employee, ...]
    requests: tuple[Request, ...]
    cover: tuple[Cover, ...]
    shift_index: dict[str, int] = field(init=False, repr=False)
    employee_index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "shift_index", {s.id: i for i, s in enumerate(self.shifts)})
        object.__setattr__(self, "employee_index", {e.id: i for i, e in enumerate(self.employees)})


_SECTIONS = (
    "HORIZON",
    "SHIFTS",
    "STAFF",
    "DAYS_OFF",
    "SHIFT_ON_REQUESTS",
    "SHIFT_OFF_REQUESTS",
    "COVER",
)


class _Reader:
    """Collects the problems of one file while it is parsed."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[InputProblem] = []

    def fail(self, line: int, what: str, value: object, expected: str) -> None:
        self.problems.append(InputProblem(f"{self.source} line {line}", what, value, expected))

    def integer(self, line: int, what: str, text: str, low: int = 0) -> int:
        try:
            value = int(text)
        except ValueError:
            self.fail(line, what, text, "an integer")
            return low
        if value < low:
            self.fail(line, what, value, f"an integer >= {low}")
            return low
        return value


def parse_instance(text: str, name: str = "instance", source: str | None = None) -> Instance:
    """Parse the text of an instance file.

    Parameters
    ----------
    text
        The whole file (CRLF or LF line endings).
    name
        The instance's name.
    source
        The file named in errors (default ``name``).

    Returns
    -------
    Instance
        The instance, every reference checked.

    Raises
    ------
    engine.errors.InputError
        One problem per bad line or value: a missing section, a field that is not an integer,
        an unknown shift or employee id, a day outside the horizon.
    """
    reader = _Reader(source or name)
    rows: dict[str, list[tuple[int, list[str]]]] = {s: [] for s in _SECTIONS}
    section: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        text_line = raw.strip()
        if not text_line or text_line.startswith("#"):
            continue
        if text_line.startswith("SECTION_"):
            section = text_line.removeprefix("SECTION_")
            if section not in rows:
                reader.fail(
                    number, "section", text_line, "one of SECTION_" + ", SECTION_".join(rows)
                )
                section = None
            continue
        if section is None:
            reader.fail(number, "line", text_line, "a SECTION_ line before any data")
            continue
        rows[section].append((number, [part.strip() for part in text_line.split(",")]))
    missing = [s for s in _SECTIONS if s in ("HORIZON", "SHIFTS", "STAFF") and not rows[s]]
    if missing:
        for s in missing:
            reader.problems.append(
                InputProblem(
                    reader.source, f"SECTION_{s}", None, "a section with at least one line"
                )
            )
        raise InputError(reader.problems)

    line, fields = rows["HORIZON"][0]
    days = reader.integer(line, "horizon", fields[0], low=1)

    shifts: list[Shift] = []
    for line, fields in rows["SHIFTS"]:
        if len(fields) < 2:
            reader.fail(line, "shift", ",".join(fields), "ShiftID, LengthInMinutes, NotFollowedBy")
            continue
        follow = tuple(f for f in (fields[2].split("|") if len(fields) > 2 else []) if f)
        shifts.append(Shift(fields[0], reader.integer(line, "LengthInMinutes", fields[1]), follow))
    shift_ids = {s.id for s in shifts}
    for line, fields in rows["SHIFTS"]:
        for follower in fields[2].split("|") if len(fields) > 2 else []:
            if follower and follower not in shift_ids:
                reader.fail(line, "NotFollowedBy", follower, f"a shift id ({', '.join(shift_ids)})")

    days_off: dict[str, list[int]] = {}
    day_field = f"a day 0..{days - 1}"
    for line, fields in rows["DAYS_OFF"]:
        listed = days_off.setdefault(fields[0], [])
        for text_day in fields[1:]:
            if text_day:
                day = reader.integer(line, "day", text_day)
                if day >= days:
                    reader.fail(line, "day", day, day_field)
                listed.append(day)

    employees: list[Employee] = []
    for line, fields in rows["STAFF"]:
        if len(fields) != 8:
            reader.fail(
                line, "staff", ",".join(fields), "8 fields (ID, MaxShifts, ... MaxWeekends)"
            )
            continue
        max_shifts: dict[str, int] = {s.id: days for s in shifts}
        for pair in filter(None, fields[1].split("|")):
            shift, _, count = pair.partition("=")
            if shift not in shift_ids:
                reader.fail(line, "MaxShifts", shift, f"a shift id ({', '.join(shift_ids)})")
                continue
            max_shifts[shift] = reader.integer(line, f"MaxShifts[{shift}]", count)
        numbers = [
            reader.integer(line, label, value)
            for label, value in zip(
                (
                    "MaxTotalMinutes",
                    "MinTotalMinutes",
                    "MaxConsecutiveShifts",
                    "MinConsecutiveShifts",
                    "MinConsecutiveDaysOff",
                    "MaxWeekends",
                ),
                fields[2:],
                strict=True,
            )
        ]
        employees.append(
            Employee(
                fields[0],
                max_shifts,
                max_total_minutes=numbers[0],
                min_total_minutes=numbers[1],
                max_consecutive_shifts=numbers[2],
                min_consecutive_shifts=numbers[3],
                min_consecutive_days_off=numbers[4],
                max_weekends=numbers[5],
                days_off=tuple(days_off.get(fields[0], [])),
            )
        )
    staff_ids = {e.id for e in employees}
    for line, fields in rows["DAYS_OFF"]:
        if fields[0] not in staff_ids:
            reader.fail(line, "EmployeeID", fields[0], "an employee of SECTION_STAFF")

    requests: list[Request] = []
    for section, on in (("SHIFT_ON_REQUESTS", True), ("SHIFT_OFF_REQUESTS", False)):
        for line, fields in rows[section]:
            if len(fields) != 4:
                reader.fail(line, "request", ",".join(fields), "EmployeeID, Day, ShiftID, Weight")
                continue
            employee, text_day, shift, text_weight = fields
            if employee not in staff_ids:
                reader.fail(line, "EmployeeID", employee, "an employee of SECTION_STAFF")
            if shift not in shift_ids:
                reader.fail(line, "ShiftID", shift, f"a shift id ({', '.join(shift_ids)})")
            day = reader.integer(line, "Day", text_day)
            if day >= days:
                reader.fail(line, "Day", day, day_field)
            requests.append(
                Request(employee, day, shift, reader.integer(line, "Weight", text_weight), on)
            )

    cover: list[Cover] = []
    for line, fields in rows["COVER"]:
        if len(fields) != 5:
            reader.fail(
                line,
                "cover",
                ",".join(fields),
                "Day, ShiftID, Requirement, WeightUnder, WeightOver",
            )
            continue
        day = reader.integer(line, "Day", fields[0])
        if day >= days:
            reader.fail(line, "Day", day, day_field)
        if fields[1] not in shift_ids:
            reader.fail(line, "ShiftID", fields[1], f"a shift id ({', '.join(shift_ids)})")
        cover.append(
            Cover(
                day,
                fields[1],
                reader.integer(line, "Requirement", fields[2]),
                reader.integer(line, "WeightUnder", fields[3]),
                reader.integer(line, "WeightOver", fields[4]),
            )
        )
    if reader.problems:
        raise InputError(reader.problems)
    return Instance(name, days, tuple(shifts), tuple(employees), tuple(requests), tuple(cover))


def read_instance(path: str | Path) -> Instance:
    """Read an instance file; its name is the file's stem (``Instance1``).

    Raises
    ------
    engine.errors.InputError
        If the file cannot be read or parsed (see :func:`parse_instance`).
    """
    location = Path(path)
    try:
        text = location.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError.single(
            str(location), "", error, "a readable ASCII instance file"
        ) from None
    return parse_instance(text, location.stem, str(location))
