"""Status and statistics of a solve: data that every result type carries."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class SolveStatus(StrEnum):
    """How a solve ended."""

    OPTIMAL = "optimal"
    """Proven optimal (within the gap limit, if one was set)."""
    FEASIBLE = "feasible"
    """A solution, not proven optimal (time or gap limit reached)."""
    INFEASIBLE = "infeasible"
    """Proven to have no solution that meets the hard rules."""
    NO_SOLUTION = "no_solution"
    """Stopped (time limit, cancelled) before any solution was found; nothing is proven."""
    INVALID = "invalid"
    """The solver rejected the model."""

    @property
    def has_solution(self) -> bool:
        """True if the result carries a solution."""
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


def relative_gap(objective: float, bound: float) -> float:
    """``|objective - bound| / max(1, |objective|)``; infinite without an objective or bound."""
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.inf
    return abs(objective - bound) / max(1.0, abs(objective))


@dataclass(frozen=True)
class SolveStats:
    """How a solve went: status, objective, best bound, gap, times and model size."""

    status: SolveStatus
    objective: float
    bound: float
    wall_time: float
    backend: str
    first_solution_time: float | None = None
    variables: int = 0
    constraints: int = 0

    @property
    def gap(self) -> float:
        """Relative gap between objective and bound."""
        return relative_gap(self.objective, self.bound)
