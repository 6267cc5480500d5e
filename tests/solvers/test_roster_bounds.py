"""The capacity bound (solvers.roster.bounds): exact where the staff's limits are the whole
cost, never above the optimum, and carried by the solve's result."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from engine.check.roster import check_roster
from engine.roster import roster_summary
from models.roster import RosterProblem, roster_problem
from models.solve import SolveStatus
from solvers.common import SolveOptions
from solvers.roster import solve
from solvers.roster.bounds import capacity_bound, count_bound, forced_shortfalls, most_shifts
from tests.solvers.test_roster import problems

pytestmark = pytest.mark.solver

ONE_WORKER = SolveOptions(num_workers=1, seed=0, time_limit=20)


def _one_type(max_shifts: list[int], weights: list[int]) -> RosterProblem:
    """Two people, a week from a Monday, one shift a day wanted, each day's shift short
    costing its weight; at most ``max_shifts`` shifts each."""
    days = len(weights)
    return roster_problem(
        2,
        days,
        [480],
        first_weekday=0,
        cover_target=np.ones((days, 1, 1), dtype=np.int64),
        cover_under_weight=np.array(weights, dtype=np.int64).reshape(days, 1, 1),
        cover_over_weight=np.ones((days, 1, 1), dtype=np.int64),
        max_shifts=[[s] for s in max_shifts],
    )


def test_the_shifts_a_type_allows_bound_the_cost_by_its_cheapest_days() -> None:
    """Five shifts for seven days: two are short, at best on the days weighing 3 and 4."""
    problem = _one_type([2, 3], [5, 4, 3, 9, 9, 9, 9])
    assert capacity_bound(problem) == 3 + 4
    result = solve(problem, ONE_WORKER)
    assert result.solution is not None
    assert result.stats.objective == 7
    assert result.stats.bound == 7
    assert result.stats.status is SolveStatus.OPTIMAL


def test_a_type_the_staff_can_cover_forces_nothing() -> None:
    assert capacity_bound(_one_type([4, 3], [5, 4, 3, 9, 9, 9, 9])) == 0


def _weekends(available: np.ndarray) -> RosterProblem:
    """Three people, two weeks from a Monday, two wanted on every weekend day (8 in all) at 3
    a person short; the people may work one, one and no weekend."""
    days = 14
    target = np.zeros((days, 2, 1), dtype=np.int64)
    target[[5, 6, 12, 13], 0, 0] = 2
    return roster_problem(
        3,
        days,
        [480, 480],
        first_weekday=0,
        cover_target=target,
        cover_under_weight=np.full((days, 2, 1), 3, dtype=np.int64),
        max_weekends=[1, 1, 0],
        available=available,
    )


@pytest.mark.parametrize(
    ("off", "short"),
    [
        ([], 4),  # two whole weekends of the 8 days: 4 short
        ([5, 6, 12], 5),  # the first person may work one weekend day only
    ],
)
def test_the_weekends_the_staff_may_work_bound_the_weekend_days_short(
    off: list[int], short: int
) -> None:
    available = np.ones((3, 14, 2), dtype=bool)
    available[0, off, :] = False
    problem = _weekends(available)
    assert capacity_bound(problem) == 3 * short
    result = solve(problem, ONE_WORKER)
    assert result.solution is not None
    assert result.stats.objective == 3 * short
    assert result.stats.status is SolveStatus.OPTIMAL


def _competences(can_cover: list[list[bool]], max_minutes: list[int]) -> RosterProblem:
    """A week from a Monday, one 480-minute shift; one person wanted on it every day in
    competence 0 (1 a person short) and every weekday in competence 1 (10 a person short);
    no over-cover cost, so the cost is the shifts short."""
    target = np.zeros((7, 1, 2), dtype=np.int64)
    target[:, 0, 0] = 1
    target[:5, 0, 1] = 1
    under = np.zeros_like(target)
    under[:, 0, 0] = 1
    under[:, 0, 1] = 10
    return roster_problem(
        len(can_cover),
        7,
        [480],
        competences=2,
        first_weekday=0,
        cover_target=target,
        cover_under_weight=under,
        can_cover=can_cover,
        max_minutes=max_minutes,
    )


def test_a_competence_whose_people_may_work_too_little_is_short_in_every_roster() -> None:
    """Only the first person covers competence 1, five weekdays wanted, and their minutes
    allow four shifts: one short at 10, the optimum; the others cover competence 0."""
    problem = _competences([[True, True], [True, False], [True, False]], [4 * 480, 7 * 480, 0])
    forced = forced_shortfalls(problem)
    assert [(f.competence, f.wanted, f.most, f.staff, f.short) for f in forced] == [(1, 5, 4, 1, 1)]
    assert capacity_bound(problem) == 10
    result = solve(problem, ONE_WORKER)
    assert result.stats.objective == 10
    assert result.stats.status is SolveStatus.OPTIMAL
    summary = roster_summary(problem, result)
    assert summary["forced_short"] == [
        {"competence": "c1", "wanted": 5, "most": 4, "staff": 1, "short": 1}
    ]


def test_a_person_shared_by_two_competences_counts_once() -> None:
    """One person may cover both competences (12 shifts wanted) and works one a day: each
    competence alone could be covered, together 5 are short, at best on competence 0's
    cheaper cells."""
    problem = _competences([[True, True]], [7 * 480])
    assert forced_shortfalls(problem) == []
    assert capacity_bound(problem) == 5 * 1
    result = solve(problem, ONE_WORKER)
    assert result.stats.objective == 5
    assert result.stats.status is SolveStatus.OPTIMAL


@pytest.mark.parametrize(
    ("rules", "most"),
    [
        ({}, 14),
        ({"max_consecutive": [2]}, 14 - 14 // 3),  # a day off in every three
        ({"max_minutes": [5 * 480 + 479]}, 5),  # at the shortest shift
        ({"max_minutes": [20 * 480], "max_week_minutes": [[2 * 480, 3 * 600]]}, 5),
        ({"max_shifts": [[3, 4]]}, 7),
        ({"available": np.arange(14)[None, :, None] % 2 == np.zeros((1, 1, 2))}, 7),
    ],
)
def test_the_most_shifts_a_person_works_follows_each_limit(
    rules: dict[str, object], most: int
) -> None:
    """Two weeks, shifts of 480 and 600 minutes, one person: the days alone, then each limit
    that lowers the count."""
    problem = roster_problem(1, 14, [480, 600], **rules)
    assert most_shifts(problem).tolist() == [most]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems())
def test_the_bound_is_never_above_a_proved_optimum(problem: RosterProblem) -> None:
    """On random problems of every rule: no roster costs less than the bound (the optimum
    when the solver proves it, else any roster it returns, as the checker counts it)."""
    bound = capacity_bound(problem)
    counted = count_bound(problem)
    assert bound >= 0
    assert counted >= 0
    result = solve(problem, SolveOptions(num_workers=1, seed=0, time_limit=10))
    if result.solution is None:
        return
    check = check_roster(problem, result.solution)
    assert check.feasible, check.violations
    assert bound <= check.objective
    assert counted <= check.objective
    assert result.stats.bound >= bound or result.stats.bound == result.stats.objective


def test_the_counts_round_the_minutes_to_whole_shifts() -> None:
    """One person who must work a minute more than three shifts, wanted on three days of a
    week, each shift over the cover costing 5: every roster works a fourth shift (5), where
    the minutes alone, shared out, would be over by 1/480 of a shift. The solve is proved
    optimal at that bound, and without the minimum the counts force nothing."""
    wanted = np.zeros((7, 1, 1), dtype=np.int64)
    wanted[:3] = 1
    rules = {
        "cover_target": wanted,
        "cover_under_weight": np.full((7, 1, 1), 100, dtype=np.int64),
        "cover_over_weight": np.full((7, 1, 1), 5, dtype=np.int64),
    }
    problem = roster_problem(1, 7, [480], min_minutes=[3 * 480 + 1], **rules)
    assert capacity_bound(problem) == 0
    assert count_bound(problem) == 5
    result = solve(problem, ONE_WORKER)
    assert result.solution is not None
    assert check_roster(problem, result.solution).objective == 5
    assert result.stats.status is SolveStatus.OPTIMAL
    assert result.stats.bound == 5
    assert count_bound(roster_problem(1, 7, [480], min_minutes=[3 * 480], **rules)) == 0


def test_the_counts_weigh_the_spread_of_nights_in_a_group() -> None:
    """Two people of one group, four nights wanted in a week and neither allowed more than
    three: one works three, the other one at least, a spread of 2 at 7 a night (the cover
    met, nothing over), and each of the other splits costs more."""
    wanted = np.zeros((7, 1, 1), dtype=np.int64)
    wanted[:4] = 1
    problem = roster_problem(
        2,
        7,
        [600],
        shift_night=[True],
        max_nights=[3, 3],
        fairness_group=[0, 0],
        night_fairness=7,
        cover_target=wanted,
        cover_under_weight=np.full((7, 1, 1), 100, dtype=np.int64),
        cover_over_weight=np.full((7, 1, 1), 5, dtype=np.int64),
    )
    assert count_bound(problem) == 0
    uneven = replace(problem, max_nights=np.array([3, 1]))
    assert count_bound(uneven) == 2 * 7
    result = solve(uneven, ONE_WORKER)
    assert result.solution is not None
    assert check_roster(uneven, result.solution).objective == 2 * 7


def test_highs_bounds_a_roster_after_a_solve_with_another_number_of_threads() -> None:
    """HiGHS keeps one pool of threads per process: after a programme solved on two threads
    (as the daily plan is, before the roster of ``balans schedule``), the roster's bound still
    comes (it had none, its solve asking for one thread)."""
    import pulp

    from solvers.milp import solve_model
    from solvers.roster.mip import BoundWorker

    # a knapsack that presolve leaves to branch and bound, which starts the pool
    lp = pulp.LpProblem("two_threads", pulp.LpMaximize)
    items = [lp.add_variable(f"x{i}", cat="Binary") for i in range(30)]
    sizes = [(7 * i) % 23 + 5 for i in range(30)]
    values = [size + i % 3 for i, size in enumerate(sizes)]
    lp += pulp.lpSum([value * x for value, x in zip(values, items, strict=True)])
    lp += pulp.lpSum([size * x for size, x in zip(sizes, items, strict=True)]) <= 101
    stats = solve_model(lp, SolveOptions(num_workers=2, time_limit=10))
    assert stats.status is SolveStatus.OPTIMAL
    problem = _one_type([2, 3], [5, 4, 3, 9, 9, 9, 9])
    worker = BoundWorker(problem, 10.0)  # its linear relaxation by interior point
    assert worker._linear_bound(time.perf_counter())
    assert worker.bound == 7, worker.status
