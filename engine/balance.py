"""Balance (balansering): capacity need against available capacity per week and resource.

The gap is ``need - available``: positive is a shortfall, negative is spare capacity. It is
expressed the way managers act on it: in shifts of the competence (room-days for a room type,
beds for a ward) and in full-time equivalents, and the resources are ranked by how much they
limit the plan (the bottleneck, flaskhals, first).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from engine.calendar import Horizon
from engine.capacity import available_capacity
from engine.errors import InputError, InputProblem
from engine.need import (
    Array,
    Resources,
    capacity_need,
    mix_matrix,
    requirement_matrix,
    waiting_patients,
)
from models.references import find_problems

if TYPE_CHECKING:
    from models.unit import Unit


def _utilisation(need: Array, available: Array) -> Array:
    """``need / available``; infinite where need meets no capacity, 0 where there is neither."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = need / available
    ratio = np.where(available > 0, ratio, np.where(need > 0, np.inf, 0.0))
    return np.asarray(ratio, dtype=float)


@dataclass(frozen=True)
class BalanceReport:
    """Need and available capacity of one unit, weeks x resources, and what follows from them."""

    unit_id: str
    weeks: tuple[str, ...]
    resources: Resources
    need: Array
    available: Array
    backlog_need: Array
    """Per resource, the capacity the current waiting list needs (same measure as ``need``)."""

    @property
    def gap(self) -> Array:
        """Shortfall per week and resource (``need - available``; negative means spare)."""
        return self.need - self.available

    @property
    def utilisation(self) -> Array:
        """``need / available`` per week and resource."""
        return _utilisation(self.need, self.available)

    @property
    def gap_steps(self) -> Array:
        """The gap in shifts (competences), room-days (room types) or beds (wards)."""
        return self.gap / self.resources.step

    @property
    def gap_fte(self) -> Array:
        """The gap in full-time equivalents (competences only; NaN for rooms and wards)."""
        return self.gap / self.resources.fte

    @cached_property
    def ranking(self) -> pd.DataFrame:
        """One row per resource, the bottleneck first.

        Resources are ordered by utilisation over the whole horizon (total need over total
        available), then by peak weekly utilisation.
        """
        r = self.resources
        total_need = self.need.sum(axis=0)
        total_available = self.available.sum(axis=0)
        weekly = self.utilisation
        peak = weekly.max(axis=0) if len(self.weeks) else np.zeros(len(r))
        peak_week = [self.weeks[i] for i in weekly.argmax(axis=0)] if len(self.weeks) else []
        shortfall = np.clip(self.gap, 0, None).sum(axis=0)
        spare = np.clip(-self.gap, 0, None).sum(axis=0)
        frame = pd.DataFrame(
            {
                "resource": r.keys,
                "kind": r.kinds,
                "name": r.names,
                "measure": r.measures,
                "need": total_need,
                "available": total_available,
                "utilisation": _utilisation(total_need, total_available),
                "peak_utilisation": peak,
                "peak_week": peak_week,
                "weeks_short": (self.gap > 1e-9).sum(axis=0),
                "shortfall": shortfall,
                "shortfall_steps": shortfall / r.step,
                "step": r.summed_step_names,
                "spare": spare,
                "backlog_need": self.backlog_need,
            }
        )
        frame = frame.sort_values(
            ["utilisation", "peak_utilisation"], ascending=False, kind="stable"
        ).reset_index(drop=True)
        frame.insert(0, "rank", np.arange(1, len(frame) + 1))
        return frame

    @property
    def bottleneck(self) -> str | None:
        """The resource that limits the plan most over the horizon."""
        return None if self.ranking.empty else str(self.ranking["resource"].iloc[0])

    def bottleneck_by_week(self) -> list[str | None]:
        """Per week, the resource with the highest utilisation (None if there are none)."""
        if not len(self.resources):
            return [None] * len(self.weeks)
        return [self.resources.keys[i] for i in self.utilisation.argmax(axis=1)]

    def frame(self) -> pd.DataFrame:
        """The long table: one row per week and resource."""
        r = self.resources
        n_weeks, n_resources = self.need.shape
        return pd.DataFrame(
            {
                "week": np.repeat(self.weeks, n_resources),
                "resource": np.tile(r.keys, n_weeks),
                "kind": np.tile(r.kinds, n_weeks),
                "name": np.tile(r.names, n_weeks),
                "measure": np.tile(r.measures, n_weeks),
                "need": self.need.ravel(),
                "available": self.available.ravel(),
                "gap": self.gap.ravel(),
                "utilisation": self.utilisation.ravel(),
                "gap_steps": self.gap_steps.ravel(),
                "step": np.tile(r.step_names, n_weeks),
                "gap_fte": self.gap_fte.ravel(),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready document: the long table, the ranking and the bottleneck per week."""

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            finite = frame.replace([np.inf, -np.inf], np.nan)
            return list(json.loads(finite.to_json(orient="records", double_precision=10)))

        return {
            "unit": self.unit_id,
            "weeks": list(self.weeks),
            "bottleneck": self.bottleneck,
            "bottleneck_by_week": dict(zip(self.weeks, self.bottleneck_by_week(), strict=True)),
            "ranking": records(self.ranking),
            "rows": records(self.frame()),
        }


def check_unit(unit: Unit) -> None:
    """Raise :class:`InputError` if ids in ``unit`` refer to nothing or dates fall outside."""
    problems = find_problems(unit)
    if problems:
        raise InputError(
            [
                InputProblem(
                    f"unit {unit.id}",
                    ".".join(str(part) for part in p.path),
                    p.value,
                    p.expected,
                )
                for p in problems
            ]
        )


def balance(unit: Unit, *, checked: bool = False) -> BalanceReport:
    """Balance the care need of ``unit`` against its available capacity, week by week.

    Parameters
    ----------
    unit
        The unit; its references are checked first unless ``checked`` says that was done.
    """
    if not checked:
        check_unit(unit)
    horizon = Horizon.of(unit.calendar)
    resources = Resources.of(unit)
    requirement = requirement_matrix(unit, resources)
    return BalanceReport(
        unit_id=unit.id,
        weeks=horizon.weeks,
        resources=resources,
        need=capacity_need(unit, horizon, resources),
        available=available_capacity(unit, horizon, resources),
        backlog_need=waiting_patients(unit) @ mix_matrix(unit) @ requirement,
    )
