"""Repair of a published roster, and the ranking of staff who could take a shift.

A published schedule is what ``balans schedule`` wrote: ``roster.csv`` (staff x days of shift
codes), ``cover.csv`` (the staff cover that produced it) and ``daily_plan.csv``. A
:class:`models.repair.ChangeSet` says what happened since: absences, extra activities, rooms
closed, and *today*, the first day that may change.

:func:`repair_roster` re-solves with the same CP-SAT roster model (:mod:`solvers.roster`), the
published roster as the hint and a change cost per staff and day (the model's ``changes`` term),
on a **neighbourhood** of the change, everything else fixed to the published values:

- the days: every day within ``window`` days (3 by default) of a day the change touches (a
  vacated shift, a cover cell whose need changed), from today on; days before today never
  change;
- the staff: everyone who may cover a competence the change touches (the absent included), over
  those days. An absent person's published shifts count as worked time, as sick leave does, and
  runs broken by the absence are exempt from the minimum run lengths
  (:func:`credit_lost_shifts`), so nothing else of their roster has to move.

This is a restriction of the full problem, so every repair is a roster of the full problem (the
independent checker verifies it on the full problem, fairness included), and it is what a
scheduler does by hand: fill the gap with the people who could fill it, around the day of the
gap. Filling a vacancy rarely needs a change more than a few days away (the sequence rules
reach two or three days: minimum runs of two, rests, weekly rest in seven); when the
neighbourhood has no roster, or leaves people missing below the repair target, every day from
today is freed for the same staff and the cheaper repair is kept.

The repair's objective is the change cost plus ``uncovered`` per person missing below the
**repair target** of each cell, ``min(new target, published staff + rise of the target)``: the
cover the published roster gave, and what the change newly asks for. Over-cover and fairness
are left out and requests already broken by the published roster are not counted, so a repair
gains nothing by moving people who need not move: with no change there is no neighbourhood and
the published roster comes back unchanged; with one, every change costs more than any
substitution it could save. Soft penalties of the whole roster (fairness included) are reported
before and after by the checker.

:func:`rank_candidates` answers "who could take this shift": each person moved onto it (and off
what they had that day, which becomes a vacancy), checked by :mod:`engine.check.roster`; only
those the checker accepts are listed, cheapest first, with the rules involved.
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from engine.calendar import Horizon
from engine.capacity import plannable_room_minutes
from engine.check.roster import check_roster
from engine.daily import cover_of as daily_cover
from engine.errors import NO_VALUE, InputError, InputProblem
from engine.io import read_yaml
from engine.roster import (
    COVER_COLUMNS,
    compile_roster,
    contracted_minutes,
    explain_infeasible,
    roster_grid,
)
from models.base import week_label
from models.repair import (
    Candidate,
    CandidateRanking,
    ChangeSet,
    RepairWeights,
    RosterChange,
    day_text,
)
from models.roster import RosterSolution
from models.solve import SolveStats, SolveStatus
from models.unit import Absence, DateRange
from solvers import roster as roster_solver
from solvers.common import SolveOptions

if TYPE_CHECKING:
    from collections.abc import Callable

    from models.roster import IntArray, RosterCheck, RosterProblem
    from models.unit import Unit

ROSTER_FILE = "roster.csv"
COVER_FILE = "cover.csv"
DAILY_FILE = "daily_plan.csv"

PINNED = 10_000
"""Change cost of a cell the repair may not change (before today, or outside the
neighbourhood): its shift is the only one available there; the cost keeps its competence."""

DEFAULT_OPTIONS = SolveOptions(time_limit=10.0, num_workers=2)


# --------------------------------------------------------------------------------------------
# Reading


def load_changes(path: str | Path) -> ChangeSet:
    """Read a change set from a YAML or JSON file.

    Raises
    ------
    InputError
        Naming the file, the field, the value and what was expected.
    """
    return changes_of(read_yaml(Path(path)), str(path))


def changes_of(document: object, source: str) -> ChangeSet:
    """A change set from a parsed document (``None`` is the empty change set); ``source`` names
    it in messages.

    Raises
    ------
    InputError
        Naming the source, the field, the value and what was expected.
    """
    path = source
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise InputError.single(str(path), "", type(document).__name__, "a mapping of changes")
    try:
        return ChangeSet.model_validate(document)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = "".join(
                f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]
            ).lstrip(".")
            value = error.get("input", NO_VALUE)
            if error["type"] == "missing" or isinstance(value, dict | list):
                value = NO_VALUE
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "missing":
                message = "a value: the field is required"
            elif error["type"] == "extra_forbidden":
                message = "no field of this name (absences, extra_activities, room_closures, ...)"
            problems.append(InputProblem(str(path), where, value, message))
        raise InputError(problems) from None


@dataclass(frozen=True)
class Published:
    """A published schedule: the roster grid (staff x days of shift codes, in the unit's staff
    order), the cover it was made for and the daily plan behind that cover."""

    folder: str
    start: date
    weeks: int
    grid: tuple[tuple[str, ...], ...]
    cover: pd.DataFrame
    daily: pd.DataFrame | None

    @property
    def n_days(self) -> int:
        """Days of the roster."""
        return 7 * self.weeks

    def day(self, d: int) -> date:
        """The date of day ``d``."""
        return self.start + timedelta(days=d)


def _read_grid(unit: Unit, path: Path) -> tuple[date, int, tuple[tuple[str, ...], ...]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError.single(str(path), "", NO_VALUE, "an existing roster file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(str(path), "", NO_VALUE, f"a readable UTF-8 file ({exc})") from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return _grid_of(unit, rows, str(path), lambda line: f"{path} line {line}")


def _grid_of(
    unit: Unit, rows: list[list[str]], source: str, at: Callable[[int], str]
) -> tuple[date, int, tuple[tuple[str, ...], ...]]:
    """The grid of ``rows`` (a header ``staff, dates...`` and a row per staff member), checked;
    ``at(line)`` names a line in messages."""
    path = source
    if not rows or not rows[0] or rows[0][0].strip() != "staff":
        raise InputError.single(str(path), "header", rows[0][:1] if rows else NO_VALUE, "staff")
    header = [cell.strip() for cell in rows[0][1:]]
    days: list[date] = []
    for i, cell in enumerate(header):
        try:
            days.append(date.fromisoformat(cell))
        except ValueError:
            raise InputError.single(
                at(1), f"column {i + 2}", cell, "a date like 2027-03-01"
            ) from None
    if not days or days[0].weekday() != 0 or len(days) % 7 or not 1 <= len(days) // 7 <= 18:
        raise InputError.single(
            at(1),
            "dates",
            f"{len(days)} days from {days[0] if days else '-'}",
            "whole weeks (1 to 18) from a Monday",
        )
    for i, day in enumerate(days):
        if day != days[0] + timedelta(days=i):
            raise InputError.single(
                at(1), f"column {i + 2}", str(day), f"{days[0] + timedelta(days=i)}"
            )
    index = {m.id: s for s, m in enumerate(unit.staff)}
    shifts = {s.id for s in unit.shift_types}
    competences = {c.id for c in unit.competences}
    grid: dict[int, tuple[str, ...]] = {}
    problems: list[InputProblem] = []
    for line, row in enumerate(rows[1:], start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        where = at(line)
        staff_id = row[0].strip()
        if staff_id not in index:
            problems.append(InputProblem(where, "staff", staff_id, "a staff id of the unit"))
            continue
        if index[staff_id] in grid:
            problems.append(InputProblem(where, "staff", staff_id, "one row per staff member"))
            continue
        cells = [cell.strip() for cell in row[1:]]
        if len(cells) != len(days):
            problems.append(InputProblem(where, "cells", len(cells), f"{len(days)} cells"))
            continue
        for d, cell in enumerate(cells):
            shift, _, competence = cell.partition("/")
            if cell and (shift not in shifts or (competence and competence not in competences)):
                problems.append(
                    InputProblem(
                        where,
                        str(days[d]),
                        cell,
                        f"a shift code of the unit ({', '.join(sorted(shifts))}), optionally "
                        "/competence, or empty for a day off",
                    )
                )
        grid[index[staff_id]] = tuple(cells)
    missing = [m.id for s, m in enumerate(unit.staff) if s not in grid]
    if missing and not problems:
        problems.append(
            InputProblem(str(path), "staff", missing[0], "a row for every staff member of the unit")
        )
    if problems:
        raise InputError(problems)
    return days[0], len(days) // 7, tuple(grid[s] for s in range(len(unit.staff)))


def _read_csv(path: Path, columns: tuple[str, ...], dates: tuple[date, date]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise InputError.single(str(path), "", NO_VALUE, "an existing file") from None
    except (OSError, ValueError) as exc:
        raise InputError.single(str(path), "", NO_VALUE, f"a readable CSV file ({exc})") from None
    return _dated(frame, columns, dates, str(path), lambda row: f"{path} line {row + 2}")


def _dated(
    frame: pd.DataFrame,
    columns: tuple[str, ...],
    dates: tuple[date, date],
    source: str,
    at: Callable[[int], str],
) -> pd.DataFrame:
    """``frame`` with its ``columns`` checked and its dates (within ``dates``) parsed; ``at(i)``
    names row ``i`` in messages."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError.single(source, "columns", list(frame.columns), ", ".join(columns))
    parsed = pd.to_datetime(frame["date"], format="%Y-%m-%d", errors="coerce")
    bad = parsed.isna() | (parsed.dt.date < dates[0]) | (parsed.dt.date > dates[1])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError.single(
            at(row),
            "date",
            frame["date"].iloc[row],
            f"a date of the roster, {dates[0]} .. {dates[1]}",
        )
    frame["date"] = parsed.dt.date
    return frame


def read_published(unit: Unit, folder: str | Path) -> Published:
    """Read the schedule ``balans schedule`` wrote to ``folder``.

    Raises
    ------
    InputError
        An unknown staff id, a bad shift code, dates that are not whole weeks, a missing file.
    """
    where = Path(folder)
    start, weeks, grid = _read_grid(unit, where / ROSTER_FILE)
    dates = (start, start + timedelta(days=7 * weeks - 1))
    cover = _read_csv(where / COVER_FILE, tuple(COVER_COLUMNS), dates)
    daily = None
    if (where / DAILY_FILE).exists():
        daily = _read_csv(where / DAILY_FILE, ("date", "activity", "volume"), dates)
    return Published(str(folder), start, weeks, grid, cover, daily)


def published_of(unit: Unit, document: Mapping[str, object], source: str) -> Published:
    """The published schedule in a document such as the service's ``schedule`` job result:
    ``start`` (the first day), ``weeks``, ``roster`` (staff id -> date -> shift code, days off
    left out), ``cover`` and ``daily_plan`` (lists of rows as in cover.csv and
    daily_plan.csv). Checked as :func:`read_published` checks the files; ``source`` names the
    document in messages.

    Raises
    ------
    InputError
        A missing or malformed part, an unknown staff id, a bad shift code, a date outside the
        roster.
    """
    try:
        start = date.fromisoformat(str(document.get("start")))
    except ValueError:
        raise InputError.single(source, "start", document.get("start"), "a date") from None
    weeks = document.get("weeks")
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= 18:
        raise InputError.single(source, "weeks", weeks, "a whole number from 1 to 18")
    roster = document.get("roster")
    if not isinstance(roster, Mapping) or not all(isinstance(v, Mapping) for v in roster.values()):
        raise InputError.single(source, "roster", NO_VALUE, "staff id -> date -> shift code")
    days = [(start + timedelta(days=d)).isoformat() for d in range(7 * weeks)]
    unknown = sorted(set(roster) - {m.id for m in unit.staff})
    if unknown:
        raise InputError.single(f"{source}.roster", "staff", unknown[0], "a staff id of the unit")
    for staff_id, row in roster.items():
        outside = sorted(set(map(str, row)) - set(days))
        if outside:
            raise InputError.single(
                f"{source}.roster.{staff_id}", "date", outside[0], f"a day {days[0]} .. {days[-1]}"
            )
    ids = [m.id for m in unit.staff]
    rows = [["staff", *days]] + [
        [staff_id, *(str(roster.get(staff_id, {}).get(day, "")) for day in days)]
        for staff_id in ids
    ]
    _, _, grid = _grid_of(unit, rows, f"{source}.roster", lambda line: (
        f"{source}.roster" if line == 1 else f"{source}.roster.{ids[line - 2]}"))  # fmt: skip
    dates = (start, start + timedelta(days=7 * weeks - 1))

    def table(name: str, columns: tuple[str, ...]) -> pd.DataFrame:
        records = document.get(name)
        if not isinstance(records, list) or not all(isinstance(r, Mapping) for r in records):
            raise InputError.single(source, name, NO_VALUE, "a list of rows")
        frame = pd.DataFrame(records, columns=None if records else list(columns))
        return _dated(frame, columns, dates, f"{source}.{name}", lambda i: f"{source}.{name}[{i}]")

    cover = table("cover", tuple(COVER_COLUMNS))
    daily = None
    if "daily_plan" in document:
        daily = table("daily_plan", ("date", "activity", "volume"))
    return Published(source, start, weeks, grid, cover, daily)


# --------------------------------------------------------------------------------------------
# The published roster as a solution


def _codes(problem: RosterProblem) -> tuple[dict[str, int], dict[str, int]]:
    return (
        {t: i for i, t in enumerate(problem.shift_ids)},
        {c: i for i, c in enumerate(problem.competence_ids)},
    )


def decode_grid(problem: RosterProblem, grid: tuple[tuple[str, ...], ...]) -> RosterSolution:
    """The roster of ``grid`` (shift codes, ``shift/competence`` for a substitute) as a
    solution of ``problem``.

    A plain code leaves the competence open when the person has several of their own: each
    such cell takes the own competence whose cell is furthest below its target (after the
    cells whose competence is certain), so the counts match the cover as the solver made them.
    """
    shifts, competences = _codes(problem)
    shift = np.full((problem.n_staff, problem.n_days), -1, dtype=np.int64)
    competence = np.full_like(shift, -1)
    open_cells: list[tuple[int, int, list[int]]] = []
    counts = np.zeros_like(problem.cover_target)
    for s, row in enumerate(grid):
        own = [
            int(c)
            for c in np.flatnonzero(problem.can_cover[s])
            if problem.substitution_cost[s, c] == 0
        ]
        for d, cell in enumerate(row):
            if not cell:
                continue
            code, _, named = cell.partition("/")
            t = shifts[code]
            shift[s, d] = t
            if named:
                competence[s, d] = competences[named]
            elif len(own) == 1:
                competence[s, d] = own[0]
            elif own:
                open_cells.append((s, d, own))
                continue
            if competence[s, d] >= 0:
                counts[d, t, competence[s, d]] += 1
    for s, d, own in open_cells:
        t = int(shift[s, d])
        room = [int(problem.cover_target[d, t, c] - counts[d, t, c]) for c in own]
        c = own[int(np.argmax(room))]
        competence[s, d] = c
        counts[d, t, c] += 1
    return RosterSolution(shift=shift, competence=competence)


def grid_codes(problem: RosterProblem, solution: RosterSolution) -> list[list[str]]:
    """Shift codes per staff and day, as ``roster.csv`` writes them."""
    grid = roster_grid(problem, solution, date(2000, 1, 3))
    return [[str(cell) for cell in row] for row in grid.to_numpy().tolist()]


def staff_counts(problem: RosterProblem, solution: RosterSolution) -> IntArray:
    """People per (day, shift, competence)."""
    n = np.zeros_like(problem.cover_target)
    worked = (solution.shift >= 0) & (solution.competence >= 0)
    s, d = np.nonzero(worked)
    np.add.at(n, (d, solution.shift[s, d], solution.competence[s, d]), 1)
    return n


# --------------------------------------------------------------------------------------------
# Applying the changes


def _day_index(published: Published, day: date, source: str, field: str) -> int:
    d = (day - published.start).days
    if not 0 <= d < published.n_days:
        last = published.day(published.n_days - 1)
        raise InputError.single(
            source, field, str(day), f"a date of the roster, {published.start} .. {last}"
        )
    return d


def resolve_today(
    published: Published, changes: ChangeSet, today: date | None, source: str = "changes"
) -> int:
    """Index of the first day that may change: ``today``, else the change set's, else day 0."""
    chosen = today or changes.today
    if chosen is None:
        return 0
    return _day_index(published, chosen, "--today" if today else source, "today")


def check_changes(
    unit: Unit, published: Published, changes: ChangeSet, today: int, source: str = "changes"
) -> None:
    """Cross-reference the change set with the unit and the roster: known staff, activities and
    rooms, dates inside the roster and not before today.

    Raises
    ------
    InputError
        One problem per bad reference, naming the field and the value.
    """
    staff = {m.id for m in unit.staff}
    activities = {a.id for a in unit.activity_types}
    rooms = {r.id for r in unit.rooms}
    first = published.day(today)
    problems: list[InputProblem] = []

    def inside(day: date, field: str, from_today: bool = True) -> None:
        d = (day - published.start).days
        if not 0 <= d < published.n_days:
            last = published.day(published.n_days - 1)
            expected = f"a date of the roster, {published.start} .. {last}"
            problems.append(InputProblem(source, field, str(day), expected))
        elif from_today and d < today:
            problems.append(
                InputProblem(source, field, str(day), f"a date from today ({first}) on")
            )

    for i, absence in enumerate(changes.absences):
        if absence.staff not in staff:
            problems.append(
                InputProblem(source, f"absences[{i}].staff", absence.staff, "a staff id")
            )
        inside(absence.start, f"absences[{i}].start", from_today=False)
        inside(absence.end, f"absences[{i}].end")
    for i, extra in enumerate(changes.extra_activities):
        if extra.activity not in activities:
            problems.append(
                InputProblem(
                    source, f"extra_activities[{i}].activity", extra.activity, "an activity id"
                )
            )
        inside(extra.date, f"extra_activities[{i}].date")
    for i, closure in enumerate(changes.room_closures):
        if closure.room not in rooms:
            problems.append(
                InputProblem(source, f"room_closures[{i}].room", closure.room, "a room id")
            )
        inside(closure.date, f"room_closures[{i}].date")
        if closure.end is not None:
            inside(closure.end, f"room_closures[{i}].end")
    if (changes.extra_activities or changes.room_closures) and published.daily is None:
        problems.append(
            InputProblem(
                f"{published.folder}/{DAILY_FILE}",
                "",
                NO_VALUE,
                "the daily plan, to turn extra activities and room closures into staff cover",
            )
        )
    if problems:
        raise InputError(problems)


def with_absences(unit: Unit, published: Published, changes: ChangeSet, today: int) -> Unit:
    """``unit`` with the change set's absences added to its staff, from today on (what
    happened before today stays as published)."""
    if not changes.absences:
        return unit
    first = published.day(today)
    added: dict[str, list[Absence]] = {}
    for absence in changes.absences:
        start = max(absence.start, first)
        if start <= absence.end:
            added.setdefault(absence.staff, []).append(
                Absence(start=start, end=absence.end, kind="sick")
            )
    staff = [
        m.model_copy(update={"absences": [*m.absences, *added[m.id]]}) if m.id in added else m
        for m in unit.staff
    ]
    return unit.model_copy(update={"staff": staff})


def _per_day(unit: Unit, published: Published) -> np.ndarray:
    """Activities x days of the published daily plan."""
    index = {a.id: i for i, a in enumerate(unit.activity_types)}
    daily = published.daily
    assert daily is not None
    grid = np.zeros((len(index), published.n_days))
    for line, (day, activity, volume) in enumerate(
        daily[["date", "activity", "volume"]].itertuples(index=False, name=None)
    ):
        if activity not in index:
            raise InputError.single(
                f"{published.folder}/{DAILY_FILE} line {line + 2}",
                "activity",
                activity,
                "an activity id of the unit",
            )
        grid[index[activity], (day - published.start).days] += float(volume)
    return grid


def _cover_of(unit: Unit, horizon: Horizon, per_day: np.ndarray) -> dict[tuple[Any, ...], Any]:
    ward_of = [a.ward for a in unit.activity_types]
    dates = [d.astype(date) for d in horizon.days]
    occupied = pd.DataFrame(index=pd.Index(dates, name="date"))
    for ward in unit.wards:
        rows = [i for i, w in enumerate(ward_of) if w == ward.id]
        occupied[ward.id] = per_day[rows].sum(axis=0) if rows else 0.0
    frame = daily_cover(unit, horizon, per_day, occupied)
    return {
        (day, shift, competence): (low, high)
        for day, shift, competence, low, high in frame.itertuples(index=False, name=None)
    }


def changed_cover(
    unit: Unit, published: Published, changes: ChangeSet
) -> tuple[pd.DataFrame, list[str]]:
    """The published cover with the extra activities and room closures applied, and a note per
    change of the daily plan.

    The daily plan of the published schedule is changed (activities added; on a closed room's
    day, the activities of its room type scaled down to what the rooms left open can hold,
    whole activities), its cover recomputed as the daily plan computes it, and the difference
    added to the published cover, so a cover edited by hand keeps its edits.
    """
    cover = published.cover.copy()
    if not (changes.extra_activities or changes.room_closures):
        return cover, []
    calendar = unit.calendar.model_copy(
        update={"start_week": week_label(published.start), "weeks": published.weeks}
    )
    horizon = Horizon.of(calendar)
    before = _per_day(unit, published)
    after = before.copy()
    index = {a.id: i for i, a in enumerate(unit.activity_types)}
    notes: list[str] = []
    for extra in changes.extra_activities:
        after[index[extra.activity], (extra.date - published.start).days] += extra.count
        notes.append(f"{extra.count:g} more {extra.activity} on {day_text(extra.date)}")
    if changes.room_closures:
        closed_rooms = []
        for room in unit.rooms:
            closures = [
                DateRange(start=c.date, end=c.end or c.date, reason="closed")
                for c in changes.room_closures
                if c.room == room.id
            ]
            closed_rooms.append(
                room.model_copy(update={"closures": [*room.closures, *closures]})
                if closures
                else room
            )
        open_before = plannable_room_minutes(unit, horizon)
        open_after = plannable_room_minutes(
            unit.model_copy(update={"rooms": closed_rooms}), horizon
        )
        for r, kind in enumerate(unit.room_types):
            members = [i for i, a in enumerate(unit.activity_types) if a.room_type == kind.id]
            minutes = np.array([unit.activity_types[i].mean_process_time for i in members])
            for d in np.flatnonzero(open_after[r] < open_before[r] - 1e-9).tolist():
                used = float(minutes @ after[members, d]) if members else 0.0
                room_left = float(open_after[r, d])
                if used <= room_left + 1e-9:
                    continue
                share = room_left / used
                for i in members:
                    kept = after[i, d] * share
                    kind_of = unit.activity_types[i].kind
                    after[i, d] = math.floor(kept + 1e-9) if kind_of != "bed_day" else kept
                dropped = float(before[members, d].sum() - after[members, d].sum())
                notes.append(
                    f"{kind.id} on {day_text(published.day(d))}: {dropped:g} activities no "
                    "longer fit in the rooms left open (the room schedule's repair moves them)"
                )
    old, new = _cover_of(unit, horizon, before), _cover_of(unit, horizon, after)
    rows: dict[tuple[Any, ...], list[int]] = {}
    for day, shift, competence, low, high in cover[list(COVER_COLUMNS)].itertuples(
        index=False, name=None
    ):
        cell = rows.setdefault((day, shift, competence), [0, 0])
        cell[0] += int(low)
        cell[1] += int(high)
    for key in set(old) | set(new):
        low0, high0 = old.get(key, (0, 0))
        low1, high1 = new.get(key, (0, 0))
        cell = rows.setdefault(key, [0, 0])
        cell[0] = max(0, cell[0] + int(low1 - low0))
        cell[1] = max(cell[0], cell[1] + int(high1 - high0))
    frame = pd.DataFrame(
        [(*key, low, high) for key, (low, high) in sorted(rows.items()) if high > 0],
        columns=list(COVER_COLUMNS),
    )
    return frame.astype({"minimum": int, "target": int}), notes


# --------------------------------------------------------------------------------------------
# Change costs


def change_costs(published: RosterSolution, today: int, weights: RepairWeights) -> IntArray:
    """``(S, D)`` cost of changing each published assignment: :data:`PINNED` before today;
    from today on, a working day ``change_near`` falling linearly to ``change_far`` over
    ``near_days`` days, a day off ``day_off_near`` to ``day_off_far``."""
    n_days = published.shift.shape[1]
    ahead = np.arange(n_days) - today
    closeness = np.clip(1.0 - ahead / weights.near_days, 0.0, 1.0)
    work = np.rint(weights.change_far + (weights.change_near - weights.change_far) * closeness)
    off = np.rint(weights.day_off_far + (weights.day_off_near - weights.day_off_far) * closeness)
    cost = np.where(published.shift >= 0, work[None, :], off[None, :]).astype(np.int64)
    cost[:, :today] = PINNED
    return cost


# --------------------------------------------------------------------------------------------
# The repair


@dataclass(frozen=True)
class Repair:
    """A repaired roster, how it was found, and what it changed.

    Attributes
    ----------
    problem
        The full roster problem after the changes, with the published roster and the change
        costs (the checker recomputes the ``changes`` penalty from it).
    published, vacated, solution
        The published roster; the same with the shifts nobody can work any more left empty;
        the repaired roster (None when no repair was found).
    stats
        The solve of the neighbourhood (status, objective, bound, time, model size).
    check
        The independent checker's verdict on the repaired roster, on the full problem.
    changes
        The assignments that differ from the published roster, by date then name.
    freed_staff, freed_cells
        Size of the neighbourhood: people and (person, day) cells free to change.
    under_cover
        People missing below the cover targets: ``published`` (before the change), ``vacated``
        and ``repaired``.
    widened
        True when the repair kept the wider neighbourhood (every day from today).
    reasons
        When no repair exists: which cover cannot be met, by how many people.
    notes
        What the changes did to the daily plan, and each absence that takes no published shift.
    """

    problem: RosterProblem
    start: date
    today: int
    published: RosterSolution
    vacated: RosterSolution
    solution: RosterSolution | None
    stats: SolveStats
    check: RosterCheck | None
    changes: tuple[RosterChange, ...]
    freed_staff: int
    freed_cells: int
    under_cover: dict[str, int]
    widened: bool = False
    reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    published_penalties: dict[str, int] = field(default_factory=dict)
    """The checker's penalties of the published roster, before the changes."""


def _under(problem: RosterProblem, solution: RosterSolution) -> int:
    return int(np.maximum(problem.cover_target - staff_counts(problem, solution), 0).sum())


def vacate(problem: RosterProblem, published: RosterSolution, today: int) -> RosterSolution:
    """``published`` with every shift from today on that ``problem`` no longer allows (an
    absence, a need that went away) left empty."""
    shift = published.shift.copy()
    competence = published.competence.copy()
    s, d = np.nonzero(shift >= 0)
    lost = ~problem.available[s, d, shift[s, d]] & (d >= today)
    shift[s[lost], d[lost]] = -1
    competence[s[lost], d[lost]] = -1
    return RosterSolution(shift=shift, competence=competence)


def _neighbourhood(
    before: RosterProblem,
    after: RosterProblem,
    published: RosterSolution,
    today: int,
    window: int | None,
) -> np.ndarray:
    """``(S, D)`` cells free to change (see the module docstring); ``window`` None frees every
    day from today for the same staff."""
    n_staff, n_days = published.shift.shape
    free = np.zeros((n_staff, n_days), dtype=bool)
    touched_days = np.zeros(n_days, dtype=bool)
    touched_competences = np.zeros(after.n_competences, dtype=bool)
    s, d = np.nonzero(published.shift >= 0)
    lost = ~after.available[s, d, published.shift[s, d]] & (d >= today)
    touched_days[d[lost]] = True
    lost_competence = published.competence[s[lost], d[lost]]
    touched_competences[lost_competence[lost_competence >= 0]] = True
    changed = (after.cover_target != before.cover_target) | (after.cover_min != before.cover_min)
    changed[:today] = False
    cd, _, cc = np.nonzero(changed)
    touched_days[cd] = True
    touched_competences[cc] = True
    if not touched_days.any():
        return free
    days = np.zeros(n_days, dtype=bool)
    if window is None:
        days[today:] = touched_days.any()
    else:
        for day in np.flatnonzero(touched_days).tolist():
            days[max(today, day - window) : day + window + 1] = True
    staff = after.can_cover[:, touched_competences].any(axis=1)
    free[staff] = days
    return free


@dataclass(frozen=True)
class _Window:
    """A neighbourhood as a problem of its own: its staff, its days ``first .. last - 1``
    (whole weeks) and the roster problem."""

    staff: np.ndarray
    first: int
    last: int
    problem: RosterProblem


def _days_of(free: np.ndarray, problem: RosterProblem) -> tuple[int, int]:
    """Whole weeks around the free days, with a margin of fixed days on each side longer than
    any run rule, a weekly-rest window and a daily rest reach: every rule that sees a free day
    sees only days inside, and the runs that touch the cut are long enough to need no
    exemption."""
    days = np.flatnonzero(free.any(axis=0))
    margin = max(
        7,
        int(problem.max_consecutive.max(initial=0)) + 1,
        int(problem.min_consecutive.max(initial=0)),
        int(problem.min_consecutive_off.max(initial=0)),
    )
    first = max(0, (int(days[0]) - margin) // 7 * 7)
    last = min(problem.n_days, (int(days[-1]) + margin) // 7 * 7 + 7)
    return first, last


def _sub_problem(
    before: RosterProblem,
    after: RosterProblem,
    published: RosterSolution,
    free: np.ndarray,
    costs: IntArray,
    weights: RepairWeights,
) -> _Window:
    """The neighbourhood as a roster problem of its own staff and days.

    The staff are those with a free cell; the days whole weeks around the free ones
    (:func:`_days_of`). Everything else is fixed to the published roster and enters as data:
    the cover of the staff left out is subtracted from the cover; the minutes, shifts, nights
    and weekends the staff work outside the days are subtracted from their limits. Cells of
    the staff that are not free may hold only their published shift (a change of competence
    costs :data:`PINNED`). The target is the repair target (see the module docstring) on the
    days with a free cell, and none elsewhere, where nothing can change; over-cover and
    fairness carry no weight; requests the published roster broke are left out.
    """
    staff = np.flatnonzero(free.any(axis=1))
    first, last = _days_of(free, after)
    cut = slice(first, last)
    weeks = slice(first // 7, last // 7)
    fixed = np.ones(after.n_staff, dtype=bool)
    fixed[staff] = False
    n_fixed = staff_counts(
        after,
        RosterSolution(
            shift=np.where(fixed[:, None], published.shift, -1),
            competence=np.where(fixed[:, None], published.competence, -1),
        ),
    )[cut]
    target = _repair_target(before, after, published)[cut]
    sub_target = np.maximum(target - n_fixed, 0)
    sub_target[~free[:, cut].any(axis=0)] = 0
    sub_min = np.maximum(after.cover_min[cut] - n_fixed, 0)

    shift = published.shift[staff]
    outside = np.ones(after.n_days, dtype=bool)
    outside[cut] = False
    worked_out = (shift >= 0) & outside[None, :]
    out_shift = np.where(worked_out, shift, -1)
    minutes_out = np.where(worked_out, after.shift_minutes[np.maximum(shift, 0)], 0).sum(axis=1)
    shifts_out = np.stack([(out_shift == t).sum(axis=1) for t in range(after.n_shifts)], axis=1)
    nights_out = (worked_out & after.shift_night[np.maximum(shift, 0)]).sum(axis=1)
    weekend_out = np.zeros(staff.size, dtype=np.int64)
    for days in after.weekend_days():
        if days[0] < first or days[0] >= last:
            weekend_out += (shift[:, list(days)] >= 0).any(axis=1)

    available = after.available[staff][:, cut].copy()
    cost = costs[staff][:, cut].copy()
    for i, s in enumerate(staff.tolist()):
        for d in np.flatnonzero(~free[s, cut]).tolist():
            t = int(published.shift[s, first + d])
            # before today the published shift stands whatever happened; later only if allowed
            keep = t >= 0 and (
                costs[s, first + d] >= PINNED or bool(after.available[s, first + d, t])
            )
            available[i, d] = False
            if keep:
                available[i, d, t] = True
            cost[i, d] = PINNED
    renumber = np.full(after.n_staff, -1, dtype=np.int64)
    renumber[staff] = np.arange(staff.size)
    worked = published.shift[after.request_staff, after.request_day]
    hit = np.where(after.request_shift < 0, worked >= 0, worked == after.request_shift)
    keep_request = np.isin(after.request_staff, staff) & np.where(after.request_on, hit, ~hit)
    keep_request &= (after.request_day >= first) & (after.request_day < last)
    problem = replace(
        after,
        staff_ids=tuple(after.staff_ids[s] for s in staff.tolist()),
        n_days=last - first,
        first_weekday=(after.first_weekday + first) % 7,
        cover_min=sub_min,
        cover_target=sub_target,
        cover_under_weight=np.where(sub_target > 0, weights.uncovered, 0).astype(np.int64),
        cover_over_weight=np.zeros_like(sub_target),
        can_cover=after.can_cover[staff],
        substitution_cost=after.substitution_cost[staff],
        available=available,
        max_shifts=np.maximum(after.max_shifts[staff] - shifts_out, 0),
        min_minutes=np.maximum(after.min_minutes[staff] - minutes_out, 0),
        max_minutes=np.maximum(after.max_minutes[staff] - minutes_out, 0),
        min_week_minutes=after.min_week_minutes[staff][:, weeks],
        max_week_minutes=after.max_week_minutes[staff][:, weeks],
        max_consecutive=after.max_consecutive[staff],
        min_consecutive=after.min_consecutive[staff],
        min_consecutive_off=after.min_consecutive_off[staff],
        max_weekends=np.maximum(after.max_weekends[staff] - weekend_out, 0),
        max_nights=np.maximum(after.max_nights[staff] - nights_out, 0),
        min_rest=after.min_rest[staff],
        weekly_rest=after.weekly_rest[staff],
        fairness_group=np.full(staff.size, -1, dtype=np.int64),
        request_staff=renumber[after.request_staff[keep_request]],
        request_day=after.request_day[keep_request] - first,
        request_shift=after.request_shift[keep_request],
        request_on=after.request_on[keep_request],
        request_weight=after.request_weight[keep_request],
        weekend_fairness=0,
        night_fairness=0,
        published=RosterSolution(
            shift=published.shift[staff][:, cut].copy(),
            competence=published.competence[staff][:, cut].copy(),
        ),
        change_cost=cost,
        name=f"{after.name} repair days {first}..{last - 1}",
    )
    return _Window(staff, first, last, problem)


def credit_lost_shifts(
    before: RosterProblem, after: RosterProblem, published: RosterSolution, today: int
) -> RosterProblem:
    """``after`` with the published shifts a person can no longer work (an absence) counted as
    worked, as sick leave is: everyone's minutes bands are the published problem's less the
    minutes of those shifts (over the roster and in each week; an absence on days off changes
    nothing), and runs broken by the absence are exempt from the minimum run lengths (minimum
    1). Nothing else of their roster has to move: an absence only removes work, which every
    other rule allows. The weekends and nights each person may work, and the fairness groups,
    stay the published problem's: they follow the time a person is present, and an absence
    that came after publication changes neither what was agreed nor with whom it is compared."""
    vacated = vacate(after, published, today)
    lost = (published.shift >= 0) & (vacated.shift < 0)
    minutes = np.where(lost, before.shift_minutes[np.maximum(published.shift, 0)], 0)
    total = minutes.sum(axis=1)
    weekly = (
        np.pad(minutes, ((0, 0), (0, 7 * before.n_weeks - before.n_days)))
        .reshape(before.n_staff, before.n_weeks, 7)
        .sum(axis=2)
    )
    absent: np.ndarray = np.asarray(lost.any(axis=1))
    return replace(
        after,
        min_minutes=np.maximum(before.min_minutes - total, 0),
        max_minutes=np.maximum(before.max_minutes - total, 0),
        min_week_minutes=np.maximum(before.min_week_minutes - weekly, 0),
        max_week_minutes=np.maximum(before.max_week_minutes - weekly, 0),
        min_consecutive=np.where(absent, 1, after.min_consecutive),
        min_consecutive_off=np.where(absent, 1, after.min_consecutive_off),
        max_weekends=before.max_weekends,
        max_nights=before.max_nights,
        fairness_group=before.fairness_group,
    )


def change_list(
    problem: RosterProblem,
    before: RosterSolution,
    after: RosterSolution,
    start: date,
    names: dict[str, str],
) -> tuple[RosterChange, ...]:
    """The assignments of ``after`` that differ from ``before``, by date then name. A person
    with several competences of their own who keeps the shift but covers another competence is
    a change too: the codes then name the competences (``dag (sjukskoterska)``)."""
    old, new = grid_codes(problem, before), grid_codes(problem, after)
    changes = []
    differs = (before.shift != after.shift) | (before.competence != after.competence)
    for s, d in zip(*np.nonzero(differs), strict=True):
        was, now = old[s][d], new[s][d]
        if was == now:
            was += f" ({problem.competence_ids[before.competence[s, d]]})"
            now += f" ({problem.competence_ids[after.competence[s, d]]})"
        changes.append(
            RosterChange(
                staff_id=problem.staff_ids[s],
                name=names.get(problem.staff_ids[s], "") or problem.staff_ids[s],
                day=start + timedelta(days=int(d)),
                before=was,
                after=now,
            )
        )
    return tuple(sorted(changes, key=lambda c: (c.day, c.name, c.staff_id)))


@dataclass(frozen=True)
class Situation:
    """The published schedule with the changes applied: the problems before and after, the
    published roster, today and the change costs."""

    unit: Unit
    changed_unit: Unit
    published: Published
    changes: ChangeSet
    cover: pd.DataFrame
    before: RosterProblem
    after: RosterProblem
    roster: RosterSolution
    today: int
    costs: IntArray
    notes: tuple[str, ...]


def situation(
    unit: Unit,
    published: Published,
    changes: ChangeSet,
    today: date | None = None,
    source: str = "changes",
) -> Situation:
    """Apply ``changes`` (read from ``source``, for error messages) to the published schedule,
    checked against the unit first.

    Raises
    ------
    InputError
        A change that names an unknown staff member, activity or room, or a date outside the
        roster or before today.
    """
    first = resolve_today(published, changes, today, source)
    check_changes(unit, published, changes, first, source)
    try:
        before = compile_roster(unit, published.start, published.weeks, published.cover)
        cover, notes = changed_cover(unit, published, changes)
        changed_unit = with_absences(unit, published, changes, first)
        after = compile_roster(changed_unit, published.start, published.weeks, cover)
    except InputError as error:
        source = f"{published.folder}/{COVER_FILE}"
        raise InputError(
            [
                replace(p, source=p.source.replace("cover table row", f"{source} row"))
                for p in error.problems
            ]
        ) from None
    roster = decode_grid(before, published.grid)
    notes += _idle_absences(before, unit, published, changes, roster, first)
    costs = change_costs(roster, first, changes.weights)
    after = replace(
        credit_lost_shifts(before, after, roster, first), published=roster, change_cost=costs
    )
    return Situation(
        unit, changed_unit, published, changes, cover, before, after, roster, first, costs,
        tuple(notes),
    )  # fmt: skip


def _idle_absences(
    problem: RosterProblem,
    unit: Unit,
    published: Published,
    changes: ChangeSet,
    roster: RosterSolution,
    today: int,
) -> list[str]:
    """A note for each absence that takes no shift of ``roster`` (of ``problem``) from today
    on: the person is off on all of those days already, so it leaves nothing to cover."""
    index = {staff: s for s, staff in enumerate(problem.staff_ids)}
    names = {m.id: m.name or m.id for m in unit.staff}
    notes = []
    for absence in changes.absences:
        first = max((absence.start - published.start).days, today)
        last = (absence.end - published.start).days
        if first <= last and (roster.shift[index[absence.staff], first : last + 1] < 0).all():
            days = published.day(first), published.day(last)
            span = day_text(days[0]) if first == last else " to ".join(map(day_text, days))
            notes.append(
                f"{names[absence.staff]} ({absence.staff}) has no shift in the published roster"
                f" on {span}: the absence leaves nothing to cover"
            )
    return notes


def _repair_target(
    before: RosterProblem, after: RosterProblem, published: RosterSolution
) -> IntArray:
    """Per cell, ``min(new target, published staff + rise of the target)``."""
    rise = np.maximum(after.cover_target - before.cover_target, 0)
    target: IntArray = np.minimum(after.cover_target, staff_counts(after, published) + rise)
    return target


def _repair_cost(state: Situation, target: IntArray, roster: RosterSolution) -> int:
    """The repair's objective on the whole roster: ``uncovered`` per person below the repair
    target, the change cost of every changed cell, and substitution."""
    after, published = state.after, state.roster
    missing = int(np.maximum(target - staff_counts(after, roster), 0).sum())
    changed = (roster.shift != published.shift) | (
        (roster.shift >= 0) & (roster.competence != published.competence)
    )
    s, d = np.nonzero(roster.shift >= 0)
    c = roster.competence[s, d]
    substitution = int(after.substitution_cost[s[c >= 0], c[c >= 0]].sum())
    return (
        state.changes.weights.uncovered * missing + int(state.costs[changed].sum()) + substitution
    )


def _solve_neighbourhood(
    state: Situation, vacated: RosterSolution, free: np.ndarray, options: SolveOptions
) -> tuple[RosterSolution | None, SolveStats, _Window]:
    """Solve the neighbourhood ``free``; the whole repaired roster (None without one)."""
    window = _sub_problem(
        state.before, state.after, state.roster, free, state.costs, state.changes.weights
    )
    staff, cut = window.staff, slice(window.first, window.last)
    hint = RosterSolution(
        shift=vacated.shift[staff][:, cut], competence=vacated.competence[staff][:, cut]
    )
    result = roster_solver.solve(window.problem, options, hint=hint, decompose=False)
    if result.solution is None:
        return None, result.stats, window
    shift, competence = state.roster.shift.copy(), state.roster.competence.copy()
    rows = np.ix_(staff, np.arange(window.first, window.last))
    shift[rows] = result.solution.shift
    competence[rows] = result.solution.competence
    return RosterSolution(shift=shift, competence=competence), result.stats, window


def repair_roster(state: Situation, options: SolveOptions | None = None, window: int = 3) -> Repair:
    """Repair the published roster after the changes of ``state`` (see the module docstring).

    The neighbourhood of ``window`` days is solved first; when it has no roster, or leaves
    people missing below the repair target, every day from today is freed for the same staff
    (with the time left) and the cheaper of the two repairs is kept.

    Parameters
    ----------
    state
        The published schedule with the changes applied (:func:`situation`).
    options
        Time limit (for both neighbourhoods together), seed and workers (default 10 s, 2
        workers).
    window
        Days around each touched day that are free to change.

    Returns
    -------
    Repair
        The repaired roster with the checker's verdict and the change list; without a roster,
        the reasons.
    """
    options = options or DEFAULT_OPTIONS
    started = time.perf_counter()
    before, after, roster, today = state.before, state.after, state.roster, state.today
    vacated = vacate(after, roster, today)
    names = {m.id: m.name for m in state.unit.staff}
    under = {"published": _under(before, roster), "vacated": _under(after, vacated)}
    common = {
        "problem": after,
        "start": state.published.start,
        "today": today,
        "published": roster,
        "vacated": vacated,
        "under_cover": under,
        "notes": state.notes,
        "published_penalties": check_roster(before, roster).penalty_by_rule,
    }
    free = _neighbourhood(before, after, roster, today, window)
    if not free.any():
        under["repaired"] = _under(after, roster)
        stats = SolveStats(
            status=SolveStatus.OPTIMAL,
            objective=0.0,
            bound=0.0,
            wall_time=time.perf_counter() - started,
            backend="none",
        )
        return Repair(
            solution=roster,
            stats=stats,
            check=check_roster(after, roster),
            changes=(),
            freed_staff=0,
            freed_cells=0,
            **common,  # type: ignore[arg-type]
        )
    target = _repair_target(before, after, roster)
    repaired, stats, part = _solve_neighbourhood(state, vacated, free, options)
    widened = False
    missing = repaired is None or bool((staff_counts(after, repaired) < target).any())
    # the wider neighbourhood gets what is left of the time limit
    left = None if options.time_limit is None else options.time_limit - stats.wall_time
    if missing and (left is None or left >= 1.0):
        wide = _neighbourhood(before, after, roster, today, None)
        if (wide != free).any():
            other, other_stats, other_part = _solve_neighbourhood(
                state, vacated, wide, replace(options, time_limit=left)
            )
            if other is not None and (
                repaired is None
                or _repair_cost(state, target, other) < _repair_cost(state, target, repaired)
            ):
                repaired, stats, part, free = other, other_stats, other_part, wide
                widened = True
            elif repaired is None:
                stats, part, free, widened = other_stats, other_part, wide, True
    stats = replace(stats, wall_time=time.perf_counter() - started)
    staff = part.staff
    if repaired is None:
        reasons: tuple[str, ...] = ()
        if stats.status is SolveStatus.INFEASIBLE:
            first_day = state.published.day(part.first)
            # the hard rules alone: the change costs play no part in why none exists
            rules_only = replace(part.problem, published=None, change_cost=None)
            reasons = tuple(explain_infeasible(rules_only, options).lines(first_day))
        return Repair(
            solution=None,
            stats=stats,
            check=None,
            changes=(),
            freed_staff=int(staff.size),
            freed_cells=int(free.sum()),
            widened=widened,
            reasons=reasons or (f"no repair found ({stats.status.value})",),
            **common,  # type: ignore[arg-type]
        )
    under["repaired"] = _under(after, repaired)
    return Repair(
        solution=repaired,
        stats=stats,
        check=check_roster(after, repaired),
        changes=change_list(after, roster, repaired, state.published.start, names),
        freed_staff=int(staff.size),
        freed_cells=int(free.sum()),
        widened=widened,
        **common,  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------------------------
# Candidates for a shift


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _weekend_of(problem: RosterProblem, d: int) -> list[int]:
    weekday = (problem.first_weekday + d) % 7
    if weekday < 5:
        return []
    saturday = d - (weekday - 5)
    return [day for day in (saturday, saturday + 1) if 0 <= day < problem.n_days]


def _weekends_worked(problem: RosterProblem, row: np.ndarray) -> int:
    weekday = (problem.first_weekday + np.arange(problem.n_days)) % 7
    week = (problem.first_weekday + np.arange(problem.n_days)) // 7
    worked = set(week[(weekday >= 5) & (row >= 0)].tolist())
    return len(worked)


def _violation_keys(check: RosterCheck) -> set[tuple[str, int, int, str]]:
    return {(v.rule, v.staff, v.day, v.detail) for v in check.violations}


def repair_summary(repair: Repair) -> dict[str, Any]:
    """What ``summary.json`` of ``balans repair`` holds: the solve, the neighbourhood, the
    number of changes, the people still below cover, the checker's verdict and penalties (and
    the published roster's), and the reasons when there is no roster."""
    stats = repair.stats
    summary: dict[str, Any] = {
        "status": stats.status.value,
        "objective": stats.objective,
        "bound": stats.bound,
        "wall_time": round(stats.wall_time, 3),
        "today": str(repair.start + timedelta(days=repair.today)),
        "neighbourhood": {
            "staff": repair.freed_staff,
            "cells": repair.freed_cells,
            "widened": repair.widened,
            "variables": stats.variables,
        },
        "changes": len(repair.changes),
        "under_cover_people": repair.under_cover,
        "notes": list(repair.notes),
    }
    if repair.check is not None:
        summary["hard_violations"] = len(repair.check.violations)
        summary["violations"] = [v.detail for v in repair.check.violations]
        summary["penalties"] = dict(sorted(repair.check.penalty_by_rule.items()))
        summary["penalties_published"] = dict(sorted(repair.published_penalties.items()))
    if repair.reasons:
        summary["infeasible"] = list(repair.reasons)
    return summary


def rank_candidates(
    state: Situation,
    day: date,
    shift: str,
    competence: str | None = None,
    base: RosterSolution | None = None,
    source: str = "--candidates",
) -> CandidateRanking:
    """Rank the staff who may legally take ``shift`` on ``day`` (in ``competence``, or in any
    competence short on that shift that day), cheapest first.

    Each person is moved onto the shift, off what they had that day (which becomes a vacancy),
    and the roster is checked by :func:`engine.check.roster.check_roster` on the problem after
    the changes: a person is listed only when the move adds no hard violation. The cost is the
    change cost (as in the repair), plus the change of every soft penalty of the roster
    (under- and over-cover elsewhere, requests, substitution, fairness; the shift's own cell
    left out, as every candidate fills it), plus ``overtime_per_hour`` per hour above contract.

    Parameters
    ----------
    state
        The published schedule with the changes applied (:func:`situation`).
    day, shift, competence
        The shift to fill; ``competence`` None takes the competences short on it.
    base
        The roster to start from; by default the published one with the shifts nobody may work
        any more left empty.
    source
        What names the shift in messages (the option or parameter it came from).

    Raises
    ------
    InputError
        An unknown shift or competence, a day outside the roster or before today, or no
        competence short on the shift when none is given.
    """
    published = state.published
    d = _day_index(published, day, source, "date")
    if d < state.today:
        raise InputError.single(
            source, "date", str(day), f"a date from today ({published.day(state.today)}) on"
        )
    shifts, competences = _codes(state.after)
    if shift not in shifts:
        raise InputError.single(source, "shift", shift, f"a shift type id ({', '.join(shifts)})")
    if competence is not None and competence not in competences:
        raise InputError.single(
            source, "competence", competence, f"a competence id ({', '.join(competences)})"
        )
    t = shifts[shift]
    roster = base if base is not None else vacate(state.after, state.roster, state.today)
    counts = staff_counts(state.after, roster)
    if competence is None:
        wanted = [
            c
            for c in range(state.after.n_competences)
            if counts[d, t, c] < state.after.cover_target[d, t, c]
        ]
        if not wanted:
            raise InputError.single(
                source,
                "competence",
                NO_VALUE,
                f"a competence: no competence is short on {shift} on {day}",
            )
    else:
        wanted = [competences[competence]]
    # One more person is wanted on the cell: raise its target where it is met already, so that
    # the problem allows the shift (nobody is rostered where no one is needed).
    cover = state.cover.copy()
    for c in wanted:
        need = int(counts[d, t, c]) + 1
        key = (cover["date"] == day) & (cover["shift"] == shift)
        key &= cover["competence"] == state.after.competence_ids[c]
        if key.any():
            cover.loc[key, "target"] = cover.loc[key, "target"].clip(lower=need)
        else:
            row = {"date": day, "shift": shift, "competence": state.after.competence_ids[c],
                   "minimum": 0, "target": need}  # fmt: skip
            cover = pd.concat([cover, pd.DataFrame([row])], ignore_index=True)
    start, weeks = published.start, published.weeks
    problem = compile_roster(state.changed_unit, start, weeks, cover)
    cells = [(d, t, c) for c in wanted]
    base_check = check_roster(problem, roster)
    base_keys = _violation_keys(base_check)
    base_penalties = _without_cells(problem, roster, base_check.penalty_by_rule, cells)
    contracts = contracted_minutes(state.changed_unit, start, weeks)
    names = {m.id: m.name for m in state.unit.staff}
    weights = state.changes.weights
    codes = grid_codes(problem, roster)

    listed: list[Candidate] = []
    excluded: dict[str, int] = {}
    excluded_staff = 0
    for s in range(problem.n_staff):
        options = sorted(
            (c for c in wanted if problem.can_cover[s, c]),
            key=lambda c: (int(problem.substitution_cost[s, c]), c),
        )
        reasons: set[str] = set()
        if int(roster.shift[s, d]) == t:
            reasons.add("already_on_shift")
        elif not options:
            reasons.add("competence")
        elif not problem.available[s, d, t]:
            reasons.add("availability")
        if reasons:
            excluded_staff += 1
            for reason in reasons:
                excluded[reason] = excluded.get(reason, 0) + 1
            continue
        c = options[0]
        shift_row, comp_row = roster.shift.copy(), roster.competence.copy()
        shift_row[s, d], comp_row[s, d] = t, c
        moved = RosterSolution(shift=shift_row, competence=comp_row)
        check = check_roster(problem, moved)
        new = _violation_keys(check) - base_keys
        if new:
            excluded_staff += 1
            for rule in {key[0] for key in new}:
                excluded[rule] = excluded.get(rule, 0) + 1
            continue
        listed.append(
            _candidate(problem, roster, moved, s, d, c, codes, base_penalties,
                       _without_cells(problem, moved, check.penalty_by_rule, cells),
                       int(contracts[s]), weights, names, state.costs)
        )  # fmt: skip
    listed.sort(key=lambda x: (x.cost, x.name, x.staff_id))
    return CandidateRanking(
        day=day,
        shift=shift,
        competences=tuple(problem.competence_ids[c] for c in wanted),
        candidates=tuple(listed),
        excluded=dict(sorted(excluded.items())),
        excluded_staff=excluded_staff,
    )


def _without_cells(
    problem: RosterProblem,
    roster: RosterSolution,
    penalties: dict[str, int],
    cells: list[tuple[int, int, int]],
) -> dict[str, int]:
    """``penalties`` without the under- and over-cover of ``cells`` (the shift being filled:
    every candidate fills it alike)."""
    result = dict(penalties)
    for d, t, c in cells:
        n = int(((roster.shift[:, d] == t) & (roster.competence[:, d] == c)).sum())
        target = int(problem.cover_target[d, t, c])
        under = int(problem.cover_under_weight[d, t, c]) * max(0, target - n)
        over = int(problem.cover_over_weight[d, t, c]) * max(0, n - target)
        result["under_cover"] = result.get("under_cover", 0) - under
        result["over_cover"] = result.get("over_cover", 0) - over
    return result


def _candidate(
    problem: RosterProblem,
    roster: RosterSolution,
    moved: RosterSolution,
    s: int,
    d: int,
    c: int,
    codes: list[list[str]],
    base_penalties: dict[str, int],
    penalties: dict[str, int],
    contract: int,
    weights: RepairWeights,
    names: dict[str, str],
    costs: IntArray,
) -> Candidate:
    """Cost and rules of moving ``s`` onto the shift of ``moved`` on day ``d``."""
    t = int(moved.shift[s, d])
    before = codes[s][d]
    previous = int(roster.shift[s, d])
    after_code = problem.shift_ids[t] + (
        f"/{problem.competence_ids[c]}" if problem.substitution_cost[s, c] else ""
    )
    rules = [f"{before or 'off'} -> {after_code}"]
    change = int(costs[s, d])
    delta = {
        rule: penalties.get(rule, 0) - base_penalties.get(rule, 0)
        for rule in sorted(set(penalties) | set(base_penalties))
        if penalties.get(rule, 0) != base_penalties.get(rule, 0)
    }
    minutes = problem.shift_minutes
    worked_before = int(sum(minutes[x] for x in roster.shift[s].tolist() if x >= 0))
    worked_after = (
        worked_before + int(minutes[t]) - (int(minutes[previous]) if previous >= 0 else 0)
    )
    overtime = max(0, worked_after - contract) - max(0, worked_before - contract)
    if overtime > 0:
        rules.append(f"adds {overtime} min above contract")
    for r in np.flatnonzero((problem.request_staff == s) & (problem.request_day == d)).tolist():
        wanted_shift = int(problem.request_shift[r])
        hit_before = previous >= 0 if wanted_shift < 0 else previous == wanted_shift
        hit_after = True if wanted_shift < 0 else t == wanted_shift
        label = "" if wanted_shift < 0 else f" {problem.shift_ids[wanted_shift]}"
        if problem.request_on[r] and hit_before and not hit_after:
            rules.append(f"breaks request for{label}")
        elif not problem.request_on[r] and hit_after and not hit_before:
            rules.append(f"breaks request off{label}")
    weekend = _weekend_of(problem, d)
    if weekend and all(roster.shift[s, day] < 0 for day in weekend):
        rules.append(f"works {_ordinal(_weekends_worked(problem, moved.shift[s]))} weekend")
    if problem.shift_night[t] and (previous < 0 or not problem.shift_night[previous]):
        nights = int(sum(1 for x in moved.shift[s].tolist() if x >= 0 and problem.shift_night[x]))
        rules.append(f"works {_ordinal(nights)} night")
    if problem.substitution_cost[s, c]:
        rules.append(f"covers {problem.competence_ids[c]} as a substitute")
    if previous >= 0:
        old_c = int(roster.competence[s, d])
        left = problem.shift_ids[previous]
        if old_c >= 0:
            left += f" {problem.competence_ids[old_c]}"
            staffed = int(
                ((roster.shift[:, d] == previous) & (roster.competence[:, d] == old_c)).sum()
            )
            if staffed <= problem.cover_target[d, previous, old_c]:
                left += f" one short of its target {problem.cover_target[d, previous, old_c]}"
        rules.append(f"leaves {left}")
    overtime_cost = round(overtime * weights.overtime_per_hour / 60)
    return Candidate(
        staff_id=problem.staff_ids[s],
        name=names.get(problem.staff_ids[s], "") or problem.staff_ids[s],
        competence=problem.competence_ids[c],
        before=before,
        cost=change + sum(delta.values()) + overtime_cost,
        change_cost=change,
        overtime_minutes=overtime,
        penalties=delta,
        rules=tuple(rules),
    )


__all__ = [
    "DEFAULT_OPTIONS",
    "PINNED",
    "Published",
    "Repair",
    "Situation",
    "change_costs",
    "change_list",
    "changed_cover",
    "check_changes",
    "decode_grid",
    "grid_codes",
    "load_changes",
    "rank_candidates",
    "read_published",
    "repair_roster",
    "resolve_today",
    "situation",
    "staff_counts",
    "vacate",
    "with_absences",
]
