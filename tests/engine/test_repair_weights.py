"""The change cost of a repair: its weights by hand, and the roster model choosing the cheaper
change (a later day, a working day rather than a day off), with the checker agreeing."""

from __future__ import annotations

import numpy as np
import pytest

from engine.check.roster import check_roster
from engine.repair import PINNED, change_costs
from models.repair import RepairWeights
from models.roster import RosterSolution, roster_problem
from solvers import roster as roster_solver
from solvers.common import SolveOptions

OPTIONS = SolveOptions(time_limit=10, num_workers=2, seed=0)


def roster(shifts: list[list[int]], competence: int = 0) -> RosterSolution:
    shift = np.array(shifts, dtype=np.int64)
    return RosterSolution(shift=shift, competence=np.where(shift >= 0, competence, -1))


def test_change_costs_by_hand() -> None:
    # today is day 2; 14 days from near to far: day 9 is half-way
    published = roster([[0] * 20, [-1] * 20])
    cost = change_costs(published, 2, RepairWeights())
    assert cost[:, :2].tolist() == [[PINNED, PINNED], [PINNED, PINNED]]
    assert cost[0, 2] == 30  # a working day, today
    assert cost[1, 2] == 60  # a day off, today
    assert cost[0, 9] == 22  # 15 + 15 * 0.5 = 22.5, rounded half to even
    assert cost[1, 9] == 50  # 40 + 20 * 0.5
    assert cost[0, 16] == 15
    assert cost[1, 19] == 40
    assert (np.diff(cost[0, 2:]) <= 0).all()  # nearer today costs more
    assert (cost[1, 2:] > cost[0, 2:]).all()  # a day off costs more than a working day


def test_weights_must_keep_their_order() -> None:
    with pytest.raises(ValueError, match="day off"):
        RepairWeights(day_off_near=20, day_off_far=10)


def test_the_later_day_changes() -> None:
    """The person may now work only one shift: of days 1 and 5, the later one goes."""
    published = roster([[-1, 0, -1, -1, -1, 0, -1]])
    costs = change_costs(published, 0, RepairWeights())
    problem = roster_problem(1, 7, [480], max_minutes=[480], published=published, change_cost=costs)
    result = roster_solver.solve(problem, OPTIONS, hint=published, decompose=False)
    assert result.solution is not None
    assert result.solution.shift[0].tolist() == [-1, 0, -1, -1, -1, -1, -1]
    assert costs[0, 1] == 29
    assert costs[0, 5] == 25
    assert result.stats.objective == 25
    check = check_roster(problem, result.solution)
    assert check.feasible
    assert check.penalty_by_rule["changes"] == result.penalties["changes"] == 25


def test_a_working_day_changes_before_a_day_off() -> None:
    """Shift 0 on day 1 is vacant: the person on shift 1 that day moves (a working-day change,
    29) rather than the person off that day coming in (a day-off change, 59)."""
    published = roster([[-1, 1, -1], [-1, -1, -1]])
    costs = change_costs(published, 0, RepairWeights())
    target = np.zeros((3, 2, 1), dtype=np.int64)
    target[1, 0, 0] = 1
    problem = roster_problem(
        2,
        3,
        [480, 480],
        cover_target=target,
        cover_under_weight=target * 500,
        published=published,
        change_cost=costs,
    )
    result = roster_solver.solve(problem, OPTIONS, hint=published, decompose=False)
    assert result.solution is not None
    assert result.solution.shift.tolist() == [[-1, 0, -1], [-1, -1, -1]]
    assert costs[0, 1] == 29
    assert costs[1, 1] == 59
    assert result.stats.objective == 29
    assert check_roster(problem, result.solution).penalty_by_rule["changes"] == 29


def test_no_change_costs_nothing() -> None:
    published = roster([[0, -1, 0]])
    problem = roster_problem(
        1,
        3,
        [480],
        min_minutes=[960],
        max_minutes=[960],
        published=published,
        change_cost=change_costs(published, 0, RepairWeights()),
    )
    result = roster_solver.solve(problem, OPTIONS, hint=published, decompose=False)
    assert result.solution is not None
    assert result.stats.objective == 0
    assert result.solution.shift.tolist() == [[0, -1, 0]]


def test_published_needs_change_costs() -> None:
    with pytest.raises(ValueError, match="change_cost"):
        roster_problem(1, 3, [480], published=roster([[0, -1, 0]]))
    with pytest.raises(ValueError, match="shape"):
        roster_problem(
            1, 3, [480], published=roster([[0, -1]]), change_cost=np.ones((1, 3), dtype=int)
        )
