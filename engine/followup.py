"""Follow-up (uppföljning): actual production against the daily and the weekly plan, and the
rest of the horizon re-balanced.

Actual production is a count per day and activity type. It is compared

* per day with the daily plan (``daily_plan.csv`` of ``balans schedule``, or computed from the
  weekly plan for the weeks followed), and
* per week with the weekly plan (the tactical plan's activity volumes and patients per product
  group),

per activity type, per product group where it can be derived, per resource in hours (the
requirement matrix ``R`` of :mod:`engine.need` turns activities into staff and room hours and
staffed bed-days) and in total: planned, actual, deviation (actual - planned: negative is a
shortfall), the deviation as a share of the plan, and the same summed from the first day
followed (cumulative). A week whose cumulative deviation of all activities is beyond the
threshold either way is flagged.

Patients per product group are derived from the activities: a group whose mix has activities
no other group's mix has (its operation, say) is counted exactly, the count of those over
the activities per patient; any other group is estimated pro rata, its planned patients
times the share of its planned activities that was done (weighted by activities per patient
times process time).

Re-balance: from the first week after the last actual, the tactical plan is solved again for
the rest of the horizon with a rolling start (:class:`engine.plan.RollingStart`): patients
not treated are still waiting, patients treated beyond the plan no longer are, first come,
first served; the weeks before the ones followed are taken as planned.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from engine.balance import balance
from engine.calendar import Horizon
from engine.daily import plan_days
from engine.errors import NO_VALUE, InputError, InputProblem
from engine.need import Resources, mix_matrix, requirement_matrix
from engine.plan import (
    Plan,
    RollingStart,
    continue_plan,
    plan_unit,
    waiting_after,
    within_guarantee,
)
from models.base import week_label, week_monday
from models.followup import FollowUpOptions

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Iterator, Mapping

    from engine.plan import PinnedVolume
    from models.plan import Array, BoolArray, IntArray, PlanOptions
    from models.unit import Unit
    from solvers.common import SolveOptions

ACTUAL_COLUMNS = ("date", "activity", "count")
VOLUME_COLUMNS = ("week", "activity", "volume")
SUMMED_UNITS = {
    "hour": "hours",
    "shift": "shifts",
    "FTE": "FTE-weeks",
    "room-day": "room-days",
    "bed": "bed-weeks",
}
"""What units of extra capacity bought each week add up to over the weeks (the re-balance's
``extra_bought``)."""
TABLE_COLUMNS = [
    "level",
    "id",
    "measure",
    "planned",
    "actual",
    "deviation",
    "deviation_pct",
    "cumulative_planned",
    "cumulative_actual",
    "cumulative_deviation",
    "cumulative_deviation_pct",
    "flagged",
]


# --------------------------------------------------------------------------------------------
# Reading


def _read_csv(path: Path) -> tuple[str, csv.DictReader[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError.single(str(path), "", NO_VALUE, "an existing file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(str(path), "", NO_VALUE, f"a readable UTF-8 file ({exc})") from None
    header = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header.count)
    return delimiter, csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)


def _header(path: Path, reader: csv.DictReader[str], wanted: tuple[str, ...]) -> None:
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in wanted if c not in columns]
    if missing:
        raise InputError.single(
            str(path), "header", ",".join(columns), f"the columns {', '.join(wanted)}"
        )


def _amount(value: object, decimal_comma: bool) -> float:
    """``value`` (a cell) as a number, NaN when it is none (a bool is none); with
    ``decimal_comma`` a comma in a text is its decimal point."""
    if isinstance(value, bool):
        return math.nan
    if isinstance(value, str) and decimal_comma:
        value = value.replace(",", ".")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def read_actuals(
    path: str | os.PathLike[str], unit: Unit, first: date, last: date, plan: str
) -> pd.DataFrame:
    """Actual production from a CSV file ``date, activity, count`` (``,``, ``;`` or tab; with
    ``;`` or tab a decimal comma is read as a point). Rows of the same day and activity add
    up; a day without rows produced nothing.

    Parameters
    ----------
    path
        The file.
    unit
        The unit whose activity types the rows name.
    first, last
        The days the plan covers; ``plan`` names them in messages (``"the daily plan"``).

    Returns
    -------
    pandas.DataFrame
        ``date, activity, count``, one row per day and activity, sorted.

    Raises
    ------
    InputError
        One problem per bad cell, naming the file, line, column, value and what was expected:
        an unknown activity, a date that is not one or falls outside the plan, a count that is
        not a number >= 0; or a file without rows.
    """
    location = Path(path)
    delimiter, reader = _read_csv(location)
    _header(location, reader, ACTUAL_COLUMNS)

    def records() -> Iterator[tuple[str, dict[str, str]]]:
        for raw in reader:
            cells = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
            if any(cells.values()):
                yield f"{location} line {reader.line_num}", cells

    try:
        return actuals_of(
            records(), unit, first, last, plan, str(location), decimal_comma=delimiter != ","
        )
    except csv.Error as exc:
        raise InputError.single(
            f"{location} line {reader.line_num}", "", NO_VALUE, f"valid CSV ({exc})"
        ) from None


def actuals_of(
    records: Iterable[tuple[str, Mapping[str, object]]],
    unit: Unit,
    first: date,
    last: date,
    plan: str,
    source: str,
    *,
    decimal_comma: bool = False,
) -> pd.DataFrame:
    """Actual production from ``(where, {date, activity, count})`` records, each checked as
    :func:`read_actuals` checks a line (``where`` names it in messages; ``source`` names the
    whole when there is no record)."""
    known = [a.id for a in unit.activity_types]
    ids = set(known)
    shown = ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
    rows: list[tuple[date, str, float]] = []
    problems: list[InputProblem] = []
    for where, cells in records:
        count = len(problems)
        text = str(cells.get("date", ""))
        try:
            day = date.fromisoformat(text)
        except ValueError:
            problems.append(InputProblem(where, "date", text, "a date like 2027-03-01"))
        else:
            if not first <= day <= last:
                problems.append(
                    InputProblem(where, "date", text, f"a day of {plan} {first} .. {last}")
                )
        activity = str(cells.get("activity", ""))
        if activity not in ids:
            problems.append(
                InputProblem(where, "activity", activity, f"an activity type id ({shown})")
            )
        number = cells.get("count", "")
        value = _amount(number, decimal_comma)
        if not (math.isfinite(value) and value >= 0):
            problems.append(InputProblem(where, "count", number, "a number >= 0"))
        if len(problems) == count:
            rows.append((day, activity, value))
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError.single(source, "", NO_VALUE, "at least one row of actuals")
    frame = pd.DataFrame(rows, columns=list(ACTUAL_COLUMNS))
    summed: pd.DataFrame = frame.groupby(["date", "activity"], as_index=False, sort=True).agg(
        count=("count", "sum")
    )
    return summed


def read_daily_plan(path: str | os.PathLike[str], unit: Unit) -> pd.DataFrame:
    """A daily plan from ``daily_plan.csv`` of ``balans schedule`` (a folder holding it, or
    the file): ``date, activity, volume`` (other columns are ignored).

    Raises
    ------
    InputError
        For a missing file or column, a bad date, an unknown activity or a bad volume.
    """
    location = Path(path)
    if location.is_dir():
        location = location / "daily_plan.csv"
    _, reader = _read_csv(location)
    _header(location, reader, ("date", "activity", "volume"))
    ids = {a.id for a in unit.activity_types}
    rows: list[tuple[date, str, float]] = []
    problems: list[InputProblem] = []
    for raw in reader:
        cells = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(cells.values()):
            continue
        where = f"{location} line {reader.line_num}"
        try:
            day = date.fromisoformat(cells.get("date", ""))
            volume = float(cells.get("volume", ""))
        except ValueError:
            problems.append(
                InputProblem(
                    where, "date, volume", f"{cells.get('date')}, {cells.get('volume')}",
                    "a date like 2027-03-01 and a number",
                )
            )  # fmt: skip
            continue
        if cells.get("activity") not in ids:
            problems.append(
                InputProblem(where, "activity", cells.get("activity"), "an activity type id")
            )
            continue
        rows.append((day, cells["activity"], volume))
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError.single(str(location), "", NO_VALUE, "at least one planned day")
    return pd.DataFrame(rows, columns=["date", "activity", "volume"])


def plan_range(daily: pd.DataFrame) -> tuple[date, date]:
    """The Monday of the first week and the Sunday of the last week of a daily plan (which
    lists only the days and activities with a volume)."""
    first, last = min(daily["date"]), max(daily["date"])
    return first - timedelta(days=first.weekday()), last + timedelta(days=6 - last.weekday())


@dataclass(frozen=True)
class WeeklyPlan:
    """The weekly (tactical) plan followed: patients per product group and activities per
    week, from the calendar's first week; the solved plan when there is one."""

    weeks: tuple[str, ...]
    production: Array
    """``(W, G)`` patients per week and product group."""
    activities: Array
    """``(W, A)`` activities per week and activity type."""
    plan: Plan | None = None

    @classmethod
    def of(cls, plan: Plan) -> WeeklyPlan:
        """The weekly plan of a solved tactical plan."""
        return cls(plan.weeks, plan.production, plan.activities, plan)

    def long(self, unit: Unit) -> pd.DataFrame:
        """``week, activity, volume``: what :func:`engine.daily.plan_days` breaks into days."""
        ids = [a.id for a in unit.activity_types]
        frame = pd.DataFrame(self.activities, index=list(self.weeks), columns=ids)
        return (
            frame.rename_axis("week")
            .reset_index()
            .melt(id_vars="week", var_name="activity", value_name="volume")
        )


def read_activity_volumes(path: str | os.PathLike[str], unit: Unit) -> pd.DataFrame:
    """Weekly activity volumes to break into days (``balans schedule --plan``): a CSV file of
    ``week, activity, volume``, or ``plan.csv`` of ``balans plan`` (``week, kind, id,
    volume``; its rows of kind ``activity``), with ``,``, ``;`` or tab (then a decimal comma
    is read as a point).

    Returns
    -------
    pandas.DataFrame
        ``week, activity, volume``, rows of the same week and activity added up.

    Raises
    ------
    InputError
        The file missing or unreadable, a column missing, no row of activities, and per line
        a week not of the calendar, an unknown activity or a volume that is not a number >= 0.
    """
    location = Path(path)
    delimiter, reader = _read_csv(location)
    of_plan = {"kind", "id"} <= {c.strip() for c in reader.fieldnames or []}
    key = "id" if of_plan else "activity"
    _header(location, reader, ("week", "kind", "id", "volume") if of_plan else VOLUME_COLUMNS)
    horizon = Horizon.of(unit.calendar)
    weeks = set(horizon.weeks)
    known = [a.id for a in unit.activity_types]
    shown = ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
    rows: list[tuple[str, str, float]] = []
    problems: list[InputProblem] = []
    for raw in reader:
        cells = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(cells.values()) or (of_plan and cells.get("kind") != "activity"):
            continue
        where, found = f"{location} line {reader.line_num}", len(problems)
        week, activity, text = cells.get("week", ""), cells.get(key, ""), cells.get("volume", "")
        if week not in weeks:
            expected = f"a week of the calendar {horizon.weeks[0]} .. {horizon.weeks[-1]}"
            problems.append(InputProblem(where, "week", week, expected))
        if activity not in known:
            problems.append(InputProblem(where, key, activity, f"an activity type id ({shown})"))
        volume = _amount(text, decimal_comma=delimiter != ",")
        if not (math.isfinite(volume) and volume >= 0):
            problems.append(InputProblem(where, "volume", text, "a number >= 0"))
        if len(problems) == found:
            rows.append((week, activity, volume))
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError.single(str(location), "", NO_VALUE, "at least one row of activities")
    frame = pd.DataFrame(rows, columns=list(VOLUME_COLUMNS))
    summed: pd.DataFrame = frame.groupby(["week", "activity"], as_index=False, sort=True).agg(
        volume=("volume", "sum")
    )
    return summed


def read_weekly_plan(path: str | os.PathLike[str], unit: Unit) -> WeeklyPlan:
    """The weekly plan from ``plan.csv`` of ``balans plan`` (``week, kind, id, volume``, with
    the patients of each product group and the activities of each type per week). The plan
    must start at the calendar's first week (the weeks before the ones followed are taken as
    planned, from the unit's waiting list on).

    Raises
    ------
    InputError
        For a missing column, a week outside the calendar or not from its first week, an
        unknown product group or activity, or a volume that is not a number >= 0.
    """
    location = Path(path)
    _, reader = _read_csv(location)
    _header(location, reader, ("week", "kind", "id", "volume"))
    horizon = Horizon.of(unit.calendar)
    week_index = {w: i for i, w in enumerate(horizon.weeks)}
    index = {
        "product_group": {g.id: i for i, g in enumerate(unit.product_groups)},
        "activity": {a.id: i for i, a in enumerate(unit.activity_types)},
    }
    production = np.zeros((horizon.n_weeks, len(unit.product_groups)))
    activities = np.zeros((horizon.n_weeks, len(unit.activity_types)))
    target = {"product_group": production, "activity": activities}
    last = -1
    problems: list[InputProblem] = []
    for raw in reader:
        cells = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(cells.values()):
            continue
        where = f"{location} line {reader.line_num}"
        week, kind, key = cells.get("week", ""), cells.get("kind", ""), cells.get("id", "")
        if week not in week_index:
            expected = f"a week of the calendar {horizon.weeks[0]} .. {horizon.weeks[-1]}"
            problems.append(InputProblem(where, "week", week, expected))
            continue
        if kind not in index:
            problems.append(InputProblem(where, "kind", kind, "product_group or activity"))
            continue
        if key not in index[kind]:
            problems.append(InputProblem(where, "id", key, f"a {kind.replace('_', ' ')} id"))
            continue
        try:
            volume = float(cells.get("volume", ""))
        except ValueError:
            volume = math.nan
        if not (math.isfinite(volume) and volume >= 0):
            problems.append(InputProblem(where, "volume", cells.get("volume"), "a number >= 0"))
            continue
        target[kind][week_index[week], index[kind][key]] += volume
        last = max(last, week_index[week])
    if problems:
        raise InputError(problems)
    if last < 0 or not production.any():
        raise InputError.single(
            str(location), "", NO_VALUE, "rows of kind product_group (patients per week)"
        )
    if not production[0].any() and not activities[0].any():
        raise InputError.single(
            str(location),
            "week",
            NO_VALUE,
            f"a plan from the calendar's first week {horizon.weeks[0]}",
        )
    weeks = horizon.weeks[: last + 1]
    return WeeklyPlan(weeks, production[: last + 1], activities[: last + 1])


# --------------------------------------------------------------------------------------------
# Plan versus actual


@dataclass(frozen=True)
class Period:
    """The days followed: from the Monday of the first actual's week to the last actual."""

    first: date
    last: date

    @property
    def days(self) -> list[date]:
        """Every day followed."""
        return [self.first + timedelta(days=d) for d in range((self.last - self.first).days + 1)]

    @property
    def weeks(self) -> list[str]:
        """The ISO weeks the days fall in."""
        return sorted({week_label(d) for d in self.days})

    @property
    def next_week(self) -> str:
        """The first week after the last actual's week: where the re-balance starts."""
        return week_label(self.last + timedelta(days=7 - self.last.weekday()))

    @classmethod
    def of(cls, actual: pd.DataFrame) -> Period:
        """The period of the actuals ``date, activity, count``."""
        first, last = min(actual["date"]), max(actual["date"])
        return cls(first - timedelta(days=first.weekday()), last)


def _grid(frame: pd.DataFrame, days: list[date], ids: list[str], value: str) -> Array:
    """``(D, A)``: ``value`` of ``frame`` per day and activity (0 where there is no row)."""
    table = frame.pivot_table(index="date", columns="activity", values=value, aggfunc="sum")
    grid: Array = table.reindex(index=days, columns=ids).fillna(0.0).to_numpy(dtype=float)
    return grid


def exclusive_activities(mix: Array, bed_days: BoolArray | None = None) -> list[list[int]]:
    """Per product group, the activities of its mix that no other group's mix has: the ones
    its patients can be counted by. Bed-days (``bed_days``) count only a group that has no
    other such activity (a stay spreads over days; an operation is one event a patient)."""
    used = mix > 0
    only = used & (used.sum(axis=0, keepdims=True) == 1)
    found = []
    for row in only:
        activities = np.flatnonzero(row).tolist()
        if bed_days is not None:
            events = [a for a in activities if not bed_days[a]]
            activities = events or activities
        found.append(activities)
    return found


def derive_patients(
    unit: Unit, planned_patients: Array, planned: Array, actual: Array
) -> tuple[Array, list[str]]:
    """Patients per product group treated, derived from activities.

    Parameters
    ----------
    unit
        The unit (mix and process times).
    planned_patients
        ``(T, G)`` patients planned per period (day or week).
    planned, actual
        ``(T, A)`` activities planned and done per period.

    Returns
    -------
    tuple
        ``(T, G)`` patients treated, and per group ``"exact"`` (counted by the activities only
        it has: their count over activities per patient, the mean if several) or
        ``"estimated"`` (its planned patients times the done share of its planned
        activities, weighted by activities per patient times process time; where nothing of
        the group was planned, 0).
    """
    mix = mix_matrix(unit)
    minutes = np.array([a.mean_process_time for a in unit.activity_types])
    own = exclusive_activities(mix, _bed_days(unit))
    result = np.zeros_like(planned_patients, dtype=float)
    how: list[str] = []
    for g, activities in enumerate(own):
        if activities:
            result[:, g] = (actual[:, activities] / mix[g, activities]).mean(axis=1)
            how.append("exact")
            continue
        weight = mix[g] * minutes
        with np.errstate(divide="ignore", invalid="ignore"):
            done = np.where(planned > 1e-9, actual / planned, 0.0)
        counted = (planned > 1e-9) * weight
        total = counted.sum(axis=1)
        share = np.where(total > 0, (done * counted).sum(axis=1) / np.maximum(total, 1e-12), 0.0)
        result[:, g] = planned_patients[:, g] * share
        how.append("estimated")
    return result, how


def _long(
    labels: list[str], key: str, level: str, ids: list[str], measure: list[str] | str,
    planned: Array, actual: Array, threshold: float,
) -> pd.DataFrame:  # fmt: skip
    """The long table of one level: a row per period and id, with cumulative sums."""
    n_periods, n_ids = planned.shape
    cum_planned, cum_actual = planned.cumsum(axis=0), actual.cumsum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(planned > 1e-9, (actual - planned) / planned, np.nan)
        cum_share = np.where(cum_planned > 1e-9, (cum_actual - cum_planned) / cum_planned, np.nan)
    measures = [measure] * n_ids if isinstance(measure, str) else measure
    return pd.DataFrame(
        {
            key: np.repeat(labels, n_ids),
            "level": level,
            "id": np.tile(ids, n_periods),
            "measure": np.tile(measures, n_periods),
            "planned": planned.ravel(),
            "actual": actual.ravel(),
            "deviation": (actual - planned).ravel(),
            "deviation_pct": 100 * share.ravel(),
            "cumulative_planned": cum_planned.ravel(),
            "cumulative_actual": cum_actual.ravel(),
            "cumulative_deviation": (cum_actual - cum_planned).ravel(),
            "cumulative_deviation_pct": 100 * cum_share.ravel(),
            "flagged": (np.abs(np.nan_to_num(cum_share)) > threshold + 1e-12).ravel(),
        }
    )


@dataclass(frozen=True)
class _Figures:
    """Planned and actual per period of one comparison, activities and product groups."""

    labels: list[str]
    key: str
    planned: Array
    """``(T, A)``"""
    actual: Array
    groups: list[str]
    planned_patients: Array
    """``(T, len(groups))``"""
    actual_patients: Array


def _levels(unit: Unit, figures: _Figures, threshold: float) -> pd.DataFrame:
    """Every level of one comparison: total, activity, product group, resource."""
    f = figures
    ids = [a.id for a in unit.activity_types]
    resources = Resources.of(unit)
    requirement = requirement_matrix(unit, resources)
    staff = np.array([k == "competence" for k in resources.kinds])
    totals = np.column_stack(
        [f.planned.sum(axis=1), (f.planned @ requirement)[:, staff].sum(axis=1)]
    )
    done = np.column_stack([f.actual.sum(axis=1), (f.actual @ requirement)[:, staff].sum(axis=1)])
    parts = [
        _long(f.labels, f.key, "total", ["activities", "staff_hours"], ["activities", "hours"],
              totals, done, threshold),
        _long(f.labels, f.key, "activity", ids, "activities", f.planned, f.actual, threshold),
        _long(f.labels, f.key, "product_group", f.groups, "patients", f.planned_patients,
              f.actual_patients, threshold),
        _long(f.labels, f.key, "resource", list(resources.keys), list(resources.measures),
              f.planned @ requirement, f.actual @ requirement, threshold),
    ]  # fmt: skip
    frame = pd.concat(parts, ignore_index=True)
    # ids with nothing planned or done in the whole period say nothing
    active = frame.groupby(["level", "id"])[["planned", "actual"]].transform(
        lambda column: column.abs().sum()
    )
    keep = (active["planned"] + active["actual"] > 1e-9) | (frame["level"] == "total")
    return frame[keep].sort_values(f.key, kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class Comparison:
    """Plan versus actual of the days followed, per day and per week."""

    period: Period
    days: pd.DataFrame
    """A row per day, level (``total``, ``activity``, ``product_group``, ``resource``) and
    id: planned (the daily plan), actual, deviation, cumulative from the first day."""
    weeks: pd.DataFrame
    """A row per week, level and id, planned from the weekly plan (for a week not followed
    to its end, the daily plan's share of the week on the days followed), with
    ``planned_daily`` (the daily plan's) and ``days`` followed."""
    flagged_weeks: tuple[str, ...]
    """Weeks whose cumulative deviation of all activities is beyond the threshold."""
    group_deviation: Array
    """``(G,)`` patients treated minus planned over the period (the weekly plan's)."""
    group_derivation: tuple[str, ...]
    """Per product group: ``exact`` or ``estimated`` (see :func:`derive_patients`)."""
    resource_deviation: Array
    """``(R,)`` over the period, against the weekly plan: actual minus planned, in hours
    (bed-days for wards)."""


def _bed_days(unit: Unit) -> BoolArray:
    return np.array([a.kind == "bed_day" for a in unit.activity_types], dtype=bool)


def _exact_patients(mix: Array, activities: Array, bed_days: BoolArray) -> tuple[list[int], Array]:
    """The product groups counted exactly and their patients per period."""
    own = exclusive_activities(mix, bed_days)
    exact = [g for g, acts in enumerate(own) if acts]
    patients = np.zeros((activities.shape[0], len(exact)))
    for i, g in enumerate(exact):
        patients[:, i] = (activities[:, own[g]] / mix[g, own[g]]).mean(axis=1)
    return exact, patients


def compare(
    unit: Unit,
    actual: pd.DataFrame,
    daily: pd.DataFrame,
    weekly: WeeklyPlan,
    options: FollowUpOptions | None = None,
) -> Comparison:
    """Plan versus actual per day and per week (see the module docstring).

    Parameters
    ----------
    unit
        The unit.
    actual
        ``date, activity, count`` (from :func:`read_actuals`).
    daily
        The daily plan, ``date, activity, volume``, covering the days followed.
    weekly
        The weekly plan, covering the weeks followed.
    options
        The threshold of the flags.

    Raises
    ------
    InputError
        If the daily or the weekly plan does not cover the days followed.
    """
    options = options or FollowUpOptions()
    period = Period.of(actual)
    days = period.days
    weeks = period.weeks
    first, last = plan_range(daily)
    outside = [d for d in (period.first, period.last) if not first <= d <= last]
    if outside:
        raise InputError.single(
            "daily plan", "date", str(outside[0]),
            f"a day of the daily plan's weeks {first} .. {last}",
        )  # fmt: skip
    uncovered = [w for w in weeks if w not in weekly.weeks]
    if uncovered:
        raise InputError.single(
            "weekly plan", "week", uncovered[0],
            f"a plan of every week followed ({', '.join(weeks)})",
        )  # fmt: skip
    ids = [a.id for a in unit.activity_types]
    groups = [g.id for g in unit.product_groups]
    mix = mix_matrix(unit)
    plan_d = _grid(daily, days, ids, "volume")
    done_d = _grid(actual, days, ids, "count")

    # per day, the product groups counted exactly (the daily plan holds no patients)
    exact, plan_patients_d = _exact_patients(mix, plan_d, _bed_days(unit))
    _, done_patients_d = _exact_patients(mix, done_d, _bed_days(unit))
    day_figures = _Figures(
        [d.isoformat() for d in days], "date", plan_d, done_d,
        [groups[g] for g in exact], plan_patients_d, done_patients_d,
    )  # fmt: skip

    # per week, the weekly plan; of a week followed in part, the daily plan's share of it
    n_weeks = len(weeks)
    day_week = np.array([weeks.index(week_label(d)) for d in days])
    followed = np.bincount(day_week, minlength=n_weeks)
    whole = [week_monday(w) + timedelta(days=i) for w in weeks for i in range(7)]
    daily_full = _grid(daily, whole, ids, "volume").reshape(n_weeks, 7, len(ids)).sum(axis=1)
    daily_w = np.zeros((n_weeks, len(ids)))
    done_w = np.zeros((n_weeks, len(ids)))
    np.add.at(daily_w, day_week, plan_d)
    np.add.at(done_w, day_week, done_d)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(daily_full > 1e-9, daily_w / daily_full, (followed / 7.0)[:, None])
    rows = [weekly.weeks.index(w) for w in weeks]
    plan_w = weekly.activities[rows] * share
    # a product group's share of the week: its planned activities on the days followed
    with np.errstate(divide="ignore", invalid="ignore"):
        group_share = (plan_w @ mix.T) / (weekly.activities[rows] @ mix.T)
    patients_w = weekly.production[rows] * np.clip(np.nan_to_num(group_share), 0.0, 1.0)
    done_patients_w, derivation = derive_patients(unit, patients_w, plan_w, done_w)
    week_figures = _Figures(weeks, "week", plan_w, done_w, groups, patients_w, done_patients_w)
    week_table = _levels(unit, week_figures, options.threshold)
    daily_table = _levels(
        unit, _Figures(weeks, "week", daily_w, done_w, groups, patients_w, done_patients_w),
        options.threshold,
    )  # fmt: skip
    daily_planned = daily_table.set_index(["week", "level", "id"])["planned"]
    week_table.insert(
        5,
        "planned_daily",
        daily_planned.reindex(pd.MultiIndex.from_frame(week_table[["week", "level", "id"]]))
        .fillna(0.0)
        .to_numpy(),
    )
    week_table.insert(1, "days", week_table["week"].map(dict(zip(weeks, followed, strict=True))))
    derived = dict(zip(groups, derivation, strict=True))
    week_table["derived"] = np.where(
        week_table["level"] == "product_group", week_table["id"].map(derived), ""
    )
    # the daily plan holds no patients: its patients are the weekly plan's
    week_table.loc[week_table["level"] == "product_group", "planned_daily"] = np.nan
    totals = week_table[(week_table["level"] == "total") & (week_table["id"] == "activities")]
    resources = Resources.of(unit)
    requirement = requirement_matrix(unit, resources)
    return Comparison(
        period=period,
        days=_levels(unit, day_figures, options.threshold),
        weeks=week_table,
        flagged_weeks=tuple(totals.loc[totals["flagged"], "week"]),
        group_deviation=(done_patients_w - patients_w).sum(axis=0),
        group_derivation=tuple(derivation),
        resource_deviation=((done_w - plan_w) @ requirement).sum(axis=0),
    )


# --------------------------------------------------------------------------------------------
# The rest of the horizon re-balanced


@dataclass(frozen=True)
class Rebalance:
    """The rest of the horizon planned again after the weeks followed, next to the old plan.

    Attributes
    ----------
    start
        The rolling start: the first week after the last actual and who waits there.
    plan
        The new plan of the rest of the horizon.
    old
        ``(W, G)`` the old plan's patients in the same weeks.
    old_backlog, old_breach, old_within
        ``(W, G)`` what the old volumes lead to from the waiting list the old plan expected
        (no deviation): patients waiting, of them past the guarantee, treated within it.
    old_extra_cost
        ``(W,)`` the old plan's extra capacity cost, None when the plan came from a file.
    old_extra_units
        ``(W, E)`` the old plan's extra capacity bought, None when unknown.
    """

    start: RollingStart
    expected: RollingStart
    """The rolling start the old plan expected there (no deviation)."""
    plan: Plan
    old: Array
    old_backlog: Array
    old_breach: Array
    old_within: Array
    old_extra_cost: Array | None
    old_extra_units: Array | None

    def frame(self) -> pd.DataFrame:
        """``week, kind, id, old, new, difference``: patients per product group, activities
        per type and the week's patients in all (``kind`` total)."""
        c = self.plan.compiled
        weeks = list(c.weeks)
        old_activities = self.old @ c.mix
        parts = [
            (
                "total", ["patients"], self.old.sum(axis=1, keepdims=True),
                self.plan.production.sum(axis=1, keepdims=True),
            ),
            ("product_group", list(c.groups), self.old, self.plan.production),
            ("activity", list(c.activities), old_activities, self.plan.activities),
        ]  # fmt: skip
        frames = [
            pd.DataFrame(
                {
                    "week": np.repeat(weeks, len(ids)),
                    "kind": kind,
                    "id": np.tile(ids, len(weeks)),
                    "old": old.ravel(),
                    "new": new.ravel(),
                    "difference": (new - old).ravel(),
                }
            )
            for kind, ids, old, new in parts
        ]
        frame = pd.concat(frames, ignore_index=True).sort_values("week", kind="stable")
        return frame.round({"old": 3, "new": 3, "difference": 3}).reset_index(drop=True)

    def summary(self) -> dict[str, Any]:
        """Extra patients per week, whether the care guarantee holds, the extra capacity."""
        new = self.plan
        weeks = list(new.weeks)
        extra = new.production.sum(axis=1) - self.old.sum(axis=1)
        treated_new, treated_old = new.production.sum(), self.old.sum()
        beyond_new, beyond_old = float(new.breach.sum()), float(self.old_breach.sum())
        peak = int(np.argmax(new.breach.sum(axis=1))) if weeks else 0
        guarantee: dict[str, Any] = {
            "holds": beyond_new <= 1e-6,
            "patient_weeks_beyond": {"old": beyond_old, "new": beyond_new},
            "share_within": {
                "old": float(self.old_within.sum() / treated_old) if treated_old else 1.0,
                "new": float(new.within.sum() / treated_new) if treated_new else 1.0,
            },
        }
        if beyond_new > 1e-6:
            guarantee["peak"] = {"week": weeks[peak], "patients": float(new.breach[peak].sum())}
        kinds = new.compiled.extra_kinds
        units_new = new.extra_units.sum(axis=0)
        units_old = None if self.old_extra_units is None else self.old_extra_units.sum(axis=0)
        bought = [
            {
                "resource": kind.resource,
                "kind": kind.kind,
                "unit": SUMMED_UNITS.get(kind.unit, kind.unit),
                "new": round(float(units_new[e]), 3),
                "old": None if units_old is None else round(float(units_old[e]), 3),
                "difference": None
                if units_old is None
                else round(float(units_new[e] - units_old[e]), 3),
            }
            for e, kind in enumerate(kinds)
            if units_new[e] > 1e-6 or (units_old is not None and units_old[e] > 1e-6)
        ]
        old_cost = None if self.old_extra_cost is None else float(self.old_extra_cost.sum())
        return {
            "start": self.start.week,
            "weeks": len(weeks),
            "waiting_at_start": {
                "old": float(self.expected.waiting.sum()),
                "new": float(self.start.waiting.sum()),
            },
            "extra_patients_per_week": {
                "mean": float(extra.mean()) if weeks else 0.0,
                "max": float(extra.max()) if weeks else 0.0,
                "by_week": dict(zip(weeks, (round(float(v), 3) for v in extra), strict=True)),
            },
            "treated": {"old": float(treated_old), "new": float(treated_new)},
            "backlog_end": {
                "old": float(self.old_backlog[-1].sum()) if weeks else 0.0,
                "new": float(new.backlog[-1].sum()) if weeks else 0.0,
            },
            "care_guarantee": guarantee,
            "extra_cost": {
                "old": old_cost,
                "new": float(new.extra_cost.sum()),
                "difference": None if old_cost is None else float(new.extra_cost.sum()) - old_cost,
            },
            "extra_bought": bought,
            "solver": {
                "status": str(new.stats.status),
                "objective": new.stats.objective,
                "gap": new.stats.gap,
                "wall_time": new.stats.wall_time,
            },
            "check": {"ok": not new.violations, "violations": list(new.violations)},
        }


def rebalance(
    unit: Unit,
    weekly: WeeklyPlan,
    deviation: Array,
    week: str,
    options: PlanOptions | None = None,
    solve_options: SolveOptions | None = None,
    pins: tuple[PinnedVolume, ...] = (),
) -> Rebalance | None:
    """Plan the rest of the horizon again from ``week`` with ``deviation[g]`` patients of
    each product group treated beyond the weekly plan before it (negative: patients still
    waiting).

    The weeks of the weekly plan before ``week`` are taken as planned but for the
    deviation; the new plan covers the weekly plan's weeks from ``week`` on and keeps the
    ``pins`` of those weeks.

    Returns
    -------
    Rebalance or None
        None when ``week`` is past the weekly plan's last week (nothing left to plan).

    Raises
    ------
    PlanInfeasible
        When the rest cannot be planned (pinned volumes: none are passed here).
    """
    if week not in weekly.weeks:
        return None
    k = weekly.weeks.index(week)
    n_rest = len(weekly.weeks) - k
    deviation = np.asarray(deviation, dtype=float)
    if weekly.plan is not None:
        start = continue_plan(weekly.plan, week, deviation)
        expected = continue_plan(weekly.plan, week)
    else:
        before = weekly.production[:k].sum(axis=0)
        previous = weekly.production[k - 1].copy() if k else None
        start = RollingStart(
            week, waiting_after(unit, week, np.clip(before + deviation, 0, None)), previous
        )
        expected = RollingStart(week, waiting_after(unit, week, before), previous)
    new = plan_unit(
        unit,
        weeks=n_rest,
        pins=tuple(pin for pin in pins if pin.week in weekly.weeks[k:]),
        options=options,
        solve_options=solve_options,
        checked=True,
        start=start,
    )
    old = weekly.production[k:]
    problem = new.compiled.problem
    old_backlog = expected.waiting.sum(axis=1)[None, :] + np.cumsum(problem.need - old, axis=0)
    recent = _recent(problem.need, expected.waiting, problem.guarantee_weeks)
    plan = weekly.plan
    return Rebalance(
        start=start,
        expected=expected,
        plan=new,
        old=old,
        old_backlog=old_backlog,
        old_breach=np.clip(old_backlog - recent, 0.0, None),
        old_within=within_guarantee(problem.need, expected.waiting, problem.guarantee_weeks, old),
        old_extra_cost=None if plan is None else plan.extra_cost[k:],
        old_extra_units=None if plan is None else plan.extra_units[k:],
    )


def _recent(need: Array, waiting: Array, guarantee_weeks: IntArray) -> Array:
    """``(W, G)``: patients who arrived in the last ``guarantee_weeks`` weeks up to each week
    (the list by age included): under first come, first served, the most who can wait at
    the end of a week and still be treated within the guarantee."""
    n_weeks, n_groups = need.shape
    ages = waiting.shape[1]
    arrivals = np.vstack([waiting[:, ::-1].T, need])
    cumulative = np.vstack([np.zeros((1, n_groups)), np.cumsum(arrivals, axis=0)])
    last = np.arange(n_weeks)[:, None] + ages + 1
    first = np.clip(last - guarantee_weeks[None, :], 0, None)
    columns = np.arange(n_groups)[None, :]
    recent: Array = cumulative[last, columns] - cumulative[first, columns]
    return recent


# --------------------------------------------------------------------------------------------
# The whole follow-up


def daily_plan_for(
    unit: Unit, period: Period, weekly: WeeklyPlan, options: SolveOptions | None = None
) -> pd.DataFrame:
    """The daily plan of the weeks of ``period`` from the weekly plan's activity volumes
    (:func:`engine.daily.plan_days`, at most 18 weeks a solve): ``date, activity, volume``."""
    weeks = period.weeks
    volumes = weekly.long(unit)
    parts = []
    for i in range(0, len(weeks), 18):
        chunk = weeks[i : i + 18]
        days = plan_days(
            unit, week_monday(chunk[0]), len(chunk), weekly=volumes, options=options
        ).days
        parts.append(days[["date", "activity", "volume"]])
    return pd.concat(parts, ignore_index=True)


@dataclass(frozen=True)
class FollowUp:
    """Plan versus actual, the bottleneck resources' hours, and the rest re-balanced."""

    unit_id: str
    comparison: Comparison
    rebalance: Rebalance | None
    resources: Resources
    bottlenecks: tuple[int, ...]
    """Indices of the resources the balance ranks first (the most utilised over the
    horizon), the ones the summary shows in hours and shifts."""
    options: FollowUpOptions

    def week_totals(self) -> pd.DataFrame:
        """One row per week: the total of all activities, planned (weekly plan), actual,
        deviation and cumulative, and the flag."""
        weeks = self.comparison.weeks
        total = weeks[(weeks["level"] == "total") & (weeks["id"] == "activities")]
        return total.drop(columns=["level", "id", "measure", "derived"]).reset_index(drop=True)

    def bottleneck_frame(self) -> pd.DataFrame:
        """Per bottleneck resource and week: planned and actual use and the cumulative
        deviation, in hours (bed-days) and in shifts (room-days, beds)."""
        weeks = self.comparison.weeks
        r = self.resources
        rows = []
        for i in self.bottlenecks:
            part = weeks[(weeks["level"] == "resource") & (weeks["id"] == r.keys[i])]
            for row in part.itertuples():
                rows.append(
                    {
                        "week": row.week,
                        "resource": r.keys[i],
                        "measure": r.measures[i],
                        "planned": row.planned,
                        "actual": row.actual,
                        "deviation": row.deviation,
                        "cumulative_deviation": row.cumulative_deviation,
                        "cumulative_steps": row.cumulative_deviation / r.step[i],
                        "step": r.summed_step_names[i],
                    }
                )
        return pd.DataFrame(rows)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready document of the follow-up and the re-balance."""
        c = self.comparison
        r = self.resources

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            finite = frame.replace([np.inf, -np.inf], np.nan)
            return list(json.loads(finite.to_json(orient="records", double_precision=6)))

        groups = c.weeks[c.weeks["level"] == "product_group"]
        by_group = groups.groupby("id", sort=False)[["planned", "actual"]].sum()
        derived = dict(zip(groups["id"], groups["derived"], strict=True))
        bottlenecks = [
            {
                "resource": r.keys[i],
                "name": r.names[i],
                "measure": r.measures[i],
                "deviation": float(c.resource_deviation[i]),
                "deviation_steps": float(c.resource_deviation[i] / r.step[i]),
                "step": r.summed_step_names[i],
            }
            for i in self.bottlenecks
        ]
        return {
            "unit": self.unit_id,
            "period": {
                "first": c.period.first.isoformat(),
                "last": c.period.last.isoformat(),
                "weeks": c.period.weeks,
            },
            "threshold": self.options.threshold,
            "flagged_weeks": list(c.flagged_weeks),
            "by_week": records(self.week_totals()),
            "product_groups": [
                {
                    "product_group": str(group),
                    "planned": float(row.planned),
                    "actual": float(row.actual),
                    "deviation": float(row.actual - row.planned),
                    "derived": derived[str(group)],
                }
                for group, row in by_group.iterrows()
            ],
            "bottlenecks": bottlenecks,
            "rebalance": None if self.rebalance is None else self.rebalance.summary(),
        }

    def files(self) -> list[tuple[str, str]]:
        """``followup_days.csv``, ``followup_weeks.csv``, ``replan.csv``, ``summary.json``."""
        replan = (
            self.rebalance.frame()
            if self.rebalance is not None
            else pd.DataFrame(columns=["week", "kind", "id", "old", "new", "difference"])
        )
        return [
            ("followup_days.csv", _rounded(self.comparison.days).to_csv(index=False)),
            ("followup_weeks.csv", _rounded(self.comparison.weeks).to_csv(index=False)),
            ("replan.csv", replan.to_csv(index=False)),
            ("summary.json", json.dumps(self.summary(), ensure_ascii=False, indent=1)),
        ]


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    numbers = frame.select_dtypes("number").columns
    return frame.assign(**{c: frame[c].round(3) for c in numbers})


def follow_up(
    unit: Unit,
    actual: pd.DataFrame,
    daily: pd.DataFrame,
    weekly: WeeklyPlan,
    *,
    options: FollowUpOptions | None = None,
    plan_options: PlanOptions | None = None,
    solve_options: SolveOptions | None = None,
    pins: tuple[PinnedVolume, ...] = (),
) -> FollowUp:
    """Compare actual production with the plan and re-balance the rest of the horizon.

    Parameters
    ----------
    unit
        A checked unit.
    actual
        ``date, activity, count`` (:func:`read_actuals`).
    daily
        The daily plan of the days followed, ``date, activity, volume``
        (:func:`read_daily_plan` or :func:`daily_plan_for`).
    weekly
        The weekly plan, from the calendar's first week.
    options
        Threshold of the flags, bottlenecks shown.
    plan_options, solve_options, pins
        For the re-balanced tactical plan (pins of the weeks left are kept).
    """
    options = options or FollowUpOptions()
    comparison = compare(unit, actual, daily, weekly, options)
    report = balance(unit, checked=True)
    ranked = list(report.ranking["resource"])
    resource_rows = comparison.weeks[comparison.weeks["level"] == "resource"]
    used = resource_rows.groupby("id")["planned"].sum().abs()
    keys = [k for k in ranked if used.get(k, 0.0) > 1e-9][: options.bottlenecks]
    resources = Resources.of(unit)
    return FollowUp(
        unit_id=unit.id,
        comparison=comparison,
        rebalance=rebalance(
            unit,
            weekly,
            comparison.group_deviation,
            comparison.period.next_week,
            plan_options,
            solve_options,
            pins,
        ),
        resources=resources,
        bottlenecks=tuple(resources.keys.index(k) for k in keys),
        options=options,
    )


# --------------------------------------------------------------------------------------------
# Example actuals


@dataclass(frozen=True)
class Disruption:
    """Days on which activities of some kinds were done at a share of the plan (a week of
    cancellations: theatre staff off sick, ``kinds=("operation",)``, ``share=0.6``)."""

    first: date
    last: date
    kinds: tuple[str, ...]
    share: float


def simulate_actuals(
    unit: Unit,
    daily: pd.DataFrame,
    *,
    seed: int = 0,
    attendance: float = 0.96,
    disruptions: tuple[Disruption, ...] = (),
) -> pd.DataFrame:
    """Actual production that follows a daily plan with realistic losses, for examples and
    tests: each planned activity takes place with probability ``attendance`` (no-shows,
    late cancellations), times the share of a disruption on its day; bed-days are the
    planned occupancy times the share, rounded.

    Returns
    -------
    pandas.DataFrame
        ``date, activity, count``, the days and activities with a count above 0.
    """
    rng = np.random.default_rng(seed)
    kind = {a.id: a.kind for a in unit.activity_types}
    rows = []
    ordered = daily.sort_values(["date", "activity"])
    for day, activity, volume in zip(
        ordered["date"].tolist(), ordered["activity"].tolist(), ordered["volume"].tolist(),
        strict=True,
    ):  # fmt: skip
        share = 1.0
        for d in disruptions:
            if d.first <= day <= d.last and kind[activity] in d.kinds:
                share *= d.share
        if kind[activity] == "bed_day":
            count = float(round(volume * share))
        else:
            count = float(rng.binomial(round(volume), min(1.0, attendance * share)))
        if count > 0:
            rows.append((day, activity, count))
    frame = pd.DataFrame(rows, columns=list(ACTUAL_COLUMNS))
    return frame.astype({"count": "int64"})


EXAMPLE_DISRUPTIONS = (
    Disruption(date(2027, 3, 8), date(2027, 3, 12), ("operation",), 0.65),
    Disruption(date(2027, 3, 9), date(2027, 3, 14), ("bed_day",), 0.85),
)
"""The example clinic's second week of March 2027: a week of cancelled operations (a third
of the theatre lists lost to anaesthesia staff off sick) and the ward a sixth emptier."""


def example_actuals(unit: Unit, seed: int = 2027) -> pd.DataFrame:
    """The example actuals ``examples/actuals/ortopedi-2027-03.csv``: 2027-03-01 ..
    2027-03-14 of the example clinic following the daily plan of its tactical plan, with
    4 % no-shows and :data:`EXAMPLE_DISRUPTIONS`."""
    weekly = WeeklyPlan.of(plan_unit(unit, checked=True))
    daily = daily_plan_for(unit, Period(date(2027, 3, 1), date(2027, 3, 14)), weekly)
    return simulate_actuals(unit, daily, seed=seed, disruptions=EXAMPLE_DISRUPTIONS)
