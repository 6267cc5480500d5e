"""The roster model's stronger formulations and its search: the run rules with the day counts,
symmetry breaking between identical staff, and the large neighbourhood search.

Every optimum is compared with brute force judged by the independent checker
(engine.check.roster); the neighbourhood sub-problems are checked for exactness with it too.
"""

from __future__ import annotations

import importlib
import itertools
import math
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from engine.check.roster import check_roster
from models.roster import RosterProblem, RosterSolution, roster_problem
from models.solve import SolveStatus
from solvers.common import SolveOptions
from solvers.roster import solve
from solvers.roster.lns import (
    _choose,
    _odds,
    _Record,
    _short_cells,
    _short_lead,
    improve,
    neighbourhood,
    subproblem,
    trimmed,
    value_of,
)
from solvers.roster.mip import BoundWorker, mip_bound
from solvers.roster.solve import build, fix, resolve
from solvers.roster.symmetry import identical_staff

pytestmark = pytest.mark.solver

ONE_WORKER = SolveOptions(num_workers=1, seed=0, time_limit=20)


def _best_by_brute_force(problem: RosterProblem) -> int | None:
    """The optimum over every roster of a one-competence problem, by the checker."""
    choices = [-1, *range(problem.n_shifts)]
    best: int | None = None
    shape = (problem.n_staff, problem.n_days)
    for cells in itertools.product(choices, repeat=problem.n_staff * problem.n_days):
        shift = np.array(cells, dtype=np.int64).reshape(shape)
        check = check_roster(problem, RosterSolution(shift, np.where(shift >= 0, 0, -1)))
        if check.feasible:
            best = check.objective if best is None else min(best, check.objective)
    return best


def _optimum_is_brute_force(problem: RosterProblem) -> None:
    """CP-SAT proves the brute-force optimum of ``problem`` (by the checker) and HiGHS's bound
    is exactly it; or neither has a roster when none exists."""
    best = _best_by_brute_force(problem)
    result = solve(problem, ONE_WORKER)
    if best is None:
        assert result.solution is None
        return
    assert result.stats.status is SolveStatus.OPTIMAL
    assert result.stats.objective == best
    assert mip_bound(problem) == best


@st.composite
def one_person(draw: st.DrawFn) -> RosterProblem:
    """One person, up to 9 days, one or two shift types of different lengths, every run rule
    and the minutes drawn at random, a wish per day (to work or to be off)."""
    days = draw(st.integers(3, 9))
    shifts = draw(st.integers(1, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    minutes = [480, 600][:shifts]
    wishes = rng.integers(-3, 4, size=days)
    low = int(rng.integers(0, days // 2 + 1)) * 480
    return roster_problem(
        1,
        days,
        minutes,
        first_weekday=int(rng.integers(0, 7)),
        available=rng.random((1, days, shifts)) < 0.9,
        min_minutes=[low],
        max_minutes=[low + int(rng.integers(1, days + 1)) * 480],
        max_consecutive=[int(rng.integers(1, days + 1))],
        min_consecutive=[int(rng.integers(1, 4))],
        min_consecutive_off=[int(rng.integers(1, 4))],
        max_weekends=[int(rng.integers(0, 3))],
        request_staff=np.zeros(days, dtype=np.int64),
        request_day=np.arange(days),
        request_shift=np.full(days, -1),
        request_on=wishes > 0,
        request_weight=np.abs(wishes),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=one_person())
def test_run_rules_and_day_counts_keep_the_brute_force_optimum(problem: RosterProblem) -> None:
    """The three run rules (boundary runs exempt) with the redundant day counts neither cut
    off an optimal roster nor let a violating one through."""
    best = _best_by_brute_force(problem)
    result = solve(problem, ONE_WORKER)
    if best is None:
        assert result.stats.status is SolveStatus.INFEASIBLE
        return
    assert result.stats.status is SolveStatus.OPTIMAL
    assert result.solution is not None
    check = check_roster(problem, result.solution)
    assert check.feasible, check.violations
    assert check.objective == result.stats.objective == best


@st.composite
def one_person_with_closed_days(draw: st.DrawFn) -> RosterProblem:
    """One person, 7 or 8 days, a day and a night shift, about a third of the days with
    nothing available (where the model leaves out the rules that hold already), the run rules,
    daily and weekly rest drawn at random."""
    days = draw(st.integers(7, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    open_days = rng.random(days) > 0.35
    return roster_problem(
        1,
        days,
        [480, 600],
        first_weekday=int(rng.integers(0, 7)),
        shift_start=[7 * 60, 21 * 60],
        available=np.repeat(open_days[None, :, None], 2, axis=2),
        max_consecutive=[int(rng.integers(1, 5))],
        min_consecutive=[int(rng.integers(1, 4))],
        min_consecutive_off=[int(rng.integers(1, 4))],
        min_rest=[int(rng.choice([0, 660]))],
        weekly_rest=[int(rng.choice([0, 1800, 2160]))],
    )


def _rosters_of_the_model(problem: RosterProblem) -> set[tuple[int, ...]]:
    """Every roster of a one-person problem that the CP-SAT model admits (all its solutions,
    with no objective, read on the shift variables)."""
    built = build(problem, symmetry=False)
    built.model.clear_objective()
    x = built.vars.x[0]
    found: set[tuple[int, ...]] = set()

    class Collect(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            found.add(
                tuple(
                    next((t for t, var in x[d].items() if self.boolean_value(var)), -1)
                    for d in range(problem.n_days)
                )
            )

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.enumerate_all_solutions = True
    solver.solve(built.model, Collect())
    return found


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=one_person_with_closed_days())
def test_the_model_admits_exactly_the_rosters_the_checker_passes(problem: RosterProblem) -> None:
    """The rules a closed day already holds are left out of the model (a neighbourhood's staff
    have nothing available on most days outside its window); what remains admits every roster
    the checker passes and no other."""
    passed = set()
    for cells in itertools.product([-1, 0, 1], repeat=problem.n_days):
        shift = np.array([cells], dtype=np.int64)
        if check_roster(problem, RosterSolution(shift, np.where(shift >= 0, 0, -1))).feasible:
            passed.add(cells)
    assert _rosters_of_the_model(problem) == passed


def test_a_short_run_inside_the_horizon_is_cut_one_at_the_border_is_not() -> None:
    """Minimum runs of 3 worked days and 2 days off over 6 days, a wish to work every day:
    the first and last runs may be short, so ``work work off off work work`` (two short
    border runs) is allowed, but no run of one or two worked days may sit inside."""
    days = 6
    problem = roster_problem(
        1,
        days,
        [480],
        max_consecutive=[2],
        min_consecutive=[3],
        min_consecutive_off=[2],
        request_staff=np.zeros(days, dtype=np.int64),
        request_day=np.arange(days),
        request_shift=np.full(days, -1),
        request_on=np.ones(days, dtype=bool),
        request_weight=np.ones(days, dtype=np.int64),
    )
    result = solve(problem, ONE_WORKER)
    assert result.solution is not None
    # at most two days in a row, and an inside run of 1-2 is forbidden: only border runs work
    assert result.solution.shift[0].tolist() == [0, 0, -1, -1, 0, 0]
    assert result.stats.objective == 2 == _best_by_brute_force(problem)


def _identical(staff: int, days: int) -> RosterProblem:
    """``staff`` identical people (one with a request, so not identical to the others), two
    shift types, a cover that some must work and some must not."""
    return roster_problem(
        staff,
        days,
        [480, 480],
        cover_target=np.full((days, 2, 1), 1),
        cover_under_weight=np.full((days, 2, 1), 5),
        cover_over_weight=np.full((days, 2, 1), 2),
        max_consecutive=np.full(staff, 2),
        forbidden=[[False, False], [True, False]],
        request_staff=[staff - 1],
        request_day=[0],
        request_shift=[1],
        request_on=[True],
        request_weight=[3],
    )


def test_identical_staff_are_found_and_a_request_makes_one_different() -> None:
    problem = _identical(4, 3)
    assert identical_staff(problem) == [[0, 1, 2]]
    changed = problem.max_consecutive.copy()
    changed[1] = 3
    other = roster_problem(4, 3, [480, 480], max_consecutive=changed)
    assert identical_staff(other) == [[0, 2, 3]]


def test_symmetry_breaking_keeps_the_optimum_and_orders_the_rows() -> None:
    problem = _identical(3, 3)
    result = solve(problem, ONE_WORKER)
    assert result.stats.status is SolveStatus.OPTIMAL
    assert result.solution is not None
    assert result.stats.objective == _best_by_brute_force(problem)
    rows = [tuple(int(t) + 1 for t in row) for row in result.solution.shift[:2]]
    assert rows[0] >= rows[1]


def _clinic_like(seed: int) -> RosterProblem:
    """6 staff x 10 days x 2 shift types x 2 competences with substitution, fairness groups,
    hard minimum cover, requests and run rules."""
    rng = np.random.default_rng(seed)
    staff, days, shifts, comps = 6, 10, 2, 2
    target = rng.integers(0, 3, size=(days, shifts, comps))
    requests = 8
    return roster_problem(
        staff,
        days,
        [480, 600],
        competences=comps,
        first_weekday=2,
        can_cover=[
            [True, False],
            [True, False],
            [True, True],
            [False, True],
            [False, True],
            [True, True],
        ],
        substitution_cost=[[0, 0], [0, 0], [0, 4], [0, 0], [0, 0], [3, 0]],
        cover_min=np.minimum(target, 1) * (rng.random(target.shape) < 0.3),
        cover_target=target,
        cover_under_weight=np.full(target.shape, 10),
        cover_over_weight=np.full(target.shape, 2),
        max_consecutive=np.full(staff, 4),
        min_consecutive=np.full(staff, 2),
        min_consecutive_off=np.full(staff, 2),
        max_weekends=np.full(staff, 1),
        fairness_group=[0, 0, -1, 1, 1, -1],
        weekend_fairness=3,
        shift_night=[False, True],
        night_fairness=2,
        request_staff=rng.integers(0, staff, size=requests),
        request_day=rng.integers(0, days, size=requests),
        request_shift=rng.integers(-1, shifts, size=requests),
        request_on=rng.random(requests) < 0.5,
        request_weight=rng.integers(1, 4, size=requests),
    )


@pytest.mark.parametrize(("seed", "free"), [(0, [0, 1, 2]), (1, [0, 3]), (2, [1, 2, 4])])
def test_a_neighbourhood_is_exact(seed: int, free: list[int]) -> None:
    """Any change of the free staff inside the window changes the whole objective (by the
    checker) exactly as much as the sub-problem's objective (by the checker), also when the
    free staff are only some of a fairness group (``[0, 3]``: one of each group)."""
    problem = _clinic_like(seed)
    start = solve(problem, SolveOptions(num_workers=1, seed=0, time_limit=10)).solution
    assert start is not None
    rng = np.random.default_rng(seed)
    window = range(3, 8)
    sub = subproblem(problem, start, np.array(free), window)
    base_whole = check_roster(problem, start).objective
    base_sub = check_roster(sub, RosterSolution(start.shift[free], start.competence[free]))
    for _ in range(20):
        shift, competence = start.shift.copy(), start.competence.copy()
        for s in free:
            for d in window:
                t = int(rng.integers(-1, problem.n_shifts))
                comps = np.flatnonzero(problem.can_cover[s])
                shift[s, d] = t
                competence[s, d] = -1 if t < 0 else int(rng.choice(comps))
        whole = check_roster(problem, RosterSolution(shift, competence))
        part = check_roster(sub, RosterSolution(shift[free], competence[free]))
        assert whole.objective - base_whole == part.objective - base_sub.objective
        # outside the hard rules of the window nothing changes, so feasibility agrees
        assert whole.feasible == part.feasible


def _long(seed: int) -> RosterProblem:
    """5 staff x 63 days x 3 shift types (a night) with every rule over the horizon, its weeks
    and consecutive days that a neighbourhood over part of it must respect, and no fairness."""
    rng = np.random.default_rng(seed)
    staff, days, shifts = 5, 63, 3
    target = rng.integers(0, 3, size=(days, shifts, 1))
    requests = 40
    return roster_problem(
        staff,
        days,
        [480, 480, 600],
        shift_start=[7 * 60, 14 * 60, 21 * 60],
        shift_night=[False, False, True],
        cover_min=np.minimum(target, 1) * (rng.random(target.shape) < 0.2),
        cover_target=target,
        cover_under_weight=np.full(target.shape, 10),
        cover_over_weight=np.full(target.shape, 2),
        max_shifts=np.full((staff, shifts), 30),
        min_minutes=np.full(staff, 12_000),
        max_minutes=np.full(staff, 20_000),
        max_week_minutes=np.full((staff, 9), 2_600),
        max_consecutive=np.full(staff, 5),
        min_consecutive=np.full(staff, 2),
        min_consecutive_off=np.full(staff, 2),
        max_weekends=np.full(staff, 6),
        max_nights=np.full(staff, 12),
        min_rest=np.full(staff, 11 * 60),
        weekly_rest=np.full(staff, 36 * 60),
        request_staff=rng.integers(0, staff, size=requests),
        request_day=rng.integers(0, days, size=requests),
        request_shift=rng.integers(-1, shifts, size=requests),
        request_on=rng.random(requests) < 0.5,
        request_weight=rng.integers(1, 4, size=requests),
    )


@pytest.mark.parametrize(
    ("seed", "free", "window"), [(0, [0, 1, 2], range(30, 33)), (1, [1, 4], range(20, 22))]
)
def test_a_neighbourhood_over_part_of_the_horizon_is_exact(
    seed: int, free: list[int], window: range
) -> None:
    """A neighbourhood's sub-problem holds only the weeks around its window, the free staff's
    other days fixed and their margin pinned; still any change inside the window changes the
    whole objective (by the checker) exactly as much as the sub-problem's, and the whole
    roster meets every hard rule exactly when the sub-problem's does: the cut is invisible."""
    problem = _long(seed)
    # a deterministic limit: under a wall-clock one the start, and with it how many distinct
    # rosters the random prices below reach, depended on the machine's load (9 once)
    native = {"max_deterministic_time": 3.0}
    options = SolveOptions(num_workers=1, seed=0, time_limit=60, native=native)
    start = solve(problem, options).solution
    assert start is not None
    piece = trimmed(problem, start, np.array(free), window)
    days = np.arange(piece.days.start, piece.days.stop)
    assert piece.days.start > 0  # trimmed, to whole weeks
    assert piece.days.stop < problem.n_days
    assert piece.days.start % 7 == 0
    assert len(piece.days) % 7 == 0
    assert piece.pinned
    assert all(piece.days.start + d not in window for _, d in piece.pinned)
    assert all(
        start.shift[free[s], piece.days.start + d] == t for (s, d), t in piece.pinned.items()
    )

    def part(roster: RosterSolution) -> RosterSolution:
        return RosterSolution(roster.shift[free][:, days], roster.competence[free][:, days])

    base_whole = check_roster(problem, start)
    base_part = check_roster(piece.problem, part(start))
    assert base_whole.feasible
    assert base_part.feasible
    rng = np.random.default_rng(seed)
    agreed = {True: 0, False: 0}
    for _ in range(60):
        shift = start.shift.copy()
        for s in free:
            for d in window:
                shift[s, d] = int(rng.integers(-1, problem.n_shifts))
        roster = RosterSolution(shift, np.where(shift >= 0, 0, -1))
        whole = check_roster(problem, roster)
        sub = check_roster(piece.problem, part(roster))
        assert whole.objective - base_whole.objective == sub.objective - base_part.objective
        assert whole.feasible == sub.feasible
        agreed[whole.feasible] += 1
    assert agreed[False] > 0  # the random changes broke rules, and both saw it
    # every roster of the sub-problem's own model, its pins fixed, is a roster of the whole:
    # the rosters that random prices of the window's shifts make cheapest
    built = build(piece.problem, symmetry=False)
    fix(built.model, {built.vars.x[s][d][t].index: 1 for (s, d), t in piece.pinned.items()})
    inside = [
        var
        for s in range(len(free))
        for d in range(window.start - piece.days.start, window.stop - piece.days.start)
        for var in built.vars.x[s][d].values()
    ]
    seen = set()
    for _ in range(40):
        built.model.minimize(sum(int(rng.integers(-9, 10)) * var for var in inside))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        assert solver.solve(built.model) == cp_model.OPTIMAL
        shift = start.shift.copy()
        shift[np.ix_(free, days)] = -1
        for s, d in itertools.product(range(len(free)), range(len(days))):
            for t, var in built.vars.x[s][d].items():
                if solver.boolean_value(var):
                    shift[free[s], days[d]] = t
        seen.add(shift.tobytes())
        roster = RosterSolution(shift, np.where(shift >= 0, 0, -1))
        whole = check_roster(problem, roster)
        assert whole.feasible, whole.violations
        sub = check_roster(piece.problem, part(roster))
        assert whole.objective - base_whole.objective == sub.objective - base_part.objective
    assert len(seen) > 10


def test_improve_over_parts_of_a_long_horizon_keeps_every_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a horizon trimmed for both kinds of neighbourhood (staff over two weeks of nine), the
    search's roster meets every hard rule and its objective is the checker's."""
    import solvers.roster.lns as lns

    monkeypatch.setattr(lns, "STAFF_DAYS", 14)
    problem = _long(2)
    first = solve(
        problem, SolveOptions(num_workers=1, seed=0, native={"stop_after_first_solution": True})
    )
    assert first.solution is not None
    start_value = value_of(problem, first.solution)
    assert start_value is not None
    result = improve(problem, first.solution, 6.0, SolveOptions(num_workers=1, seed=0))
    check = check_roster(problem, result.solution)
    assert check.feasible, check.violations
    assert check.objective == result.objective < start_value
    assert result.improvements > 0


def test_improve_finds_a_better_roster_and_counts_it_right() -> None:
    problem = _clinic_like(3)
    first = solve(
        problem, SolveOptions(num_workers=1, seed=0, native={"stop_after_first_solution": True})
    )
    assert first.solution is not None
    start_value = value_of(problem, first.solution)
    assert start_value == check_roster(problem, first.solution).objective
    result = improve(problem, first.solution, 6.0, SolveOptions(num_workers=1, seed=0))
    check = check_roster(problem, result.solution)
    assert check.feasible, check.violations
    assert check.objective == result.objective <= start_value
    assert result.neighbourhoods > 0
    assert result.improvements > 0


def test_the_gap_limit_is_the_whole_rosters_not_each_neighbourhoods(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A gap limit stops the search when the roster is that close to the bound, and no
    neighbourhood solve gets it (one would stop at its first bound, before any gain)."""
    problem = _clinic_like(3)
    first = solve(
        problem, SolveOptions(num_workers=1, seed=0, native={"stop_after_first_solution": True})
    )
    assert first.solution is not None
    start = check_roster(problem, first.solution).objective
    module = importlib.import_module("solvers.roster.solve")
    limits: list[tuple[float | None, float | None]] = []
    resolve_ = module.resolve

    def recorded(
        sub: RosterProblem, roster: RosterSolution, options: SolveOptions, pinned: Any = None
    ) -> Any:
        limits.append((options.gap_limit, options.abs_gap_limit))
        return resolve_(sub, roster, options, pinned)

    monkeypatch.setattr(module, "resolve", recorded)
    loose = SolveOptions(num_workers=1, seed=0, gap_limit=0.05, abs_gap_limit=2)
    result = improve(problem, first.solution, 6.0, loose, objective=start)
    assert result.neighbourhoods > 0
    assert result.improvements > 0
    assert set(limits) == {(None, None)}
    # within 5 % of the bound, or 2 of it, there is nothing to search
    for bound in (start * 0.96, start - 2):
        assert (
            improve(
                problem, first.solution, 6.0, loose, objective=start, bound=bound
            ).neighbourhoods
            == 0
        )


def test_a_window_of_days_frees_the_staff_of_one_competence() -> None:
    """With several competences a window of days frees exactly the staff who may cover one of
    them, each competence in turn at random; with one competence, everyone. A window of about
    one person's cells spans one day; one of the whole roster's cells, every day."""
    import random

    problem = _clinic_like(0)
    of = [set(np.flatnonzero(problem.can_cover[:, c]).tolist()) for c in range(2)]
    rng = random.Random(0)
    seen = set()
    for _ in range(40):
        free, window = neighbourhood(problem, rng, 1, by_days=True)
        competence = of.index(set(free.tolist()))  # raises when it is no competence's staff
        seen.add(competence)
        assert len(window) == 1
    assert seen == {0, 1}
    free, window = neighbourhood(problem, rng, int(problem.available.sum()), by_days=True)
    assert set(free.tolist()) in of
    assert window == range(problem.n_days)
    one = replace(
        problem,
        competence_ids=("a",),
        can_cover=problem.can_cover[:, :1] | True,
        substitution_cost=problem.substitution_cost[:, :1] * 0,
        cover_min=problem.cover_min[:, :, :1],
        cover_target=problem.cover_target[:, :, :1],
        cover_under_weight=problem.cover_under_weight[:, :, :1],
        cover_over_weight=problem.cover_over_weight[:, :, :1],
    )
    free, _ = neighbourhood(one, rng, 1, by_days=True)
    assert free.tolist() == list(range(problem.n_staff))


def test_a_shift_short_leads_a_neighbourhood_around_its_day() -> None:
    """The last Sunday of a 10-week horizon is a shift short and s0 may not work it: the lead
    is s1 or s2, who may, with that Sunday as its day, and the neighbourhood it leads frees
    four weeks that hold it, the lead first. A roster that covers every target has no cell
    short."""
    import random

    days = 70
    available = np.ones((3, days, 1), dtype=bool)
    available[0, days - 1] = False
    target = np.zeros((days, 1, 1), dtype=np.int64)
    target[days - 1] = 1
    problem = roster_problem(
        3,
        days,
        [480],
        available=available,
        cover_target=target,
        cover_under_weight=np.full((days, 1, 1), 100),
    )
    shift = np.full((3, days), -1)
    shift[1, :5] = 0
    roster = RosterSolution(shift=shift, competence=np.where(shift >= 0, 0, -1))
    short = _short_cells(problem, roster)
    assert short.tolist() == [[days - 1, 0, 0]]
    rng = random.Random(0)
    leads = {_short_lead(problem, roster, short, rng) for _ in range(20)}
    assert leads == {(1, days - 1), (2, days - 1)}
    for lead in (1, 2):
        free, window = neighbourhood(problem, rng, 1, False, lead, days - 1)
        assert free.tolist() == [lead]
        assert days - 1 in window
        assert len(window) == 28
    nobody = replace(problem, available=available & False)
    assert _short_lead(nobody, roster, short, rng) is None
    one = RosterSolution(np.full((1, days), 0), np.full((1, days), 0))
    assert len(_short_cells(roster_problem(1, days, [480], cover_target=target), one)) == 0


def test_each_kind_of_neighbourhood_gets_time_by_its_gain_per_second() -> None:
    """The search shares its time between kinds of neighbourhood by what each gained per
    second lately, whatever the size of each kind's neighbourhoods: quick ones that seldom gain
    and slow ones that always do, gaining as much per second, get half the time each."""
    days, staff = _Record(), _Record()
    records = {"days": days, "staff": staff}
    assert _odds(records) == {"days": 1.0, "staff": 0.0}  # a kind not yet solved comes first
    days.add(20, 0.2)
    assert _odds(records) == {"days": 0.0, "staff": 1.0}

    def time_of_days() -> float:
        odds = _odds(records)["days"]
        return odds * 0.2 / (odds * 0.2 + (1 - odds) * 0.02)

    for i in range(200):  # 100 a second each: 20 in every 0.2 s, 20 in one of ten 0.02 s
        staff.add(20 if i % 10 == 0 else 0, 0.02)
        if i % 10 == 0:
            days.add(20, 0.2)
        if i >= 20:
            assert 0.4 < time_of_days() < 0.6, i
    # a kind that gains nothing keeps its floor of the time
    for _ in range(50):
        days.add(0, 0.2)
    assert time_of_days() == pytest.approx(0.1)


def test_three_kinds_share_the_time_by_gain_with_a_floor_each() -> None:
    """With a third kind, each kind's share of the time is its share of the gain per second,
    and one that gains nothing keeps its floor; the odds of a count follow each kind's time
    per neighbourhood, and :func:`_choose` draws by them."""
    import random

    records = {kind: _Record() for kind in ("days", "staff", "short")}
    for _ in range(100):
        records["days"].add(0, 0.5)  # nothing, 0.5 s each
        records["staff"].add(3, 0.1)  # 30 a second
        records["short"].add(1, 0.1)  # 10 a second
    odds = _odds(records)
    assert sum(odds.values()) == pytest.approx(1.0)
    seconds = {"days": 0.5, "staff": 0.1, "short": 0.1}
    spent = {kind: odds[kind] * seconds[kind] for kind in odds}
    time = {kind: spent[kind] / sum(spent.values()) for kind in spent}
    assert time == pytest.approx({"days": 0.1, "staff": 0.675, "short": 0.225})
    rng = random.Random(0)
    drawn = [_choose(records, rng) for _ in range(4000)]
    for kind, chance in odds.items():
        assert drawn.count(kind) / len(drawn) == pytest.approx(chance, abs=0.03)


def test_resolve_values_its_start_and_returns_a_roster_no_worse() -> None:
    """The neighbourhood solve: the start's objective is the checker's, the roster it returns
    meets every hard rule and costs what it says, at most the start's."""
    problem = _clinic_like(1)
    first = solve(
        problem, SolveOptions(num_workers=1, seed=0, native={"stop_after_first_solution": True})
    )
    assert first.solution is not None
    found = resolve(problem, first.solution, SolveOptions(num_workers=1, seed=0, time_limit=5))
    assert found is not None
    assert found.start == check_roster(problem, first.solution).objective
    check = check_roster(problem, found.solution)
    assert check.feasible, check.violations
    assert check.objective <= found.objective <= found.start
    broken = RosterSolution(np.zeros((1, 4), dtype=np.int64), np.zeros((1, 4), dtype=np.int64))
    rule = roster_problem(1, 4, [480], max_consecutive=[2])
    assert resolve(rule, broken, SolveOptions(num_workers=1, seed=0, time_limit=5)) is None


def test_value_of_a_roster_that_breaks_a_rule_is_none() -> None:
    problem = roster_problem(1, 4, [480], max_consecutive=[2])
    worked = RosterSolution(np.zeros((1, 4), dtype=np.int64), np.zeros((1, 4), dtype=np.int64))
    assert value_of(problem, worked) is None


def test_mip_bound_by_hand() -> None:
    """2 people, 3 days, 3 wanted a day at 10 per person missing: at least 1 short a day (30);
    with at most 480 minutes each (one shift each), 2 of the 9 shifts are covered: 70."""
    problem = roster_problem(
        2,
        3,
        [480],
        cover_target=np.full((3, 1, 1), 3),
        cover_under_weight=np.full((3, 1, 1), 10),
    )
    assert mip_bound(problem) == 30
    assert mip_bound(replace(problem, max_minutes=np.array([480, 480]))) == 70


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=one_person())
def test_mip_bound_is_the_brute_force_optimum(problem: RosterProblem) -> None:
    """The programme states the same rules: HiGHS proves exactly the optimum, and the bounds
    it reports on the way rise to it."""
    wanted = replace(
        problem,
        cover_target=np.ones_like(problem.cover_target),
        cover_under_weight=np.full_like(problem.cover_under_weight, 7),
    )
    best = _best_by_brute_force(wanted)
    raised: list[float] = []
    worker = BoundWorker(wanted, 30.0, on_bound=raised.append).start()
    bound = worker.wait()
    assert bound == (math.inf if best is None else best), worker.status
    assert raised == sorted(raised)
    assert raised[-1] == bound


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=one_person(), data=st.data())
def test_the_fixed_members_of_a_fairness_group_count_in_its_spreads(
    problem: RosterProblem, data: st.DataObject
) -> None:
    """One person of a fairness group whose other members are fixed (``fairness_fixed``, as in
    a neighbourhood): CP-SAT's optimum and HiGHS's proved bound are the brute-force optimum,
    which the checker values with the fixed members' most and fewest weekends and nights."""
    fewest_w, fewest_n = data.draw(st.integers(0, 2)), data.draw(st.integers(0, 3))
    fixed = [
        fewest_w + data.draw(st.integers(0, 2)),
        fewest_w,
        fewest_n + data.draw(st.integers(0, 3)),
        fewest_n,
    ]
    part = replace(
        problem,
        shift_night=np.arange(problem.n_shifts) == 1,
        max_weekends=np.array([problem.n_days]),
        fairness_group=np.array([0]),
        weekend_fairness=data.draw(st.integers(1, 6)),
        night_fairness=data.draw(st.integers(1, 6)),
        fairness_fixed=np.array([fixed]),
    )
    _optimum_is_brute_force(part)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=one_person(), weight=st.integers(1, 6))
def test_split_weekends_keep_the_brute_force_optimum(problem: RosterProblem, weight: int) -> None:
    """A weekend worked on one day only costs ``split_weekend``: CP-SAT's optimum and HiGHS's
    proved bound are the brute-force optimum, which the checker values (the wishes per day
    pull towards single days of a weekend)."""
    part = replace(problem, max_weekends=np.array([problem.n_days]), split_weekend=weight)
    _optimum_is_brute_force(part)


def test_fairness_fixed_of_the_wrong_shape_is_refused() -> None:
    problem = roster_problem(2, 3, [480], fairness_group=[0, 3])
    with pytest.raises(ValueError, match=r"fairness_fixed has shape \(2, 4\), expected \(4"):
        replace(problem, fairness_fixed=np.zeros((2, 4), dtype=np.int64))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("cover_under_weight", np.full((3, 1, 1), -10)),
        ("request_weight", np.array([-1])),
        ("night_fairness", -5),
    ],
)
def test_a_negative_weight_is_refused_by_name(field: str, value: Any) -> None:
    """No penalty weight may be negative, which makes 0 a bound on every roster."""
    problem = roster_problem(
        2,
        3,
        [480],
        cover_target=np.full((3, 1, 1), 1),
        request_staff=[0],
        request_day=[1],
        request_shift=[0],
        request_on=[True],
        request_weight=[3],
    )
    with pytest.raises(ValueError, match=rf"RosterProblem\.{field} has a negative weight -"):
        replace(problem, **{field: value})
