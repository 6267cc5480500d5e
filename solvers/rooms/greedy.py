"""A first schedule by list scheduling, the warm start of the CP-SAT model.

Activities are taken one at a time, published ones first, then by priority and by size
(duration times team), each placed where it ends earliest: in every candidate room, the
earliest start at which the room is free (setup and turnover included, blocked periods kept
clear) and enough staff of each needed competence are on shift and have the load left. The
schedule it returns meets every hard rule; CP-SAT then improves it (and may place what the
greedy order could not).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from models.rooms import FULL_LOAD, RoomSolution
from solvers.rooms.variables import candidate_rooms

if TYPE_CHECKING:
    from models.rooms import RoomProblem

Busy = list[tuple[int, int]]
Load = list[tuple[int, int, int]]


def _room_free(busy: Busy, low: int, high: int) -> int | None:
    """The end of the first busy period that meets ``[low, high)``, or None if it is free."""
    for begin, end in busy:
        if begin < high and low < end:
            return end
    return None


def _peak(items: Load, start: int, end: int) -> int:
    """Highest total load in ``[start, end)``."""
    moments = [start] + [lo for lo, _, _ in items if start < lo < end]
    return max(sum(load for lo, hi, load in items if lo <= m < hi) for m in moments)


class _State:
    def __init__(self, problem: RoomProblem) -> None:
        self.p = problem
        self.room_busy: list[Busy] = [[] for _ in range(problem.n_rooms)]
        for r, lo, hi in zip(
            problem.blocked_room.tolist(),
            problem.blocked_start.tolist(),
            problem.blocked_end.tolist(),
            strict=True,
        ):
            self.room_busy[r].append((lo, hi))
        self.staff_load: list[Load] = [[] for _ in range(problem.n_staff)]
        self.staff_minutes = [0] * problem.n_staff

    def team(
        self, a: int, start: int, preferred: tuple[int, ...] = ()
    ) -> list[tuple[int, int]] | None:
        """``(competence, staff)`` pairs for ``a`` at ``start``, least busy first; None if
        some competence is short. ``preferred`` staff (a published team) come first."""
        p = self.p
        end = start + int(p.duration[a])
        chosen: list[tuple[int, int]] = []
        taken: set[int] = set()
        for c in np.nonzero(p.need[a] > 0)[0].tolist():
            load = int(p.load[a, c])
            free = [
                s
                for s in np.nonzero(p.staff_can[:, c])[0].tolist()
                if s not in taken
                and p.staff_start[s] <= start
                and end <= p.staff_end[s]
                and _peak(self.staff_load[s], start, end) + load <= FULL_LOAD
            ]
            if len(free) < p.need[a, c]:
                return None
            free.sort(key=lambda s: (s not in preferred, self.staff_minutes[s], s))
            for s in free[: int(p.need[a, c])]:
                chosen.append((c, s))
                taken.add(s)
        return chosen

    def next_staff_event(self, a: int, after: int) -> int | None:
        """The next moment after ``after`` a needed person starts a shift or ends an
        activity: the only moments a team that was short can become complete."""
        p = self.p
        moments: list[int] = []
        for c in np.nonzero(p.need[a] > 0)[0].tolist():
            for s in np.nonzero(p.staff_can[:, c])[0].tolist():
                moments.append(int(p.staff_start[s]))
                moments.extend(hi for _, hi, _ in self.staff_load[s])
        later = [m for m in moments if m > after]
        return min(later) if later else None

    def earliest(
        self, a: int, r: int, low: int, high: int, preferred: tuple[int, ...] = ()
    ) -> tuple[int, list[tuple[int, int]]] | None:
        """Earliest start in room ``r`` between ``low`` and ``high`` with a team."""
        p = self.p
        setup, duration = int(p.setup[a]), int(p.duration[a])
        turnover = int(p.room_turnover[r])
        t = low
        for _ in range(10_000):
            if t > high:
                return None
            blocked_until = _room_free(self.room_busy[r], t - setup, t + duration + turnover)
            if blocked_until is not None:
                t = max(t + 1, blocked_until + setup)
                continue
            team = self.team(a, t, preferred)
            if team is not None:
                return t, team
            following = self.next_staff_event(a, t)
            if following is None:
                return None
            t = following
        return None

    def place(self, a: int, r: int, start: int, team: list[tuple[int, int]]) -> None:
        p = self.p
        end = start + int(p.duration[a])
        self.room_busy[r].append((start - int(p.setup[a]), end + int(p.room_turnover[r])))
        for c, s in team:
            self.staff_load[s].append((start, end, int(p.load[a, c])))
            self.staff_minutes[s] += end - start


def greedy(problem: RoomProblem) -> RoomSolution:
    """A schedule that meets every hard rule, built one activity at a time (see the module
    docstring); activities it cannot fit stay unplaced.

    Parameters
    ----------
    problem
        The room problem of one day.

    Returns
    -------
    RoomSolution
        Rooms, starts and teams.
    """
    p = problem
    state = _State(p)
    size = p.duration * np.maximum(p.need.sum(axis=1), 1)
    order = sorted(
        range(p.n_activities),
        key=lambda a: (not p.published(a), -int(p.priority[a]), -int(size[a]), a),
    )
    room = np.full(p.n_activities, -1, dtype=np.int64)
    start = np.full(p.n_activities, -1, dtype=np.int64)
    team_rows: list[tuple[int, int, int]] = []
    for a in order:
        rooms = candidate_rooms(p, a)
        best: tuple[int, int, int, list[tuple[int, int]]] | None = None
        if p.published(a) and p.published_room is not None and p.published_start is not None:
            r0, t0 = int(p.published_room[a]), int(p.published_start[a])
            if r0 in rooms and rooms[r0][0] <= t0 <= rooms[r0][1]:
                members = p.published_team[a] if p.published_team is not None else ()
                found = state.earliest(a, r0, t0, t0, members)
                if found is not None:
                    best = (t0 + int(p.duration[a]), r0, t0, found[1])
        if best is None:
            for r, (low, high) in rooms.items():
                found = state.earliest(a, r, low, high)
                if found is None:
                    continue
                t, team = found
                candidate = (t + int(p.duration[a]), r, t, team)
                if best is None or candidate[:2] < best[:2]:
                    best = candidate
        if best is None:
            continue
        _, r, t, team = best
        state.place(a, r, t, team)
        room[a], start[a] = r, t
        team_rows.extend((a, c, s) for c, s in team)
    team_rows.sort()
    return RoomSolution(
        room=room,
        start=start,
        team_activity=np.array([a for a, _, _ in team_rows], dtype=np.int64),
        team_competence=np.array([c for _, c, _ in team_rows], dtype=np.int64),
        team_staff=np.array([s for _, _, s in team_rows], dtype=np.int64),
    )
