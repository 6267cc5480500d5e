"""Broken unit folders: how to break the tiny unit's files, and what the one error line holds.

Shared by the loader tests and the command-line tests, so every broken input is checked both as
an exception and as what a user sees.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in the file with ``new``; ``old`` must be there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


Breaker = Callable[[Path], None]
BROKEN: dict[str, tuple[Breaker, list[str]]] = {
    "unknown competence": (
        lambda f: edit(f / "staff.csv", "bert,,nurse,", "bert,,nurze,"),
        ["staff.csv line 3", "competences[0]", "'nurze'", "known competence id (nurse, surgeon)"],
    ),
    "unknown room type": (
        lambda f: edit(
            f / "unit.yaml", "room_type: theatre\n  opening", "room_type: teatre\n  opening"
        ),
        ["unit.yaml", "rooms[0]{id=or1}.room_type", "'teatre'", "room type id (theatre)"],
    ),
    "unknown room type of an activity": (
        lambda f: edit(
            f / "unit.yaml", "room_type: theatre\n- id: bed", "room_type: gym\n- id: bed"
        ),
        ["unit.yaml", "activity_types[0]{id=op}.room_type", "'gym'"],
    ),
    "negative duration": (
        lambda f: edit(f / "unit.yaml", "mean_process_time: 120.0", "mean_process_time: -30"),
        ["unit.yaml", "activity_types[0]{id=op}.mean_process_time", "-30", "greater than 0"],
    ),
    "occupancy above one": (
        lambda f: edit(f / "unit.yaml", "target_occupancy: 0.8", "target_occupancy: 1.2"),
        ["unit.yaml", "wards[0]{id=ward}.target_occupancy", "1.2", "less than or equal to 1"],
    ),
    "occupancy of zero": (
        lambda f: edit(f / "unit.yaml", "target_occupancy: 0.8", "target_occupancy: 0"),
        ["unit.yaml", "wards[0]{id=ward}.target_occupancy", "got 0", "greater than 0"],
    ),
    "absence outside the horizon": (
        lambda f: (f / "absences.csv").write_text(
            "staff_id,start,end\nbert,2026-07-01,2026-07-31\n", encoding="utf-8"
        ),
        ["absences.csv line 2", "start", "2026-07-01..2026-07-31", "overlaps the horizon"],
    ),
    "absence of someone unknown": (
        lambda f: (f / "absences.csv").write_text(
            "staff_id,start,end\nberit,2027-03-08,2027-03-09\n", encoding="utf-8"
        ),
        ["absences.csv line 2", "staff_id", "'berit'", "the id of a staff member"],
    ),
    "week that does not exist": (
        lambda f: edit(f / "care_need.csv", "2027-W11", "2027-W53"),
        ["care_need.csv line 3", "week", "'2027-W53'", "2027 has weeks 01 to 52"],
    ),
    "week outside the horizon": (
        lambda f: edit(f / "care_need.csv", "2027-W11", "2027-W30"),
        ["care_need.csv line 3", "week", "'2027-W30'", "horizon 2027-W10 .. 2027-W11"],
    ),
    "not a week at all": (
        lambda f: edit(f / "care_need.csv", "2027-W11", "11"),
        ["care_need.csv line 3", "week", "'11'", "ISO week like '2027-W05'"],
    ),
    "text where a number belongs": (
        lambda f: edit(f / "staff.csv", "bert,,nurse,0.5", "bert,,nurse,half"),
        ["staff.csv line 3", "employment_rate", "'half'", "valid number"],
    ),
    "end before start": (
        lambda f: (f / "absences.csv").write_text(
            "staff_id,start,end\nanna,2027-03-10,2027-03-08\n", encoding="utf-8"
        ),
        ["absences.csv line 2", "end 2027-03-08 is before start 2027-03-10"],
    ),
    "unknown field": (
        lambda f: edit(f / "unit.yaml", "  beds: 10", "  beds: 10\n  bedz: 12"),
        ["unit.yaml", "wards[0]{id=ward}.bedz", "no field of this name"],
    ),
    "unknown column": (
        lambda f: edit(f / "staff.csv", "non_clinical_share", "nonclinical"),
        ["staff.csv", "column 'nonclinical'", "one of the columns"],
    ),
    "duplicate id": (
        lambda f: edit(f / "staff.csv", "bert,,nurse", "anna,,nurse"),
        ["staff.csv line 3", "id", "'anna'", "unique staff id"],
    ),
    "malformed yaml": (
        lambda f: edit(f / "unit.yaml", "weeks: 2", "weeks: [2"),
        ["unit.yaml line", "valid YAML"],
    ),
    "malformed csv row": (
        lambda f: edit(f / "care_need.csv", "hip,2027-W10,10.0", "hip,2027-W10,10.0,extra,cells"),
        ["care_need.csv line 2", "at most 3 cells"],
    ),
    "overlapping bed changes": (
        lambda f: edit(
            f / "unit.yaml",
            "  target_occupancy: 0.8",
            "  target_occupancy: 0.8\n  bed_changes:\n"
            "  - {start: 2027-03-08, end: 2027-03-12, beds: 6}\n"
            "  - {start: 2027-03-10, end: 2027-03-20, beds: 4}",
        ),
        ["unit.yaml", "wards[0]{id=ward}.bed_changes[1].start", "'2027-03-10'", "do not overlap"],
    ),
    "clock time written as a number": (
        lambda f: edit(f / "unit.yaml", "    start: 08:00", "    start: 8.30"),
        [
            "unit.yaml: rooms[0]{id=or1}.opening[0].start",
            "got 8.3",
            "expected a time HH:MM in quotes ('07:00')",
        ],
    ),
    "date that does not exist": (
        lambda f: edit(
            f / "unit.yaml",
            "  target_occupancy: 0.8",
            "  target_occupancy: 0.8\n  bed_changes:\n"
            "  - {start: 2027-03-32, end: 2027-04-02, beds: 6}",
        ),
        ["unit.yaml line 36: got '2027-03-32', expected a date YYYY-MM-DD"],
    ),
    "infinite number": (
        lambda f: edit(f / "care_need.csv", "2027-W11,20.0", "2027-W11,inf"),
        ["care_need.csv line 3: patients: got 'inf', expected a finite number >= 0"],
    ),
    "misspelled optional file": (
        lambda f: (f / "absence.csv").write_text(
            "staff_id,start,end\nbert,2027-03-08,2027-03-09\n", encoding="utf-8"
        ),
        ["absence.csv: unknown file in the unit folder", "(did you mean absences.csv?)"],
    ),
    "missing staff file": (
        lambda f: (f / "staff.csv").unlink(),
        ["staff.csv", "an existing file"],
    ),
    "missing unit.yaml": (
        lambda f: (f / "unit.yaml").unlink(),
        ["unit.yaml", "an existing file"],
    ),
}
