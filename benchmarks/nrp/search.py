"""The benchmark's search strategy around the engine's roster solver (no second solver).

Every step below calls the engine's roster solver on a :class:`models.roster.RosterProblem`:

1. **Greedy start.** Staff are rostered one at a time in file order by the solver's own
   first-roster construction (:func:`solvers.roster.greedy.construct`): each is solved with the
   cover that the staff already rostered leave open. Every hard rule of the benchmark is per
   person, so the joined roster is feasible whenever each person's is.
2. **Guided.** On instances of at most :data:`COLUMNS_LIMIT` staff-days, column generation
   (:func:`solvers.roster.columns.relax`) prices personal rosters by the master's duals until
   it stalls or :data:`ROOT_SHARE` of the time has passed, from the greedy roster when it came
   within :data:`ROOT_START` of the time, else (the construction is stopped there) from
   columns priced as if no cell were covered. The construction's last people, finding little
   open cover that fits their rules, took 2 s each on Instance18 (20 s in all); from priced
   columns, 60 s, seeds 0-2, Instance17 ended at 5,885, 6,016 and 6,121 and Instance18 at
   5,138, 5,430 and 5,028, against 6,625 and 6,446 from the construction (seed 0, the same
   day). CP-SAT (:data:`PORTFOLIO` workers) then rosters the whole model narrowed to the
   master's columns in use, every (person, day) that is integral there kept and every other one
   held to the shifts (or the day off) of the person's columns of positive weight
   (:func:`solvers.roster.columns.guided`), until :data:`GUIDED_SHARE`; if it proves that
   model optimal sooner, the kept days alone from its roster until then. The whole model from
   the best roster so far (a complete hint) takes the rest, with HiGHS beside it, which proves
   the small ones optimal.
3. **Otherwise**, up to :data:`WHOLE_LIMIT` cells, CP-SAT solves the whole model from the
   greedy roster until :data:`WHOLE_SHARE` of the time, with HiGHS beside it up to
   :data:`BOUND_LIMIT` cells, and the **large neighbourhood search** of the solver
   (:func:`solvers.roster.lns.improve`, the mechanism the engine's solve uses too) takes the
   rest: free all staff over a window of days, some staff over the whole horizon, or (over
   eight weeks) some staff around a day short of a shift, led by someone who could take it;
   keep everybody else, re-solve from the incumbent; keep the result when it is not worse.
   When weekends are scarce the search's solves weigh a split weekend as the construction does
   (:func:`solvers.roster.greedy.weekend_guide`), and the best roster by the benchmark's own
   objective is kept. The staff of Instance13, 19 and 20 may work 500, 516 and 1,260 weekend
   days, and the cover wants 482, 535 and 1,239: a weekend worked on one day leaves a shift
   short on the other, and the README's rosters had 51, 31 and 61 such weekends, with 45, 52
   and 54 shifts short on weekend days. Making one of them whole takes, for 45 of
   Instance13's 51, a weekday shift off its person (at their most minutes) and onto another:
   two moves, the first of no gain, which the search did not make. At 60 s, seeds 0-2, in one
   hour: Instance13 4,500, 4,304 and 4,143 against 4,685, 4,688 and 4,430; Instance19 5,368,
   5,378 and 4,640 against 5,943, 5,898 and 6,430 (16-21 split weekends left against 31-45).
   In a first form that returned the search's last roster, seeds 0 and 1, the construction's
   weight (a third of a shift short, 30) gave 3,980 and 4,187, and 5,168 and 5,591; 80 gave
   4,531 and 4,388, and 5,595 and 5,409.

The run's lower bound is the best of three: what the staff's limits force
(:func:`solvers.roster.bounds.staff_bound`: Instance15's nights, Instance18's weekends, 21's and
22's weekends and minutes together, 23's minutes), column generation's (a Lagrangian bound from
its pricing solves, :attr:`solvers.roster.columns.Relaxation.bound`) and the whole-model solve's;
a roster that meets it ends the run. The sub-problems of the search
(:func:`solvers.roster.lns.subproblem`) are exact: fixed staff leave the problem and their shifts
come off the cover target, so each sub-roster is a roster of the whole problem and its objective
differs from the whole one by a constant.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from models.roster import IntArray, RosterProblem, RosterSolution
from models.solve import SolveStatus
from solvers.common import SolveOptions
from solvers.roster import solve
from solvers.roster.bounds import staff_bound
from solvers.roster.columns import applies, guided, relax
from solvers.roster.greedy import construct, weekend_guide
from solvers.roster.lns import improve

WHOLE_SHARE = 0.5
"""Share of the time that CP-SAT gets on the whole model from the greedy roster before the
neighbourhood search takes the rest."""

COLUMNS_LIMIT = 2_000
"""Largest instance, in staff-days, that is guided by column generation (a round of pricing
solves every person)."""

ROOT_START = 0.15
"""Column generation needs the greedy roster within this share of the time: on Instance8 the
root took about 20 s of the minute."""

ROOT_SHARE = 0.5
"""Share of the time by which the root's column generation ends, stalled or not (Instance12,
14 and 15 had not stalled after 30 s)."""

GUIDED_SHARE = 0.75
"""Share of the time by which the guided solves end (sooner when the last one proves its model
optimal); CP-SAT's whole-model solve from the best roster takes the rest.

At 60 s on 2 cores, seed 0, in one hour, guided against the dive it replaces (the dive's
roster, then the whole model for the last third): Instance5 1,145 against 1,145, 6 1,950
against 1,951, 7 1,058 against 1,064, 8 1,305 against 1,509, 9 443 against 444, 10 4,631
against 4,731, 11 3,443 against 3,443, 12 4,812 against 4,726, 14 1,488 against 1,715 (best
known 1,143, 1,950, 1,056, 1,300, 439, 4,631, 3,443, 4,040 and 1,278).

Narrowed (2026-12-06), seeds 0 and 1, until this share against until 0.7 with the kept days
alone from the narrowed roster until 0.8: Instance8 1,304 twice against 1,397 and 1,396, 12
4,062 and 4,263 against 4,261 and 4,159, 14 1,279 twice against 1,282 and 1,281, 15 4,408 and
4,806 against 4,803 and 4,697. The kept days alone after a narrowed model proved optimal
early (seed 1): Instance5 1,146, 6 1,952, 7 1,058 against 1,148, 1,951 and 1,062 narrowed
alone and 1,146, 1,950 and 1,057 with the kept days alone; seed 0: Instance14 1,278, the best
known value, 12 4,050, 8 1,402."""

WHOLE_LIMIT = 200_000
"""Largest problem for the whole-model solve; above it the neighbourhood search alone
improves the greedy roster."""

BOUND_LIMIT = 40_000
"""Largest problem on which HiGHS runs beside the whole-model solve for a lower bound."""

PORTFOLIO = 8
"""CP-SAT workers of the guided and whole-model solves after column generation (and from
scratch, when there is no greedy roster); from the greedy roster alone it gets one per core.
More than the two cores: with two workers CP-SAT runs one full search and interleaves its
neighbourhood searches, with eight it runs more kinds of each side by side, each with less of
the cores. Measured at 60 s on 2 cores, 2 against 8 workers alone: Instance6 (1,040 cells)
2,449 against 1,953, Instance8 (2,158) 1,842 against 1,733; with the neighbourhood search
after 30 s, Instance12 (10,452) 5,972 and 6,081 against 6,337, 6,588 and 7,049, Instance14
(3,572) 1,584 and 1,665 against 1,740, 1,935 and 2,079."""


@dataclass(frozen=True)
class SearchResult:
    """The outcome of :func:`search`."""

    shift: IntArray | None
    """(S, D) shift index per staff and day, -1 off; None when no roster was found."""
    objective: float
    """The objective as the solver computed it (the benchmark re-evaluates it)."""
    bound: float
    """A lower bound: the best of what the staff's limits force (0 at least,
    :func:`solvers.roster.bounds.staff_bound`), column generation's and the whole model's."""
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
    columns_limit: int = COLUMNS_LIMIT,
) -> SearchResult:
    """A greedy roster, then column generation, the guided solve and CP-SAT on the whole model
    (small instances), or CP-SAT on the whole model and LNS (larger ones), until the limit
    (the steps of the module's docstring).

    Parameters
    ----------
    problem
        A roster problem of one competence (the benchmark's).
    time_limit
        Seconds for everything.
    workers
        CP-SAT workers of the greedy and neighbourhood solves, of the whole-model solve from
        the greedy roster (one per core), and the pricing solves side by side.
    seed
        Seed of the neighbourhood choice and of CP-SAT.
    whole_share
        Share of the time given to the whole-model solve from the greedy roster (after the
        guided solve it gets the rest of the time).
    whole_limit
        Solve the whole model only when the problem has at most this many available
        (staff, day, shift) cells.
    columns_limit
        Guide by column generation only up to this many staff-days.
    """
    started = time.perf_counter()
    deadline = started + time_limit
    cells = int(problem.available.sum())
    columns = problem.n_staff * problem.n_days <= columns_limit
    bound = float(staff_bound(problem))
    iterations = 0

    def done(shift: IntArray | None, best: float, status: SolveStatus) -> SearchResult:
        wall = time.perf_counter() - started
        return SearchResult(shift, best, bound, status, first, wall, iterations)

    def greedy(limit: float = math.inf) -> tuple[IntArray | None, float | None, float]:
        left = min(limit, deadline - time.perf_counter())
        built = construct(problem, left, SolveOptions(seed=seed))
        if built is None:
            return None, None, float("inf")
        return built.shift, time.perf_counter() - started, float(objective(problem, built.shift))

    relaxation = None
    columns = columns and applies(problem)
    shift, first, best = greedy(ROOT_START * time_limit if columns else math.inf)
    if shift is None and columns:
        # the built roster comes late (long horizons): the master's first columns are priced
        left = time_limit * ROOT_SHARE - (time.perf_counter() - started)
        relaxation = relax(problem, None, left, workers=workers)
        if relaxation is None:
            shift, first, best = greedy()
        else:
            shift, first = relaxation.heaviest.shift, relaxation.seeded - started
            best = float(objective(problem, shift))
    guiding = columns and shift is not None
    if guiding:
        assert shift is not None
        if relaxation is None:
            left = time_limit * ROOT_SHARE - (time.perf_counter() - started)
            relaxation = relax(problem, _roster(shift), left, workers=workers)
        assert relaxation is not None
        if math.isfinite(relaxation.bound):
            bound = max(bound, math.ceil(relaxation.bound - 1e-6))  # objectives are integral
        found = None
        for narrow in (True, False):  # the kept days alone when the narrowed model is done
            left = time_limit * GUIDED_SHARE - (time.perf_counter() - started)
            if best <= bound or (left < 1.0 and not narrow):
                break
            options = SolveOptions(time_limit=max(1.0, left), num_workers=PORTFOLIO, seed=seed)
            found = guided(problem, relaxation, options, narrow=narrow, hint=found)
            if found is not None and (value := objective(problem, found.shift)) <= best:
                shift, best = found.shift, value
    if cells <= whole_limit and best > bound:
        spent = time.perf_counter() - started
        options = SolveOptions(
            time_limit=max(1.0, time_limit * (1.0 if guiding else whole_share) - spent),
            num_workers=PORTFOLIO if guiding or shift is None else workers,
            seed=seed,
        )
        hint = None if shift is None else _roster(shift)
        result = solve(problem, options, hint=hint, lns=0.0, mip=cells <= BOUND_LIMIT)
        if result.stats.status is SolveStatus.INFEASIBLE:
            return done(None, best, SolveStatus.INFEASIBLE)
        if result.stats.status.has_solution:
            bound = max(bound, result.stats.bound)
        if result.solution is not None:
            value = objective(problem, result.solution.shift)  # CP-SAT's may carry slack
            if value <= best:
                shift, best = result.solution.shift, value
            if first is None:
                first = spent + (result.stats.first_solution_time or result.stats.wall_time)
    if shift is None:
        return done(None, best, SolveStatus.NO_SOLUTION)
    left = deadline - time.perf_counter()
    if left > 0.5 and best > bound:
        options = SolveOptions(num_workers=workers, seed=seed)
        improved = improve(
            problem,
            _roster(shift),
            left,
            options,
            objective=int(best),
            bound=bound,
            split_weekend=weekend_guide(problem),
        )
        shift, best = improved.solution.shift, improved.objective
        iterations = improved.neighbourhoods
    return done(shift, float(best), SolveStatus.OPTIMAL if best <= bound else SolveStatus.FEASIBLE)
