"""A roster guided by column generation: each person's roster is a column.

Every hard rule of a roster problem but a cover minimum concerns one person, so a roster is one
feasible personal roster per person, and the cover ties them together. The *master* is a linear
programme over personal rosters (columns): each person takes one (a convexity row), and each
(day, shift, competence) cell's cover meets its target up to weighted under- and over-cover
columns. Its duals price the cells; a person's *pricing* solve is the person's own CP-SAT model
(the roster model of that person alone, with every rule of the person and their own penalties)
with each cell they cover credited with its dual: a roster whose own cost minus the credit is
below the person's convexity dual lowers the master, and is added. This is column generation
(:func:`relax`), and its linear programme is far tighter than the compact one: on Curtois &
Qu's Instance8 the master's value reached 1,298 (best known 1,300) where the compact
programme's bound is 1,268, and on Instance10 4,631, the best known value.

Its optimum is fractional, but only in part: on Instance5 to 11 about half the
(person, day) pairs are integral, the same shift (or the day off) in every column the person
uses. :func:`guided` keeps those days as the master has them, narrows each other day to what
the person's columns in use do then, and lets CP-SAT roster the rest on the whole model, from
the roster of each person's heaviest column (which is in the narrowed model). On Instance6 and
10 keeping the integral days alone reached the best known values, 1,950 and 4,631, within 26 s
(the root included), where diving (fixing one person's heaviest column at a time and pricing
again) had ended at 1,955 and 4,757; narrowed, Instance12 and 14 came within 0.4 % and 0.2 %
of theirs in the minute, from 38 % and 8 % (README, Benchmark: Curtois & Qu).

The pricing solves are heuristic (at most :data:`PRICE_SECONDS` each) and run in threads,
CP-SAT releasing the GIL; so the master's value is not a proved bound, and is not reported as
one. Each round of pricing proves one all the same (:attr:`Relaxation.bound`): with the cover
rows relaxed by any credits, every roster costs at least what the cells contribute alone plus,
for each person, CP-SAT's bound on their cheapest roster at those credits (a Lagrangian bound).
On Curtois & Qu's Instance10 and 11 it reached 4,631 and 3,443, their best known values, within
15 s; the compact programme's bound from HiGHS was 4,626 and 3,435 after the minute.

On a horizon of eight weeks or more (:data:`PATHS_DAYS`), a person whose rules are all per day,
per run or over the horizon (Curtois & Qu's, not the hospital's weekly rest) is priced first by
a dynamic programme over the days (:mod:`solvers.roster.paths`): exact for the minutes, runs,
successions and weekends, with the most shifts per type and nights priced by multipliers;
CP-SAT prices the person only when that path neither prices out nor proves that nothing does.
Over such horizons a CP-SAT solve of :data:`PRICE_SECONDS` stops short of the cheapest roster:
on Instance16 the root stalled after 4.3 s at 3,225.6 (best known 3,225) with the programme,
where with CP-SAT alone it stood at 3,463 after 25 s. The programme also gives the master its
first columns when no start roster is given (:func:`_seed`).

Fairness spreads, which tie people of a group together, are left out of the master (they are
never negative, so the bound holds); the roster is valued in full by the caller. A hard cover
minimum is no person's rule, so problems with one are not relaxed (:func:`applies`); a
weighted minimum is a row of the master.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import highspy
import numpy as np
from ortools.sat.python import cp_model

from models.roster import RosterSolution
from solvers.roster.decompose import Part, restrict, restrict_solution
from solvers.roster.lns import value_of
from solvers.roster.paths import Paths, roster, supported
from solvers.roster.solve import RosterModel, _add_hint, _apply_options, _decode, build, fix

if TYPE_CHECKING:
    from collections.abc import Sequence

    from models.roster import FloatArray, IntArray, RosterProblem
    from solvers.common import SolveOptions

Cell = tuple[int, int, int]
"""A (day, shift, competence) of the cover."""

SCALE = 100
"""Duals are rounded to 1/SCALE of an objective unit in the pricing models (CP-SAT's
objective is integral)."""

PRICE_SECONDS = 0.05
"""Seconds, at most, of one pricing solve. The column it finds need not be the best one: on
Instance8, one solve at a time, 0.5 s at most gave the same root, 1,297.5, in 40 rounds and
44 s against 49 rounds and 49 s. At 0.02 s, two at a time, the root after 40 s was worse on
Instance12 (4,224 against 4,137; two thirds of the solves stopped at the limit)."""

PATHS_DAYS = 56
"""Persons of a horizon of at least this many days are priced by the dynamic programme first
(:mod:`solvers.roster.paths`). On shorter ones a CP-SAT solve of :data:`PRICE_SECONDS` finds
the cheapest roster and several more on its way, and the root went further in the same time:
Instance14 (42 days) 1,282 against 1,404 with the programme after 25 s, Instance15 (42 days)
3,972 against 4,674; on longer ones it stops short: Instance16 (56 days) stood at 3,463 after
25 s, where with the programme the root stalled after 4.3 s at 3,225.6 (best known 3,225)."""

REDUCED_COST = 0.5
"""A column enters the master when its reduced cost is below minus this (objectives are
integral)."""

STALL_ROUNDS, STALL_SHARE = 5, 0.002
"""The root's column generation stops when its last :data:`STALL_ROUNDS` rounds lowered the
master by less than this share."""

INTEGRAL = 1e-6
"""A (person, day) is integral in the master when one shift's share of the person's columns, or
the day off's, is within this of 1 (:attr:`Relaxation.worked`)."""


@dataclass(frozen=True)
class Relaxation:
    """The master's optimum after column generation (:func:`relax`)."""

    value: float
    """The master's value: not a proved bound (the pricing is heuristic)."""
    bound: float
    """A proved lower bound on every roster's objective, from the rounds of pricing
    (:meth:`_Master.solve`); ``-inf`` when none was found."""
    worked: FloatArray
    """(S, D, T) the weight of the person's columns that work shift ``t`` on day ``d``."""
    heaviest: RosterSolution
    """Each person's column of the largest weight: a roster that meets every hard rule."""
    columns: int
    rounds: int
    """Rounds of pricing."""
    seeded: float
    """``time.perf_counter()`` when every person had a column (the heaviest columns were a
    roster from then on)."""

    def kept(self) -> IntArray:
        """(S, D) the shift that every column a person uses works on the day (-1 for the day
        off in all of them), or -2 where they differ."""
        worked = self.worked.sum(axis=2)
        kept = np.where(self.worked.max(axis=2) >= 1 - INTEGRAL, self.worked.argmax(axis=2), -2)
        return np.where(worked <= INTEGRAL, -1, kept)


class _Person:
    """One person's pricing model: their roster model alone, every cover weight zero."""

    def __init__(self, problem: RosterProblem, s: int) -> None:
        zero = np.zeros_like(problem.cover_target)
        self.problem = replace(
            restrict(problem, Part(np.array([s]), np.arange(problem.n_competences))),
            cover_min=zero,
            cover_target=zero,
            cover_under_weight=zero,
            cover_over_weight=zero,
            weekend_fairness=0,
            night_fairness=0,
        )
        self.built: RosterModel = build(self.problem, symmetry=False)
        objective = self.built.model.proto.objective
        self.base: dict[int, int] = {}
        for index, coeff in zip(list(objective.vars), list(objective.coeffs), strict=True):
            self.base[index] = self.base.get(index, 0) + SCALE * int(coeff)
        self.offset = float(objective.offset)
        self.cells = {(d, t, c): var.index for (_, d, t, c), var in self.built.vars.y.items()}
        long = problem.n_days >= PATHS_DAYS
        self.paths = Paths(self.problem) if long and supported(self.problem) else None

    def price(self, credit: dict[Cell, int], enough: float = -math.inf) -> _Priced:
        """Rosters of the person with each cell credited with ``credit`` (in 1/:data:`SCALE`
        units), each with its own cost, and a bound on the cheapest one's cost minus credit.

        The person's dynamic programme (:mod:`solvers.roster.paths`) comes first, where it
        holds the person's rules; its path is enough when it costs less than ``enough`` (the
        master's price of the person, less :data:`REDUCED_COST`), or when its bound shows that
        no roster does. Otherwise CP-SAT solves the person's model for at most
        :data:`PRICE_SECONDS` and gives every roster it finds on its way, each with its own
        cost (read from the model: at least its true value when the solve stopped at its time
        limit), and the better of the two bounds."""
        lowest = -math.inf
        if self.paths is not None:
            grid = np.zeros(self.problem.cover_target.shape)
            for cell, price in credit.items():
                grid[cell] = price / SCALE
            paths, lowest = self.paths.price(grid, enough)
            rosters = [(roster(path), path.own) for path in paths]
            if math.isinf(lowest) or lowest >= enough:
                return _Priced(rosters, lowest)  # nothing cheaper than enough
            if any(path.reduced < enough for path in paths):
                return _Priced(rosters, lowest)
        coeffs = dict(self.base)
        for cell, index in self.cells.items():
            if credit.get(cell, 0):
                coeffs[index] = coeffs.get(index, 0) - credit[cell]
        objective = self.built.model.proto.objective
        objective.vars.clear()
        objective.coeffs.clear()
        kept = [(index, coeff) for index, coeff in coeffs.items() if coeff]
        objective.vars.extend([index for index, _ in kept])
        objective.coeffs.extend([coeff for _, coeff in kept])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.cp_model_presolve = False
        solver.parameters.max_time_in_seconds = PRICE_SECONDS
        found = _Found(self)
        code = solver.solve(self.built.model, found)
        # CP-SAT's objective is the offset plus the scaled terms
        lowest = max(lowest, (solver.best_objective_bound - self.offset) / SCALE + self.offset)
        if code == cp_model.INFEASIBLE:
            lowest = math.inf
        return _Priced(found.rosters, lowest)

    def own(self, values: Sequence[int]) -> float:
        """The person's own cost in a solution of their model."""
        scaled = sum(coeff * values[index] for index, coeff in self.base.items())
        return scaled / SCALE + self.offset


class _Found(cp_model.CpSolverSolutionCallback):
    """Keeps every roster of a pricing solve: the master takes each one that prices out, not
    only the cheapest. On Instance8 and 14 (30 s at most) the root stalled after 23 and 34
    rounds against 39 and 47, at the same value (1,298 and 1,281)."""

    def __init__(self, person: _Person) -> None:
        super().__init__()
        self.person = person
        self.rosters: list[tuple[RosterSolution, float]] = []

    def on_solution_callback(self) -> None:
        person = self.person
        own = person.own(self.response_proto.solution)
        self.rosters.append((_decode(self, person.problem, person.built.vars), own))


@dataclass(frozen=True)
class _Priced:
    """A pricing solve's answer."""

    rosters: list[tuple[RosterSolution, float]]
    """The rosters found, the cheapest last, each with its own cost (the person's
    penalties)."""
    lowest: float
    """A lower bound on every roster's own cost minus its credit."""


@dataclass(frozen=True)
class _Duals:
    """The master's optimum and its duals, rounded for pricing (:meth:`_Master.solve`)."""

    value: float
    credit: dict[Cell, int]
    """Each cell's credit to a roster that covers it, in 1/:data:`SCALE` units."""
    convexity: list[float]
    """Each person's dual."""
    weights: list[float]
    """Each column's weight."""
    constant: float
    """The cells' own part of the Lagrangian bound with these credits (:meth:`_Master.solve`)."""


class _Master:
    """The master linear programme in HiGHS, one column per personal roster."""

    def __init__(self, problem: RosterProblem) -> None:
        self.problem = problem
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        n = problem.n_staff
        target, minimum = problem.cover_target, problem.cover_min
        under, over = problem.cover_under_weight, problem.cover_over_weight
        self.rows: dict[tuple[int, int, int], int] = {}
        self.min_rows: dict[tuple[int, int, int], int] = {}
        lower, upper = [1.0] * n, [1.0] * n
        slack: list[tuple[float, float, int, float]] = []  # cost, upper, row, coefficient
        for d, t, c in zip(*np.nonzero((target > 0) | (under > 0) | (over > 0)), strict=True):
            cell = (int(d), int(t), int(c))
            row = len(lower)
            self.rows[cell] = row
            lower.append(float(target[cell]))
            upper.append(float(target[cell]))
            slack.append((float(under[cell]), float(target[cell]), row, 1.0))
            slack.append((float(over[cell]), math.inf, row, -1.0))
        for d, t, c in zip(*np.nonzero(minimum > 0), strict=True):
            cell = (int(d), int(t), int(c))
            row = len(lower)
            self.min_rows[cell] = row
            lower.append(float(minimum[cell]))
            upper.append(math.inf)
            weight = float(problem.cover_min_weight)
            slack.append((weight, float(minimum[cell]), row, 1.0))
        none = np.array([], dtype=np.int32)
        self.h.addRows(len(lower), np.array(lower), np.array(upper), 0, none, none, np.array([]))
        for cost, high, row, coeff in slack:
            self.add_column(cost, high, [row], [coeff])
        self.first = self.h.getNumCol()
        self.columns: list[tuple[int, RosterSolution]] = []
        self.of: list[list[int]] = [[] for _ in range(n)]
        self._seen: set[tuple[int, bytes]] = set()

    def add_column(self, cost: float, upper: float, rows: list[int], coeffs: list[float]) -> None:
        self.h.addCol(
            cost,
            0.0,
            highspy.kHighsInf if math.isinf(upper) else upper,
            len(rows),
            np.array(rows, dtype=np.int32),
            np.array(coeffs, dtype=np.float64),
        )

    def add(self, s: int, roster: RosterSolution, cost: float) -> bool:
        """Add person ``s``'s ``roster`` at its own ``cost``; False when it is there already."""
        key = (s, roster.shift.tobytes() + roster.competence.tobytes())
        if key in self._seen:
            return False
        self._seen.add(key)
        rows = [s]
        for cell in _cells(roster):
            rows += [r for r in (self.rows.get(cell), self.min_rows.get(cell)) if r is not None]
        self.add_column(cost, math.inf, rows, [1.0] * len(rows))
        self.of[s].append(len(self.columns))
        self.columns.append((s, roster))
        return True

    def solve(self) -> _Duals:
        """Solve the master; the cells' credits are its duals rounded to 1/:data:`SCALE`.

        With any credits, the cover rows relaxed give a bound on every roster: ``constant``
        plus, for each person, the least of their roster's own cost minus its credit
        (a Lagrangian bound). A target row of cell ``c`` with credit ``p`` adds
        ``target * min(p, under weight)`` (its under-cover column bounded by the target, its
        over-cover column needing ``p >= -over weight``, to which the credit is raised); a
        weighted minimum with credit ``q >= 0`` adds ``minimum * min(q, weight)``."""
        self.h.run()
        solution = self.h.getSolution()
        row_dual = solution.row_dual
        problem = self.problem
        credit: dict[Cell, int] = {}
        constant = 0.0
        for cell, row in self.rows.items():
            floor = -SCALE * int(problem.cover_over_weight[cell])
            price = max(round(SCALE * row_dual[row]), floor)
            credit[cell] = price
            under = float(problem.cover_under_weight[cell])
            constant += float(problem.cover_target[cell]) * min(price / SCALE, under)
        for cell, row in self.min_rows.items():
            price = max(round(SCALE * row_dual[row]), 0)
            credit[cell] = credit.get(cell, 0) + price
            weight = float(problem.cover_min_weight)
            constant += float(problem.cover_min[cell]) * min(price / SCALE, weight)
        return _Duals(
            value=self.h.getInfo().objective_function_value,
            credit=credit,
            convexity=list(row_dual[: problem.n_staff]),
            weights=list(solution.col_value[self.first :]),
            constant=constant,
        )


def applies(problem: RosterProblem) -> bool:
    """Column generation needs every person to have a roster alone: no hard cover minimum."""
    return problem.cover_min_weight > 0 or not problem.cover_min.any()


def relax(
    problem: RosterProblem,
    start: RosterSolution | None,
    time_limit: float,
    workers: int = 2,
) -> Relaxation | None:
    """Column generation on the master of ``problem`` until it stalls (:data:`STALL_ROUNDS`),
    no column prices out, or ``time_limit`` seconds have passed.

    Parameters
    ----------
    problem
        The roster problem (see :func:`applies`).
    start
        A roster that meets every hard rule: its rows are the first columns, so the master
        has a point from the start. None: the first columns are priced (:func:`_seed`).
    time_limit
        Seconds of pricing (the last master solve comes after it).
    workers
        Pricing solves run side by side.

    Returns
    -------
    Relaxation | None
        None when, without ``start``, someone has no roster of their own in time.
    """
    if not applies(problem):
        raise ValueError("column generation needs a problem without a hard cover minimum")
    deadline = time.perf_counter() + time_limit
    persons = [_Person(problem, s) for s in range(problem.n_staff)]
    master = _Master(problem)
    competences = np.arange(problem.n_competences)
    rounds = 0
    rng = np.random.default_rng(0)
    history: list[float] = []
    bound = -math.inf
    with ThreadPoolExecutor(max(1, workers)) as pool:
        if start is None:
            if not _seed(problem, persons, master, pool, deadline):
                return None
        else:
            for s, person in enumerate(persons):
                own = restrict_solution(start, Part(np.array([s]), competences))
                valued = value_of(person.problem, own)
                if valued is None:
                    raise ValueError(f"the start roster breaks a hard rule of staff {s}")
                master.add(s, own, valued)
        seeded = time.perf_counter()
        while True:
            duals = master.solve()
            history.append(duals.value)
            stalled = len(history) > STALL_ROUNDS and history[-STALL_ROUNDS - 1] - duals.value < (
                STALL_SHARE * abs(duals.value)
            )
            if stalled or time.perf_counter() >= deadline:
                break
            todo = [int(s) for s in rng.permutation(problem.n_staff)]
            enough = [duals.convexity[s] - REDUCED_COST for s in todo]
            found = list(
                pool.map(
                    _Person.price, [persons[s] for s in todo], [duals.credit] * len(todo), enough
                )
            )
            rounds += 1
            bound = max(bound, duals.constant + sum(priced.lowest for priced in found))
            added = 0
            for s, priced in zip(todo, found, strict=True):
                for roster, cost in priced.rosters:
                    credit = sum(duals.credit.get(cell, 0) for cell in _cells(roster))
                    if cost - credit / SCALE - duals.convexity[s] < -REDUCED_COST:
                        added += master.add(s, roster, cost)
            if added == 0:
                break
    # every way out of the loop leaves the master as it was last solved
    value, weights = duals.value, duals.weights
    worked = np.zeros((problem.n_staff, problem.n_days, problem.n_shifts))
    heaviest: list[RosterSolution] = []
    for s in range(problem.n_staff):
        for j in master.of[s]:
            roster = master.columns[j][1]
            days = np.flatnonzero(roster.shift[0] >= 0)
            worked[s, days, roster.shift[0, days]] += max(0.0, weights[j])
        heaviest.append(master.columns[max(master.of[s], key=lambda j: weights[j])][1])
    joined = RosterSolution(
        shift=np.concatenate([r.shift for r in heaviest]),
        competence=np.concatenate([r.competence for r in heaviest]),
    )
    return Relaxation(value, bound, worked, joined, len(master.columns), rounds, seeded)


def _seed(
    problem: RosterProblem,
    persons: list[_Person],
    master: _Master,
    pool: ThreadPoolExecutor,
    deadline: float,
) -> bool:
    """The master's first columns without a start roster: every person priced as if no cell
    were covered, each credited with its under-cover weight (the master's duals before any
    roster is in it), again until one is found or ``deadline``. False when someone has no
    roster by then, or none at all."""
    credit = {
        (int(d), int(t), int(c)): int(SCALE * problem.cover_under_weight[d, t, c])
        for d, t, c in zip(*np.nonzero(problem.cover_under_weight > 0), strict=True)
    }
    everyone = list(range(problem.n_staff))
    found = list(pool.map(lambda s: persons[s].price(credit), everyone))
    for s, priced in zip(everyone, found, strict=True):
        while not priced.rosters:
            if math.isinf(priced.lowest) or time.perf_counter() >= deadline:
                return False
            priced = persons[s].price(credit)
        for roster_, cost in priced.rosters:
            master.add(s, roster_, cost)
    return True


def guided(
    problem: RosterProblem,
    relaxation: Relaxation,
    options: SolveOptions,
    narrow: bool = True,
    hint: RosterSolution | None = None,
) -> RosterSolution | None:
    """CP-SAT on the whole model of ``problem`` narrowed to what ``relaxation`` uses: every
    (person, day) that is integral there is kept as it is (:meth:`Relaxation.kept`), and, when
    ``narrow``, every other one to what the person's columns in use (weight above
    :data:`INTEGRAL`) do that day, one of their shifts or, if one of them rests, the day off;
    the competence stays free. It starts from ``hint`` (a roster of that model), by default
    the roster of each person's heaviest column, which is in the narrowed model. None when it
    finds no roster in time.

    Keeping the integral days alone left a model as large as the whole one on the instances
    whose master is integral on fewer days. Narrowed, from the same roots (25-30 s), 15 s,
    seeds 0 and 1, against kept days alone: Curtois & Qu's Instance12 4,160 and 4,472 against
    4,756 and 4,849 (best known 4,040), Instance14 1,279 twice, the narrowed model proved
    optimal in 13 s, against 1,280 and 1,384 (1,278), Instance15 4,992 and 4,788 against 5,397
    and 5,096 (3,829); Instance8 1,498 and 1,401 against 1,400 and 1,401 (1,300).

    Kept days are per person, so the model has no order between identical staff
    (:mod:`solvers.roster.symmetry`). Its bound is not one of ``problem`` and is not returned;
    the caller values the roster."""
    built = build(problem, symmetry=False)
    kept, worked = relaxation.kept(), relaxation.worked
    values: dict[int, int] = {}
    for s, d in np.ndindex(kept.shape):
        day = built.vars.x[s][d]
        if kept[s, d] != -2:
            values.update({var.index: int(t == kept[s, d]) for t, var in day.items()})
        elif narrow:
            values.update({var.index: 0 for t, var in day.items() if worked[s, d, t] <= INTEGRAL})
            if worked[s, d].sum() >= 1 - INTEGRAL:  # no column in use rests that day
                values[built.vars.work[s][d].index] = 1
    fix(built.model, values)
    _add_hint(built, problem, relaxation.heaviest if hint is None else hint)
    solver = cp_model.CpSolver()
    _apply_options(solver, options)
    code = solver.solve(built.model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return _decode(solver, problem, built.vars)


def _cells(roster: RosterSolution) -> list[Cell]:
    days = np.flatnonzero(roster.shift[0] >= 0).tolist()
    return [(d, int(roster.shift[0, d]), int(roster.competence[0, d])) for d in days]
