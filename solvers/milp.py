"""Solve a PuLP model with HiGHS (through highspy, the default) or CBC, the same way for every
MILP formulation, and report it as :class:`SolveStats`."""

from __future__ import annotations

import math
import time
from typing import Any

import pulp

from solvers.common import SolveOptions, SolveStats, SolveStatus

BACKENDS = ("highs", "cbc")


def make_solver(options: SolveOptions) -> Any:
    """The PuLP solver object for ``options.backend`` (``highs`` unless set)."""
    backend = options.backend or "highs"
    common: dict[str, Any] = {"msg": False, "timeLimit": options.time_limit}
    if options.gap_limit is not None:
        common["gapRel"] = options.gap_limit
    if options.abs_gap_limit is not None:
        common["gapAbs"] = options.abs_gap_limit
    if backend == "highs":
        return pulp.HiGHS(
            threads=options.workers,
            random_seed=options.seed,
            **common,
            **dict(options.native),
        )
    if backend == "cbc":
        native = dict(options.native)
        return pulp.PULP_CBC_CMD(
            threads=options.workers,
            options=[f"randomSeed {options.seed}", *(f"{k} {v}" for k, v in native.items())],
            **common,
        )
    raise ValueError(f"unknown MILP backend {backend!r}, expected one of {', '.join(BACKENDS)}")


def _highs_bound(model: pulp.LpProblem) -> float:
    highs = getattr(model, "solverModel", None)
    if highs is None:
        return math.nan
    info = highs.getInfo()
    bound = float(info.mip_dual_bound)
    if not math.isfinite(bound):  # a pure LP has no MIP bound: its optimum is the bound
        bound = float(info.objective_function_value)
    return bound


def solve_model(model: pulp.LpProblem, options: SolveOptions) -> SolveStats:
    """Solve ``model`` in place and say how it went.

    The best bound comes from HiGHS; CBC through PuLP does not report one, so for CBC it is the
    objective when optimal and NaN otherwise.
    """
    backend = options.backend or "highs"
    solver = make_solver(options)
    started = time.perf_counter()
    model.solve(solver)
    wall = time.perf_counter() - started
    status_code = model.status
    solution_code = model.sol_status
    objective = pulp.value(model.objective)
    objective = float(objective) if objective is not None else math.nan
    has_solution = solution_code in (
        pulp.LpSolutionOptimal,
        pulp.LpSolutionIntegerFeasible,
    )
    if status_code == pulp.LpStatusInfeasible or solution_code == pulp.LpSolutionInfeasible:
        status = SolveStatus.INFEASIBLE
    elif status_code == pulp.LpStatusOptimal and solution_code == pulp.LpSolutionOptimal:
        status = SolveStatus.OPTIMAL
    elif has_solution:
        status = SolveStatus.FEASIBLE
    elif status_code == pulp.LpStatusUnbounded:
        status = SolveStatus.INVALID
    else:
        status = SolveStatus.NO_SOLUTION
    if backend == "highs":
        bound = _highs_bound(model)
    else:
        bound = objective if status is SolveStatus.OPTIMAL else math.nan
    if not has_solution:
        objective = math.nan
    return SolveStats(
        status=status,
        objective=objective,
        bound=bound,
        wall_time=wall,
        backend=backend,
        variables=len(model.variables()),
        constraints=model.numConstraints(),
    )
