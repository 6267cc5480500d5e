"""Compiling a unit into a roster problem, solving it with the checker's verdict, decoding it,
and explaining a roster that cannot be made."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from conftest import tiny_unit

from engine.check.roster import check_roster
from engine.errors import InputError
from engine.roster import (
    compile_roster,
    cover_shortfalls,
    explain_infeasible,
    roster_grid,
    roster_summary,
    solve_roster,
    with_bought,
)
from models.roster import RosterResult, RosterSolution, roster_problem
from models.solve import SolveStats, SolveStatus
from solvers.common import SolveOptions
from solvers.roster.bounds import forced_shortfalls

MONDAY = date(2027, 3, 8)  # ISO week 2027-W10, the tiny unit's first week; no public holiday
OPTIONS = SolveOptions(num_workers=1, seed=0, time_limit=20)


def weekday_cover(minimum: int, target: int, days: int = 5) -> pd.DataFrame:
    """Nurses on the day shift D on Monday .. Friday of the first week."""
    return pd.DataFrame(
        [(MONDAY + timedelta(days=d), "D", "nurse", minimum, target) for d in range(days)],
        columns=["date", "shift", "competence", "minimum", "target"],
    )


def test_compile_by_hand() -> None:
    unit = tiny_unit()
    problem = compile_roster(unit, MONDAY, 1, weekday_cover(1, 2))
    assert problem.staff_ids == ("anna", "bert", "cilla")
    assert problem.shift_ids == ("D",)
    assert problem.competence_ids == ("nurse", "surgeon")
    assert problem.cover_target[:, 0, 0].tolist() == [2, 2, 2, 2, 2, 0, 0]
    assert problem.cover_min[:, 0, 0].tolist() == [1, 1, 1, 1, 1, 0, 0]
    # cilla is a surgeon who may cover nurse shifts: everyone works weekdays, nobody weekends
    assert problem.available[:, :, 0].tolist() == [[True] * 5 + [False] * 2] * 3
    # contract minutes per week less the non-clinical share, +-10 % (at least half a shift):
    # anna 2400 -> 2160..2640; bert 1200 -> 960..1440; cilla 2400 x 0.8 = 1920 -> 1680..2160
    assert problem.min_minutes.tolist() == [2160, 960, 1680]
    assert problem.max_minutes.tolist() == [2640, 1440, 2160]
    # weekly: up to +50 % (at least two shifts' width), under 48 h; no weekly minimum
    assert problem.min_week_minutes[:, 0].tolist() == [0, 0, 0]
    assert problem.max_week_minutes[:, 0].tolist() == [2880, 1800, 2880]
    assert problem.min_rest.tolist() == [660] * 3
    assert problem.weekly_rest.tolist() == [2160] * 3
    # every other weekend of one week: one; three nights a week
    assert problem.max_weekends.tolist() == [1, 1, 1]
    assert problem.max_nights.tolist() == [3, 3, 3]
    # anna and bert differ in contract: three groups of one
    assert len(set(problem.fairness_group.tolist())) == 3


def test_absence_removes_days_and_minutes() -> None:
    document_staff = [
        {
            "id": "anna",
            "competences": ["nurse"],
            "absences": [{"start": "2027-03-10", "end": "2027-03-10", "kind": "training"}],
        },
        {"id": "bert", "competences": ["nurse"]},
    ]
    problem = compile_roster(tiny_unit(staff=document_staff), MONDAY, 1, weekday_cover(1, 2))
    assert problem.available[0, :, 0].tolist() == [True, True, False, True, True, False, False]
    # four of five weekdays: 1920, +-10 % and at least half a shift
    assert (problem.min_minutes[0], problem.max_minutes[0]) == (1680, 2160)
    # equal contracts: one fairness group
    assert problem.fairness_group.tolist() == [0, 0]


def test_who_may_work_no_weekend_or_no_night_is_apart_in_fairness() -> None:
    """Three nurses on equal contracts, a day shift wanted every day and a night shift on the
    weekdays. Anna is away on the weekend: in one group with her, her weekends would hold the
    fewest at 0, and every weekend a colleague works would count as unfair, so she is apart.
    Away on the weekdays, cilla may work no night, and is apart from bert too."""
    staff = [
        {
            "id": "anna",
            "competences": ["nurse"],
            "absences": [{"start": "2027-03-13", "end": "2027-03-14", "kind": "vacation"}],
        },
        {"id": "bert", "competences": ["nurse"]},
        {"id": "cilla", "competences": ["nurse"]},
    ]
    shifts = [
        {"id": "D", "start": "07:00", "end": "16:00", "paid_minutes": 480},
        {"id": "N", "start": "21:00", "end": "07:00", "paid_minutes": 600, "night": True},
    ]
    unit = tiny_unit(staff=staff, shift_types=shifts)
    rows = [(MONDAY + timedelta(days=d), "D", "nurse", 0, 1) for d in range(7)]
    rows += [(MONDAY + timedelta(days=d), "N", "nurse", 0, 1) for d in range(5)]
    cover = pd.DataFrame(rows, columns=["date", "shift", "competence", "minimum", "target"])
    problem = compile_roster(unit, MONDAY, 1, cover)
    assert not problem.available[0, 5:].any()
    groups = problem.fairness_group.tolist()
    assert len(set(groups)) == 2
    assert groups[1] == groups[2] != groups[0]
    # cilla away on the weekday nights' days too: apart from bert as well
    nights_away = [{"start": "2027-03-08", "end": "2027-03-12", "kind": "training"}]
    staff[2] = {"id": "cilla", "competences": ["nurse"], "absences": nights_away}
    problem = compile_roster(tiny_unit(staff=staff, shift_types=shifts), MONDAY, 1, cover)
    assert len(set(problem.fairness_group.tolist())) == 3


def test_weekends_nights_and_fairness_follow_the_weeks_present() -> None:
    """Four nurses on equal contracts over three weeks, a day and a night shift wanted every
    day. Anna is present in the last week only, dora is away one day, eva two weeks less a day.
    The weekends and nights a week allows count over each one's time present, and the fairness
    groups are of those present for as many whole weeks (days present over 7, rounded)."""

    def away(first: str, last: str) -> list[dict[str, str]]:
        return [{"start": first, "end": last, "kind": "vacation"}]

    staff = [
        {"id": "anna", "competences": ["nurse"], "absences": away("2027-03-08", "2027-03-21")},
        {"id": "bert", "competences": ["nurse"]},
        {"id": "dora", "competences": ["nurse"], "absences": away("2027-03-17", "2027-03-17")},
        {"id": "eva", "competences": ["nurse"], "absences": away("2027-03-16", "2027-03-28")},
    ]
    shifts = [
        {"id": "D", "start": "07:00", "end": "16:00", "paid_minutes": 480},
        {"id": "N", "start": "21:00", "end": "07:00", "paid_minutes": 600, "night": True},
    ]
    rows = [(MONDAY + timedelta(days=d), shift, "nurse", 0, 1) for d in range(21) for shift in "DN"]
    cover = pd.DataFrame(rows, columns=["date", "shift", "competence", "minimum", "target"])
    problem = compile_roster(tiny_unit(staff=staff, shift_types=shifts), MONDAY, 3, cover)
    # three nights a week: over 7, 21, 20 and 8 days present
    assert problem.max_nights.tolist() == [3, 9, 8, 3]
    # every other weekend: of 1, 3, 3 and 1 weekends with a day present (eva's first)
    assert problem.max_weekends.tolist() == [1, 2, 2, 1]
    # 1, 3, 2.9 and 1.1 weeks present: bert and dora together, anna and eva together
    anna, bert, dora, eva = problem.fairness_group.tolist()
    assert bert == dora != anna == eva


def test_substitutes_may_cover_at_a_cost() -> None:
    unit = tiny_unit(
        competences=[
            {"id": "nurse", "substitutes": ["surgeon"]},
            {"id": "surgeon", "shift_minutes": 600},
        ],
        staff=[
            {"id": "anna", "competences": ["nurse"]},
            {"id": "dora", "competences": ["surgeon"]},
        ],
    )
    problem = compile_roster(unit, MONDAY, 1, weekday_cover(1, 2))
    assert problem.can_cover.tolist() == [[True, False], [True, True]]
    assert problem.substitution_cost.tolist() == [[0, 0], [unit.roster_weights.substitution, 0]]


def test_requests_are_read() -> None:
    staff = [
        {
            "id": "anna",
            "competences": ["nurse"],
            "requests": [
                {"date": "2027-03-09", "kind": "off", "weight": 3},
                {"date": "2027-03-11", "kind": "work", "shift": "D", "weight": 2},
            ],
        }
    ]
    problem = compile_roster(tiny_unit(staff=staff), MONDAY, 1, weekday_cover(0, 1))
    assert problem.request_day.tolist() == [1, 3]
    assert problem.request_shift.tolist() == [-1, 0]
    assert problem.request_on.tolist() == [False, True]
    assert problem.request_weight.tolist() == [3, 2]


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ((date(2027, 3, 20), "D", "nurse", 0, 1), "date"),
        ((MONDAY, "N", "nurse", 0, 1), "shift"),
        ((MONDAY, "D", "chef", 0, 1), "competence"),
        ((MONDAY, "D", "nurse", 2, 1), "minimum"),
    ],
)
def test_bad_cover_rows_are_named(row: tuple[object, ...], field: str) -> None:
    cover = pd.DataFrame([row], columns=["date", "shift", "competence", "minimum", "target"])
    with pytest.raises(InputError) as error:
        compile_roster(tiny_unit(), MONDAY, 1, cover)
    problem = error.value.problems[0]
    assert problem.source == "cover table row 1"
    assert problem.field == field


def test_start_must_be_a_monday() -> None:
    with pytest.raises(InputError, match="a Monday"):
        compile_roster(tiny_unit(), MONDAY + timedelta(days=1), 1, weekday_cover(0, 1))


@pytest.mark.solver
def test_solve_attaches_the_verdict_and_decodes() -> None:
    unit = tiny_unit()
    problem = compile_roster(unit, MONDAY, 1, weekday_cover(1, 2))
    result = solve_roster(problem, OPTIONS)
    assert result.stats.status is SolveStatus.OPTIMAL
    assert result.check is not None
    assert result.check.feasible
    assert result.check.objective == result.stats.objective
    assert result.solution is not None
    grid = roster_grid(problem, result.solution, MONDAY)
    assert grid.shape == (3, 7)
    assert list(grid.index) == ["anna", "bert", "cilla"]
    assert set(grid.loc[["anna", "bert"]].to_numpy().ravel()) <= {"", "D"}
    # cilla holds two competences: each shift names the one she covers
    assert set(grid.loc["cilla"]) <= {"", "D/nurse", "D/surgeon"}
    assert (grid.iloc[:, 5:] == "").all().all()  # no cover at the weekend, nobody works
    summary = roster_summary(problem, result)
    assert summary["hard_violations"] == 0
    assert summary["cover_cells"] == 5
    # 3 people's minimum minutes = 5 + 2 + 4 shifts (hand: 2160/480, 960/480, 1680/480 up)
    worked = int((result.solution.shift >= 0).sum())
    assert worked >= 5 + 2 + 4
    shortfalls = cover_shortfalls(problem, result.solution, MONDAY)
    assert summary["cover_short_people"] == int(
        (shortfalls["target"] - shortfalls["staffed"]).sum()
    )


def test_split_weekends_are_weighed_from_the_unit() -> None:
    """``roster_weights.split_weekend`` reaches the problem: a Saturday that must be staffed,
    with no cover on the Sunday, is worked alone, and the solve and the checker both price
    it once."""
    unit = tiny_unit(roster_weights={"split_weekend": 40})
    saturday = pd.DataFrame(
        [(MONDAY + timedelta(days=5), "D", "nurse", 1, 1)],
        columns=["date", "shift", "competence", "minimum", "target"],
    )
    problem = compile_roster(unit, MONDAY, 1, pd.concat([weekday_cover(1, 2), saturday]))
    assert problem.split_weekend == 40
    result = solve_roster(problem, OPTIONS)
    assert result.check is not None
    assert result.check.feasible
    assert result.check.penalty_by_rule["split_weekend"] == 40
    assert result.penalties["split_weekend"] == 40
    assert result.check.objective == result.stats.objective


@pytest.mark.solver
def test_infeasible_roster_is_explained_by_day_shift_competence_and_count() -> None:
    """Three nurses (cilla as her second competence); Wednesday asks for a minimum of four, and
    on Friday anna is away while three are needed."""
    staff = [
        {
            "id": "anna",
            "competences": ["nurse"],
            "absences": [{"start": "2027-03-12", "end": "2027-03-12"}],
        },
        {"id": "bert", "competences": ["nurse"], "employment_rate": 0.5},
        {"id": "cilla", "competences": ["surgeon", "nurse"]},
    ]
    unit = tiny_unit(staff=staff)
    cover = weekday_cover(1, 1)
    cover.loc[2, ["minimum", "target"]] = [4, 4]
    cover.loc[4, ["minimum", "target"]] = [3, 3]
    problem = compile_roster(unit, MONDAY, 1, cover)
    assert solve_roster(problem, OPTIONS).stats.status is SolveStatus.INFEASIBLE
    why = explain_infeasible(problem, OPTIONS)
    assert why.proven
    assert why.staff_conflicts == ()
    found = {(f.day, f.shift, f.competence, f.short, f.candidates) for f in why.shortfalls}
    assert found == {(2, "D", "nurse", 1, 3), (4, "D", "nurse", 1, 2)}
    lines = why.lines(MONDAY)
    assert lines[0].startswith("2027-03-10 D nurse: minimum 4")
    assert lines[0].endswith("short by 1")


@pytest.mark.solver
def test_a_person_whose_own_rules_conflict_is_named() -> None:
    """Anna away on Thursday: Monday to Wednesday and a lone Friday would break the minimum
    runs of two, so three shifts are all she can work, under her 1680 minutes."""
    staff = [
        {
            "id": "anna",
            "competences": ["nurse"],
            "absences": [{"start": "2027-03-11", "end": "2027-03-11"}],
        },
        {"id": "bert", "competences": ["nurse"]},
    ]
    why = explain_infeasible(
        compile_roster(tiny_unit(staff=staff), MONDAY, 1, weekday_cover(0, 1)), OPTIONS
    )
    assert why.staff_conflicts == ("anna",)
    assert "staff anna" in why.lines(MONDAY)[0]


@pytest.mark.solver
def test_minutes_beyond_the_available_days_are_named() -> None:
    problem = compile_roster(tiny_unit(), MONDAY, 1, weekday_cover(0, 1))
    # bert must work more minutes than five weekdays hold
    impossible = replace(problem, min_minutes=np.array([0, 6 * 480, 0]))
    why = explain_infeasible(impossible, OPTIONS)
    assert why.staff_conflicts == ("bert",)
    assert "staff bert" in why.lines(MONDAY)[0]


def _bought(hours: float, week: str = "2027-W11") -> pd.DataFrame:
    return pd.DataFrame([(week, "nurse", hours)], columns=["week", "competence", "hours"])


def _nurses(target: int, weeks: int) -> pd.DataFrame:
    """``target`` nurses on the day shift every weekday of ``weeks`` weeks from MONDAY."""
    return pd.DataFrame(
        [
            (MONDAY + timedelta(days=7 * w + d), "D", "nurse", 0, target)
            for w in range(weeks)
            for d in range(5)
        ],
        columns=["date", "shift", "competence", "minimum", "target"],
    )


def test_bought_time_is_staff_of_its_week_from_nothing_up_to_the_hours() -> None:
    """72 hours of nurse time bought for the second week: two people of 36 hours (the tiny
    unit's full time is 40), there that week only, bound by nothing below, in no fairness
    group."""
    unit = with_bought(tiny_unit(), _bought(72.0))
    extra = [m for m in unit.staff if m.bought]
    assert [m.id for m in extra] == ["extra-nurse-2027-W11-1", "extra-nurse-2027-W11-2"]
    # one name each, without the comma that joins a team's names in the room schedule
    assert [m.name for m in extra] == [
        "bought time 1 (nurse 2027-W11)",
        "bought time 2 (nurse 2027-W11)",
    ]
    assert all(m.competences == ["nurse"] for m in extra)
    problem = compile_roster(unit, MONDAY, 2, _nurses(1, 2))
    rows = [problem.staff_ids.index(m.id) for m in extra]
    assert problem.min_minutes[rows].tolist() == [0, 0]
    assert problem.max_minutes[rows].tolist() == [2160, 2160]
    assert problem.max_week_minutes[rows].tolist() == [[0, 2160], [0, 2160]]
    assert problem.fairness_group[rows].tolist() == [-1, -1]
    worked_days = problem.available[rows].any(axis=2)
    assert not worked_days[:, :7].any()  # away in the first week
    assert worked_days[:, 7:12].all()


def test_bought_time_is_the_hours_bought_in_a_week_with_a_public_holiday() -> None:
    """A public holiday on the Friday of the bought week takes a fifth off a day worker's
    week, not off the time bought: 72 hours are still two people of 36 hours. (They had 28.8
    hours each, and the clinic's roster lost 70 of the 278 hours bought at Easter.)"""
    unit = with_bought(tiny_unit(), _bought(72.0))
    friday = unit.calendar.model_copy(update={"public_holidays": [date(2027, 3, 19)]})
    unit = unit.model_copy(update={"calendar": friday})
    problem = compile_roster(unit, MONDAY, 2, _nurses(1, 2))
    rows = [problem.staff_ids.index(m.id) for m in unit.staff if m.bought]
    assert problem.max_minutes[rows].tolist() == [2160, 2160]
    own = [problem.staff_ids.index(m.id) for m in unit.staff if not m.bought]
    week_one, week_two = problem.max_week_minutes[own].sum(axis=0)
    assert week_two < week_one  # the own day workers lose the holiday


def test_bought_time_takes_the_shifts_the_own_staff_cannot() -> None:
    """Four nurses wanted each weekday of a week: the own three may work 5, 3 and 4 shifts
    (their weekly most minutes), 8 of the 20 are short in every roster; with 72 hours bought
    (two people of four shifts) none is forced short, and the roster is short of fewer."""
    cover = _nurses(4, 1)
    own = compile_roster(tiny_unit(), MONDAY, 1, cover)
    assert [f.short for f in forced_shortfalls(own)] == [8]
    problem = compile_roster(with_bought(tiny_unit(), _bought(72.0, "2027-W10")), MONDAY, 1, cover)
    assert forced_shortfalls(problem) == []
    before, after = solve_roster(own, OPTIONS), solve_roster(problem, OPTIONS)
    for result in (before, after):
        assert result.check is not None
        assert result.check.feasible
    assert after.solution is not None
    assert before.check is not None
    assert after.check is not None
    short_before = before.check.penalty_by_rule["under_cover"]
    assert short_before >= 8 * 100
    assert after.check.penalty_by_rule["under_cover"] < short_before
    bought_rows = [problem.staff_ids.index(i) for i in problem.staff_ids if i.startswith("extra-")]
    assert (after.solution.shift[bought_rows] >= 0).sum() > 0


def test_bought_time_of_an_unknown_competence_names_the_file() -> None:
    bad = _bought(8.0).assign(competence="pilot")
    with pytest.raises(InputError) as error:
        with_bought(tiny_unit(), bad)
    assert "bought.csv" in str(error.value)
    assert "pilot" in str(error.value)


def test_summary_names_the_costliest_fairness_spreads() -> None:
    """Three staff of one group from a Saturday over 9 days (weekends: days 0-1 and 7-8), one
    night shift: weekends 2, 1, 0 (a spread of 2 at 4) and nights 3, 1, 2 (of 2 at 3)."""
    problem = roster_problem(
        3,
        9,
        [600],
        first_weekday=5,
        shift_night=[True],
        fairness_group=[0, 0, 0],
        weekend_fairness=4,
        night_fairness=3,
    )
    shift = np.array(
        [[0, -1, -1, -1, 0, -1, -1, 0, -1], [-1, 0, -1] + [-1] * 6, [-1, -1, 0, 0] + [-1] * 5]
    )
    solution = RosterSolution(shift=shift, competence=np.where(shift >= 0, 0, -1))
    check = check_roster(problem, solution)
    stats = SolveStats(SolveStatus.FEASIBLE, check.objective, 0.0, 1.0, "test")
    summary = roster_summary(problem, RosterResult(stats, solution, check=check))
    assert summary["fairness"] == [
        {
            "kind": "weekends",
            "staff": 3,
            "most": 2,
            "most_staff": ["s0"],
            "fewest": 0,
            "fewest_staff": ["s2"],
            "penalty": 8,
        },
        {
            "kind": "nights",
            "staff": 3,
            "most": 3,
            "most_staff": ["s0"],
            "fewest": 1,
            "fewest_staff": ["s1"],
            "penalty": 6,
        },
    ]
