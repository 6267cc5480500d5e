"""Pydantic schemas of a care unit: the whole vocabulary of the PKS chain.

Everything here is data; the only logic is checking each value on its own (field validators)
and, in :mod:`models.references`, checking that ids refer to things that exist.
Durations are minutes, shares are fractions in [0, 1], weeks are ISO weeks (``2027-W05``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from models.base import ClockTime, DomainModel, Id, IsoWeek, week_monday

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveFraction = Annotated[float, Field(gt=0.0, le=1.0)]
Minutes = Annotated[float, Field(ge=0.0)]

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

ActivityKind = Literal[
    "new_visit",
    "return_visit",
    "video_visit",
    "operation",
    "procedure",
    "therapy",
    "bed_day",
]
AbsenceKind = Literal["vacation", "parental_leave", "sick", "training", "research", "other"]
RequestKind = Literal["work", "off"]


class DateRange(DomainModel):
    """An inclusive range of dates."""

    start: date
    end: date
    reason: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class ReducedWeek(DomainModel):
    """A week where staff and rooms deliver only ``factor`` of their usual clinical time."""

    week: IsoWeek
    factor: Fraction
    reason: str = ""


class Calendar(DomainModel):
    """The planning horizon: consecutive ISO weeks from ``start_week``.

    ``public_holidays`` left out means the Swedish public holidays of the horizon's years.
    """

    start_week: IsoWeek
    weeks: Annotated[int, Field(ge=1, le=260)] = 52
    public_holidays: list[date] | None = None
    reduced_weeks: list[ReducedWeek] = []

    @property
    def start(self) -> date:
        """The first day (a Monday) of the horizon."""
        return week_monday(self.start_week)


class Settings(DomainModel):
    """Unit-wide defaults."""

    full_time_minutes_per_week: Annotated[int, Field(gt=0, le=7 * 24 * 60)] = 2400
    """Contract of a full-time employee (40 h); an employment rate scales it."""


class Competence(DomainModel):
    """A competence (kompetens): a profession or a skill that activities require."""

    id: Id
    name: str = ""
    shift_minutes: Annotated[int, Field(gt=0, le=24 * 60)] = 480
    """Length of a standard shift; gaps in minutes are expressed in shifts of this length."""
    non_clinical_share: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    """Share of contracted time spent on non-clinical work (training, research, admin)."""
    round_the_clock: bool = False
    """Staff whose primary competence this is keep a service running every day (a ward):
    public holidays do not reduce their hours, as they do for day-time staff."""
    substitutes: list[Id] = []
    """Competences whose staff may cover this one in a roster when short (a specialist nurse
    on a ward shift, say), at the substitution penalty."""


class Absence(DomainModel):
    """A staff member away for an inclusive range of dates (vacation, leave, ...)."""

    start: date
    end: date
    kind: AbsenceKind = "vacation"
    fraction: PositiveFraction = 1.0
    """Share of each day that is away: 0.5 for a half-time parental leave."""

    @model_validator(mode="after")
    def _ordered(self) -> Absence:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class ShiftRequest(DomainModel):
    """A wish to work (or not work) a shift, or any shift, on a date; soft, weighted."""

    date: date
    kind: RequestKind
    shift: Id | None = None
    weight: Annotated[int, Field(ge=1, le=1000)] = 1


class WorkRules(DomainModel):
    """Labour rules of a contract (Arbetstidslagen, the EU Working Time Directive and the
    collective agreement), with Swedish defaults; a unit's rules apply to every staff member
    unless the member has own rules.

    Counts over the horizon are given per week and scaled by the time the member is present in
    the roster (weekends with a day present, days present over 7), so the same rules serve a
    2-week and an 18-week roster, and a member away for part of it.
    """

    min_daily_rest_minutes: Annotated[int, Field(ge=0, le=24 * 60)] = 660
    """Rest between the end of one shift and the start of the next, from clock times (11 h)."""
    weekly_rest_minutes: Annotated[int, Field(ge=0, le=3 * 24 * 60)] = 2160
    """Consecutive rest in every 7 consecutive days (36 h); 0 turns the rule off."""
    max_consecutive_days: Annotated[int, Field(ge=1, le=31)] = 6
    min_consecutive_days: Annotated[int, Field(ge=1, le=14)] = 2
    """Shortest run of working days (runs at the start or end of the roster are exempt)."""
    min_consecutive_days_off: Annotated[int, Field(ge=1, le=14)] = 2
    """Shortest run of days off (runs at the start or end of the roster are exempt)."""
    weekend_share: Fraction = 0.5
    """Share of the weekends a person may work (0.5: every other weekend), of those they are
    present on, rounded up."""
    max_nights_per_week: Annotated[float, Field(ge=0.0, le=7.0)] = 3.0
    """Night shifts per week on average over the weeks present (days present over 7), rounded
    down."""
    max_minutes_per_week: Annotated[int, Field(gt=0, le=7 * 24 * 60)] = 2880
    """Worked minutes in any calendar week of the roster (48 h)."""
    contract_tolerance: Fraction = 0.1
    """Worked minutes over the roster lie within the contracted minutes +- this share."""
    weekly_tolerance: Fraction = 0.5
    """Worked minutes in each week are at most the week's contracted minutes + this share (and
    under ``max_minutes_per_week``); the contract's lower side holds over the whole roster."""


class RosterWeights(DomainModel):
    """Weights of the soft rules of a roster, per unit of each penalty."""

    under_cover: Annotated[int, Field(ge=0)] = 100
    """Per person missing below a cover target."""
    over_cover: Annotated[int, Field(ge=0)] = 5
    """Per person above a cover target."""
    substitution: Annotated[int, Field(ge=0)] = 10
    """Per shift a person works in a competence that is not their own (a substitute)."""
    weekend_fairness: Annotated[int, Field(ge=0)] = 20
    """Per weekend of spread (most minus fewest) among staff with equal contracts."""
    night_fairness: Annotated[int, Field(ge=0)] = 10
    """Per night of spread (most minus fewest) among staff with equal contracts."""
    split_weekend: Annotated[int, Field(ge=0)] = 0
    """Per weekend a person works on one of its two days only (0: no wish for whole weekends)."""


class StaffMember(DomainModel):
    """A staff member (medarbetare). The first competence is the primary one: available
    capacity is counted there; the others say what else the person may cover."""

    id: Id
    name: str = ""
    competences: Annotated[list[Id], Field(min_length=1)]
    employment_rate: PositiveFraction = 1.0
    contract_minutes_per_week: Annotated[int, Field(ge=0, le=7 * 24 * 60)] | None = None
    """Contracted minutes per week; left out, employment rate x the unit's full time."""
    non_clinical_share: Annotated[float, Field(ge=0.0, lt=1.0)] | None = None
    """Own non-clinical share; left out, the primary competence's."""
    absences: list[Absence] = []
    requests: list[ShiftRequest] = []
    work_rules: WorkRules | None = None
    """Own labour rules (a night contract, say); left out, the unit's."""
    bought: bool = False
    """Time a plan bought (overtime, extra shifts, hired staff), not a person of the staff
    list: rostered from nothing up to the contracted minutes of the weeks it is there, in no
    fairness group (``engine.roster.bought_staff``)."""


class ShiftType(DomainModel):
    """A shift type (pass) by clock time; ``end`` before ``start`` runs past midnight."""

    id: Id
    name: str = ""
    start: ClockTime
    end: ClockTime
    paid_minutes: Annotated[int, Field(gt=0, le=24 * 60)]
    night: bool = False

    @property
    def span_minutes(self) -> int:
        """Minutes from start to end, across midnight if need be."""
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        return (end - start) % (24 * 60) or 24 * 60

    @model_validator(mode="after")
    def _paid_within_span(self) -> ShiftType:
        if self.paid_minutes > self.span_minutes:
            raise ValueError(
                f"paid_minutes {self.paid_minutes} exceeds the {self.span_minutes} minutes "
                f"from {self.start:%H:%M} to {self.end:%H:%M}"
            )
        return self


class RoomType(DomainModel):
    """A kind of room (operating theatre, outpatient room, plaster room, ...)."""

    id: Id
    name: str = ""
    utilisation: PositiveFraction = 0.85
    """Target utilisation (nyttjandegrad) of open hours: covers changeovers and variation."""
    acute_reserve: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    """Share of each day's open hours held back for acute care, not planned for electives."""
    turnover_minutes: Annotated[int, Field(ge=0, le=24 * 60)] = 0
    """Cleaning and changeover after each activity before the room's next one (room schedule)."""
    max_overtime_minutes: Annotated[int, Field(ge=0, le=24 * 60)] = 0
    """Minutes a room of this type may run past its closing time in the room schedule, at the
    overtime penalty (0: activities end by closing time)."""


class OpeningHours(DomainModel):
    """A room is open on ``weekdays`` from ``start`` to ``end`` (same day)."""

    weekdays: Annotated[list[Weekday], Field(min_length=1)]
    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _ordered(self) -> OpeningHours:
        if self.end <= self.start:
            raise ValueError(f"end {self.end:%H:%M} is not after start {self.start:%H:%M}")
        return self

    @property
    def minutes(self) -> int:
        """Open minutes per day."""
        return (self.end.hour - self.start.hour) * 60 + self.end.minute - self.start.minute


class Room(DomainModel):
    """A room (lokal/sal) of a room type, with weekly opening hours and closures."""

    id: Id
    name: str = ""
    room_type: Id
    opening: list[OpeningHours] = []
    closures: list[DateRange] = []
    equipment: list[Id] = []


class BedChange(DomainModel):
    """From ``start`` to ``end`` (inclusive) the ward has ``beds`` staffed beds (summer closure)."""

    start: date
    end: date
    beds: Annotated[int, Field(ge=0)]

    @model_validator(mode="after")
    def _ordered(self) -> BedChange:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class WardStaffing(DomainModel):
    """One line of a ward's staffing key: on ``shift``, one person of ``competence`` per
    ``patients_per_staff`` occupied beds, and never fewer than ``minimum``."""

    shift: Id
    competence: Id
    patients_per_staff: Annotated[float, Field(gt=0.0)]
    minimum: Annotated[int, Field(ge=0)] = 1


class Ward(DomainModel):
    """A ward (vårdavdelning) with staffed beds and a target occupancy (beläggningsgrad)."""

    id: Id
    name: str = ""
    beds: Annotated[int, Field(gt=0)]
    target_occupancy: PositiveFraction = 0.85
    bed_changes: list[BedChange] = []
    staffing: list[WardStaffing] = []
    """The staffing key (bemanningsnyckel): staff per shift for the patients in the ward."""


class ActivityType(DomainModel):
    """An activity (aktivitet) and the resource set (resursuppsättning) it takes.

    Each competence in ``team`` is busy ``mean_process_time`` minutes per person per activity;
    the room type is busy the same time. A ``bed_day`` occupies a bed of ``ward`` for a day and
    its team gives ``mean_process_time`` minutes of care per person per bed-day.
    """

    id: Id
    name: str = ""
    kind: ActivityKind
    mean_process_time: Annotated[float, Field(gt=0.0, le=24 * 60)]
    team: dict[Id, Annotated[float, Field(gt=0.0)]] = {}
    room_type: Id | None = None
    ward: Id | None = None
    shift: Id | None = None
    """The shift type the team works while doing it; left out, the unit's first day shift."""
    weekday_profile: dict[Weekday, Annotated[float, Field(ge=0.0)]] = {}
    """Relative volume per weekday for the daily plan (``fri: 0.5`` for fewer on Fridays; a
    weekday at 0 gets none). Left out, every day the room type is open weighs the same."""
    priority: Annotated[float, Field(gt=0.0)] = 1.0
    """How much an unplaced activity of this type weighs against others in the daily plan."""
    equipment: list[Id] = []
    """Equipment the room must hold (a C-arm, a laminar-flow ceiling): only rooms whose
    ``equipment`` lists all of it may take the activity in the room schedule."""
    setup_minutes: Annotated[int, Field(ge=0, le=24 * 60)] = 0
    """Minutes the room is prepared before the activity (the team is not yet needed)."""

    @model_validator(mode="after")
    def _bed_days_need_a_ward(self) -> ActivityType:
        if self.kind == "bed_day":
            if self.ward is None:
                raise ValueError("a bed_day activity needs a ward")
            if self.room_type is not None:
                raise ValueError("a bed_day activity takes a ward bed, not a room_type")
        elif self.ward is not None:
            raise ValueError(f"only bed_day activities take a ward, not {self.kind}")
        return self


class ProductGroup(DomainModel):
    """A product group (produktgrupp/vårdtjänst): activities per patient (the activity mix)."""

    id: Id
    name: str = ""
    mix: Annotated[dict[Id, Annotated[float, Field(ge=0.0)]], Field(min_length=1)]


class CareNeed(DomainModel):
    """Forecast care need (vårdbehov): new patients of a product group in an ISO week."""

    product_group: Id
    week: IsoWeek
    patients: Annotated[float, Field(ge=0.0)]


class WaitingListEntry(DomainModel):
    """Patients of a product group waiting since a date (väntelista)."""

    product_group: Id
    waiting_since: date
    patients: Annotated[int, Field(ge=0)]


class CareGuarantee(DomainModel):
    """The care guarantee (vårdgaranti): treatment within ``days`` of referral."""

    days: Annotated[int, Field(gt=0)] = 90
    product_groups: dict[Id, Annotated[int, Field(gt=0)]] = {}
    """Per product group overrides of ``days``."""


class Unit(DomainModel):
    """A care unit (verksamhet/enhet): everything the PKS chain needs to plan it."""

    id: Id
    name: str = ""
    calendar: Calendar
    settings: Settings = Settings()
    competences: list[Competence]
    staff: list[StaffMember] = []
    shift_types: list[ShiftType] = []
    room_types: list[RoomType] = []
    rooms: list[Room] = []
    wards: list[Ward] = []
    activity_types: list[ActivityType]
    product_groups: list[ProductGroup]
    care_need: list[CareNeed] = []
    waiting_list: list[WaitingListEntry] = []
    care_guarantee: CareGuarantee = CareGuarantee()
    work_rules: WorkRules = WorkRules()
    """Labour rules of every staff member without own rules."""
    roster_weights: RosterWeights = RosterWeights()
