"""The hard rules of the roster model, one function per rule family.

:func:`add_hard_rules` calls them in a fixed order. Every function takes the model, the problem
and the variables and adds its constraints; each docstring states the rule as the constraints
write it. Consecutive-day rules are sliding-window sums and forbidden-pattern clauses (no
variable per pattern); successions are pairs (day ``d`` shift ``a``, day ``d + 1`` shift ``b``)
aggregated per ``a``, which is at least as tight as one constraint per pair.

An automaton (``add_automaton``) of the three run rules was tried in their place and beside
them: on the Curtois & Qu instances its expansion slowed every solve, and neighbourhood solves
of two seconds often found no roster at all, so the windows and clauses stay. The day counts
(:func:`add_day_counts`) are a redundant rounding of the minutes that helped.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from models.roster import MINUTES_PER_DAY

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

    from models.roster import BoolArray, RosterProblem
    from solvers.roster.variables import Literal, RosterVars

CoverCells = dict[tuple[int, int, int], list["Literal"]]


def cover_cells(problem: RosterProblem, v: RosterVars) -> CoverCells:
    """The literals that count towards each (day, shift, competence) cover cell."""
    cells: CoverCells = defaultdict(list)
    for (_, d, t, c), var in v.y.items():
        cells[d, t, c].append(var)
    return cells


def add_cover_minimum(
    model: cp_model.CpModel, problem: RosterProblem, v: RosterVars, cells: CoverCells
) -> None:
    """``sum_s y[s, d, t, c] >= cover_min[d, t, c]`` for every cell, when the minimum is hard.

    A cell nobody can cover with a positive minimum makes the model infeasible (the engine
    explains it with a relaxed solve).
    """
    if problem.cover_min_weight > 0:
        return
    for d, t, c in zip(*np.nonzero(problem.cover_min), strict=True):
        literals = cells.get((int(d), int(t), int(c)), [])
        need = int(problem.cover_min[d, t, c])
        if len(literals) < need:
            model.add_bool_or([v.false])
        else:
            model.add(sum(literals) >= need)


def add_max_shifts(model: cp_model.CpModel, problem: RosterProblem, v: RosterVars) -> None:
    """``sum_d x[s, d, t] <= max_shifts[s, t]`` (skipped when it cannot bind)."""
    for s in range(problem.n_staff):
        for t in range(problem.n_shifts):
            literals = [v.x[s][d][t] for d in range(problem.n_days) if t in v.x[s][d]]
            if len(literals) > problem.max_shifts[s, t]:
                model.add(sum(literals) <= int(problem.max_shifts[s, t]))


def _minutes(problem: RosterProblem, v: RosterVars, s: int, days: range) -> cp_model.LinearExpr:
    from ortools.sat.python.cp_model import LinearExpr

    literals = [var for d in days for var in v.x[s][d].values()]
    weights = [int(problem.shift_minutes[t]) for d in days for t in v.x[s][d]]
    return LinearExpr.weighted_sum(literals, weights)


def add_worked_minutes(model: cp_model.CpModel, problem: RosterProblem, v: RosterVars) -> None:
    """``min_minutes[s] <= sum_{d,t} minutes[t] x[s, d, t] <= max_minutes[s]`` over the horizon,
    and the same with ``min_week_minutes[s, w]``, ``max_week_minutes[s, w]`` over each week
    ``w`` (days ``7w .. 7w + 6``)."""
    for s in range(problem.n_staff):
        total = _minutes(problem, v, s, range(problem.n_days))
        model.add_linear_constraint(total, int(problem.min_minutes[s]), int(problem.max_minutes[s]))
        for w in range(problem.n_weeks):
            days = range(7 * w, min(7 * w + 7, problem.n_days))
            low, high = int(problem.min_week_minutes[s, w]), int(problem.max_week_minutes[s, w])
            most = sum(max((problem.shift_minutes[t] for t in v.x[s][d]), default=0) for d in days)
            if low > 0 or high < most:
                model.add_linear_constraint(_minutes(problem, v, s, days), low, high)


def add_day_counts(model: cp_model.CpModel, problem: RosterProblem, v: RosterVars) -> None:
    """Redundant bounds on the number of days worked, implied by the minutes:
    ``ceil(min_minutes[s] / longest) <= sum_d work[s, d] <= floor(max_minutes[s] / shortest)``
    with ``longest`` and ``shortest`` the most and fewest minutes of a shift the person may
    work, and the same per week from the weekly bounds.

    The minutes rows weigh shifts by their length; these rows count days, a rounding the LP
    relaxation does not make by itself (it may work 0.9 of a long shift to reach a minimum).
    Only rows that bind are added.
    """
    minutes = problem.shift_minutes
    for s in range(problem.n_staff):
        kinds = sorted({t for day in v.x[s] for t in day})
        if not kinds:
            continue
        longest = max(int(minutes[t]) for t in kinds)
        shortest = min(int(minutes[t]) for t in kinds)
        spans = [(range(problem.n_days), problem.min_minutes[s], problem.max_minutes[s])]
        spans += [
            (
                range(7 * w, min(7 * w + 7, problem.n_days)),
                problem.min_week_minutes[s, w],
                problem.max_week_minutes[s, w],
            )
            for w in range(problem.n_weeks)
        ]
        for days, low_minutes, high_minutes in spans:
            literals = [v.work[s][d] for d in days if v.x[s][d]]
            low = -(-int(low_minutes) // longest) if longest > 0 else 0
            high = int(high_minutes) // shortest if shortest > 0 else len(literals)
            if low > 0 or high < len(literals):
                model.add_linear_constraint(sum(literals), low, min(high, len(literals)))


def _counted_before(flags: list[bool]) -> list[int]:
    """``counted[d]``: the days before ``d`` whose flag is set; days ``a .. b - 1`` hold one
    when ``counted[b] > counted[a]``."""
    counted = [0]
    for flag in flags:
        counted.append(counted[-1] + flag)
    return counted


def _closed_before(v: RosterVars, s: int) -> list[int]:
    """:func:`_counted_before` of the days on which staff member ``s`` has no shift available
    (``work`` is false there)."""
    return _counted_before([not shifts for shifts in v.x[s]])


def add_max_consecutive(model: cp_model.CpModel, problem: RosterProblem, v: RosterVars) -> None:
    """Runs of working days at most ``k = max_consecutive[s]`` long: every window of ``k + 1``
    consecutive days holds at most ``k`` working days (a window with a day on which nothing
    is available holds it already, and is left out)."""
    for s in range(problem.n_staff):
        k = int(problem.max_consecutive[s])
        closed = _closed_before(v, s)
        for d in range(problem.n_days - k):
            if closed[d + k + 1] == closed[d]:
                model.add(sum(v.work[s][d : d + k + 1]) <= k)


def _forbid_short_runs(
    model: cp_model.CpModel,
    days: list[Literal],
    closed: list[int],
    shortest: int,
    *,
    of_work: bool,
) -> None:
    """Forbid maximal runs shorter than ``shortest`` that touch neither end of the horizon.

    For a run of working days (``of_work``) of length ``l`` from day ``d + 1``, the clause
    ``work[d] or not work[d+1] or ... or not work[d+l] or work[d+l+1]``; for days off the
    literals are negated. A clause with a day on which nothing is available (counted by
    ``closed``, :func:`_closed_before`) inside a run of work, or at the border of a run of days
    off, holds already and is left out: a neighbourhood's staff have nothing available on most
    of their days off outside its window.
    """

    def shut(first: int, stop: int) -> bool:  # nothing available on a day in first .. stop - 1
        return closed[stop] > closed[first]

    n = len(days)
    for length in range(1, shortest):
        for d in range(n - length - 1):
            end = d + length + 1  # the border after the run
            holds = shut(d + 1, end) if of_work else shut(d, d + 1) or shut(end, end + 1)
            if holds:
                continue
            inside = days[d + 1 : end]
            border = [days[d], days[end]]
            if of_work:
                model.add_bool_or([*border, *(lit.Not() for lit in inside)])
            else:
                model.add_bool_or([*(lit.Not() for lit in border), *inside])


def add_min_consecutive(model: cp_model.CpModel, problem: RosterProblem, v: RosterVars) -> None:
    """Maximal runs of working days that touch neither the first nor the last day are at least
    ``min_consecutive[s]`` long (forbidden-pattern clauses)."""
    for s in range(problem.n_staff):
        shortest = int(problem.min_consecutive[s])
        _forbid_short_runs(model, v.work[s], _closed_before(v, s), shortest, of_work=True)


def add_min_consecutive_off(model: cp_model.CpModel, problem: RosterProblem, v: RosterVars) -> None:
    """Maximal runs of days off that touch neither the first nor the last day are at least
    ``min_consecutive_off[s]`` long (forbidden-pattern clauses)."""
    for s in range(problem.n_staff):
        shortest = int(problem.min_consecutive_off[s])
        _forbid_short_runs(model, v.work[s], _closed_before(v, s), shortest, of_work=False)


def weekend_literals(
    model: cp_model.CpModel, problem: RosterProblem, v: RosterVars
) -> list[list[Literal]]:
    """``weekend[s][k] = max(work[s][d] for d in weekend k)``: weekend ``k`` is worked."""
    result: list[list[Literal]] = []
    weekends = problem.weekend_days()
    for s in range(problem.n_staff):
        row: list[Literal] = []
        for k, days in enumerate(weekends):
            literals = [v.work[s][d] for d in days]
            if len(literals) == 1:
                row.append(literals[0])
                continue
            # Linear rather than a max constraint, so that the LP relaxation holds it too.
            worked = model.new_bool_var(f"weekend[{s},{k}]")
            for literal in literals:
                model.add(worked >= literal)
            model.add(worked <= sum(literals))
            row.append(worked)
        result.append(row)
    return result


def add_max_weekends(
    model: cp_model.CpModel, problem: RosterProblem, v: RosterVars, weekends: list[list[Literal]]
) -> None:
    """``sum_k weekend[s][k] <= max_weekends[s]``, and the implied (redundant) bound on
    weekend days, ``sum_{d in weekends} work[s, d] <= 2 max_weekends[s]``, a plain linear
    constraint that the LP relaxation keeps whatever presolve makes of the first."""
    for s in range(problem.n_staff):
        if len(weekends[s]) > problem.max_weekends[s]:
            model.add(sum(weekends[s]) <= int(problem.max_weekends[s]))
            days = [v.work[s][d] for weekend in problem.weekend_days() for d in weekend]
            model.add(sum(days) <= 2 * int(problem.max_weekends[s]))


def rest_minutes(problem: RosterProblem, gap_days: int) -> np.ndarray:
    """``rest[a, b]``: minutes from the end of shift ``a`` to the start of shift ``b``
    ``gap_days`` days later."""
    end = problem.shift_start + problem.shift_span
    result: np.ndarray = gap_days * MINUTES_PER_DAY + problem.shift_start[None, :] - end[:, None]
    return result


def _pairs_per_staff(problem: RosterProblem, gap_days: int) -> list[BoolArray]:
    """Per staff member, the (a, b) pairs ``gap_days`` apart that the succession matrix or the
    daily rest forbid."""
    rest = rest_minutes(problem, gap_days)
    cache: dict[int, BoolArray] = {}
    result = []
    for s in range(problem.n_staff):
        minimum = int(problem.min_rest[s])
        if minimum not in cache:
            short = rest < minimum
            cache[minimum] = short | problem.forbidden if gap_days == 1 else short
        result.append(cache[minimum])
    return result


def add_successions(model: cp_model.CpModel, problem: RosterProblem, v: RosterVars) -> None:
    """Forbidden successions and the daily rest from clock times.

    For each shift ``a`` on day ``d``: ``x[s, d, a] + sum_{b in F_s(a)} x[s, d + g, b] <= 1``,
    where ``F_s(a)`` holds the shifts ``b`` that ``forbidden[a, b]`` rules out the next day
    (``g = 1``) and those whose start comes less than ``min_rest[s]`` minutes after the end of
    ``a`` (``g = 1``, and ``g = 2`` for shifts long enough to matter).
    """
    if problem.n_staff == 0 or problem.n_shifts == 0:
        return
    gaps = [1, 2] if rest_minutes(problem, 2).min() < problem.min_rest.max() else [1]
    for gap in gaps:
        pairs = _pairs_per_staff(problem, gap)
        for s in range(problem.n_staff):
            bad = pairs[s]
            if not bad.any():
                continue
            after = [np.flatnonzero(row).tolist() for row in bad]
            for d in range(problem.n_days - gap):
                later = v.x[s][d + gap]
                for a, var in v.x[s][d].items():
                    following = [later[b] for b in after[a] if b in later]
                    if following:
                        model.add(var + sum(following) <= 1)


def add_weekly_rest(model: cp_model.CpModel, problem: RosterProblem, v: RosterVars) -> None:
    """Weekly rest: every 7 consecutive days hold a rest day.

    ``rest[s, d]`` implies day ``d`` off, and for every shift ``a`` whose end leaves less than
    ``weekly_rest[s]`` minutes to the start of some shift ``b`` two days later,
    ``rest[s, d] + x[s, d - 1, a] + sum_b x[s, d + 1, b] <= 2``; then every window of 7 days
    has ``sum_d rest[s, d] >= 1``. Where no pair is too short the rest day is just a day off,
    and a window with such a day on which nothing is available holds already (left out).
    """
    if problem.n_days < 7:
        return
    rest_two_days = rest_minutes(problem, 2)
    for s in range(problem.n_staff):
        minimum = int(problem.weekly_rest[s])
        if minimum <= 0:
            continue
        short = rest_two_days < minimum
        after_short = [np.flatnonzero(row).tolist() for row in short]
        work = v.work[s]
        rest_days: list[cp_model.LiteralT] = []
        sure: list[bool] = []  # a rest day for sure: nothing available, no pair around it
        for d in range(problem.n_days):
            before = v.x[s][d - 1] if d > 0 else {}
            after = v.x[s][d + 1] if d + 1 < problem.n_days else {}
            rows = []
            for a, var in before.items():
                following = [after[b] for b in after_short[a] if b in after]
                if following:
                    rows.append((var, following))
            if not rows:
                rest_days.append(work[d].Not())
                sure.append(not v.x[s][d])
                continue
            rest = model.new_bool_var(f"rest[{s},{d}]")
            model.add_implication(rest, work[d].Not())
            for var, following in rows:
                model.add(rest + var + sum(following) <= 2)
            rest_days.append(rest)
            sure.append(False)
        counted = _counted_before(sure)
        for d in range(problem.n_days - 6):
            if counted[d + 7] == counted[d]:
                model.add_bool_or(rest_days[d : d + 7])


def night_counts(problem: RosterProblem, v: RosterVars, s: int) -> list[Literal]:
    """The night-shift literals of staff member ``s``."""
    nights = set(np.flatnonzero(problem.shift_night).tolist())
    return [var for day in v.x[s] for t, var in day.items() if t in nights]


def add_max_nights(model: cp_model.CpModel, problem: RosterProblem, v: RosterVars) -> None:
    """``sum_{d, t night} x[s, d, t] <= max_nights[s]``."""
    for s in range(problem.n_staff):
        literals = night_counts(problem, v, s)
        if len(literals) > problem.max_nights[s]:
            model.add(sum(literals) <= int(problem.max_nights[s]))


def add_hard_rules(
    model: cp_model.CpModel, problem: RosterProblem, v: RosterVars, cells: CoverCells
) -> list[list[Literal]]:
    """Add every hard rule, in a fixed order; returns the weekend literals (the objective's
    fairness terms use them)."""
    add_cover_minimum(model, problem, v, cells)
    add_max_shifts(model, problem, v)
    add_worked_minutes(model, problem, v)
    add_day_counts(model, problem, v)
    add_max_consecutive(model, problem, v)
    add_min_consecutive(model, problem, v)
    add_min_consecutive_off(model, problem, v)
    weekends = weekend_literals(model, problem, v)
    add_max_weekends(model, problem, v, weekends)
    add_successions(model, problem, v)
    add_weekly_rest(model, problem, v)
    add_max_nights(model, problem, v)
    return weekends
