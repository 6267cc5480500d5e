"""A lower bound on the roster objective from the cover: a linear relaxation solved with GLOP.

Every penalty term is at least zero, so the under-cover alone bounds the objective from below.
Its least value subject to the rules that limit how much cover the staff can give is the linear
programme

.. math::

    \\min \\sum_{d,t,c} u_{dtc}\\,\\mathrm{under}_{dtc} \\quad\\text{s.t.}\\quad
    \\sum_s f_{sdtc} + \\mathrm{under}_{dtc} \\ge \\mathrm{target}_{dtc},\\;
    \\sum_{t,c} f_{sdtc} \\le 1,\\;
    \\sum_{d \\in P,t,c} m_t f_{sdtc} \\le M_{sP},\\;
    \\sum_{d,c} f_{sdtc} \\le \\mathrm{max\\_shifts}_{st},

plus at most ``2 max_weekends`` weekend days, at most ``max_nights`` nights and at most
``max_consecutive`` worked days in every window of ``max_consecutive + 1`` days, with
``0 <= f <= 1`` only where the person is available and may cover the competence, ``M_sP`` the
most minutes over the horizon and in each week, ``m_t`` a shift's minutes. Every roster gives a
point of it (``f = y``, ``under = max(0, target - n)``) that costs at most its objective, so the
optimum of the programme is a lower bound. It sees the shortage of staff that the cover asks
for, which CP-SAT's own bound reaches only when its LP worker gets the time (rarely on two
busy cores).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from ortools.linear_solver import pywraplp

if TYPE_CHECKING:
    from models.roster import RosterProblem

MAX_COLUMNS = 20_000
"""Above this many flow variables the bound is not computed: building the programme in Python
would take longer than it is worth (Instance13 of Curtois & Qu, 40,000 of them, took 9 s)."""


def cover_bound(problem: RosterProblem, time_limit: float = 10.0) -> float:
    """The optimum of the cover relaxation (see the module docstring), rounded up: a lower
    bound on the objective of every roster of ``problem``.

    Parameters
    ----------
    problem
        The roster problem.
    time_limit
        Seconds for GLOP.

    Returns
    -------
    float
        The bound; 0 when no cell has an under-cover weight, ``-inf`` when the programme is too
        big (:data:`MAX_COLUMNS`) or GLOP did not finish.
    """
    wanted = (problem.cover_target > 0) & (problem.cover_under_weight > 0)
    if not wanted.any():
        return 0.0
    usable = problem.available[:, :, :, None] & problem.can_cover[:, None, None, :]
    usable &= wanted[None]
    if int(usable.sum()) > MAX_COLUMNS:
        return -math.inf
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:  # pragma: no cover - GLOP ships with OR-Tools
        return -math.inf
    solver.SetTimeLimit(int(time_limit * 1000))
    cover: dict[tuple[int, int, int], list[pywraplp.Variable]] = {
        (int(d), int(t), int(c)): [] for d, t, c in zip(*np.nonzero(wanted), strict=True)
    }
    minutes = problem.shift_minutes.tolist()
    weekend = np.zeros(problem.n_days, dtype=bool)
    for weekend_days in problem.weekend_days():
        weekend[list(weekend_days)] = True
    for s in range(problem.n_staff):
        day_vars: list[list[tuple[int, pywraplp.Variable]]] = []
        for d in range(problem.n_days):
            row = []
            for t, c in zip(*np.nonzero(usable[s, d]), strict=True):
                var = solver.NumVar(0.0, 1.0, "")
                cover[d, int(t), int(c)].append(var)
                row.append((int(t), var))
            if len(row) > 1:
                solver.Add(solver.Sum([v for _, v in row]) <= 1)
            day_vars.append(row)
        if not any(day_vars):
            continue
        spans = [(range(problem.n_days), int(problem.max_minutes[s]))] + [
            (range(7 * w, min(7 * w + 7, problem.n_days)), int(problem.max_week_minutes[s, w]))
            for w in range(problem.n_weeks)
        ]
        for days, most in spans:
            terms = [minutes[t] * v for d in days for t, v in day_vars[d]]
            if terms and most < sum(minutes[t] for d in days for t, _ in day_vars[d]):
                solver.Add(solver.Sum(terms) <= most)
        for t in range(problem.n_shifts):
            of_type = [v for row in day_vars for u, v in row if u == t]
            if len(of_type) > problem.max_shifts[s, t]:
                solver.Add(solver.Sum(of_type) <= int(problem.max_shifts[s, t]))
        on_weekends = [v for d in np.flatnonzero(weekend) for _, v in day_vars[d]]
        if len(on_weekends) > 2 * problem.max_weekends[s]:
            solver.Add(solver.Sum(on_weekends) <= 2 * int(problem.max_weekends[s]))
        nights = [v for row in day_vars for t, v in row if problem.shift_night[t]]
        if len(nights) > problem.max_nights[s]:
            solver.Add(solver.Sum(nights) <= int(problem.max_nights[s]))
        k = int(problem.max_consecutive[s])
        for first in range(problem.n_days - k):
            window = [v for d in range(first, first + k + 1) for _, v in day_vars[d]]
            if len(window) > k:
                solver.Add(solver.Sum(window) <= k)
    objective = []
    for (d, t, c), flows in cover.items():
        target = int(problem.cover_target[d, t, c])
        under = solver.NumVar(0.0, float(target), "")
        solver.Add(solver.Sum(flows) + under >= target)
        objective.append(int(problem.cover_under_weight[d, t, c]) * under)
    solver.Minimize(solver.Sum(objective))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return -math.inf
    value = solver.Objective().Value()
    # GLOP's optimum carries tolerances of about 1e-7 relative: keep clear of them
    return float(math.ceil(value - 1e-6 * max(1.0, abs(value)) - 1e-6))
