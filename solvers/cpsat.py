"""What the CP-SAT solvers share: integral objective values and bounds, and the callback that
turns each incumbent into a :class:`solvers.common.Progress`."""

from __future__ import annotations

import math

from ortools.sat.python import cp_model

from solvers.common import Progress, ProgressCallback


def integral(value: float) -> float:
    """The objective is a sum of integer terms: drop the floating-point noise."""
    return float(round(value))


def integral_bound(value: float) -> float:
    """A bound on an integer objective may be rounded up."""
    return float(math.ceil(value - 1e-6)) if math.isfinite(value) else value


class Reporter(cp_model.CpSolverSolutionCallback):
    """Turns each incumbent into a :class:`Progress` and remembers when the first came."""

    def __init__(self, progress: ProgressCallback | None) -> None:
        super().__init__()
        self._progress = progress
        self.first: float | None = None
        self.count = 0

    def on_solution_callback(self) -> None:
        self.count += 1
        elapsed = self.wall_time
        if self.first is None:
            self.first = elapsed
        if self._progress is not None:
            self._progress(
                Progress(
                    elapsed=elapsed,
                    objective=integral(self.objective_value),
                    bound=integral_bound(self.best_objective_bound),
                    solutions=self.count,
                )
            )
