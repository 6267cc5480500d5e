"""Running a PuLP model on HiGHS (through highspy, in process) or CBC (PuLP's bundled binary),
the same way for every MILP formulation (the tactical plan, the daily plan).

Each backend returns the same :class:`Run`: status, objective, best bound and times. HiGHS
reports its bound and each improving solution directly; CBC's bound is read from its log.
:func:`solve_model` runs the backend that the options name and reports :class:`SolveStats`.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import highspy
import pulp

from solvers.common import Progress, SolveStats, SolveStatus

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from solvers.common import ProgressCallback, SolveOptions

BACKENDS = ("highs", "cbc")


@dataclass(frozen=True)
class Run:
    """What a backend reports after a solve."""

    status: SolveStatus
    objective: float
    bound: float
    wall_time: float
    first_solution_time: float | None


@contextmanager
def _native_stdout_silenced() -> Iterator[None]:
    """Send what native code writes to standard output to /dev/null meanwhile: HiGHS 1.12's
    MIP solver prints a debugging line there even with its output switched off, and a
    solver never prints."""
    sys.stdout.flush()  # what Python wrote before goes where it was meant to
    try:
        saved = os.dup(1)
    except OSError:  # no standard output to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


class _HiGHS(pulp.HiGHS):  # type: ignore[misc]
    """PuLP's highspy interface, with a warm start and a record of the first solution."""

    def __init__(self, start: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start = start

    def callSolver(self, lp: pulp.LpProblem) -> None:
        # HiGHS keeps one thread pool per process, sized by the first solve; a solve that
        # asks for another number of threads fails unless the pool is rebuilt first.
        highspy.Highs.resetGlobalScheduler(True)
        if self.start:
            solution = highspy.HighsSolution()
            ordered = sorted(lp.variables(), key=lambda v: v.index)
            solution.col_value = [float(v.varValue or 0.0) for v in ordered]
            lp.solverModel.setSolution(solution)
        with _native_stdout_silenced():
            lp.solverModel.run()

    def findSolutionValues(self, lp: pulp.LpProblem) -> tuple[int, int]:
        try:
            return super().findSolutionValues(lp)  # type: ignore[no-any-return]
        except KeyError:
            # a model status PuLP does not map (a solution or node limit): read the values
            values = list(lp.solverModel.getSolution().col_value)
            for variable in lp.variables():
                variable.varValue = values[variable.index]
            return pulp.LpStatusNotSolved, pulp.LpSolutionIntegerFeasible


def _highs_status(model_status: Any, has_solution: bool) -> SolveStatus:
    status = highspy.HighsModelStatus
    if model_status == status.kOptimal:
        return SolveStatus.OPTIMAL
    if model_status in (status.kInfeasible, status.kUnboundedOrInfeasible):
        return SolveStatus.INFEASIBLE
    if model_status in (status.kModelError, status.kLoadError, status.kPresolveError):
        return SolveStatus.INVALID
    return SolveStatus.FEASIBLE if has_solution else SolveStatus.NO_SOLUTION


def run_highs(
    lp: pulp.LpProblem,
    options: SolveOptions,
    progress: ProgressCallback | None,
    *,
    warm_start: bool = False,
) -> Run:
    """Solve ``lp`` with HiGHS; ``options.native`` are HiGHS option names and values."""
    started = time.perf_counter()
    first: list[float] = []

    def report(kind: int, message: str, out: Any, into: Any, data: Any) -> None:
        del kind, message, into, data
        elapsed = time.perf_counter() - started
        first.append(elapsed)
        if progress is not None:
            progress(
                Progress(
                    elapsed=elapsed,
                    objective=float(out.objective_function_value),
                    bound=float(out.mip_dual_bound),
                    solutions=len(first),
                )
            )

    is_mip = any(v.cat == pulp.LpInteger for v in lp.variables())
    native: dict[str, Any] = {"random_seed": options.seed}
    if not is_mip:
        # an LP (no whole units): interior point with crossover is about 40 % faster here
        # than dual simplex, whose basis fills in along the weekly backlog chains
        native["solver"] = "ipm"
    native.update(options.native)
    solver = _HiGHS(
        warm_start,
        msg=False,
        timeLimit=options.time_limit,
        gapRel=options.gap_limit,
        gapAbs=options.abs_gap_limit,
        threads=options.workers,
        callbackTuple=(report, None),
        callbacksToActivate=[highspy.cb.HighsCallbackType.kCallbackMipImprovingSolution],
        **native,
    )
    lp.solve(solver)
    highs = lp.solverModel
    info = highs.getInfo()
    has_solution = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible
    status = _highs_status(highs.getModelStatus(), has_solution)
    objective = float(info.objective_function_value) if status.has_solution else math.nan
    if is_mip:
        bound = float(info.mip_dual_bound)
    else:
        bound = objective if status is SolveStatus.OPTIMAL else -math.inf
    wall = time.perf_counter() - started
    if progress is not None and status.has_solution:
        progress(Progress(wall, objective, bound, max(1, len(first))))
    return Run(status, objective, bound, wall, first[0] if first else None)


_CBC_BOUND = re.compile(r"^Lower bound:\s*(\S+)", re.MULTILINE)
_CBC_OBJECTIVE = re.compile(r"^Objective value:\s*(\S+)", re.MULTILINE)
_CBC_TIME = re.compile(r"Cbc0012I Integer solution of \S+ found .*\((\S+) seconds\)")


def run_cbc(
    lp: pulp.LpProblem,
    options: SolveOptions,
    progress: ProgressCallback | None,
    *,
    warm_start: bool = False,
) -> Run:
    """Solve ``lp`` with CBC; ``options.native`` become CBC command-line options
    (``{"cuts": "off"}`` -> ``cuts off``). The bound is read from CBC's log."""
    started = time.perf_counter()
    native = [f"{key} {value}" for key, value in options.native.items()]
    handle, log_path = tempfile.mkstemp(prefix="balans-cbc-", suffix=".log")
    os.close(handle)
    try:
        solver = pulp.PULP_CBC_CMD(
            msg=False,
            timeLimit=options.time_limit,
            gapRel=options.gap_limit,
            gapAbs=options.abs_gap_limit,
            threads=options.workers,
            warmStart=warm_start,
            logPath=log_path,
            options=[f"randomCbcSeed {options.seed + 1}", *native],
        )
        lp.solve(solver)
        with open(log_path, encoding="utf-8", errors="replace") as log_file:
            log = log_file.read()
    finally:
        os.unlink(log_path)
    status = _cbc_status(lp)
    objective = float(pulp.value(lp.objective) or 0.0) if status.has_solution else math.nan
    bound = _cbc_bound(log, status, objective)
    wall = time.perf_counter() - started
    times = _CBC_TIME.findall(log)
    first = float(times[0]) if times else None
    if progress is not None and status.has_solution:
        progress(Progress(wall, objective, bound, max(1, len(times))))
    return Run(status, objective, bound, wall, first)


def _cbc_status(lp: pulp.LpProblem) -> SolveStatus:
    if lp.status == pulp.LpStatusOptimal:
        if lp.sol_status == pulp.LpSolutionOptimal:
            return SolveStatus.OPTIMAL
        return SolveStatus.FEASIBLE
    if lp.status == pulp.LpStatusInfeasible:
        return SolveStatus.INFEASIBLE
    if lp.status == pulp.LpStatusUnbounded:
        return SolveStatus.INVALID
    return SolveStatus.NO_SOLUTION


def _cbc_bound(log: str, status: SolveStatus, objective: float) -> float:
    """CBC prints ``Lower bound:`` when it stops before proving optimality; a proven optimum
    (within the gap limit) prints only the objective, which is then the bound we know of."""
    found = _CBC_BOUND.findall(log)
    if found:
        with contextlib.suppress(ValueError):  # CBC may print a word where a bound would be
            return float(found[-1])
    if status is SolveStatus.OPTIMAL:
        stated = _CBC_OBJECTIVE.findall(log)
        return float(stated[-1]) if stated else objective
    return -math.inf


RUNNERS: dict[str, Callable[..., Run]] = {"highs": run_highs, "cbc": run_cbc}


def solve_model(
    lp: pulp.LpProblem,
    options: SolveOptions,
    progress: ProgressCallback | None = None,
    *,
    warm_start: bool = False,
) -> SolveStats:
    """Solve ``lp`` in place with ``options.backend`` (HiGHS unless set) and say how it went.

    Raises
    ------
    ValueError
        For a backend other than those of :data:`BACKENDS`.
    """
    backend = options.backend or "highs"
    if backend not in RUNNERS:
        raise ValueError(f"unknown MILP backend {backend!r}, expected one of {', '.join(BACKENDS)}")
    run = RUNNERS[backend](lp, options, progress, warm_start=warm_start)
    return SolveStats(
        status=run.status,
        objective=run.objective,
        bound=run.bound,
        wall_time=run.wall_time,
        backend=backend,
        first_solution_time=run.first_solution_time,
        variables=len(lp.variables()),
        constraints=lp.numConstraints(),
    )
