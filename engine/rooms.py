"""The room schedule of one day: compile, solve, check, decode and explain.

:func:`compile_rooms` turns a unit, a date, the day's activity counts (from the daily plan) and
the day's roster (a shift code per staff member) into a :class:`models.rooms.RoomProblem`:

- one activity per planned activity of a type with a room type (bed-days and activities that
  take no room, such as video visits, are not room-scheduled), lasting its mean process time,
  with its type's setup and required equipment;
- a room is a candidate when it is of the activity's room type, holds all its equipment, has
  opening hours on that weekday, and is not closed that day (closures, public holidays, or a
  closure given as a change); with several opening periods on one weekday the gaps between
  them are blocked periods; its turnover and allowed overtime come from its room type;
- the team: per competence of the activity type, ``ceil(persons)`` people each at a load of
  ``persons / ceil(persons)`` (an anaesthesiologist at 0.5 covers two theatres at once), drawn
  from the staff rostered that day: a shift code ``D`` lets the person serve in any of their
  competences, ``D/nurse`` (a substitute shift) only as ``nurse``; the person's shift clock
  times bound the activities they serve (a night shift that began the day before is not
  counted: room activities are day work);
- a published schedule (``rooms.csv`` of an earlier run) makes each activity it lists keep its
  room and start unless moving it pays (the rooms half of repair), and hints its team.

The weights (:func:`weights_for`) rank the terms: one more unplaced activity costs more than any
schedule's moves, overtime and spans; one move costs more than any gain in overtime and span
that moving one activity can bring.

:func:`solve_rooms` solves and attaches the verdict of the independent checker
(:mod:`engine.check.rooms`); :func:`schedule_frame` decodes into a table; :func:`explain_unplaced`
says, from the data, why each unplaced activity could not be placed.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from engine.calendar import swedish_public_holidays
from engine.check.rooms import check_rooms
from engine.errors import InputError, InputProblem
from models.rooms import FULL_LOAD, RoomProblem, RoomSolution, RoomWeights
from models.unit import WEEKDAYS
from solvers import rooms as rooms_solver

if TYPE_CHECKING:
    from collections.abc import Mapping

    from models.rooms import RoomResult
    from models.unit import ActivityType, Room, Unit
    from solvers.common import ProgressCallback, SolveOptions

SCHEDULE_COLUMNS = [
    "date", "activity", "type", "room", "start", "end", "team", "team_ids", "reason",
]  # fmt: skip
"""Columns of ``rooms.csv``: one row per activity; unplaced ones have no room and a reason."""

PRIORITY_SCALE = 10
"""An activity type's priority (a positive float) times this, rounded, is its integer weight."""


def _minutes(clock: time) -> int:
    return clock.hour * 60 + clock.minute


def clock(minute: int) -> str:
    """``HH:MM`` of a minute after midnight."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _parse_clock(text: str, source: str, field_name: str) -> int:
    try:
        hours, minutes = str(text).split(":")
        value = int(hours) * 60 + int(minutes)
    except ValueError:
        raise InputError.single(source, field_name, text, "a time HH:MM") from None
    if not 0 <= value <= 48 * 60:
        raise InputError.single(source, field_name, text, "a time HH:MM")
    return value


@dataclass(frozen=True)
class RoomChanges:
    """Changes to a day before (re)scheduling it: rooms closed (the whole day, or a period),
    extra activities, staff absent.

    Attributes
    ----------
    closed
        Room id -> periods ``(start, end)`` in minutes after midnight it is closed; an empty
        list closes it the whole day.
    extra
        Activity type id -> extra activities of that type.
    absent
        Staff ids who do not work that day after all.
    """

    closed: Mapping[str, list[tuple[int, int]]] = field(default_factory=dict)
    extra: Mapping[str, int] = field(default_factory=dict)
    absent: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoomDay:
    """A compiled day: the problem and what the engine needs to decode and explain it."""

    day: date
    problem: RoomProblem
    types: tuple[str, ...]
    """Per activity, its activity type id."""
    staff_names: tuple[str, ...]
    staff_shift: tuple[str, ...]
    """Per rostered staff member, the shift code of the roster."""
    not_scheduled: dict[str, int]
    """Activities of the day that take no room (video visits, ward rounds): type -> count."""
    closed_reason: dict[str, str]
    """Rooms of the unit not available that day -> why (for explanations)."""


# --------------------------------------------------------------------------------------------
# Reading the daily plan and the roster


def day_counts(
    daily_plan: pd.DataFrame, day: date, source: str = "daily_plan.csv"
) -> dict[str, int]:
    """Activities per type on ``day`` from a daily plan (columns ``date, activity, volume``,
    as :func:`engine.daily.plan_days` and ``balans schedule`` write it); bed-days left out.

    Raises
    ------
    InputError
        When a column is missing or the plan holds no row of that day.
    """
    missing = {"date", "activity", "volume"} - set(daily_plan.columns)
    if missing:
        raise InputError.single(
            source, "columns", sorted(daily_plan.columns), "date, activity, volume (and kind)"
        )
    dates = pd.to_datetime(daily_plan["date"], errors="coerce").dt.date
    rows = daily_plan[dates == day]
    if rows.empty:
        first, last = dates.min(), dates.max()
        raise InputError.single(source, "date", str(day), f"a date of the plan ({first} .. {last})")
    if "kind" in rows.columns:
        rows = rows[rows["kind"] != "bed_day"]
    counts: dict[str, int] = defaultdict(int)
    for activity, volume in zip(rows["activity"], rows["volume"], strict=True):
        counts[str(activity)] += round(float(volume))
    return {k: v for k, v in counts.items() if v > 0}


def day_roster(roster: pd.DataFrame, day: date, source: str = "roster.csv") -> dict[str, str]:
    """Shift code per staff member on ``day`` from a roster grid (staff x dates, as
    :func:`engine.roster.roster_grid` and ``balans schedule`` write it); days off left out.

    Raises
    ------
    InputError
        When the roster has no column for ``day``.
    """
    column = day.isoformat()
    if column not in roster.columns:
        days = [c for c in roster.columns if c != "staff"]
        span = f"{days[0]} .. {days[-1]}" if days else "none"
        raise InputError.single(source, "date", column, f"a day of the roster ({span})")
    codes = roster[column].fillna("").astype(str)
    return {str(s): code.strip() for s, code in codes.items() if code.strip()}


# --------------------------------------------------------------------------------------------
# Compiling


def _holidays(unit: Unit, day: date) -> set[date]:
    listed = unit.calendar.public_holidays
    return set(listed if listed is not None else swedish_public_holidays(day.year, day.year))


def _room_day(room: Room, day: date, holidays: set[date]) -> tuple[list[tuple[int, int]], str]:
    """The room's open periods on ``day`` (sorted), or none and why."""
    for closure in room.closures:
        if closure.start <= day <= closure.end:
            return [], f"closed {closure.start} .. {closure.end}" + (
                f" ({closure.reason})" if closure.reason else ""
            )
    if day in holidays:
        return [], "public holiday"
    weekday = WEEKDAYS[day.weekday()]
    periods = sorted(
        (_minutes(o.start), _minutes(o.end)) for o in room.opening if weekday in o.weekdays
    )
    if not periods:
        return [], f"no opening hours on {weekday}"
    return periods, ""


def _team(
    activity: ActivityType, competence: Mapping[str, int], n: int
) -> tuple[list[int], list[int]]:
    need = [0] * n
    load = [0] * n
    for c, persons in activity.team.items():
        k = max(1, math.ceil(persons - 1e-9))
        need[competence[c]] = k
        load[competence[c]] = max(1, min(FULL_LOAD, round(FULL_LOAD * persons / k)))
    return need, load


def weights_for(
    rooms_open: np.ndarray, rooms_close: np.ndarray, overtime: np.ndarray, published: int
) -> RoomWeights:
    """Weights that rank the terms (see the module docstring): span 1 per minute, overtime 10
    per minute, a move more than one activity's possible gain in both, an unplaced activity
    more than every other term together at its worst.

    Parameters
    ----------
    rooms_open, rooms_close, overtime
        Per room, opening, closing and allowed overtime in minutes.
    published
        Number of published activities (each may change).
    """
    base = RoomWeights()
    day = (rooms_close + overtime - rooms_open).clip(min=0)
    longest = int(day.max()) if day.size else 0
    most_overtime = int(overtime.max()) if overtime.size else 0
    move = base.room_span * longest + base.overtime * most_overtime + 1
    worst = base.room_span * int(day.sum()) + base.overtime * int(overtime.sum()) + move * published
    return replace(base, changed=move, unplaced=worst + 1)


def compile_rooms(
    unit: Unit,
    day: date,
    counts: Mapping[str, int],
    roster: Mapping[str, str],
    *,
    published: pd.DataFrame | None = None,
    changes: RoomChanges | None = None,
) -> RoomDay:
    """The room problem of ``unit`` on ``day``.

    Parameters
    ----------
    unit
        The unit: rooms, room types, activity types, staff, shift types.
    day
        The date to schedule (inside the unit's calendar).
    counts
        Activities per activity type that day (:func:`day_counts`).
    roster
        Shift code per staff member working that day (:func:`day_roster`): ``shift`` or
        ``shift/competence`` for a substitute shift.
    published
        A published schedule of the day (``rooms.csv``: ``activity, type, room, start,
        team_ids``, team members as ``id`` or ``id:competence``) to keep as far as the rules
        allow.
    changes
        Rooms closed, extra activities, absent staff.

    Returns
    -------
    RoomDay
        The problem with the names to decode it.

    Raises
    ------
    InputError
        Naming the argument or file, the value and what was expected.
    """
    changes = changes or RoomChanges()
    check_day(unit, day)
    problems: list[InputProblem] = []
    types = {a.id: a for a in unit.activity_types}
    rooms_by_id = {r.id: r for r in unit.rooms}
    shifts = {s.id: s for s in unit.shift_types}
    competence = {c.id: i for i, c in enumerate(unit.competences)}
    staff = {m.id: m for m in unit.staff}
    room_types = {t.id: t for t in unit.room_types}
    for activity in counts:
        if activity not in types:
            problems.append(InputProblem("daily plan", "activity", activity, "an activity type id"))
    for activity, n in changes.extra.items():
        if activity not in types:
            problems.append(InputProblem("--extra", "activity", activity, "an activity type id"))
        elif n < 0:
            problems.append(InputProblem("--extra", activity, n, "a count of at least 0"))
    for room_id, periods in changes.closed.items():
        if room_id not in rooms_by_id:
            problems.append(InputProblem("--close", "room", room_id, "a room id of the unit"))
        for low, high in periods:
            if not 0 <= low < high:
                problems.append(
                    InputProblem("--close", room_id, f"{clock(low)}-{clock(high)}", "start < end")
                )
    for staff_id in changes.absent:
        if staff_id not in staff:
            problems.append(InputProblem("--absent", "staff", staff_id, "a staff id of the unit"))
    rostered: list[tuple[str, int, int, list[int]]] = []
    for staff_id, code in roster.items():
        shift_id, _, as_competence = code.partition("/")
        where = f"roster {day}"
        if staff_id not in staff:
            problems.append(InputProblem(where, "staff", staff_id, "a staff id of the unit"))
            continue
        if shift_id not in shifts:
            problems.append(
                InputProblem(where, staff_id, code, f"a shift type id ({', '.join(shifts)})")
            )
            continue
        if as_competence and as_competence not in competence:
            problems.append(InputProblem(where, staff_id, code, "shift/competence id"))
            continue
        if staff_id in changes.absent:
            continue
        shift = shifts[shift_id]
        first = _minutes(shift.start)
        held = [as_competence] if as_competence else staff[staff_id].competences
        rostered.append(
            (staff_id, first, first + shift.span_minutes, [competence[c] for c in held])
        )
    if problems:
        raise InputError(problems)

    holidays = _holidays(unit, day)
    room_list = unit.rooms
    opens, closes, overtime, turnover = [], [], [], []
    available: list[bool] = []
    closed_reason: dict[str, str] = {}
    blocked: list[tuple[int, int, int]] = []
    for r, room in enumerate(room_list):
        periods, why = _room_day(room, day, holidays)
        extra_closed = changes.closed.get(room.id)
        if extra_closed is not None and not extra_closed:
            periods, why = [], "closed (change)"
        kind = room_types.get(room.room_type)
        turnover.append(kind.turnover_minutes if kind else 0)
        overtime.append(kind.max_overtime_minutes if kind and periods else 0)
        if not periods:
            closed_reason[room.id] = why
            opens.append(0)
            closes.append(0)
            available.append(False)
            continue
        opens.append(periods[0][0])
        closes.append(max(end for _, end in periods))
        available.append(True)
        hull_end = periods[0][1]
        for low, high in periods[1:]:
            if low > hull_end:
                blocked.append((r, hull_end, low))
            hull_end = max(hull_end, high)
        for low, high in extra_closed or []:
            blocked.append((r, low, high))

    # activities: published ones first (in the published order), then the rest of the counts
    wanted: dict[str, int] = defaultdict(int)
    for activity, n in counts.items():
        wanted[activity] += int(n)
    for activity, n in changes.extra.items():
        wanted[activity] += int(n)
    not_scheduled = {
        a: n for a, n in sorted(wanted.items()) if n > 0 and types[a].room_type is None
    }
    published_rows = _published_rows(published, types, rooms_by_id, staff)
    ids: list[str] = []
    type_of: list[str] = []
    pub_room: list[int] = []
    pub_start: list[int] = []
    pub_team: list[list[str]] = []
    room_index = {r.id: i for i, r in enumerate(room_list)}
    used: dict[str, int] = defaultdict(int)
    numbers: dict[str, int] = defaultdict(int)
    for activity_id, type_id, room_id, start, team in published_rows:
        if used[type_id] >= wanted.get(type_id, 0):
            continue  # fewer of this type than published: the surplus is dropped
        used[type_id] += 1
        ids.append(activity_id)
        type_of.append(type_id)
        pub_room.append(room_index[room_id])
        pub_start.append(start)
        pub_team.append(team)
        numbers[type_id] = max(numbers[type_id], _number(activity_id))
    for type_id in sorted(wanted):
        if types[type_id].room_type is None:
            continue
        for _ in range(wanted[type_id] - used[type_id]):
            numbers[type_id] += 1
            ids.append(f"{type_id}-{numbers[type_id]}")
            type_of.append(type_id)
            pub_room.append(-1)
            pub_start.append(-1)
            pub_team.append([])

    n_c = len(unit.competences)
    kind_index = {a.id: i for i, a in enumerate(unit.activity_types)}
    rows_need: list[list[int]] = []
    rows_load: list[list[int]] = []
    room_ok: list[list[bool]] = []
    for type_id in type_of:
        atype = types[type_id]
        need, load = _team(atype, competence, n_c)
        rows_need.append(need)
        rows_load.append(load)
        room_ok.append(
            [
                available[r]
                and room.room_type == atype.room_type
                and set(atype.equipment) <= set(room.equipment)
                for r, room in enumerate(room_list)
            ]
        )
    staff_ids = tuple(s for s, _, _, _ in rostered)
    staff_can = np.zeros((len(rostered), n_c), dtype=bool)
    for s, (_, _, _, competences_held) in enumerate(rostered):
        staff_can[s, competences_held] = True
    staff_index = {s: i for i, s in enumerate(staff_ids)}
    open_arr = np.array(opens, dtype=np.int64)
    close_arr = np.array(closes, dtype=np.int64)
    overtime_arr = np.array(overtime, dtype=np.int64)
    n_a = len(ids)
    has_published = any(r >= 0 for r in pub_room)
    problem = RoomProblem(
        activity_ids=tuple(ids),
        room_ids=tuple(r.id for r in room_list),
        competence_ids=tuple(c.id for c in unit.competences),
        staff_ids=staff_ids,
        kind=np.array([kind_index[t] for t in type_of], dtype=np.int64),
        duration=np.array(
            [max(1, round(types[t].mean_process_time)) for t in type_of], dtype=np.int64
        ),
        setup=np.array([types[t].setup_minutes for t in type_of], dtype=np.int64),
        priority=np.array(
            [max(1, round(PRIORITY_SCALE * types[t].priority)) for t in type_of], dtype=np.int64
        ),
        earliest=np.zeros(n_a, dtype=np.int64),
        latest=np.full(n_a, 24 * 60, dtype=np.int64),
        room_ok=np.array(room_ok, dtype=bool).reshape(n_a, len(room_list)),
        need=np.array(rows_need, dtype=np.int64).reshape(n_a, n_c),
        load=np.array(rows_load, dtype=np.int64).reshape(n_a, n_c),
        room_open=open_arr,
        room_close=close_arr,
        room_overtime=overtime_arr,
        room_turnover=np.array(turnover, dtype=np.int64),
        staff_start=np.array([first for _, first, _, _ in rostered], dtype=np.int64),
        staff_end=np.array([last for _, _, last, _ in rostered], dtype=np.int64),
        staff_can=staff_can,
        blocked_room=np.array([b[0] for b in blocked], dtype=np.int64),
        blocked_start=np.array([b[1] for b in blocked], dtype=np.int64),
        blocked_end=np.array([b[2] for b in blocked], dtype=np.int64),
        published_room=np.array(pub_room, dtype=np.int64) if has_published else None,
        published_start=np.array(pub_start, dtype=np.int64) if has_published else None,
        published_team=tuple(
            tuple(staff_index[s] for s in team if s in staff_index) for team in pub_team
        )
        if has_published
        else None,
        weights=weights_for(open_arr, close_arr, overtime_arr, sum(r >= 0 for r in pub_room)),
        name=f"{unit.id} {day}",
    )
    return RoomDay(
        day=day,
        problem=problem,
        types=tuple(type_of),
        staff_names=tuple(staff[s].name or s for s in staff_ids),
        staff_shift=tuple(roster[s] for s in staff_ids),
        not_scheduled=not_scheduled,
        closed_reason=closed_reason,
    )


def _number(activity_id: str) -> int:
    tail = activity_id.rpartition("-")[2]
    return int(tail) if tail.isdigit() else 0


def check_day(unit: Unit, day: date) -> None:
    """Raise :class:`InputError` (naming ``--date``) unless ``day`` is in the unit's calendar."""
    first = unit.calendar.start
    last = first + timedelta(weeks=unit.calendar.weeks, days=-1)
    if not first <= day <= last:
        raise InputError.single(
            "--date", "", str(day), f"a date in the unit's calendar {first} .. {last}"
        )


def _published_rows(
    published: pd.DataFrame | None,
    types: Mapping[str, ActivityType],
    rooms: Mapping[str, Room],
    staff: Mapping[str, object],
) -> list[tuple[str, str, str, int, list[str]]]:
    """``(activity, type, room, start, team ids)`` of each placed row of a published
    schedule."""
    if published is None:
        return []
    source = "published rooms.csv"
    missing = {"activity", "type", "room", "start"} - set(published.columns)
    if missing:
        raise InputError.single(
            source, "columns", sorted(published.columns), "activity, type, room, start, team_ids"
        )
    rows: list[tuple[str, str, str, int, list[str]]] = []
    problems: list[InputProblem] = []
    seen: set[str] = set()
    for i, row in enumerate(published.to_dict("records")):
        where = f"{source} row {i + 1}"
        room = row.get("room")
        if not isinstance(room, str) or not room:
            continue  # unplaced in the published schedule: scheduled as new
        activity_id, type_id = str(row["activity"]), str(row["type"])
        if type_id not in types:
            problems.append(InputProblem(where, "type", type_id, "an activity type id"))
        if room not in rooms:
            problems.append(InputProblem(where, "room", room, "a room id of the unit"))
        if activity_id in seen:
            problems.append(InputProblem(where, "activity", activity_id, "a unique activity id"))
        seen.add(activity_id)
        team_text = row.get("team_ids")
        members = str(team_text).split("|") if isinstance(team_text, str) else []
        team = [t.partition(":")[0] for t in members if t]
        unknown = [t for t in team if t not in staff]
        if unknown:
            problems.append(InputProblem(where, "team_ids", unknown[0], "staff ids of the unit"))
        try:
            start = _parse_clock(str(row["start"]), where, "start")
        except InputError as error:
            problems.extend(error.problems)
            continue
        rows.append((activity_id, type_id, room, start, team))
    if problems:
        raise InputError(problems)
    return rows


# --------------------------------------------------------------------------------------------
# Solving and decoding


def solve_rooms(
    day: RoomDay,
    options: SolveOptions | None = None,
    progress: ProgressCallback | None = None,
    hint: RoomSolution | None = None,
) -> RoomResult:
    """Solve the day and attach the independent checker's verdict to the result.

    Parameters
    ----------
    day
        The compiled day (:func:`compile_rooms`).
    options
        Time limit, gap limits, seed, workers, native CP-SAT parameters.
    progress
        Called with each new incumbent.
    hint
        A schedule to start from (by default the day's published schedule, if any).

    Returns
    -------
    RoomResult
        The solver's result with ``check`` set when a schedule was found.
    """
    result = rooms_solver.solve(day.problem, options, progress, hint)
    if result.solution is None:
        return result
    return replace(result, check=check_rooms(day.problem, result.solution))


def schedule_frame(
    day: RoomDay, solution: RoomSolution, reasons: Mapping[int, str] | None = None
) -> pd.DataFrame:
    """One row per activity (``SCHEDULE_COLUMNS``): room, start and end ``HH:MM``, the team by
    name (``name (competence)``, ``; `` between) and by id (``id:competence``, ``|``
    between); unplaced activities have an empty room and their reason."""
    p = day.problem
    reasons = reasons or {}
    rows = []
    for a in range(p.n_activities):
        r = int(solution.room[a])
        team = sorted(solution.team(a))
        rows.append(
            (
                day.day.isoformat(),
                p.activity_ids[a],
                day.types[a],
                p.room_ids[r] if r >= 0 else "",
                clock(int(solution.start[a])) if r >= 0 else "",
                clock(int(solution.start[a] + p.duration[a])) if r >= 0 else "",
                "; ".join(f"{day.staff_names[s]} ({p.competence_ids[c]})" for c, s in team),
                "|".join(f"{p.staff_ids[s]}:{p.competence_ids[c]}" for c, s in team),
                "" if r >= 0 else reasons.get(a, ""),
            )
        )
    frame = pd.DataFrame(rows, columns=SCHEDULE_COLUMNS)
    order = frame.assign(_unplaced=frame["room"] == "").sort_values(
        ["_unplaced", "room", "start", "activity"], kind="stable"
    )
    return order.drop(columns="_unplaced").reset_index(drop=True)


def timeline(day: RoomDay, solution: RoomSolution) -> str:
    """A text timeline per room: ``HH:MM-HH:MM activity`` lines under each used room."""
    p = day.problem
    lines = [f"Room schedule {day.day} ({p.name})"]
    for r, room in enumerate(p.room_ids):
        acts = sorted(np.nonzero(solution.room == r)[0].tolist(), key=lambda a: solution.start[a])
        if not acts:
            continue
        lines.append("")
        lines.append(
            f"{room}  open {clock(int(p.room_open[r]))}-{clock(int(p.room_close[r]))}, "
            f"turnover {int(p.room_turnover[r])} min"
        )
        for a in acts:
            start = int(solution.start[a])
            team = ", ".join(day.staff_names[s] for _, s in sorted(solution.team(a)))
            lines.append(
                f"  {clock(start)}-{clock(start + int(p.duration[a]))}  {p.activity_ids[a]:<28} "
                f"{team}"
            )
    return "\n".join(lines) + "\n"


def room_summary(day: RoomDay, result: RoomResult) -> dict[str, object]:
    """What a scheduler reads first: counts placed and unplaced, rooms used, overtime, solver
    status, gap, times, model size and the checker's verdict."""
    p = day.problem
    stats = result.stats
    summary: dict[str, object] = {
        "date": day.day.isoformat(),
        "activities": p.n_activities,
        "rooms": p.n_rooms,
        "rooms_open": p.n_rooms - len(day.closed_reason),
        "staff_rostered": p.n_staff,
        "not_room_scheduled": day.not_scheduled,
        "status": stats.status.value,
        "objective": stats.objective,
        "bound": stats.bound,
        "gap": stats.gap,
        "wall_time": round(stats.wall_time, 3),
        "first_solution_time": stats.first_solution_time,
        "variables": stats.variables,
        "constraints": stats.constraints,
        "penalties": dict(sorted(result.penalties.items())),
    }
    solution = result.solution
    if solution is not None:
        placed = solution.room >= 0
        ends = solution.start + p.duration
        overtime = 0
        for r in range(p.n_rooms):
            if (solution.room == r).any():
                overtime += max(0, int(ends[solution.room == r].max()) - int(p.room_close[r]))
        summary["placed"] = int(placed.sum())
        summary["unplaced"] = int((~placed).sum())
        summary["rooms_used"] = len(set(solution.room[placed].tolist()))
        summary["overtime_minutes"] = overtime
        if p.published_room is not None and p.published_start is not None:
            published = (p.published_room >= 0) & placed
            moved = published & (solution.start != p.published_start)
            reroomed = published & (solution.room != p.published_room)
            summary["changed"] = int((moved | reroomed).sum())
            summary["moved"] = int(moved.sum())
            summary["reroomed"] = int(reroomed.sum())
            summary["published_unplaced"] = int(((p.published_room >= 0) & ~placed).sum())
    if result.check is not None:
        summary["checker"] = result.check.verdict
        summary["hard_violations"] = len(result.check.violations)
    return summary


# --------------------------------------------------------------------------------------------
# Explaining unplaced activities


def _free_gaps(day: RoomDay, solution: RoomSolution, r: int) -> list[tuple[int, int]]:
    """Free periods of room ``r`` around the placed activities (turnover and setup counted
    as busy)."""
    p = day.problem
    last = int(p.room_close[r] + p.room_overtime[r])
    busy = sorted(
        (
            int(solution.start[a] - p.setup[a]),
            int(solution.start[a] + p.duration[a] + p.room_turnover[r]),
        )
        for a in np.nonzero(solution.room == r)[0].tolist()
    )
    busy += [
        (int(lo), int(hi))
        for rr, lo, hi in zip(p.blocked_room, p.blocked_start, p.blocked_end, strict=True)
        if rr == r
    ]
    busy.sort()
    gaps, cursor = [], int(p.room_open[r])
    for low, high in busy:
        if low > cursor:
            gaps.append((cursor, low))
        cursor = max(cursor, high)
    if cursor < last:
        gaps.append((cursor, last))
    return gaps


def _shared_shortfall(
    day: RoomDay, a: int, candidates: Mapping[int, list[int]]
) -> tuple[list[int], list[int]] | None:
    """The smallest set of needed competences whose candidates together are fewer than the
    people those competences need (Hall's condition: no team can be formed), as
    ``(competences, people)``; None when a team can be formed."""
    p = day.problem
    needed = [c for c in candidates if p.need[a, c] > 0]
    for size in range(1, len(needed) + 1):
        for group in combinations(needed, size):
            people = sorted({s for c in group for s in candidates[c]})
            if len(people) < sum(int(p.need[a, c]) for c in group):
                return list(group), people
    return None


def _shortfall_text(day: RoomDay, a: int, group: list[int], people: list[int], what: str) -> str:
    p = day.problem
    if len(group) == 1:
        c = group[0]
        return f"{len(people)} {p.competence_ids[c]} {what}, {int(p.need[a, c])} needed"
    names = " or ".join(p.competence_ids[c] for c in group)
    wanted = ", ".join(f"{int(p.need[a, c])} {p.competence_ids[c]}" for c in group)
    who = ", ".join(p.staff_ids[s] for s in people)
    return (
        f"only {len(people)} people {what} as {names} ({who}), the team needs "
        f"{sum(int(p.need[a, c]) for c in group)} ({wanted})"
    )


def _free_staff(day: RoomDay, solution: RoomSolution, a: int, c: int, start: int) -> list[int]:
    """Staff of competence ``c`` whose shift covers activity ``a`` at ``start`` and who have
    the load left for it then."""
    p = day.problem
    end = start + int(p.duration[a])
    load_at: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for b, cc, s in zip(
        solution.team_activity, solution.team_competence, solution.team_staff, strict=True
    ):
        b_start = int(solution.start[b])
        load_at[int(s)].append((b_start, b_start + int(p.duration[b]), int(p.load[b, cc])))
    free = []
    for s in np.nonzero(p.staff_can[:, c])[0].tolist():
        if not (p.staff_start[s] <= start and end <= p.staff_end[s]):
            continue
        moments = [start] + [lo for lo, _, _ in load_at[s] if start < lo < end]
        peak = max(sum(load for lo, hi, load in load_at[s] if lo <= m < hi) for m in moments)
        if peak + int(p.load[a, c]) <= FULL_LOAD:
            free.append(s)
    return free


def explain_unplaced(day: RoomDay, unit: Unit, solution: RoomSolution) -> dict[int, str]:
    """Why each unplaced activity could not be placed, computed from the data and the
    schedule, the first reason that holds:

    1. no room of its type is open that day (each room's reason);
    2. no open room of its type holds its equipment;
    3. it is longer than any open room's day;
    4. fewer people of a competence (or of several competences together, when the same
       people hold them) are rostered with a shift that covers it than it needs;
    5. no room of its type has a free period long enough left;
    6. in every free period long enough, some competence has fewer free people than needed;
    7. otherwise the solver did not place it within its time limit (room and team were free).

    Returns
    -------
    dict
        Activity index -> one sentence.
    """
    p = day.problem
    types = {t.id: t for t in unit.activity_types}
    rooms = {r.id: r for r in unit.rooms}
    reasons: dict[int, str] = {}
    for a in np.nonzero(solution.room < 0)[0].tolist():
        activity = types[day.types[a]]
        kind = activity.room_type or ""
        of_type = [i for i, rid in enumerate(p.room_ids) if rooms[rid].room_type == kind]
        open_rooms = [r for r in of_type if p.room_ids[r] not in day.closed_reason]
        duration = int(p.duration[a])
        if not open_rooms:
            why = "; ".join(f"{p.room_ids[r]} {day.closed_reason[p.room_ids[r]]}" for r in of_type)
            reasons[a] = f"no room of type {kind} is open on {day.day}" + (
                f" ({why})" if why else ""
            )
            continue
        equipped = [r for r in open_rooms if p.room_ok[a, r]]
        if not equipped:
            lacking = sorted(
                set(activity.equipment)
                - set().union(*(set(rooms[p.room_ids[r]].equipment) for r in open_rooms))
            )
            reasons[a] = (
                f"no open room of type {kind} has the equipment {', '.join(activity.equipment)}"
                f" (open: {', '.join(p.room_ids[r] for r in open_rooms)}"
                + (f"; none has {', '.join(lacking)})" if lacking else ")")
            )
            continue
        longest = max(
            int(p.room_close[r] + p.room_overtime[r] - p.room_open[r] - p.setup[a])
            for r in equipped
        )
        if duration > longest:
            reasons[a] = f"it takes {duration} min, the longest open room day is {longest} min"
            continue
        low = min(int(p.room_open[r] + p.setup[a]) for r in equipped)
        high = max(int(p.room_close[r] + p.room_overtime[r]) for r in equipped) - duration
        fit = {
            c: [
                s
                for s in np.nonzero(p.staff_can[:, c])[0].tolist()
                if max(low, int(p.staff_start[s])) <= min(high, int(p.staff_end[s]) - duration)
            ]
            for c in np.nonzero(p.need[a] > 0)[0].tolist()
        }
        shortfall = _shared_shortfall(day, a, fit)
        if shortfall is not None:
            what = "rostered with a shift that covers it"
            reasons[a] = _shortfall_text(day, a, *shortfall, what)
            continue
        setup = int(p.setup[a])
        windows = []  # (room, earliest start, latest start) in each free period
        for r in equipped:
            day_end = int(p.room_close[r] + p.room_overtime[r])
            for lo, hi in _free_gaps(day, solution, r):
                # a following activity needs the turnover after this one
                tail = 0 if hi >= day_end else int(p.room_turnover[r])
                if hi - tail - duration >= lo + setup:
                    windows.append((r, lo + setup, hi - tail - duration))
        if not windows:
            # the longest free period, and the turnover it would owe the activity after it
            longest_gap, turnover = max(
                (
                    (hi - lo, 0 if hi >= int(p.room_close[r] + p.room_overtime[r])
                     else int(p.room_turnover[r]))
                    for r in equipped
                    for lo, hi in _free_gaps(day, solution, r)
                ),
                key=lambda gap: (gap[0], -gap[1]),
                default=(0, 0),
            )  # fmt: skip
            after = f" and {turnover} min of turnover after it" if turnover else ""
            reasons[a] = (
                f"not enough room time left: the longest free period in "
                f"{', '.join(p.room_ids[r] for r in equipped)} is {longest_gap} min, it needs "
                f"{duration + setup} min{after}"
            )
            continue
        missing: dict[int, int] = defaultdict(int)
        free_at = None
        for r, first, last in windows:
            for start in sorted({*range(first, last + 1, 5), last}):
                free = {
                    c: _free_staff(day, solution, a, c, start)
                    for c in np.nonzero(p.need[a] > 0)[0].tolist()
                }
                team_short = _shared_shortfall(day, a, free)
                if team_short is not None:
                    for c in team_short[0]:
                        missing[c] += 1
                else:
                    free_at = (r, start)
                    break
            if free_at:
                break
        if free_at is None:
            worst = max(missing, key=lambda c: missing[c])
            where = ", ".join(
                f"{p.room_ids[r]} {clock(lo)}-{clock(hi + duration)}" for r, lo, hi in windows[:3]
            )
            reasons[a] = f"no free {p.competence_ids[worst]} at the times a room is free ({where})"
            continue
        r, start = free_at
        reasons[a] = (
            f"not placed within the time limit: {p.room_ids[r]} and a team were free at "
            f"{clock(start)}"
        )
    return reasons


__all__ = [
    "SCHEDULE_COLUMNS",
    "RoomChanges",
    "RoomDay",
    "check_day",
    "clock",
    "compile_rooms",
    "day_counts",
    "day_roster",
    "explain_unplaced",
    "room_summary",
    "schedule_frame",
    "solve_rooms",
    "timeline",
    "weights_for",
]
