"""The room schedule of a day from a unit: compile, bad input, unplaced reasons, repair of a
published day, and the example clinic's day."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.check.rooms import check_schedule_frame
from engine.errors import InputError
from engine.io import load_unit
from engine.rooms import (
    RoomChanges,
    compile_rooms,
    day_counts,
    day_roster,
    explain_unplaced,
    room_summary,
    schedule_frame,
    solve_rooms,
)
from models.unit import Unit
from solvers.common import SolveOptions
from tests.conftest import WEEKDAYS, tiny_document

pytestmark = pytest.mark.solver

DAY = date(2027, 3, 9)  # a Tuesday in the tiny unit's weeks 10-11
OPTIONS = SolveOptions(time_limit=10, num_workers=2)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ortopedi"


def _theatre(room_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": room_id,
        "room_type": "theatre",
        "opening": [{"weekdays": WEEKDAYS, "start": "08:00", "end": "16:00"}],
        **extra,
    }


def _unit(**changes: Any) -> Unit:
    """The tiny unit with two theatres, two surgeons and four nurses."""
    document = tiny_document(
        rooms=[_theatre("or1"), _theatre("or2")],
        staff=[
            {"id": "anna", "name": "Anna", "competences": ["nurse"]},
            {"id": "bert", "name": "Bert", "competences": ["nurse"]},
            {"id": "cilla", "name": "Cilla", "competences": ["surgeon", "nurse"]},
            {"id": "dan", "name": "Dan", "competences": ["surgeon"]},
            {"id": "eva", "name": "Eva", "competences": ["nurse"]},
            {"id": "fia", "name": "Fia", "competences": ["nurse"]},
        ],
    )
    document.update(changes)
    return Unit.model_validate(document)


ALL_ON = dict.fromkeys(("anna", "bert", "cilla", "dan", "eva", "fia"), "D")


def _solve(unit: Unit, counts: dict[str, int], roster: dict[str, str], **kwargs: Any):  # type: ignore[no-untyped-def]
    day = compile_rooms(unit, DAY, counts, roster, **kwargs)
    result = solve_rooms(day, OPTIONS)
    assert result.solution is not None
    assert result.check is not None
    assert result.check.feasible, result.check.violations
    return day, result


def test_a_day_in_two_theatres() -> None:
    # 120-minute operations, 08:00-16:00 (480 min) in two rooms, teams of 1 surgeon + 2 nurses:
    # two teams work in parallel, four operations each: 8 fit, the ninth does not
    unit = _unit()
    day, result = _solve(unit, {"op": 9, "bed": 5}, ALL_ON)
    summary = room_summary(day, result)
    assert (summary["placed"], summary["unplaced"], summary["rooms_used"]) == (8, 1, 2)
    assert summary["checker"] == "sound"
    reasons = explain_unplaced(day, unit, result.solution)
    assert list(reasons.values()) == [
        "not enough room time left: the longest free period in or1, or2 is 0 min, it needs 120 min"
    ]
    frame = schedule_frame(day, result.solution, reasons)
    assert frame["room"].tolist().count("") == 1
    first = frame.iloc[0]
    assert (first["start"], first["end"]) == ("08:00", "10:00")
    assert "(surgeon)" in first["team"]
    assert first["team_ids"].count("|") == 2
    assert frame.iloc[-1]["reason"].startswith("not enough room time")


def test_an_unplaced_activity_owes_the_turnover_before_a_closed_period() -> None:
    # one theatre open 08:00-10:00 and 10:10-12:10 with 10 min of turnover: the two-hour
    # operation after 10:10 ends the day and owes none, one at 08:00 would owe it inside the
    # closed period; the free 120 min are 10 short, and the reason says what of
    morning_gap = [
        {"weekdays": WEEKDAYS, "start": "08:00", "end": "10:00"},
        {"weekdays": WEEKDAYS, "start": "10:10", "end": "12:10"},
    ]
    unit = _unit(
        rooms=[_theatre("or1", opening=morning_gap)],
        room_types=[{"id": "theatre", "utilisation": 0.75, "turnover_minutes": 10}],
    )
    day, result = _solve(unit, {"op": 2}, ALL_ON)
    assert room_summary(day, result)["placed"] == 1
    assert list(explain_unplaced(day, unit, result.solution).values()) == [
        "not enough room time left: the longest free period in or1 is 120 min, it needs 120 min"
        " and 10 min of turnover after it"
    ]


def test_unplaced_reasons_from_the_data() -> None:
    unit = _unit()
    one = {"op": 1}
    # no surgeon on shift (cilla covers a nurse shift as a substitute only)
    nurses = {"anna": "D", "bert": "D", "cilla": "D/nurse"}
    day, result = _solve(unit, one, nurses)
    assert explain_unplaced(day, unit, result.solution) == {
        0: "0 surgeon rostered with a shift that covers it, 1 needed"
    }
    # cilla may be the surgeon or a nurse, not both: three people needed, two on shift
    day, result = _solve(unit, one, {"anna": "D", "cilla": "D"})
    assert explain_unplaced(day, unit, result.solution) == {
        0: "only 2 people rostered with a shift that covers it as nurse or surgeon (anna, "
        "cilla), the team needs 3 (2 nurse, 1 surgeon)"
    }
    # the operation needs a C-arm that no theatre has
    equipped = _unit(
        activity_types=[
            {**tiny_document()["activity_types"][0], "equipment": ["c_arm"]},
            tiny_document()["activity_types"][1],
        ]
    )
    day, result = _solve(equipped, one, ALL_ON)
    assert explain_unplaced(day, equipped, result.solution) == {
        0: "no open room of type theatre has the equipment c_arm (open: or1, or2; none has c_arm)"
    }
    # both theatres closed that week
    closed = _unit(
        rooms=[
            _theatre(
                "or1", closures=[{"start": "2027-03-08", "end": "2027-03-12", "reason": "works"}]
            ),
            _theatre("or2", opening=[{"weekdays": ["mon"], "start": "08:00", "end": "16:00"}]),
        ]
    )
    day, result = _solve(closed, one, ALL_ON)
    assert explain_unplaced(day, closed, result.solution) == {
        0: "no room of type theatre is open on 2027-03-09 (or1 closed 2027-03-08 .. 2027-03-12 "
        "(works); or2 no opening hours on tue)"
    }


def test_equipment_sends_an_activity_to_the_room_that_has_it() -> None:
    unit = _unit(
        rooms=[_theatre("or1"), _theatre("or2", equipment=["c_arm"])],
        activity_types=[
            {**tiny_document()["activity_types"][0], "equipment": ["c_arm"]},
            tiny_document()["activity_types"][1],
        ],
    )
    _day, result = _solve(unit, {"op": 3}, ALL_ON)
    assert set(result.solution.room.tolist()) == {1}


def test_shift_clock_times_bound_the_team() -> None:
    shifts = [
        {"id": "D", "start": "07:00", "end": "16:00", "paid_minutes": 480},
        {"id": "L", "start": "12:00", "end": "20:00", "paid_minutes": 480},
    ]
    unit = _unit(shift_types=shifts)
    roster = {"anna": "L", "bert": "D", "dan": "D"}
    _day, result = _solve(unit, {"op": 1}, roster)
    assert result.solution.start.tolist() == [12 * 60]  # anna is needed and starts at 12:00


def test_bad_input_names_field_value_and_expectation() -> None:
    unit = _unit()
    with pytest.raises(
        InputError, match=r"--date: got '2027-05-03', expected a date in the unit's calendar"
    ):
        compile_rooms(unit, date(2027, 5, 3), {"op": 1}, ALL_ON)
    with pytest.raises(InputError, match=r"roster 2027-03-09: staff: got 'zoe'"):
        compile_rooms(unit, DAY, {"op": 1}, {"zoe": "D"})
    with pytest.raises(InputError, match=r"anna: got 'X', expected a shift type id"):
        compile_rooms(unit, DAY, {"op": 1}, {"anna": "X"})
    with pytest.raises(InputError, match=r"--close: room: got 'or9'"):
        compile_rooms(unit, DAY, {"op": 1}, ALL_ON, changes=RoomChanges(closed={"or9": []}))
    with pytest.raises(InputError, match=r"daily plan: activity: got 'hip'"):
        compile_rooms(unit, DAY, {"hip": 1}, ALL_ON)
    roster = pd.DataFrame({"2027-03-08": ["D"]}, index=pd.Index(["anna"], name="staff"))
    with pytest.raises(
        InputError,
        match=r"roster.csv: date: got '2027-03-09', expected a day of the roster "
        r"\(2027-03-08 .. 2027-03-08\)",
    ):
        day_roster(roster, DAY)
    plan = pd.DataFrame({"date": ["2027-03-08"], "activity": ["op"], "volume": [2.0]})
    with pytest.raises(InputError, match=r"daily_plan.csv: date: got '2027-03-09'"):
        day_counts(plan, DAY)


def test_reading_the_plan_and_the_roster() -> None:
    plan = pd.DataFrame(
        {
            "date": ["2027-03-09", "2027-03-09", "2027-03-10"],
            "weekday": ["tue", "tue", "wed"],
            "activity": ["op", "bed", "op"],
            "kind": ["operation", "bed_day", "operation"],
            "volume": [3.0, 4.3, 1.0],
        }
    )
    assert day_counts(plan, DAY) == {"op": 3}
    roster = pd.DataFrame(
        {"2027-03-09": ["D", "", "D/nurse"]}, index=pd.Index(["anna", "bert", "cilla"])
    )
    assert day_roster(roster, DAY) == {"anna": "D", "cilla": "D/nurse"}


# Repair: a published day after a change


PUBLISHED = pd.DataFrame(
    [
        ("op-1", "op", "or1", "08:00", "cilla|anna|bert"),
        ("op-2", "op", "or1", "10:00", "cilla|anna|bert"),
        ("op-3", "op", "or2", "08:00", "dan|eva|fia"),
        ("op-4", "op", "or2", "10:00", "dan|eva|fia"),
    ],
    columns=["activity", "type", "room", "start", "team_ids"],
)
"""A published day by hand: two operations in each theatre in the morning."""


def _placements(frame: pd.DataFrame) -> dict[str, tuple[str, str]]:
    return {a: (r, t) for a, r, t in frame[["activity", "room", "start"]].itertuples(index=False)}


def test_an_empty_change_reproduces_the_published_schedule() -> None:
    day, result = _solve(_unit(), {"op": 4}, ALL_ON, published=PUBLISHED)
    assert _placements(schedule_frame(day, result.solution)) == _placements(PUBLISHED)
    summary = room_summary(day, result)
    assert (summary["moved"], summary["reroomed"]) == (0, 0)


def test_a_closed_room_moves_only_its_activities() -> None:
    # or2 closes: op-3 and op-4 move to or1's free afternoon, op-1 and op-2 stay
    changes = RoomChanges(closed={"or2": []})
    day, result = _solve(_unit(), {"op": 4}, ALL_ON, published=PUBLISHED, changes=changes)
    assert _placements(schedule_frame(day, result.solution)) == {
        "op-1": ("or1", "08:00"),
        "op-2": ("or1", "10:00"),
        "op-3": ("or1", "12:00"),
        "op-4": ("or1", "14:00"),
    }
    summary = room_summary(day, result)
    assert (summary["changed"], summary["moved"], summary["reroomed"]) == (2, 2, 2)


def test_a_room_closed_for_a_period_moves_what_meets_it() -> None:
    # or2 closed 09:00-12:00: op-3 (08:00-10:00) and op-4 (10:00-12:00) meet it
    changes = RoomChanges(closed={"or2": [(9 * 60, 12 * 60)]})
    day, result = _solve(_unit(), {"op": 4}, ALL_ON, published=PUBLISHED, changes=changes)
    after = _placements(schedule_frame(day, result.solution))
    assert after["op-1"] == ("or1", "08:00")
    assert after["op-2"] == ("or1", "10:00")
    assert room_summary(day, result)["moved"] == 2


def test_extra_activities_keep_the_published_ones_in_place() -> None:
    changes = RoomChanges(extra={"op": 2})
    day, result = _solve(_unit(), {"op": 4}, ALL_ON, published=PUBLISHED, changes=changes)
    summary = room_summary(day, result)
    assert summary["placed"] == 6
    assert (summary["moved"], summary["reroomed"]) == (0, 0)
    assert sorted(day.problem.activity_ids) == [f"op-{i}" for i in range(1, 7)]


# The example clinic


def test_a_day_of_the_example_clinic_meets_every_rule() -> None:
    unit = load_unit(EXAMPLE)
    counts = {"op_hoftprotes": 2, "op_fraktur": 2, "op_hand": 3, "nybesok_lakare": 12,
              "gipsning": 6, "fysioterapi": 10}  # fmt: skip
    staff = {m.id: m for m in unit.staff}
    roster = {}
    for sid, member in staff.items():
        first = member.competences[0]
        if first in (
            "ortopedkirurg",
            "operationssjukskoterska",
            "anestesisjukskoterska",
            "anestesiolog",
        ):
            roster[sid] = "operation"
        elif first in ("gipstekniker", "fysioterapeut", "medicinsk_sekreterare"):
            roster[sid] = "dag"
    roster.update(dict.fromkeys(list(staff)[:4], "mottagning"))  # four surgeons in clinic
    roster.update(dict.fromkeys([m for m in staff if m.startswith("usk")][:8], "dag"))
    day = compile_rooms(unit, date(2027, 3, 2), counts, roster)
    result = solve_rooms(day, SolveOptions(time_limit=20, num_workers=2))
    assert result.check is not None
    assert result.check.feasible
    assert result.solution is not None
    placed = day.problem.activity_ids
    rooms = result.solution.room
    # hip arthroplasty needs laminar flow: only op1 and op2 have it
    for a, activity in enumerate(placed):
        if activity.startswith("op_hoftprotes") and rooms[a] >= 0:
            assert day.problem.room_ids[rooms[a]] in ("op1", "op2")
    assert room_summary(day, result)["placed"] == len(placed)


def test_no_free_person_when_a_room_is_free() -> None:
    # the only surgeon works 08:00-10:00: one operation, then the room is free but no surgeon
    shifts = [
        {"id": "D", "start": "07:00", "end": "16:00", "paid_minutes": 480},
        {"id": "S", "start": "08:00", "end": "10:00", "paid_minutes": 120},
    ]
    unit = _unit(rooms=[_theatre("or1")], shift_types=shifts)
    roster = {"anna": "D", "bert": "D", "dan": "S"}
    day, result = _solve(unit, {"op": 2}, roster)
    assert explain_unplaced(day, unit, result.solution) == {
        1: "no free surgeon at the times a room is free (or1 10:00-16:00)"
    }


# Property: every schedule of a random day passes both checkers


@st.composite
def days(draw: st.DrawFn) -> tuple[Unit, dict[str, int], dict[str, str]]:
    shifts = [
        {"id": "D", "start": "07:00", "end": "16:00", "paid_minutes": 480},
        {"id": "L", "start": "11:00", "end": "19:00", "paid_minutes": 480},
    ]
    turnover = draw(st.sampled_from([0, 10, 25]))
    afternoon_end = draw(st.sampled_from(["15:00", "17:00"]))
    rooms = [
        _theatre("or1", equipment=draw(st.sampled_from([[], ["c_arm"]]))),
        _theatre("or2", opening=[
            {"weekdays": WEEKDAYS, "start": "08:00", "end": "12:00"},
            {"weekdays": WEEKDAYS, "start": "13:00", "end": afternoon_end},
        ]),
    ]  # fmt: skip
    op = {
        **tiny_document()["activity_types"][0],
        "mean_process_time": draw(st.sampled_from([45, 90, 120])),
    }
    op["setup_minutes"] = draw(st.sampled_from([0, 15]))
    op["team"] = {
        "surgeon": draw(st.sampled_from([0.5, 1, 2])),
        "nurse": draw(st.sampled_from([1, 1.5, 2])),
    }
    if draw(st.booleans()):
        op["equipment"] = ["c_arm"]
    unit = _unit(
        shift_types=shifts,
        rooms=rooms,
        room_types=[{"id": "theatre", "turnover_minutes": turnover,
                     "max_overtime_minutes": draw(st.sampled_from([0, 30]))}],
        activity_types=[op, tiny_document()["activity_types"][1]],
    )  # fmt: skip
    roster = {
        s: code
        for s in ("anna", "bert", "cilla", "dan", "eva", "fia")
        if (code := draw(st.sampled_from(["D", "L", "", "D/nurse"])))
        and not (code == "D/nurse" and s == "dan")
    }
    return unit, {"op": draw(st.integers(1, 8))}, roster


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days())
def test_every_schedule_of_a_day_passes_both_checkers(
    case: tuple[Unit, dict[str, int], dict[str, str]],
) -> None:
    unit, counts, roster = case
    day = compile_rooms(unit, DAY, counts, roster)
    result = solve_rooms(day, SolveOptions(time_limit=3, num_workers=1))
    assert result.solution is not None
    assert result.check is not None
    assert result.check.feasible, result.check.violations
    frame = schedule_frame(day, result.solution)
    codes = dict(zip(day.problem.staff_ids, day.staff_shift, strict=True))
    assert check_schedule_frame(unit, DAY, frame, codes) == []
    # every unplaced activity has a reason
    reasons = explain_unplaced(day, unit, result.solution)
    assert set(reasons) == set(np.nonzero(result.solution.room < 0)[0].tolist())
