"""The independent checker of a daily plan.

It reads the problem's arrays and the plan, in plain numpy, and shares no code with
:mod:`solvers.daily`: what the formulation promises (every week's volume placed or reported,
whole activities, only on allowed days, within each room type's minutes) is verified again here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from models.daily import DailyProblem, DailyResult

TOLERANCE = 1e-6


def check_daily(
    problem: DailyProblem,
    result: DailyResult,
    activity_ids: Sequence[str] | None = None,
    room_type_ids: Sequence[str] | None = None,
    day_labels: Sequence[str] | None = None,
) -> list[str]:
    """Every way ``result`` breaks the rules of ``problem``, one sentence each (empty if none).

    Parameters
    ----------
    activity_ids, room_type_ids, day_labels
        Names to use in the sentences instead of indices.
    """
    volumes, unplaced = result.volumes, result.unplaced
    if volumes is None or unplaced is None:
        return ["the result holds no plan"]
    n_activities, n_weeks = problem.volumes.shape
    n_days = 7 * n_weeks
    if volumes.shape != (n_activities, n_days) or unplaced.shape != (n_activities, n_weeks):
        return [
            f"the plan has shape {volumes.shape} and {unplaced.shape}, expected "
            f"{(n_activities, n_days)} and {(n_activities, n_weeks)}"
        ]
    activity = (
        list(activity_ids) if activity_ids else [f"activity {a}" for a in range(n_activities)]
    )
    room = (
        list(room_type_ids)
        if room_type_ids
        else [f"room type {r}" for r in range(problem.room_capacity.shape[0])]
    )
    day = list(day_labels) if day_labels else [f"day {d}" for d in range(n_days)]
    found: list[str] = []

    for a, d in zip(*np.nonzero(volumes < -TOLERANCE), strict=True):
        found.append(f"{activity[a]} on {day[d]}: negative volume {volumes[a, d]:g}")
    for a, w in zip(*np.nonzero(unplaced < -TOLERANCE), strict=True):
        found.append(f"{activity[a]} in week {w}: negative unplaced volume {unplaced[a, w]:g}")

    whole = problem.integral[:, None] & (np.abs(volumes - np.round(volumes)) > TOLERANCE)
    for a, d in zip(*np.nonzero(whole), strict=True):
        found.append(f"{activity[a]} on {day[d]}: {volumes[a, d]:g} is not a whole number")

    weekly = volumes.reshape(n_activities, n_weeks, 7).sum(axis=2)
    lost = np.abs(weekly + unplaced - problem.volumes) > TOLERANCE * np.maximum(1, problem.volumes)
    for a, w in zip(*np.nonzero(lost), strict=True):
        found.append(
            f"{activity[a]} in week {w}: {weekly[a, w]:g} placed + {unplaced[a, w]:g} unplaced, "
            f"but the week asks {problem.volumes[a, w]:g}"
        )

    barred = (problem.share <= 0) & (volumes > TOLERANCE)
    for a, d in zip(*np.nonzero(barred), strict=True):
        found.append(f"{activity[a]} on {day[d]}: {volumes[a, d]:g} on a day it cannot be done")

    used = problem.room_minutes.T @ volumes
    over = used > problem.room_capacity + TOLERANCE * np.maximum(1, problem.room_capacity)
    for r, d in zip(*np.nonzero(over), strict=True):
        found.append(
            f"{room[r]} on {day[d]}: {used[r, d]:g} minutes planned, "
            f"{problem.room_capacity[r, d]:g} available"
        )
    return found
