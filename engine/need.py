"""Care need -> production need -> capacity need, as matrix products.

With ``F`` the forecast (weeks x product groups, patients), ``M`` the activity mix (product
groups x activities, activities per patient) and ``R`` the requirement (activities x resources,
hours or staffed bed-days per activity):

    production need = F M          (activities per week)
    capacity need   = F M R        (hours per competence and room type, staffed bed-days per ward)

A resource is a competence, a room type or a ward, in that order (see :class:`Resources`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from engine.calendar import Horizon
    from models.unit import Unit

Array = npt.NDArray[np.float64]


SUMMED_STEPS = {"beds": "bed-weeks"}
"""Step names that do not add up over weeks, and what their sum is called."""


@dataclass(frozen=True)
class Resources:
    """The resources of a unit in one fixed order, with what a gap in each is counted in."""

    keys: tuple[str, ...]
    """``competence:<id>``, ``room_type:<id>`` or ``ward:<id>``."""
    kinds: tuple[str, ...]
    refs: tuple[str, ...]
    names: tuple[str, ...]
    measures: tuple[str, ...]
    """What need and available capacity are measured in: ``hours`` or ``bed-days``."""
    step: Array
    """Size of one step of extra capacity in the measure: a shift's hours for a competence, a
    mean opening day's hours for a room type, a bed for a week (7 bed-days) for a ward."""
    step_names: tuple[str, ...]
    """What a step is called: ``shifts``, ``room-days`` or ``beds``."""

    @property
    def summed_step_names(self) -> tuple[str, ...]:
        """What steps added up over weeks are called: shifts and room-days add up, a bed for a
        week does not (two weeks one bed short are two ``bed-weeks``, not two beds)."""
        return tuple(SUMMED_STEPS.get(name, name) for name in self.step_names)

    fte: Array
    """Clinical hours a full-time employee gives per week (NaN for rooms and wards)."""

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def of(cls, unit: Unit) -> Resources:
        """The resources of ``unit``: its competences, room types and wards."""
        full_time = unit.settings.full_time_minutes_per_week / 60
        open_hours: dict[str, list[float]] = {r.id: [] for r in unit.room_types}
        for room in unit.rooms:
            for opening in room.opening:
                open_hours[room.room_type] += [opening.minutes / 60] * len(opening.weekdays)
        rows = (
            [
                (
                    "competence",
                    c.id,
                    c.name,
                    "hours",
                    c.shift_minutes / 60,
                    "shifts",
                    full_time * (1 - c.non_clinical_share),
                )
                for c in unit.competences
            ]
            + [
                (
                    "room_type",
                    r.id,
                    r.name,
                    "hours",
                    float(np.mean(open_hours[r.id])) if open_hours[r.id] else 8.0,
                    "room-days",
                    np.nan,
                )
                for r in unit.room_types
            ]
            + [("ward", w.id, w.name, "bed-days", 7.0, "beds", np.nan) for w in unit.wards]
        )
        kinds, refs, names, measures, step, step_names, fte = (
            zip(*rows, strict=True) if rows else ((),) * 7
        )
        return cls(
            keys=tuple(f"{kind}:{ref}" for kind, ref in zip(kinds, refs, strict=True)),
            kinds=tuple(kinds),
            refs=tuple(refs),
            names=tuple(name or ref for name, ref in zip(names, refs, strict=True)),
            measures=tuple(measures),
            step=np.array(step, dtype=float),
            step_names=tuple(step_names),
            fte=np.array(fte, dtype=float),
        )


def mix_matrix(unit: Unit) -> Array:
    """``M``: activities per patient, product groups x activity types."""
    activity = {a.id: i for i, a in enumerate(unit.activity_types)}
    mix = np.zeros((len(unit.product_groups), len(unit.activity_types)))
    for g, group in enumerate(unit.product_groups):
        for activity_id, per_patient in group.mix.items():
            mix[g, activity[activity_id]] = per_patient
    return mix


def requirement_matrix(unit: Unit, resources: Resources) -> Array:
    """``R``: per activity, the hours of each competence and room type it takes, and the
    staffed bed-days of its ward (one bed-day over the ward's target occupancy)."""
    index = {key: r for r, key in enumerate(resources.keys)}
    occupancy = {w.id: w.target_occupancy for w in unit.wards}
    requirement = np.zeros((len(unit.activity_types), len(resources)))
    for a, activity in enumerate(unit.activity_types):
        hours = activity.mean_process_time / 60
        for competence, persons in activity.team.items():
            requirement[a, index[f"competence:{competence}"]] += hours * persons
        if activity.room_type is not None:
            requirement[a, index[f"room_type:{activity.room_type}"]] += hours
        if activity.ward is not None:
            requirement[a, index[f"ward:{activity.ward}"]] += 1 / occupancy[activity.ward]
    return requirement


def forecast_matrix(unit: Unit, horizon: Horizon) -> Array:
    """``F``: forecast patients, weeks x product groups (weeks without a forecast are 0)."""
    group = {g.id: i for i, g in enumerate(unit.product_groups)}
    week = {label: w for w, label in enumerate(horizon.weeks)}
    forecast = np.zeros((horizon.n_weeks, len(unit.product_groups)))
    if unit.care_need:
        rows = np.array([week[n.week] for n in unit.care_need])
        cols = np.array([group[n.product_group] for n in unit.care_need])
        np.add.at(forecast, (rows, cols), [n.patients for n in unit.care_need])
    return forecast


def waiting_patients(unit: Unit) -> Array:
    """Patients on the waiting list per product group."""
    group = {g.id: i for i, g in enumerate(unit.product_groups)}
    waiting = np.zeros(len(unit.product_groups))
    for entry in unit.waiting_list:
        waiting[group[entry.product_group]] += entry.patients
    return waiting


def production_need(unit: Unit, horizon: Horizon) -> Array:
    """Activities per week: weeks x activity types (``F M``)."""
    result: Array = forecast_matrix(unit, horizon) @ mix_matrix(unit)
    return result


def capacity_need(unit: Unit, horizon: Horizon, resources: Resources) -> Array:
    """Need per week and resource, weeks x resources (``F M R``), in each resource's measure."""
    result: Array = production_need(unit, horizon) @ requirement_matrix(unit, resources)
    return result
