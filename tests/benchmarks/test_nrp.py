"""The Curtois & Qu benchmark: parser, reader, the independent evaluator, search and runner.

The evaluator is checked against the benchmark's own figures (Instance1 with everybody off
costs 7137; the 20 published reference rosters and their logged objectives) and against a tiny
hand-written instance with one roster per hard rule that breaks exactly that rule.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pytest

from benchmarks.nrp.__main__ import COLUMNS, main, parse_instances
from benchmarks.nrp.evaluate import evaluate, read_roster, roster_to_csv
from benchmarks.nrp.instance import Instance, parse_instance, read_instance
from benchmarks.nrp.reader import to_roster_problem
from benchmarks.nrp.search import objective, search
from engine.check.roster import check_roster
from engine.errors import InputError
from models.roster import RosterSolution
from models.solve import SolveStatus
from solvers.common import SolveOptions
from solvers.roster import solve
from solvers.roster.lns import subproblem
from solvers.roster.mip import BoundWorker

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "curtois-qu"
REFERENCES = DATA / "reference_rosters"

# 14 days; D and N of 8 hours, N may not be followed by D; one employee A with at most 3 N,
# 3..14 shifts of minutes, 2..5 working days in a row, 2 days off in a row, 1 weekend, day 3
# off; cover on days 0 and 1, an on-request (day 8, D, 2) and an off-request (day 0, D, 3).
TINY = """\
SECTION_HORIZON
14
SECTION_SHIFTS
# ShiftID, Length in mins, Shifts which cannot follow this shift | separated
D,480,
N,480,D
SECTION_STAFF
A,D=14|N=3,6720,1440,5,2,2,1
SECTION_DAYS_OFF
A,3
SECTION_SHIFT_ON_REQUESTS
A,8,D,2
SECTION_SHIFT_OFF_REQUESTS
A,0,D,3
SECTION_COVER
0,D,2,100,1
1,D,0,100,1
"""

BASE = "D D D _ _ D D D _ _ _ _ _ _"
"""Feasible: 6 shifts; runs 0-2 (touches day 0), 5-7; one weekend; day 3 off."""


def row(text: str) -> list[list[str]]:
    return [["" if cell == "_" else cell for cell in text.split()]]


@pytest.fixture(scope="module")
def tiny() -> Instance:
    return parse_instance(TINY, "tiny")


def test_tiny_penalties_by_hand(tiny: Instance) -> None:
    # Day 0: 1 on D, 2 wanted -> 100; day 1: 1 on D, 0 wanted -> 1; on-request of day 8 not
    # met -> 2; off-request of day 0 broken -> 3.
    result = evaluate(tiny, row(BASE))
    assert result.feasible, result.violations
    assert result.penalties == {
        "request_on": 2,
        "request_off": 3,
        "under_cover": 100,
        "over_cover": 1,
    }
    assert result.objective == 106


@pytest.mark.parametrize(
    ("rule", "text", "day"),
    [
        ("succession", "N D D _ _ D D D _ _ _ _ _ _", 0),
        ("max_shifts", "N N N _ _ D D N _ _ _ _ _ _", -1),
        ("total_minutes", "D D _ _ _ _ _ _ _ _ _ _ _ _", -1),
        ("max_consecutive_shifts", "D D D _ _ D D D D D D _ _ _", 5),
        ("min_consecutive_shifts", "D D D _ _ D _ _ _ _ _ _ _ _", 5),
        ("min_consecutive_days_off", "D D D _ D D D _ _ _ _ _ _ _", 3),
        ("max_weekends", "D D D _ _ D D D _ _ _ _ D D", -1),
        ("days_off", "D D D D _ _ _ _ _ _ _ _ _ _", 3),
        ("unknown_shift", "D D D _ _ X D D _ _ _ _ _ _", 5),
    ],
)
def test_one_violation_per_hard_rule(tiny: Instance, rule: str, text: str, day: int) -> None:
    result = evaluate(tiny, row(text))
    assert [(v.rule, v.employee, v.day) for v in result.violations] == [(rule, "A", day)]


@pytest.mark.parametrize(
    "text",
    [
        "D _ _ _ _ D D D _ _ _ _ _ _",  # a 1-day run touching day 0 is exempt
        "_ D D _ _ _ _ _ _ _ _ _ _ D",  # 1-day runs of rest at day 0 and of work at day 13
        "D D D _ _ D D D _ _ _ _ _ _",
    ],
)
def test_boundary_runs_are_exempt(tiny: Instance, text: str) -> None:
    assert evaluate(tiny, row(text)).feasible


def test_wrong_shape_is_one_violation(tiny: Instance) -> None:
    result = evaluate(tiny, [["D"] * 13])
    assert [v.rule for v in result.violations] == ["shape"]


def test_instance1_everybody_off_costs_7137() -> None:
    instance = read_instance(DATA / "Instance1.txt")
    result = evaluate(instance, [[""] * instance.days for _ in instance.employees])
    assert result.penalties["under_cover"] == 7100
    assert result.penalties["request_on"] == 37
    assert result.objective == 7137
    assert {v.rule for v in result.violations} == {"total_minutes"}


def _references() -> list[tuple[str, str, int]]:
    with (REFERENCES / "index.csv").open(encoding="utf-8") as handle:
        return [(r["instance"], r["file"], int(r["objective"])) for r in csv.DictReader(handle)]


@pytest.mark.parametrize(("name", "file", "expected"), _references())
def test_reference_rosters(name: str, file: str, expected: int) -> None:
    instance = read_instance(DATA / f"{name}.txt")
    roster = read_roster(instance, REFERENCES / file)
    result = evaluate(instance, roster)
    assert result.feasible, result.violations
    assert result.objective == expected
    # The reader's problem prices and judges the roster the same way: the search's own
    # objective and the engine's checker agree with the evaluator.
    problem = to_roster_problem(instance)
    index = {s: t for t, s in enumerate(problem.shift_ids)}
    shift = np.array([[index.get(c, -1) for c in r] for r in roster], dtype=np.int64)
    assert objective(problem, shift) == expected
    check = check_roster(problem, RosterSolution(shift, np.where(shift >= 0, 0, -1)))
    assert check.feasible, check.violations
    assert check.objective == expected


def test_roster_csv_round_trip(tmp_path: Path) -> None:
    instance = read_instance(DATA / "Instance1.txt")
    roster = read_roster(instance, REFERENCES / "Instance1_solution1.csv")
    path = tmp_path / "r.csv"
    path.write_text(roster_to_csv(instance, roster), encoding="utf-8")
    assert read_roster(instance, path) == roster


def test_roster_csv_unknown_employee(tmp_path: Path) -> None:
    instance = read_instance(DATA / "Instance1.txt")
    path = tmp_path / "r.csv"
    path.write_text("employee," + ",".join(map(str, range(14))) + "\nZZ" + "," * 14 + "\n")
    with pytest.raises(InputError, match=r"r.csv line 2: employee: got 'ZZ'"):
        read_roster(instance, path)


# Days, staff, shift types, fixed days off, on- and off-requests and cover rows of the
# instances, as the benchmark's description counts them.
SIZES = {
    2: (14, 14, 2, 14, 50, 12, 28),
    3: (14, 20, 3, 20, 39, 25, 42),
    4: (28, 10, 2, 20, 52, 19, 56),
    5: (28, 16, 2, 32, 79, 27, 56),
    6: (28, 18, 3, 36, 87, 48, 84),
    7: (28, 20, 3, 40, 104, 64, 84),
    8: (28, 30, 4, 60, 139, 86, 112),
    9: (28, 36, 4, 72, 144, 88, 112),
    10: (28, 40, 5, 80, 210, 74, 140),
    11: (28, 50, 6, 100, 197, 139, 168),
    12: (28, 60, 10, 120, 294, 128, 280),
    13: (28, 120, 18, 240, 589, 252, 504),
    14: (42, 32, 4, 128, 266, 93, 168),
    15: (42, 45, 6, 180, 350, 140, 252),
    16: (56, 20, 3, 120, 177, 103, 168),
    17: (56, 32, 4, 160, 351, 129, 224),
    18: (84, 22, 3, 176, 322, 92, 252),
    19: (84, 40, 5, 320, 587, 247, 420),
    20: (182, 50, 6, 900, 1665, 653, 1092),
    21: (182, 100, 8, 1800, 3210, 1492, 1456),
    22: (364, 50, 10, 1800, 3253, 1385, 3640),
    23: (364, 100, 16, 3600, 6549, 2861, 5824),
    24: (364, 150, 32, 5400, 9540, 4269, 11648),
}


@pytest.mark.parametrize("number", sorted(SIZES))
def test_instances_parse(number: int) -> None:
    instance = read_instance(DATA / f"Instance{number}.txt")
    days, staff, shifts, off, on_requests, off_requests, cover = SIZES[number]
    assert (instance.days, len(instance.employees), len(instance.shifts)) == (days, staff, shifts)
    assert sum(len(e.days_off) for e in instance.employees) == off
    assert sum(r.on for r in instance.requests) == on_requests
    assert sum(not r.on for r in instance.requests) == off_requests
    assert len(instance.cover) == cover
    problem = to_roster_problem(instance)
    assert problem.available.shape == (staff, days, shifts)
    assert int((~problem.available.any(axis=2)).sum()) >= off  # fixed days off, at least
    assert int(problem.cover_target.sum()) == sum(c.requirement for c in instance.cover)


def test_reader_maps_rules() -> None:
    instance = read_instance(DATA / "Instance2.txt")
    problem = to_roster_problem(instance)
    a = instance.employees[0]
    assert problem.staff_ids[0] == a.id
    assert problem.min_minutes[0] == a.min_total_minutes
    assert problem.max_consecutive[0] == a.max_consecutive_shifts
    assert problem.min_consecutive_off[0] == a.min_consecutive_days_off
    assert problem.max_weekends[0] == a.max_weekends
    assert not problem.available[0, list(a.days_off)].any()
    assert problem.min_rest.max() == 0
    assert problem.weekly_rest.max() == 0
    assert not problem.shift_night.any()
    for t, shift in enumerate(instance.shifts):
        assert problem.max_shifts[0, t] == min(a.max_shifts[shift.id], instance.days)
        for b, other in enumerate(instance.shifts):
            assert problem.forbidden[t, b] == (other.id in shift.not_followed_by)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (TINY.replace("A,D=14|N=3", "A,D=14|Q=3"), r"tiny line 8: MaxShifts: got 'Q'"),
        (TINY.replace("A,8,D,2", "A,14,D,2"), r"tiny line 12: Day: got 14, expected a day 0..13"),
        (TINY.replace("0,D,2,100,1", "0,D,two,100,1"), r"line 16: Requirement: got 'two'"),
        (TINY.replace("A,3\n", "B,3\n"), r"line 10: EmployeeID: got 'B'"),
        (TINY.replace("SECTION_HORIZON\n14\n", ""), r"SECTION_HORIZON: got None"),
    ],
)
def test_bad_instances_are_explained(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_instance(text, "tiny")


def test_parse_instances_ranges() -> None:
    assert parse_instances("1-3,7,2") == [1, 2, 3, 7]
    with pytest.raises(InputError, match="between 1 and 24"):
        parse_instances("0-3")


def test_subproblem_is_exact() -> None:
    """Re-rostering the free staff of a sub-problem changes the whole objective by exactly
    the change of the sub-problem's objective."""
    instance = read_instance(DATA / "Instance2.txt")
    problem = to_roster_problem(instance)
    reference = read_roster(instance, REFERENCES / "Instance2_solution1.csv")
    index = {s: t for t, s in enumerate(problem.shift_ids)}
    shift = np.array([[index.get(c, -1) for c in r] for r in reference], dtype=np.int64)
    free = np.array([1, 4, 9])
    current = RosterSolution(shift=shift, competence=np.where(shift >= 0, 0, -1))
    sub = subproblem(problem, current, free, range(problem.n_days))
    rng = np.random.default_rng(3)
    other = shift.copy()
    other[free] = rng.integers(-1, problem.n_shifts, size=(3, problem.n_days))
    change = objective(problem, other) - objective(problem, shift)
    assert change == objective(sub, other[free]) - objective(sub, shift[free])


@pytest.mark.solver
def test_instance1_solves_to_its_optimum() -> None:
    instance = read_instance(DATA / "Instance1.txt")
    problem = to_roster_problem(instance)
    result = solve(problem, SolveOptions(time_limit=50, num_workers=2, seed=0))
    assert result.stats.status is SolveStatus.OPTIMAL
    assert result.solution is not None
    roster = [
        [problem.shift_ids[t] if t >= 0 else "" for t in r] for r in result.solution.shift.tolist()
    ]
    verdict = evaluate(instance, roster)
    assert verdict.feasible, verdict.violations
    assert verdict.objective == result.stats.objective == 607


@pytest.mark.solver
def test_greedy_and_lns_give_a_feasible_roster() -> None:
    instance = read_instance(DATA / "Instance2.txt")
    problem = to_roster_problem(instance)
    result = search(problem, time_limit=15, workers=2, seed=0, whole_limit=0, columns_limit=0)
    assert result.shift is not None
    roster = [[problem.shift_ids[t] if t >= 0 else "" for t in r] for r in result.shift.tolist()]
    verdict = evaluate(instance, roster)
    assert verdict.feasible, verdict.violations
    assert verdict.objective == result.objective
    assert result.iterations > 0


@pytest.mark.solver
def test_the_bound_takes_the_interior_point_optimum_of_instance12() -> None:
    # HiGHS's interior point method ends on this relaxation with residuals below 1e-7 and the
    # model status "unknown" (crossover would make it "optimal", 3,621.99999999996)
    problem = to_roster_problem(read_instance(DATA / "Instance12.txt"))
    worker = BoundWorker(problem, 60.0)
    assert worker._linear_bound(time.perf_counter())
    assert worker.bound == 3622, worker.status


@pytest.mark.solver
def test_runner_writes_table_and_rosters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--instances", "1", "--time-limit", "30", "--out", str(tmp_path)]) == 0
    with (tmp_path / "nrp.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(COLUMNS)
    assert rows[0]["instance"] == "Instance1"
    assert rows[0]["objective"] == rows[0]["best_known"] == "607"
    assert rows[0]["status"] == "optimal"
    instance = read_instance(DATA / "Instance1.txt")
    roster = read_roster(instance, tmp_path / "nrp-rosters" / "Instance1.csv")
    assert evaluate(instance, roster).objective == 607
    assert "| Instance1 | 607 | 607 |" in (tmp_path / "nrp.md").read_text(encoding="utf-8")
    assert main(["--instances", "25", "--out", str(tmp_path)]) == 2
    assert "expected instances between 1 and 24" in capsys.readouterr().err
