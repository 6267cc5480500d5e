"""The rolling start of the tactical plan: the rest of the horizon from a given waiting list."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from conftest import tiny_unit

from engine.errors import InputError
from engine.io import load_unit
from engine.plan import (
    RollingStart,
    check_plan,
    compile_plan,
    continue_plan,
    plan_unit,
    read_waiting,
    waiting_after,
)
from models.plan import PlanOptions
from models.unit import Unit
from solvers.common import SolveOptions
from solvers.tactical.formulation import block_starts

pytestmark = pytest.mark.solver

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ortopedi"
ONE_THREAD = SolveOptions(num_workers=1, gap_limit=1e-9)
NO_EXTRA = PlanOptions(
    overtime_share=0,
    extra_shift_share=0,
    hires=0,
    room_extension_share=0,
    extra_room_days=0,
    extra_beds=0,
)


def six_weeks(patients: list[float]) -> Unit:
    """The tiny clinic over 2027-W10 .. W15 with ``patients`` hip patients a week (W12 and
    W13 hold Good Friday and Easter Monday: 8 patients of nurse time instead of 10)."""
    need = [
        {"product_group": "hip", "week": f"2027-W{10 + i:02d}", "patients": p}
        for i, p in enumerate(patients)
    ]
    return tiny_unit(calendar={"start_week": "2027-W10", "weeks": 6}, care_need=need)


def test_blocks_stay_aligned_to_the_calendar() -> None:
    assert block_starts(4, 6) == [0, 0, 0, 0, 4, 4]
    # 2 weeks into the calendar: the first block holds the 2 weeks left of calendar block 0
    assert block_starts(4, 6, first_week=2) == [0, 0, 2, 2, 2, 2]
    assert block_starts(1, 3, first_week=5) == [0, 1, 2]


def test_waiting_after_treats_the_oldest_first_by_hand() -> None:
    unit = six_weeks([10, 20, 8, 14, 12, 9])
    # arrivals, oldest first: 5 on the list (18 weeks before W10), 10 in W10, 20 in W11;
    # 12 treated take the 5 and 7 of W10: 3 of W10 (2 weeks before W12) and 20 of W11 wait
    waiting = waiting_after(unit, "2027-W12", np.array([12.0]))
    assert waiting.shape == (1, 20)
    assert waiting[0, 0] == pytest.approx(20)
    assert waiting[0, 1] == pytest.approx(3)
    assert waiting[0, 2:].sum() == pytest.approx(0)
    # more treated than ever arrived empties the list
    assert waiting_after(unit, "2027-W12", np.array([99.0])).sum() == 0
    # at the calendar's first week the list is the unit's
    assert waiting_after(unit, "2027-W10", np.array([0.0]))[0, 17] == 5


def test_rolling_compile_takes_the_weeks_left(tiny: Unit) -> None:
    unit = six_weeks([3, 3, 3, 3, 3, 3])
    start = RollingStart("2027-W12", np.array([[4.0, 1.0]]), np.array([3.0]))
    compiled = compile_plan(unit, start=start)
    assert compiled.weeks == ("2027-W12", "2027-W13", "2027-W14", "2027-W15")
    assert compiled.problem.first_week == 2
    np.testing.assert_allclose(compiled.problem.need[:, 0], [3, 3, 3, 3])
    # W12 has Good Friday: 4 days of 60 nurse hours
    nurse = compiled.resources.keys.index("competence:nurse")
    np.testing.assert_allclose(compiled.problem.capacity[:, nurse], [48, 48, 60, 60])
    assert len(compile_plan(unit, start=start, weeks=2).weeks) == 2
    with pytest.raises(InputError, match="from 1 to 4 \\(the calendar from 2027-W12\\)"):
        compile_plan(unit, start=start, weeks=5)
    with pytest.raises(InputError, match="--start: got '2027-W30'"):
        compile_plan(unit, start=RollingStart("2027-W30", np.zeros((1, 1))))
    with pytest.raises(InputError, match="waiting"):
        compile_plan(unit, start=RollingStart("2027-W12", np.array([[-1.0]])))
    with pytest.raises(InputError, match="previous"):
        compile_plan(unit, start=RollingStart("2027-W12", np.ones((1, 1)), np.ones(2)))


def test_a_shortfall_raises_the_rest_by_the_patients_left_waiting_by_hand() -> None:
    # 3 patients a week, room for 8 to 10: without levelling everyone is treated at once
    unit = six_weeks([3, 3, 3, 3, 3, 3])
    options = NO_EXTRA.replace(levelling_weight=0.0)
    plan = plan_unit(unit, options=options, solve_options=ONE_THREAD)
    np.testing.assert_allclose(plan.production[:, 0], [8, 3, 3, 3, 3, 3], atol=1e-6)
    # 4 of W10..W12's patients were not treated: they wait at the start of W13
    start = continue_plan(plan, "2027-W13", np.array([-4.0]))
    assert start.waiting.sum() == pytest.approx(4)
    np.testing.assert_allclose(start.previous, [3])
    rest = plan_unit(unit, options=options, solve_options=ONE_THREAD, start=start)
    np.testing.assert_allclose(rest.production[:, 0], [3 + 4, 3, 3], atol=1e-6)
    assert rest.violations == ()
    # a surplus of patients already treated leaves nobody waiting, not fewer than nobody
    assert continue_plan(plan, "2027-W13", np.array([2.0])).waiting.sum() == 0


def test_a_surplus_shortens_the_waiting_list_by_hand() -> None:
    # more patients than nurse time: the plan runs at capacity and the list grows
    unit = six_weeks([10, 20, 8, 14, 12, 9])
    plan = plan_unit(unit, options=NO_EXTRA, solve_options=ONE_THREAD)
    np.testing.assert_allclose(plan.production[:, 0], [10, 10, 8, 8, 10, 10], atol=1e-6)
    # 2 treated beyond the plan (overtime) before W13: 2 fewer wait, to the end
    start = continue_plan(plan, "2027-W13", np.array([2.0]))
    assert start.waiting.sum() == pytest.approx(plan.backlog[2].sum() - 2)
    rest = plan_unit(unit, options=NO_EXTRA, solve_options=ONE_THREAD, start=start)
    np.testing.assert_allclose(rest.production, plan.production[3:], atol=1e-6)
    np.testing.assert_allclose(rest.backlog[:, 0], plan.backlog[3:, 0] - 2, atol=1e-6)


def test_with_levelling_the_rest_treats_exactly_the_shortfall_more() -> None:
    unit = six_weeks([3, 3, 3, 3, 3, 3])
    plan = plan_unit(unit, options=NO_EXTRA, solve_options=ONE_THREAD)
    old = plan.production[3:, 0].sum()
    rest = plan_unit(
        unit,
        options=NO_EXTRA,
        solve_options=ONE_THREAD,
        start=continue_plan(plan, "2027-W13", np.array([-4.0])),
    )
    # nobody is left at the end (terminal weight 1 > the cost of treating them): the rest of
    # the horizon treats the 4 on top of the old plan's volume
    assert rest.production[:, 0].sum() - old == pytest.approx(4, abs=1e-6)
    assert rest.backlog[-1].sum() == pytest.approx(plan.backlog[-1].sum(), abs=1e-6)


def test_zero_deviation_leaves_the_rest_of_the_plan_as_it_was_tiny() -> None:
    unit = six_weeks([10, 20, 8, 14, 12, 9])
    plan = plan_unit(unit, solve_options=ONE_THREAD)
    rest = plan_unit(unit, solve_options=ONE_THREAD, start=continue_plan(plan, "2027-W13"))
    np.testing.assert_allclose(rest.production, plan.production[3:], atol=1e-6)
    np.testing.assert_allclose(rest.backlog, plan.backlog[3:], atol=1e-6)


def test_zero_deviation_on_the_clinic_costs_what_the_rest_of_the_old_plan_costs() -> None:
    """The tail of an optimal plan is optimal for the rest (the state at the start is the
    waiting list by age and the week before's volume; hires stay in calendar blocks). The
    volumes of the clinic's plan are not unique (equal-cost alternatives), so the check is on
    the objective: the old plan's tail costs what the re-solve costs, within the old solve's
    relative gap of 1e-4."""
    unit = load_unit(EXAMPLE)
    options = SolveOptions(num_workers=1)
    plan = plan_unit(unit, solve_options=options, checked=True)
    s = 10
    rest = plan_unit(
        unit, solve_options=options, checked=True, start=continue_plan(plan, plan.weeks[s])
    )
    weights = PlanOptions()
    tail = (
        weights.backlog_weight * plan.backlog[s:].sum()
        + weights.breach_weight * plan.breach[s:].sum()
        + weights.levelling_weight * np.abs(np.diff(plan.production[s - 1 :], axis=0)).sum()
        + weights.terminal_weight * plan.backlog[-1].sum()
        + plan.extra_cost[s:].sum()
    )
    assert rest.violations == ()
    assert rest.stats.objective <= tail + 1e-6
    assert tail - rest.stats.objective <= 1e-4 * plan.stats.objective
    assert rest.production.sum() == pytest.approx(plan.production[s:].sum(), rel=1e-3)


def test_check_plan_reads_the_rolling_list() -> None:
    unit = six_weeks([3, 3, 3, 3, 3, 3])
    start = RollingStart("2027-W12", np.array([[2.0]]))
    plan = plan_unit(unit, options=NO_EXTRA, solve_options=ONE_THREAD, start=start)
    assert plan.violations == ()
    assert plan.backlog[0, 0] == pytest.approx(2 + 3 - plan.production[0, 0], abs=1e-6)
    # more treated than the 2 + 3 there were is found by the checker
    production = plan.production.copy()
    production[0, 0] = 6.0
    broken = dataclasses.replace(plan, production=production)
    assert any("more than were waiting" in v for v in check_plan(unit, broken))


def test_read_waiting(tmp_path: Path) -> None:
    unit = six_weeks([3, 3, 3, 3, 3, 3])
    path = tmp_path / "waiting.csv"
    path.write_text(
        "product_group;waiting_since;patients\nhip;2027-03-08;2,5\nhip;2027-03-01;4\n",
        encoding="utf-8",
    )
    start = read_waiting(path, unit, "2027-W12")
    # 2027-W12 starts on 22 March: 8 March is 2 weeks before (column 1), 1 March column 2
    np.testing.assert_allclose(start.waiting, [[0, 2.5, 4]])
    path.write_text(
        "product_group,waiting_since,patients\nknee,2027-03-30,-1\nhip,someday,1\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as error:
        read_waiting(path, unit, "2027-W12")
    lines = str(error.value).splitlines()
    assert lines[0].startswith(f"{path} line 2: product_group: got 'knee', expected a product")
    assert lines[1] == (
        f"{path} line 2: waiting_since: got '2027-03-30', expected a date on or before 2027-03-22"
    )
    assert lines[2] == f"{path} line 2: patients: got '-1', expected a number >= 0"
    assert lines[3] == (
        f"{path} line 3: waiting_since: got 'someday', expected a date like 2027-01-04"
    )
    path.write_text("group,since,patients\n", encoding="utf-8")
    with pytest.raises(InputError, match="header"):
        read_waiting(path, unit, "2027-W12")
