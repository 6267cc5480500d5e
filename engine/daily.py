"""The daily plan (daglig plan för produktion) and the staff cover it asks of the roster.

Weekly volumes (the tactical plan's, or the production need of the forecast) are broken into
days by the MILP of :mod:`solvers.daily`: on the days each activity's room type is open, after
the acute reserve, following the weekday profiles and levelling each competence's staff hours
over the week. Bed-days are not scheduled: patients stay every day, so a week's bed-days spread
evenly over its seven days.

From the daily plan follows the staff cover per day, shift and competence: the activities'
team hours in shifts of the shift type they are done in, and on the wards the staffing key
(bemanningsnyckel) applied to the occupied beds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from engine.calendar import Horizon
from engine.capacity import plannable_room_minutes, ward_beds
from engine.check.daily import check_daily
from engine.errors import InputError
from engine.need import production_need
from models.base import week_label
from models.daily import DailyProblem, DailyResult, DailyWeights
from models.unit import WEEKDAYS, Unit
from solvers import daily as daily_solver
from solvers.common import SolveOptions

if TYPE_CHECKING:
    import numpy.typing as npt

    from engine.need import Array
    from models.unit import ShiftType

COVER_COLUMNS = ["date", "shift", "competence", "minimum", "target"]

DEFAULT_OPTIONS = SolveOptions(time_limit=60.0, abs_gap_limit=10.0)
"""Each week is solved until its objective is within 10 of the bound: ten activities off their
weekday profile, or a shift of peak staff need, which no scheduler would notice; closing the
last units of the gap takes a hundred times longer."""


@dataclass(frozen=True)
class DailyPlan:
    """The daily plan of a unit for some weeks, and what it asks of the staff.

    Attributes
    ----------
    days
        One row per day and activity with a volume: ``date, weekday, activity, kind, volume``.
    unplaced
        Activities of the weekly volumes no day could hold: ``week, activity, volume``.
    cover
        Staff per day, shift and competence: ``date, shift, competence, minimum, target``
        (``minimum`` hard, from the wards' staffing keys; ``target`` what the plan needs).
    overfull_beds
        Days a ward has more patients than staffed beds: ``date, ward, patients, beds``.
    result
        The solver's result: status, objective, bound, gap, time, penalties per term.
    violations
        What the independent checker (:mod:`engine.check.daily`) found wrong: empty for a
        sound plan.
    """

    days: pd.DataFrame
    unplaced: pd.DataFrame
    cover: pd.DataFrame
    overfull_beds: pd.DataFrame
    result: DailyResult
    violations: tuple[str, ...] = ()


def _window(unit: Unit, start: date, weeks: int) -> Horizon:
    if start.weekday() != 0:
        raise InputError.single("--start", "", str(start), "a Monday (plans run whole weeks)")
    if not 1 <= weeks <= 18:
        raise InputError.single("--weeks", "", weeks, "1 to 18 weeks")
    unit_start = unit.calendar.start
    unit_end = unit_start + timedelta(weeks=unit.calendar.weeks)
    if start < unit_start or start + timedelta(weeks=weeks) > unit_end:
        raise InputError.single(
            "--start",
            "",
            f"{start} + {weeks} weeks",
            f"weeks inside the unit's horizon {unit_start} .. {unit_end - timedelta(days=1)}",
        )
    calendar = unit.calendar.model_copy(
        update={
            "start_week": week_label(start),
            "weeks": weeks,
            "reduced_weeks": unit.calendar.reduced_weeks,
        }
    )
    return Horizon.of(calendar)


def _rounded(volumes: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Whole activities per week whose running total follows the fractional one, so that
    rounding never gains or loses more than one activity over the weeks."""
    running = np.round(np.cumsum(volumes, axis=1) + 1e-9)
    result: npt.NDArray[np.float64] = np.diff(running, axis=1, prepend=0.0)
    return result


def default_day_shift(unit: Unit) -> ShiftType:
    """The unit's first day shift (not a night, starting 06:00 to 10:00): where planned
    activities are done unless their type names a shift."""
    for shift in unit.shift_types:
        if not shift.night and 6 <= shift.start.hour < 10:
            return shift
    if unit.shift_types:
        return unit.shift_types[0]
    raise InputError.single(
        "unit.yaml", "shift_types", "[]", "at least one shift type to staff the daily plan"
    )


def weekly_volumes(unit: Unit, horizon: Horizon, weekly: pd.DataFrame | None) -> pd.DataFrame:
    """Activities per week (weeks x activity ids) for the plan's window: ``weekly`` (columns
    ``week, activity, volume``) where given, else the production need of the forecast."""
    ids = [a.id for a in unit.activity_types]
    if weekly is None:
        full = Horizon.of(unit.calendar)
        need = pd.DataFrame(production_need(unit, full), index=list(full.weeks), columns=ids)
        return need.loc[list(horizon.weeks)]
    unknown = sorted(set(weekly["activity"]) - set(ids))
    if unknown:
        raise InputError.single("weekly plan", "activity", unknown[0], "a known activity id")
    table = weekly.pivot_table(index="week", columns="activity", values="volume", aggfunc="sum")
    return table.reindex(index=list(horizon.weeks), columns=ids).fillna(0.0)


def extra_room_minutes(unit: Unit, horizon: Horizon, extra: pd.DataFrame | None) -> Array:
    """Room time bought on top of the rooms' own, spread over days: room types x days.

    ``extra`` has columns ``week, room_type, hours`` (plannable hours, as the tactical plan
    buys them in extra room-days and longer opening). A week's hours go to the days the room
    type is open that week, in proportion to their own plannable minutes; a room type closed
    all week gets them on the week's working days.
    """
    own = plannable_room_minutes(unit, horizon)
    result = np.zeros_like(own)
    if extra is None or extra.empty:
        return result
    missing = {"week", "room_type", "hours"} - set(extra.columns)
    if missing:
        raise InputError.single(
            "extra room time", "columns", sorted(extra.columns), "week, room_type, hours"
        )
    room_type = {r.id: i for i, r in enumerate(unit.room_types)}
    week_index = {week: w for w, week in enumerate(horizon.weeks)}
    for week, kind, value in zip(
        extra["week"].tolist(), extra["room_type"].tolist(), extra["hours"].tolist(), strict=True
    ):
        hours = float(value)
        if kind not in room_type:
            raise InputError.single("extra room time", "room_type", kind, "a room type id")
        if not hours >= 0:
            raise InputError.single("extra room time", "hours", value, "hours >= 0")
        w = week_index.get(str(week))
        if w is None or hours == 0:
            continue
        r, days = room_type[kind], slice(7 * w, 7 * w + 7)
        weights = own[r, days].copy()
        if weights.sum() <= 0:
            weights = horizon.workday[days].astype(float)
        if weights.sum() > 0:
            result[r, days] += 60.0 * hours * weights / weights.sum()
    return result


def build_problem(
    unit: Unit,
    horizon: Horizon,
    volumes: pd.DataFrame,
    weights: DailyWeights | None = None,
    extra_rooms: pd.DataFrame | None = None,
) -> DailyProblem:
    """The daily plan problem of ``unit`` for the weeks of ``horizon`` (bed-days left out);
    ``extra_rooms`` is room time bought on top (see :func:`extra_room_minutes`)."""
    activities = unit.activity_types
    room_type = {r.id: i for i, r in enumerate(unit.room_types)}
    competence = {c.id: i for i, c in enumerate(unit.competences)}
    capacity = plannable_room_minutes(unit, horizon) + extra_room_minutes(
        unit, horizon, extra_rooms
    )
    weekday = horizon.weekday

    planned = np.array([a.kind != "bed_day" for a in activities])
    profile = np.array(
        [[a.weekday_profile.get(day, 1.0 if not a.weekday_profile else 0.0) for day in WEEKDAYS]
         for a in activities]
    ).reshape(len(activities), 7)  # fmt: skip
    allowed = profile[:, weekday] > 0
    for i, activity in enumerate(activities):
        if activity.room_type is not None:
            allowed[i] &= capacity[room_type[activity.room_type]] > 0
        elif not activity.weekday_profile:
            # no room to open the days and no profile to name them: working days
            allowed[i] &= horizon.workday
    weights_by_day = np.where(allowed, profile[:, weekday], 0.0) * planned[:, None]
    week_total = horizon.per_week(weights_by_day)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(weights_by_day > 0, weights_by_day / np.repeat(week_total, 7, axis=1), 0.0)

    room_minutes = np.zeros((len(activities), len(room_type)))
    staff_hours = np.zeros((len(activities), len(competence)))
    for i, activity in enumerate(activities):
        if activity.room_type is not None:
            room_minutes[i, room_type[activity.room_type]] = activity.mean_process_time
        for c, persons in activity.team.items():
            staff_hours[i, competence[c]] = activity.mean_process_time * persons / 60
    staff_hours[~planned] = 0.0

    raw = volumes.to_numpy(dtype=float).T * planned[:, None]
    integral = planned.copy()
    return DailyProblem(
        volumes=np.where(integral[:, None], _rounded(raw), raw),
        integral=integral,
        share=share,
        room_minutes=room_minutes,
        room_capacity=capacity,
        staff_hours=staff_hours,
        shift_hours=np.array([c.shift_minutes / 60 for c in unit.competences]),
        priority=np.array([a.priority for a in activities]),
        weights=weights or DailyWeights(),
    )


def cover_of(
    unit: Unit, horizon: Horizon, per_day: npt.NDArray[np.float64], beds: pd.DataFrame
) -> pd.DataFrame:
    """Staff per day, shift and competence for the activities of ``per_day`` (activities x
    days) and the occupied beds ``beds`` (days x wards)."""
    shifts = {s.id: s for s in unit.shift_types}
    day_shift = default_day_shift(unit) if unit.shift_types else None
    dates = [d.astype(date) for d in horizon.days]
    hours: dict[tuple[int, str, str], float] = {}
    staff_day: int
    for i, activity in enumerate(unit.activity_types):
        if activity.kind == "bed_day" or not per_day[i].any():
            continue
        shift = activity.shift or (day_shift.id if day_shift else "")
        for c, persons in activity.team.items():
            for staff_day in np.nonzero(per_day[i] > 1e-9)[0].tolist():
                key = (staff_day, shift, c)
                minutes = per_day[i, staff_day] * activity.mean_process_time * persons
                hours[key] = hours.get(key, 0.0) + float(minutes) / 60
    rows = {
        key: [0, math.ceil(h / (shifts[key[1]].paid_minutes / 60) - 1e-6)]
        for key, h in hours.items()
    }
    for ward in unit.wards:
        for line in ward.staffing:
            for d in range(len(dates)):
                patients = float(beds.iloc[d][ward.id]) if ward.id in beds else 0.0
                needed = max(line.minimum, math.ceil(patients / line.patients_per_staff - 1e-6))
                key = (d, line.shift, line.competence)
                minimum, target = rows.get(key, [0, 0])
                rows[key] = [minimum + line.minimum, target + needed]
    frame = pd.DataFrame(
        [
            (dates[d], shift, competence, minimum, target)
            for (d, shift, competence), (minimum, target) in sorted(rows.items())
            if target > 0
        ],
        columns=COVER_COLUMNS,
    )
    return frame.astype({"minimum": int, "target": int})


def plan_days(
    unit: Unit,
    start: date,
    weeks: int,
    weekly: pd.DataFrame | None = None,
    options: SolveOptions | None = None,
    weights: DailyWeights | None = None,
    extra_rooms: pd.DataFrame | None = None,
) -> DailyPlan:
    """The daily plan of ``unit`` from the Monday ``start`` for ``weeks`` weeks (1 to 18).

    Parameters
    ----------
    weekly
        Activities per week to break into days (columns ``week, activity, volume``), such as a
        tactical production plan; by default the production need of the unit's forecast.
    extra_rooms
        Room time bought on top of the rooms' own (columns ``week, room_type, hours``), such as
        the extra room-days and longer opening of a tactical plan.
    """
    horizon = _window(unit, start, weeks)
    volumes = weekly_volumes(unit, horizon, weekly)
    problem = build_problem(unit, horizon, volumes, weights, extra_rooms)
    result = daily_solver.solve(problem, options or DEFAULT_OPTIONS)
    if result.volumes is None or result.unplaced is None:
        raise InputError.single(
            "daily plan", "", result.stats.status.value, "a plan (the solver found none)"
        )
    dates = [d.astype(date) for d in horizon.days]
    ids = [a.id for a in unit.activity_types]
    violations = tuple(
        check_daily(problem, result, ids, [r.id for r in unit.room_types], [str(d) for d in dates])
    )
    per_day = result.volumes.copy()

    # bed-days: every day of the week holds a seventh of the week's bed-days
    bed_days = np.array([a.kind == "bed_day" for a in unit.activity_types])
    weekly_beds = volumes.to_numpy(dtype=float).T[bed_days]
    per_day[bed_days] = np.repeat(weekly_beds / 7.0, 7, axis=1)

    kinds = {a.id: a.kind for a in unit.activity_types}
    grid = pd.DataFrame(per_day.T, index=pd.Index(dates, name="date"), columns=ids)
    days = grid.stack().reset_index()
    days.columns = pd.Index(["date", "activity", "volume"])
    days = days[days["volume"] > 1e-9]
    days.insert(1, "weekday", [WEEKDAYS[d.weekday()] for d in days["date"]])
    days.insert(3, "kind", days["activity"].map(kinds))

    unplaced = pd.DataFrame(result.unplaced.T, index=list(horizon.weeks), columns=ids)
    unplaced = unplaced.stack().reset_index()
    unplaced.columns = pd.Index(["week", "activity", "volume"])
    unplaced = unplaced[unplaced["volume"] > 1e-6].reset_index(drop=True)

    ward_of = {a.id: a.ward for a in unit.activity_types if a.ward is not None}
    occupied = pd.DataFrame(index=pd.Index(dates, name="date"))
    for ward in unit.wards:
        columns = [a for a, w in ward_of.items() if w == ward.id]
        occupied[ward.id] = grid[columns].sum(axis=1) if columns else 0.0
    staffed = ward_beds(unit, horizon)
    overfull = [
        (dates[d], ward.id, float(occupied.iloc[d][ward.id]), float(staffed[w, d]))
        for w, ward in enumerate(unit.wards)
        for d in range(len(dates))
        if occupied.iloc[d][ward.id] > staffed[w, d] + 1e-6
    ]
    return DailyPlan(
        days=days.reset_index(drop=True),
        unplaced=unplaced,
        cover=cover_of(unit, horizon, per_day, occupied),
        overfull_beds=pd.DataFrame(overfull, columns=["date", "ward", "patients", "beds"]),
        result=result,
        violations=violations,
    )


def staff_cover(unit: Unit, start: date, weeks: int) -> pd.DataFrame:
    """Staff per day, shift and competence that the daily plan of these weeks asks for:
    ``date, shift, competence, minimum, target`` (see :class:`DailyPlan`)."""
    return plan_days(unit, start, weeks).cover
