"""Repair of a published roster: the change set a scheduler writes, and what the repair returns.

A :class:`ChangeSet` is read from a YAML or JSON file (:func:`engine.repair.load_changes`):

.. code-block:: yaml

    today: 2027-03-03          # the first day that may change; days before are frozen
    absences:                  # staff away (sick) from start to end, inclusive
    - {staff: ok-050, start: 2027-03-03, end: 2027-03-04}
    extra_activities:          # more activities on a day: the cover need rises
    - {date: 2027-03-05, activity: hoftprotes, count: 6}
    room_closures:             # a room closed: what no longer fits leaves the day
    - {room: op1, date: 2027-03-08}

The results (:class:`RosterChange`, :class:`Candidate`, :class:`CandidateRanking`) are plain
frozen dataclasses the engine fills in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated

from pydantic import Field, model_validator

from models.base import DomainModel, Id

Day = date
"""``date`` under a name that a field called ``date`` does not hide."""

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def day_text(day: date) -> str:
    """``3 March``: a date as a scheduler says it."""
    return f"{day.day} {MONTHS[day.month - 1]}"


class StaffAbsence(DomainModel):
    """A staff member away (sick, say) on every day from ``start`` to ``end`` inclusive."""

    staff: Id
    start: date
    end: date
    kind: str = "sick"

    @model_validator(mode="after")
    def _ordered(self) -> StaffAbsence:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class ExtraActivities(DomainModel):
    """``count`` more activities of type ``activity`` on ``date`` (an inflow spike): the staff
    cover of that day rises by their team hours."""

    date: date
    activity: Id
    count: Annotated[float, Field(gt=0.0)]


class RoomClosure(DomainModel):
    """Room ``room`` closed on ``date`` (to ``end``, inclusive, when given). For the roster the
    activities of its room type that no longer fit in the rooms left open leave those days, and
    their staff cover with them; placing them elsewhere is the room schedule's repair."""

    room: Id
    date: Day
    end: Day | None = None

    @model_validator(mode="after")
    def _ordered(self) -> RoomClosure:
        if self.end is not None and self.end < self.date:
            raise ValueError(f"end {self.end} is before date {self.date}")
        return self


class RepairWeights(DomainModel):
    """The costs of a repair. A change of a published working day costs between
    ``change_far`` and ``change_near``; a published day off that becomes a working day between
    ``day_off_far`` and ``day_off_near``: the near value on ``today``, falling linearly to the far
    value ``near_days`` days later and staying there. Each person missing below the cover the
    published roster gave (or below the new need, where it rose) costs ``uncovered``, so one
    vacancy is worth a few changes (about 3 day-off changes today, up to 13 working-day changes
    two weeks ahead) and no more; every change costs more than any substitution, so a repair
    never moves people to gain anything else."""

    change_near: Annotated[int, Field(ge=1)] = 30
    change_far: Annotated[int, Field(ge=1)] = 15
    day_off_near: Annotated[int, Field(ge=1)] = 60
    day_off_far: Annotated[int, Field(ge=1)] = 40
    near_days: Annotated[int, Field(ge=1, le=126)] = 14
    uncovered: Annotated[int, Field(ge=1)] = 200
    overtime_per_hour: Annotated[int, Field(ge=0)] = 5
    """Cost per hour above contract of a candidate for a shift (the ranking only)."""

    @model_validator(mode="after")
    def _ordered(self) -> RepairWeights:
        if self.change_near < self.change_far:
            raise ValueError("change_near must be at least change_far")
        if self.day_off_near < self.day_off_far:
            raise ValueError("day_off_near must be at least day_off_far")
        if self.day_off_far < self.change_far or self.day_off_near < self.change_near:
            raise ValueError("a day off must cost at least as much as a working day")
        return self


class ChangeSet(DomainModel):
    """What happened since the roster was published."""

    today: date | None = None
    """The first day that may change (days before are frozen); left out, the roster's first
    day (or the command line's ``--today``)."""
    absences: list[StaffAbsence] = []
    extra_activities: list[ExtraActivities] = []
    room_closures: list[RoomClosure] = []
    weights: RepairWeights = RepairWeights()


@dataclass(frozen=True)
class RosterChange:
    """One assignment that differs from the published roster."""

    staff_id: str
    name: str
    day: date
    before: str
    """The published shift code, ``""`` for a day off."""
    after: str

    def text(self) -> str:
        """``Anna Berg: D -> off on 3 March``."""
        return (
            f"{self.name or self.staff_id}: {self.before or 'off'} -> {self.after or 'off'} "
            f"on {day_text(self.day)}"
        )


@dataclass(frozen=True)
class Candidate:
    """A staff member who may legally take a shift, and what it costs."""

    staff_id: str
    name: str
    competence: str
    """The competence covered on the shift."""
    before: str
    """What the person had that day (a shift code, ``""`` off)."""
    cost: int
    """``change_cost + sum(penalties.values()) + overtime cost``."""
    change_cost: int
    overtime_minutes: int
    """Minutes added above the person's contract over the roster."""
    penalties: dict[str, int] = field(default_factory=dict)
    """Change of each soft penalty of the roster (positive: worse)."""
    rules: tuple[str, ...] = ()
    """What taking the shift involves, in words."""


@dataclass(frozen=True)
class CandidateRanking:
    """The staff who may take a shift, cheapest first, and why the others may not."""

    day: date
    shift: str
    competences: tuple[str, ...]
    """The competences the shift is wanted in (given, or those short that day)."""
    candidates: tuple[Candidate, ...]
    excluded: dict[str, int]
    """People excluded per rule (a person breaking two rules counts under both)."""
    excluded_staff: int
    """People excluded."""
