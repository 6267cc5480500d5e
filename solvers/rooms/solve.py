"""Build, solve and decode the room model with CP-SAT."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from ortools.sat.python import cp_model

from models.rooms import RoomResult, RoomSolution
from models.solve import SolveStats, SolveStatus
from solvers.common import Progress, ProgressCallback, SolveOptions
from solvers.cpsat import Reporter, integral, integral_bound, set_native
from solvers.rooms.constraints import add_hard_rules
from solvers.rooms.greedy import iterated_greedy
from solvers.rooms.objective import Terms, build_objective, evaluate
from solvers.rooms.variables import RoomVars, add_variables

if TYPE_CHECKING:
    from models.rooms import RoomProblem

BACKEND = "cp-sat"

_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
    cp_model.MODEL_INVALID: SolveStatus.INVALID,
    cp_model.UNKNOWN: SolveStatus.NO_SOLUTION,
}


@dataclass
class RoomModel:
    """A built CP-SAT model with its variables and named penalty terms."""

    model: cp_model.CpModel
    vars: RoomVars
    terms: Terms


def build(problem: RoomProblem) -> RoomModel:
    """Build the CP-SAT model of ``problem``: variables, hard rules, objective.

    Parameters
    ----------
    problem
        The room problem of one day.

    Returns
    -------
    RoomModel
        The model, its variables and its penalty terms by name.
    """
    model = cp_model.CpModel()
    v = add_variables(model, problem)
    add_hard_rules(model, problem, v)
    terms = build_objective(model, problem, v)
    return RoomModel(model, v, terms)


START_SHARE = 0.4
"""Share of the time limit spent on greedy starts (:func:`solvers.rooms.greedy.iterated_greedy`)
before CP-SAT: on a full day the greedy orders place more than CP-SAT finds in the same time,
and CP-SAT still gets the rest to improve the best start and raise the bound."""
START_SECONDS = 2.0
"""Time for greedy starts when there is no time limit."""

DEFAULT_WORKERS = 2
"""CP-SAT workers when the options leave them unset: a day's schedule is small, and the
machines it runs on are shared."""


def _apply_options(solver: cp_model.CpSolver, options: SolveOptions) -> None:
    params = solver.parameters
    if options.time_limit is not None:
        params.max_time_in_seconds = float(options.time_limit)
    if options.gap_limit is not None:
        params.relative_gap_limit = float(options.gap_limit)
    if options.abs_gap_limit is not None:
        params.absolute_gap_limit = float(options.abs_gap_limit)
    params.random_seed = int(options.seed)
    params.num_workers = (
        int(options.num_workers) if options.num_workers is not None else DEFAULT_WORKERS
    )
    # Presolve takes seconds on a full day's model (probing most) and finds little the model
    # does not state: on the example clinic's busiest day (298 activities, 2 loaded cores)
    # CP-SAT without it loads the greedy start and returns a bound within 10 s, with it
    # neither. Both can be turned back on through ``native``.
    params.cp_model_presolve = False
    params.cp_model_probing_level = 0
    set_native(params, options.native)


def _add_hint(built: RoomModel, problem: RoomProblem, hint: RoomSolution) -> None:
    """Hint presence, start, room and team from ``hint`` (a warm start or a published
    schedule)."""
    model, v = built.model, built.vars
    team = {
        (int(a), int(c), int(s))
        for a, c, s in zip(
            hint.team_activity.tolist(),
            hint.team_competence.tolist(),
            hint.team_staff.tolist(),
            strict=True,
        )
    }
    for a in range(problem.n_activities):
        room, start = int(hint.room[a]), int(hint.start[a])
        placed = room >= 0 and room in v.room[a]
        model.add_hint(v.present[a], placed)
        low, high = v.start_range[a]
        if placed and low <= start <= high:
            model.add_hint(v.start[a], start)
        for r, literal in v.room[a].items():
            model.add_hint(literal, placed and r == room)
    for key, literal in v.team.items():
        model.add_hint(literal, key in team)


def _decode(solver: cp_model.CpSolver, problem: RoomProblem, v: RoomVars) -> RoomSolution:
    room = np.full(problem.n_activities, -1, dtype=np.int64)
    start = np.full(problem.n_activities, -1, dtype=np.int64)
    for a in range(problem.n_activities):
        if not solver.boolean_value(v.present[a]):
            continue
        start[a] = solver.value(v.start[a])
        for r, literal in v.room[a].items():
            if solver.boolean_value(literal):
                room[a] = r
    team = sorted(
        key
        for key, literal in v.team.items()
        if room[key[0]] >= 0 and solver.boolean_value(literal)
    )
    return RoomSolution(
        room=room,
        start=start,
        team_activity=np.array([a for a, _, _ in team], dtype=np.int64),
        team_competence=np.array([c for _, c, _ in team], dtype=np.int64),
        team_staff=np.array([s for _, _, s in team], dtype=np.int64),
    )


def _term_values(solver: cp_model.CpSolver, terms: Terms) -> dict[str, int]:
    return {
        name: int(sum(weight * solver.value(expr) for weight, expr in parts))
        for name, parts in terms.items()
    }


def solve(
    problem: RoomProblem,
    options: SolveOptions | None = None,
    progress: ProgressCallback | None = None,
    hint: RoomSolution | None = None,
) -> RoomResult:
    """Solve a room problem with CP-SAT.

    Parameters
    ----------
    problem
        The room problem of one day.
    options
        Time limit, gap limits (relative and absolute), seed (``random_seed``), workers
        (``num_workers``, 2 when unset) and native CP-SAT parameters (set on
        ``solver.parameters``).
    progress
        Called with each new incumbent: objective, bound, time, count.
    hint
        A schedule to start from; without one, :func:`solvers.rooms.greedy.iterated_greedy`
        builds one in ``START_SHARE`` of the time limit (published activities first, at their
        published room and start where they still fit).

    Returns
    -------
    RoomResult
        Status, objective, bound, gap, times, model size, the schedule if one was found and
        the value of each penalty term. Out of time is a status, not an exception. (Every
        activity may stay unplaced, so a problem is never infeasible.) Without a ``hint``
        the greedy start is the first schedule (``first_solution_time`` is when it was
        ready, and it is reported to ``progress``); it is returned when CP-SAT finds nothing
        better in the time limit.
    """
    options = options or SolveOptions()
    started = time.perf_counter()
    start: RoomSolution | None = None
    start_terms: dict[str, int] = {}
    start_time: float | None = None
    if hint is None:
        budget = START_SHARE * options.time_limit if options.time_limit else START_SECONDS
        starts = 0

        def improved(_: RoomSolution, value: float) -> None:
            nonlocal start_time, starts
            elapsed = time.perf_counter() - started
            start_time = elapsed if start_time is None else start_time
            starts += 1
            if progress is not None:
                progress(Progress(elapsed, value, 0.0, starts))

        hint = start = iterated_greedy(
            problem,
            budget,
            options.seed,
            lambda s: float(sum(evaluate(problem, s).values())),
            improved,
        )
        start_terms = evaluate(problem, start)
    built = build(problem)
    _add_hint(built, problem, hint)
    solver = cp_model.CpSolver()
    if options.time_limit is not None:  # the time limit holds for the starts and CP-SAT together
        left = options.time_limit - (time.perf_counter() - started)
        options = replace(options, time_limit=max(0.05, left))
    _apply_options(solver, options)
    reporter = Reporter(progress)
    code = solver.solve(built.model, reporter)
    status = _STATUS.get(code, SolveStatus.NO_SOLUTION)
    has_solution = status.has_solution
    proto = built.model.proto
    stats = SolveStats(
        status=status,
        objective=integral(solver.objective_value) if has_solution else math.inf,
        bound=integral_bound(solver.best_objective_bound) if has_solution else -math.inf,
        wall_time=time.perf_counter() - started,
        backend=BACKEND,
        first_solution_time=reporter.first,
        variables=len(proto.variables),
        constraints=len(proto.constraints),
    )
    if start is not None and (
        not has_solution or solver.objective_value > sum(start_terms.values()) + 0.5
    ):
        # CP-SAT found nothing better than the greedy start in its time: keep the start
        proven = has_solution or status is SolveStatus.NO_SOLUTION
        stats = replace(
            stats,
            status=SolveStatus.FEASIBLE if proven else status,
            objective=float(sum(start_terms.values())),
            bound=max(0.0, stats.bound) if has_solution else 0.0,
            first_solution_time=start_time,
        )
        return RoomResult(stats=stats, solution=start, penalties=start_terms)
    if start_time is not None:
        stats = replace(stats, first_solution_time=start_time)
    if not has_solution:
        return RoomResult(stats=stats, solution=None)
    return RoomResult(
        stats=stats,
        solution=_decode(solver, problem, built.vars),
        penalties=_term_values(solver, built.terms),
    )
