"""The benchmark's search strategy around the engine's roster solver (no second solver).

Every step below calls the engine's roster solver on a :class:`models.roster.RosterProblem`:

1. **Whole model.** On instances of at most :data:`SCRATCH_LIMIT` staff-days CP-SAT solves
   the whole problem from scratch for the whole time (its own presolve, LP and search;
   :data:`PORTFOLIO` workers) with HiGHS beside it, which proves the small ones optimal; the
   best bound is the run's lower bound.
2. **Greedy start.** On larger instances, or when the whole model found no roster, staff are
   rostered one at a time in file order by the solver's own first-roster construction
   (:func:`solvers.roster.greedy.construct`): each is solved with the cover that the staff
   already rostered leave open. Every hard rule of the benchmark is per person, so the
   joined roster is feasible whenever each person's is. Up to :data:`WHOLE_LIMIT` cells,
   CP-SAT then solves the whole model from the greedy roster (a complete hint) until
   :data:`WHOLE_SHARE` of the time.
3. **Large neighbourhood search** with the solver's own :func:`solvers.roster.lns.improve`
   (the mechanism the engine's solve uses too) for the rest of the time: free all staff over
   a window of days, or some staff over the whole horizon, keep everybody else, re-solve from
   the incumbent; keep the result when it is not worse.

The sub-problems (:func:`solvers.roster.lns.subproblem`) are exact: fixed staff leave the
problem and their shifts come off the cover target, so each sub-roster is a roster of the whole
problem and its objective differs from the whole one by a constant.
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

WHOLE_SHARE = 0.5
"""Share of the time that CP-SAT gets on the whole model from the greedy roster before the
neighbourhood search takes the rest."""

SCRATCH_LIMIT = 1_100
"""Problems of at most this many staff-days are solved whole from scratch, by CP-SAT's
portfolio for the whole time; larger ones start from the greedy roster.

Measured at 60 s on 2 cores, seed 0. In one hour (A), from scratch, CP-SAT for the whole time
or for half of it and the search for the rest, and from the greedy roster, CP-SAT on the whole
model for half the time and the search for the rest; in an earlier hour (B), from scratch with
half, and from the greedy roster with half or the search alone:

======== ========== ====== ======== ======== ======== ======== ======== ========
instance staff-days cells  scratch  scratch  greedy   scratch  greedy   greedy
                           CP-SAT A half A   half A   half B   half B   search B
======== ========== ====== ======== ======== ======== ======== ======== ========
4               280    468    1,716    1,723
5               448    676    1,244    1,239
6               504  1,040    2,045    2,041
7               560  1,248    1,065    1,081
8               840  2,158    1,716    1,929             1,845             2,054
9             1,008  2,912      449      561               462               563
10            1,120  3,484                      4,665    5,072             4,676
16            1,120  2,250    4,248    3,956    3,652    4,276             3,476
14            1,344  3,572                               1,762             1,549
11            1,400  5,304                               3,488             3,456
12            1,680 10,452                               6,358    5,720    5,749
17            1,792  5,304                               6,527    6,616    6,345
18            1,848  4,104                               6,323             6,353
15            1,890  6,726                               7,132    6,080    6,188
19            3,360  9,728                               6,651             6,457
13            3,360 39,936                                        4,917    5,935
======== ========== ====== ======== ======== ======== ======== ======== ========

The search pays on the larger grids and on the longer horizons, CP-SAT's portfolio on the
small ones: Instance16 (20 staff, 56 days) did better from the greedy roster, though it has fewer
cells than Instance9 (36 staff, 28 days). The whole model from the greedy roster keeps HiGHS's
bound beside it (:data:`BOUND_LIMIT`)."""

WHOLE_LIMIT = 200_000
"""Largest problem for the whole-model solve; above it the neighbourhood search alone
improves the greedy roster."""

BOUND_LIMIT = 40_000
"""Largest problem on which HiGHS runs beside the whole-model solve for a lower bound."""

PORTFOLIO = 8
"""CP-SAT workers of the whole-model solve from scratch (:data:`SCRATCH_LIMIT`); from the
greedy roster it gets one per core. More than the two cores: with two workers CP-SAT runs
one full search and interleaves its neighbourhood searches, with eight it runs more kinds of
each side by side, each with less of the cores. Measured at 60 s on 2 cores, 2 against 8
workers alone: Instance6 (1,040 cells) 2,449 against 1,953, Instance8 (2,158) 1,842 against
1,733; with the neighbourhood search after 30 s, Instance12 (10,452) 5,972 and 6,081 against
6,337, 6,588 and 7,049, Instance14 (3,572) 1,584 and 1,665 against 1,740, 1,935 and 2,079."""


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


def _roster(shift: IntArray) -> RosterSolution:
    """The roster of ``shift`` in the benchmark's one competence."""
    return RosterSolution(shift=shift, competence=np.where(shift >= 0, 0, -1))


def search(
    problem: RosterProblem,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
    whole_share: float = WHOLE_SHARE,
    whole_limit: int = WHOLE_LIMIT,
) -> SearchResult:
    """CP-SAT on the whole model, from scratch (small instances) or from a greedy roster
    (larger ones), then LNS until the limit (the steps of the module's docstring).

    Parameters
    ----------
    problem
        A roster problem of one competence (the benchmark's).
    time_limit
        Seconds for everything.
    workers
        CP-SAT workers of the greedy and neighbourhood solves, and of the whole-model solve
        from the greedy roster (one per core).
    seed
        Seed of the neighbourhood choice and of CP-SAT.
    whole_share
        Share of the time given to the whole-model solve from the greedy roster (from
        scratch it gets all of it).
    whole_limit
        Solve the whole model only when the problem has at most this many available
        (staff, day, shift) cells.
    """
    started = time.perf_counter()
    deadline = started + time_limit
    cells = int(problem.available.sum())
    scratch = problem.n_staff * problem.n_days <= SCRATCH_LIMIT
    bound = float("-inf")
    iterations = 0

    def done(shift: IntArray | None, best: float, status: SolveStatus) -> SearchResult:
        wall = time.perf_counter() - started
        return SearchResult(shift, best, bound, status, first, wall, iterations)

    def greedy() -> tuple[IntArray | None, float | None, float]:
        built = construct(problem, deadline - time.perf_counter(), SolveOptions(seed=seed))
        if built is None:
            return None, None, float("inf")
        return built.shift, time.perf_counter() - started, float(objective(problem, built.shift))

    shift: IntArray | None = None
    first: float | None = None
    best = float("inf")
    if not scratch:
        shift, first, best = greedy()
    if cells <= whole_limit:
        spent = time.perf_counter() - started
        options = SolveOptions(
            time_limit=max(1.0, time_limit * (1.0 if scratch else whole_share) - spent),
            num_workers=PORTFOLIO if scratch else workers,
            seed=seed,
        )
        hint = None if shift is None else _roster(shift)
        result = solve(problem, options, hint=hint, lns=0.0, mip=cells <= BOUND_LIMIT)
        if result.stats.status is SolveStatus.INFEASIBLE:
            return done(None, best, SolveStatus.INFEASIBLE)
        if result.stats.status.has_solution:
            bound = result.stats.bound
        if result.solution is not None:
            value = objective(problem, result.solution.shift)  # CP-SAT's may carry slack
            if value <= best:
                shift, best = result.solution.shift, value
            if first is None:
                first = spent + (result.stats.first_solution_time or result.stats.wall_time)
    if shift is None and scratch:
        shift, first, best = greedy()
    if shift is None:
        return done(None, best, SolveStatus.NO_SOLUTION)
    left = deadline - time.perf_counter()
    if left > 0.5 and best > bound:
        options = SolveOptions(num_workers=workers, seed=seed)
        improved = improve(problem, _roster(shift), left, options, objective=int(best), bound=bound)
        shift, best = improved.solution.shift, improved.objective
        iterations = improved.neighbourhoods
    return done(shift, float(best), SolveStatus.OPTIMAL if best <= bound else SolveStatus.FEASIBLE)
