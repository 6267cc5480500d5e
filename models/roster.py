"""The staff roster as a compact problem: staff x days x shift types, integer minutes.

A :class:`RosterProblem` is the rule vocabulary written as data. The engine compiles a unit into
one; the public Curtois & Qu benchmark reads into one too, so a single solver serves both. Every
array is indexed by integers: ``s`` a staff member, ``d`` a day of the horizon (day 0 first),
``t`` a shift type, ``c`` a competence, ``w`` a week (days ``7w .. 7w+6``).

A roster (:class:`RosterSolution`) gives each staff member and day one shift type or none
(``-1``, a day off) and, for a worked shift, the competence the person covers.

The rules, hard unless said otherwise:

- **cover** per (day, shift, competence): at least ``cover_min`` people (hard); ``cover_target``
  with ``cover_under_weight`` per person missing and ``cover_over_weight`` per person too many
  (soft). With ``cover_min_weight > 0`` the minimum is soft too, at that weight per person
  missing (used to explain infeasibility);
- **competences**: a person covers only a competence of ``can_cover``; ``substitution_cost`` is
  the soft cost per shift covered in a competence that is not the person's own;
- **availability**: nobody works a shift where ``available`` is False (absences, fixed days off,
  shift types the person never works);
- **requests** (soft): to work a shift (or any shift, ``request_shift = -1``) costs the weight
  when not granted; not to work it costs the weight when worked;
- **max shifts** per staff and shift type over the horizon;
- **worked minutes** (``shift_minutes`` per shift) within ``[min_minutes, max_minutes]`` over the
  horizon and within ``[min_week_minutes, max_week_minutes]`` in each week;
- **consecutive days**: runs of working days at most ``max_consecutive`` long and at least
  ``min_consecutive``; runs of days off at least ``min_consecutive_off``; minimum runs that
  touch the first or last day are exempt (the roster continues on both sides);
- **weekends**: at most ``max_weekends`` weekends worked (a weekend counts if Saturday or
  Sunday is worked);
- **successions**: ``forbidden[a, b]`` forbids shift ``b`` on the day after shift ``a``; and the
  rest from the end of one shift to the start of the next one, from clock times, is at least
  ``min_rest`` minutes;
- **weekly rest**: every 7 consecutive days of the horizon hold a day off ``d`` such that the
  time from the end of the shift on ``d - 1`` to the start of the shift on ``d + 1`` is at least
  ``weekly_rest`` minutes (a day off, or a day outside the horizon, on either side counts as
  long enough: two days off always give more than 36 hours); 0 turns the rule off;
- **nights**: at most ``max_nights`` night shifts;
- **split weekends** (soft): a weekend worked on one of its two days only costs
  ``split_weekend``;
- **fairness** (soft): within each group of staff with equal contracts (``fairness_group``,
  ``-1`` for none), the spread (most minus fewest) of weekends worked costs ``weekend_fairness``
  per weekend and of nights worked ``night_fairness`` per night (in a part of a larger roster,
  the group's members outside the part count with their fixed rosters, ``fairness_fixed``);
- **changes** (soft, repair only): with a ``published`` roster, each staff member and day whose
  assignment (shift and competence) differs from the published one costs ``change_cost[s, d]``.
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
FloatArray = npt.NDArray[np.float64]

MINUTES_PER_DAY = 24 * 60

HARD_RULES = (
    "one_shift_per_day",
    "availability",
    "competence",
    "cover_minimum",
    "max_shifts",
    "total_minutes",
    "week_minutes",
    "max_consecutive",
    "min_consecutive",
    "min_consecutive_off",
    "max_weekends",
    "forbidden_succession",
    "daily_rest",
    "weekly_rest",
    "max_nights",
)
"""Names of the hard rules, as violations report them."""

SOFT_RULES = (
    "cover_minimum",
    "under_cover",
    "over_cover",
    "substitution",
    "request_on",
    "request_off",
    "weekend_fairness",
    "night_fairness",
    "split_weekend",
    "changes",
)
"""Names of the penalty terms of the objective (``cover_minimum`` only when it is soft,
``changes`` only with a published roster)."""

WEIGHTS = (
    "cover_under_weight",
    "cover_over_weight",
    "substitution_cost",
    "request_weight",
    "weekend_fairness",
    "night_fairness",
    "split_weekend",
    "cover_min_weight",
    "change_cost",
)
"""The fields that weigh the penalty terms; none may be negative."""


@dataclass(frozen=True, eq=False)
class RosterProblem:
    """A roster problem: the staff, the days, the shift types, the competences and the rules.

    Shapes: ``S`` staff, ``D`` days, ``T`` shift types, ``C`` competences, ``W = ceil(D / 7)``
    weeks, ``R`` requests. See the module docstring for what each rule means.
    """

    staff_ids: tuple[str, ...]
    shift_ids: tuple[str, ...]
    competence_ids: tuple[str, ...]
    n_days: int
    first_weekday: int
    """Weekday of day 0: 0 Monday ... 6 Sunday."""

    # Shift types (T,)
    shift_start: IntArray
    """Start, minutes after midnight of the shift's day."""
    shift_span: IntArray
    """Minutes from start to end (a night shift runs into the next day)."""
    shift_minutes: IntArray
    """Minutes counted as worked (paid) per shift."""
    shift_night: BoolArray

    # Cover (D, T, C)
    cover_min: IntArray
    cover_target: IntArray
    cover_under_weight: IntArray
    cover_over_weight: IntArray

    # Staff (S, ...)
    can_cover: BoolArray
    """(S, C): competences each person may cover (own and substitute ones)."""
    substitution_cost: IntArray
    """(S, C): cost per shift covered in that competence (0 for the person's own)."""
    available: BoolArray
    """(S, D, T): may the person work that shift on that day."""
    max_shifts: IntArray
    """(S, T)"""
    min_minutes: IntArray
    """(S,) over the horizon."""
    max_minutes: IntArray
    min_week_minutes: IntArray
    """(S, W)"""
    max_week_minutes: IntArray
    max_consecutive: IntArray
    min_consecutive: IntArray
    min_consecutive_off: IntArray
    max_weekends: IntArray
    max_nights: IntArray
    min_rest: IntArray
    """(S,) minutes between shifts on consecutive days; 0 for no rule."""
    weekly_rest: IntArray
    """(S,) minutes; 0 for no rule."""
    forbidden: BoolArray
    """(T, T): ``forbidden[a, b]``, shift ``b`` may not follow shift ``a`` the next day."""
    fairness_group: IntArray
    """(S,) group of equal contracts, -1 for none."""

    # Requests (R,)
    request_staff: IntArray
    request_day: IntArray
    request_shift: IntArray
    """Shift type, or -1 for any shift (a whole day on or off)."""
    request_on: BoolArray
    """True: a wish to work; False: a wish to be off."""
    request_weight: IntArray

    # Weights of the soft rules that are not per item
    weekend_fairness: int = 0
    night_fairness: int = 0
    split_weekend: int = 0
    """Per weekend worked on one of its two days only."""
    cover_min_weight: int = 0
    """0: the cover minimum is hard; > 0: soft at this weight per person missing."""
    name: str = ""

    # Repair of a published roster (optional)
    published: RosterSolution | None = None
    """The roster published before: with ``change_cost``, each departure from it costs."""
    change_cost: IntArray | None = None
    """(S, D) cost when the assignment of staff ``s`` on day ``d`` differs from ``published``
    (another shift, another competence, off instead of a shift or a shift instead of off)."""

    # A part of a larger roster whose other staff are fixed (optional)
    fairness_fixed: IntArray | None = None
    """(G, 4) per fairness group number ``g`` (every number up to the largest): the most and the
    fewest weekends, and the most and the fewest nights, worked by the group's members outside
    this problem, whose rosters are fixed; ``-1`` in a row of a group with no member outside.
    Each spread is then taken over the members here and these (a neighbourhood of a
    neighbourhood search stays exact whichever staff it frees)."""

    @property
    def n_staff(self) -> int:
        """Number of staff members."""
        return len(self.staff_ids)

    @property
    def n_shifts(self) -> int:
        """Number of shift types."""
        return len(self.shift_ids)

    @property
    def n_competences(self) -> int:
        """Number of competences."""
        return len(self.competence_ids)

    @property
    def n_weeks(self) -> int:
        """Number of weeks (the last one may be partial)."""
        return -(-self.n_days // 7)

    def requests(self) -> list[tuple[int, int, int, bool, int]]:
        """The requests as ``(staff, day, shift or -1 for any, on, weight)`` tuples."""
        return list(
            zip(
                self.request_staff.tolist(),
                self.request_day.tolist(),
                self.request_shift.tolist(),
                self.request_on.tolist(),
                self.request_weight.tolist(),
                strict=True,
            )
        )

    def fairness_groups(self) -> dict[int, list[int]]:
        """The staff of each fairness group (staff with a negative group are in none), by
        group number in increasing order."""
        groups: dict[int, list[int]] = {}
        for s, g in enumerate(self.fairness_group.tolist()):
            if g >= 0:
                groups.setdefault(g, []).append(s)
        return dict(sorted(groups.items()))

    def fixed_counts(self, group: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """The most and fewest weekends, and the most and fewest nights, worked by the members
        of fairness group ``group`` outside this problem (:attr:`fairness_fixed`), or None when
        it has none."""
        row = None if self.fairness_fixed is None else self.fairness_fixed[group].tolist()
        if row is None or row[0] < 0:
            return None
        return (row[0], row[1]), (row[2], row[3])

    def weekend_days(self) -> list[tuple[int, ...]]:
        """The weekends of the horizon as tuples of day indices (Saturday and Sunday that fall
        inside the horizon), in order."""
        weekday = (np.arange(self.n_days) + self.first_weekday) % 7
        weekends: list[tuple[int, ...]] = []
        for d in range(self.n_days):
            if weekday[d] == 5:
                weekends.append((d, d + 1) if d + 1 < self.n_days else (d,))
            elif weekday[d] == 6 and d == 0:
                weekends.append((0,))
        return weekends

    def __post_init__(self) -> None:
        s, d, t, c, w = self.n_staff, self.n_days, self.n_shifts, self.n_competences, self.n_weeks
        shapes = {
            "shift_start": (t,),
            "shift_span": (t,),
            "shift_minutes": (t,),
            "shift_night": (t,),
            "cover_min": (d, t, c),
            "cover_target": (d, t, c),
            "cover_under_weight": (d, t, c),
            "cover_over_weight": (d, t, c),
            "can_cover": (s, c),
            "substitution_cost": (s, c),
            "available": (s, d, t),
            "max_shifts": (s, t),
            "min_minutes": (s,),
            "max_minutes": (s,),
            "min_week_minutes": (s, w),
            "max_week_minutes": (s, w),
            "max_consecutive": (s,),
            "min_consecutive": (s,),
            "min_consecutive_off": (s,),
            "max_weekends": (s,),
            "max_nights": (s,),
            "min_rest": (s,),
            "weekly_rest": (s,),
            "forbidden": (t, t),
            "fairness_group": (s,),
        }
        for name, shape in shapes.items():
            actual = np.shape(getattr(self, name))
            if actual != shape:
                raise ValueError(f"RosterProblem.{name} has shape {actual}, expected {shape}")
        r = np.shape(self.request_staff)
        for name in ("request_day", "request_shift", "request_on", "request_weight"):
            if np.shape(getattr(self, name)) != r:
                raise ValueError(f"RosterProblem.{name} has shape {np.shape(getattr(self, name))}")
        if not 0 <= self.first_weekday <= 6:
            raise ValueError(f"first_weekday must be 0..6, got {self.first_weekday}")
        # every penalty is a weight times a count: with no negative weight, 0 bounds every
        # roster (the solver reports it for a part it had no time to bound)
        for name in WEIGHTS:
            value = getattr(self, name)
            if value is not None and np.any(np.asarray(value) < 0):
                low = int(np.min(value))
                raise ValueError(f"RosterProblem.{name} has a negative weight {low}, expected >= 0")
        optional = {
            "change_cost": (s, d),
        }
        if self.published is not None:
            optional["published.shift"] = (s, d)
            optional["published.competence"] = (s, d)
            if self.change_cost is None:
                raise ValueError("RosterProblem.published needs change_cost")
        for name, shape in optional.items():
            head, _, tail = name.partition(".")
            value = getattr(self, head)
            if value is not None and tail:
                value = getattr(value, tail)
            if value is not None and np.shape(value) != shape:
                raise ValueError(
                    f"RosterProblem.{name} has shape {np.shape(value)}, expected {shape}"
                )
        if self.fairness_fixed is not None:
            groups = int(self.fairness_group.max(initial=-1)) + 1
            rows = np.shape(self.fairness_fixed)
            if len(rows) != 2 or rows[1] != 4 or rows[0] < groups:
                raise ValueError(
                    f"RosterProblem.fairness_fixed has shape {rows}, expected ({groups} or more, 4)"
                )


@dataclass(frozen=True, eq=False)
class RosterSolution:
    """A roster: per staff member and day, the shift type worked (-1 off) and the competence
    covered (-1 off)."""

    shift: IntArray
    """(S, D)"""
    competence: IntArray
    """(S, D)"""

    def worked(self) -> BoolArray:
        """(S, D): True where a shift is worked."""
        result: BoolArray = self.shift >= 0
        return result


@dataclass(frozen=True)
class Violation:
    """A hard rule a roster breaks: which rule, for whom (-1: not one person), on which day
    (-1: not one day), and what is wrong."""

    rule: str
    staff: int
    day: int
    detail: str


@dataclass(frozen=True)
class FairnessSpread:
    """What a fairness group's spread of weekends or nights costs, and who makes it: the
    members who work the most and the fewest (members outside the problem, with fixed rosters,
    count in ``most`` and ``fewest`` but are not named)."""

    kind: str
    """``weekends`` or ``nights``."""
    group: int
    members: tuple[int, ...]
    most: int
    most_staff: tuple[int, ...]
    fewest: int
    fewest_staff: tuple[int, ...]
    penalty: int


@dataclass(frozen=True)
class RosterCheck:
    """The verdict of the independent checker on a roster: hard violations, and every soft
    penalty recomputed, per rule and per staff member."""

    violations: tuple[Violation, ...]
    penalty_by_rule: dict[str, int]
    penalty_by_staff: IntArray
    """(S,) the penalties that belong to one person (requests, substitution, changes); cover and
    fairness belong to no single person and are only in ``penalty_by_rule``."""
    spreads: tuple[FairnessSpread, ...] = ()
    """Each fairness spread that costs something, the costliest first: what
    ``weekend_fairness`` and ``night_fairness`` of ``penalty_by_rule`` are made of."""

    @property
    def feasible(self) -> bool:
        """True when no hard rule is broken."""
        return not self.violations

    @property
    def objective(self) -> int:
        """Sum of all penalties."""
        return sum(self.penalty_by_rule.values())


@dataclass(frozen=True, eq=False)
class RosterResult:
    """A roster solve: statistics, the roster if one was found, the penalty per term as the
    solver sees it, and (attached by the engine) the checker's verdict."""

    stats: SolveStats
    solution: RosterSolution | None
    penalties: dict[str, int] = field(default_factory=dict)
    check: RosterCheck | None = None


def roster_problem(
    staff: int,
    days: int,
    shift_minutes: list[int] | tuple[int, ...],
    *,
    competences: int = 1,
    first_weekday: int = 0,
    **arrays: object,
) -> RosterProblem:
    """A roster problem with no rule binding, changed by ``arrays``: the builder for humans
    (tests, examples, benchmark readers).

    Every staff member may cover every competence and work every shift on every day; shifts
    start at 08:00 (``shift_start``) and last their minutes; no cover, no request, no limit.
    Any field of :class:`RosterProblem` given in ``arrays`` replaces the default (arrays are
    converted with ``numpy.asarray``).

    Parameters
    ----------
    staff, days
        Numbers of staff members and days.
    shift_minutes
        Worked minutes of each shift type (their number is the number of shift types).
    competences
        Number of competences.
    first_weekday
        Weekday of day 0 (0 Monday).
    """
    s, d, t, c = staff, days, len(shift_minutes), competences
    w = -(-d // 7)
    minutes = np.asarray(shift_minutes, dtype=np.int64)
    fields: dict[str, object] = {
        "staff_ids": tuple(f"s{i}" for i in range(s)),
        "shift_ids": tuple(f"t{i}" for i in range(t)),
        "competence_ids": tuple(f"c{i}" for i in range(c)),
        "n_days": d,
        "first_weekday": first_weekday,
        "shift_start": np.full(t, 8 * 60, dtype=np.int64),
        "shift_span": minutes.copy(),
        "shift_minutes": minutes,
        "shift_night": np.zeros(t, dtype=bool),
        "cover_min": np.zeros((d, t, c), dtype=np.int64),
        "cover_target": np.zeros((d, t, c), dtype=np.int64),
        "cover_under_weight": np.zeros((d, t, c), dtype=np.int64),
        "cover_over_weight": np.zeros((d, t, c), dtype=np.int64),
        "can_cover": np.ones((s, c), dtype=bool),
        "substitution_cost": np.zeros((s, c), dtype=np.int64),
        "available": np.ones((s, d, t), dtype=bool),
        "max_shifts": np.full((s, t), d, dtype=np.int64),
        "min_minutes": np.zeros(s, dtype=np.int64),
        "max_minutes": np.full(s, d * MINUTES_PER_DAY, dtype=np.int64),
        "min_week_minutes": np.zeros((s, w), dtype=np.int64),
        "max_week_minutes": np.full((s, w), 7 * MINUTES_PER_DAY, dtype=np.int64),
        "max_consecutive": np.full(s, d, dtype=np.int64),
        "min_consecutive": np.ones(s, dtype=np.int64),
        "min_consecutive_off": np.ones(s, dtype=np.int64),
        "max_weekends": np.full(s, d, dtype=np.int64),
        "max_nights": np.full(s, d, dtype=np.int64),
        "min_rest": np.zeros(s, dtype=np.int64),
        "weekly_rest": np.zeros(s, dtype=np.int64),
        "forbidden": np.zeros((t, t), dtype=bool),
        "fairness_group": np.full(s, -1, dtype=np.int64),
        "request_staff": np.zeros(0, dtype=np.int64),
        "request_day": np.zeros(0, dtype=np.int64),
        "request_shift": np.zeros(0, dtype=np.int64),
        "request_on": np.zeros(0, dtype=bool),
        "request_weight": np.zeros(0, dtype=np.int64),
    }
    for name, value in arrays.items():
        if name not in fields and name not in _SCALARS and name not in _OPTIONAL:
            raise TypeError(f"RosterProblem has no field {name!r}")
        fields[name] = value if name in _SCALARS or isinstance(value, tuple) else np.asarray(value)
    return RosterProblem(**fields)  # type: ignore[arg-type]


_OPTIONAL = ("change_cost", "fairness_fixed")
_SCALARS = (
    "weekend_fairness",
    "night_fairness",
    "split_weekend",
    "cover_min_weight",
    "name",
    "n_days",
    "published",
)
