"""The tactical production plan as the solver sees it: index-based arrays, no names.

A tactical problem has ``W`` weeks, ``G`` product groups (patients wait and are treated per
product group), ``R`` resources (competences, room types, wards) and ``E`` kinds of extra
capacity that can be bought (overtime hours, extra shifts, hired staff, ...). Everything is a
numpy array indexed by those integers; :mod:`engine.plan` keeps the names that go with them.

:class:`PlanOptions` holds the weights and the limits of extra capacity in the words of the
domain; :mod:`engine.plan` turns them into the arrays of :class:`TacticalProblem`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class TacticalWeights:
    """Weights of the objective, in cost units per week (one unit is one patient waiting one
    week beyond the care guarantee divided by :attr:`breach`).

    Parameters
    ----------
    backlog
        Per patient waiting, per week (every patient on the list, within the guarantee or not).
    breach
        Per patient waiting beyond the care guarantee, per week: much heavier than
        ``backlog``, so the guarantee comes first.
    levelling
        Per patient of change in a product group's production from one week to the next,
        up or down: a smooth plan over the year.
    terminal
        Per patient still waiting at the end of the horizon, once: keeps the plan from
        pushing work past its last week.
    """

    backlog: float = 0.1
    breach: float = 10.0
    levelling: float = 0.5
    terminal: float = 1.0


@dataclass(frozen=True)
class ExtraCapacity:
    """Kinds of extra capacity that can be bought, ``E`` of them.

    Each kind adds capacity to one resource in units (an hour of overtime, a shift, a hired
    full-time person, an extra staffed bed); its use is decided per week, or per block of
    ``block_weeks`` consecutive weeks (a hire holds for the block), within ``max_units``.
    """

    resource: IntArray
    """``(E,)``: the resource each kind adds to."""
    size: Array
    """``(E,)``: capacity one unit adds in a week, in the resource's measure."""
    cost: Array
    """``(E,)``: cost of one unit for one week."""
    max_units: Array
    """``(W, E)``: the most units that can be bought in each week."""
    integer: BoolArray
    """``(E,)``: True if units are whole (shifts, persons, beds)."""
    block_weeks: IntArray
    """``(E,)``: weeks one decision holds (1 for a weekly decision)."""

    @classmethod
    def none(cls, n_weeks: int) -> ExtraCapacity:
        """No extra capacity at all."""
        return cls(
            resource=np.zeros(0, dtype=np.int64),
            size=np.zeros(0),
            cost=np.zeros(0),
            max_units=np.zeros((n_weeks, 0)),
            integer=np.zeros(0, dtype=bool),
            block_weeks=np.ones(0, dtype=np.int64),
        )

    def __len__(self) -> int:
        return int(self.resource.size)


@dataclass(frozen=True)
class Pins:
    """Volumes agreed in advance, ``P`` of them: ``coef[p] . production[week[p]] == value[p]``.

    A pin on a product group has a one-hot ``coef``; a pin on an activity has the activity's
    column of the mix (activities per patient of each group).
    """

    week: IntArray
    """``(P,)``"""
    coef: Array
    """``(P, G)``"""
    value: Array
    """``(P,)``"""

    @classmethod
    def none(cls, n_groups: int) -> Pins:
        """No pinned volumes."""
        return cls(np.zeros(0, dtype=np.int64), np.zeros((0, n_groups)), np.zeros(0))

    def __len__(self) -> int:
        return int(self.week.size)


@dataclass(frozen=True)
class TacticalProblem:
    """The tactical planning problem of one unit: ``W`` weeks x ``G`` product groups.

    Production ``x[w, g]`` (patients treated) uses ``usage[g, r]`` of resource ``r`` per
    patient; the waiting list carries over, ``backlog[w] = backlog[w - 1] + need[w] - x[w]``,
    starting from the initial waiting list.
    """

    need: Array
    """``(W, G)``: new patients per week (the forecast)."""
    waiting: Array
    """``(G, A)``: patients on the list at the start who arrived ``a + 1`` weeks before the
    first week (column ``a``)."""
    guarantee_weeks: IntArray
    """``(G,)``: a patient who arrives in week ``j`` and is treated by week ``j + g`` is
    within the care guarantee."""
    usage: Array
    """``(G, R)``: capacity a patient takes of each resource (hours or staffed bed-days)."""
    capacity: Array
    """``(W, R)``: available capacity per week, in each resource's measure."""
    extra: ExtraCapacity
    pins: Pins
    weights: TacticalWeights = field(default_factory=TacticalWeights)
    first_week: int = 0
    """Weeks from the start of the calendar to the first week of the problem (a rolling
    start): blocks of extra capacity (``block_weeks``) stay aligned to the calendar, so the
    first block may be short."""
    previous: Array | None = None
    """``(G,)``: patients treated in the week before the first (a rolling start), the level
    the first week's change is measured from; None when there is no week before."""

    @property
    def n_weeks(self) -> int:
        """``W``"""
        return int(self.need.shape[0])

    @property
    def n_groups(self) -> int:
        """``G``"""
        return int(self.need.shape[1])

    @property
    def n_resources(self) -> int:
        """``R``"""
        return int(self.usage.shape[1])

    def __post_init__(self) -> None:
        w, g = self.need.shape
        r = self.usage.shape[1]
        e = len(self.extra)
        expected = {
            "waiting": (self.waiting.shape[0], g),
            "guarantee_weeks": (self.guarantee_weeks.shape[0], g),
            "usage": (self.usage.shape[0], g),
            "capacity": (self.capacity.shape, (w, r)),
            "extra.max_units": (self.extra.max_units.shape, (w, e)),
            "pins.coef": (self.pins.coef.shape[1], g),
            "previous": (g if self.previous is None else self.previous.shape[0], g),
        }
        for name, (got, want) in expected.items():
            if got != want:
                raise ValueError(f"{name} has shape {got}, expected {want}")
        if self.first_week < 0:
            raise ValueError(f"first_week is {self.first_week}, expected >= 0")


@dataclass(frozen=True)
class TacticalSolution:
    """A plan: the values of the decisions and the state they lead to."""

    production: Array
    """``(W, G)``: patients treated per week and product group."""
    backlog: Array
    """``(W, G)``: patients waiting at the end of each week."""
    breach: Array
    """``(W, G)``: of those, patients who can no longer be treated within the guarantee."""
    extra_units: Array
    """``(W, E)``: units of each kind of extra capacity bought per week."""
    terms: dict[str, float]
    """The objective by term: ``backlog``, ``breach``, ``levelling``, ``terminal``, ``extra``."""


@dataclass(frozen=True)
class TacticalShortfall:
    """Why a problem has no plan: the least capacity and the fewest patients missing.

    Found by a relaxation in which capacity (beyond the most extra that can be bought) and
    patients to treat may run short at a price; zero everywhere but where the hard
    requirements (pinned volumes) contradict each other.
    """

    capacity: Array
    """``(W, R)``: capacity missing per week and resource, in each resource's measure."""
    patients: Array
    """``(W, G)``: patients missing per week and product group (pinned production above the
    patients there are to treat)."""


@dataclass(frozen=True)
class PlanOptions:
    """Weights and extra-capacity limits of the tactical plan, with their defaults.

    Costs are in the units of :class:`TacticalWeights` (a patient waiting a week beyond the
    guarantee costs ``breach_weight``). Limits are per resource and week.

    Parameters
    ----------
    backlog_weight, breach_weight, levelling_weight, terminal_weight
        See :class:`TacticalWeights`.
    overtime_share
        Overtime hours a competence can work in a week, as a share of its available hours
        (0.10 is 4 hours a week of a full-timer, about the 200 hours a year Swedish rules
        allow).
    overtime_cost
        Cost of an hour of overtime.
    extra_shift_share
        Extra shifts (bought from a staffing pool) per week, as a share of the competence's
        available shifts, rounded down.
    whole_shifts
        Buy whole extra shifts only (integer variables); by default the plan may buy part of
        a shift, read as hours of a shift. Whole shifts, beds and hires make the problem a
        MILP with many near-equal choices: the example clinic still solves to a gap of 1e-4
        in seconds, but some units of a generated region take minutes.
    extra_shift_cost
        Cost of an hour in an extra shift (a shift costs this x its hours).
    hires
        Full-time equivalents of each competence that can be hired at a time.
    whole_hires
        Hire whole full-time persons only (integer variables); by default a hire may be part
        time, in full-time equivalents.
    hire_block_weeks
        A hire holds for blocks of this many weeks (a month's temporary contract).
    hire_cost
        Cost of an hour of a hired person's clinical time.
    room_extension_share
        Longer opening of a room type (evening sessions), as a share of its available hours.
    room_extension_cost
        Cost of an hour of longer opening.
    extra_room_days
        Extra room-days (a Saturday list) per room type and week; half days allowed.
    extra_room_day_cost
        Cost of an hour of an extra room-day.
    extra_beds
        Extra staffed beds per ward and week.
    whole_beds
        Open whole beds only (integer variables); by default part of a bed, read as
        bed-days.
    extra_bed_cost
        Cost of an extra staffed bed-day.
    """

    backlog_weight: float = 0.1
    breach_weight: float = 10.0
    levelling_weight: float = 0.5
    terminal_weight: float = 1.0
    overtime_share: float = 0.10
    overtime_cost: float = 1.0
    extra_shift_share: float = 0.10
    whole_shifts: bool = False
    extra_shift_cost: float = 1.25
    hires: float = 2.0
    whole_hires: bool = False
    hire_block_weeks: int = 4
    hire_cost: float = 0.8
    room_extension_share: float = 0.10
    room_extension_cost: float = 0.5
    extra_room_days: float = 1.0
    extra_room_day_cost: float = 0.75
    extra_beds: int = 2
    whole_beds: bool = False
    extra_bed_cost: float = 3.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool):
                continue
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"{f.name}: got {value!r}, expected a number >= 0")
        if self.hire_block_weeks < 1:
            raise ValueError(f"hire_block_weeks: got {self.hire_block_weeks}, expected >= 1")

    @property
    def weights(self) -> TacticalWeights:
        """The objective weights."""
        return TacticalWeights(
            backlog=self.backlog_weight,
            breach=self.breach_weight,
            levelling=self.levelling_weight,
            terminal=self.terminal_weight,
        )

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The names of the options (what an override file may set)."""
        return tuple(f.name for f in fields(cls))

    def replace(self, **changes: Any) -> PlanOptions:
        """A copy with ``changes``."""
        values = {f.name: getattr(self, f.name) for f in fields(self)} | changes
        return PlanOptions(**values)
