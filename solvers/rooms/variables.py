"""Variables of the room model: per activity a presence literal and a start; per allowed room
a choice literal with the room's optional interval; per possible team member a literal with
the person's optional interval.

Domains are cut from the data before any constraint: a room is a candidate only when the
activity fits between its opening (after the setup) and its closing plus overtime, within the
activity's window; a person only when their shift can hold the activity somewhere in that span.
An activity with no candidate room, or too few candidates for some competences together, is
fixed unplaced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

    from models.rooms import RoomProblem


@dataclass
class RoomVars:
    """The model's variables, indexed like the problem."""

    present: list[cp_model.IntVar]
    """(A,) placed or not."""
    start: list[cp_model.IntVar]
    """(A,) start minute (meaningful when placed)."""
    start_range: list[tuple[int, int]]
    """(A,) the start's domain ``(low, high)``."""
    room: list[dict[int, cp_model.IntVar]]
    """Per activity, room -> choice literal (candidate rooms only)."""
    room_interval: list[dict[int, cp_model.IntervalVar]]
    """Per activity, room -> optional interval ``[start - setup, start + duration +
    turnover]`` (the room's busy time, cleaning after included)."""
    team: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)
    """``(activity, competence, staff)`` -> literal: the person serves in the team."""
    person_interval: dict[tuple[int, int, int], cp_model.IntervalVar] = field(default_factory=dict)
    """Same keys: optional interval ``[start, start + duration]``."""


def _room_span(problem: RoomProblem, a: int, r: int) -> tuple[int, int]:
    """Earliest and latest start of activity ``a`` in room ``r``."""
    earliest = max(int(problem.earliest[a]), int(problem.room_open[r] + problem.setup[a]))
    latest_end = min(int(problem.latest[a]), int(problem.room_close[r] + problem.room_overtime[r]))
    return earliest, latest_end - int(problem.duration[a])


def candidate_rooms(problem: RoomProblem, a: int) -> dict[int, tuple[int, int]]:
    """Rooms activity ``a`` may use, with its earliest and latest start in each."""
    rooms: dict[int, tuple[int, int]] = {}
    for r in range(problem.n_rooms):
        if problem.room_ok[a, r]:
            low, high = _room_span(problem, a, r)
            if low <= high:
                rooms[r] = (low, high)
    return rooms


def candidate_staff(problem: RoomProblem, a: int, c: int, low: int, high: int) -> list[int]:
    """Staff who hold competence ``c`` and whose shift can hold activity ``a`` started
    between ``low`` and ``high``."""
    duration = int(problem.duration[a])
    return [
        s
        for s in range(problem.n_staff)
        if problem.staff_can[s, c]
        and max(low, int(problem.staff_start[s])) <= min(high, int(problem.staff_end[s]) - duration)
    ]


def team_possible(problem: RoomProblem, a: int, teams: dict[int, list[int]]) -> bool:
    """Hall's condition: every set of needed competences has at least as many candidates
    together as it needs people (a person serves in one competence at a time)."""
    needed = list(teams)
    for size in range(1, len(needed) + 1):
        for group in combinations(needed, size):
            people = {s for c in group for s in teams[c]}
            if len(people) < sum(int(problem.need[a, c]) for c in group):
                return False
    return True


def add_variables(model: cp_model.CpModel, problem: RoomProblem) -> RoomVars:
    """Create the variables of ``problem`` in ``model`` (see the module docstring)."""
    v = RoomVars(present=[], start=[], start_range=[], room=[], room_interval=[])
    for a in range(problem.n_activities):
        duration, setup = int(problem.duration[a]), int(problem.setup[a])
        rooms = candidate_rooms(problem, a)
        low = min((lo for lo, _ in rooms.values()), default=0)
        high = max((hi for _, hi in rooms.values()), default=0)
        teams = {
            c: candidate_staff(problem, a, c, low, high)
            for c in range(problem.n_competences)
            if problem.need[a, c] > 0
        }
        placeable = bool(rooms) and team_possible(problem, a, teams)
        present = model.new_bool_var(f"present[{a}]")
        start = model.new_int_var(low, high, f"start[{a}]")
        v.present.append(present)
        v.start.append(start)
        v.start_range.append((low, high))
        v.room.append({})
        v.room_interval.append({})
        if not placeable:
            model.add(present == 0)
            continue
        for r, (lo, hi) in rooms.items():
            chosen = model.new_bool_var(f"room[{a},{r}]")
            model.add(start >= lo).only_enforce_if(chosen)
            model.add(start <= hi).only_enforce_if(chosen)
            busy = setup + duration + int(problem.room_turnover[r])
            v.room[a][r] = chosen
            v.room_interval[a][r] = model.new_optional_fixed_size_interval_var(
                start - setup, busy, chosen, f"room_busy[{a},{r}]"
            )
        for c, staff in teams.items():
            for s in staff:
                key = (a, c, s)
                literal = model.new_bool_var(f"team[{a},{c},{s}]")
                v.team[key] = literal
                v.person_interval[key] = model.new_optional_fixed_size_interval_var(
                    start, duration, literal, f"person_busy[{a},{c},{s}]"
                )
    return v
