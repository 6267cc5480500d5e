"""The CP-SAT roster model: brute-force optima, one test per hard rule, properties, determinism.

Rosters are judged by the independent checker (engine.check.roster), never by the solver's own
reading of its variables.
"""

from __future__ import annotations

import importlib
import itertools
import math
import time
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.check.roster import check_roster
from models.roster import HARD_RULES, RosterProblem, RosterSolution, roster_problem
from models.solve import SolveStatus
from solvers.common import Progress, SolveOptions
from solvers.roster import mip, solve
from solvers.roster.decompose import parts
from solvers.roster.mip import BoundWorker, mip_bound

pytestmark = pytest.mark.solver

ONE_WORKER = SolveOptions(num_workers=1, seed=1, time_limit=20)


def roster(shifts: list[list[int]], competences: list[list[int]] | None = None) -> RosterSolution:
    """A roster from a grid of shift indices (-1 off); competence 0 where worked by default."""
    shift = np.array(shifts, dtype=np.int64)
    if competences is None:
        competence = np.where(shift >= 0, 0, -1)
    else:
        competence = np.array(competences, dtype=np.int64)
    return RosterSolution(shift=shift, competence=competence)


def brute_force(problem: RosterProblem) -> tuple[int | None, int]:
    """The optimum over every roster (by the checker), and the number of feasible rosters."""
    options = []
    for s in range(problem.n_staff):
        for _ in range(problem.n_days):
            cells = [(-1, -1)] + [
                (t, c)
                for t in range(problem.n_shifts)
                for c in range(problem.n_competences)
                if problem.can_cover[s, c]
            ]
            options.append(cells)
    best: int | None = None
    feasible = 0
    shape = (problem.n_staff, problem.n_days)
    for choice in itertools.product(*options):
        shift = np.array([t for t, _ in choice], dtype=np.int64).reshape(shape)
        comp = np.array([c for _, c in choice], dtype=np.int64).reshape(shape)
        check = check_roster(problem, RosterSolution(shift, comp))
        if check.feasible:
            feasible += 1
            best = check.objective if best is None else min(best, check.objective)
    return best, feasible


# --------------------------------------------------------------------------------------------
# Brute force on tiny instances


def _requests(*rows: tuple[int, int, int, bool, int]) -> dict[str, Any]:
    staff, day, shift, on, weight = zip(*rows, strict=True)
    return {
        "request_staff": list(staff),
        "request_day": list(day),
        "request_shift": list(shift),
        "request_on": list(on),
        "request_weight": list(weight),
    }


def _cover(days: int, shifts: int, cells: dict[tuple[int, int], int], comps: int = 1) -> Any:
    target = np.zeros((days, shifts, comps), dtype=np.int64)
    for (d, t), n in cells.items():
        target[d, t, 0] = n
    return target


TINY = {
    # 2 staff x 4 days x 2 shifts from a Thursday: requests, a forbidden succession, minimum
    # minutes, at most 2 days in a row, one weekend for s1, weekend fairness.
    "requests_and_successions": roster_problem(
        2,
        4,
        [480, 480],
        first_weekday=3,
        cover_target=_cover(4, 2, {(0, 0): 2, (1, 1): 1, (2, 0): 1, (3, 1): 2}),
        cover_under_weight=np.full((4, 2, 1), 10),
        cover_over_weight=np.full((4, 2, 1), 1),
        forbidden=[[False, True], [False, False]],
        min_minutes=[960, 0],
        max_consecutive=[2, 2],
        max_weekends=[1, 1],
        fairness_group=[0, 0],
        weekend_fairness=3,
        **_requests((0, 0, 0, True, 3), (1, 1, -1, False, 2), (1, 3, 1, True, 4)),
    ),
    # Clock times: a day shift and a night shift (20:00-04:00), 11 h of rest, at most one
    # night, hard minimum cover, minimum runs of two.
    "rests_nights_minimum": roster_problem(
        2,
        4,
        [480, 480],
        shift_start=[8 * 60, 20 * 60],
        shift_night=[False, True],
        cover_min=_cover(4, 2, {(1, 0): 1}),
        cover_target=_cover(4, 2, {(0, 1): 1, (1, 0): 2, (2, 0): 1, (3, 1): 1}),
        cover_under_weight=np.full((4, 2, 1), 7),
        cover_over_weight=np.full((4, 2, 1), 2),
        min_rest=[660, 660],
        max_nights=[1, 1],
        min_consecutive=[2, 1],
        min_consecutive_off=[1, 2],
    ),
}


@pytest.mark.parametrize("name", sorted(TINY))
def test_optimum_equals_brute_force(name: str) -> None:
    problem = TINY[name]
    best, feasible = brute_force(problem)
    assert feasible > 0
    result = solve(problem, ONE_WORKER)
    assert result.stats.status is SolveStatus.OPTIMAL
    assert result.solution is not None
    check = check_roster(problem, result.solution)
    assert check.feasible, check.violations
    assert result.stats.objective == best == check.objective


def test_competence_choice_and_substitution_by_brute_force() -> None:
    """2 staff x 3 days, 1 shift, 2 competences: s0 is a c0 who may substitute on c1 at cost 4;
    s1 covers only c1."""
    problem = roster_problem(
        2,
        3,
        [480],
        competences=2,
        can_cover=[[True, True], [False, True]],
        substitution_cost=[[0, 4], [0, 0]],
        cover_target=[[[1, 2]], [[1, 1]], [[0, 2]]],
        cover_under_weight=np.full((3, 1, 2), 5),
        cover_over_weight=np.full((3, 1, 2), 1),
        max_minutes=[960, 1440],
    )
    best, _ = brute_force(problem)
    result = solve(problem, ONE_WORKER)
    assert result.solution is not None
    assert result.stats.objective == best
    assert check_roster(problem, result.solution).objective == best


def test_infeasible_is_a_status() -> None:
    problem = roster_problem(1, 2, [480], cover_min=[[[1]], [[1]]], max_minutes=[480])
    result = solve(problem, ONE_WORKER)
    assert result.stats.status is SolveStatus.INFEASIBLE
    assert result.solution is None


# --------------------------------------------------------------------------------------------
# One test per hard rule: the checker rejects a violating roster, the solver never makes one


def _tempting(**changes: Any) -> RosterProblem:
    """2 staff x 8 days (from a Saturday) x 2 shifts (08:00-16:00 day, 20:00-04:00 night):
    every cell wants 2 people at 10 per person missing, so the solver works as much as the
    rules allow."""
    fields: dict[str, Any] = {
        "first_weekday": 5,
        "shift_start": [8 * 60, 20 * 60],
        "shift_night": [False, True],
        "cover_target": np.full((8, 2, 1), 2),
        "cover_under_weight": np.full((8, 2, 1), 10),
    }
    fields.update(changes)
    return roster_problem(2, 8, [480, 480], **fields)


OFF = -1
ALL_DAY = [0] * 8

RULE_CASES: dict[str, tuple[RosterProblem, RosterSolution]] = {
    "one_shift_per_day": (_tempting(), roster([[5, *ALL_DAY[1:]], ALL_DAY])),
    "availability": (
        _tempting(available=np.ones((2, 8, 2), dtype=bool) & (np.arange(8) != 3)[None, :, None]),
        roster([ALL_DAY, [OFF, OFF, OFF, 0, OFF, OFF, OFF, OFF]]),
    ),
    "competence": (
        roster_problem(
            2,
            2,
            [480],
            competences=2,
            can_cover=[[True, False], [True, True]],
            cover_target=np.full((2, 1, 2), 1),
            cover_under_weight=np.full((2, 1, 2), 10),
        ),
        roster([[0, 0], [0, 0]], [[1, 0], [1, 0]]),
    ),
    "cover_minimum": (
        _tempting(cover_min=np.full((8, 2, 1), 1)),
        roster([[0, 0, OFF, 0, 0, 0, 0, 0], [1, 1, OFF, 1, 1, 1, 1, 1]]),
    ),
    "max_shifts": (_tempting(max_shifts=[[3, 8], [8, 8]]), roster([ALL_DAY, ALL_DAY])),
    "total_minutes": (
        _tempting(min_minutes=[1440, 0], max_minutes=[1920, 1920]),
        roster([[0, OFF, OFF, OFF, OFF, OFF, OFF, OFF], [0, 0, 0, 0, 0, OFF, OFF, OFF]]),
    ),
    "week_minutes": (
        _tempting(max_week_minutes=[[960, 960], [3360, 3360]]),
        roster([[0, 0, 0, OFF, OFF, OFF, OFF, OFF], ALL_DAY]),
    ),
    "max_consecutive": (
        _tempting(max_consecutive=[3, 3]),
        roster([[0, 0, 0, 0, OFF, 0, 0, 0], [0, 0, 0, OFF, 0, 0, 0, OFF]]),
    ),
    "min_consecutive": (
        _tempting(
            min_consecutive=[3, 3],
            cover_target=np.full((8, 2, 1), 1) * (np.arange(8) % 2 == 1)[:, None, None],
        ),
        roster([[OFF, 0, 0, 0, OFF, 0, OFF, OFF], [OFF] * 8]),
    ),
    "min_consecutive_off": (
        _tempting(min_consecutive_off=[2, 2], max_consecutive=[3, 3]),
        roster([[0, 0, 0, OFF, 0, 0, 0, OFF], [0, 0, OFF, OFF, 0, 0, 0, OFF]]),
    ),
    "max_weekends": (
        _tempting(max_weekends=[1, 1]),
        roster([[0, OFF, OFF, OFF, OFF, OFF, OFF, 0], [OFF] * 8]),
    ),
    "forbidden_succession": (
        _tempting(forbidden=[[False, True], [False, False]]),
        roster([[0, 1, OFF, OFF, OFF, OFF, OFF, OFF], [OFF] * 8]),
    ),
    "daily_rest": (
        _tempting(min_rest=[660, 660]),
        # night (ends 04:00) then the day shift at 08:00: 4 hours of rest
        roster([[1, 0, OFF, OFF, OFF, OFF, OFF, OFF], [OFF] * 8]),
    ),
    "weekly_rest": (
        _tempting(weekly_rest=[2160, 2160]),
        # the only day off (day 3) lies between a night ending 04:00 and an 08:00 start: 28 h
        roster([[0, 0, 1, OFF, 0, 0, 0, 0], [OFF] * 8]),
    ),
    "max_nights": (
        _tempting(max_nights=[1, 1]),
        roster([[1, OFF, 1, OFF, OFF, OFF, OFF, OFF], [OFF] * 8]),
    ),
}


def test_every_hard_rule_has_a_case() -> None:
    assert sorted(RULE_CASES) == sorted(HARD_RULES)


@pytest.mark.parametrize("rule", sorted(RULE_CASES))
def test_checker_rejects_and_solver_avoids(rule: str) -> None:
    problem, violating = RULE_CASES[rule]
    rejected = check_roster(problem, violating)
    assert rule in {v.rule for v in rejected.violations}, rejected.violations

    result = solve(problem, ONE_WORKER)
    assert result.stats.status is SolveStatus.OPTIMAL
    assert result.solution is not None
    check = check_roster(problem, result.solution)
    assert check.feasible, check.violations
    assert check.objective == result.stats.objective


def test_weekly_rest_is_met_by_a_long_enough_rest_day() -> None:
    """Day off between a day shift ending 16:00 and an 08:00 start: 40 h, enough."""
    problem, _ = RULE_CASES["weekly_rest"]
    good = roster([[0, 0, 0, OFF, 0, 0, 0, 0], [OFF] * 8])
    assert check_roster(problem, good).feasible


# --------------------------------------------------------------------------------------------
# Properties


@st.composite
def problems(draw: st.DrawFn) -> RosterProblem:
    staff = draw(st.integers(2, 4))
    days = draw(st.integers(3, 9))
    shifts = draw(st.integers(1, 3))
    comps = draw(st.integers(1, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    minutes = rng.choice([240, 480, 600], size=shifts)
    can = rng.random((staff, comps)) < 0.7
    can[np.arange(staff), rng.integers(0, comps, size=staff)] = True
    target = rng.integers(0, 3, size=(days, shifts, comps))
    requests = rng.integers(0, 4)
    return roster_problem(
        staff,
        days,
        minutes.tolist(),
        competences=comps,
        first_weekday=int(rng.integers(0, 7)),
        shift_start=rng.choice([6 * 60, 14 * 60, 22 * 60], size=shifts),
        shift_night=rng.random(shifts) < 0.3,
        can_cover=can,
        substitution_cost=np.where(rng.random((staff, comps)) < 0.3, 3, 0),
        available=rng.random((staff, days, shifts)) < 0.85,
        cover_min=np.minimum(target, rng.integers(0, 2, size=target.shape)),
        cover_target=target,
        cover_under_weight=rng.integers(0, 20, size=target.shape),
        cover_over_weight=rng.integers(0, 3, size=target.shape),
        max_minutes=rng.integers(2, days + 1, size=staff) * 480,
        max_consecutive=rng.integers(2, 6, size=staff),
        min_consecutive=rng.integers(1, 3, size=staff),
        min_consecutive_off=rng.integers(1, 3, size=staff),
        max_weekends=rng.integers(0, 3, size=staff),
        max_nights=rng.integers(0, 4, size=staff),
        min_rest=rng.choice([0, 660], size=staff),
        weekly_rest=rng.choice([0, 2160], size=staff),
        forbidden=rng.random((shifts, shifts)) < 0.2,
        fairness_group=rng.integers(-1, 2, size=staff),
        weekend_fairness=int(rng.integers(0, 3)),
        night_fairness=int(rng.integers(0, 3)),
        split_weekend=int(rng.integers(0, 3)),
        request_staff=rng.integers(0, staff, size=requests),
        request_day=rng.integers(0, days, size=requests),
        request_shift=rng.integers(-1, shifts, size=requests),
        request_on=rng.random(requests) < 0.5,
        request_weight=rng.integers(1, 4, size=requests),
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems())
def test_every_roster_the_solver_returns_passes_the_checker(problem: RosterProblem) -> None:
    result = solve(problem, SolveOptions(num_workers=1, seed=0, time_limit=10))
    if result.solution is None:
        assert result.stats.status in (SolveStatus.INFEASIBLE, SolveStatus.NO_SOLUTION)
        return
    check = check_roster(problem, result.solution)
    assert check.feasible, check.violations
    assert check.objective == result.stats.objective
    assert sum(result.penalties.values()) == result.stats.objective


def _clinic_like(seed: int, days: int = 7) -> RosterProblem:
    """6 staff in two competences (one may substitute), day, evening and night shifts with the
    Swedish rests, fairness groups."""
    rng = np.random.default_rng(seed)
    target = rng.integers(0, 3, size=(days, 3, 2))
    return roster_problem(
        6,
        days,
        [480, 480, 600],
        competences=2,
        shift_start=[7 * 60, 14 * 60, 21 * 60],
        shift_night=[False, False, True],
        can_cover=[[True, False]] * 3 + [[False, True]] * 2 + [[True, True]],
        substitution_cost=[[0, 0]] * 5 + [[0, 5]],
        cover_target=target,
        cover_under_weight=np.full(target.shape, 10),
        cover_over_weight=np.full(target.shape, 1),
        min_minutes=np.full(6, days // 2 * 480),
        max_minutes=np.full(6, days * 480),
        max_consecutive=np.full(6, 5),
        min_consecutive_off=np.full(6, 2),
        max_weekends=np.full(6, 1),
        max_nights=np.full(6, 2),
        min_rest=np.full(6, 660),
        weekly_rest=np.full(6, 2160),
        fairness_group=[0, 0, 0, 1, 1, -1],
        weekend_fairness=5,
        night_fairness=2,
    )


def test_same_seed_one_worker_same_roster() -> None:
    problem = _clinic_like(3)
    # A deterministic time limit: wall-clock limits could stop two runs at different points.
    options = SolveOptions(
        num_workers=1, seed=7, native={"max_deterministic_time": 0.5}, gap_limit=0.0
    )
    first = solve(problem, options)
    second = solve(problem, options)
    assert first.solution is not None
    assert second.solution is not None
    np.testing.assert_array_equal(first.solution.shift, second.solution.shift)
    np.testing.assert_array_equal(first.solution.competence, second.solution.competence)
    assert first.stats.objective == second.stats.objective


@pytest.mark.parametrize("limit", ["gap_limit", "abs_gap_limit"])
def test_a_solve_stops_within_either_gap_limit(limit: str) -> None:
    """CP-SAT gets both gap limits: a roster within the limit of its bound ends the solve, as
    optimal within the limit (``SolveStatus.OPTIMAL``), with the gap that was left."""
    problem = _clinic_like(0, days=28)
    options = SolveOptions(num_workers=1, seed=0, time_limit=60.0, **{limit: 1e9})
    result = solve(problem, options, decompose=False, mip=False)
    assert result.solution is not None
    assert result.stats.status is SolveStatus.OPTIMAL
    assert result.stats.objective > result.stats.bound  # stopped by the limit, not proved
    verdict = check_roster(problem, result.solution)
    assert verdict.feasible
    assert verdict.objective == result.stats.objective


def test_progress_reports_incumbents_and_a_hint_is_accepted() -> None:
    problem = _clinic_like(4)
    reports: list[Progress] = []
    result = solve(problem, SolveOptions(num_workers=2, seed=1, time_limit=3), reports.append)
    assert result.solution is not None
    assert reports, "no progress was reported"
    assert reports[-1].objective == pytest.approx(result.stats.objective)
    assert all(r.bound <= r.objective + 1e-9 for r in reports)
    # Fixed to the hint, the solver must give back exactly the hinted roster.
    fixed = SolveOptions(num_workers=1, native={"fix_variables_to_their_hinted_value": True})
    again = solve(problem, fixed, hint=result.solution)
    assert again.solution is not None
    np.testing.assert_array_equal(again.solution.shift, result.solution.shift)
    np.testing.assert_array_equal(again.solution.competence, result.solution.competence)
    assert again.stats.objective == result.stats.objective


def test_independent_parts_give_the_same_optimum_as_the_whole() -> None:
    """Two competences nobody shares: two parts, and the joined optimum is the whole's."""
    problem = _clinic_like(5)
    split = roster_problem(
        6,
        7,
        [480, 480, 600],
        competences=2,
        **{
            name: getattr(problem, name)
            for name in (
                "shift_start",
                "shift_night",
                "cover_target",
                "cover_under_weight",
                "cover_over_weight",
                "min_minutes",
                "max_minutes",
                "max_weekends",
                "min_rest",
            )
        },
        can_cover=[[True, False]] * 3 + [[False, True]] * 3,
    )
    assert len(parts(split)) == 2
    options = SolveOptions(num_workers=1, seed=1, time_limit=30)
    joined = solve(split, options)
    whole = solve(split, options, decompose=False)
    assert joined.stats.status is whole.stats.status is SolveStatus.OPTIMAL
    assert joined.stats.objective == whole.stats.objective
    assert joined.solution is not None
    assert check_roster(split, joined.solution).objective == joined.stats.objective


# --------------------------------------------------------------------------------------------
# The mixed-integer programme that HiGHS bounds the roster with states the same rules


def _same_optimum(problem: RosterProblem) -> None:
    """CP-SAT alone proves an optimum (or that there is no roster); HiGHS's bound on the
    programme of :mod:`solvers.roster.mip` is exactly that optimum (or infinite)."""
    result = solve(problem, SolveOptions(num_workers=1, seed=0), mip=False)
    bound = mip_bound(problem, time_limit=60)
    if result.stats.status is SolveStatus.INFEASIBLE:
        assert bound == math.inf
        return
    assert result.stats.status is SolveStatus.OPTIMAL
    assert bound == result.stats.objective


@pytest.mark.parametrize("rule", sorted(RULE_CASES))
def test_the_programme_has_each_hard_rule(rule: str) -> None:
    _same_optimum(RULE_CASES[rule][0])


@pytest.mark.parametrize("asked", [False, True])
@pytest.mark.parametrize("rule", sorted(RULE_CASES))
def test_the_linear_relaxation_first_bounds_and_the_programme_still_proves(
    rule: str, asked: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the relaxation without the rules on the order of the days solved first (as on a
    large part, or when asked for, as beside a search with no bound of its own), no bound on
    the way passes the optimum, and the programme after it still proves the optimum (or that
    there is no roster)."""
    built: list[bool] = []
    whole = mip.programme

    def programme(*args: Any, sequences: bool = True) -> Any:
        built.append(sequences)
        return whole(*args, sequences=sequences)

    if not asked:
        monkeypatch.setattr(mip, "LINEAR_FIRST_COLUMNS", 0)
    monkeypatch.setattr(mip, "programme", programme)
    problem = RULE_CASES[rule][0]
    raised: list[float] = []
    worker = BoundWorker(problem, 60.0, on_bound=raised.append, linear_first=asked)
    bound = worker.start().wait()
    assert built[0] is False
    result = solve(problem, SolveOptions(num_workers=1, seed=0), mip=False)
    if result.stats.status is SolveStatus.INFEASIBLE:
        assert bound == math.inf
        return
    assert result.stats.status is SolveStatus.OPTIMAL
    assert built == [False, True]
    assert raised == sorted(raised)
    assert bound == result.stats.objective


@pytest.mark.parametrize("rule", sorted(RULE_CASES))
def test_the_relaxation_with_every_rule_bounds_the_optimum_and_guides_within_the_rules(
    rule: str,
) -> None:
    """The linear relaxation that guides a built part (:class:`mip.Relaxation`) never passes
    the optimum; the nights it gives each person are within their most, and its rounding holds
    shifts available to the person. A second relaxation waits for the first it is given, and
    finds the same."""
    problem = RULE_CASES[rule][0]
    first = mip.Relaxation(problem, 60.0).start()
    second = mip.Relaxation(problem, 60.0, after=first).start()
    bound = second.wait()
    assert first.finished
    assert bound == first.bound
    result = solve(problem, SolveOptions(num_workers=1, seed=0), mip=False)
    if result.stats.status is not SolveStatus.INFEASIBLE:
        assert result.stats.status is SolveStatus.OPTIMAL
        assert -math.inf < bound <= result.stats.objective
    if bound == math.inf:  # no point: nothing to guide by
        assert first.nights is None
        return
    nights, rounded = first.nights, first.rounded
    assert nights is not None
    assert rounded is not None
    assert np.array_equal(nights, second.nights)
    assert (nights >= 0).all()
    assert (nights <= problem.max_nights).all()
    worked = rounded >= 0
    assert problem.available[*np.nonzero(worked), rounded[worked]].all()


def test_built_parts_small_enough_are_guided_by_their_relaxation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two parts built a person at a time (no quick CP-SAT try: the limits set to 0 here),
    each with a programme of a size to be guided (the band widened here): CP-SAT's guided
    solve of each gives every person at least the nights of the relaxation, and the joined
    roster meets every hard rule, valued by the checker at the objective reported, with a
    bound that holds."""
    module = importlib.import_module("solvers.roster.solve")  # the package exports solve()
    guided: list[tuple[RosterProblem, Any, Any]] = []
    guided_solve = module._guided_solve

    def recorded(problem: RosterProblem, nights: Any, *args: Any) -> Any:
        found = guided_solve(problem, nights, *args)
        guided.append((problem, nights, found))
        return found

    monkeypatch.setattr(module, "BUILD_LIMIT", 0)
    monkeypatch.setattr(module, "QUICK_TRY_LIMIT", 0)
    monkeypatch.setattr(module, "GUIDE_COLUMNS", (0, 10_000))
    monkeypatch.setattr(module, "_guided_solve", recorded)
    problem = _two_parts(0)
    result = solve(problem, SolveOptions(num_workers=2, seed=0, time_limit=8))
    assert sorted(part.n_staff for part, _, _ in guided) == [2, 4]
    assert any(nights.any() for _, nights, _ in guided)  # the relaxation asks for nights
    for part, nights, found in guided:
        assert found is not None
        shift = found[0].shift
        worked = (shift >= 0) & part.shift_night[np.maximum(shift, 0)]
        assert (worked.sum(axis=1) >= nights).all()
    assert result.solution is not None
    check = check_roster(problem, result.solution)
    assert check.feasible, check.violations
    assert 0 <= result.stats.bound <= check.objective == result.stats.objective


def test_a_guided_part_whose_relaxation_is_not_solved_is_searched_with_highs_beside(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When a part's relaxation gives nothing (stopped before its optimum, as at a short time
    limit), the guided solve falls back to the search alone, with HiGHS beside it solving the
    smaller relaxation first, so the part still has a bound; the roster meets every rule."""
    module = importlib.import_module("solvers.roster.solve")  # the package exports solve()
    started: list[BoundWorker] = []

    class Unsolved(mip.Relaxation):
        def _run(self) -> None:  # no optimum, no bound
            self._stop.wait()

    class Recorded(BoundWorker):
        def start(self) -> Any:
            started.append(self)
            return super().start()

    monkeypatch.setattr(module, "BUILD_LIMIT", 0)
    monkeypatch.setattr(module, "QUICK_TRY_LIMIT", 0)
    monkeypatch.setattr(module, "GUIDE_COLUMNS", (0, 10_000))
    monkeypatch.setattr(module, "GUIDE_SHARE", 0.1)
    monkeypatch.setattr(module, "Relaxation", Unsolved)
    monkeypatch.setattr(module, "BoundWorker", Recorded)
    problem = _two_parts(0)
    result = solve(problem, SolveOptions(num_workers=2, seed=0, time_limit=8))
    assert sorted(worker.problem.n_staff for worker in started) == [2, 4]
    assert all(worker.linear_first and worker.finished for worker in started)
    assert result.solution is not None
    check = check_roster(problem, result.solution)
    assert check.feasible, check.violations
    assert 0 < result.stats.bound <= check.objective == result.stats.objective


@pytest.mark.parametrize("name", sorted(TINY))
def test_the_programme_has_the_brute_force_optimum(name: str) -> None:
    _same_optimum(TINY[name])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems())
def test_the_programme_states_the_same_rules(problem: RosterProblem) -> None:
    _same_optimum(problem)


def test_a_solve_with_highs_beside_it_ends_proved_and_checked() -> None:
    """A week of the clinic-like problem with HiGHS beside CP-SAT: the solve ends proved
    optimal (by either), and the checker values the roster at the objective that meets the
    bound."""
    problem = _clinic_like(3, days=7)
    result = solve(problem, SolveOptions(num_workers=2, seed=0, time_limit=60))
    assert result.solution is not None
    assert check_roster(problem, result.solution).objective == result.stats.objective
    assert result.stats.status is SolveStatus.OPTIMAL
    assert result.stats.bound == result.stats.objective


def test_a_stopped_bound_worker_ends_and_its_bound_holds() -> None:
    """Stopped before HiGHS is done, the worker's thread ends and what it has proved so far is
    still no more than the optimum."""
    problem = _clinic_like(5, days=14)
    worker = BoundWorker(problem, time_limit=600).start()
    time.sleep(0.5)
    bound = worker.stop()
    assert worker.finished
    best = solve(problem, SolveOptions(num_workers=2, seed=0, time_limit=60))
    assert best.solution is not None
    assert bound <= best.stats.bound <= best.stats.objective


@pytest.mark.parametrize("seed", range(3))
def test_a_roster_built_a_person_at_a_time_meets_every_hard_rule(seed: int) -> None:
    from solvers.roster.greedy import construct

    problem = _clinic_like(seed, days=14)
    built = construct(problem, 30.0, SolveOptions(seed=0))
    assert built is not None
    check = check_roster(problem, built)
    assert check.feasible, check.violations
    # a solve hinted with it starts from it: its first roster is no worse
    reports: list[Progress] = []
    solve(problem, SolveOptions(num_workers=1, seed=0, time_limit=3), reports.append, built)
    assert reports
    assert reports[0].objective <= check.objective


def test_after_two_people_in_a_row_need_the_second_solve_the_rest_get_it_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With no time for a person's quick solve, the first two people are solved twice (the
    quick try, then with presolve), everybody after them once, and the roster still meets
    every hard rule."""
    from solvers.roster import greedy

    module = importlib.import_module("solvers.roster.solve")  # the package exports solve()
    presolved: list[bool] = []
    whole = module.solve

    def counted(problem: RosterProblem, options: SolveOptions, *args: Any, **kw: Any) -> Any:
        presolved.append(options.native.get("cp_model_presolve", True))
        return whole(problem, options, *args, **kw)

    monkeypatch.setattr(greedy, "PERSON_SECONDS", 0.0)
    monkeypatch.setattr(module, "solve", counted)
    problem = _clinic_like(0, days=14)
    built = greedy.construct(problem, 60.0, SolveOptions(seed=0))
    assert built is not None
    assert presolved == [False, True, False, True] + [True] * (problem.n_staff - 2)
    check = check_roster(problem, built)
    assert check.feasible, check.violations


def test_scarce_weekends_are_kept_whole_in_the_construction_until_a_solve_runs_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Six people may work one weekend each (12 weekend days) and the two weekends want about
    24 shifts: weekends are scarce, so each person's solve weighs a split weekend at 0.3 of
    the heaviest under-cover weight (10), until a solve ends short of its gap (here the second,
    made to look so); the rest go without, and the roster meets every hard rule. With
    weekends to spare there is no such weight, nor when the problem weighs split weekends
    itself (its own weight is kept)."""
    from solvers.roster import greedy

    module = importlib.import_module("solvers.roster.solve")  # the package exports solve()
    weights: list[int] = []
    whole = module.solve

    def recorded(problem: RosterProblem, options: SolveOptions, *args: Any, **kw: Any) -> Any:
        weights.append(problem.split_weekend)
        result = whole(problem, options, *args, **kw)
        if len(weights) == 2 and result.stats.status is SolveStatus.OPTIMAL:
            return replace(result, stats=replace(result.stats, status=SolveStatus.FEASIBLE))
        return result

    monkeypatch.setattr(module, "solve", recorded)
    problem = _clinic_like(0, days=14)
    assert greedy.weekend_guide(problem) == 3
    built = greedy.construct(problem, 60.0, SolveOptions(seed=0))
    assert built is not None
    assert weights[:2] == [3, 3]
    assert set(weights[2:]) == {0}
    check = check_roster(problem, built)
    assert check.feasible, check.violations
    # half the cover (6 weekend shifts) against two weekends each (24 days)
    spare = replace(problem, cover_target=problem.cover_target // 2, max_weekends=np.full(6, 2))
    assert greedy.weekend_guide(spare) == 0
    assert greedy.weekend_guide(replace(problem, split_weekend=5)) == 0
    weights.clear()
    assert greedy.construct(replace(problem, split_weekend=5), 60.0, SolveOptions(seed=0))
    assert set(weights) == {5}


def test_the_search_weighs_split_weekends_as_a_guide_and_keeps_its_own_objective(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With scarce weekends the neighbourhood search may weigh a split weekend on top of the
    problem's own weights in its solves; it returns the best of its rosters by the problem's
    own objective, with that objective (the checker's), never worse than the start however
    heavy the guide."""
    from solvers.roster.lns import improve

    module = importlib.import_module("solvers.roster.solve")
    weights: set[int] = set()
    resolve = module.resolve

    def recorded(sub: RosterProblem, *args: Any) -> Any:
        weights.add(sub.split_weekend)
        return resolve(sub, *args)

    monkeypatch.setattr(module, "resolve", recorded)
    problem = replace(_clinic_like(0, days=14), split_weekend=2)
    first = solve(
        problem, SolveOptions(num_workers=1, seed=0, native={"stop_after_first_solution": True})
    )
    assert first.solution is not None
    start = check_roster(problem, first.solution).objective
    for guide in (3, 1_000):
        weights.clear()
        options = SolveOptions(num_workers=1, seed=0)
        result = improve(
            problem, first.solution, 3.0, options, objective=start, split_weekend=guide
        )
        assert weights == {2 + guide}
        check = check_roster(problem, result.solution)
        assert check.feasible, check.violations
        assert check.objective == result.objective <= start
        assert result.neighbourhoods > 0


def _night_group(days: int = 14) -> RosterProblem:
    """Six people of one fairness group, a day shift (two wanted, ten a person short) and a
    night shift (one wanted, twenty a person short) every day, up to seven nights each."""
    return roster_problem(
        6,
        days,
        [480, 600],
        shift_start=[7 * 60, 21 * 60],
        shift_night=[False, True],
        cover_target=np.tile([[2], [1]], (days, 1, 1)),
        cover_under_weight=np.tile([[10], [20]], (days, 1, 1)),
        cover_over_weight=np.ones((days, 2, 1), dtype=np.int64),
        max_minutes=np.full(6, days * 480),
        max_consecutive=np.full(6, 5),
        max_nights=np.full(6, 7),
        min_rest=np.full(6, 660),
        fairness_group=np.zeros(6, dtype=np.int64),
        night_fairness=2,
    )


def test_the_construction_shares_a_fairness_groups_nights(monkeypatch: pytest.MonkeyPatch) -> None:
    """Alone, the first people take all the nights they may (nights are short at twice a day
    shift's weight), and the last ones none. With each member held to 1.1 times the group's fair
    share, 14 / 6 nights rounded up to 3, the nights are spread: nobody works more than 3. A
    person whose contract needs more nights than the cap (available for nights only, five
    nights' minutes) is rostered without it, and every roster meets every hard rule."""
    from solvers.roster import greedy

    def nights(problem: RosterProblem, built: RosterSolution | None) -> list[int]:
        assert built is not None
        check = check_roster(problem, built)
        assert check.feasible, check.violations
        night = (built.shift >= 0) & problem.shift_night[np.maximum(built.shift, 0)]
        return [int(n) for n in night.sum(axis=1)]

    problem = _night_group()
    caps = greedy._night_caps(problem)
    assert caps is not None
    assert caps.tolist() == [3] * 6
    assert greedy._night_caps(replace(problem, night_fairness=0)) is None
    assert max(nights(problem, greedy.construct(problem, 60.0, SolveOptions(seed=0)))) <= 3
    monkeypatch.setattr(greedy, "NIGHT_SLACK", 100.0)  # no cap below max_nights
    spread = nights(problem, greedy.construct(problem, 60.0, SolveOptions(seed=0)))
    assert max(spread) > 3
    assert min(spread) == 0
    monkeypatch.undo()
    available = problem.available.copy()
    available[0, :, 0] = False
    night_only = replace(
        problem, available=available, min_minutes=np.array([5 * 600, 0, 0, 0, 0, 0])
    )
    caps = greedy._night_caps(night_only)
    assert caps is not None
    assert night_only.max_nights[0] > caps[0]
    assert nights(night_only, greedy.construct(night_only, 60.0, SolveOptions(seed=0)))[0] >= 5


def _two_parts(seed: int) -> RosterProblem:
    """A clinic-like problem of 14 days in two independent parts, of 2 and 4 people: the
    substitute covers the first competence only."""
    base = _clinic_like(seed, days=14)
    return replace(
        base,
        can_cover=np.array([[True, False]] * 3 + [[False, True]] * 2 + [[True, False]]),
        substitution_cost=np.zeros_like(base.substitution_cost),
    )


def test_highs_bounds_the_largest_built_part_from_the_start_of_the_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two parts built a person at a time (no quick CP-SAT try: the limit set to 0 here). Once
    both are built, HiGHS starts on the larger at once, which comes last, and on the smaller
    when its search does; every worker has stopped when the solve returns, and the bound holds
    for the checked roster."""
    module = importlib.import_module("solvers.roster.solve")  # the package exports solve()
    events: list[str] = []
    workers: list[BoundWorker] = []

    class Recorded(BoundWorker):
        def start(self) -> BoundWorker:
            events.append(f"worker {self.problem.n_staff}")
            workers.append(self)
            return super().start()

    building = module.construct

    def construct(problem: RosterProblem, *args: Any, **kw: Any) -> Any:
        events.append(f"build {problem.n_staff}")
        return building(problem, *args, **kw)

    monkeypatch.setattr(module, "BUILD_LIMIT", 0)
    monkeypatch.setattr(module, "QUICK_TRY_LIMIT", 0)
    monkeypatch.setattr(module, "GUIDE_COLUMNS", (0, 0))  # parts too large to be guided
    monkeypatch.setattr(module, "BoundWorker", Recorded)
    monkeypatch.setattr(module, "construct", construct)
    problem = _two_parts(0)
    result = solve(problem, SolveOptions(num_workers=2, seed=0, time_limit=8))
    assert events == ["build 2", "build 4", "worker 4", "worker 2"]
    assert all(worker.finished for worker in workers)
    # beside a search with no bound of its own, each solves its relaxation first
    assert all(worker.linear_first for worker in workers)
    assert result.solution is not None
    check = check_roster(problem, result.solution)
    assert check.feasible, check.violations
    assert result.stats.bound <= check.objective == result.stats.objective


@pytest.mark.parametrize("seed", range(2))
def test_parts_without_a_quick_first_roster_are_built_and_searched(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no time for CP-SAT's quick first roster, each part's is built a person at a time
    and improved by the neighbourhood search alone (HiGHS beside it): the joined roster meets
    every hard rule, the checker values it at the objective reported, which is better than the
    built rosters' (390 and 367 built, 372 and 341 searched), and the bound holds."""
    module = importlib.import_module("solvers.roster.solve")  # the package exports solve()
    monkeypatch.setattr(module, "FIRST_TRY_SECONDS", 0.0)
    problem = _two_parts(seed)
    assert len(parts(problem)) == 2
    reports: list[Progress] = []
    options = SolveOptions(num_workers=2, seed=0, time_limit=8)
    result = solve(problem, options, reports.append)
    assert result.solution is not None
    check = check_roster(problem, result.solution)
    assert check.feasible, check.violations
    assert check.objective == result.stats.objective < reports[0].objective
    assert 0 <= result.stats.bound <= result.stats.objective


def test_a_part_with_a_hint_starts_from_it_whatever_its_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A part above the size at which a first roster is built a person at a time, and tried
    by CP-SAT no more (both limits set to 0 here), still starts from a roster given as a
    hint: CP-SAT completes it at once, nothing is built, and the result is no dearer than the
    hint."""
    module = importlib.import_module("solvers.roster.solve")  # the package exports solve()
    built: list[int] = []
    building = module.construct

    def construct(problem: RosterProblem, *args: Any, **kw: Any) -> Any:
        built.append(problem.n_staff)
        return building(problem, *args, **kw)

    problem = _two_parts(0)
    options = SolveOptions(num_workers=2, seed=0, time_limit=8)
    given = solve(problem, options)
    assert given.solution is not None
    monkeypatch.setattr(module, "BUILD_LIMIT", 0)
    monkeypatch.setattr(module, "QUICK_TRY_LIMIT", 0)
    monkeypatch.setattr(module, "construct", construct)
    reports: list[Progress] = []
    result = solve(problem, options, reports.append, hint=given.solution)
    assert built == []
    assert result.solution is not None
    check = check_roster(problem, result.solution)
    assert check.feasible, check.violations
    assert check.objective == result.stats.objective <= reports[0].objective
    assert reports[0].objective <= given.stats.objective
    # without the hint, both parts are built
    solve(problem, options)
    assert sorted(built) == [2, 4]


def test_cpsat_s_quick_rosters_of_every_part_are_a_complete_roster_before_any_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every part gets CP-SAT's quick roster before any part is built a person at a time (the
    size limit set to 0 here): the first complete roster is reported, and counted as the
    first, before the first building starts; the roster returned meets every hard rule and is
    no dearer than that first one."""
    module = importlib.import_module("solvers.roster.solve")  # the package exports solve()
    events: list[str] = []
    reports: list[Progress] = []
    building = module.construct

    def construct(problem: RosterProblem, *args: Any, **kw: Any) -> Any:
        events.append(f"build {problem.n_staff}")
        return building(problem, *args, **kw)

    def report(progress: Progress) -> None:
        events.append("report")
        reports.append(progress)

    monkeypatch.setattr(module, "BUILD_LIMIT", 0)
    monkeypatch.setattr(module, "construct", construct)
    problem = _two_parts(0)
    result = solve(problem, SolveOptions(num_workers=2, seed=0, time_limit=8), report)
    assert events[:3] == ["report", "build 2", "build 4"]
    assert result.stats.first_solution_time == reports[0].elapsed
    assert result.solution is not None
    check = check_roster(problem, result.solution)
    assert check.feasible, check.violations
    assert check.objective == result.stats.objective <= reports[0].objective


def test_a_part_with_no_roster_ends_the_solve_before_the_other_parts_are_tried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The smaller of two parts asks for three people of a competence that two have: CP-SAT's
    quick try shows that it has no roster, the solve says infeasible, and the other part is
    not tried."""
    module = importlib.import_module("solvers.roster.solve")  # the package exports solve()
    tried: list[tuple[int, SolveStatus]] = []
    trying = module._quick_roster

    def quick_roster(problem: RosterProblem, *args: Any) -> Any:
        result = trying(problem, *args)
        tried.append((problem.n_staff, result[0].stats.status))
        return result

    monkeypatch.setattr(module, "_quick_roster", quick_roster)
    problem = _two_parts(0)
    minimum = problem.cover_min.copy()
    shift = int(np.flatnonzero(problem.available[3, 0])[0])
    minimum[0, shift, 1] = 3  # the second competence's two people on day 0
    problem = replace(
        problem, cover_min=minimum, cover_target=np.maximum(problem.cover_target, minimum)
    )
    result = solve(problem, SolveOptions(num_workers=2, seed=0, time_limit=8))
    assert result.stats.status is SolveStatus.INFEASIBLE
    assert result.solution is None
    assert tried == [(2, SolveStatus.INFEASIBLE)]


def test_a_part_to_be_built_keeps_cpsat_s_quick_roster_when_building_runs_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Parts above the size at which a first roster is built (the limit set to 0 here) are
    tried by CP-SAT first: when building a person at a time takes all the time it may (a share
    of what is left by size, so the parts after it keep theirs), each part still has CP-SAT's
    roster, and the joined roster meets every hard rule."""
    module = importlib.import_module("solvers.roster.solve")  # the package exports solve()
    spent: list[float] = []

    def construct(problem: RosterProblem, time_limit: float, *args: Any) -> None:
        spent.append(time_limit)
        time.sleep(time_limit)  # out of time, no roster

    monkeypatch.setattr(module, "BUILD_LIMIT", 0)
    monkeypatch.setattr(module, "construct", construct)
    problem = _two_parts(0)
    result = solve(problem, SolveOptions(num_workers=2, seed=0, time_limit=6))
    # parts of 2 and 4 people: at most a third of the time, then at most what is left
    assert len(spent) == 2
    assert 0 < spent[0] <= 2.0
    assert spent[0] < spent[1] <= 6.0 - spent[0]
    assert result.solution is not None
    check = check_roster(problem, result.solution)
    assert check.feasible, check.violations
    assert check.objective == result.stats.objective


# --------------------------------------------------------------------------------------------
# Column generation and diving (solvers.roster.columns)


def _every_personal_roster(problem: RosterProblem, s: int) -> list[tuple[RosterSolution, int]]:
    """Every roster of person ``s`` alone that meets their rules, with its own cost (by the
    checker, on the person's problem with no cover)."""
    from solvers.roster.decompose import Part, restrict

    zero = np.zeros_like(problem.cover_target)
    alone = replace(
        restrict(problem, Part(np.array([s]), np.arange(problem.n_competences))),
        cover_min=zero,
        cover_target=zero,
        cover_under_weight=zero,
        cover_over_weight=zero,
    )
    cells = [(-1, -1)] + [
        (t, c)
        for t in range(problem.n_shifts)
        for c in range(problem.n_competences)
        if problem.can_cover[s, c]
    ]
    found = []
    for choice in itertools.product(cells, repeat=problem.n_days):
        own = roster([[t for t, _ in choice]], [[c for _, c in choice]])
        check = check_roster(alone, own)
        if check.feasible:
            found.append((own, check.objective))
    return found


def _relaxation_over_personal_rosters(problem: RosterProblem) -> float:
    """min sum(cost * weight) + weighted under- and over-cover over every personal roster,
    each person's weights summing to 1 (written here from the definition, with HiGHS)."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    cells = list(itertools.product(*(range(n) for n in problem.cover_target.shape)))
    first = problem.n_staff
    target = [float(problem.cover_target[cell]) for cell in cells]
    lower = [1.0] * problem.n_staff + target
    h.addRows(len(lower), lower, lower, 0, [], [], [])
    for i, cell in enumerate(cells):
        h.addCol(float(problem.cover_under_weight[cell]), 0, highspy.kHighsInf, 1, [first + i], [1])
        h.addCol(float(problem.cover_over_weight[cell]), 0, highspy.kHighsInf, 1, [first + i], [-1])
    for s in range(problem.n_staff):
        for own, cost in _every_personal_roster(problem, s):
            rows = [s] + [
                first + cells.index((d, int(own.shift[0, d]), int(own.competence[0, d])))
                for d in np.flatnonzero(own.shift[0] >= 0).tolist()
            ]
            h.addCol(float(cost), 0, highspy.kHighsInf, len(rows), rows, [1.0] * len(rows))
    h.run()
    return float(h.getInfo().objective_function_value)


@pytest.mark.parametrize(("built", "paths"), [(True, False), (False, False), (False, True)])
def test_column_generation_reaches_the_relaxation_over_every_personal_roster(
    built: bool, paths: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Priced to optimality, the root's column generation ends at the optimum of the linear
    programme over every roster of each person (enumerated here with the checker), a bound below
    the brute-force optimum, from a built roster or from priced first columns, priced by CP-SAT
    or by the dynamic programme first; the guided roster meets every hard rule."""
    from solvers.roster import columns
    from solvers.roster.greedy import construct

    monkeypatch.setattr(columns, "PRICE_SECONDS", 10.0)
    monkeypatch.setattr(columns, "PATHS_DAYS", 1 if paths else 10_000)
    monkeypatch.setattr(columns, "STALL_ROUNDS", 1_000)
    # 2 staff x 4 days x 2 shifts; the second may not follow the first; at most 2 days in a
    # row; at least 2 and 1 shifts of minutes; requests
    target = np.array([[2, 1], [1, 0], [2, 0], [0, 1]]).reshape(4, 2, 1)
    problem = roster_problem(
        2,
        4,
        [480, 480],
        cover_target=target,
        cover_under_weight=np.full(target.shape, 10),
        cover_over_weight=np.full(target.shape, 3),
        forbidden=[[False, True], [False, False]],
        min_minutes=[960, 480],
        max_minutes=[1440, 1440],
        max_consecutive=[2, 2],
        min_consecutive_off=[1, 2],
        **_requests((0, 1, 0, True, 4), (1, 2, 1, False, 3)),
    )
    start = construct(problem, 10.0, SolveOptions(seed=0)) if built else None
    assert start is not None or not built
    relaxation = columns.relax(problem, start, 60.0, workers=1)
    assert relaxation is not None
    expected = _relaxation_over_personal_rosters(problem)
    assert relaxation.value == pytest.approx(expected, abs=1e-6)
    best, _ = brute_force(problem)
    assert (expected, best) == (27.0, 30)  # a relaxation, strictly below the optimum here
    assert relaxation.bound == pytest.approx(expected, abs=1e-6)  # priced to optimality
    roster = columns.guided(problem, relaxation, ONE_WORKER)
    assert roster is not None
    check = check_roster(problem, roster)
    assert check.feasible, check.violations
    assert check.objective >= best


@pytest.mark.parametrize("seed", range(6))
def test_the_lagrangian_bound_is_below_every_roster(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the cover rows relaxed, any credits bound every roster. On random problems of two
    staff with weighted cover minima, the bound from column generation is at most the
    brute-force optimum; priced to optimality, it is the master's value but for the reduced
    costs too small to enter (:data:`solvers.roster.columns.REDUCED_COST` a person) and the
    rounding of the credits."""
    from solvers.roster import columns
    from solvers.roster.greedy import construct

    monkeypatch.setattr(columns, "PRICE_SECONDS", 10.0)
    monkeypatch.setattr(columns, "STALL_ROUNDS", 1_000)
    rng = np.random.default_rng(seed)
    days = 3
    target = rng.integers(0, 3, size=(days, 2, 1))
    target[0, 1, 0] = 2  # nobody may work it: its under-cover column is at its bound
    available = np.ones((2, days, 2), dtype=bool)
    available[:, 0, 1] = False
    staff, day = [0, 1], rng.integers(days, size=2)
    problem = roster_problem(
        2,
        days,
        [480, 600],
        available=available,
        cover_target=target,
        cover_min=np.minimum(target, rng.integers(0, 2, size=target.shape)),
        cover_min_weight=int(rng.integers(5, 30)),
        cover_under_weight=rng.integers(1, 15, size=target.shape),
        cover_over_weight=rng.integers(0, 6, size=target.shape),
        forbidden=[[False, True], [False, False]],
        min_minutes=[480, 0],
        max_consecutive=[2, 3],
        **_requests(
            (staff[0], int(day[0]), 0, True, int(rng.integers(1, 6))),
            (staff[1], int(day[1]), 1, False, int(rng.integers(1, 6))),
        ),
    )
    start = construct(problem, 10.0, SolveOptions(seed=0))
    assert start is not None
    relaxation = columns.relax(problem, start, 60.0, workers=1)
    assert relaxation is not None
    best, _ = brute_force(problem)
    assert best is not None
    assert relaxation.bound <= best
    slack = columns.REDUCED_COST * problem.n_staff + 0.01
    assert relaxation.value - slack <= relaxation.bound <= relaxation.value + 1e-6


@pytest.mark.parametrize("seed", range(3))
def test_a_guided_roster_meets_every_hard_rule_and_keeps_the_integral_days(seed: int) -> None:
    """Two competences with substitution, clock-time rests, nights, weekends and fairness
    groups: the master's value is no dearer than the start's own columns (their cover and
    personal penalties; the spreads are not in the master); the heaviest columns and the guided
    roster pass the checker, and the guided roster works every day the master keeps as the
    master has it, and every other day as one of the person's columns in use (narrowed), or
    as it likes (the integral days alone kept, from the narrowed roster)."""
    from solvers.roster.columns import INTEGRAL, guided, relax
    from solvers.roster.greedy import construct

    problem = _clinic_like(seed, days=14)
    start = construct(problem, 30.0, SolveOptions(seed=0))
    assert start is not None
    before = check_roster(problem, start)
    relaxation = relax(problem, start, 10.0)
    assert relaxation is not None
    spreads = before.penalty_by_rule.get("weekend_fairness", 0)
    spreads += before.penalty_by_rule.get("night_fairness", 0)
    assert relaxation.value <= before.objective - spreads + 1e-6
    assert relaxation.columns >= problem.n_staff
    heaviest = check_roster(problem, relaxation.heaviest)
    assert heaviest.feasible, heaviest.violations
    kept = relaxation.kept()
    assert (kept != -2).any()
    assert np.array_equal(relaxation.heaviest.shift[kept != -2], kept[kept != -2])
    roster = guided(problem, relaxation, SolveOptions(time_limit=10.0, num_workers=2, seed=seed))
    assert roster is not None
    check = check_roster(problem, roster)
    assert check.feasible, check.violations
    assert np.array_equal(roster.shift[kept != -2], kept[kept != -2])
    # every other day as one of the person's columns in use has it
    weight = np.concatenate(
        [1 - relaxation.worked.sum(axis=2, keepdims=True), relaxation.worked], 2
    )
    staff, days = np.nonzero(kept == -2)
    assert (weight[staff, days, roster.shift[staff, days] + 1] > INTEGRAL).all()
    options = SolveOptions(time_limit=5.0, num_workers=2, seed=seed)
    wider = guided(problem, relaxation, options, narrow=False, hint=roster)
    assert wider is not None
    check = check_roster(problem, wider)
    assert check.feasible, check.violations
    assert np.array_equal(wider.shift[kept != -2], kept[kept != -2])


def test_column_generation_without_a_start_needs_a_roster_for_everyone() -> None:
    """Priced first columns: a person whose own rules cannot hold (more minutes than the days
    allow) leaves no master to solve."""
    from solvers.roster.columns import relax

    target = np.ones((3, 1, 1), dtype=np.int64)
    problem = roster_problem(
        2,
        3,
        [480],
        cover_target=target,
        cover_under_weight=np.full(target.shape, 10),
        min_minutes=[0, 4 * 480],
        max_minutes=[3 * 480, 5 * 480],
    )
    assert relax(problem, None, 2.0, workers=1) is None
    feasible = replace(problem, min_minutes=np.array([0, 480]))
    relaxation = relax(feasible, None, 2.0, workers=1)
    assert relaxation is not None
    check = check_roster(feasible, relaxation.heaviest)
    assert check.feasible, check.violations


def test_column_generation_refuses_a_hard_cover_minimum() -> None:
    from solvers.roster.columns import applies, relax

    problem = TINY["rests_nights_minimum"]
    assert not applies(problem)
    assert applies(replace(problem, cover_min_weight=50))
    start = solve(problem, ONE_WORKER).solution
    assert start is not None
    with pytest.raises(ValueError, match="hard cover minimum"):
        relax(problem, start, 1.0)


def test_every_roster_a_pricing_solve_finds_is_a_column_at_its_own_cost() -> None:
    """The master takes every roster a pricing solve finds on its way, not only its last: each
    meets the person's hard rules, costs what the checker counts for the person, and is
    cheaper at the credits than the one before it."""
    from solvers.roster.columns import SCALE, _cells, _Person

    problem = _clinic_like(0, days=14)
    rng = np.random.default_rng(0)
    credit = {
        (d, t, int(c)): int(rng.integers(0, 40 * SCALE))
        for d in range(problem.n_days)
        for t in range(problem.n_shifts)
        for c in np.flatnonzero(problem.can_cover.any(axis=0))
    }
    found = 0
    for s in range(problem.n_staff):
        person = _Person(problem, s)
        priced = person.price(credit)
        assert priced.rosters, f"staff {s}: no roster"
        reduced = []
        for roster, cost in priced.rosters:
            check = check_roster(person.problem, roster)
            assert check.feasible, check.violations
            assert check.objective == pytest.approx(cost)
            reduced.append(cost - sum(credit.get(cell, 0) for cell in _cells(roster)) / SCALE)
        assert reduced == sorted(reduced, reverse=True)
        assert reduced[-1] >= priced.lowest - 1e-6
        found += len(priced.rosters)
    assert found > problem.n_staff  # some solve found more than its last roster


def test_a_solve_stopped_at_a_limit_reports_the_rosters_own_value() -> None:
    """Stopped at a limit, CP-SAT's last roster may carry slack in its penalty variables: here
    (one worker, a deterministic limit) its objective was 1,012 and its under-cover 980 where
    the roster's are 1,002 and 970. The result gives the roster's own value, as the checker
    counts it."""
    problem = _clinic_like(0, days=28)
    native = {"max_deterministic_time": 0.5}
    result = solve(problem, SolveOptions(seed=0, num_workers=1, native=native))
    assert result.solution is not None
    assert result.stats.status is SolveStatus.FEASIBLE
    check = check_roster(problem, result.solution)
    assert check.feasible, check.violations
    assert result.stats.objective == check.objective
    assert result.penalties == dict(check.penalty_by_rule)
