"""Follow-up of plan versus actual: deviations and cumulative sums by hand on a tiny unit,
actuals read and checked, the rest of the horizon re-balanced."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import tiny_unit
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import InputError
from engine.followup import (
    Disruption,
    Period,
    WeeklyPlan,
    compare,
    derive_patients,
    exclusive_activities,
    follow_up,
    read_actuals,
    read_daily_plan,
    read_weekly_plan,
    simulate_actuals,
)
from engine.need import mix_matrix
from engine.plan import PinnedVolume, plan_unit
from models.followup import FollowUpOptions
from models.plan import PlanOptions
from models.unit import Unit
from solvers.common import SolveOptions

pytestmark = pytest.mark.solver

MONDAY = date(2027, 3, 8)  # 2027-W10, the tiny unit's first week
ONE_THREAD = SolveOptions(num_workers=1, gap_limit=1e-9)
NO_EXTRA = PlanOptions(
    overtime_share=0,
    extra_shift_share=0,
    hires=0,
    room_extension_share=0,
    extra_room_days=0,
    extra_beds=0,
)


def two_groups() -> Unit:
    """The tiny clinic with a second product group: ``check``, one nurse visit (30 min, no
    room) per patient; a hip patient also has a visit. ``op`` is hip's own activity (its
    patients are counted exactly); ``check`` has none (its patients are estimated)."""
    unit = tiny_unit()
    document = unit.model_dump(mode="json")
    document["activity_types"].append(
        {"id": "visit", "kind": "new_visit", "mean_process_time": 30, "team": {"nurse": 1}}
    )
    document["product_groups"] = [
        {"id": "hip", "mix": {"op": 1, "bed": 2, "visit": 1}},
        {"id": "check", "mix": {"visit": 1}},
    ]
    document["care_need"] += [
        {"product_group": "check", "week": "2027-W10", "patients": 10},
        {"product_group": "check", "week": "2027-W11", "patients": 10},
    ]
    return Unit.model_validate(document)


def weekly_plan() -> WeeklyPlan:
    """5 hip and 10 check patients a week: 5 operations, 10 bed-days, 15 visits."""
    production = np.array([[5.0, 10.0], [5.0, 10.0]])
    return WeeklyPlan(("2027-W10", "2027-W11"), production, production @ mix_matrix(two_groups()))


def daily_plan() -> pd.DataFrame:
    """An operation and 3 visits each weekday, 10/7 bed-days every day, both weeks."""
    rows = []
    for d in range(14):
        day = MONDAY + timedelta(days=d)
        if day.weekday() < 5:
            rows += [(day, "op", 1.0), (day, "visit", 3.0)]
        rows.append((day, "bed", 10 / 7))
    return pd.DataFrame(rows, columns=["date", "activity", "volume"])


def actuals(op: list[int], visit: list[int], bed: list[int]) -> pd.DataFrame:
    """Counts from Monday 8 March, day by day."""
    rows = [
        (MONDAY + timedelta(days=d), activity, float(count))
        for activity, counts in (("op", op), ("visit", visit), ("bed", bed))
        for d, count in enumerate(counts)
        if count
    ]
    return pd.DataFrame(rows, columns=["date", "activity", "count"])


def row(frame: pd.DataFrame, key: str, label: str, level: str, id_: str) -> pd.Series:
    found = frame[(frame[key] == label) & (frame["level"] == level) & (frame["id"] == id_)]
    assert len(found) == 1, (label, level, id_)
    return found.iloc[0]


# --------------------------------------------------------------------------------------------
# Plan versus actual by hand


def test_day_deviations_and_cumulative_sums_by_hand() -> None:
    unit = two_groups()
    actual = actuals([1, 0, 1, 1, 1], [3, 3, 3, 3, 2], [2, 1, 1, 2, 1, 2, 1])
    comparison = compare(unit, actual, daily_plan(), weekly_plan())
    assert comparison.period == Period(MONDAY, MONDAY + timedelta(days=6))
    days = comparison.days
    # operations: 1 planned each weekday; none done on Tuesday
    cumulative = [
        row(days, "date", (MONDAY + timedelta(days=d)).isoformat(), "activity", "op")
        for d in range(7)
    ]
    assert [r["deviation"] for r in cumulative] == [0, -1, 0, 0, 0, 0, 0]
    assert [r["cumulative_deviation"] for r in cumulative] == [0, -1, -1, -1, -1, -1, -1]
    np.testing.assert_allclose(
        [r["cumulative_deviation_pct"] for r in cumulative],
        [0, -50, -100 / 3, -25, -20, -20, -20],
    )
    assert np.isnan(cumulative[5]["deviation_pct"]), "nothing planned on Saturday"
    assert [bool(r["flagged"]) for r in cumulative] == [False] + [True] * 6
    # hip patients per day: counted by its operations (not by the bed-days it shares no one)
    tuesday = row(days, "date", "2027-03-09", "product_group", "hip")
    assert (tuesday["planned"], tuesday["actual"]) == (1, 0)
    assert "check" not in set(days.loc[days["level"] == "product_group", "id"])
    # nurse hours on Tuesday: op 2 x 2 h + 3 visits x 0.5 h + bed-days 1 h each
    nurse = row(days, "date", "2027-03-09", "resource", "competence:nurse")
    assert nurse["planned"] == pytest.approx(4 + 1.5 + 10 / 7)
    assert nurse["actual"] == pytest.approx(0 + 1.5 + 1)


def test_week_deviations_per_activity_group_resource_and_total_by_hand() -> None:
    unit = two_groups()
    actual = actuals([1, 0, 1, 1, 1], [3, 3, 3, 3, 2], [2, 1, 1, 2, 1, 2, 1])
    comparison = compare(unit, actual, daily_plan(), weekly_plan())
    weeks = comparison.weeks
    assert set(weeks["week"]) == {"2027-W10"}
    op = row(weeks, "week", "2027-W10", "activity", "op")
    assert (op["planned"], op["actual"], op["deviation"]) == (5, 4, -1)
    assert op["deviation_pct"] == pytest.approx(-20)
    assert op["days"] == 7
    # hip: counted by its operation, 4 of 5; check: estimated, 10 x 14 / 15 visits done
    hip = row(weeks, "week", "2027-W10", "product_group", "hip")
    assert (hip["planned"], hip["actual"], hip["derived"]) == (5, 4, "exact")
    check = row(weeks, "week", "2027-W10", "product_group", "check")
    assert check["actual"] == pytest.approx(10 * 14 / 15)
    assert check["derived"] == "estimated"
    np.testing.assert_allclose(comparison.group_deviation, [-1, 10 * 14 / 15 - 10])
    # all activities: 5 + 10 + 15 planned, 4 + 10 + 14 done
    total = row(weeks, "week", "2027-W10", "total", "activities")
    assert (total["planned"], total["actual"]) == (30, 28)
    assert total["cumulative_deviation_pct"] == pytest.approx(-100 * 2 / 30)
    assert comparison.flagged_weeks == ("2027-W10",)
    # nurse hours: op 4 h, bed-day 1 h, visit 0.5 h; surgeon 2 h an operation
    nurse = row(weeks, "week", "2027-W10", "resource", "competence:nurse")
    assert (nurse["planned"], nurse["actual"]) == (pytest.approx(37.5), pytest.approx(33))
    surgeon = row(weeks, "week", "2027-W10", "resource", "competence:surgeon")
    assert surgeon["deviation"] == pytest.approx(-2)
    ward = row(weeks, "week", "2027-W10", "resource", "ward:ward")
    assert ward["measure"] == "bed-days"
    assert ward["deviation"] == pytest.approx(0)
    # the daily plan of the week holds the same as the weekly plan here
    assert op["planned_daily"] == 5
    # a threshold of 10 % flags nothing
    loose = compare(unit, actual, daily_plan(), weekly_plan(), FollowUpOptions(threshold=0.1))
    assert loose.flagged_weeks == ()


def test_a_week_followed_in_part_is_planned_pro_rata() -> None:
    unit = two_groups()
    # Monday to Wednesday of W11 after the whole of W10, exactly as planned each day
    actual = actuals(
        [1] * 5 + [0, 0] + [1] * 3,
        [3] * 5 + [0, 0] + [3] * 3,
        [0] * 10,
    )
    comparison = compare(unit, actual, daily_plan(), weekly_plan())
    op = row(comparison.weeks, "week", "2027-W11", "activity", "op")
    assert op["days"] == 3
    # 3 of the week's 5 planned operations fall on the days followed
    assert op["planned"] == pytest.approx(3)
    assert op["deviation"] == pytest.approx(0)
    assert comparison.period.next_week == "2027-W12"


def test_exclusive_activities_prefer_events_to_bed_days() -> None:
    mix = np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 1.0], [0.0, 3.0, 0.0]])
    assert exclusive_activities(mix) == [[0], [], []]
    bed = np.array([False, True, False])
    mix = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 1.0]])
    assert exclusive_activities(mix, bed) == [[0], [2]]
    assert exclusive_activities(np.array([[0.0, 2.0, 0.0]]), bed) == [[1]]


def test_derive_patients_when_nothing_of_a_group_was_planned() -> None:
    unit = two_groups()
    planned_patients = np.array([[5.0, 0.0]])
    planned = np.array([[5.0, 10.0, 0.0]])  # op, bed, visit: no visit planned
    actual = np.array([[5.0, 10.0, 3.0]])
    patients, how = derive_patients(unit, planned_patients, planned, actual)
    assert how == ["exact", "estimated"]
    np.testing.assert_allclose(patients, [[5.0, 0.0]])


def test_plans_must_cover_the_days_followed() -> None:
    unit = two_groups()
    late = actuals([0] * 14 + [1], [0], [0])  # 22 March, past the daily plan
    with pytest.raises(InputError) as error:
        compare(unit, late, daily_plan(), weekly_plan())
    assert str(error.value) == (
        "daily plan: date: got '2027-03-22', expected a day of the daily plan's weeks "
        "2027-03-08 .. 2027-03-21"
    )
    short = WeeklyPlan(("2027-W10",), weekly_plan().production[:1], weekly_plan().activities[:1])
    with pytest.raises(InputError, match="weekly plan: week: got '2027-W11'"):
        compare(unit, actuals([1] * 10, [0], [0]), daily_plan(), short)


# --------------------------------------------------------------------------------------------
# Reading actuals


def test_read_actuals_sums_rows_and_reads_a_decimal_comma(tmp_path: Path) -> None:
    unit = two_groups()
    path = tmp_path / "actual.csv"
    path.write_text(
        "date;activity;count\n2027-03-08;op;1\n2027-03-08;op;2\n\n2027-03-09;bed;7,5\n",
        encoding="utf-8",
    )
    frame = read_actuals(path, unit, MONDAY, MONDAY + timedelta(days=13), "the plan")
    assert frame.to_dict("records") == [
        {"date": date(2027, 3, 8), "activity": "op", "count": 3.0},
        {"date": date(2027, 3, 9), "activity": "bed", "count": 7.5},
    ]


def test_read_actuals_names_file_line_column_value_and_expectation(tmp_path: Path) -> None:
    unit = two_groups()
    path = tmp_path / "actual.csv"
    path.write_text(
        "date,activity,count\n"
        "2027-03-08,knee,1\n"
        "8/3/2027,op,1\n"
        "2027-03-09,op,-2\n"
        "2027-04-01,op,1\n"
        "2027-03-10,op,many\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as error:
        read_actuals(path, unit, MONDAY, MONDAY + timedelta(days=13), "the plan")
    assert str(error.value).splitlines() == [
        f"{path} line 2: activity: got 'knee', expected an activity type id (op, bed, visit)",
        f"{path} line 3: date: got '8/3/2027', expected a date like 2027-03-01",
        f"{path} line 4: count: got '-2', expected a number >= 0",
        f"{path} line 5: date: got '2027-04-01', expected a day of the plan 2027-03-08 .. "
        "2027-03-21",
        f"{path} line 6: count: got 'many', expected a number >= 0",
    ]


def test_read_actuals_header_empty_and_missing_file(tmp_path: Path) -> None:
    unit = two_groups()
    path = tmp_path / "actual.csv"
    last = MONDAY + timedelta(days=13)
    path.write_text("day,activity,count\n2027-03-08,op,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="header: got 'day,activity,count', expected the col"):
        read_actuals(path, unit, MONDAY, last, "the plan")
    path.write_text("date,activity,count\n", encoding="utf-8")
    with pytest.raises(InputError, match="at least one row of actuals"):
        read_actuals(path, unit, MONDAY, last, "the plan")
    with pytest.raises(InputError, match="an existing file"):
        read_actuals(tmp_path / "none.csv", unit, MONDAY, last, "the plan")


def test_read_daily_and_weekly_plans(tmp_path: Path) -> None:
    unit = two_groups()
    daily_plan().assign(weekday="mon", kind="x").to_csv(tmp_path / "daily_plan.csv", index=False)
    frame = read_daily_plan(tmp_path, unit)
    assert len(frame) == len(daily_plan())
    assert frame["date"].iloc[0] == MONDAY
    (tmp_path / "plan.csv").write_text(
        "week,kind,id,volume\n"
        "2027-W10,product_group,hip,5\n2027-W10,activity,op,5\n"
        "2027-W11,product_group,check,10\n",
        encoding="utf-8",
    )
    weekly = read_weekly_plan(tmp_path / "plan.csv", unit)
    assert weekly.weeks == ("2027-W10", "2027-W11")
    np.testing.assert_allclose(weekly.production, [[5, 0], [0, 10]])
    assert weekly.activities[0, 0] == 5
    (tmp_path / "plan.csv").write_text(
        "week,kind,id,volume\n2027-W11,product_group,hip,-5\n2027-W12,kind,hip,1\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as error:
        read_weekly_plan(tmp_path / "plan.csv", unit)
    lines = str(error.value).splitlines()
    assert "line 2: volume: got '-5', expected a number >= 0" in lines[0]
    assert "line 3: week: got '2027-W12', expected a week of the calendar" in lines[1]


# --------------------------------------------------------------------------------------------
# Re-balance


def six_weeks() -> Unit:
    need = [
        {"product_group": "hip", "week": f"2027-W{10 + i:02d}", "patients": 3} for i in range(6)
    ]
    return tiny_unit(calendar={"start_week": "2027-W10", "weeks": 6}, care_need=need)


def test_a_shortfall_raises_the_remaining_plan_by_the_patients_still_waiting() -> None:
    unit = six_weeks()
    options = NO_EXTRA.replace(levelling_weight=0.0)
    plan = plan_unit(unit, options=options, solve_options=ONE_THREAD)
    # 5 on the list + 3 new in W10, then 3 a week: nurse time allows 8 to 10 a week
    np.testing.assert_allclose(plan.production[:, 0], [8, 3, 3, 3, 3, 3], atol=1e-6)
    weekly = WeeklyPlan.of(plan)
    daily = pd.DataFrame(
        [(MONDAY + timedelta(days=d), "op", v) for d, v in enumerate([2, 2, 2, 1, 1])],
        columns=["date", "activity", "volume"],
    )
    actual = pd.DataFrame(
        [(MONDAY + timedelta(days=d), "op", v) for d, v in enumerate([2, 2, 1, 1, 0, 0, 0])],
        columns=["date", "activity", "count"],
    )
    result = follow_up(unit, actual, daily, weekly, plan_options=options, solve_options=ONE_THREAD)
    np.testing.assert_allclose(result.comparison.group_deviation, [-2])
    rebalance = result.rebalance
    assert rebalance is not None
    assert rebalance.start.week == "2027-W11"
    assert rebalance.start.waiting.sum() == pytest.approx(2)
    # the 2 not treated are treated in the first week after the actuals
    np.testing.assert_allclose(rebalance.plan.production[:, 0], [5, 3, 3, 3, 3], atol=1e-6)
    np.testing.assert_allclose(rebalance.old[:, 0], [3, 3, 3, 3, 3])
    replan = rebalance.frame()
    total = replan[replan["kind"] == "total"]
    assert total["difference"].tolist() == pytest.approx([2, 0, 0, 0, 0])
    summary = result.summary()["rebalance"]
    assert summary["extra_patients_per_week"]["mean"] == pytest.approx(0.4)
    assert summary["waiting_at_start"] == {"old": pytest.approx(0), "new": pytest.approx(2)}
    # the treated were the oldest (the 5 on the list, late anyway); the 2 waiting are W10's
    assert summary["care_guarantee"]["holds"] is True
    assert summary["extra_cost"] == {"old": 0.0, "new": 0.0, "difference": 0.0}
    assert summary["check"]["ok"] is True
    json.dumps(result.summary())


def test_no_deviation_leaves_the_remaining_plan_as_it_was() -> None:
    unit = six_weeks()
    plan = plan_unit(unit, solve_options=ONE_THREAD)
    weekly = WeeklyPlan.of(plan)
    planned = plan.production[0, 0]
    daily = pd.DataFrame(
        [(MONDAY, "op", planned), (MONDAY, "bed", 2 * planned)],
        columns=["date", "activity", "volume"],
    )
    actual = daily.rename(columns={"volume": "count"})
    result = follow_up(unit, actual, daily, weekly, solve_options=ONE_THREAD)
    np.testing.assert_allclose(result.comparison.group_deviation, [0], atol=1e-9)
    rebalance = result.rebalance
    assert rebalance is not None
    np.testing.assert_allclose(rebalance.plan.production, plan.production[1:], atol=1e-6)
    assert rebalance.frame()["difference"].abs().max() == pytest.approx(0, abs=1e-6)
    assert result.summary()["flagged_weeks"] == []


def test_nothing_left_after_the_last_week() -> None:
    unit = two_groups()
    actual = actuals([1] * 14, [3] * 14, [0])
    result = follow_up(unit, actual, daily_plan(), weekly_plan(), solve_options=ONE_THREAD)
    assert result.rebalance is None
    assert result.summary()["rebalance"] is None
    names = [name for name, _ in result.files()]
    assert names == ["followup_days.csv", "followup_weeks.csv", "replan.csv", "summary.json"]


def test_simulated_actuals_follow_the_plan_with_the_disruptions() -> None:
    unit = two_groups()
    daily = daily_plan()
    calm = simulate_actuals(unit, daily, seed=1, attendance=1.0)
    merged = daily.groupby("activity")["volume"].sum()
    done = calm.groupby("activity")["count"].sum()
    assert done["op"] == merged["op"]
    assert done["visit"] == merged["visit"]
    cancel = Disruption(MONDAY, MONDAY + timedelta(days=4), ("operation",), 0.0)
    stormy = simulate_actuals(unit, daily, seed=1, attendance=1.0, disruptions=(cancel,))
    ops = stormy[stormy["activity"] == "op"]
    assert min(ops["date"]) == MONDAY + timedelta(days=7)
    assert stormy["count"].dtype == np.int64


def test_the_rebalance_keeps_the_pins_of_the_weeks_left() -> None:
    unit = six_weeks()
    options = NO_EXTRA.replace(levelling_weight=0.0)
    weekly = WeeklyPlan.of(plan_unit(unit, options=options, solve_options=ONE_THREAD))
    actual = pd.DataFrame([(MONDAY, "op", 8.0)], columns=["date", "activity", "count"])
    daily = actual.rename(columns={"count": "volume"})
    pins = (PinnedVolume("2027-W10", "hip", 1.0), PinnedVolume("2027-W13", "hip", 0.0))
    result = follow_up(
        unit, actual, daily, weekly, plan_options=options, solve_options=ONE_THREAD, pins=pins
    )
    rebalance = result.rebalance
    assert rebalance is not None
    # W10's pin is past; W13's holds, and its 3 patients are treated in W14
    np.testing.assert_allclose(rebalance.plan.production[:, 0], [3, 3, 0, 6, 3], atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    op=st.lists(st.integers(0, 3), min_size=7, max_size=14),
    visit=st.lists(st.integers(0, 6), min_size=7, max_size=14),
)
def test_days_add_up_to_weeks_and_cumulative_sums_close(op: list[int], visit: list[int]) -> None:
    unit = two_groups()
    op[-1] = max(op[-1], 1)  # the last day has a count: the period runs to it
    actual = actuals(op, visit[: len(op)], [0])
    comparison = compare(unit, actual, daily_plan(), weekly_plan())
    days, weeks = comparison.days, comparison.weeks
    for activity in ("op", "visit"):
        by_day = days[(days["level"] == "activity") & (days["id"] == activity)]
        by_week = weeks[(weeks["level"] == "activity") & (weeks["id"] == activity)]
        assert by_day["actual"].sum() == pytest.approx(by_week["actual"].sum())
        last = by_day.iloc[-1]
        assert last["cumulative_deviation"] == pytest.approx(by_day["deviation"].sum())
        assert last["cumulative_actual"] == pytest.approx(sum(actual.loc[
            actual["activity"] == activity, "count"]))  # fmt: skip
    # hip patients are counted by their operations, one each
    hip = weeks[(weeks["level"] == "product_group") & (weeks["id"] == "hip")]
    assert hip["actual"].sum() == pytest.approx(sum(op))
    assert comparison.group_deviation[0] == pytest.approx(sum(op) - hip["planned"].sum())
