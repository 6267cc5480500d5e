"""A first schedule by list scheduling, the warm start of the CP-SAT model.

Activities are taken one at a time, published ones first, then by priority and by size
(duration times team), each placed where it ends earliest: in every candidate room, the
earliest start at which the room is free (setup and turnover included, blocked periods kept
clear) and enough staff of each needed competence are on shift and have the load left. The
schedule it returns meets every hard rule; CP-SAT then improves it (and may place what the
greedy order could not).

The order matters on a full day: one long activity placed early can leave no room for three
short ones. :func:`iterated_greedy` therefore tries several orders within a time budget and
keeps the best, putting the activities the best order left unplaced first in the next try.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import numpy as np

from models.rooms import FULL_LOAD, RoomSolution
from solvers.rooms.variables import candidate_rooms

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy.typing as npt

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


def scarcity(problem: RoomProblem) -> npt.NDArray[np.float64]:
    """(A,) how scarce the resources an activity needs are: the highest ratio of demand to
    supply among its competences (load-minutes asked of all activities over the staff's
    shift minutes) and its candidate rooms (minutes asked over open minutes)."""
    p = problem
    demand_c = (p.need * p.load * p.duration[:, None]).sum(axis=0).astype(float)
    supply_c = (p.staff_can * ((p.staff_end - p.staff_start) * FULL_LOAD)[:, None]).sum(axis=0)
    ratio_c = demand_c / np.maximum(supply_c, 1.0)
    day = np.maximum(p.room_close + p.room_overtime - p.room_open, 0).astype(float)
    busy = (p.duration + p.setup)[:, None] * p.room_ok
    share = busy / np.maximum(p.room_ok.sum(axis=1), 1)[:, None]
    ratio_r = share.sum(axis=0) / np.maximum(day, 1.0)
    result = np.zeros(p.n_activities)
    for a in range(p.n_activities):
        needed = ratio_c[p.need[a] > 0]
        rooms = ratio_r[p.room_ok[a]]
        result[a] = max([*needed.tolist(), *rooms.tolist(), 0.0])
    return result


def orders(problem: RoomProblem, seed: int = 0, shuffles: int = 2) -> list[list[int]]:
    """Orders to try, published activities always first, then by priority: the largest
    first (duration times team), the scarcest resources first, the longest first, and
    ``shuffles`` random orders within each priority (from ``seed``)."""
    p = problem
    size = p.duration * np.maximum(p.need.sum(axis=1), 1)
    scarce = scarcity(p)
    head = [(not p.published(a), -int(p.priority[a])) for a in range(p.n_activities)]
    keys = [
        lambda a: (*head[a], -int(size[a]), a),
        lambda a: (*head[a], -round(float(scarce[a]), 3), -int(size[a]), a),
        lambda a: (*head[a], -int(p.duration[a]), a),
    ]
    result = [sorted(range(p.n_activities), key=key) for key in keys]
    rng = np.random.default_rng(seed)
    for _ in range(shuffles):
        noise = rng.random(p.n_activities)
        result.append(sorted(range(p.n_activities), key=lambda a: (*head[a], noise[a])))
    return result


def greedy(problem: RoomProblem, order: list[int] | None = None) -> RoomSolution:
    """A schedule that meets every hard rule, built one activity at a time (see the module
    docstring); activities it cannot fit stay unplaced.

    Parameters
    ----------
    problem
        The room problem of one day.
    order
        The activities in the order to place them; by default the first of :func:`orders`.

    Returns
    -------
    RoomSolution
        Rooms, starts and teams.
    """
    p = problem
    state = _State(p)
    if order is None:
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


PATIENCE = 25
"""Rounds without a better schedule after which :func:`iterated_greedy` stops early."""


def iterated_greedy(
    problem: RoomProblem,
    seconds: float,
    seed: int = 0,
    score: Callable[[RoomSolution], float] | None = None,
    improved: Callable[[RoomSolution, float], None] | None = None,
) -> RoomSolution:
    """The best of many greedy schedules within ``seconds``: first the orders of
    :func:`orders`, then, while time is left, the best order so far with the activities it
    left unplaced moved to the front (in random order) and, every other round, a fresh random
    order within each priority. Stops early once a round places everything, or after
    ``PATIENCE`` rounds without a better schedule.

    Parameters
    ----------
    problem
        The room problem of one day.
    seconds
        Time budget (at least the deterministic orders are run).
    seed
        Seed of the random orders.
    score
        The value to minimise (the objective); by default the weighted priority of the
        unplaced activities.
    improved
        Called with each schedule better than the ones before and its score.

    Returns
    -------
    RoomSolution
        The best schedule found; it meets every hard rule.
    """
    p = problem
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    measure = score or (lambda s: float(p.priority[s.room < 0].sum()))
    best: RoomSolution | None = None
    best_order: list[int] = []
    best_value = math.inf
    head = {a: (not p.published(a), -int(p.priority[a])) for a in range(p.n_activities)}

    def attempt(order: list[int]) -> None:
        nonlocal best, best_order, best_value
        schedule = greedy(p, order)
        value = measure(schedule)
        if value < best_value:
            best, best_order, best_value = schedule, order, value
            if improved is not None:
                improved(schedule, value)

    for order in orders(p, seed, shuffles=0):
        attempt(order)
    round_ = stale = 0
    while time.perf_counter() - started < seconds and best is not None and stale < PATIENCE:
        unplaced = [a for a in best_order if best.room[a] < 0]
        if not unplaced:
            break
        if round_ % 2 == 0:
            front = [unplaced[i] for i in rng.permutation(len(unplaced))]
            rest = [a for a in best_order if best.room[a] >= 0]
            order = sorted(front + rest, key=lambda a: head[a])  # stable: keeps the rest's order
        else:
            noise = rng.random(p.n_activities)
            order = sorted(range(p.n_activities), key=lambda a: (*head[a], noise[a]))
        before = best_value
        attempt(order)
        stale = 0 if best_value < before else stale + 1
        round_ += 1
    assert best is not None
    return best
