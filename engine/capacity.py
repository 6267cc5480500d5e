"""Available capacity (tillgänglig kapacitet) per week and resource, and the capacity formula.

Staff: each member's contracted minutes, less the non-clinical share, delivered on the working
days (Monday to Friday, not public holidays) the member is not absent, counted in the primary
competence. A week with a public holiday gives 4/5 of a normal week, except for staff of a
round-the-clock competence (a ward), whose hours holidays do not reduce. Absence is counted on
Monday to Friday, so a vacation from Monday to Friday takes the whole week. A reduced week (the
calendar's ``reduced_weeks``) scales staff and rooms by its factor.

Rooms: opening hours on the days the room is open (not public holidays, not closures) times the
room type's utilisation (nyttjandegrad), less the share held back for acute care.

Wards: staffed beds (with bed changes such as summer closures) times days: staffed bed-days.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from models.unit import WEEKDAYS, Unit

if TYPE_CHECKING:
    from datetime import date

    from engine.calendar import Horizon
    from engine.need import Array, Resources


def capacity_in_activities(
    resource_sets: float, available_time: float, utilisation: float, mean_process_time: float
) -> float:
    """Production capacity in activities: ``K = P_res * t_res * N / t_med``.

    Parameters
    ----------
    resource_sets
        ``P_res``, the number of planable resource sets (teams with their room).
    available_time
        ``t_res``, the time each resource set is available for activities.
    utilisation
        ``N``, the utilisation (nyttjandegrad), in (0, 1]; it also covers variation.
    mean_process_time
        ``t_med``, the mean process time of one activity, in the unit of ``available_time``.
    """
    if mean_process_time <= 0:
        raise ValueError(f"mean_process_time must be positive, got {mean_process_time}")
    if not 0 < utilisation <= 1:
        raise ValueError(f"utilisation must be in (0, 1], got {utilisation}")
    if resource_sets < 0 or available_time < 0:
        raise ValueError("resource_sets and available_time must not be negative")
    return resource_sets * available_time * utilisation / mean_process_time


def _one_hot(labels: list[int], n_columns: int) -> Array:
    matrix = np.zeros((len(labels), n_columns))
    matrix[np.arange(len(labels)), labels] = 1.0
    return matrix


def staff_minutes(unit: Unit, horizon: Horizon) -> Array:
    """Clinical minutes each staff member gives per week: staff x weeks."""
    staff = unit.staff
    share = {c.id: c.non_clinical_share for c in unit.competences}
    full_time = unit.settings.full_time_minutes_per_week
    contract = np.array(
        [
            (
                m.contract_minutes_per_week
                if m.contract_minutes_per_week is not None
                else m.employment_rate * full_time
            )
            * (
                1
                - (
                    m.non_clinical_share
                    if m.non_clinical_share is not None
                    else share[m.competences[0]]
                )
            )
            for m in staff
        ]
    )
    rows = np.array([s for s, m in enumerate(staff) for _ in m.absences], dtype=np.int64)
    absences = [a for m in staff for a in m.absences]
    absent = horizon.coverage(
        rows,
        [a.start for a in absences],
        [a.end for a in absences],
        np.array([a.fraction for a in absences]),
        len(staff),
    )
    round_the_clock = {c.id for c in unit.competences if c.round_the_clock}
    every_weekday = np.array([m.competences[0] in round_the_clock for m in staff], dtype=bool)
    base = np.where(every_weekday[:, None], horizon.weekday < 5, horizon.workday)
    present = base * (1.0 - np.minimum(absent, 1.0))
    result: Array = contract[:, None] * horizon.per_week(present) / 5.0 * horizon.reduced
    return result


def room_open_minutes(unit: Unit, horizon: Horizon) -> Array:
    """Open minutes of each room per day, before utilisation: rooms x days."""
    weekday_column = {day: i for i, day in enumerate(WEEKDAYS)}
    per_weekday = np.zeros((len(unit.rooms), 7))
    for r, room in enumerate(unit.rooms):
        for opening in room.opening:
            for day in opening.weekdays:
                per_weekday[r, weekday_column[day]] += opening.minutes
    rows = np.array([r for r, room in enumerate(unit.rooms) for _ in room.closures], dtype=np.int64)
    closures = [c for room in unit.rooms for c in room.closures]
    closed = horizon.coverage(
        rows,
        [c.start for c in closures],
        [c.end for c in closures],
        np.ones(len(closures)),
        len(unit.rooms),
    )
    daily: Array = per_weekday[:, horizon.weekday] * ~horizon.holiday * (closed == 0)
    return daily


def room_minutes(unit: Unit, horizon: Horizon) -> Array:
    """Open minutes of each room per week, before utilisation: rooms x weeks."""
    result: Array = horizon.per_week(room_open_minutes(unit, horizon)) * horizon.reduced
    return result


def plannable_room_minutes(unit: Unit, horizon: Horizon) -> Array:
    """Minutes per day that each room type can be planned for: open minutes of its rooms times
    utilisation, less the acute reserve, in reduced weeks scaled down; room types x days."""
    room_type = {r.id: i for i, r in enumerate(unit.room_types)}
    share = np.array([r.utilisation * (1 - r.acute_reserve) for r in unit.room_types])
    by_type = _one_hot(
        [room_type[r.room_type] for r in unit.rooms], len(room_type)
    ).T @ room_open_minutes(unit, horizon)
    result: Array = by_type * share[:, None] * np.repeat(horizon.reduced, 7)
    return result


def ward_beds(unit: Unit, horizon: Horizon) -> Array:
    """Staffed beds of each ward per day: wards x days."""
    base = np.array([w.beds for w in unit.wards], dtype=float)
    changes = [(w, c) for w, ward in enumerate(unit.wards) for c in ward.bed_changes]
    starts: list[date] = [c.start for _, c in changes]
    delta = horizon.coverage(
        np.array([w for w, _ in changes], dtype=np.int64),
        starts,
        [c.end for _, c in changes],
        np.array([c.beds - base[w] for w, c in changes]),
        len(unit.wards),
    )
    result: Array = np.maximum(base[:, None] + delta, 0.0)
    return result


def ward_bed_days(unit: Unit, horizon: Horizon) -> Array:
    """Staffed bed-days of each ward per week: wards x weeks."""
    return horizon.per_week(ward_beds(unit, horizon))


def available_capacity(unit: Unit, horizon: Horizon, resources: Resources) -> Array:
    """Available capacity per week and resource, weeks x resources, in each one's measure."""
    competence = {c.id: i for i, c in enumerate(unit.competences)}
    room_type = {r.id: i for i, r in enumerate(unit.room_types)}
    utilisation = np.array([r.utilisation * (1 - r.acute_reserve) for r in unit.room_types])

    by_competence = (
        staff_minutes(unit, horizon).T
        @ _one_hot([competence[m.competences[0]] for m in unit.staff], len(competence))
        / 60
    )
    by_room_type = (
        room_minutes(unit, horizon).T
        @ _one_hot([room_type[r.room_type] for r in unit.rooms], len(room_type))
        * utilisation
        / 60
    )
    by_ward = ward_bed_days(unit, horizon).T
    available = np.hstack([by_competence, by_room_type, by_ward])
    assert available.shape == (horizon.n_weeks, len(resources))
    return available
