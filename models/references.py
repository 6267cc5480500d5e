"""Second validation step: ids that refer to things, and dates and weeks inside the horizon.

Pydantic checks each field on its own; this checks the unit as a whole and names every problem
by its path in the unit (``("staff", 12, "competences", 0)``), the value and what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise
from typing import TYPE_CHECKING

from models.base import add_weeks

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from models.unit import Unit

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a unit: where, what was found, and what was expected."""

    path: Path
    value: object
    expected: str


def _one_of(kind: str, known: Iterable[str]) -> str:
    names = sorted(known)
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return f"a known {kind} id ({shown})" if names else f"a {kind} id, but the unit defines none"


def _duplicates(collection: str, ids: Iterable[str]) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, item_id in enumerate(ids):
        if item_id in seen:
            yield Problem((collection, index, "id"), item_id, f"a unique {collection} id")
        seen.add(item_id)


def find_problems(unit: Unit) -> list[Problem]:
    """Every cross-reference problem of ``unit``, in file order; empty when the unit is sound."""
    return list(_problems(unit))


def _problems(unit: Unit) -> Iterator[Problem]:
    competences = {c.id for c in unit.competences}
    shifts = {s.id for s in unit.shift_types}
    room_types = {r.id for r in unit.room_types}
    wards = {w.id for w in unit.wards}
    activities = {a.id for a in unit.activity_types}
    groups = {g.id for g in unit.product_groups}
    calendar = unit.calendar
    first_day = calendar.start
    last_day = first_day + timedelta(weeks=calendar.weeks, days=-1)
    horizon_weeks = {add_weeks(calendar.start_week, w) for w in range(calendar.weeks)}
    last_week = add_weeks(calendar.start_week, calendar.weeks - 1)
    horizon = f"a week of the horizon {calendar.start_week} .. {last_week}"

    for name, items in (
        ("competences", unit.competences),
        ("staff", unit.staff),
        ("shift_types", unit.shift_types),
        ("room_types", unit.room_types),
        ("rooms", unit.rooms),
        ("wards", unit.wards),
        ("activity_types", unit.activity_types),
        ("product_groups", unit.product_groups),
    ):
        yield from _duplicates(name, (item.id for item in items))

    for i, reduced in enumerate(calendar.reduced_weeks):
        if reduced.week not in horizon_weeks:
            yield Problem(("calendar", "reduced_weeks", i, "week"), reduced.week, horizon)

    for i, member in enumerate(unit.staff):
        for j, competence in enumerate(member.competences):
            if competence not in competences:
                yield Problem(
                    ("staff", i, "competences", j), competence, _one_of("competence", competences)
                )
        for j, absence in enumerate(member.absences):
            if absence.end < first_day or absence.start > last_day:
                yield Problem(
                    ("staff", i, "absences", j, "start"),
                    f"{absence.start}..{absence.end}",
                    f"an absence that overlaps the horizon {first_day} .. {last_day}",
                )
        for j, request in enumerate(member.requests):
            if request.shift is not None and request.shift not in shifts:
                yield Problem(
                    ("staff", i, "requests", j, "shift"), request.shift, _one_of("shift", shifts)
                )
            if not first_day <= request.date <= last_day:
                yield Problem(
                    ("staff", i, "requests", j, "date"),
                    str(request.date),
                    f"a date in the horizon {first_day} .. {last_day}",
                )

    for i, room in enumerate(unit.rooms):
        if room.room_type not in room_types:
            yield Problem(
                ("rooms", i, "room_type"), room.room_type, _one_of("room type", room_types)
            )

    for i, ward in enumerate(unit.wards):
        changes = sorted(enumerate(ward.bed_changes), key=lambda item: item[1].start)
        for (_, before), (j, after) in pairwise(changes):
            if after.start <= before.end:
                yield Problem(
                    ("wards", i, "bed_changes", j, "start"),
                    str(after.start),
                    f"bed changes that do not overlap ({before.start} .. {before.end} is one)",
                )

    for i, ward in enumerate(unit.wards):
        for j, line in enumerate(ward.staffing):
            if line.shift not in shifts:
                yield Problem(
                    ("wards", i, "staffing", j, "shift"), line.shift, _one_of("shift", shifts)
                )
            if line.competence not in competences:
                yield Problem(
                    ("wards", i, "staffing", j, "competence"),
                    line.competence,
                    _one_of("competence", competences),
                )

    for i, activity in enumerate(unit.activity_types):
        if activity.shift is not None and activity.shift not in shifts:
            yield Problem(("activity_types", i, "shift"), activity.shift, _one_of("shift", shifts))
        for competence in activity.team:
            if competence not in competences:
                yield Problem(
                    ("activity_types", i, "team", competence),
                    competence,
                    _one_of("competence", competences),
                )
        if activity.room_type is not None and activity.room_type not in room_types:
            yield Problem(
                ("activity_types", i, "room_type"),
                activity.room_type,
                _one_of("room type", room_types),
            )
        if activity.ward is not None and activity.ward not in wards:
            yield Problem(("activity_types", i, "ward"), activity.ward, _one_of("ward", wards))

    for i, group in enumerate(unit.product_groups):
        for activity_id in group.mix:
            if activity_id not in activities:
                yield Problem(
                    ("product_groups", i, "mix", activity_id),
                    activity_id,
                    _one_of("activity type", activities),
                )

    seen_need: set[tuple[str, str]] = set()
    for i, need in enumerate(unit.care_need):
        if need.product_group not in groups:
            yield Problem(
                ("care_need", i, "product_group"),
                need.product_group,
                _one_of("product group", groups),
            )
        if need.week not in horizon_weeks:
            yield Problem(("care_need", i, "week"), need.week, horizon)
        key = (need.product_group, need.week)
        if key in seen_need:
            yield Problem(
                ("care_need", i, "week"),
                need.week,
                f"one row per product group and week ({need.product_group} repeats)",
            )
        seen_need.add(key)

    for i, entry in enumerate(unit.waiting_list):
        if entry.product_group not in groups:
            yield Problem(
                ("waiting_list", i, "product_group"),
                entry.product_group,
                _one_of("product group", groups),
            )
        if entry.waiting_since > first_day:
            yield Problem(
                ("waiting_list", i, "waiting_since"),
                str(entry.waiting_since),
                f"a date on or before the start of the horizon {first_day}",
            )

    for group_id in unit.care_guarantee.product_groups:
        if group_id not in groups:
            yield Problem(
                ("care_guarantee", "product_groups", group_id),
                group_id,
                _one_of("product group", groups),
            )
