"""The benchmark's own rules and objective, evaluated on a roster grid.

Written from the benchmark's definition, not from the solver or the engine's checker (it shares
no code with either): a roster is a grid ``roster[e][t]``, the shift id employee ``e`` works on
day ``t`` or ``""`` for a day off; ``w[e][t] = 1`` on a worked day.

Hard rules (each broken one is a :class:`Violation`):

1. one shift per day: every cell is a known shift id or empty (the grid has one cell a day);
2. ``succession``: shift ``s'`` on day ``t + 1`` is not in ``NotFollowedBy(s)`` of day ``t``;
3. ``max_shifts``: days on shift ``s`` at most ``MaxShifts[e][s]``;
4. ``total_minutes``: ``MinTotalMinutes <= sum_t length <= MaxTotalMinutes``;
5. ``max_consecutive_shifts``: no run of working days longer than ``MaxConsecutiveShifts``;
6. ``min_consecutive_shifts``: a maximal run of working days that touches neither day 0 nor
   day ``H - 1`` is at least ``MinConsecutiveShifts`` long;
7. ``min_consecutive_days_off``: the same for runs of days off and ``MinConsecutiveDaysOff``;
8. ``max_weekends``: weekends (days ``7k + 5``, ``7k + 6``) with a worked day at most
   ``MaxWeekends``;
9. ``days_off``: no work on a fixed day off.

Objective (every term soft)::

    sum_{(e,t,s,wt) in ON}  wt [roster[e][t] != s]
  + sum_{(e,t,s,wt) in OFF} wt [roster[e][t] == s]
  + sum_{(t,s,req,wu,wo) in COVER} wu max(0, req - n[t][s]) + wo max(0, n[t][s] - req)

with ``n[t][s]`` the number of employees on shift ``s`` on day ``t``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.nrp.instance import Instance
from engine.errors import InputError

Roster = list[list[str]]
"""``roster[e][t]``: shift id, or ``""`` for a day off; employees and days in instance order."""


@dataclass(frozen=True)
class Violation:
    """A broken hard rule: which, for whom, from which day, and how."""

    rule: str
    employee: str
    day: int
    detail: str

    def __str__(self) -> str:
        where = f"{self.employee}" + (f" day {self.day}" if self.day >= 0 else "")
        return f"{self.rule}: {where}: {self.detail}"


@dataclass(frozen=True)
class Evaluation:
    """The objective by term and the hard violations of one roster."""

    penalties: dict[str, int]
    violations: tuple[Violation, ...] = field(default=())

    @property
    def objective(self) -> int:
        """The benchmark's objective: the sum of the terms."""
        return sum(self.penalties.values())

    @property
    def feasible(self) -> bool:
        """True when no hard rule is broken."""
        return not self.violations


def _runs(worked: list[bool]) -> list[tuple[bool, int, int]]:
    """Maximal runs as ``(worked, first day, length)``."""
    runs: list[tuple[bool, int, int]] = []
    for day, value in enumerate(worked):
        if runs and runs[-1][0] == value:
            kind, first, length = runs[-1]
            runs[-1] = (kind, first, length + 1)
        else:
            runs.append((value, day, 1))
    return runs


def _employee_violations(instance: Instance, e: int, row: list[str]) -> list[Violation]:
    """The hard rules of one employee's row."""
    employee = instance.employees[e]
    shifts = {s.id: s for s in instance.shifts}
    horizon = instance.days
    found: list[Violation] = []

    def fail(rule: str, day: int, detail: str) -> None:
        found.append(Violation(rule, employee.id, day, detail))

    for day, cell in enumerate(row):
        if cell and cell not in shifts:
            fail("unknown_shift", day, f"{cell!r} is not a shift id")
    for day in range(horizon - 1):
        today, tomorrow = row[day], row[day + 1]
        if today in shifts and tomorrow and tomorrow in shifts[today].not_followed_by:
            fail("succession", day, f"{tomorrow} on day {day + 1} may not follow {today}")
    for shift_id, most in employee.max_shifts.items():
        count = row.count(shift_id)
        if count > most:
            fail("max_shifts", -1, f"{count} {shift_id} shifts, at most {most}")
    minutes = sum(shifts[cell].minutes for cell in row if cell in shifts)
    if not employee.min_total_minutes <= minutes <= employee.max_total_minutes:
        fail(
            "total_minutes",
            -1,
            f"{minutes} minutes, expected {employee.min_total_minutes}.."
            f"{employee.max_total_minutes}",
        )
    worked = [cell != "" for cell in row]
    for kind, first, length in _runs(worked):
        inside = first > 0 and first + length < horizon
        if kind and length > employee.max_consecutive_shifts:
            fail(
                "max_consecutive_shifts",
                first,
                f"{length} working days in a row, at most {employee.max_consecutive_shifts}",
            )
        if kind and inside and length < employee.min_consecutive_shifts:
            fail(
                "min_consecutive_shifts",
                first,
                f"{length} working days in a row, at least {employee.min_consecutive_shifts}",
            )
        if not kind and inside and length < employee.min_consecutive_days_off:
            fail(
                "min_consecutive_days_off",
                first,
                f"{length} days off in a row, at least {employee.min_consecutive_days_off}",
            )
    weekends = sum(
        1
        for saturday in range(5, horizon, 7)
        if worked[saturday] or (saturday + 1 < horizon and worked[saturday + 1])
    )
    if weekends > employee.max_weekends:
        fail("max_weekends", -1, f"{weekends} weekends worked, at most {employee.max_weekends}")
    for day in employee.days_off:
        if worked[day]:
            fail("days_off", day, f"works {row[day]} on a fixed day off")
    return found


def evaluate(instance: Instance, roster: Roster) -> Evaluation:
    """Evaluate ``roster`` on ``instance``: the objective by term and every hard violation.

    Parameters
    ----------
    instance
        The benchmark instance.
    roster
        One row per employee (instance order), one cell per day: a shift id or ``""``.

    Returns
    -------
    Evaluation
        ``penalties`` with the terms ``request_on``, ``request_off``, ``under_cover`` and
        ``over_cover``; ``violations`` lists each broken hard rule (a grid of the wrong shape
        is one ``shape`` violation and nothing else is evaluated).
    """
    if len(roster) != len(instance.employees) or any(len(r) != instance.days for r in roster):
        sizes = sorted({len(r) for r in roster})
        detail = (
            f"{len(roster)} rows of {sizes} days, expected {len(instance.employees)} rows "
            f"of {instance.days} days"
        )
        return Evaluation({}, (Violation("shape", "", -1, detail),))
    violations = [v for e, row in enumerate(roster) for v in _employee_violations(instance, e, row)]
    staff = instance.employee_index
    on = off = 0
    for request in instance.requests:
        cell = roster[staff[request.employee]][request.day]
        if request.on and cell != request.shift:
            on += request.weight
        if not request.on and cell == request.shift:
            off += request.weight
    under = over = 0
    for row in instance.cover:
        count = sum(1 for r in roster if r[row.day] == row.shift)
        under += row.weight_under * max(0, row.requirement - count)
        over += row.weight_over * max(0, count - row.requirement)
    penalties = {"request_on": on, "request_off": off, "under_cover": under, "over_cover": over}
    return Evaluation(penalties, tuple(violations))


def roster_to_csv(instance: Instance, roster: Roster) -> str:
    """A roster as CSV: header ``employee,0,1,...``, one row per employee id, a cell per day
    holding the shift id or nothing for a day off."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["employee", *range(instance.days)])
    for employee, row in zip(instance.employees, roster, strict=True):
        writer.writerow([employee.id, *row])
    return out.getvalue()


def read_roster(instance: Instance, path: str | Path) -> Roster:
    """Read a roster CSV (the format of :func:`roster_to_csv`) in the instance's employee order.

    Raises
    ------
    engine.errors.InputError
        If the file cannot be read, its header is not ``employee,0..H-1``, an employee is
        unknown, repeated or missing.
    """
    location = Path(path)
    try:
        lines = list(csv.reader(location.read_text(encoding="utf-8").splitlines()))
    except (OSError, UnicodeDecodeError) as error:
        raise InputError.single(str(location), "", error, "a readable roster CSV") from None
    expected = ["employee", *(str(d) for d in range(instance.days))]
    if not lines or [c.strip() for c in lines[0]] != expected:
        header = ",".join(lines[0]) if lines else ""
        raise InputError.single(
            f"{location} line 1", "header", header, f"employee,0..{instance.days - 1}"
        )
    rows: dict[str, list[str]] = {}
    for number, cells in enumerate(lines[1:], start=2):
        if not cells:
            continue
        name = cells[0].strip()
        if name not in instance.employee_index or name in rows:
            raise InputError.single(
                f"{location} line {number}", "employee", name, "each employee of the instance once"
            )
        if len(cells) != instance.days + 1:
            raise InputError.single(
                f"{location} line {number}", "cells", len(cells) - 1, f"{instance.days} days"
            )
        rows[name] = [c.strip() for c in cells[1:]]
    missing = [e.id for e in instance.employees if e.id not in rows]
    if missing:
        raise InputError.single(str(location), "employee", missing, "a row for every employee")
    return [rows[e.id] for e in instance.employees]
