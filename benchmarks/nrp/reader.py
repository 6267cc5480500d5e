"""A Curtois & Qu instance as the engine's :class:`models.roster.RosterProblem`.

The benchmark's rules map one to one onto the roster vocabulary:

============================  ==============================================================
benchmark                     RosterProblem
============================  ==============================================================
one shift a day               one shift type or none per (staff, day)
cover requirement / weights   one competence; ``cover_min = 0``, ``cover_target`` =
                              requirement, ``cover_under_weight``, ``cover_over_weight``
NotFollowedBy                 ``forbidden[a, b]``
MaxShifts per type            ``max_shifts``; a count of 0 also makes the shift unavailable
Min/MaxTotalMinutes           ``min_minutes``, ``max_minutes`` (shift length = worked minutes)
Max/MinConsecutiveShifts      ``max_consecutive``, ``min_consecutive`` (boundary runs exempt)
MinConsecutiveDaysOff         ``min_consecutive_off`` (boundary runs exempt)
MaxWeekends                   ``max_weekends`` (day 0 is a Monday: ``first_weekday = 0``)
fixed days off                ``available[s, d, :] = False``
on / off requests             ``request_on`` True / False with the request's weight
============================  ==============================================================

The hospital rules that the benchmark does not have are switched off through the problem's own
fields: no daily rest (``min_rest = 0``), no weekly rest (``weekly_rest = 0``), no night shifts
(``shift_night`` all False, ``max_nights`` = days), no weekly minute bounds, no fairness, no
substitution. Shift clock times only matter for the rest rules, so every shift starts at 08:00.
"""

from __future__ import annotations

import numpy as np

from benchmarks.nrp.instance import Instance
from models.roster import MINUTES_PER_DAY, RosterProblem, roster_problem


def to_roster_problem(instance: Instance) -> RosterProblem:
    """The roster problem of a benchmark instance.

    Parameters
    ----------
    instance
        A parsed instance (:func:`benchmarks.nrp.instance.read_instance`).

    Returns
    -------
    RosterProblem
        Staff in file order, shift types in file order, one competence ``"staff"``.
    """
    n_staff, n_days, n_shifts = len(instance.employees), instance.days, len(instance.shifts)
    n_weeks = -(-n_days // 7)
    shift_of = instance.shift_index
    staff_of = instance.employee_index

    forbidden = np.zeros((n_shifts, n_shifts), dtype=bool)
    for a, shift in enumerate(instance.shifts):
        for follower in shift.not_followed_by:
            forbidden[a, shift_of[follower]] = True

    shape = (n_days, n_shifts, 1)
    target = np.zeros(shape, dtype=np.int64)
    under = np.zeros(shape, dtype=np.int64)
    over = np.zeros(shape, dtype=np.int64)
    for row in instance.cover:
        t = shift_of[row.shift]
        target[row.day, t, 0] = row.requirement
        under[row.day, t, 0] = row.weight_under
        over[row.day, t, 0] = row.weight_over

    available = np.ones((n_staff, n_days, n_shifts), dtype=bool)
    max_shifts = np.zeros((n_staff, n_shifts), dtype=np.int64)
    for s, employee in enumerate(instance.employees):
        available[s, list(employee.days_off), :] = False
        for t, shift in enumerate(instance.shifts):
            max_shifts[s, t] = min(employee.max_shifts[shift.id], n_days)
            if max_shifts[s, t] == 0:
                available[s, :, t] = False

    def per_staff(attribute: str) -> np.ndarray:
        return np.array([getattr(e, attribute) for e in instance.employees], dtype=np.int64)

    requests = instance.requests
    return roster_problem(
        n_staff,
        n_days,
        [shift.minutes for shift in instance.shifts],
        name=instance.name,
        staff_ids=tuple(e.id for e in instance.employees),
        shift_ids=tuple(s.id for s in instance.shifts),
        competence_ids=("staff",),
        cover_target=target,
        cover_under_weight=under,
        cover_over_weight=over,
        available=available,
        max_shifts=max_shifts,
        min_minutes=per_staff("min_total_minutes"),
        max_minutes=per_staff("max_total_minutes"),
        min_week_minutes=np.zeros((n_staff, n_weeks), dtype=np.int64),
        max_week_minutes=np.full((n_staff, n_weeks), 7 * MINUTES_PER_DAY, dtype=np.int64),
        max_consecutive=np.minimum(per_staff("max_consecutive_shifts"), n_days),
        min_consecutive=np.maximum(per_staff("min_consecutive_shifts"), 1),
        min_consecutive_off=np.maximum(per_staff("min_consecutive_days_off"), 1),
        max_weekends=per_staff("max_weekends"),
        max_nights=np.full(n_staff, n_days, dtype=np.int64),
        min_rest=np.zeros(n_staff, dtype=np.int64),
        weekly_rest=np.zeros(n_staff, dtype=np.int64),
        forbidden=forbidden,
        request_staff=np.array([staff_of[r.employee] for r in requests], dtype=np.int64),
        request_day=np.array([r.day for r in requests], dtype=np.int64),
        request_shift=np.array([shift_of[r.shift] for r in requests], dtype=np.int64),
        request_on=np.array([r.on for r in requests], dtype=bool),
        request_weight=np.array([r.weight for r in requests], dtype=np.int64),
    )
