"""The room schedule checker: each hard rule rejects a hand-made schedule that breaks it, and
the penalties are recomputed by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from conftest import tiny_document

from engine.check.rooms import check_rooms, check_schedule_frame
from models.rooms import RoomProblem, RoomSolution, room_problem
from models.unit import Unit


def _problem(**changes: object) -> RoomProblem:
    """Two 60-minute activities (a0 needs one c0 person, a1 none), rooms r0 and r1 open
    08:00-12:00 with 10 minutes of turnover, staff s0 (c0, 08:00-12:00) and s1 (c1)."""
    fields: dict[str, object] = {
        "need": [[1, 0], [0, 0]],
        "room_close": [12 * 60, 12 * 60],
        "room_turnover": [10, 10],
        "staff_start": [8 * 60, 8 * 60],
        "staff_end": [12 * 60, 12 * 60],
        "staff_can": [[True, False], [False, True]],
    }
    fields.update(changes)
    return room_problem([60, 60], 2, competences=2, staff=2, **fields)


def _schedule(
    rooms: list[int], starts: list[int], team: list[tuple[int, int, int]]
) -> RoomSolution:
    return RoomSolution(
        room=np.array(rooms, dtype=np.int64),
        start=np.array(starts, dtype=np.int64),
        team_activity=np.array([a for a, _, _ in team], dtype=np.int64),
        team_competence=np.array([c for _, c, _ in team], dtype=np.int64),
        team_staff=np.array([s for _, _, s in team], dtype=np.int64),
    )


GOOD = ([0, 0], [480, 550], [(0, 0, 0)])
"""a0 08:00-09:00 in r0 with s0, a1 09:10-10:10 in r0 (after the turnover)."""


def _rules(problem: RoomProblem, schedule: RoomSolution) -> list[str]:
    return sorted({v.rule for v in check_rooms(problem, schedule).violations})


def test_a_sound_schedule_passes_with_its_penalties() -> None:
    check = check_rooms(_problem(), _schedule(*GOOD))
    assert check.feasible
    assert check.verdict == "sound"
    # span of r0: 08:00 .. 10:10 = 130 minutes; nothing unplaced, no overtime
    assert check.penalty_by_rule == {"unplaced": 0, "overtime": 0, "room_span": 130}


def test_unplaced_costs_its_priority() -> None:
    problem = _problem(priority=[3, 1])
    check = check_rooms(problem, _schedule([-1, 0], [-1, 480], []))
    assert check.feasible
    assert check.penalty_by_rule["unplaced"] == 3 * problem.weights.unplaced


@pytest.mark.parametrize(
    ("changes", "schedule", "rule"),
    [
        ({"room_ok": [[True, False], [True, True]]}, ([1, 0], [480, 550], [(0, 0, 0)]),
         "room_allowed"),
        ({}, ([0, 0], [450, 550], [(0, 0, 0)]), "room_hours"),  # before opening
        ({}, ([0, 1], [480, 700], [(0, 0, 0)]), "room_hours"),  # a1 ends 12:40, closes 12:00
        ({"setup": [0, 15]}, ([0, 0], [480, 550], [(0, 0, 0)]), "room_overlap"),
        ({}, ([0, 0], [480, 545], [(0, 0, 0)]), "room_overlap"),  # 5 of 10 min turnover
        ({}, ([0, 0], [480, 500], [(0, 0, 0)]), "room_overlap"),  # plain overlap
        ({"earliest": [540, 0]}, GOOD, "window"),
        ({"blocked_room": [0], "blocked_start": [600], "blocked_end": [660]},
         ([0, 0], [480, 545 + 10], [(0, 0, 0)]), "blocked"),  # a1 09:15-10:15 meets 10:00
        ({}, ([0, 0], [480, 550], []), "team_size"),  # a0 without its c0 person
        ({}, ([0, 0], [480, 550], [(0, 0, 0), (1, 0, 0)]), "team_competence"),  # a1 needs none
        ({}, ([0, 0], [480, 550], [(0, 0, 1)]), "team_competence"),  # s1 lacks c0
        ({"staff_start": [9 * 60, 8 * 60]}, GOOD, "team_shift"),
        ({"need": [[1, 0], [1, 0]]}, ([0, 1], [480, 500], [(0, 0, 0), (1, 0, 0)]),
         "person_overload"),
        ({}, ([5, 0], [480, 550], [(0, 0, 0)]), "shape"),
    ],
)  # fmt: skip
def test_each_rule_rejects_a_schedule_that_breaks_it(
    changes: dict[str, object],
    schedule: tuple[list[int], list[int], list[tuple[int, int, int]]],
    rule: str,
) -> None:
    problem = _problem(**changes)
    assert rule in _rules(problem, _schedule(*schedule))


def test_half_loads_may_overlap_whole_ones_may_not() -> None:
    both = {"need": [[1, 0], [1, 0]]}
    parallel = ([0, 1], [480, 480], [(0, 0, 0), (1, 0, 0)])
    assert _rules(_problem(**both), _schedule(*parallel)) == ["person_overload"]
    half = {"need": [[1, 0], [1, 0]], "load": [[50, 0], [50, 0]]}
    assert _rules(_problem(**half), _schedule(*parallel)) == []
    over = {"need": [[1, 0], [1, 0]], "load": [[50, 0], [60, 0]]}
    violations = check_rooms(_problem(**over), _schedule(*parallel)).violations
    assert [v.rule for v in violations] == ["person_overload"]
    assert "110 %" in violations[0].detail


def test_turnover_binds_only_between_activities() -> None:
    # a1 ends at closing exactly: its turnover runs past closing, which is allowed
    assert _rules(_problem(), _schedule([0, 0], [480, 660], [(0, 0, 0)])) == []


def test_overtime_is_allowed_up_to_its_limit_and_paid_per_minute() -> None:
    problem = _problem(room_overtime=[30, 0])
    check = check_rooms(problem, _schedule([0, 0], [480, 680], [(0, 0, 0)]))  # a1 to 12:20
    assert check.feasible
    assert check.penalty_by_rule["overtime"] == 20 * problem.weights.overtime
    late = check_rooms(problem, _schedule([0, 0], [480, 700], [(0, 0, 0)]))  # to 12:40
    assert [v.rule for v in late.violations] == ["room_hours"]


def test_moves_and_re_rooming_of_published_activities_are_counted() -> None:
    problem = _problem(published_room=[0, 0], published_start=[480, 550])
    same = check_rooms(problem, _schedule(*GOOD))
    assert same.penalty_by_rule["changed"] == 0
    changed = check_rooms(problem, _schedule([0, 1], [480, 600], [(0, 0, 0)]))
    # a1 both moved and re-roomed: one change
    assert changed.penalty_by_rule["changed"] == problem.weights.changed
    moved = check_rooms(problem, _schedule([0, 0], [480, 600], [(0, 0, 0)]))
    assert moved.penalty_by_rule["changed"] == problem.weights.changed


# The written schedule against the unit itself

WEEK = ["mon", "tue", "wed", "thu", "fri"]


def _unit() -> Unit:
    """The tiny unit with theatres or1 (a C-arm) and or2 (closed 9-10 March, turnover 15) and
    a surgeon dan; the operation needs the C-arm, 1 surgeon and 2 nurses."""
    opening = [{"weekdays": WEEK, "start": "08:00", "end": "16:00"}]
    document = tiny_document(
        room_types=[{"id": "theatre", "turnover_minutes": 15, "max_overtime_minutes": 30}],
        rooms=[
            {"id": "or1", "room_type": "theatre", "opening": opening, "equipment": ["c_arm"]},
            {"id": "or2", "room_type": "theatre", "opening": opening,
             "closures": [{"start": "2027-03-09", "end": "2027-03-10"}]},
        ],
    )  # fmt: skip
    document["staff"].append({"id": "dan", "competences": ["surgeon"]})
    document["activity_types"][0]["equipment"] = ["c_arm"]
    return Unit.model_validate(document)


ROSTER = {"anna": "D", "bert": "D", "cilla": "D", "dan": "D"}
TEAM = "dan:surgeon|anna:nurse|bert:nurse"


def _frame(*rows: tuple[str, str, str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [(a, "op", room, start, end, team) for a, room, start, end, team in rows],
        columns=["activity", "type", "room", "start", "end", "team_ids"],
    )


def _found(*rows: tuple[str, str, str, str, str], day: date = date(2027, 3, 8)) -> list[str]:
    return check_schedule_frame(_unit(), day, _frame(*rows), ROSTER)


def test_a_sound_written_schedule_passes() -> None:
    assert (
        _found(("op-1", "or1", "08:00", "10:00", TEAM), ("op-2", "or1", "10:15", "12:15", TEAM))
        == []
    )


@pytest.mark.parametrize(
    ("rows", "day", "fragment"),
    [
        ((("op-1", "or2", "08:00", "10:00", TEAM),), date(2027, 3, 8), "which lacks c_arm"),
        # Easter Monday
        ((("op-1", "or1", "08:00", "10:00", TEAM),), date(2027, 3, 29), "closed on 2027-03-29"),
        ((("op-1", "or1", "07:30", "09:30", TEAM),), date(2027, 3, 8), "outside 08:00-16:00"),
        ((("op-1", "or1", "14:40", "16:40", TEAM),), date(2027, 3, 8), "outside 08:00-16:00"),
        ((("op-1", "or1", "08:00", "10:00", TEAM), ("op-2", "or1", "10:10", "12:10", TEAM)),
         date(2027, 3, 8), "overlap in or1 (turnover 15)"),
        ((("op-1", "or1", "08:00", "10:00", "dan:surgeon|anna:nurse"),), date(2027, 3, 8),
         "1 nurse, its type needs 2"),
        ((("op-1", "or1", "08:00", "10:00", "anna:surgeon|bert:nurse|cilla:nurse"),),
         date(2027, 3, 8), "anna serves as 'surgeon'"),
        ((("op-1", "or1", "08:00", "10:00", "dan:surgeon|anna:nurse|eva:nurse"),),
         date(2027, 3, 8), "eva is not on shift"),
        ((("op-1", "or1", "15:00", "17:00", TEAM),), date(2027, 3, 8), "shift D does not cover it"),
        ((("op-1", "or1", "08:00", "09:00", TEAM),), date(2027, 3, 8),
         "60 min, its type takes 120"),
    ],
)  # fmt: skip
def test_the_written_schedule_is_checked_against_the_unit(
    rows: tuple[tuple[str, str, str, str, str], ...], day: date, fragment: str
) -> None:
    assert any(fragment in line for line in _found(*rows, day=day)), _found(*rows, day=day)


def test_a_closed_room_and_a_double_booked_person_in_the_written_schedule() -> None:
    found = _found(("op-1", "or2", "08:00", "10:00", TEAM), day=date(2027, 3, 9))
    assert "op-1 in or2, closed on 2027-03-09" in found
    two_rooms = _unit().model_copy(deep=True)
    for room in two_rooms.rooms:
        room.equipment.append("c_arm")
    found = check_schedule_frame(
        two_rooms,
        date(2027, 3, 8),
        _frame(("op-1", "or1", "08:00", "10:00", TEAM), ("op-2", "or2", "09:00", "11:00", TEAM)),
        ROSTER,
    )
    assert any(line.startswith("dan at 09:00 (op-2): 200% of a person") for line in found)
