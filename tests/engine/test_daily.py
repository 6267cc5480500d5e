"""The daily plan and the staff cover it asks for, on the tiny unit, by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from conftest import tiny_document
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.daily import plan_days
from engine.errors import InputError
from models.unit import Unit
from solvers.common import SolveOptions

MONDAY = date(2027, 3, 8)  # 2027-W10, no public holidays in W10 and W11
FAST = SolveOptions(time_limit=20, num_workers=1)


def per_day(plan, activity: str) -> list[float]:  # type: ignore[no-untyped-def]
    rows = plan.days[plan.days["activity"] == activity].set_index("date")["volume"]
    return [float(rows.get(date.fromordinal(MONDAY.toordinal() + i), 0.0)) for i in range(14)]


def unit_with(**changes: object) -> Unit:
    document = tiny_document()
    document["wards"][0]["staffing"] = [
        {"shift": "D", "competence": "nurse", "patients_per_staff": 4, "minimum": 1}
    ]
    document.update(changes)
    return Unit.model_validate(document)


def test_ten_operations_spread_evenly_over_the_week() -> None:
    plan = plan_days(unit_with(), MONDAY, 1, options=FAST)
    assert per_day(plan, "op")[:7] == [2, 2, 2, 2, 2, 0, 0]
    assert plan.unplaced.empty
    assert plan.result.stats.status.value == "optimal"


def test_what_the_theatre_cannot_hold_is_unplaced() -> None:
    # W11 asks 20 operations of 120 min; the theatre plans 8 h x 0.75 = 360 min a day: 3 a day
    plan = plan_days(unit_with(), MONDAY, 2, options=FAST)
    assert per_day(plan, "op")[7:] == [3, 3, 3, 3, 3, 0, 0]
    assert plan.unplaced.to_dict("records") == [
        {"week": "2027-W11", "activity": "op", "volume": pytest.approx(5.0)}
    ]


def test_room_time_bought_on_top_places_the_rest() -> None:
    # 10 h more theatre time in W11 go to its five open days, 120 min each: one operation more
    extra = pd.DataFrame({"week": ["2027-W11"], "room_type": ["theatre"], "hours": [10.0]})
    plan = plan_days(unit_with(), MONDAY, 2, options=FAST, extra_rooms=extra)
    assert per_day(plan, "op")[7:] == [4, 4, 4, 4, 4, 0, 0]
    assert plan.unplaced.empty
    assert not plan.violations


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"week": "2027-W11", "room_type": "attic", "hours": 1.0}, "attic"),
        ({"week": "2027-W11", "room_type": "theatre", "hours": -1.0}, "hours >= 0"),
    ],
)
def test_bad_extra_room_time_is_named(row: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        plan_days(unit_with(), MONDAY, 2, options=FAST, extra_rooms=pd.DataFrame([row]))


def test_weekday_profile_and_room_closure() -> None:
    document = tiny_document()
    document["activity_types"][0]["weekday_profile"] = {
        "mon": 1, "tue": 1, "wed": 1, "thu": 1, "fri": 0,
    }  # fmt: skip
    document["rooms"][0]["closures"] = [{"start": "2027-03-10", "end": "2027-03-10"}]
    plan = plan_days(Unit.model_validate(document), MONDAY, 1, options=FAST)
    days = per_day(plan, "op")[:7]
    assert days[2] == 0  # the theatre is closed on Wednesday
    assert days[4] == 0  # no operations on Fridays
    assert sum(days) == 9  # Mon, Tue, Thu hold 3 each; one of the 10 is unplaced
    assert plan.unplaced["volume"].sum() == pytest.approx(1.0)


def test_acute_reserve_holds_back_theatre_time() -> None:
    document = tiny_document()
    document["room_types"][0]["acute_reserve"] = 0.5  # 180 min a day: one operation
    plan = plan_days(Unit.model_validate(document), MONDAY, 1, options=FAST)
    assert per_day(plan, "op")[:5] == [1, 1, 1, 1, 1]
    assert plan.unplaced["volume"].sum() == pytest.approx(5.0)


def test_bed_days_spread_over_every_day() -> None:
    plan = plan_days(unit_with(), MONDAY, 1, options=FAST)
    np.testing.assert_allclose(per_day(plan, "bed")[:7], [20 / 7] * 7)


def test_cover_from_team_hours_and_the_staffing_key() -> None:
    plan = plan_days(unit_with(), MONDAY, 1, options=FAST)
    cover = plan.cover.set_index(["date", "shift", "competence"])
    monday = cover.loc[(MONDAY, "D")]
    # 2 operations: surgeon 2 x 2 h = 4 h -> 1 shift of 8 h; nurses 2 x 2 x 2 h = 8 h -> 1, plus
    # the ward: 20/7 patients at 4 per nurse -> 1 (the minimum, which is also hard)
    assert monday.loc["surgeon"].to_dict() == {"minimum": 0, "target": 1}
    assert monday.loc["nurse"].to_dict() == {"minimum": 1, "target": 2}
    sunday = cover.loc[(date(2027, 3, 14), "D")]
    assert sunday.loc["nurse"].to_dict() == {"minimum": 1, "target": 1}
    assert "surgeon" not in sunday.index


def test_weekly_plan_given_directly() -> None:
    weekly = pd.DataFrame([{"week": "2027-W10", "activity": "op", "volume": 4}])
    plan = plan_days(unit_with(), MONDAY, 1, weekly=weekly, options=FAST)
    assert sum(per_day(plan, "op")[:7]) == 4
    assert sum(per_day(plan, "bed")) == 0


def test_overfull_ward_is_reported() -> None:
    document = tiny_document()
    document["wards"][0]["beds"] = 2
    plan = plan_days(Unit.model_validate(document), MONDAY, 1, options=FAST)
    assert len(plan.overfull_beds) == 7
    assert plan.overfull_beds["patients"].iloc[0] == pytest.approx(20 / 7)


@pytest.mark.parametrize(
    ("start", "weeks", "message"),
    [
        (date(2027, 3, 9), 1, "a Monday"),
        (MONDAY, 3, "inside the unit's horizon"),
        (date(2027, 3, 1), 1, "inside the unit's horizon"),
        (MONDAY, 19, "1 to 18 weeks"),
    ],
)
def test_bad_window_is_named(start: date, weeks: int, message: str) -> None:
    with pytest.raises(InputError, match=message):
        plan_days(unit_with(), start, weeks, options=FAST)


def test_highs_and_cbc_agree() -> None:
    unit = unit_with()
    highs = plan_days(unit, MONDAY, 2, options=FAST)
    cbc = plan_days(unit, MONDAY, 2, options=SolveOptions(time_limit=20, backend="cbc"))
    assert cbc.result.stats.backend == "cbc"
    assert highs.result.stats.objective == pytest.approx(cbc.result.stats.objective, rel=1e-6)


@settings(max_examples=15, deadline=None)
@given(
    ops=st.lists(st.integers(0, 25), min_size=2, max_size=2),
    minutes=st.sampled_from([60, 90, 120, 200]),
    closed=st.sets(st.integers(0, 13), max_size=4),
)
def test_plan_places_or_reports_every_activity_within_room_time(
    ops: list[int], minutes: int, closed: set[int]
) -> None:
    document = tiny_document(
        care_need=[
            {"product_group": "hip", "week": "2027-W10", "patients": ops[0]},
            {"product_group": "hip", "week": "2027-W11", "patients": ops[1]},
        ]
    )
    document["activity_types"][0]["mean_process_time"] = minutes
    document["rooms"][0]["closures"] = [
        {"start": str(date.fromordinal(MONDAY.toordinal() + d)),
         "end": str(date.fromordinal(MONDAY.toordinal() + d))}
        for d in sorted(closed)
    ]  # fmt: skip
    plan = plan_days(Unit.model_validate(document), MONDAY, 2, options=FAST)
    assert plan.violations == ()  # the independent checker agrees
    days = per_day(plan, "op")
    unplaced = plan.unplaced.groupby("week")["volume"].sum()
    for w, week in enumerate(("2027-W10", "2027-W11")):
        placed = sum(days[7 * w : 7 * w + 7])
        assert placed + unplaced.get(week, 0.0) == pytest.approx(ops[w])
    for d, volume in enumerate(days):
        assert volume == int(volume)
        open_minutes = 0 if (d in closed or d % 7 >= 5) else 8 * 60 * 0.75
        assert volume * minutes <= open_minutes + 1e-6
        # nothing is left unplaced while the week still had room for one more
    for w, week in enumerate(("2027-W10", "2027-W11")):
        if unplaced.get(week, 0.0) > 0.5:
            spare = [
                (0 if (d in closed or d % 7 >= 5) else 360) - days[d] * minutes
                for d in range(7 * w, 7 * w + 7)
            ]
            assert max(spare) < minutes


def test_activity_without_room_follows_its_profile_or_the_working_days() -> None:
    document = tiny_document()
    document["activity_types"].append(
        {"id": "call", "kind": "return_visit", "mean_process_time": 10, "team": {"nurse": 1}}
    )
    document["activity_types"].append(
        {
            "id": "ed",
            "kind": "new_visit",
            "mean_process_time": 30,
            "team": {"surgeon": 1},
            "weekday_profile": dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), 1),
        }
    )
    document["product_groups"][0]["mix"] |= {"call": 0.5, "ed": 0.7}
    plan = plan_days(Unit.model_validate(document), MONDAY, 1, options=FAST)
    calls = per_day(plan, "call")[:7]
    assert calls[5:] == [0, 0]
    assert sum(calls) == 5
    assert sum(per_day(plan, "ed")[:7]) == 7
    assert per_day(plan, "ed")[5] > 0  # the emergency department works on Saturdays
