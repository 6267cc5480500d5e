"""The daily plan's independent checker: it passes what the solver makes and rejects each kind
of broken plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from conftest import tiny_unit

from engine.calendar import Horizon
from engine.check.daily import check_daily
from engine.daily import build_problem, weekly_volumes
from models.daily import DailyProblem, DailyResult
from models.unit import Unit
from solvers import daily
from solvers.common import SolveOptions

MONDAY = date(2027, 3, 8)


@pytest.fixture
def solved() -> tuple[DailyProblem, DailyResult]:
    unit: Unit = tiny_unit()
    horizon = Horizon.of(unit.calendar)
    problem = build_problem(unit, horizon, weekly_volumes(unit, horizon, None))
    result = daily.solve(problem, SolveOptions(time_limit=20, num_workers=1))
    return problem, result


def tampered(result: DailyResult, a: int, d: int, delta: float) -> DailyResult:
    assert result.volumes is not None
    volumes = result.volumes.copy()
    volumes[a, d] += delta
    return replace(result, volumes=volumes)


def test_the_solvers_plan_is_sound(solved: tuple[DailyProblem, DailyResult]) -> None:
    problem, result = solved
    assert check_daily(problem, result) == []


def test_a_lost_activity_is_caught(solved: tuple[DailyProblem, DailyResult]) -> None:
    problem, result = solved
    found = check_daily(problem, tampered(result, 0, 0, -1.0), ["op", "bed"])
    assert found == ["op in week 0: 9 placed + 0 unplaced, but the week asks 10"]


def test_a_room_over_its_minutes_is_caught(solved: tuple[DailyProblem, DailyResult]) -> None:
    problem, result = solved
    assert result.unplaced is not None
    unplaced = result.unplaced.copy()
    unplaced[0, 1] -= 1.0  # keep the week's total: one more operation on Monday of week 1
    broken = replace(tampered(result, 0, 7, 1.0), unplaced=unplaced)
    found = check_daily(problem, broken, ["op", "bed"], ["theatre"])
    assert found == ["theatre on day 7: 480 minutes planned, 360 available"]


def test_a_fraction_of_an_operation_is_caught(solved: tuple[DailyProblem, DailyResult]) -> None:
    problem, result = solved
    broken = tampered(tampered(result, 0, 0, -0.5), 0, 1, 0.5)
    assert check_daily(problem, broken) == [
        "activity 0 on day 0: 1.5 is not a whole number",
        "activity 0 on day 1: 2.5 is not a whole number",
    ]


def test_work_on_a_barred_day_is_caught(solved: tuple[DailyProblem, DailyResult]) -> None:
    problem, result = solved
    broken = tampered(tampered(result, 0, 0, -1.0), 0, 5, 1.0)  # Monday -> Saturday
    assert check_daily(problem, broken) == [
        "activity 0 on day 5: 1 on a day it cannot be done",
        "room type 0 on day 5: 120 minutes planned, 0 available",
    ]


def test_negative_volumes_are_caught(solved: tuple[DailyProblem, DailyResult]) -> None:
    problem, result = solved
    assert result.volumes is not None
    broken = replace(result, volumes=np.where(result.volumes > 0, result.volumes, 0.0))
    broken = tampered(tampered(broken, 0, 0, -3.0), 0, 1, 3.0)
    broken = tampered(broken, 0, 2, -(broken.volumes[0, 2] + 1))  # type: ignore[index]
    found = check_daily(problem, broken)
    assert "activity 0 on day 2: negative volume -1" in found
