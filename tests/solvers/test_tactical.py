"""The tactical MILP on tiny problems whose optimum is computed by hand, and on both backends."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from models.plan import ExtraCapacity, Pins, TacticalProblem, TacticalWeights
from solvers.common import Progress, SolveOptions, SolveStatus
from solvers.tactical import explain, solve
from solvers.tactical.formulation import recent_arrivals

pytestmark = pytest.mark.solver

EXACT = SolveOptions(gap_limit=1e-9, num_workers=1)
ONLY_BACKLOG = TacticalWeights(backlog=1.0, breach=0.0, levelling=0.0, terminal=0.0)


def problem(
    need: list[float],
    capacity: list[float],
    *,
    waiting: list[float] | None = None,
    guarantee: int = 12,
    weights: TacticalWeights = ONLY_BACKLOG,
    extra: ExtraCapacity | None = None,
    pins: Pins | None = None,
) -> TacticalProblem:
    """One product group taking one hour of one resource per patient."""
    n = len(need)
    return TacticalProblem(
        need=np.array(need, dtype=float)[:, None],
        waiting=np.array([waiting or [0.0]], dtype=float),
        guarantee_weeks=np.array([guarantee]),
        usage=np.ones((1, 1)),
        capacity=np.array(capacity, dtype=float)[:, None],
        extra=extra or ExtraCapacity.none(n),
        pins=pins or Pins.none(1),
        weights=weights,
    )


def extra(n_weeks: int, *kinds: tuple[float, float, float, bool, int]) -> ExtraCapacity:
    """Kinds of extra capacity on resource 0: ``(size, cost, max units, integer, block)``."""
    return ExtraCapacity(
        resource=np.zeros(len(kinds), dtype=np.int64),
        size=np.array([k[0] for k in kinds]),
        cost=np.array([k[1] for k in kinds]),
        max_units=np.tile([k[2] for k in kinds], (n_weeks, 1)).astype(float),
        integer=np.array([k[3] for k in kinds]),
        block_weeks=np.array([k[4] for k in kinds], dtype=np.int64),
    )


@pytest.mark.parametrize("backend", ["highs", "cbc"])
def test_backlog_carries_over_by_hand(backend: str) -> None:
    # 10 arrive in week 0, 6 can be treated: 4 wait a week, then are treated.
    result = solve(problem([10, 0], [6, 10]), SolveOptions(backend=backend, gap_limit=1e-9))
    assert result.status is SolveStatus.OPTIMAL
    assert result.solution is not None
    np.testing.assert_allclose(result.solution.production[:, 0], [6, 4], atol=1e-6)
    np.testing.assert_allclose(result.solution.backlog[:, 0], [4, 0], atol=1e-6)
    assert result.stats.objective == pytest.approx(4.0)
    assert result.stats.gap == pytest.approx(0.0, abs=1e-6)


def test_levelling_spreads_a_peak_by_hand() -> None:
    # Treat a in week 0 and 10 - a in week 1: cost (10 - a) + 2 |10 - 2a|, least at a = 5.
    weights = TacticalWeights(backlog=1.0, breach=0.0, levelling=2.0, terminal=0.0)
    result = solve(problem([10, 0], [10, 10], weights=weights), EXACT)
    assert result.solution is not None
    np.testing.assert_allclose(result.solution.production[:, 0], [5, 5], atol=1e-6)
    assert result.stats.objective == pytest.approx(5.0)
    assert result.solution.terms == pytest.approx({"backlog": 5.0, "levelling": 0.0})


def test_cheap_levelling_keeps_the_peak_by_hand() -> None:
    # With a levelling weight of 0.3 treating all 10 at once costs 3 < 5.
    weights = TacticalWeights(backlog=1.0, breach=0.0, levelling=0.3, terminal=0.0)
    result = solve(problem([10, 0], [10, 10], weights=weights), EXACT)
    assert result.solution is not None
    np.testing.assert_allclose(result.solution.production[:, 0], [10, 0], atol=1e-6)
    assert result.stats.objective == pytest.approx(3.0)


def test_recent_arrivals_count_the_list_by_age() -> None:
    # 4 on the list arrived 3 weeks before week 0 (column 2); 2 arrive each week; guarantee 2.
    p = problem([2, 2, 2], [3, 3, 3], waiting=[0, 0, 4], guarantee=2)
    np.testing.assert_allclose(recent_arrivals(p)[:, 0], [2, 4, 4])
    p = problem([2, 2], [3, 3], waiting=[1, 0, 4], guarantee=2)
    # week 0: the 1 who came in week -1 and the 2 of week 0
    np.testing.assert_allclose(recent_arrivals(p)[:, 0], [3, 4])


def test_guarantee_breach_by_hand() -> None:
    # 4 waiting since week -3, guarantee 2 weeks, 2 new a week, 3 treated a week (oldest
    # first): week 0 leaves 3 waiting of whom 1 is past the guarantee; week 1 leaves 2, none.
    weights = TacticalWeights(backlog=1.0, breach=10.0, levelling=0.0, terminal=0.0)
    result = solve(problem([2, 2], [3, 3], waiting=[0, 0, 4], guarantee=2, weights=weights), EXACT)
    assert result.solution is not None
    np.testing.assert_allclose(result.solution.backlog[:, 0], [3, 2], atol=1e-6)
    np.testing.assert_allclose(result.solution.breach[:, 0], [1, 0], atol=1e-6)
    assert result.stats.objective == pytest.approx(5 + 10)
    assert result.solution.terms == pytest.approx({"backlog": 5.0, "breach": 10.0})


def test_terminal_weight_counts_who_is_left() -> None:
    weights = TacticalWeights(backlog=0.0, breach=0.0, levelling=0.0, terminal=3.0)
    result = solve(problem([10, 10], [6, 6], weights=weights), EXACT)
    assert result.stats.objective == pytest.approx(3.0 * 8)


@pytest.mark.parametrize("backend", ["highs", "cbc"])
def test_extra_shifts_are_whole_by_hand(backend: str) -> None:
    # 10 patients, 6 hours: a whole 4-hour shift (cost 4) beats 3 overtime hours (0.5 each)
    # and a patient waiting (10): 4 < 1.5 + 10; a fractional shift would cost only 2.5.
    weights = TacticalWeights(backlog=10.0, breach=0.0, levelling=0.0, terminal=0.0)
    kinds = extra(1, (4.0, 4.0, 1.0, True, 1), (1.0, 0.5, 3.0, False, 1))
    result = solve(
        problem([10], [6], weights=weights, extra=kinds),
        SolveOptions(backend=backend, gap_limit=1e-9, num_workers=1),
    )
    assert result.solution is not None
    np.testing.assert_allclose(result.solution.extra_units[0], [1.0, 0.0], atol=1e-6)
    assert result.stats.objective == pytest.approx(4.0)
    assert result.solution.terms == pytest.approx({"backlog": 0.0, "extra": 4.0})


def test_a_hire_holds_for_its_block() -> None:
    # A hire of 5 hours a week for 2-week blocks, cost 1 a week: needed in week 1 only, paid
    # for weeks 0 and 1; nobody waits (weight 100).
    weights = TacticalWeights(backlog=100.0, breach=0.0, levelling=0.0, terminal=0.0)
    kinds = extra(3, (5.0, 1.0, 1.0, True, 2))
    result = solve(problem([5, 10, 5], [5, 5, 5], weights=weights, extra=kinds), EXACT)
    assert result.solution is not None
    np.testing.assert_allclose(result.solution.extra_units[:, 0], [1, 1, 0], atol=1e-6)
    assert result.stats.objective == pytest.approx(2.0)


def test_pins_lock_volumes() -> None:
    pins = Pins(week=np.array([0]), coef=np.array([[1.0]]), value=np.array([3.0]))
    result = solve(problem([10, 0], [6, 10], pins=pins), EXACT)
    assert result.solution is not None
    np.testing.assert_allclose(result.solution.production[:, 0], [3, 7], atol=1e-6)
    assert result.stats.objective == pytest.approx(7.0)


@pytest.mark.parametrize("backend", ["highs", "cbc"])
def test_pinned_volume_above_capacity_is_infeasible_and_explained(backend: str) -> None:
    # Pinned 9 in week 0: 6 hours of capacity + at most 2 of overtime leave 1 hour missing.
    pins = Pins(week=np.array([0]), coef=np.array([[1.0]]), value=np.array([9.0]))
    kinds = extra(2, (1.0, 1.0, 2.0, False, 1))
    p = problem([10, 0], [6, 10], pins=pins, extra=kinds)
    options = SolveOptions(backend=backend, num_workers=1)
    result = solve(p, options)
    assert result.status is SolveStatus.INFEASIBLE
    assert result.solution is None
    shortfall = explain(p, options)
    np.testing.assert_allclose(shortfall.capacity[:, 0], [1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(shortfall.patients[:, 0], [0.0, 0.0], atol=1e-6)


def test_pinned_volume_above_the_waiting_patients_is_explained() -> None:
    # Pinned 12 in week 0 with only 10 there to treat: 2 patients missing.
    pins = Pins(week=np.array([0]), coef=np.array([[1.0]]), value=np.array([12.0]))
    p = problem([10, 0], [20, 20], pins=pins)
    assert solve(p, EXACT).status is SolveStatus.INFEASIBLE
    shortfall = explain(p)
    np.testing.assert_allclose(shortfall.patients[:, 0], [2.0, 0.0], atol=1e-6)
    assert shortfall.capacity.sum() == pytest.approx(0.0)


def random_problem(seed: int, n_weeks: int = 8) -> TacticalProblem:
    """Three groups, two resources, seasonal need, a waiting list and all kinds of extra."""
    rng = np.random.default_rng(seed)
    need = rng.uniform(2, 12, size=(n_weeks, 3)).round(1)
    capacity = rng.uniform(20, 45, size=(n_weeks, 2)).round(1)
    kinds = ExtraCapacity(
        resource=np.array([0, 0, 1, 1], dtype=np.int64),
        size=np.array([1.0, 8.0, 1.0, 20.0]),
        cost=np.array([1.0, 9.0, 0.8, 15.0]),
        max_units=np.tile([3.0, 1.0, 4.0, 2.0], (n_weeks, 1)),
        integer=np.array([False, True, False, True]),
        block_weeks=np.array([1, 1, 1, 2], dtype=np.int64),
    )
    return TacticalProblem(
        need=need,
        waiting=rng.integers(0, 6, size=(3, 5)).astype(float),
        guarantee_weeks=np.array([2, 3, 4]),
        usage=rng.uniform(0.5, 3.0, size=(3, 2)).round(2),
        capacity=capacity,
        extra=kinds,
        pins=Pins.none(3),
        weights=TacticalWeights(backlog=0.2, breach=5.0, levelling=0.4, terminal=1.0),
    )


@pytest.mark.parametrize("seed", range(4))
def test_highs_and_cbc_agree_on_the_objective(seed: int) -> None:
    p = random_problem(seed)
    highs = solve(p, SolveOptions(backend="highs", gap_limit=1e-9, num_workers=1))
    cbc = solve(p, SolveOptions(backend="cbc", gap_limit=1e-9, num_workers=1))
    assert highs.status is SolveStatus.OPTIMAL
    assert cbc.status is SolveStatus.OPTIMAL
    assert highs.stats.objective == pytest.approx(cbc.stats.objective, rel=1e-6)
    for result in (highs, cbc):
        assert result.solution is not None
        assert sum(result.solution.terms.values()) == pytest.approx(
            result.stats.objective, rel=1e-6
        )
        assert result.stats.bound <= result.stats.objective + 1e-6 * abs(result.stats.objective)


def week_to_week_change(production: np.ndarray[Any, Any]) -> float:
    return float(np.abs(np.diff(production, axis=0)).sum())


def test_levelling_lowers_week_to_week_variation() -> None:
    p = random_problem(7, n_weeks=12)
    flat = solve(p, EXACT)
    free = solve(
        TacticalProblem(**{**p.__dict__, "weights": TacticalWeights(0.2, 5.0, 0.0, 1.0)}),
        EXACT,
    )
    assert flat.solution is not None
    assert free.solution is not None
    assert week_to_week_change(flat.solution.production) < week_to_week_change(
        free.solution.production
    )


def test_the_solution_respects_capacity_and_backlog_rules() -> None:
    p = random_problem(3)
    result = solve(p, EXACT)
    solution = result.solution
    assert solution is not None
    bought = np.zeros_like(p.capacity)
    np.add.at(bought.T, p.extra.resource, (solution.extra_units * p.extra.size).T)
    assert (solution.production @ p.usage <= p.capacity + bought + 1e-6).all()
    stock = p.waiting.sum(axis=1) + np.cumsum(p.need - solution.production, axis=0)
    np.testing.assert_allclose(solution.backlog, stock, atol=1e-6)
    assert (solution.extra_units <= p.extra.max_units + 1e-9).all()
    integer = p.extra.integer
    np.testing.assert_allclose(
        solution.extra_units[:, integer], solution.extra_units[:, integer].round(), atol=1e-6
    )


def test_progress_and_warm_start() -> None:
    p = random_problem(1)
    reports: list[Progress] = []
    first = solve(p, EXACT, progress=reports.append)
    assert reports, "the final report at least"
    assert reports[-1].objective == pytest.approx(first.stats.objective)
    assert first.solution is not None
    again = solve(p, EXACT, hint=first.solution)
    assert again.stats.objective == pytest.approx(first.stats.objective, rel=1e-6)


def test_native_parameters_reach_the_backend() -> None:
    p = random_problem(2)
    stopped = solve(p, SolveOptions(num_workers=1, native={"mip_max_nodes": 0}))
    assert stopped.status in (SolveStatus.FEASIBLE, SolveStatus.OPTIMAL, SolveStatus.NO_SOLUTION)
    with pytest.raises(ValueError, match="backend"):
        solve(p, SolveOptions(backend="gurobi"))


def test_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="capacity has shape"):
        TacticalProblem(
            need=np.zeros((2, 1)),
            waiting=np.zeros((1, 1)),
            guarantee_weeks=np.array([1]),
            usage=np.ones((1, 1)),
            capacity=np.zeros((3, 1)),
            extra=ExtraCapacity.none(2),
            pins=Pins.none(1),
        )
