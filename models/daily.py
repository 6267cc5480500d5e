"""The daily plan problem and result: weekly volumes broken into days.

Index-based and compact: activities ``a``, days ``d`` (7 per week, from a Monday), weeks ``w``,
room types ``r`` and competences ``c`` are positions in arrays; names stay in the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from models.solve import SolveStats

Array = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class DailyWeights:
    """Weights of the daily plan's objective terms (see :func:`solvers.daily.solve`).

    The defaults rank the terms: place every activity first, then level the staff-hour need over
    the days of each week, then follow the weekday profiles.
    """

    unplaced: float = 1000.0
    """Per activity left unplaced, times the activity's priority."""
    levelling: float = 10.0
    """Per shift of the weekly peak day's staff need, per competence and week."""
    profile: float = 1.0
    """Per activity placed away from its weekday profile's share of the week."""


@dataclass(frozen=True)
class DailyProblem:
    """Weekly volumes to break into days, and what the days can hold.

    Attributes
    ----------
    volumes
        ``(A, W)`` activities to place in each week.
    integral
        ``(A,)`` True for activities counted in whole numbers (operations, visits).
    share
        ``(A, D)`` the share of its week's volume the weekday profile gives each day; zero on
        days the activity cannot take place. Each week's shares sum to 1 for every activity with
        any allowed day in that week.
    room_minutes
        ``(A, R)`` minutes of each room type one activity takes.
    room_capacity
        ``(R, D)`` plannable minutes of each room type per day.
    staff_hours
        ``(A, C)`` staff hours of each competence one activity takes.
    shift_hours
        ``(C,)`` hours of one shift of each competence: the levelling term counts in shifts.
    priority
        ``(A,)`` weight of an unplaced activity.
    """

    volumes: Array
    integral: Mask
    share: Array
    room_minutes: Array
    room_capacity: Array
    staff_hours: Array
    shift_hours: Array
    priority: Array
    weights: DailyWeights = field(default_factory=DailyWeights)

    @property
    def n_activities(self) -> int:
        """Number of activity types."""
        return int(self.volumes.shape[0])

    @property
    def n_weeks(self) -> int:
        """Number of weeks."""
        return int(self.volumes.shape[1])

    @property
    def n_days(self) -> int:
        """Number of days (7 per week)."""
        return 7 * self.n_weeks

    def __post_init__(self) -> None:
        a, w = self.volumes.shape
        d = 7 * w
        r = self.room_capacity.shape[0]
        c = self.shift_hours.shape[0]
        expected = {
            "integral": (self.integral.shape, (a,)),
            "share": (self.share.shape, (a, d)),
            "room_minutes": (self.room_minutes.shape, (a, r)),
            "room_capacity": (self.room_capacity.shape, (r, d)),
            "staff_hours": (self.staff_hours.shape, (a, c)),
            "priority": (self.priority.shape, (a,)),
        }
        for name, (shape, want) in expected.items():
            if shape != want:
                raise ValueError(f"{name} has shape {shape}, expected {want}")
        if (self.volumes < 0).any():
            raise ValueError("volumes must not be negative")


@dataclass(frozen=True)
class DailyResult:
    """The daily plan: activities per day, what could not be placed, and the objective's terms.

    ``volumes`` and ``unplaced`` are None when the solve found no plan (see ``stats.status``).
    """

    stats: SolveStats
    volumes: Array | None = None
    """``(A, D)`` activities per day."""
    unplaced: Array | None = None
    """``(A, W)`` activities of each week that no day could hold."""
    penalties: dict[str, float] = field(default_factory=dict)
    """The objective split by term (``unplaced``, ``levelling``, ``profile``), weighted."""
