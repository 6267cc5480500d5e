"""The shared solver types."""

from __future__ import annotations

import math

import pytest

from solvers.common import SolveOptions, SolveStats, SolveStatus, relative_gap


@pytest.mark.parametrize(
    ("objective", "bound", "gap"),
    [(100.0, 99.0, 0.01), (0.5, 0.0, 0.5), (-200.0, -202.0, 0.01), (10.0, math.inf, math.inf)],
)
def test_relative_gap(objective: float, bound: float, gap: float) -> None:
    assert relative_gap(objective, bound) == pytest.approx(gap)


def test_stats_gap_and_status() -> None:
    stats = SolveStats(
        SolveStatus.FEASIBLE, objective=110.0, bound=100.0, wall_time=1.0, backend="test"
    )
    assert stats.gap == pytest.approx(10 / 110)
    assert stats.status.has_solution
    assert not SolveStatus.NO_SOLUTION.has_solution


def test_workers_default_to_the_cores() -> None:
    assert SolveOptions().workers >= 1
    assert SolveOptions(num_workers=2).workers == 2
    assert SolveOptions().native == {}


def test_native_cp_sat_parameters_are_set_by_name_or_named_when_wrong() -> None:
    from ortools.sat.python import cp_model

    from solvers.cpsat import set_native

    params = cp_model.CpSolver().parameters
    set_native(params, {"cp_model_presolve": False, "subsolvers": ["default_lp"]})
    assert params.cp_model_presolve is False
    assert list(params.subsolvers) == ["default_lp"]
    with pytest.raises(ValueError, match="native: got 'bogus', expected a CP-SAT parameter name"):
        set_native(params, {"bogus": True})
    with pytest.raises(ValueError, match=r"native\.num_workers: got 'two', expected a value"):
        set_native(params, {"num_workers": "two"})
