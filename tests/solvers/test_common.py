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
