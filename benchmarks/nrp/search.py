"""The benchmark's search strategy around the engine's roster solver (no second solver).

Every step below calls :func:`solvers.roster.solve` on a :class:`models.roster.RosterProblem`:

1. **Whole model.** On instances up to :data:`WHOLE_LIMIT` shift-cells the whole problem is
   solved first (CP-SAT with its own presolve, LP and search), which proves the small ones
   optimal; its best bound is the run's lower bound.
2. **Greedy start.** On larger instances, or when the whole model found no roster, staff are
   rostered one at a time in file order by the solver's own first-roster construction
   (:func:`solvers.roster.greedy.construct`): each is solved with the cover that the staff
   already rostered leave open. Every hard rule of the benchmark is per person, so
   the joined roster is feasible whenever each person's is.
3. **Large neighbourhood search** with the solver's own :func:`solvers.roster.lns.improve`
   (the mechanism the engine's solve uses too): free all staff over a window of days, or some
   staff over the whole horizon, keep everybody else, re-solve from the incumbent; keep the
   result when it is not worse.

The sub-problems (:func:`solvers.roster.lns.subproblem`) are exact: fixed staff leave the
problem and their shifts come off the cover target, so each sub-roster is a roster of the
whole problem and its objective differs from the whole one by a constant.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from models.roster import IntArray, RosterProblem, RosterSolution
from models.solve import SolveStatus
from solvers.common import SolveOptions
from solvers.roster import solve
from solvers.roster.greedy import construct
from solvers.roster.lns import improve

WHOLE_LIMIT = 40_000
"""Instances with at most this many (staff, day, shift) cells get a whole-model solve first."""


@dataclass(frozen=True)
class SearchResult:
    """The outcome of :func:`search`."""

    shift: IntArray | None
    """(S, D) shift index per staff and day, -1 off; None when no roster was found."""
    objective: float
    """The objective as the solver computed it (the benchmark re-evaluates it)."""
    bound: float
    """A lower bound (the whole model's); ``-inf`` when none was computed."""
    status: SolveStatus
    first_feasible: float | None
    """Seconds until the first complete roster existed."""
    wall_time: float
    iterations: int
    """Neighbourhoods solved."""


def objective(problem: RosterProblem, shift: IntArray) -> int:
    """The roster problem's objective for a roster of one competence: weighted under- and
    over-cover plus unmet on-requests and met off-requests."""
    worked = shift >= 0
    counts = np.zeros((problem.n_days, problem.n_shifts), dtype=np.int64)
    staff, days = np.nonzero(worked)
    np.add.at(counts, (days, shift[staff, days]), 1)
    target = problem.cover_target[:, :, 0]
    under = np.maximum(0, target - counts) * problem.cover_under_weight[:, :, 0]
    over = np.maximum(0, counts - target) * problem.cover_over_weight[:, :, 0]
    given = shift[problem.request_staff, problem.request_day]
    hit = given == problem.request_shift
    on = problem.request_weight * (problem.request_on & ~hit)
    off = problem.request_weight * (~problem.request_on & hit)
    return int(under.sum() + over.sum() + on.sum() + off.sum())


def search(
    problem: RosterProblem,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
    whole_share: float = 0.5,
    whole_limit: int = WHOLE_LIMIT,
) -> SearchResult:
    """Whole model (small instances), greedy start (large ones), then LNS until the limit.

    Parameters
    ----------
    problem
        A roster problem of one competence (the benchmark's).
    time_limit
        Seconds for everything.
    workers
        CP-SAT workers in every solve.
    seed
        Seed of the neighbourhood choice and of CP-SAT.
    whole_share
        Share of the time given to the whole-model solve.
    whole_limit
        Solve the whole model first when the problem has at most this many available
        (staff, day, shift) cells.
    """
    started = time.perf_counter()
    deadline = started + time_limit
    cells = int(problem.available.sum())
    shift: IntArray | None = None
    bound = float("-inf")
    first: float | None = None
    best = float("inf")
    if cells <= whole_limit:
        options = SolveOptions(time_limit=time_limit * whole_share, num_workers=workers, seed=seed)
        result = solve(problem, options, lns=0.0)
        if result.stats.status is not SolveStatus.NO_SOLUTION:
            bound = result.stats.bound
        if result.solution is not None:
            shift = result.solution.shift
            best = objective(problem, shift)  # a roster found at the limit may carry slack
            first = result.stats.first_solution_time
            if result.stats.status is SolveStatus.OPTIMAL:
                return SearchResult(
                    shift,
                    best,
                    bound,
                    SolveStatus.OPTIMAL,
                    first,
                    time.perf_counter() - started,
                    0,
                )
        elif result.stats.status is SolveStatus.INFEASIBLE:
            return SearchResult(
                None, best, bound, result.stats.status, None, time.perf_counter() - started, 0
            )
    if shift is None:
        built = construct(problem, deadline - time.perf_counter(), SolveOptions(seed=seed))
        if built is None:
            return SearchResult(
                None,
                best,
                bound,
                SolveStatus.NO_SOLUTION,
                None,
                time.perf_counter() - started,
                0,
            )
        shift = built.shift
        first = time.perf_counter() - started
        best = objective(problem, shift)
    iterations = 0
    left = deadline - time.perf_counter()
    if left > 0.5 and best > bound:
        start = RosterSolution(shift=shift, competence=np.where(shift >= 0, 0, -1))
        options = SolveOptions(num_workers=workers, seed=seed)
        improved = improve(problem, start, left, options, objective=int(best), bound=bound)
        shift, best = improved.solution.shift, improved.objective
        iterations = improved.neighbourhoods
    status = SolveStatus.OPTIMAL if best <= bound else SolveStatus.FEASIBLE
    return SearchResult(
        shift, float(best), bound, status, first, time.perf_counter() - started, iterations
    )
