"""Build, solve and decode the roster model with CP-SAT."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from ortools.sat.python import cp_model

from models.roster import RosterResult, RosterSolution
from models.solve import SolveStats, SolveStatus
from solvers.common import Progress, ProgressCallback, SolveOptions
from solvers.cpsat import Reporter, integral, integral_bound, set_native
from solvers.roster.bounds import capacity_bound, count_bound, staff_bound
from solvers.roster.constraints import add_hard_rules, cover_cells
from solvers.roster.decompose import Part, parts, restrict, restrict_solution
from solvers.roster.greedy import construct, weekend_guide
from solvers.roster.lns import evaluate, improve
from solvers.roster.mip import BoundWorker, Relaxation, columns
from solvers.roster.objective import Terms, build_objective
from solvers.roster.symmetry import add_symmetry_breaking, canonical
from solvers.roster.variables import RosterVars, add_variables

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

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


def build(problem: RosterProblem, *, symmetry: bool = True) -> RosterModel:
    """Build the CP-SAT model of ``problem``: variables, hard rules, objective, and (with
    ``symmetry``) the lexicographic order of identical staff (a hint is put in that order by
    :func:`solvers.roster.symmetry.canonical` before it is given).

    Parameters
    ----------
    problem
        The roster problem.
    symmetry
        Order the rows of identical staff (:mod:`solvers.roster.symmetry`). Leave it off when
        a given roster must stay reachable row for row (a roster fixed to be evaluated).

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
    if symmetry:
        add_symmetry_breaking(model, problem, v)
    return RosterModel(model, v, terms)


LNS_SHARE = 0.0
"""Share of the time limit that the large neighbourhood search gets after CP-SAT (see
:func:`solve`)."""


def _apply_options(solver: cp_model.CpSolver, options: SolveOptions) -> None:
    params = solver.parameters
    if options.time_limit is not None:
        params.max_time_in_seconds = float(options.time_limit)
    if options.gap_limit is not None:
        params.relative_gap_limit = float(options.gap_limit)
    if options.abs_gap_limit is not None:
        params.absolute_gap_limit = float(options.abs_gap_limit)
    params.random_seed = int(options.seed)
    # one worker per core when unset (SolveOptions.workers): HiGHS proves the bound beside
    # CP-SAT (solvers.roster.mip), so CP-SAT only has to find rosters, and on 2 cores two
    # workers found better ones than a portfolio of eight sharing them (the example clinic's
    # 6-week roster in 60 s: 6,095 against 7,055, the bound 5,590)
    params.num_workers = int(options.workers)
    set_native(params, options.native)


COMPLETE_HINT_SECONDS = 10.0
"""Seconds, at most, to complete a hint (:func:`_add_hint`)."""


def fix(model: cp_model.CpModel, values: dict[int, int]) -> None:
    """Fix each Boolean of ``model`` named by its proto index in ``values`` to its value: its
    domain [0, 1] becomes [value, value], with no constraint added."""
    variables = model.proto.variables
    for index, value in values.items():
        domain = variables[index].domain
        domain[0] = domain[1] = value


def _add_hint(built: RosterModel, problem: RosterProblem, hint: RosterSolution) -> int | None:
    """Hint every variable of the model from ``hint`` (a warm start or a repair base).

    The roster gives the ``x`` and ``y`` variables; the model's other variables (penalties,
    counts, weekend flags, ...) are completed by solving a copy of the model with ``x`` and
    ``y`` fixed to the roster. CP-SAT takes a complete hint that meets every rule as its
    first solution at once; from ``x`` and ``y`` alone it has to repair the rest by search,
    and on the 600-staff hospital's 211-person part it did not (its first roster after 35 s
    was 25,325 from a hinted one of 9,530; completed, it went on to 2,520 in 40 s). When the
    roster breaks a rule, or the copy is not solved in :data:`COMPLETE_HINT_SECONDS`, only
    ``x`` and ``y`` are hinted.

    Returns the hinted roster's objective when the completion solved it, else None.
    """
    model, v = built.model, built.vars
    values: dict[int, int] = {}
    for s in range(problem.n_staff):
        for d in range(problem.n_days):
            worked = int(hint.shift[s, d])
            for t, var in v.x[s][d].items():
                values[var.index] = int(t == worked)
    for (s, d, t, c), var in v.y.items():
        if var.index not in values:
            values[var.index] = int(hint.shift[s, d] == t and hint.competence[s, d] == c)
    fixed = model.clone()
    fix(fixed, values)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = COMPLETE_HINT_SECONDS
    code = solver.solve(fixed)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        complete = solver.response_proto.solution
        model.proto.solution_hint.vars.extend(range(len(complete)))
        model.proto.solution_hint.values.extend(complete)
        return round(solver.objective_value) if code == cp_model.OPTIMAL else None
    for index, value in values.items():
        model.add_hint(model.get_bool_var_from_proto_index(index), value)
    return None


@dataclass(frozen=True)
class Resolved:
    """A re-solve of a roster from itself (:func:`resolve`)."""

    start: int
    """The objective of the roster it started from."""
    objective: int
    """CP-SAT's objective of ``solution``: at least its true value (a penalty variable found
    at the time limit may carry slack)."""
    solution: RosterSolution
    """The best roster found, ``start``'s own if nothing better."""
    optimal: bool
    wall_time: float


def resolve(
    problem: RosterProblem,
    start: RosterSolution,
    options: SolveOptions,
    pinned: Mapping[tuple[int, int], int] | None = None,
) -> Resolved | None:
    """One CP-SAT solve of ``problem`` from the complete roster ``start`` (the neighbourhood
    solve of :func:`solvers.roster.lns.improve`): one model, its hint completed and valued
    by :func:`_add_hint`, no bound worker, no second evaluation. Each (staff, day) of
    ``pinned`` works the shift given (as ``start`` does). None when ``start`` breaks a hard
    rule or could not be valued."""
    started = time.perf_counter()
    built = build(problem)
    if pinned:
        fix(built.model, {built.vars.x[s][d][t].index: 1 for (s, d), t in pinned.items()})
    start = canonical(problem, start)
    before = _add_hint(built, problem, start)
    if before is None:
        return None
    solver = cp_model.CpSolver()
    if options.time_limit is not None:
        spent = time.perf_counter() - started
        options = replace(options, time_limit=max(0.01, options.time_limit - spent))
    _apply_options(solver, options)
    code = solver.solve(built.model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Resolved(before, before, start, False, time.perf_counter() - started)
    objective = round(solver.objective_value)
    solution = _decode(solver, problem, built.vars) if objective <= before else start
    return Resolved(
        before,
        min(objective, before),
        solution,
        code == cp_model.OPTIMAL,
        time.perf_counter() - started,
    )


def _decode(
    solver: cp_model.CpSolver | cp_model.CpSolverSolutionCallback,
    problem: RosterProblem,
    v: RosterVars,
) -> RosterSolution:
    """The roster of a solve, or of the solution a callback is given."""
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


def _solve_whole(
    problem: RosterProblem,
    options: SolveOptions,
    progress: ProgressCallback | None,
    hint: RosterSolution | None,
    lns: float = 0.0,
    mip: bool = False,
) -> RosterResult:
    """One CP-SAT solve of the whole ``problem``.

    With ``mip``, HiGHS works on the mixed-integer programme of the problem in a thread beside
    CP-SAT (:class:`solvers.roster.mip.BoundWorker`) for the same time: its bound is the
    result's when higher, and CP-SAT stops as soon as its roster meets it. With ``lns > 0``
    and a time limit, CP-SAT gets ``1 - lns`` of the time and the large neighbourhood search
    (:func:`solvers.roster.lns.improve`) the rest, from CP-SAT's roster, unless it is proved
    optimal."""
    started = time.perf_counter()
    built = build(problem)
    if hint is not None:
        _add_hint(built, problem, canonical(problem, hint))
    if options.time_limit is not None:  # building and hinting count against the limit
        spent = time.perf_counter() - started
        options = replace(options, time_limit=max(0.0, options.time_limit - spent))
    solver = cp_model.CpSolver()
    searching = lns > 0 and options.time_limit is not None
    if searching:
        assert options.time_limit is not None
        _apply_options(solver, replace(options, time_limit=options.time_limit * (1 - lns)))
    else:
        _apply_options(solver, options)
    worker: BoundWorker | None = None
    if mip:
        limit = math.inf if options.time_limit is None else float(options.time_limit)
        worker = BoundWorker(problem, limit)
    reporter = Reporter(progress, None if worker is None else worker.current)
    if worker is not None:

        def on_bound(bound: float) -> None:
            if bound >= reporter.best:
                solver.stop_search()

        worker.on_bound = on_bound
        worker.start()
    code = solver.solve(built.model, reporter)
    outside = -math.inf if worker is None else worker.bound
    status = _STATUS.get(code, SolveStatus.NO_SOLUTION)
    if status is SolveStatus.OPTIMAL and worker is not None:
        worker.stop()
        worker = None
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
    if not has_solution:
        if worker is not None:
            outside = worker.stop()
        if outside == math.inf:  # HiGHS proved that no roster exists
            stats = replace(stats, status=SolveStatus.INFEASIBLE)
        return RosterResult(stats=stats, solution=None)
    solution = _decode(solver, problem, built.vars)
    penalties = _term_values(solver, built.terms)
    valued = True
    if status is SolveStatus.FEASIBLE:
        # stopped at a limit, CP-SAT's last roster may carry slack in its penalty variables
        # (an under-cover above the target minus the cover): the roster is valued as it is.
        # The example clinic's 40-person part at 6 s: 4,340 by CP-SAT, 2,945 valued (the
        # under-cover 3,000 against 1,800). Penalties tied as equalities (under = max(0,
        # target - cover), most = max of the counts) searched worse: 2,350 against 2,135.
        exact = evaluate(problem, solution)
        valued = exact is not None  # the model's own roster always meets its rules
        elapsed = time.perf_counter() - started
        if exact is not None and exact[0] < stats.objective:
            stats = replace(stats, objective=float(exact[0]))
            penalties = exact[1]
            if progress is not None:
                progress(Progress(elapsed, stats.objective, stats.bound, reporter.count + 1))
        stats = replace(stats, wall_time=elapsed)
    stats = _with_bound(stats, outside)
    left = 0.0 if options.time_limit is None else options.time_limit - stats.wall_time
    if searching and valued and stats.status is SolveStatus.FEASIBLE and left > 0.5:
        solution, stats, penalties = _search(
            problem, solution, stats, penalties, replace(options, time_limit=left), progress
        )
        # the same roster with identical staff in the order the model asks for, so that it can
        # be given back as a hint row for row
        solution = canonical(problem, solution)
    if worker is not None:
        stats = _with_bound(stats, worker.stop())
        stats = replace(stats, wall_time=time.perf_counter() - started)
    return RosterResult(stats=stats, solution=solution, penalties=penalties)


def _with_bound(stats: SolveStats, bound: float) -> SolveStats:
    """``stats`` with ``bound`` when it is higher, and optimal when the objective meets it."""
    if not bound > stats.bound:
        return stats
    bound = min(bound, stats.objective)  # no higher than a roster, whatever the tolerances
    status = SolveStatus.OPTIMAL if stats.objective <= bound else stats.status
    return replace(stats, bound=bound, status=status)


def _search(
    problem: RosterProblem,
    solution: RosterSolution,
    stats: SolveStats,
    penalties: dict[str, int],
    options: SolveOptions,
    progress: ProgressCallback | None,
    *,
    worker: BoundWorker | None = None,
    until: Callable[[], bool] | None = None,
) -> tuple[RosterSolution, SolveStats, dict[str, int]]:
    """Improve a roster by large neighbourhood search for ``options.time_limit``, until it
    meets ``stats.bound`` or the bound of HiGHS's ``worker``, if one runs, or ``until`` says
    True.

    ``stats.objective`` and ``penalties`` are the roster's own value (:func:`evaluate`). When
    weekends are scarce, a split weekend weighs in the neighbourhoods' solves as in the
    construction (:func:`solvers.roster.greedy.weekend_guide`): on Curtois & Qu's Instance13
    and 19 this gained 4-28 % (``benchmarks/nrp/search.py``); on the 600-staff hospital, whose
    160-person part is built so, the 60 s solve ended at 7,155, 7,100 and 6,920 (seeds 0-2)
    against 7,185, 7,075 and 6,925 without, the same within the spread of runs."""
    started = time.perf_counter()
    assert options.time_limit is not None
    offset = stats.wall_time
    last = [stats.objective, 0.0]  # objective and count of the last report

    def report(p: Progress) -> None:
        last[:] = [p.objective, p.solutions]
        if progress is not None:
            progress(
                Progress(offset + p.elapsed, p.objective, max(stats.bound, p.bound), p.solutions)
            )

    left = options.time_limit - (time.perf_counter() - started)
    known = stats.bound

    def bound() -> float:
        return known if worker is None else max(known, worker.current())

    start = int(stats.objective)
    found = improve(
        problem,
        solution,
        left,
        options,
        report,
        objective=start,
        bound=bound,
        split_weekend=weekend_guide(problem),
        until=until,
    )
    if found.objective < start:
        better = evaluate(problem, found.solution)
        if better is not None:
            solution, penalties = found.solution, better[1]
    objective = float(sum(penalties.values()))
    if progress is not None and objective != last[0]:  # the last report was not this value
        elapsed = offset + time.perf_counter() - started
        progress(Progress(elapsed, objective, stats.bound, int(last[1]) + 1))
    stats = replace(
        stats,
        status=SolveStatus.OPTIMAL if objective <= stats.bound else SolveStatus.FEASIBLE,
        objective=objective,
        wall_time=stats.wall_time + time.perf_counter() - started,
    )
    return solution, stats, penalties


FIRST_TRY_SECONDS = 2.0
"""Seconds a part's first roster is looked for by CP-SAT without presolve before it is built a
person at a time (:func:`_quick_roster`). The example clinic's parts had theirs in 1.4 s at
most; the hospital's parts of 110 to 211 people had none in 5 s."""


QUICK_TRY_LIMIT = 3_000
"""Staff x days above which a part to be built a person at a time (:data:`BUILD_LIMIT`) gets
no quick CP-SAT try first: the 600-staff hospital's parts of 110 x 42 = 4,620 and more had no
roster from CP-SAT in 2 s, of which building the model of the two largest took 1.6 s."""


BUILD_LIMIT = 1_200
"""Staff x days above which a part's first roster is built a person at a time (unless a hint
is given) and the part is improved by the neighbourhood search alone. The example clinic's
parts of 40 and 49 people (1,680 and 2,058) had a roster from CP-SAT in 1-2 s, but a poor one
(17,485 and 24,530), and 12 s of CP-SAT from it reached 3,035 and 10,900; built a person at a
time they were 1,665 and 17,245 after 5-6 s, and 12 s of the search from there reached 960 and
3,830 (25 s, another seed: 1,020 and 3,715 against 1,160 and 3,870). Its part of 22 people
(924) CP-SAT proves optimal in 3 s."""


def _first_only(options: SolveOptions) -> dict[str, object]:
    """The native CP-SAT parameters of ``options``, stopped at the first solution."""
    return {**options.native, "stop_after_first_solution": True}


def _quick_roster(
    problem: RosterProblem,
    options: SolveOptions,
    hint: RosterSolution | None,
    left: float | None,
) -> tuple[RosterResult, bool]:
    """CP-SAT's quick first roster of ``problem``, and whether the part is to be built a
    person at a time (:func:`_first_roster`).

    CP-SAT without presolve, stopped at its first solution, tries for up to
    :data:`FIRST_TRY_SECONDS` (from ``hint`` if given: a complete hint is a roster at once). A
    part above :data:`BUILD_LIMIT` with no hint is to be built; above :data:`QUICK_TRY_LIMIT`
    such a part is not tried (the result has no roster)."""
    quick = replace(options, native={"cp_model_presolve": False, **_first_only(options)})
    if left is None:
        return _solve_whole(problem, quick, None, hint), False
    size = problem.n_staff * problem.n_days
    build = size > BUILD_LIMIT and hint is None and "cp_model_presolve" not in options.native
    if build and size > QUICK_TRY_LIMIT:
        stats = SolveStats(SolveStatus.NO_SOLUTION, math.inf, -math.inf, 0.0, BACKEND)
        return RosterResult(stats=stats, solution=None), build
    return _solve_whole(
        problem, replace(quick, time_limit=min(left, FIRST_TRY_SECONDS)), None, hint
    ), build


def _first_roster(
    problem: RosterProblem,
    options: SolveOptions,
    hint: RosterSolution | None,
    left: float | None,
    share: float | None,
    quick: tuple[RosterResult, bool],
) -> tuple[RosterResult, bool]:
    """A first roster of ``problem`` within ``left`` seconds, and whether the part is to be
    improved by the neighbourhood search alone.

    ``quick`` is CP-SAT's quick roster and whether the part is to be built
    (:func:`_quick_roster`). A part above :data:`BUILD_LIMIT` with no hint is then also built a
    person at a time (:func:`solvers.roster.greedy.construct`), the cheaper of the two rosters
    is its first, and the search alone improves it; CP-SAT's roster is what is left when time
    runs out while building (which then stops after ``share`` seconds, so that the parts after
    this one keep their time). When neither gives a roster (the building breaks a hard rule or
    fails), CP-SAT with presolve, from the built roster as a hint when there is one.

    Presolve took most of the time to the first roster of the clinic's nurses (6.8 s against
    1.9 s without), but without it the 211-person part of the 600-staff hospital had no roster
    after 60 s; with it the first came after 26 s, and built a person at a time after 7 s.
    """
    started = time.perf_counter()
    result, build = quick
    if left is None:
        return result, False
    has_roster = result.solution is not None
    if (
        (has_roster and not build)
        or result.stats.status is SolveStatus.INFEASIBLE
        or "cp_model_presolve" in options.native
        or left - (time.perf_counter() - started) < 0.5
    ):
        return result, has_roster and build
    building = left - (time.perf_counter() - started)
    if has_roster and share is not None:
        building = min(building, share - (time.perf_counter() - started))
    built = construct(problem, building, replace(options, native={}))
    if built is not None:
        evaluated = evaluate(problem, built)
        spent = time.perf_counter() - started
        if evaluated is not None and (not has_roster or evaluated[0] <= result.stats.objective):
            # no penalty weight is negative (RosterProblem checks): 0 bounds the built roster
            # until CP-SAT has one, so a part that gets no time for it leaves the whole bounded
            stats = replace(
                result.stats,
                status=SolveStatus.FEASIBLE,
                objective=float(evaluated[0]),
                bound=max(0.0, result.stats.bound),
                wall_time=spent,
                first_solution_time=spent,
            )
            return RosterResult(stats=stats, solution=built, penalties=evaluated[1]), True
        hint = built
    spent = time.perf_counter() - started
    # CP-SAT's quick roster is the cheaper, or the only one in time; or no time is left
    if has_roster or left - spent < 0.5:
        return replace(result, stats=replace(result.stats, wall_time=spent)), has_roster
    retry = _solve_whole(
        problem, replace(options, native=_first_only(options), time_limit=left - spent), None, hint
    )
    stats = replace(retry.stats, wall_time=spent + retry.stats.wall_time)
    return replace(retry, stats=stats), False


def _search_alone(
    problem: RosterProblem,
    start: RosterResult,
    options: SolveOptions,
    progress: ProgressCallback | None,
    worker: BoundWorker | None,
    until: Callable[[], bool] | None = None,
) -> RosterResult:
    """Improve a part's first roster by the neighbourhood search alone, one worker a
    neighbourhood, with HiGHS's ``worker`` (if any) beside it for the bound; it is stopped at
    the end, or when ``until`` says True.

    Such a part had no first roster from CP-SAT in :data:`FIRST_TRY_SECONDS`, or is above
    :data:`BUILD_LIMIT` (see there), and from a built roster CP-SAT hardly moves: on the
    600-staff hospital's parts of 110, 160 and 211 people, 13 s of CP-SAT took the built
    rosters of 2,395, 16,205 and 9,530 to 1,650, 15,145 and 6,545, and 13 s of this search to
    1,480 (HiGHS's bound), 6,310 and 4,155."""
    assert start.solution is not None
    assert options.time_limit is not None
    started = time.perf_counter()
    stats = replace(start.stats, wall_time=0.0)
    solution, stats, penalties = _search(
        problem,
        start.solution,
        stats,
        start.penalties,
        replace(options, num_workers=1),
        progress,
        worker=worker,
        until=until,
    )
    if worker is not None:
        stats = _with_bound(stats, worker.stop())
    stats = replace(stats, wall_time=time.perf_counter() - started)
    return RosterResult(stats=stats, solution=solution, penalties=penalties)


GUIDE_COLUMNS = (4_000, 15_000)
"""A part built a person at a time whose programme has more shift and competence columns than
the first and at most the second (:func:`solvers.roster.mip.columns`) is improved by
:func:`_guided`, not by the search alone: the example clinic's parts of 40 and 49 people
(6,925 and 12,870 columns), whose relaxation by interior point takes 1.7 and 2.2 s. The
600-staff hospital's parts of 160 and 211 people (18,783 and 43,278) are above: guided too,
the hospital's minute ended at 24,000 and 20,190 (seeds 0 and 1), CP-SAT on such a part from
the relaxation's rounding being far from the search's rosters. Its parts of 32, 48 and 110
people (848 to 2,895) are below: HiGHS's branch and bound beside the search proves them, and
the time they do not need goes on to the large parts. Guided (by the cells that a vertex of
the relaxation works in full, fixed, the first form of :func:`_guided`), the hospital's minute
ended at 7,005, 7,210 and 7,200 (seeds 0-2), and with branch and bound after the guided solve
at 7,050, 7,180 and 7,185, against 6,950-7,125 without."""

GUIDE_SHARE = 0.5
"""Share of a part's own time within which its linear relaxation, if not yet solved, is to be
solved for :func:`_guided`; the search alone goes on when it is not."""


def _guided(
    problem: RosterProblem,
    start: RosterResult,
    options: SolveOptions,
    progress: ProgressCallback | None,
    relaxation: Relaxation,
) -> RosterResult:
    """Improve a part's first roster guided by the linear relaxation of its programme.

    HiGHS solves the relaxation with every rule by interior point in a thread of its own
    (``relaxation``, :class:`solvers.roster.mip.Relaxation`, started when the part's first
    rosters were, :func:`_solve_parts`). While it is not solved, for up to :data:`GUIDE_SHARE`
    of the time, the neighbourhood search improves the roster with one worker. Then CP-SAT
    solves the part with each person working at least the night shifts the relaxation gives
    them (rounded down), hinted with its roster rounded, with every worker, for the rest of the
    time or until its roster meets the relaxation's bound (:func:`_guided_solve`). The better
    roster is kept, and the search goes on from it for the time CP-SAT leaves, with HiGHS's
    branch and bound beside for the bound. Until then the relaxation's value is the part's
    bound. When the relaxation is not solved in its time, the search goes on as
    :func:`_search_alone` would.

    On the example clinic's parts the staff must work more minutes than the cover wants, so
    every roster is over the cover, and a night (570 minutes) spends more of a person's minutes
    per shift over than a day (480). The relaxation of the 40-person part works 249 nights
    (91 wanted) and is over by 158 shifts (789); the search's rosters work 140-160 nights and
    move towards more only slowly (875 after 300 s, with 238). Alone on a part, 1.7 s of
    relaxation and 20 s of CP-SAT held to its nights gave 885 and 855 (seeds 0 and 1; 880
    after 14 s), against 945, 910 and 960 from 25 s of the search (seeds 0-2); the 49-person
    part, 22 s of CP-SAT, 3,635 (and 3,650 from the relaxation without the rules on the order
    of the days) against 3,670, 3,680 and 3,660 from 30 s of the search. Measured and left out,
    alone on the parts:

    - each person held to at least the relaxation's count of every shift type, not only
      nights: 920 and 890 on the 40-person part (14 s);
    - the cells that a vertex of the relaxation (simplex, 10.5 and 7.6 s) works in full
      fixed, hinted with its rounding: 880-900 in 14 s, 3,620-3,645 in 22 s, with the slower
      relaxation (in the clinic's minute, 5,755-5,775 against 5,735-5,765; in ``make run``'s
      30 s, 5,700-5,750 against 5,665-5,760, median 5,685, the relaxation at times not in
      time);
    - the same from an interior point: no cell in full (hinted alone, 930-950), with
      crossover 54 (940);
    - fixed where the search's roster agrees with the relaxation's integral values: 935 from
      985 in 15 s on the 40-person part, nothing on the 49-person part."""
    assert start.solution is not None
    assert options.time_limit is not None
    started = time.perf_counter()
    limit = options.time_limit

    def left() -> float:
        return limit - (time.perf_counter() - started)

    first = replace(options, time_limit=GUIDE_SHARE * limit)
    searched = _search_alone(
        problem, start, first, progress, relaxation, lambda: relaxation.finished
    )
    assert searched.solution is not None
    solution, stats, penalties = searched.solution, searched.stats, searched.penalties
    nights, rounded = relaxation.nights, relaxation.rounded
    if nights is not None and rounded is not None and stats.status is not SolveStatus.OPTIMAL:
        offset = time.perf_counter() - started
        best = [stats.objective]

        def report(p: Progress) -> None:  # CP-SAT's bound is of the model held to the nights
            if progress is not None and p.objective < best[0]:
                best[0] = p.objective
                progress(Progress(offset + p.elapsed, p.objective, stats.bound, p.solutions))

        found = _guided_solve(
            problem, nights, rounded, replace(options, time_limit=max(0.01, left())), report,
            stats.bound,
        )  # fmt: skip
        if found is not None and found[1][0] < stats.objective:
            solution, (value, penalties) = found
            optimal = value <= stats.bound
            stats = replace(
                stats,
                objective=float(value),
                status=SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE,
            )
    stats = replace(stats, wall_time=time.perf_counter() - started)
    if stats.status is not SolveStatus.OPTIMAL and stats.objective > stats.bound and left() > 0.5:
        # HiGHS's branch and bound beside, which may prove the roster optimal; when the
        # relaxation was not solved in time, the one without the rules on the order of the days
        # first, by interior point, for a bound in seconds (as beside the search alone)
        worker = BoundWorker(problem, left(), linear_first=nights is None).start()
        offset = time.perf_counter() - started

        def later(p: Progress) -> None:
            if progress is not None:
                progress(replace(p, elapsed=offset + p.elapsed))

        so_far = RosterResult(stats=stats, solution=solution, penalties=penalties)
        rest = replace(options, time_limit=left())
        searched = _search_alone(problem, so_far, rest, later, worker)
        assert searched.solution is not None
        solution, stats, penalties = searched.solution, searched.stats, searched.penalties
    stats = replace(stats, wall_time=time.perf_counter() - started)
    return RosterResult(stats=stats, solution=solution, penalties=penalties)


def _guided_solve(
    problem: RosterProblem,
    nights: np.ndarray,
    rounded: np.ndarray,
    options: SolveOptions,
    progress: ProgressCallback | None,
    bound: float,
) -> tuple[RosterSolution, tuple[int, dict[str, int]]] | None:
    """CP-SAT on ``problem`` with each person working at least their ``nights`` night shifts,
    hinted with ``rounded`` (the shift of each staff and day, or -1), stopped when its roster
    meets ``bound``: the roster and its value (:func:`evaluate`), or None when it has none. No
    symmetry breaking: the order of identical staff could contradict their nights."""
    built = build(problem, symmetry=False)
    v = built.vars
    for s in range(problem.n_staff):
        worked = [var for row in v.x[s] for t, var in row.items() if problem.shift_night[t]]
        if worked and nights[s] > 0:
            built.model.add(sum(worked) >= int(nights[s]))
        for d in range(problem.n_days):
            for t, var in v.x[s][d].items():
                built.model.add_hint(var, int(rounded[s, d] == t))
    solver = cp_model.CpSolver()
    _apply_options(solver, options)
    code = solver.solve(built.model, Reporter(progress, lambda: bound))
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    solution = _decode(solver, problem, v)
    value = evaluate(problem, solution)
    return None if value is None else (solution, value)


PART_COUNT_SECONDS = 0.2
"""HiGHS's time for each part's :func:`solvers.roster.bounds.count_bound`, computed once the
parts are built: the clinic's parts of 49 and 40 people have 3,577 and 802 after 0.2 s, as
after 20 s. In a thread beside the building (0.5 s each), ``make run``'s 30 s chain ended
5,915, 5,720 and 6,130, one to four shifts short beyond what every roster is, against 5,680-5,765
without the counts; computed so, 5,775, 5,775 and 5,745 (bound 5,444 against 5,419)."""

PART_SECONDS = 2.0
"""Seconds each part gets at least (if there are that many left) to improve its first roster:
in proportion to its size alone, a part of three people could get too little to be proved."""


def _solve_parts(
    problem: RosterProblem,
    pieces: list[Part],
    options: SolveOptions,
    progress: ProgressCallback | None,
    hint: RosterSolution | None,
    lns: float = 0.0,
    mip: bool = False,
) -> RosterResult:
    """Solve independent parts and join them, in two rounds.

    First every part gets a first roster, smallest part first: CP-SAT's quick roster of every
    part (:func:`_quick_roster`), which is a complete roster after seconds when each part has
    one, then the large parts' built a person at a time (:func:`_first_roster`). Then each part
    not yet proven optimal is improved from its first roster for a share of the time left in
    proportion to its staff, smallest first, so time a small part does not need flows on to the
    big ones: by CP-SAT from the roster as a hint, then the neighbourhood search for the ``lns``
    share of that time; or, for a part whose first roster was built a person at a time (or above
    :data:`BUILD_LIMIT`), by the neighbourhood search alone (:func:`_search_alone`).

    The share goes by staff, not by (staff, day, shift) cells: a part of people who work few
    shift types has few cells but no fewer days to roster. On the 600-staff hospital the part of
    110 people, whose cells are few, got 2.4 s by cells and ended 500 above its optimum, which
    CP-SAT proves in about 3 s. At 60 s on 2 cores, seeds 0, 1 and 2 in one hour, by staff
    against by cells: the hospital 7,660, 7,530 and 7,430 against 7,615, 8,170 and 7,905; the
    example clinic 5,965, 5,995 and 6,050 against 5,960, 6,080 and 6,160.
    """
    started = time.perf_counter()
    sizes = [max(1, len(p.staff)) for p in pieces]
    order = sorted(range(len(pieces)), key=lambda i: (sizes[i], i))
    subs = [restrict(problem, piece) for piece in pieces]
    results: dict[int, RosterResult] = {}
    alone: set[int] = set()  # parts to be improved by the search alone (built ones)
    variables = constraints = 0

    def left() -> float | None:
        if options.time_limit is None:
            return None
        return max(0.0, options.time_limit - (time.perf_counter() - started))

    hints = [None if hint is None else restrict_solution(hint, piece) for piece in pieces]
    # CP-SAT's quick rosters of every part first: a complete roster after seconds, before the
    # large parts are built (the clinic's: after 1-2 s, where building its parts of 40 and 49
    # people takes 3-4 s each)
    quick: dict[int, tuple[RosterResult, bool]] = {}
    for i in order:
        quick[i] = _quick_roster(subs[i], options, hints[i], left())
        if quick[i][0].stats.status is SolveStatus.INFEASIBLE:
            break  # no roster of the whole: the round below ends at this part
    first: float | None = None
    if len(quick) == len(order) and all(q.solution is not None for q, _ in quick.values()):
        first = time.perf_counter() - started
        if progress is not None:
            total = sum(q.stats.objective for q, _ in quick.values())
            low = sum(max(q.stats.bound, capacity_bound(subs[i])) for i, (q, _) in quick.items())
            progress(Progress(first, total, low, len(pieces)))
    # the linear relaxations of the parts to be built and guided (_guided), one after the
    # other in the order of the parts, beside the building, which takes one core
    relaxations: dict[int, Relaxation] = {}
    if mip and options.time_limit is not None:
        previous = None
        for i in order:
            if (
                i in quick
                and quick[i][1]
                and GUIDE_COLUMNS[0] < columns(subs[i]) <= GUIDE_COLUMNS[1]
            ):
                relaxation = Relaxation(subs[i], options.time_limit, after=previous)
                previous = relaxations[i] = relaxation.start()
    waiting = sum(sizes)
    for i in order:
        remaining = left()
        share = None if remaining is None else remaining * sizes[i] / waiting
        waiting -= sizes[i]
        result, search_alone = _first_roster(subs[i], options, hints[i], remaining, share, quick[i])
        if search_alone:
            alone.add(i)
        variables += result.stats.variables
        constraints += result.stats.constraints
        if result.solution is None:
            for waiting_part in relaxations.values():
                waiting_part.stop()
            stats = replace(
                result.stats,
                wall_time=time.perf_counter() - started,
                variables=variables,
                constraints=constraints,
            )
            return RosterResult(stats=stats, solution=None)
        results[i] = result
    built = time.perf_counter() - started
    best = {i: r.stats.objective for i, r in results.items()}
    # what the staff's limits force bounds each part from the start, so a part that no HiGHS
    # bound reaches in its time still adds its own (the clinic's anaesthesia nurses: 2,800)
    bounds = {i: max(r.stats.bound, float(capacity_bound(subs[i]))) for i, r in results.items()}
    if mip:  # and the counts, for the parts their rosters do not meet yet
        for i, r in results.items():
            if r.stats.status is not SolveStatus.OPTIMAL and bounds[i] < r.stats.objective:
                bounds[i] = max(bounds[i], float(count_bound(subs[i], PART_COUNT_SECONDS)))
    if progress is not None:
        progress(Progress(built, sum(best.values()), sum(bounds.values()), len(pieces)))
    if first is None:
        first = built

    open_parts = [
        i
        for i in order
        if results[i].stats.status is not SolveStatus.OPTIMAL and bounds[i] < best[i]
    ]
    size_left = sum(sizes[i] for i in open_parts)
    # HiGHS on the largest part built a person at a time from the start of this round: its
    # relaxation takes the longest, and the part comes last (the 600-staff hospital's
    # 211-person part needs 8 s and more of interior point beside the search, and in some runs
    # had no bound within its own share of the time)
    ahead: dict[int, BoundWorker] = {}
    remaining = left()
    largest = [i for i in open_parts if i in alone and i not in relaxations]
    if mip and remaining is not None and largest:
        ahead[largest[-1]] = BoundWorker(subs[largest[-1]], remaining, linear_first=True).start()
    for i in open_parts:
        remaining = left()
        limit = None
        if remaining is not None:
            # a small part often needs a second or two to be proved, whatever its share
            limit = min(remaining, max(PART_SECONDS, remaining * sizes[i] / size_left))
        size_left -= sizes[i]
        if limit is not None and limit < 0.1:
            continue
        offset = time.perf_counter() - started

        def report(p: Progress, i: int = i, offset: float = offset) -> None:
            if progress is not None:
                others = sum(v for j, v in best.items() if j != i)
                other_bounds = sum(v for j, v in bounds.items() if j != i)  # -inf - -inf is nan
                progress(
                    Progress(
                        offset + p.elapsed,
                        others + p.objective,
                        other_bounds + max(p.bound, bounds[i]),
                        p.solutions,
                    )
                )

        own = replace(options, time_limit=limit)
        if i in alone and limit is not None and i in relaxations:
            improved = _guided(subs[i], results[i], own, report, relaxations.pop(i))
        elif i in alone and limit is not None:
            beside = ahead.pop(i) if i in ahead else None
            if beside is None and mip:
                beside = BoundWorker(subs[i], limit, linear_first=True).start()
            improved = _search_alone(subs[i], results[i], own, report, beside)
        else:
            improved = _solve_whole(subs[i], own, report, results[i].solution, lns, mip)
        if improved.solution is not None and improved.stats.objective <= best[i]:
            results[i] = improved
            best[i] = improved.stats.objective
        bounds[i] = max(bounds[i], improved.stats.bound)
    for i, worker in [*ahead.items(), *relaxations.items()]:  # their parts were not improved
        bounds[i] = max(bounds[i], worker.stop())

    shift = np.full((problem.n_staff, problem.n_days), -1, dtype=np.int64)
    competence = np.full_like(shift, -1)
    penalties: dict[str, int] = {}
    for i, result in results.items():
        piece, solution = pieces[i], result.solution
        assert solution is not None
        shift[piece.staff] = solution.shift
        local = solution.competence
        competence[piece.staff] = np.where(local >= 0, piece.competences[np.maximum(local, 0)], -1)
        for name, value in result.penalties.items():
            penalties[name] = penalties.get(name, 0) + value
    objective = sum(best.values())
    bound = sum(bounds.values())
    optimal = all(
        r.stats.status is SolveStatus.OPTIMAL or bounds[i] >= best[i] for i, r in results.items()
    )
    stats = SolveStats(
        status=SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE,
        objective=objective,
        bound=bound,
        wall_time=time.perf_counter() - started,
        backend=BACKEND,
        first_solution_time=first,
        variables=variables,
        constraints=constraints,
    )
    return RosterResult(
        stats=stats, solution=RosterSolution(shift, competence), penalties=penalties
    )


def solve(
    problem: RosterProblem,
    options: SolveOptions | None = None,
    progress: ProgressCallback | None = None,
    hint: RosterSolution | None = None,
    *,
    decompose: bool = True,
    lns: float | None = None,
    mip: bool = True,
) -> RosterResult:
    """Solve a roster problem with CP-SAT, HiGHS for the bound beside it, and (optionally)
    large neighbourhood search.

    Independent parts (:mod:`solvers.roster.decompose`) are solved one after the other and
    joined, which is exact: the objective is their sum. The bound is the better of CP-SAT's
    and HiGHS's on the mixed-integer programme of the same rules (:mod:`solvers.roster.mip`).

    Parameters
    ----------
    problem
        The roster problem.
    options
        Time limit (for all parts together), gap limits (``relative_gap_limit`` and
        ``absolute_gap_limit``, per part), seed (``random_seed``), workers (``num_workers``)
        and native CP-SAT parameters (set on ``solver.parameters``).
    progress
        Called with each new incumbent: objective, bound, time, count. With several parts,
        first once every part has a roster, then with each improvement of a part (the
        objective and bound of the whole roster).
    hint
        A roster to start from (every variable is hinted).
    decompose
        Solve independent parts apart (default) or the whole model at once.
    lns
        Share of the time limit (of each part) left to the large neighbourhood search
        (:mod:`solvers.roster.lns`) after CP-SAT's own search, when CP-SAT has not proved its
        roster optimal; None for :data:`LNS_SHARE`, 0 for CP-SAT alone. Without a time limit
        there is no search. A part whose first roster was built a person at a time is
        improved by the search alone, whatever the share.
    mip
        Run HiGHS beside CP-SAT (:class:`solvers.roster.mip.BoundWorker`) for a bound, and
        stop when the roster meets it. Off for the many small solves of a neighbourhood search.

    Returns
    -------
    RosterResult
        Status, objective, bound, gap, times, model size, the roster if one was found and the
        value of each penalty term. Infeasible or out of time is a status, not an exception.
        ``first_solution_time`` is when the first complete roster existed.
    """
    options = options or SolveOptions()
    share = LNS_SHARE if lns is None else lns
    if not 0 <= share < 1:
        raise ValueError(f"lns must be a share of the time in [0, 1), got {lns}")
    pieces = parts(problem) if decompose else []
    if len(pieces) <= 1:
        result = _solve_whole(problem, options, progress, hint, share, mip)
    else:
        result = _solve_parts(problem, pieces, options, progress, hint, share, mip)
    if result.stats.status.has_solution:  # what the staff's limits force short bounds it too
        # (each part's counts are in the parts' bounds already; the construction's solves of
        # one person each, without HiGHS, do not count)
        whole = mip and result.stats.status is SolveStatus.FEASIBLE and len(pieces) <= 1
        floor = staff_bound(problem, PART_COUNT_SECONDS) if whole else capacity_bound(problem)
        result = replace(result, stats=_with_bound(result.stats, float(floor)))
    return result
