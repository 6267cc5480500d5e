"""The benchmark's search strategy around the engine's roster solver (no second solver).

Every step below calls :func:`solvers.roster.solve` on a :class:`models.roster.RosterProblem`:

1. **Whole model.** On instances up to :data:`WHOLE_LIMIT` shift-cells the whole problem is
   solved first (CP-SAT with its own presolve, LP and search), which proves the small ones
   optimal; its best bound is the run's lower bound.
2. **Greedy start.** On larger instances, or when the whole model found no roster, staff are
   rostered one at a time in file order: each is solved with the cover that the staff
   already rostered leave open. Every hard rule of the benchmark is per person, so
   the joined roster is feasible whenever each person's is.
3. **Large neighbourhood search.** Repeatedly free a few staff members over a window of days
   (the whole horizon on short instances), keep everybody else as they are, and solve that
   sub-problem hinted with the incumbent; keep the result when it is not worse.

The sub-problem of a neighbourhood is exact. Fixed staff leave the problem; the cover target
of each (day, shift) drops by the fixed staff on it (to no less than zero: fixed staff above
the target cost the same over-cover whatever the free ones do, and each free one on that
shift adds one more over-cover). Free staff outside the window may only work the shift they
already work there (or nothing), so every hard rule is still checked over the whole horizon
and every sub-roster is a roster of the whole problem.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, replace

import numpy as np

from models.roster import IntArray, RosterProblem, RosterSolution
from models.solve import SolveStatus
from solvers.common import SolveOptions
from solvers.roster import solve
from solvers.roster.decompose import Part, restrict

WHOLE_LIMIT = 40_000
"""Instances with at most this many (staff, day, shift) cells get a whole-model solve first."""

NEIGHBOURHOOD_CELLS = 800
"""Free (staff, day, shift) cells per neighbourhood, about."""

GREEDY_GAP = 0.01
"""Relative gap at which one person's greedy solve stops (the LNS improves it later)."""

SUB_TIME_LIMIT = 2.0
"""Seconds per neighbourhood solve."""


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


def subproblem(
    problem: RosterProblem,
    shift: IntArray,
    free: IntArray,
    window: range,
    counted: IntArray | None = None,
) -> RosterProblem:
    """The problem of the ``free`` staff, the others fixed to ``shift``.

    Parameters
    ----------
    problem
        The whole problem (one competence).
    shift
        (S, D) the current roster, -1 off.
    free
        Staff indices to re-roster.
    window
        Days on which the free staff may change; elsewhere they keep their shift or take the
        day off.
    counted
        Staff whose shifts count as fixed cover (default: everyone not free).

    Returns
    -------
    RosterProblem
        The sub-problem; its objective plus a constant is the whole problem's objective.
    """
    if counted is None:
        counted = np.setdiff1d(np.arange(problem.n_staff), free)
    fixed = np.zeros((problem.n_days, problem.n_shifts), dtype=np.int64)
    rows = shift[counted]
    staff, days = np.nonzero(rows >= 0)
    np.add.at(fixed, (days, rows[staff, days]), 1)
    target = np.maximum(0, problem.cover_target[:, :, 0] - fixed)[:, :, None]
    sub = restrict(problem, Part(staff=np.sort(free), competences=np.zeros(1, dtype=np.int64)))
    available = sub.available.copy()
    outside = np.ones(problem.n_days, dtype=bool)
    outside[window.start : window.stop] = False
    if outside.any():
        keep = np.zeros_like(available)
        own = shift[np.sort(free)]
        s_idx, d_idx = np.nonzero(own >= 0)
        keep[s_idx, d_idx, own[s_idx, d_idx]] = True
        available[:, outside, :] &= keep[:, outside, :]
    return replace(sub, cover_target=target, available=available)


def _sub_solve(
    problem: RosterProblem,
    shift: IntArray,
    free: IntArray,
    window: range,
    limit: float,
    workers: int,
    seed: int,
    counted: IntArray | None = None,
    hint: bool = True,
    gap: float | None = None,
) -> IntArray | None:
    """Solve one neighbourhood; the whole roster with the free staff re-rostered, or None."""
    sub = subproblem(problem, shift, free, window, counted)
    order = np.sort(free)
    start = None
    if hint:
        own = shift[order]
        start = RosterSolution(shift=own.copy(), competence=np.where(own >= 0, 0, -1))
    options = SolveOptions(time_limit=limit, num_workers=workers, seed=seed, gap_limit=gap)
    result = solve(sub, options, hint=start, decompose=False)
    if result.solution is None:
        return None
    joined = shift.copy()
    joined[order] = result.solution.shift
    return joined


def greedy(
    problem: RosterProblem, deadline: float, workers: int, seed: int, group: int = 1
) -> IntArray | None:
    """Roster ``group`` staff at a time in file order against the cover left open so far.

    Each group gets a short time and stops at a 1 % gap (its first roster comes fast;
    proving it best does not);
    a group without a roster in that time gets one more try with four times as long.
    Returns the roster, or None when a group still has none (its own rules contradict each
    other, or time runs out).
    """
    shift = np.full((problem.n_staff, problem.n_days), -1, dtype=np.int64)
    window = range(problem.n_days)
    for first in range(0, problem.n_staff, group):
        free = np.arange(first, min(first + group, problem.n_staff))
        done = np.arange(first)
        groups_left = -(-(problem.n_staff - first) // group)
        joined = None
        for factor in (1.0, 4.0):
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            limit = min(left, factor * max(0.25, min(2.0, left / (2 * groups_left))))
            joined = _sub_solve(
                problem, shift, free, window, limit, workers, seed, done, hint=False, gap=GREEDY_GAP
            )
            if joined is not None:
                break
        if joined is None:
            return None
        shift = joined
    return shift


def _neighbourhood(problem: RosterProblem, rng: random.Random, size: int) -> tuple[IntArray, range]:
    """Free staff and a window of days holding about ``size`` cells."""
    cells_per_day = max(1, problem.n_shifts)
    days = problem.n_days
    width = days
    count = max(2, size // (width * cells_per_day))
    if count < 3 and days > 28:
        width = max(14, min(days, size // (3 * cells_per_day)))
        count = max(2, size // (width * cells_per_day))
    count = min(count, problem.n_staff)
    start = rng.randrange(0, days - width + 1)
    free = np.array(rng.sample(range(problem.n_staff), count), dtype=np.int64)
    return free, range(start, start + width)


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
    rng = random.Random(seed)
    cells = int(problem.available.sum())
    shift: IntArray | None = None
    bound = float("-inf")
    first: float | None = None
    best = float("inf")
    if cells <= whole_limit:
        options = SolveOptions(time_limit=time_limit * whole_share, num_workers=workers, seed=seed)
        result = solve(problem, options)
        if result.stats.status is not SolveStatus.NO_SOLUTION:
            bound = result.stats.bound
        if result.solution is not None:
            shift = result.solution.shift
            best = result.stats.objective
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
        shift = greedy(problem, deadline, workers, seed)
        if shift is None:
            return SearchResult(
                None,
                best,
                bound,
                SolveStatus.NO_SOLUTION,
                None,
                time.perf_counter() - started,
                0,
            )
        first = time.perf_counter() - started
        best = objective(problem, shift)
    iterations = 0
    size = NEIGHBOURHOOD_CELLS
    while time.perf_counter() < deadline - 0.5 and best > bound:
        free, window = _neighbourhood(problem, rng, size)
        limit = min(SUB_TIME_LIMIT, deadline - time.perf_counter())
        joined = _sub_solve(problem, shift, free, window, limit, workers, rng.randrange(1 << 30))
        iterations += 1
        if joined is None:
            continue
        value = objective(problem, joined)
        if value <= best:
            shift, best = joined, value
    status = SolveStatus.OPTIMAL if best <= bound else SolveStatus.FEASIBLE
    return SearchResult(
        shift, float(best), bound, status, first, time.perf_counter() - started, iterations
    )
