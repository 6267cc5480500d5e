"""The hard rules of the room model, one function per rule, called in a fixed order by
:func:`add_hard_rules`.

Turnover is modelled by extending each activity's room interval by the room's turnover after
it (and by its own setup before it): two activities in one room whose extended intervals do
not overlap leave ``turnover + setup of the second`` minutes between them. The closing time
binds the activity's end, not the cleaning after the last activity, so the extension may run
past closing. A blocked period of a room takes part in the room's ``no_overlap`` as a fixed
interval: no activity, nor the cleaning after it, meets it.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from typing import TYPE_CHECKING

from models.rooms import FULL_LOAD

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

    from models.rooms import RoomProblem
    from solvers.rooms.variables import RoomVars


def add_one_room(model: cp_model.CpModel, problem: RoomProblem, v: RoomVars) -> None:
    """A placed activity takes exactly one of its candidate rooms: ``sum_r x[a, r] =
    present[a]``. Room hours and the window are in the domains of the room literals
    (:mod:`solvers.rooms.variables`)."""
    for a in range(problem.n_activities):
        if v.room[a]:
            model.add(sum(v.room[a].values()) == v.present[a])


def add_room_no_overlap(model: cp_model.CpModel, problem: RoomProblem, v: RoomVars) -> None:
    """Per room, ``no_overlap`` of the activities' extended intervals (setup before, turnover
    after) and the room's blocked periods."""
    per_room: dict[int, list[cp_model.IntervalVar]] = defaultdict(list)
    for a in range(problem.n_activities):
        for r, interval in v.room_interval[a].items():
            per_room[r].append(interval)
    for b, (r, start, end) in enumerate(
        zip(
            problem.blocked_room.tolist(),
            problem.blocked_start.tolist(),
            problem.blocked_end.tolist(),
            strict=True,
        )
    ):
        if end > start and r in per_room:
            per_room[r].append(model.new_fixed_size_interval_var(start, end - start, f"block[{b}]"))
    for r in sorted(per_room):
        if len(per_room[r]) > 1:
            model.add_no_overlap(per_room[r])


def add_team_size(model: cp_model.CpModel, problem: RoomProblem, v: RoomVars) -> None:
    """Per placed activity and needed competence, exactly ``need[a, c]`` team members:
    ``sum_s y[a, c, s] = need[a, c] * present[a]``; and a person serves an activity in one
    competence at most: ``sum_c y[a, c, s] <= 1``."""
    by_cell: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    by_person: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    for (a, c, s), literal in v.team.items():
        by_cell[a, c].append(literal)
        by_person[a, s].append(literal)
    for (a, c), literals in by_cell.items():
        model.add(sum(literals) == int(problem.need[a, c]) * v.present[a])
    for literals in by_person.values():
        if len(literals) > 1:
            model.add_at_most_one(literals)


def add_team_shift(model: cp_model.CpModel, problem: RoomProblem, v: RoomVars) -> None:
    """A team member's shift covers the activity: ``y[a, c, s] => staff_start[s] <= start[a]``
    and ``start[a] + duration[a] <= staff_end[s]``."""
    for (a, _, s), literal in v.team.items():
        first, last = int(problem.staff_start[s]), int(problem.staff_end[s])
        low, high = v.start_range[a]
        if low < first:
            model.add(v.start[a] >= first).only_enforce_if(literal)
        if high + int(problem.duration[a]) > last:
            model.add(v.start[a] + int(problem.duration[a]) <= last).only_enforce_if(literal)


def add_person_load(model: cp_model.CpModel, problem: RoomProblem, v: RoomVars) -> None:
    """Per person, the activities they serve: ``no_overlap`` when each takes the whole person,
    else ``cumulative`` of the loads (percent) within a capacity of 100."""
    per_person: dict[int, list[tuple[cp_model.IntervalVar, int]]] = defaultdict(list)
    for (a, c, s), interval in v.person_interval.items():
        per_person[s].append((interval, int(problem.load[a, c])))
    for s in sorted(per_person):
        items = per_person[s]
        if len(items) < 2:
            continue
        if all(load >= FULL_LOAD for _, load in items):
            model.add_no_overlap([interval for interval, _ in items])
        else:
            model.add_cumulative(
                [interval for interval, _ in items], [load for _, load in items], FULL_LOAD
            )


def add_symmetry(model: cp_model.CpModel, problem: RoomProblem, v: RoomVars) -> None:
    """Interchangeable activities (equal ``kind`` and equal data, none published) are placed in
    order: ``present[j] => present[i]`` and ``start[i] <= start[j]`` for ``i`` before ``j``.
    Any schedule can be relabelled this way, so no optimum is lost."""
    groups: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for a in range(problem.n_activities):
        if problem.published(a) or not v.room[a]:
            continue
        key = (
            int(problem.kind[a]),
            int(problem.duration[a]),
            int(problem.setup[a]),
            int(problem.priority[a]),
            int(problem.earliest[a]),
            int(problem.latest[a]),
            problem.room_ok[a].tobytes(),
            problem.need[a].tobytes(),
            problem.load[a].tobytes(),
        )
        groups[key].append(a)
    for members in groups.values():
        for i, j in pairwise(members):
            model.add_implication(v.present[j], v.present[i])
            model.add(v.start[i] <= v.start[j]).only_enforce_if(v.present[j])


def add_energy(model: cp_model.CpModel, problem: RoomProblem, v: RoomVars) -> None:
    """Redundant capacity cuts that give the LP relaxation the sense of the disjunctive rules:
    per room, ``sum_a x[a, r] (setup + duration + turnover) <= close + overtime - open +
    turnover`` (the activities, their setups and the turnovers between them fit in the day);
    per person, ``sum y[a, c, s] load duration <= 100 (staff_end - staff_start)``. They remove
    no schedule."""
    for r in range(problem.n_rooms):
        turnover = int(problem.room_turnover[r])
        members = [
            (int(problem.setup[a] + problem.duration[a]) + turnover, v.room[a][r])
            for a in range(problem.n_activities)
            if r in v.room[a]
        ]
        day = int(problem.room_close[r] + problem.room_overtime[r] - problem.room_open[r])
        if sum(size for size, _ in members) > day + turnover:
            model.add(sum(size * x for size, x in members) <= day + turnover)
    per_person: dict[int, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    for (a, c, s), literal in v.team.items():
        per_person[s].append((int(problem.load[a, c] * problem.duration[a]), literal))
    for s, items in per_person.items():
        capacity = FULL_LOAD * int(problem.staff_end[s] - problem.staff_start[s])
        if sum(size for size, _ in items) > capacity:
            model.add(sum(size * y for size, y in items) <= capacity)


def add_hard_rules(model: cp_model.CpModel, problem: RoomProblem, v: RoomVars) -> None:
    """Every hard rule, in a fixed order."""
    add_one_room(model, problem, v)
    add_room_no_overlap(model, problem, v)
    add_team_size(model, problem, v)
    add_team_shift(model, problem, v)
    add_person_load(model, problem, v)
    add_symmetry(model, problem, v)
    add_energy(model, problem, v)
