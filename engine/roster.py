"""The staff roster of a unit: compile, solve, check, decode and explain.

:func:`compile_roster` turns a unit, a start Monday, a number of weeks and a cover table (staff
per day, shift and competence, from the daily plan) into a :class:`models.roster.RosterProblem`:

- a person may work a shift on a day when not absent that day (a full-day absence) and when
  one of the competences they may cover has a cover row for that shift and day: nobody is
  rostered where no one is needed;
- the worked minutes follow the contract: contracted minutes per week (the employment rate of
  the unit's full time unless the contract says otherwise) less the non-clinical share, on the
  weekdays the person is present, as :mod:`engine.capacity` counts them (public holidays
  reduce day-time staff, not round-the-clock staff); over the roster within the contract
  tolerance, and in each week at most the week's contracted minutes plus the weekly tolerance
  and under the weekly maximum. The band is at least one shift wide, so a whole number of
  shifts always fits;
- the labour rules are the member's own :class:`models.unit.WorkRules` or the unit's; the
  weekends and nights they allow per week count over the time the member is present (the
  weekends with a day present, the days present over 7);
- a competence's ``substitutes`` may cover it at the substitution weight;
- staff of the same primary competence and contract, present for as many weeks of the roster
  (days present over 7, rounded), form a fairness group, apart for whether they may work a
  weekend day, and a night, of the roster at all: a member who may not (only weekday day
  shifts need their competences, or they are away) would otherwise hold the group's fewest
  weekends or nights at 0, and every one a colleague works would count as unfair; a member
  away part of the roster would in the same way be held to the counts of those present
  throughout.

:func:`solve_roster` solves and attaches the verdict of the independent checker
(:mod:`engine.check.roster`); :func:`explain_infeasible` says which day, shift and competence
cannot be covered, by how many people, from a relaxed solve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from engine.calendar import swedish_public_holidays
from engine.check.roster import check_roster
from engine.errors import InputError, InputProblem
from models.base import week_label, week_monday
from models.roster import RosterProblem
from models.solve import SolveStatus
from models.unit import Absence, StaffMember
from solvers import roster as roster_solver
from solvers.common import SolveOptions
from solvers.roster.bounds import forced_shortfalls

if TYPE_CHECKING:
    from models.roster import RosterResult, RosterSolution
    from models.unit import Unit, WorkRules
    from solvers.common import ProgressCallback

COVER_COLUMNS = ("date", "shift", "competence", "minimum", "target")
COVER_SOURCE = "cover table"


def _minutes_of(clock: time) -> int:
    return clock.hour * 60 + clock.minute


def _cover_arrays(
    unit: Unit, start: date, n_days: int, cover: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """``(minimum, target)`` arrays (days x shifts x competences) from the cover table."""
    missing = [c for c in COVER_COLUMNS if c not in cover.columns]
    if missing:
        raise InputError.single(
            COVER_SOURCE, "columns", list(cover.columns), f"columns {', '.join(COVER_COLUMNS)}"
        )
    shifts = {s.id: i for i, s in enumerate(unit.shift_types)}
    competences = {c.id: i for i, c in enumerate(unit.competences)}
    minimum = np.zeros((n_days, len(shifts), len(competences)), dtype=np.int64)
    target = np.zeros_like(minimum)
    problems: list[InputProblem] = []
    for row, (day, shift, competence, low, high) in enumerate(
        cover[list(COVER_COLUMNS)].itertuples(index=False, name=None)
    ):
        where = f"{COVER_SOURCE} row {row + 1}"
        if isinstance(day, pd.Timestamp):
            day = day.date()
        d = (day - start).days if isinstance(day, date) else -1
        if not 0 <= d < n_days:
            last = start + timedelta(days=n_days - 1)
            problems.append(InputProblem(where, "date", day, f"a date in {start} .. {last}"))
        if shift not in shifts:
            problems.append(InputProblem(where, "shift", shift, "a shift type id of the unit"))
        if competence not in competences:
            problems.append(
                InputProblem(where, "competence", competence, "a competence id of the unit")
            )
        if not (0 <= int(low) <= int(high)):
            problems.append(InputProblem(where, "minimum", low, f"0 <= minimum <= target ({high})"))
        if problems and problems[-1].source == where:
            continue
        minimum[d, shifts[shift], competences[competence]] += int(low)
        target[d, shifts[shift], competences[competence]] += int(high)
    if problems:
        raise InputError(problems)
    return minimum, target


def _competence_matrices(unit: Unit, weight: int) -> tuple[np.ndarray, np.ndarray]:
    """``(can_cover, substitution_cost)``, staff x competences."""
    index = {c.id: i for i, c in enumerate(unit.competences)}
    problems = [
        InputProblem("unit.yaml", f"competences[{i}].substitutes[{j}]", sub, "a competence id")
        for i, c in enumerate(unit.competences)
        for j, sub in enumerate(c.substitutes)
        if sub not in index
    ]
    if problems:
        raise InputError(problems)
    can = np.zeros((len(unit.staff), len(index)), dtype=bool)
    cost = np.zeros(can.shape, dtype=np.int64)
    for s, member in enumerate(unit.staff):
        own = {index[c] for c in member.competences}
        for c in own:
            can[s, c] = True
        for c, competence in enumerate(unit.competences):
            if c not in own and any(index[sub] in own for sub in competence.substitutes):
                can[s, c] = True
                cost[s, c] = weight
    return can, cost


def _absent(member: StaffMember, start: date, n_days: int) -> np.ndarray:
    """Share of each day the member is away (0 .. 1)."""
    away = np.zeros(n_days)
    for absence in member.absences:
        first = max((absence.start - start).days, 0)
        last = min((absence.end - start).days, n_days - 1)
        if first <= last:
            away[first : last + 1] += absence.fraction
    return np.minimum(away, 1.0)


def _contract(member: StaffMember, full_time: int) -> float:
    """Contracted minutes per week: the member's own, or the employment rate of full time."""
    if member.contract_minutes_per_week is not None:
        return float(member.contract_minutes_per_week)
    return member.employment_rate * full_time


def _band(target: float, tolerance: float, width: int) -> tuple[int, int]:
    """``target`` +- ``tolerance`` share, at least ``width`` minutes wide, never below 0."""
    low = min(target * (1 - tolerance), target - width / 2)
    high = max(target * (1 + tolerance), target + width / 2)
    return max(0, math.floor(low)), math.ceil(high)


def _clinical_per_week(
    unit: Unit,
    member: StaffMember,
    contract: float,
    away: np.ndarray,
    weekday: np.ndarray,
    workday: np.ndarray,
) -> np.ndarray:
    """Contracted clinical minutes of ``member`` in each week: the contract less the
    non-clinical share, on the days present (public holidays count for day-time staff only).
    Bought time is the hours bought, holidays or not (a week's share of the days present)."""
    weeks = len(away) // 7
    if member.bought:
        bought: np.ndarray = contract * (1.0 - away).reshape(weeks, 7).sum(axis=1) / 7.0
        return bought
    share = (
        member.non_clinical_share
        if member.non_clinical_share is not None
        else {c.id: c.non_clinical_share for c in unit.competences}[member.competences[0]]
    )
    round_the_clock = {c.id for c in unit.competences if c.round_the_clock}
    base = weekday if member.competences[0] in round_the_clock else workday
    present = base * (1.0 - away)
    result: np.ndarray = contract * (1 - share) * present.reshape(weeks, 7).sum(axis=1) / 5.0
    return result


def contracted_minutes(unit: Unit, start: date, weeks: int) -> np.ndarray:
    """Contracted clinical minutes of each staff member over ``weeks`` weeks from ``start``:
    the centre of the worked-minutes band :func:`compile_roster` gives the roster (for reports
    such as minutes above contract).

    Returns
    -------
    numpy.ndarray
        ``(S,)`` integer minutes, in the order of ``unit.staff``.
    """
    n_days = 7 * weeks
    days = [start + timedelta(days=d) for d in range(n_days)]
    listed = (
        unit.calendar.public_holidays
        if unit.calendar.public_holidays is not None
        else swedish_public_holidays(start.year, days[-1].year)
    )
    holidays = set(listed)
    weekday = np.array([d.weekday() < 5 for d in days])
    workday = weekday & np.array([d not in holidays for d in days])
    full_time = unit.settings.full_time_minutes_per_week
    totals = []
    for member in unit.staff:
        contract = _contract(member, full_time)
        away = _absent(member, start, n_days)
        totals.append(_clinical_per_week(unit, member, contract, away, weekday, workday).sum())
    result: np.ndarray = np.rint(np.array(totals, dtype=float)).astype(np.int64)
    return result


BOUGHT_PREFIX = "extra"
"""Staff ids of bought time start so: ``extra-<competence>-<week>-<n>``."""

BOUGHT_FILE = "bought.csv"
"""The staff time a schedule's roster had bought (``week, competence, hours``), written next
to ``roster.csv`` so the commands that read the roster know its bought staff."""

AWAY_DAYS = 7 * 53
"""Bought staff are away this many days before and after their week: longer than a roster."""


def bought_staff(unit: Unit, bought: pd.DataFrame | None) -> list[StaffMember]:
    """Staff for the time a tactical plan bought (``week, competence, hours``): a week's
    hours of a competence split evenly among as few people as need work no more than the
    unit's full time each (``extra-<competence>-<week>-<n>``, :attr:`StaffMember.bought`),
    each away outside that week.

    Raises
    ------
    InputError
        Columns missing, an unknown competence, a week that does not exist.
    """
    if bought is None or bought.empty:
        return []
    missing = {"week", "competence", "hours"} - set(bought.columns)
    if missing:
        raise InputError.single(
            BOUGHT_FILE, "columns", sorted(bought.columns), "week, competence, hours"
        )
    known = {c.id for c in unit.competences}
    full = min(unit.settings.full_time_minutes_per_week, unit.work_rules.max_minutes_per_week)
    totals: dict[tuple[str, str], float] = {}
    for week, competence, hours in bought[["week", "competence", "hours"]].itertuples(index=False):
        key = (str(week), str(competence))
        totals[key] = totals.get(key, 0.0) + float(hours)
    members: list[StaffMember] = []
    for (week, competence), hours in sorted(totals.items()):
        if competence not in known:
            raise InputError.single(
                BOUGHT_FILE, "competence", competence, "a competence of the unit"
            )
        try:
            monday = week_monday(week)
        except ValueError as error:
            raise InputError.single(BOUGHT_FILE, "week", week, str(error)) from None
        minutes = round(60 * hours)
        if minutes <= 0:
            continue
        count = -(-minutes // full)
        away = [
            Absence(start=monday - timedelta(days=AWAY_DAYS), end=monday - timedelta(days=1)),
            Absence(start=monday + timedelta(days=7), end=monday + timedelta(days=AWAY_DAYS)),
        ]
        members += [
            StaffMember(
                id=f"{BOUGHT_PREFIX}-{competence}-{week}-{i + 1}",
                name=f"bought time {i + 1} ({competence} {week})",  # no comma: team lists
                competences=[competence],
                contract_minutes_per_week=minutes // count,
                non_clinical_share=0.0,
                absences=[a.model_copy(update={"kind": "other"}) for a in away],
                bought=True,
            )
            for i in range(count)
        ]
    return members


def bought_in(bought: pd.DataFrame | None, start: date, weeks: int) -> pd.DataFrame | None:
    """The rows of ``bought`` (``week, competence, hours``) of the ``weeks`` weeks from
    ``start``: the time a roster of those weeks gets staff for."""
    if bought is None or bought.empty:
        return bought
    labels = {week_label(start + timedelta(days=7 * w)) for w in range(weeks)}
    return bought[bought["week"].astype(str).isin(labels)]


def with_bought(unit: Unit, bought: pd.DataFrame | None) -> Unit:
    """``unit`` with the staff of :func:`bought_staff` after its own."""
    extra = bought_staff(unit, bought)
    return unit.model_copy(update={"staff": [*unit.staff, *extra]}) if extra else unit


def with_bought_file(unit: Unit, folder: str | Path) -> Unit:
    """``unit`` with the bought staff of the schedule in ``folder`` (:data:`BOUGHT_FILE`, if
    there is one)."""
    path = Path(folder) / BOUGHT_FILE
    if not path.exists():
        return unit
    try:
        frame = pd.read_csv(path, dtype={"week": str, "competence": str})
    except (OSError, ValueError) as error:
        raise InputError.single(str(path), "", None, f"a readable CSV file ({error})") from None
    return with_bought(unit, frame)


def compile_roster(unit: Unit, start: date, weeks: int, cover: pd.DataFrame) -> RosterProblem:
    """The roster problem of ``unit`` for ``weeks`` weeks from the Monday ``start``.

    Parameters
    ----------
    unit
        The unit: staff, competences, shift types, work rules and roster weights. Staff
        with ``bought`` set (:func:`bought_staff`) work from nothing up to their contracted
        minutes, in no fairness group.
    start
        The first day, a Monday.
    weeks
        Number of weeks (1 to 18).
    cover
        Staff per day, shift and competence: columns ``date, shift, competence, minimum,
        target`` (minimum hard, target soft), e.g. :func:`engine.daily.staff_cover`.

    Returns
    -------
    RosterProblem
        The compact problem the roster solver and the checker take.

    Raises
    ------
    InputError
        Naming the argument or cover row, the value and what was expected.
    """
    if start.weekday() != 0:
        raise InputError.single("--start", "", str(start), "a Monday (rosters run whole weeks)")
    if not 1 <= weeks <= 18:
        raise InputError.single("--weeks", "", weeks, "1 to 18 weeks")
    if not unit.shift_types:
        raise InputError.single("unit.yaml", "shift_types", "[]", "shift types to roster")
    n_days = 7 * weeks
    weights = unit.roster_weights
    cover_min, cover_target = _cover_arrays(unit, start, n_days, cover)
    has_row = cover_target > 0
    has_row |= cover_min > 0
    can_cover, substitution_cost = _competence_matrices(unit, weights.substitution)

    shifts = unit.shift_types
    shift_start = np.array([_minutes_of(s.start) for s in shifts], dtype=np.int64)
    shift_span = np.array([s.span_minutes for s in shifts], dtype=np.int64)
    shift_minutes = np.array([s.paid_minutes for s in shifts], dtype=np.int64)
    widest = int(shift_minutes.max())

    days = [start + timedelta(days=d) for d in range(n_days)]
    listed = (
        unit.calendar.public_holidays
        if unit.calendar.public_holidays is not None
        else swedish_public_holidays(start.year, days[-1].year)
    )
    holidays = set(listed)
    weekday = np.array([d.weekday() < 5 for d in days])
    workday = weekday & np.array([d not in holidays for d in days])
    full_time = unit.settings.full_time_minutes_per_week

    n_staff = len(unit.staff)
    available = np.zeros((n_staff, n_days, len(shifts)), dtype=bool)
    arrays: dict[str, list[object]] = {
        k: []
        for k in (
            "min_minutes",
            "max_minutes",
            "min_week",
            "max_week",
            "max_consecutive",
            "min_consecutive",
            "min_consecutive_off",
            "max_weekends",
            "max_nights",
            "min_rest",
            "weekly_rest",
        )
    }
    groups: dict[tuple[object, ...], int] = {}
    fairness_group = np.full(n_staff, -1, dtype=np.int64)
    weekend = np.array([d.weekday() >= 5 for d in days])
    night = np.array([shift.night for shift in shifts], dtype=bool)
    for s, member in enumerate(unit.staff):
        rules: WorkRules = member.work_rules or unit.work_rules
        away = _absent(member, start, n_days)
        needed = has_row[:, :, can_cover[s]].any(axis=2)
        available[s] = needed & (away < 1.0)[:, None]
        contract = _contract(member, full_time)
        per_week = _clinical_per_week(unit, member, contract, away, weekday, workday)
        if member.bought:  # bought time: from nothing up to what was bought
            low, high = 0, math.floor(per_week.sum())
            most_week = [math.floor(w) for w in per_week]
        else:
            low, high = _band(float(per_week.sum()), rules.contract_tolerance, widest)
            bands = [_band(float(w), rules.weekly_tolerance, 2 * widest) for w in per_week]
            most_week = [b[1] for b in bands]
        arrays["min_minutes"].append(low)
        arrays["max_minutes"].append(high)
        # No weekly minimum: a week broken by holidays and absences could leave no run of days
        # the other rules allow; the roster total keeps the contract.
        arrays["min_week"].append([0 for _ in per_week])
        arrays["max_week"].append([min(m, rules.max_minutes_per_week) for m in most_week])
        arrays["max_consecutive"].append(rules.max_consecutive_days)
        arrays["min_consecutive"].append(rules.min_consecutive_days)
        arrays["min_consecutive_off"].append(rules.min_consecutive_days_off)
        # The counts per week hold over the time the member is present: every other weekend
        # over 3 weekends is 2 of them (the first and the third); 3 nights a week over 5 weeks
        # present is 15.
        present = 1.0 - away
        days_present = float(present.sum())
        # the roster starts on a Monday: day d's weekend is d // 7
        weekends_present = np.unique(np.flatnonzero(weekend & (present > 0)) // 7).size
        arrays["max_weekends"].append(math.ceil(weekends_present * rules.weekend_share - 1e-9))
        arrays["max_nights"].append(math.floor(days_present / 7 * rules.max_nights_per_week + 1e-9))
        arrays["min_rest"].append(rules.min_daily_rest_minutes)
        arrays["weekly_rest"].append(rules.weekly_rest_minutes)
        rotation = (bool(available[s, weekend].any()), bool(available[s, :, night].any()))
        if not member.bought:
            # equal contracts over the roster: equal terms, and present for as many weeks
            # (rounded to whole weeks), so nobody away part of the time is compared in plain
            # counts with those present throughout
            weeks_present = math.floor(days_present / 7 + 0.5)
            key = (member.competences[0], contract, rules, rotation, weeks_present)
            fairness_group[s] = groups.setdefault(key, len(groups))

    index = {s.id: i for i, s in enumerate(shifts)}
    requests = [
        (s, (r.date - start).days, index[r.shift] if r.shift else -1, r.kind == "work", r.weight)
        for s, member in enumerate(unit.staff)
        for r in member.requests
        if 0 <= (r.date - start).days < n_days
    ]
    columns: list[tuple[object, ...]] = (
        list(zip(*requests, strict=True)) if requests else [(), (), (), (), ()]
    )

    def ints(name: str) -> np.ndarray:
        return np.array(arrays[name], dtype=np.int64)

    return RosterProblem(
        staff_ids=tuple(m.id for m in unit.staff),
        shift_ids=tuple(s.id for s in shifts),
        competence_ids=tuple(c.id for c in unit.competences),
        n_days=n_days,
        first_weekday=0,
        shift_start=shift_start,
        shift_span=shift_span,
        shift_minutes=shift_minutes,
        shift_night=np.array([s.night for s in shifts], dtype=bool),
        cover_min=cover_min,
        cover_target=cover_target,
        cover_under_weight=np.where(cover_target > 0, weights.under_cover, 0).astype(np.int64),
        cover_over_weight=np.where(has_row, weights.over_cover, 0).astype(np.int64),
        can_cover=can_cover,
        substitution_cost=substitution_cost,
        available=available,
        max_shifts=np.full((n_staff, len(shifts)), n_days, dtype=np.int64),
        min_minutes=ints("min_minutes"),
        max_minutes=ints("max_minutes"),
        min_week_minutes=np.array(arrays["min_week"], dtype=np.int64).reshape(n_staff, weeks),
        max_week_minutes=np.array(arrays["max_week"], dtype=np.int64).reshape(n_staff, weeks),
        max_consecutive=ints("max_consecutive"),
        min_consecutive=ints("min_consecutive"),
        min_consecutive_off=ints("min_consecutive_off"),
        max_weekends=ints("max_weekends"),
        max_nights=ints("max_nights"),
        min_rest=ints("min_rest"),
        weekly_rest=ints("weekly_rest"),
        forbidden=np.zeros((len(shifts), len(shifts)), dtype=bool),
        fairness_group=fairness_group,
        request_staff=np.array(columns[0], dtype=np.int64),
        request_day=np.array(columns[1], dtype=np.int64),
        request_shift=np.array(columns[2], dtype=np.int64),
        request_on=np.array(columns[3], dtype=bool),
        request_weight=np.array(columns[4], dtype=np.int64),
        weekend_fairness=weights.weekend_fairness,
        night_fairness=weights.night_fairness,
        split_weekend=weights.split_weekend,
        name=f"{unit.id} {start} +{weeks} weeks",
    )


def solve_roster(
    problem: RosterProblem,
    options: SolveOptions | None = None,
    progress: ProgressCallback | None = None,
    hint: RosterSolution | None = None,
) -> RosterResult:
    """Solve ``problem`` and attach the independent checker's verdict to the result.

    Parameters
    ----------
    problem
        The roster problem (:func:`compile_roster`).
    options
        Time limit, gap limit, seed, workers, native CP-SAT parameters.
    progress
        Called with each new incumbent.
    hint
        A roster to start from.

    Returns
    -------
    RosterResult
        The solver's result with ``check`` set when a roster was found.
    """
    result = roster_solver.solve(problem, options, progress, hint)
    if result.solution is None:
        return result
    return replace(result, check=check_roster(problem, result.solution))


# --------------------------------------------------------------------------------------------
# Decoding


def roster_grid(problem: RosterProblem, solution: RosterSolution, start: date) -> pd.DataFrame:
    """Staff x days of shift codes (empty for a day off). The competence covered is written
    ``shift/competence`` wherever the shift alone does not say it: a shift covered as a
    substitute (at a substitution cost), and every shift of a person who holds several
    competences of their own."""
    dates = [start + timedelta(days=d) for d in range(problem.n_days)]
    own = problem.can_cover & (problem.substitution_cost == 0)
    plain = own & (own.sum(axis=1) == 1)[:, None]  # the shift alone names the competence
    shift, competence = solution.shift.tolist(), solution.competence.tolist()
    cells = [
        [
            ""
            if t < 0
            else problem.shift_ids[t]
            + ("" if c < 0 or plain[s, c] else f"/{problem.competence_ids[c]}")
            for t, c in zip(shift[s], competence[s], strict=True)
        ]
        for s in range(problem.n_staff)
    ]
    return pd.DataFrame(
        cells,
        index=pd.Index(problem.staff_ids, name="staff"),
        columns=[d.isoformat() for d in dates],
    )


def cover_shortfalls(problem: RosterProblem, solution: RosterSolution, start: date) -> pd.DataFrame:
    """Cells below their target: ``date, shift, competence, staffed, minimum, target``."""
    n = np.zeros_like(problem.cover_target)
    for s in range(problem.n_staff):
        for d in range(problem.n_days):
            t, c = int(solution.shift[s, d]), int(solution.competence[s, d])
            if t >= 0 and c >= 0:
                n[d, t, c] += 1
    rows = [
        (
            start + timedelta(days=int(d)),
            problem.shift_ids[t],
            problem.competence_ids[c],
            int(n[d, t, c]),
            int(problem.cover_min[d, t, c]),
            int(problem.cover_target[d, t, c]),
        )
        for d, t, c in zip(*np.nonzero(n < problem.cover_target), strict=True)
    ]
    return pd.DataFrame(
        rows, columns=["date", "shift", "competence", "staffed", "minimum", "target"]
    )


def roster_summary(problem: RosterProblem, result: RosterResult) -> dict[str, object]:
    """What a scheduler reads first: size, status, gap, times, cover met, penalties by rule,
    the checker's verdict, ``fairness``: each spread of weekends or nights in a fairness group
    that costs something, the costliest first, with who works the most and the fewest, and
    ``forced_short``: each competence whose cover target its people cannot meet in any roster
    (:func:`solvers.roster.bounds.forced_shortfalls`), with the shifts wanted, the most its
    people could cover, how many they are and the shifts short. Those are short whatever the
    solver does: the plan wants more than the contracts give."""
    stats = result.stats
    summary: dict[str, object] = {
        "staff": problem.n_staff,
        "days": problem.n_days,
        "shift_types": problem.n_shifts,
        "status": stats.status.value,
        "objective": stats.objective,
        "bound": stats.bound,
        "gap": stats.gap,
        "wall_time": round(stats.wall_time, 3),
        "first_solution_time": stats.first_solution_time,
        "variables": stats.variables,
        "constraints": stats.constraints,
    }
    if result.check is not None:
        check = result.check
        summary["hard_violations"] = len(check.violations)
        summary["penalties"] = dict(sorted(check.penalty_by_rule.items()))
        summary["checked_objective"] = check.objective
        ids = problem.staff_ids
        summary["fairness"] = [
            {
                "kind": spread.kind,
                "staff": len(spread.members),
                "most": spread.most,
                "most_staff": [ids[s] for s in spread.most_staff],
                "fewest": spread.fewest,
                "fewest_staff": [ids[s] for s in spread.fewest_staff],
                "penalty": spread.penalty,
            }
            for spread in check.spreads
        ]
    if result.solution is not None:
        counts = np.zeros_like(problem.cover_target)
        for s, d in zip(*np.nonzero(result.solution.shift >= 0), strict=True):
            c = result.solution.competence[s, d]
            if c >= 0:
                counts[d, result.solution.shift[s, d], c] += 1
        wanted = problem.cover_target > 0
        summary["cover_cells"] = int(wanted.sum())
        summary["cover_met"] = int((wanted & (counts >= problem.cover_target)).sum())
        summary["cover_short_people"] = int(np.maximum(problem.cover_target - counts, 0).sum())
    summary["forced_short"] = [
        {
            "competence": problem.competence_ids[f.competence],
            "wanted": f.wanted,
            "most": f.most,
            "staff": f.staff,
            "short": f.short,
        }
        for f in forced_shortfalls(problem)
    ]
    return summary


# --------------------------------------------------------------------------------------------
# Explaining infeasibility


@dataclass(frozen=True)
class Shortfall:
    """A cover minimum the staff cannot meet: short by ``short`` people."""

    day: int
    shift: str
    competence: str
    minimum: int
    staffed: int
    candidates: int
    """People competent and available for that shift that day, before the other rules."""

    @property
    def short(self) -> int:
        """People missing."""
        return self.minimum - self.staffed


@dataclass(frozen=True)
class Infeasibility:
    """Why no roster meets the hard rules: cover minimums short and people whose own rules
    contradict each other."""

    shortfalls: tuple[Shortfall, ...]
    staff_conflicts: tuple[str, ...]
    """Ids of staff for whom no roster of their own meets their rules, even with no cover."""
    proven: bool
    """True when the relaxed solve proved the shortfall minimal."""

    def lines(self, start: date) -> list[str]:
        """One sentence per reason."""
        out = [
            f"{start + timedelta(days=f.day)} {f.shift} {f.competence}: minimum {f.minimum}, "
            f"at most {f.staffed} can be rostered ({f.candidates} competent and available): "
            f"short by {f.short}"
            for f in self.shortfalls
        ]
        out += [
            f"staff {sid}: their own rules (minutes, days, rests) cannot all hold with the days "
            "they are available"
            for sid in self.staff_conflicts
        ]
        return out


def _relaxed(problem: RosterProblem) -> RosterProblem:
    """The minimum becomes soft at weight 1 and every other soft weight 0: the optimum is the
    fewest people missing below the minimums under all the other hard rules."""
    zero = np.zeros_like(problem.cover_target)
    return replace(
        problem,
        cover_min_weight=1,
        cover_under_weight=zero,
        cover_over_weight=zero,
        substitution_cost=np.zeros_like(problem.substitution_cost),
        request_weight=np.zeros_like(problem.request_weight),
        weekend_fairness=0,
        night_fairness=0,
        split_weekend=0,
    )


def _one_person(problem: RosterProblem, s: int) -> RosterProblem:
    """Staff member ``s`` alone, with no cover to meet."""
    zero = np.zeros_like(problem.cover_target)
    keep = slice(s, s + 1)
    return replace(
        _relaxed(problem),
        staff_ids=(problem.staff_ids[s],),
        cover_min=zero,
        cover_target=zero,
        can_cover=problem.can_cover[keep],
        substitution_cost=np.zeros_like(problem.substitution_cost[keep]),
        available=problem.available[keep],
        max_shifts=problem.max_shifts[keep],
        min_minutes=problem.min_minutes[keep],
        max_minutes=problem.max_minutes[keep],
        min_week_minutes=problem.min_week_minutes[keep],
        max_week_minutes=problem.max_week_minutes[keep],
        max_consecutive=problem.max_consecutive[keep],
        min_consecutive=problem.min_consecutive[keep],
        min_consecutive_off=problem.min_consecutive_off[keep],
        max_weekends=problem.max_weekends[keep],
        max_nights=problem.max_nights[keep],
        min_rest=problem.min_rest[keep],
        weekly_rest=problem.weekly_rest[keep],
        fairness_group=problem.fairness_group[keep],
        request_staff=np.zeros(0, dtype=np.int64),
        request_day=np.zeros(0, dtype=np.int64),
        request_shift=np.zeros(0, dtype=np.int64),
        request_on=np.zeros(0, dtype=bool),
        request_weight=np.zeros(0, dtype=np.int64),
    )


def explain_infeasible(
    problem: RosterProblem, options: SolveOptions | None = None
) -> Infeasibility:
    """Which cover minimums cannot be met, by how many people, and whose rules contradict.

    First each person alone is solved with no cover: a person whose own rules cannot hold
    (minimum minutes on too few available days, say) is named. Without such people, the
    relaxed problem (minimums soft at weight 1, other penalties off) is solved; every cell it
    leaves below its minimum is reported with the shortfall.

    Parameters
    ----------
    problem
        A roster problem with no roster that meets its hard rules.
    options
        Solver options for the relaxed solve (time limit, workers, seed).

    Returns
    -------
    Infeasibility
        The shortfalls per day, shift and competence, and the conflicting staff.
    """
    options = options or SolveOptions(time_limit=60)
    per_person = replace(options, time_limit=min(options.time_limit or 10.0, 10.0))
    conflicts = tuple(
        problem.staff_ids[s]
        for s in range(problem.n_staff)
        if roster_solver.solve(_one_person(problem, s), per_person).stats.status
        is SolveStatus.INFEASIBLE
    )
    if conflicts:
        return Infeasibility(shortfalls=(), staff_conflicts=conflicts, proven=True)
    result = roster_solver.solve(_relaxed(problem), options)
    solution = result.solution
    if solution is None:
        return Infeasibility(shortfalls=(), staff_conflicts=(), proven=False)
    n = np.zeros_like(problem.cover_min)
    for s, d in zip(*np.nonzero(solution.shift >= 0), strict=True):
        c = solution.competence[s, d]
        if c >= 0:
            n[d, solution.shift[s, d], c] += 1
    candidates = np.einsum("sdt,sc->dtc", problem.available.astype(np.int64), problem.can_cover)
    shortfalls = tuple(
        Shortfall(
            day=int(d),
            shift=problem.shift_ids[t],
            competence=problem.competence_ids[c],
            minimum=int(problem.cover_min[d, t, c]),
            staffed=int(n[d, t, c]),
            candidates=int(candidates[d, t, c]),
        )
        for d, t, c in zip(*np.nonzero(n < problem.cover_min), strict=True)
    )
    return Infeasibility(
        shortfalls=shortfalls,
        staff_conflicts=(),
        proven=result.stats.status is SolveStatus.OPTIMAL,
    )


__all__ = [
    "BOUGHT_FILE",
    "COVER_COLUMNS",
    "Infeasibility",
    "Shortfall",
    "bought_in",
    "bought_staff",
    "compile_roster",
    "contracted_minutes",
    "cover_shortfalls",
    "explain_infeasible",
    "roster_grid",
    "roster_summary",
    "solve_roster",
    "with_bought",
    "with_bought_file",
]
