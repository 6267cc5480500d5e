"""The independent checker of a room schedule: every hard rule verified and every penalty
recomputed.

It reads only the problem's arrays and the schedule (plain numpy and Python) and shares no code
with :mod:`solvers.rooms`: room periods, turnovers, shifts and loads are worked out here again
from the rule definitions in :mod:`models.rooms`, so a fault in the model cannot hide itself.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from engine.calendar import swedish_public_holidays
from models.rooms import FULL_LOAD, RoomCheck, RoomViolation

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date

    import pandas as pd

    from models.rooms import RoomProblem, RoomSolution
    from models.unit import Unit


class _Checker:
    def __init__(self, problem: RoomProblem, schedule: RoomSolution) -> None:
        self.p = problem
        self.room = np.asarray(schedule.room, dtype=np.int64)
        self.start = np.asarray(schedule.start, dtype=np.int64)
        self.team = list(
            zip(
                np.asarray(schedule.team_activity).tolist(),
                np.asarray(schedule.team_competence).tolist(),
                np.asarray(schedule.team_staff).tolist(),
                strict=True,
            )
        )
        self.violations: list[RoomViolation] = []

    def bad(
        self, rule: str, detail: str, activity: int = -1, room: int = -1, staff: int = -1
    ) -> None:
        self.violations.append(RoomViolation(rule, activity, room, staff, detail))

    def clock(self, minute: int) -> str:
        return f"{minute // 60:02d}:{minute % 60:02d}"

    def act(self, a: int) -> str:
        return self.p.activity_ids[a]

    def end(self, a: int) -> int:
        return int(self.start[a] + self.p.duration[a])

    # Hard rules

    def shape(self) -> bool:
        p = self.p
        n = p.n_activities
        if self.room.shape != (n,) or self.start.shape != (n,):
            self.bad("shape", f"schedule has {self.room.shape} rooms, expected ({n},)")
            return False
        for a, c, s in self.team:
            if not (0 <= a < n and 0 <= c < p.n_competences and 0 <= s < p.n_staff):
                self.bad("shape", f"team row ({a}, {c}, {s}) is out of range")
        for a in range(n):
            r = int(self.room[a])
            if r >= p.n_rooms or r < -1:
                self.bad("shape", f"room index {r}", activity=a)
            elif r >= 0 and self.start[a] < 0:
                self.bad("shape", f"placed in {p.room_ids[r]} without a start", activity=a)
        return not self.violations

    def rooms(self) -> None:
        p = self.p
        for a in np.nonzero(self.room >= 0)[0].tolist():
            r = int(self.room[a])
            name = p.room_ids[r]
            if not p.room_ok[a, r]:
                self.bad("room_allowed", f"{self.act(a)} may not use {name} (room type, "
                         "equipment or closed that day)", a, r)  # fmt: skip
            busy_from = int(self.start[a] - p.setup[a])
            last = int(p.room_close[r] + p.room_overtime[r])
            if busy_from < p.room_open[r] or self.end(a) > last:
                self.bad(
                    "room_hours",
                    f"{self.act(a)} uses {name} {self.clock(busy_from)}-{self.clock(self.end(a))}"
                    f", open {self.clock(int(p.room_open[r]))}-{self.clock(int(p.room_close[r]))}"
                    f" with {int(p.room_overtime[r])} min overtime",
                    a,
                    r,
                )
            if self.start[a] < p.earliest[a] or self.end(a) > p.latest[a]:
                self.bad(
                    "window",
                    f"{self.act(a)} at {self.clock(int(self.start[a]))}-{self.clock(self.end(a))}"
                    f" outside {self.clock(int(p.earliest[a]))}-{self.clock(int(p.latest[a]))}",
                    a,
                    r,
                )

    def room_overlap(self) -> None:
        """Two activities in a room: the later starts its setup no earlier than the earlier
        one's end plus the room's turnover; a blocked period is kept clear of the activity and
        the turnover after it."""
        p = self.p
        by_room: dict[int, list[int]] = defaultdict(list)
        for a in np.nonzero(self.room >= 0)[0].tolist():
            by_room[int(self.room[a])].append(a)
        for r, acts in by_room.items():
            turnover = int(p.room_turnover[r])
            acts.sort(key=lambda a: (int(self.start[a] - p.setup[a]), a))
            for i, first in enumerate(acts):
                for second in acts[i + 1 :]:
                    # every pair, not only neighbours: a long activity may cover several
                    if self.start[second] - p.setup[second] < self.end(first) + turnover and (
                        self.start[first] - p.setup[first] < self.end(second) + turnover
                    ):
                        self.bad(
                            "room_overlap",
                            f"{self.act(first)} ({self.clock(int(self.start[first]))}-"
                            f"{self.clock(self.end(first))}) and {self.act(second)} ("
                            f"{self.clock(int(self.start[second]))}-"
                            f"{self.clock(self.end(second))}) in {p.room_ids[r]} with "
                            f"{turnover} min turnover and {int(p.setup[second])} min setup",
                            second,
                            r,
                        )
            for b in np.nonzero(p.blocked_room == r)[0].tolist():
                low, high = int(p.blocked_start[b]), int(p.blocked_end[b])
                if high <= low:
                    continue  # an empty period blocks nothing
                for a in acts:
                    if self.start[a] - p.setup[a] < high and low < self.end(a) + turnover:
                        self.bad(
                            "blocked",
                            f"{self.act(a)} meets the blocked period "
                            f"{self.clock(low)}-{self.clock(high)} of {p.room_ids[r]}",
                            a,
                            r,
                        )

    def teams(self) -> None:
        p = self.p
        counts: dict[tuple[int, int], int] = defaultdict(int)
        seen: dict[tuple[int, int], int] = defaultdict(int)
        for a, c, s in self.team:
            if self.room[a] < 0:
                self.bad("team_size", f"{p.staff_ids[s]} in the team of unplaced {self.act(a)}",
                         a, staff=s)  # fmt: skip
                continue
            counts[a, c] += 1
            seen[a, s] += 1
            if not p.staff_can[s, c]:
                self.bad("team_competence",
                         f"{p.staff_ids[s]} serves {self.act(a)} as {p.competence_ids[c]}",
                         a, staff=s)  # fmt: skip
            if p.need[a, c] <= 0:
                self.bad("team_competence",
                         f"{self.act(a)} needs no {p.competence_ids[c]}, got {p.staff_ids[s]}",
                         a, staff=s)  # fmt: skip
            if self.start[a] < p.staff_start[s] or self.end(a) > p.staff_end[s]:
                self.bad(
                    "team_shift",
                    f"{p.staff_ids[s]} works {self.clock(int(p.staff_start[s]))}-"
                    f"{self.clock(int(p.staff_end[s]))}, {self.act(a)} runs "
                    f"{self.clock(int(self.start[a]))}-{self.clock(self.end(a))}",
                    a,
                    staff=s,
                )
        for (a, s), n in seen.items():
            if n > 1:
                self.bad("team_size", f"{p.staff_ids[s]} is {n} times in {self.act(a)}'s team",
                         a, staff=s)  # fmt: skip
        for a in np.nonzero(self.room >= 0)[0].tolist():
            for c in np.nonzero(p.need[a] > 0)[0].tolist():
                if counts[a, c] != p.need[a, c]:
                    self.bad(
                        "team_size",
                        f"{self.act(a)} has {counts[a, c]} {p.competence_ids[c]}, needs "
                        f"{int(p.need[a, c])}",
                        a,
                    )

    def person_load(self) -> None:
        """At every minute a person's loads add up to at most 100: checked at each start of
        one of their activities (the load only rises there)."""
        p = self.p
        by_person: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
        for a, c, s in self.team:
            if self.room[a] >= 0 and 0 <= c < p.n_competences:
                by_person[s].append((int(self.start[a]), self.end(a), int(p.load[a, c]), a))
        for s, items in by_person.items():
            reported: set[int] = set()
            for moment, _, _, a in items:
                total = sum(load for begin, end, load, _ in items if begin <= moment < end)
                if total > FULL_LOAD and moment not in reported:
                    reported.add(moment)
                    busy = [self.act(b) for begin, end, _, b in items if begin <= moment < end]
                    self.bad(
                        "person_overload",
                        f"{p.staff_ids[s]} at {self.clock(moment)} carries {total} % in "
                        + ", ".join(busy),
                        a,
                        staff=s,
                    )

    # Penalties

    def penalties(self) -> dict[str, int]:
        p = self.p
        w = p.weights
        placed = self.room >= 0
        out = {"unplaced": int(w.unplaced * p.priority[~placed].sum())}
        if p.published_room is not None and p.published_start is not None:
            changed = (p.published_room >= 0) & (
                ~placed | (self.start != p.published_start) | (self.room != p.published_room)
            )
            out["changed"] = int(w.changed * changed.sum())
        overtime = span = 0
        for r in range(p.n_rooms):
            ends = [self.end(a) for a in np.nonzero(self.room == r)[0].tolist()]
            if not ends:
                continue
            last = max(max(ends), int(p.room_open[r]))
            overtime += max(0, last - int(p.room_close[r]))
            span += last - int(p.room_open[r])
        out["overtime"] = w.overtime * overtime
        out["room_span"] = w.room_span * span
        return out


def check_rooms(problem: RoomProblem, schedule: RoomSolution) -> RoomCheck:
    """Every hard rule of ``problem`` that ``schedule`` breaks, and every penalty recomputed.

    Parameters
    ----------
    problem
        The room problem of the day.
    schedule
        Rooms, starts and teams to verify.

    Returns
    -------
    RoomCheck
        The violations (rule, activity, room, staff, what is wrong), the weighted penalties by
        rule and the verdict.
    """
    checker = _Checker(problem, schedule)
    if not checker.shape():
        return RoomCheck(tuple(checker.violations), {})
    checker.rooms()
    checker.room_overlap()
    checker.teams()
    checker.person_load()
    return RoomCheck(tuple(checker.violations), checker.penalties())


# --------------------------------------------------------------------------------------------
# The schedule as a scheduler reads it, against the unit itself


def _clock_minutes(text: str) -> int:
    hours, _, minutes = text.partition(":")
    return int(hours) * 60 + int(minutes)


def _holidays_of(unit: Unit, day: date) -> set[date]:
    if unit.calendar.public_holidays is not None:
        return set(unit.calendar.public_holidays)
    return set(swedish_public_holidays(day.year, day.year))


def check_schedule_frame(
    unit: Unit, day: date, frame: pd.DataFrame, roster: Mapping[str, str]
) -> list[str]:
    """Every hard rule that a written room schedule (``rooms.csv``: ``activity, type, room,
    start, end, team_ids`` with members ``id:competence``) breaks, checked against the unit
    itself rather than the compiled problem, so that a fault in the compilation cannot hide:
    the room's type, equipment, closures, public holidays and opening hours (with the room
    type's overtime), overlaps with turnover and setup, the team's size and competences per
    activity type, each member's shift on ``roster`` (staff id -> shift code) and their load.

    Returns
    -------
    list of str
        One sentence per violation; empty for a sound schedule.
    """
    types = {a.id: a for a in unit.activity_types}
    rooms = {r.id: r for r in unit.rooms}
    room_types = {t.id: t for t in unit.room_types}
    shifts = {s.id: s for s in unit.shift_types}
    staff = {m.id: m for m in unit.staff}
    weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()]
    public = day in _holidays_of(unit, day)
    found: list[str] = []
    busy_room: dict[str, list[tuple[int, int, int, str]]] = defaultdict(list)
    busy_person: dict[str, list[tuple[int, int, float, str]]] = defaultdict(list)
    for row in frame.fillna("").to_dict("records"):
        name, room_id = str(row["activity"]), str(row["room"])
        if not room_id:
            continue
        kind = types.get(str(row["type"]))
        room = rooms.get(room_id)
        if kind is None or room is None:
            found.append(f"{name}: unknown activity type {row['type']!r} or room {room_id!r}")
            continue
        start, end = _clock_minutes(str(row["start"])), _clock_minutes(str(row["end"]))
        if end - start != round(kind.mean_process_time):
            found.append(f"{name}: {end - start} min, its type takes {kind.mean_process_time:g}")
        if room.room_type != kind.room_type:
            found.append(f"{name} in {room_id}, a {room.room_type}, needs a {kind.room_type}")
        lacking = sorted(set(kind.equipment) - set(room.equipment))
        if lacking:
            found.append(f"{name} in {room_id}, which lacks {', '.join(lacking)}")
        if any(c.start <= day <= c.end for c in room.closures) or public:
            found.append(f"{name} in {room_id}, closed on {day}")
        room_type = room_types.get(room.room_type)
        overtime = room_type.max_overtime_minutes if room_type else 0
        turnover = room_type.turnover_minutes if room_type else 0
        periods = sorted(
            (o.start.hour * 60 + o.start.minute, o.end.hour * 60 + o.end.minute)
            for o in room.opening
            if weekday in o.weekdays
        )
        busy_from = start - kind.setup_minutes
        inside = any(
            low <= busy_from and end <= high + (overtime if high == periods[-1][1] else 0)
            for low, high in periods
        )
        if not inside:
            hours = ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"
                              for a, b in periods) or "closed"  # fmt: skip
            found.append(f"{name} in {room_id} {row['start']}-{row['end']} outside {hours}")
        busy_room[room_id].append((busy_from, end, turnover, name))
        members = [m.split(":") for m in str(row["team_ids"]).split("|") if m]
        count: dict[str, int] = defaultdict(int)
        for member in members:
            person, competence = member[0], member[1] if len(member) > 1 else ""
            count[competence] += 1
            held = staff[person].competences if person in staff else []
            code = roster.get(person, "")
            shift_id, _, as_competence = code.partition("/")
            allowed = [as_competence] if as_competence else held
            if competence not in allowed:
                found.append(f"{name}: {person} serves as {competence!r} (may: {allowed})")
            shift = shifts.get(shift_id)
            if shift is None:
                found.append(f"{name}: {person} is not on shift on {day}")
                continue
            first = shift.start.hour * 60 + shift.start.minute
            if not (first <= start and end <= first + shift.span_minutes):
                found.append(f"{name}: {person}'s shift {shift.id} does not cover it")
            persons = kind.team.get(competence, 0.0)
            share = persons / max(1, math.ceil(persons - 1e-9)) if persons else 1.0
            busy_person[person].append((start, end, share, name))
        for competence, persons in kind.team.items():
            if count.get(competence, 0) != math.ceil(persons - 1e-9):
                found.append(
                    f"{name}: {count.get(competence, 0)} {competence}, its type needs "
                    f"{math.ceil(persons - 1e-9)}"
                )
        for competence in set(count) - set(kind.team):
            found.append(f"{name}: a {competence} its type does not need")
    for room_id, items in busy_room.items():
        items.sort()
        for i, (low, high, turnover, name) in enumerate(items):
            for other_low, other_high, _, other in items[i + 1 :]:
                if other_low < high + turnover and low < other_high + turnover:
                    found.append(f"{name} and {other} overlap in {room_id} (turnover {turnover})")
    for person, spans in busy_person.items():
        for moment, _, _, name in spans:
            load = sum(share for low, high, share, _ in spans if low <= moment < high)
            if load > 1.0 + 1e-9:
                found.append(f"{person} at {moment // 60:02d}:{moment % 60:02d} ({name}): "
                             f"{load:.0%} of a person")  # fmt: skip
    return found


__all__ = ["check_rooms", "check_schedule_frame"]
