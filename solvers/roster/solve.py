"""Build, solve and decode the roster model with CP-SAT."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from ortools.sat.python import cp_model

from models.roster import RosterResult, RosterSolution
from models.solve import SolveStats, SolveStatus
from solvers.common import Progress, ProgressCallback, SolveOptions
from solvers.roster.constraints import add_hard_rules, cover_cells
from solvers.roster.objective import Terms, build_objective
from solvers.roster.variables import RosterVars, add_variables

if TYPE_CHECKING:
    from models.roster import RosterProblem

BACKEND = "cp-sat"

_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
    cp_model.MODEL_INVALID: SolveStatus.INVALID,
    cp_model.UNKNOWN: SolveStatus.NO_SOLUTION,
}


@dataclass
class RosterModel:
    """A built CP-SAT model with its variables and named penalty terms."""

    model: cp_model.CpModel
    vars: RosterVars
    terms: Terms


def build(problem: RosterProblem) -> RosterModel:
    """Build the CP-SAT model of ``problem``: variables, hard rules, objective.

    Parameters
    ----------
    problem
        The roster problem.

    Returns
    -------
    RosterModel
        The model, its variables and its penalty terms by name.
    """
    model = cp_model.CpModel()
    v = add_variables(model, problem)
    cells = cover_cells(problem, v)
    weekends = add_hard_rules(model, problem, v, cells)
    terms = build_objective(model, problem, v, cells, weekends)
    return RosterModel(model, v, terms)


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Turns each incumbent into a :class:`Progress` and remembers when the first came."""

    def __init__(self, progress: ProgressCallback | None) -> None:
        super().__init__()
        self._progress = progress
        self.first: float | None = None
        self.count = 0

    def on_solution_callback(self) -> None:
        self.count += 1
        elapsed = self.wall_time
        if self.first is None:
            self.first = elapsed
        if self._progress is not None:
            self._progress(
                Progress(
                    elapsed=elapsed,
                    objective=self.objective_value,
                    bound=self.best_objective_bound,
                    solutions=self.count,
                )
            )


def _apply_options(solver: cp_model.CpSolver, options: SolveOptions) -> None:
    params = solver.parameters
    if options.time_limit is not None:
        params.max_time_in_seconds = float(options.time_limit)
    if options.gap_limit is not None:
        params.relative_gap_limit = float(options.gap_limit)
    params.random_seed = int(options.seed)
    params.num_workers = int(options.workers)
    for name, value in options.native.items():
        setattr(params, name, value)


def _add_hint(built: RosterModel, problem: RosterProblem, hint: RosterSolution) -> None:
    """Hint every ``x`` and ``y`` variable from ``hint`` (a warm start or a repair base)."""
    model, v = built.model, built.vars
    for s in range(problem.n_staff):
        for d in range(problem.n_days):
            worked = int(hint.shift[s, d])
            for t, var in v.x[s][d].items():
                model.add_hint(var, t == worked)
    for (s, d, t, c), var in v.y.items():
        if not _is_x(v, s, d, t, var):
            model.add_hint(var, int(hint.shift[s, d]) == t and int(hint.competence[s, d]) == c)


def _is_x(v: RosterVars, s: int, d: int, t: int, var: cp_model.IntVar) -> bool:
    return v.x[s][d].get(t) is var


def _decode(solver: cp_model.CpSolver, problem: RosterProblem, v: RosterVars) -> RosterSolution:
    shift = np.full((problem.n_staff, problem.n_days), -1, dtype=np.int64)
    competence = np.full((problem.n_staff, problem.n_days), -1, dtype=np.int64)
    for s in range(problem.n_staff):
        for d in range(problem.n_days):
            for t, var in v.x[s][d].items():
                if solver.boolean_value(var):
                    shift[s, d] = t
    for (s, d, t, c), var in v.y.items():
        if shift[s, d] == t and solver.boolean_value(var):
            competence[s, d] = c
    return RosterSolution(shift=shift, competence=competence)


def _term_values(solver: cp_model.CpSolver, terms: Terms) -> dict[str, int]:
    return {
        name: int(sum(weight * solver.value(expr) for weight, expr in parts))
        for name, parts in terms.items()
    }


def solve(
    problem: RosterProblem,
    options: SolveOptions | None = None,
    progress: ProgressCallback | None = None,
    hint: RosterSolution | None = None,
) -> RosterResult:
    """Solve a roster problem with CP-SAT.

    Parameters
    ----------
    problem
        The roster problem.
    options
        Time limit, gap limit (``relative_gap_limit``), seed (``random_seed``), workers
        (``num_workers``) and native CP-SAT parameters (set on ``solver.parameters``).
    progress
        Called with each new incumbent: objective, bound, time, count.
    hint
        A roster to start from (every variable is hinted).

    Returns
    -------
    RosterResult
        Status, objective, bound, gap, times, model size, the roster if one was found and the
        value of each penalty term. Infeasible or out of time is a status, not an exception.
    """
    options = options or SolveOptions()
    started = time.perf_counter()
    built = build(problem)
    if hint is not None:
        _add_hint(built, problem, hint)
    solver = cp_model.CpSolver()
    _apply_options(solver, options)
    reporter = _Reporter(progress)
    code = solver.solve(built.model, reporter)
    status = _STATUS.get(code, SolveStatus.NO_SOLUTION)
    has_solution = status.has_solution
    proto = built.model.proto
    stats = SolveStats(
        status=status,
        objective=float(solver.objective_value) if has_solution else float("inf"),
        bound=float(solver.best_objective_bound) if has_solution else float("-inf"),
        wall_time=time.perf_counter() - started,
        backend=BACKEND,
        first_solution_time=reporter.first,
        variables=len(proto.variables),
        constraints=len(proto.constraints),
    )
    if not has_solution:
        return RosterResult(stats=stats, solution=None)
    return RosterResult(
        stats=stats,
        solution=_decode(solver, problem, built.vars),
        penalties=_term_values(solver, built.terms),
    )
