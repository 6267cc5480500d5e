"""The independent roster checker: penalties per rule and per staff member computed by hand,
and violations located by rule, staff member and day."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from benchmarks.nrp.evaluate import read_roster
from benchmarks.nrp.instance import read_instance
from benchmarks.nrp.reader import to_roster_problem
from engine.check.roster import check_roster
from models.roster import FairnessSpread, RosterSolution, roster_problem


def grid(rows: list[list[int]], competence: list[list[int]] | None = None) -> RosterSolution:
    shift = np.array(rows, dtype=np.int64)
    comp = np.where(shift >= 0, 0, -1) if competence is None else np.array(competence)
    return RosterSolution(shift=shift, competence=comp)


def test_cover_and_request_penalties_by_hand() -> None:
    """Cover 2, 1, 1 at 10 under and 3 over; s0 wants to work day 0 (granted) and any shift
    on day 2 (not granted, 2); s1 wants day 1 off (worked, 5)."""
    problem = roster_problem(
        2,
        3,
        [480],
        cover_target=[[[2]], [[1]], [[1]]],
        cover_under_weight=np.full((3, 1, 1), 10),
        cover_over_weight=np.full((3, 1, 1), 3),
        request_staff=[0, 1, 0],
        request_day=[0, 1, 2],
        request_shift=[0, -1, -1],
        request_on=[True, False, True],
        request_weight=[4, 5, 2],
    )
    check = check_roster(problem, grid([[0, 0, -1], [-1, 0, 0]]))
    # day 0: 1 of 2 (under 1); day 1: 2 of 1 (over 1); day 2: 1 of 1
    assert check.feasible
    assert check.penalty_by_rule == {
        "under_cover": 10,
        "over_cover": 3,
        "request_on": 2,
        "request_off": 5,
    }
    assert check.penalty_by_staff.tolist() == [2, 5]
    assert check.objective == 20


def test_fairness_spread_and_substitution_by_hand() -> None:
    """From a Saturday over 9 days (weekends: days 0-1 and 7-8); one night shift type; three
    staff of one group: weekends 2, 1, 0 and nights 3, 1, 0; s2 covers competence 1 as a
    substitute at 6 per shift."""
    problem = roster_problem(
        3,
        9,
        [600],
        competences=2,
        first_weekday=5,
        shift_night=[True],
        can_cover=[[True, False], [True, False], [True, True]],
        substitution_cost=[[0, 0], [0, 0], [0, 6]],
        fairness_group=[0, 0, 0],
        weekend_fairness=4,
        night_fairness=3,
    )
    roster = grid(
        [[0, -1, -1, -1, 0, -1, -1, 0, -1], [-1, 0, -1] + [-1] * 6, [-1, -1, 0, 0] + [-1] * 5],
        [[0, -1, -1, -1, 0, -1, -1, 0, -1], [-1, 0, -1] + [-1] * 6, [-1, -1, 1, 1] + [-1] * 5],
    )
    check = check_roster(problem, roster)
    assert check.feasible, check.violations
    # weekends worked: s0 2 (days 0 and 7), s1 1, s2 0 -> spread 2 x 4
    # nights: s0 3, s1 1, s2 2 -> spread 2 x 3
    assert check.penalty_by_rule == {
        "under_cover": 0,
        "over_cover": 0,
        "substitution": 12,
        "weekend_fairness": 8,
        "night_fairness": 6,
    }
    assert check.penalty_by_staff.tolist() == [0, 0, 12]
    # what the two spreads are made of, the costlier first
    assert check.spreads == (
        FairnessSpread("weekends", 0, (0, 1, 2), 2, (0,), 0, (2,), 8),
        FairnessSpread("nights", 0, (0, 1, 2), 3, (0,), 1, (1,), 6),
    )


def test_split_weekends_by_hand() -> None:
    """From a Friday over 9 days: a whole weekend (days 1-2) and one cut by the horizon's end
    (day 8, a Saturday). s0 works Saturday alone (split), s1 both days, s2 Sunday alone
    (split) and the last Saturday (one day in the horizon: not split), s3 nothing."""
    problem = roster_problem(4, 9, [480], first_weekday=4, split_weekend=7)
    off = [-1] * 6
    roster = grid([[-1, 0, -1, *off], [-1, 0, 0, *off], [-1, -1, 0, *off[:-1], 0], [-1] * 9])
    check = check_roster(problem, roster)
    assert check.feasible, check.violations
    assert check.penalty_by_rule["split_weekend"] == 14
    assert check.penalty_by_staff.tolist() == [7, 0, 7, 0]


def test_soft_minimum_is_a_penalty_not_a_violation() -> None:
    problem = roster_problem(1, 2, [480], cover_min=[[[2]], [[1]]], cover_min_weight=50)
    check = check_roster(problem, grid([[0, -1]]))
    assert check.feasible
    assert check.penalty_by_rule["cover_minimum"] == 50 * (1 + 1)


def test_violations_name_rule_staff_and_day() -> None:
    problem = roster_problem(
        2,
        7,
        [480, 480],
        shift_start=[7 * 60, 22 * 60],
        max_consecutive=[3, 7],
        min_rest=[660, 660],
        cover_min=np.pad(np.ones((1, 1, 1), dtype=np.int64), ((6, 0), (0, 1), (0, 0))),
    )
    roster = grid([[0, 0, 0, 0, -1, -1, -1], [-1, 1, 0, -1, -1, -1, -1]])
    found = {(v.rule, v.staff, v.day) for v in check_roster(problem, roster).violations}
    assert found == {
        ("max_consecutive", 0, 0),  # four days from day 0
        ("daily_rest", 1, 2),  # night 22:00-06:00, then 07:00: 1 hour of rest
        ("cover_minimum", -1, 6),  # nobody on the last day's first shift
    }


def test_boundary_runs_are_exempt_from_minimum_runs() -> None:
    problem = roster_problem(1, 6, [480], min_consecutive=[3], min_consecutive_off=[3])
    assert check_roster(problem, grid([[0, -1, -1, -1, 0, 0]])).feasible
    inner = check_roster(problem, grid([[-1, -1, -1, 0, -1, -1]])).violations
    assert [(v.rule, v.day) for v in inner] == [("min_consecutive", 3)]


@pytest.mark.parametrize(
    ("rows", "rule"),
    [
        ([[0, 1]], "one_shift_per_day"),  # shift index 1 of a single shift type
        ([[0]], "one_shift_per_day"),  # wrong shape
    ],
)
def test_malformed_rosters_are_rejected(rows: list[list[int]], rule: str) -> None:
    problem = roster_problem(1, 2, [480])
    check = check_roster(problem, grid(rows))
    assert not check.feasible
    assert check.violations[0].rule == rule


# The public benchmark's reference rosters: the checker must agree with the published values.

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "curtois-qu"


def _references() -> list[tuple[str, str, int]]:
    with (DATA / "reference_rosters" / "index.csv").open(encoding="utf-8") as handle:
        return [(r["instance"], r["file"], int(r["objective"])) for r in csv.DictReader(handle)]


@pytest.mark.parametrize(("name", "file", "expected"), _references())
def test_checker_reproduces_the_published_reference_rosters(
    name: str, file: str, expected: int
) -> None:
    instance = read_instance(DATA / f"{name}.txt")
    problem = to_roster_problem(instance)
    cells = read_roster(instance, DATA / "reference_rosters" / file)
    index = {s: t for t, s in enumerate(problem.shift_ids)}
    shift = np.array([[index.get(c, -1) for c in row] for row in cells], dtype=np.int64)
    check = check_roster(problem, grid(shift.tolist()))
    assert check.feasible, check.violations
    assert check.objective == expected
