"""What every solver shares: options, progress reports, and (from :mod:`models.solve`) status
and run statistics.

Every formulation is a pure function ``solve(problem, options, progress) -> result`` whose result
carries a :class:`SolveStats`; being infeasible or out of time is a :class:`SolveStatus`, never an
exception.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from models.solve import SolveStats, SolveStatus, relative_gap

__all__ = [
    "Progress",
    "ProgressCallback",
    "SolveOptions",
    "SolveStats",
    "SolveStatus",
    "default_workers",
    "relative_gap",
]


def default_workers() -> int:
    """The machine's cores (the default for parallel solvers)."""
    return os.cpu_count() or 1


@dataclass(frozen=True)
class SolveOptions:
    """Options every backend accepts.

    Parameters
    ----------
    time_limit
        Wall-clock seconds; None for no limit.
    gap_limit
        Stop when the relative gap ``|objective - bound| / max(1, |objective|)`` is at most this.
    abs_gap_limit
        Stop when ``|objective - bound|`` is at most this (in the objective's own units).
    seed
        Random seed, for repeatable runs.
    num_workers
        Parallel workers; None means every core of the machine.
    backend
        For formulations with several backends (``"highs"`` or ``"cbc"`` for MILP).
    native
        Passed through to the backend unchanged (parameter name -> value).
    """

    time_limit: float | None = None
    gap_limit: float | None = None
    seed: int = 0
    num_workers: int | None = None
    backend: str | None = None
    native: Mapping[str, Any] = field(default_factory=dict)
    """A plain dict (not a read-only view) so that options can be sent to worker processes."""
    abs_gap_limit: float | None = None

    @property
    def workers(self) -> int:
        """``num_workers``, or every core when unset."""
        return self.num_workers if self.num_workers is not None else default_workers()

    def within_gap(self, objective: float, bound: float) -> bool:
        """``objective`` has met ``bound``, or is within :attr:`gap_limit` or
        :attr:`abs_gap_limit` of it (a search that finds rosters itself stops there)."""
        if objective <= bound:
            return True
        relative, absolute = self.gap_limit, self.abs_gap_limit
        return (relative is not None and relative_gap(objective, bound) <= relative) or (
            absolute is not None and objective - bound <= absolute
        )


@dataclass(frozen=True)
class Progress:
    """A progress report while solving: the incumbent, the bound and the time so far."""

    elapsed: float
    objective: float
    bound: float
    solutions: int

    @property
    def gap(self) -> float:
        """Relative gap of this report."""
        return relative_gap(self.objective, self.bound)


ProgressCallback = Callable[[Progress], None]
"""Called by a solver with each new incumbent (and, where the backend allows, new bounds)."""
