"""What the CP-SAT solvers share: integral objective values and bounds, native parameters,
and the callback that turns each incumbent into a :class:`solvers.common.Progress`."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from solvers.common import Progress, ProgressCallback

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any


def set_native(params: Any, native: Mapping[str, Any]) -> None:
    """Set CP-SAT's own parameters (``params``, a solver's) by name (a list for a repeated
    field, e.g. subsolvers).

    Raises
    ------
    ValueError
        For a name CP-SAT does not have, or a value of the wrong type, naming both.
    """
    for name, value in native.items():
        if name.startswith("_") or not hasattr(params, name):
            raise ValueError(f"native: got {name!r}, expected a CP-SAT parameter name")
        try:
            if isinstance(value, list | tuple):
                field = getattr(params, name)
                field.clear()
                field.extend(value)
            else:
                setattr(params, name, value)
        except (TypeError, ValueError):
            kind = type(getattr(params, name)).__name__
            expected = f"expected a value of type {kind}"
            raise ValueError(f"native.{name}: got {value!r}, {expected}") from None


def integral(value: float) -> float:
    """The objective is a sum of integer terms: drop the floating-point noise."""
    return float(round(value))


def integral_bound(value: float) -> float:
    """A bound on an integer objective may be rounded up."""
    return float(math.ceil(value - 1e-6)) if math.isfinite(value) else value


class Reporter(cp_model.CpSolverSolutionCallback):
    """Turns each incumbent into a :class:`Progress` and remembers when the first came.

    With ``outside_bound`` (a bound proved elsewhere, read at each incumbent), the search stops
    as soon as an incumbent meets it, and the reported bound is the better of the two.
    """

    def __init__(
        self,
        progress: ProgressCallback | None,
        outside_bound: Callable[[], float] | None = None,
    ) -> None:
        super().__init__()
        self._progress = progress
        self._outside = outside_bound
        self.first: float | None = None
        self.count = 0
        self.best = math.inf
        """The objective of the last incumbent."""

    def on_solution_callback(self) -> None:
        self.count += 1
        elapsed = self.wall_time
        if self.first is None:
            self.first = elapsed
        self.best = integral(self.objective_value)
        bound = integral_bound(self.best_objective_bound)
        if self._outside is not None:
            bound = max(bound, self._outside())
            if self.best <= bound:
                self.stop_search()
        if self._progress is not None:
            self._progress(
                Progress(elapsed=elapsed, objective=self.best, bound=bound, solutions=self.count)
            )
