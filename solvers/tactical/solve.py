"""Build, solve and decode the tactical plan, apart from each other."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from models.plan import TacticalShortfall, TacticalSolution
from solvers.common import SolveOptions, SolveStats, SolveStatus
from solvers.milp import BACKENDS, RUNNERS
from solvers.tactical.formulation import TacticalModel, build, objective_terms

if TYPE_CHECKING:
    from pulp import LpVariable as Variable

    from models.plan import Array, TacticalProblem
    from solvers.common import ProgressCallback

__all__ = ["BACKENDS", "TacticalResult", "decode", "explain", "solve"]

DEFAULT_GAP = 1e-4
"""Relative gap a solve stops at when :class:`SolveOptions` sets none."""


@dataclass(frozen=True)
class TacticalResult:
    """How the solve went and, if there is one, the plan."""

    stats: SolveStats
    solution: TacticalSolution | None
    build_time: float
    """Seconds spent building the model (before the backend starts)."""

    @property
    def status(self) -> SolveStatus:
        """The solve status."""
        return self.stats.status


def _values(variables: list[list[Variable]]) -> Array:
    return np.array([[v.varValue or 0.0 for v in row] for row in variables], dtype=np.float64)


def decode(model: TacticalModel) -> TacticalSolution:
    """Read the plan out of a solved model; tiny negative round-off is clipped to 0."""
    problem = model.problem
    production = np.clip(_values(model.x), 0.0, None)
    backlog = np.clip(_values(model.backlog), 0.0, None)
    if model.breach:  # the backlog is split into v + u
        for (w, g), variable in model.breach.items():
            backlog[w, g] += max(0.0, variable.varValue or 0.0)
    breach = np.clip(backlog - model.recent, 0.0, None)
    extra = np.zeros((problem.n_weeks, len(problem.extra)))
    for e, blocks in enumerate(model.block_of):
        for w, start in enumerate(blocks):
            variable = model.extra.get((start, e))
            if variable is not None:
                extra[w, e] = variable.varValue or 0.0
    terms = {
        name: float(sum(coefficient * float(v.varValue or 0.0) for v, coefficient in part))
        for name, part in objective_terms(model).items()
    }
    return TacticalSolution(production, backlog, breach, extra, terms)


def _hint(model: TacticalModel, hint: TacticalSolution) -> None:
    for w, row in enumerate(model.x):
        for g, variable in enumerate(row):
            variable.setInitialValue(float(hint.production[w, g]))
    for w, row in enumerate(model.backlog):
        for g, variable in enumerate(row):
            stock = float(hint.backlog[w, g])
            if model.breach:
                within = min(stock, float(model.recent[w, g]))
                variable.setInitialValue(within)
                model.breach[w, g].setInitialValue(stock - within)
            else:
                variable.setInitialValue(stock)
    for (start, e), variable in model.extra.items():
        value = float(hint.extra_units[start, e])
        variable.setInitialValue(round(value) if variable.cat == "Integer" else value)


def solve(
    problem: TacticalProblem,
    options: SolveOptions | None = None,
    progress: ProgressCallback | None = None,
    hint: TacticalSolution | None = None,
) -> TacticalResult:
    """Solve the tactical plan.

    Parameters
    ----------
    problem
        The problem.
    options
        Time limit, gap limit (default :data:`DEFAULT_GAP`), seed, workers (threads), backend
        (``"highs"``, the default, or ``"cbc"``) and native parameters of the backend.
    progress
        Called with each improving solution (HiGHS) and once at the end.
    hint
        A plan to start from (a warm start).

    Returns
    -------
    TacticalResult
        Status, objective, bound, gap and times; the plan if one was found. A problem without
        a plan (pinned volumes that cannot be met) is the status ``INFEASIBLE``: call
        :func:`explain` for what is missing.
    """
    options = options or SolveOptions()
    backend = options.backend or "highs"
    if backend not in RUNNERS:
        raise ValueError(f"backend: got {backend!r}, expected one of {', '.join(BACKENDS)}")
    if options.gap_limit is None:
        options = SolveOptions(
            time_limit=options.time_limit,
            gap_limit=DEFAULT_GAP,
            seed=options.seed,
            num_workers=options.num_workers,
            backend=backend,
            native=options.native,
        )
    started = time.perf_counter()
    model = build(problem)
    if hint is not None:
        _hint(model, hint)
    build_time = time.perf_counter() - started
    run = RUNNERS[backend](model.lp, options, progress, warm_start=hint is not None)
    solution = decode(model) if run.status.has_solution else None
    stats = SolveStats(
        status=run.status,
        objective=run.objective,
        bound=run.bound,
        wall_time=time.perf_counter() - started,
        backend=backend,
        first_solution_time=run.first_solution_time,
        variables=model.lp.numVariables(),
        constraints=model.lp.numConstraints(),
    )
    return TacticalResult(stats, solution, build_time)


def explain(problem: TacticalProblem, options: SolveOptions | None = None) -> TacticalShortfall:
    """The least capacity and the fewest patients missing for ``problem`` to have a plan.

    Solves the elastic relaxation (integer units relaxed, every kind of extra capacity up to
    its limit for free, shortfalls priced at one per hour, bed-day or patient). All zero when
    the problem has a plan.
    """
    options = options or SolveOptions()
    model = build(problem, elastic=True)
    run = RUNNERS[options.backend or "highs"](model.lp, options, None)
    if not run.status.has_solution:
        raise RuntimeError(f"the elastic relaxation has no solution ({run.status})")
    capacity = np.zeros((problem.n_weeks, problem.n_resources))
    for (w, r), variable in model.short_capacity.items():
        capacity[w, r] = variable.varValue or 0.0
    patients = np.zeros((problem.n_weeks, problem.n_groups))
    for (w, g), variable in model.short_patients.items():
        patients[w, g] = variable.varValue or 0.0
    return TacticalShortfall(np.clip(capacity, 0, None), np.clip(patients, 0, None))
