"""What-if scenarios: a base unit plus a list of typed changes (pydantic schemas).

A scenario file (YAML or JSON) names the scenario and lists its changes; each change has a
``type`` that says what it changes::

    name: saturday-clinic
    description: Two outpatient rooms open on Saturdays 08:00-14:00
    changes:
      - type: opening_hours
        room_type: mottagningsrum
        rooms_count: 2
        weekdays: [sat]
        start: "08:00"
        end: "14:00"

:mod:`engine.scenarios` applies the changes to a unit and plans the result.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from models.base import ClockTime, DomainModel, Id, IsoWeek, week_monday
from models.unit import AbsenceKind, PositiveFraction, Weekday

Factor = Annotated[float, Field(ge=0.0, le=100.0)]


class WeekRange(DomainModel):
    """ISO weeks ``first`` to ``last``, inclusive."""

    first: IsoWeek
    last: IsoWeek

    @model_validator(mode="after")
    def _ordered(self) -> WeekRange:
        if week_monday(self.last) < week_monday(self.first):
            raise ValueError(f"last {self.last} is before first {self.first}")
        return self


class ScaleCareNeed(DomainModel):
    """Scale the care need (forecast patients) of product groups, e.g. +10 % of hip
    fractures; all groups if ``product_groups`` is empty, all weeks if ``weeks`` is left out."""

    type: Literal["scale_care_need"]
    factor: Factor
    product_groups: list[Id] = []
    weeks: WeekRange | None = None


class ScaleActivity(DomainModel):
    """Scale how many of an activity each patient gets (the activity mix), e.g. -20 % return
    visits is ``factor: 0.8``; in every product group if ``product_groups`` is empty."""

    type: Literal["scale_activity"]
    activity: Id
    factor: Factor
    product_groups: list[Id] = []


class SubstituteActivity(DomainModel):
    """Replace a share of an activity by another in the activity mix, e.g. 30 % of return
    visits as video visits; in every product group if ``product_groups`` is empty."""

    type: Literal["substitute_activity"]
    activity: Id
    by: Id
    share: PositiveFraction
    product_groups: list[Id] = []

    @model_validator(mode="after")
    def _different(self) -> SubstituteActivity:
        if self.activity == self.by:
            raise ValueError(f"by {self.by!r} is the activity it replaces")
        return self


class ChangeProcessTime(DomainModel):
    """Set an activity's mean process time to ``minutes``, or scale it by ``factor``."""

    type: Literal["process_time"]
    activity: Id
    minutes: Annotated[float, Field(gt=0.0, le=24 * 60)] | None = None
    factor: Annotated[float, Field(gt=0.0, le=100.0)] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ChangeProcessTime:
        if (self.minutes is None) == (self.factor is None):
            raise ValueError("exactly one of minutes and factor")
        return self


class ChangeOpeningHours(DomainModel):
    """Open rooms from ``start`` to ``end`` on ``weekdays`` (replacing their hours on those
    days), or close them on those days with ``closed: true``.

    The rooms are those listed in ``rooms``, or the rooms of ``room_type`` (only the first
    ``rooms_count`` of them if given): a Saturday clinic, or theatres open until 18:00 on
    Tuesdays and Thursdays.
    """

    type: Literal["opening_hours"]
    room_type: Id | None = None
    rooms: list[Id] = []
    rooms_count: Annotated[int, Field(ge=1)] | None = None
    weekdays: Annotated[list[Weekday], Field(min_length=1)]
    start: ClockTime | None = None
    end: ClockTime | None = None
    closed: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> ChangeOpeningHours:
        if (self.room_type is None) == (not self.rooms):
            raise ValueError("either room_type or rooms")
        if self.closed:
            if self.start is not None or self.end is not None:
                raise ValueError("no start or end when closed")
        elif self.start is None or self.end is None:
            raise ValueError("start and end, or closed: true")
        elif self.end <= self.start:
            raise ValueError(f"end {self.end:%H:%M} is not after start {self.start:%H:%M}")
        return self


class ChangeStaff(DomainModel):
    """Add (``fte > 0``) or remove (``fte < 0``) full-time equivalents of a competence, for
    ``weeks`` (default: the whole horizon). Added staff are new members whose primary
    competence it is; removed time is taken evenly from the competence's staff."""

    type: Literal["staff"]
    competence: Id
    fte: Annotated[float, Field(ge=-1000.0, le=1000.0)]
    weeks: WeekRange | None = None

    @model_validator(mode="after")
    def _not_zero(self) -> ChangeStaff:
        if self.fte == 0:
            raise ValueError("fte is 0: nothing to change")
        return self


class MoveNonClinicalTime(DomainModel):
    """Move non-clinical time (absences of ``kinds``: training, research) that starts in
    ``from_weeks`` so that the range starts at ``to_week`` instead, e.g. courses out of the
    winter fracture peak; for the staff of ``competence`` (everyone if left out)."""

    type: Literal["move_non_clinical"]
    from_weeks: WeekRange
    to_week: IsoWeek
    competence: Id | None = None
    kinds: Annotated[list[AbsenceKind], Field(min_length=1)] = ["training", "research"]


class ChangeTargetOccupancy(DomainModel):
    """Set a ward's target occupancy (every ward if ``ward`` is left out)."""

    type: Literal["target_occupancy"]
    occupancy: PositiveFraction
    ward: Id | None = None


Change = Annotated[
    ScaleCareNeed
    | ScaleActivity
    | SubstituteActivity
    | ChangeProcessTime
    | ChangeOpeningHours
    | ChangeStaff
    | MoveNonClinicalTime
    | ChangeTargetOccupancy,
    Field(discriminator="type"),
]
"""One typed change; ``type`` says which."""


class Scenario(DomainModel):
    """A what-if scenario: a name and the changes it makes to the base unit."""

    name: Id
    description: str = ""
    changes: list[Change] = []
