"""The room schedule of one day as a compact problem: activities -> room, start and team.

Every array is indexed by integers: ``a`` an activity, ``r`` a room, ``c`` a competence, ``s``
a staff member (rostered that day), ``b`` a blocked period of a room. Times are integer minutes
after midnight of the day.

A :class:`RoomSolution` places each activity in one room at one start with its team, or leaves
it unplaced (room and start ``-1``).

The rules, hard unless said otherwise:

- **room**: an activity goes only to a room where ``room_ok`` is True (the room is open that
  day, of the activity's room type and holds its equipment);
- **room hours**: the room is busy from ``start - setup`` (preparation) to ``start + duration``;
  that period lies inside ``[room_open, room_close + room_overtime]``; minutes past
  ``room_close`` are overtime (soft);
- **room overlap and turnover**: two activities in the same room keep at least
  ``room_turnover`` minutes (cleaning) plus the second one's ``setup`` between the end of the
  first and the start of the second; no activity meets a blocked period of its room;
- **window**: ``earliest <= start`` and ``start + duration <= latest``;
- **team**: for each competence ``c`` with ``need[a, c] > 0``, exactly ``need[a, c]`` distinct
  staff members who hold ``c`` (``staff_can``) and whose shift ``[staff_start, staff_end]``
  covers ``[start, start + duration]``; nobody serves one activity twice;
- **person load**: each member of a team gives the activity ``load[a, c]`` percent of their
  attention (100 for a whole person, 50 for an anaesthesiologist who covers two theatres); at
  no minute does a person's load over all their activities exceed 100 (with whole persons
  only: no person is in two places at once).

The objective (soft): unplaced activities (``priority`` each), then published activities
placed at another start or in another room (``published_room``/``published_start``, the
repair of a published schedule), then overtime minutes, then each room's span from opening
to its last end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from models.solve import SolveStats

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

FULL_LOAD = 100
"""A person's capacity in load percent."""

HARD_RULES = (
    "shape",
    "room_allowed",
    "room_hours",
    "blocked",
    "window",
    "room_overlap",
    "team_size",
    "team_competence",
    "team_shift",
    "person_overload",
)
"""Names of the hard rules, as violations report them."""

SOFT_RULES = ("unplaced", "changed", "overtime", "room_span")
"""Names of the penalty terms of the objective."""


@dataclass(frozen=True)
class RoomWeights:
    """Weights of the objective's terms.

    The engine chooses them so that the order is lexicographic: one more unplaced activity of
    the lowest priority costs more than any schedule's moves, overtime and spans together.
    """

    unplaced: int = 1_000_000
    """Per unplaced activity, times its priority."""
    changed: int = 1_000
    """Per published activity placed at another start or in another room, or left unplaced
    (on top of its ``unplaced`` cost: a published activity is dropped only after every new
    one)."""
    overtime: int = 10
    """Per minute a room is used past its closing time."""
    room_span: int = 1
    """Per minute from a room's opening to its last end (idle gaps and a late finish)."""


@dataclass(frozen=True, eq=False)
class RoomProblem:
    """One day's activities, rooms and rostered staff. Shapes: ``A`` activities, ``R`` rooms,
    ``C`` competences, ``S`` staff, ``B`` blocked periods. See the module docstring."""

    activity_ids: tuple[str, ...]
    room_ids: tuple[str, ...]
    competence_ids: tuple[str, ...]
    staff_ids: tuple[str, ...]

    # Activities (A, ...)
    kind: IntArray
    """(A,) activities of equal ``kind`` and equal data are interchangeable (symmetry)."""
    duration: IntArray
    setup: IntArray
    """(A,) minutes the room is prepared before the activity (the team is not needed)."""
    priority: IntArray
    """(A,) weight of leaving it unplaced (at least 1)."""
    earliest: IntArray
    latest: IntArray
    room_ok: BoolArray
    """(A, R)"""
    need: IntArray
    """(A, C) persons of each competence."""
    load: IntArray
    """(A, C) percent of each person's attention (1 .. 100; 0 where nobody is needed)."""

    # Rooms (R,)
    room_open: IntArray
    room_close: IntArray
    room_overtime: IntArray
    """Minutes a room may stay in use past ``room_close`` (0: closes on time)."""
    room_turnover: IntArray
    """Minutes of cleaning after each activity before the room's next one."""

    # Staff (S, ...)
    staff_start: IntArray
    staff_end: IntArray
    staff_can: BoolArray
    """(S, C)"""

    # Blocked periods of rooms (B,)
    blocked_room: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    blocked_start: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    blocked_end: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    # A published schedule to keep (repair): -1 for a new activity. Its team is a hint only.
    published_room: IntArray | None = None
    published_start: IntArray | None = None
    published_team: tuple[tuple[int, ...], ...] | None = None
    """Per activity the staff members of its published team (a hint)."""

    weights: RoomWeights = field(default_factory=RoomWeights)
    name: str = ""

    @property
    def n_activities(self) -> int:
        """Number of activities."""
        return len(self.activity_ids)

    @property
    def n_rooms(self) -> int:
        """Number of rooms."""
        return len(self.room_ids)

    @property
    def n_competences(self) -> int:
        """Number of competences."""
        return len(self.competence_ids)

    @property
    def n_staff(self) -> int:
        """Number of staff members."""
        return len(self.staff_ids)

    @property
    def horizon(self) -> int:
        """Latest minute anything may end: the last room closing with its overtime, the last
        shift end, or the last activity's latest end."""
        ends = [1440, *self.latest.tolist(), *self.staff_end.tolist()]
        ends += (self.room_close + self.room_overtime + self.room_turnover).tolist()
        return int(max(ends))

    def published(self, a: int) -> bool:
        """True when activity ``a`` has a published room and start."""
        return self.published_room is not None and int(self.published_room[a]) >= 0

    def __post_init__(self) -> None:
        a, r, c, s = self.n_activities, self.n_rooms, self.n_competences, self.n_staff
        b = np.shape(self.blocked_room)
        shapes = {
            "kind": (a,),
            "duration": (a,),
            "setup": (a,),
            "priority": (a,),
            "earliest": (a,),
            "latest": (a,),
            "room_ok": (a, r),
            "need": (a, c),
            "load": (a, c),
            "room_open": (r,),
            "room_close": (r,),
            "room_overtime": (r,),
            "room_turnover": (r,),
            "staff_start": (s,),
            "staff_end": (s,),
            "staff_can": (s, c),
            "blocked_start": b,
            "blocked_end": b,
        }
        if self.published_room is not None:
            shapes["published_room"] = (a,)
            shapes["published_start"] = (a,)
        for name, shape in shapes.items():
            actual = np.shape(getattr(self, name))
            if actual != shape:
                raise ValueError(f"RoomProblem.{name} has shape {actual}, expected {shape}")
        if (self.duration <= 0).any():
            raise ValueError("RoomProblem.duration must be positive")
        if (self.priority < 1).any():
            raise ValueError("RoomProblem.priority must be at least 1")
        if ((self.load < 0) | (self.load > FULL_LOAD)).any():
            raise ValueError(f"RoomProblem.load must lie in 0 .. {FULL_LOAD}")
        negative = (self.setup < 0).any() or (self.room_turnover < 0).any()
        if negative or (self.room_overtime < 0).any():
            raise ValueError("RoomProblem setup, turnover and overtime must not be negative")
        if self.published_team is not None and len(self.published_team) != a:
            raise ValueError(f"RoomProblem.published_team has {len(self.published_team)} rows")


@dataclass(frozen=True, eq=False)
class RoomSolution:
    """A room schedule: per activity the room and start (-1 unplaced), and the team as
    ``(activity, competence, staff)`` triples."""

    room: IntArray
    """(A,)"""
    start: IntArray
    """(A,)"""
    team_activity: IntArray
    """(M,)"""
    team_competence: IntArray
    team_staff: IntArray

    def placed(self) -> BoolArray:
        """(A,) True where an activity has a room."""
        result: BoolArray = self.room >= 0
        return result

    def team(self, a: int) -> list[tuple[int, int]]:
        """``(competence, staff)`` pairs of activity ``a``'s team."""
        rows = np.nonzero(self.team_activity == a)[0]
        return [(int(self.team_competence[i]), int(self.team_staff[i])) for i in rows]


@dataclass(frozen=True)
class RoomViolation:
    """A hard rule a room schedule breaks: the rule, the activity, room and staff member (each
    -1 when not one), and what is wrong."""

    rule: str
    activity: int
    room: int
    staff: int
    detail: str


@dataclass(frozen=True)
class RoomCheck:
    """The verdict of the independent checker on a room schedule, with every penalty
    recomputed."""

    violations: tuple[RoomViolation, ...]
    penalty_by_rule: dict[str, int]

    @property
    def feasible(self) -> bool:
        """True when no hard rule is broken."""
        return not self.violations

    @property
    def verdict(self) -> str:
        """``sound`` or the number of violations by rule."""
        if not self.violations:
            return "sound"
        counts: dict[str, int] = {}
        for v in self.violations:
            counts[v.rule] = counts.get(v.rule, 0) + 1
        return "VIOLATIONS: " + ", ".join(f"{rule} {n}" for rule, n in sorted(counts.items()))

    @property
    def objective(self) -> int:
        """Sum of all weighted penalties."""
        return sum(self.penalty_by_rule.values())


@dataclass(frozen=True, eq=False)
class RoomResult:
    """A room schedule solve: statistics, the schedule if one was found, the weighted penalty
    per term as the solver sees it, and (attached by the engine) the checker's verdict."""

    stats: SolveStats
    solution: RoomSolution | None
    penalties: dict[str, int] = field(default_factory=dict)
    check: RoomCheck | None = None


def room_problem(
    durations: list[int] | tuple[int, ...],
    rooms: int,
    *,
    competences: int = 0,
    staff: int = 0,
    **arrays: object,
) -> RoomProblem:
    """A room problem with no rule binding, changed by ``arrays``: the builder for humans.

    Every activity may use every room; rooms open 08:00-16:00 with no overtime or turnover;
    nobody is needed; staff (if any) hold every competence and work 07:00-17:00. Any field of
    :class:`RoomProblem` in ``arrays`` replaces the default (arrays through ``numpy.asarray``).

    Parameters
    ----------
    durations
        Minutes of each activity (their number is the number of activities).
    rooms, competences, staff
        Numbers of rooms, competences and staff members.
    """
    a, r, c, s = len(durations), rooms, competences, staff
    fields: dict[str, object] = {
        "activity_ids": tuple(f"a{i}" for i in range(a)),
        "room_ids": tuple(f"r{i}" for i in range(r)),
        "competence_ids": tuple(f"c{i}" for i in range(c)),
        "staff_ids": tuple(f"s{i}" for i in range(s)),
        "kind": np.arange(a, dtype=np.int64),
        "duration": np.asarray(durations, dtype=np.int64),
        "setup": np.zeros(a, dtype=np.int64),
        "priority": np.ones(a, dtype=np.int64),
        "earliest": np.zeros(a, dtype=np.int64),
        "latest": np.full(a, 1440, dtype=np.int64),
        "room_ok": np.ones((a, r), dtype=bool),
        "need": np.zeros((a, c), dtype=np.int64),
        "load": np.zeros((a, c), dtype=np.int64),
        "room_open": np.full(r, 8 * 60, dtype=np.int64),
        "room_close": np.full(r, 16 * 60, dtype=np.int64),
        "room_overtime": np.zeros(r, dtype=np.int64),
        "room_turnover": np.zeros(r, dtype=np.int64),
        "staff_start": np.full(s, 7 * 60, dtype=np.int64),
        "staff_end": np.full(s, 17 * 60, dtype=np.int64),
        "staff_can": np.ones((s, c), dtype=bool),
    }
    for name, value in arrays.items():
        if name in ("weights", "name", "published_team") or isinstance(value, tuple):
            fields[name] = value
        else:
            fields[name] = np.asarray(value)
    if "need" in arrays and "load" not in arrays:
        fields["load"] = np.where(np.asarray(fields["need"]) > 0, FULL_LOAD, 0).astype(np.int64)
    return RoomProblem(**fields)  # type: ignore[arg-type]
