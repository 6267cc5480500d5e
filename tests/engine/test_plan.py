"""The tactical plan of a unit: compiled, solved, decoded, explained and checked by hand."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import tiny_unit
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import InputError
from engine.io import load_unit
from engine.plan import (
    PinnedVolume,
    PlanInfeasible,
    check_plan,
    compile_plan,
    plan_unit,
    read_pins,
    read_plan_options,
    within_guarantee,
)
from models.plan import PlanOptions
from models.unit import Unit
from solvers.common import SolveOptions, SolveStatus

pytestmark = pytest.mark.solver

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ortopedi"
NO_EXTRA = PlanOptions(
    overtime_share=0,
    extra_shift_share=0,
    hires=0,
    room_extension_share=0,
    extra_room_days=0,
    extra_beds=0,
)
ONE_THREAD = SolveOptions(num_workers=1, gap_limit=1e-9)


def test_compile_tiny_by_hand(tiny: Unit) -> None:
    compiled = compile_plan(tiny)
    p = compiled.problem
    assert compiled.weeks == ("2027-W10", "2027-W11")
    assert compiled.groups == ("hip",)
    # a hip patient: 1 operation (2 h x 2 nurses, 2 h surgeon, 2 h theatre) and 2 bed-days
    # (1 h nurse each, 1 / 0.8 staffed bed-days each)
    np.testing.assert_allclose(p.usage, [[6.0, 2.0, 2.0, 2.5]])
    np.testing.assert_allclose(p.capacity, [[60, 32, 30, 70], [60, 32, 30, 70]])
    np.testing.assert_allclose(p.need[:, 0], [10, 20])
    # 5 waiting since 2026-11-02, 18 weeks before Monday 2027-03-08: column 17
    assert p.waiting.shape == (1, 18)
    assert p.waiting[0, 17] == 5
    assert p.guarantee_weeks.tolist() == [12]  # 90 days


def test_extra_capacity_limits_by_hand(tiny: Unit) -> None:
    compiled = compile_plan(tiny)
    kinds = [(k.resource, k.kind) for k in compiled.extra_kinds]
    extra = compiled.problem.extra
    nurse_overtime = kinds.index(("competence:nurse", "overtime"))
    # 10 % of 60 nurse hours; no whole 8-hour shift fits in 10 % of 60 hours
    assert extra.max_units[0, nurse_overtime] == pytest.approx(6.0)
    assert ("competence:nurse", "extra_shift") not in kinds
    hire = kinds.index(("competence:surgeon", "hire"))
    assert extra.size[hire] == pytest.approx(32.0)  # a full-time surgeon's clinical hours
    assert extra.block_weeks[hire] == 4
    bed = kinds.index(("ward:ward", "extra_bed"))
    assert extra.size[bed] == 7.0
    assert not extra.integer.any(), "part shifts, beds and hires by default"
    whole = compile_plan(tiny, options=PlanOptions(whole_beds=True, whole_hires=True))
    assert whole.problem.extra.integer[[bed, hire]].all()
    assert len(compile_plan(tiny, options=NO_EXTRA).problem.extra) == 0


def test_plan_tiny_by_hand(tiny: Unit) -> None:
    plan = plan_unit(tiny, options=NO_EXTRA, solve_options=ONE_THREAD)
    assert plan.stats.status is SolveStatus.OPTIMAL
    # the nurses limit production to 60 / 6 = 10 patients a week
    np.testing.assert_allclose(plan.production[:, 0], [10, 10], atol=1e-6)
    np.testing.assert_allclose(plan.backlog[:, 0], [5, 15], atol=1e-6)
    # 0.1 per patient-week waiting (5 + 15) and 1 per patient left at the end (15)
    assert plan.stats.objective == pytest.approx(0.1 * 20 + 15)
    np.testing.assert_allclose(plan.usage[0], [60, 20, 20, 25], atol=1e-6)
    np.testing.assert_allclose(plan.activities[0], [10, 20], atol=1e-6)
    # the 5 on the list waited 18 weeks and are treated first: late; everyone else in time
    np.testing.assert_allclose(plan.within[:, 0], [5, 10], atol=1e-6)
    np.testing.assert_allclose(plan.within_share, [0.5, 1.0])
    kpis = plan.kpis()
    assert kpis["share_within_guarantee"] == pytest.approx(0.75)
    assert kpis["backlog_end"] == pytest.approx(15)
    assert kpis["extra_cost"] == 0
    assert plan.violations == ()
    # the nurses at 100 %, short by nothing
    assert plan.shortfall_steps.max() == pytest.approx(0.0, abs=1e-6)


def test_extra_is_bought_when_waiting_costs_more(tiny: Unit) -> None:
    # Waiting at 10 per patient-week makes 6 hours of nurse overtime (cost 6) pay for a patient.
    options = PlanOptions(backlog_weight=10.0, hires=0)
    plan = plan_unit(tiny, options=options, solve_options=ONE_THREAD)
    np.testing.assert_allclose(plan.production[:, 0], [11, 11], atol=1e-6)
    nurse = plan.compiled.resources.keys.index("competence:nurse")
    np.testing.assert_allclose(plan.extra_capacity[:, nurse], [6, 6], atol=1e-6)
    np.testing.assert_allclose(plan.shortfall_steps[:, nurse], [0.75, 0.75], atol=1e-6)
    assert plan.kpis()["extra_cost"] == pytest.approx(12.0)
    assert plan.violations == ()


def test_within_guarantee_first_come_first_served() -> None:
    # 4 waiting since week -3 (column 2), guarantee 2: week 0 treats 3 of them (late), week 1
    # treats the last of them (late) and 2 of week 0's (in time).
    within = within_guarantee(
        need=np.array([[2.0], [2.0]]),
        waiting=np.array([[0.0, 0.0, 4.0]]),
        guarantee_weeks=np.array([2]),
        production=np.array([[3.0], [3.0]]),
    )
    np.testing.assert_allclose(within[:, 0], [0.0, 2.0])


def test_pins_are_kept(tiny: Unit) -> None:
    pins = (PinnedVolume("2027-W10", "hip", 8.0), PinnedVolume("2027-W11", "bed", 14.0))
    plan = plan_unit(tiny, pins=pins, options=NO_EXTRA, solve_options=ONE_THREAD)
    np.testing.assert_allclose(plan.production[:, 0], [8, 7], atol=1e-6)
    assert plan.violations == ()
    assert plan.to_dict()["pinned"][1] == {"week": "2027-W11", "target": "bed", "volume": 14.0}


def test_pinned_volume_above_capacity_names_week_resource_and_amount(tiny: Unit) -> None:
    pins = (PinnedVolume("2027-W10", "hip", 12.0, "pinned.csv line 2"),)
    with pytest.raises(PlanInfeasible) as caught:
        plan_unit(tiny, pins=pins, options=NO_EXTRA, solve_options=ONE_THREAD)
    messages = [str(p) for p in caught.value.problems]
    # 12 hips need 72 nurse hours; 60 are there: 12 hours, 1.5 shifts of 8 hours, missing
    assert len(messages) == 1
    assert messages[0].startswith("pinned.csv line 2: week 2027-W10, competence:nurse")
    assert "12.0 hours (1.5 shifts) missing beyond the 60.0 available" in messages[0]
    assert "infeasible" not in messages[0].lower()


def test_pinned_patients_that_are_not_there(tiny: Unit) -> None:
    # 15 hips could be treated in week 10 (5 waiting + 10 new); 20 are pinned.
    options = NO_EXTRA.replace(overtime_share=10.0, room_extension_share=10.0)
    pins = (PinnedVolume("2027-W10", "hip", 20.0),)
    with pytest.raises(PlanInfeasible) as caught:
        plan_unit(tiny, pins=pins, options=options, solve_options=ONE_THREAD)
    text = str(caught.value)
    assert "week 2027-W10, product group hip" in text
    assert "5.0 patients missing" in text
    assert caught.value.shortfall.patients[0, 0] == pytest.approx(5.0)


def test_bad_pins_are_named(tiny: Unit) -> None:
    pins = (
        PinnedVolume("2027-W30", "hip", 1.0, "p.csv line 2"),
        PinnedVolume("2027-W10", "knee", 1.0, "p.csv line 3"),
    )
    with pytest.raises(InputError) as caught:
        compile_plan(tiny, pins=pins)
    text = str(caught.value)
    assert "p.csv line 2: week: got '2027-W30', expected a week of the plan" in text
    assert "p.csv line 3: activity: got 'knee'" in text


def test_weeks_outside_the_calendar(tiny: Unit) -> None:
    with pytest.raises(InputError, match="from 1 to 2"):
        compile_plan(tiny, weeks=3)
    assert compile_plan(tiny, weeks=1).problem.n_weeks == 1


def test_check_finds_a_plan_over_capacity(tiny: Unit) -> None:
    plan = plan_unit(tiny, options=NO_EXTRA, solve_options=ONE_THREAD)
    assert check_plan(tiny, plan) == []
    greedy = dataclasses.replace(plan, production=plan.production * 2)
    found = check_plan(tiny, greedy)
    assert any(
        f.startswith("week 2027-W10: competence:nurse used 120.000 hours, more than 60.000")
        for f in found
    )
    assert any("hip treated 5.000 patients more than were waiting" in f for f in found)
    pinned = dataclasses.replace(
        plan,
        compiled=dataclasses.replace(plan.compiled, pins=(PinnedVolume("2027-W10", "hip", 9.0),)),
    )
    assert check_plan(tiny, pinned) == ["week 2027-W10: hip is 10.000, pinned at 9.0"]


def test_read_pins(tmp_path: Path) -> None:
    path = tmp_path / "pinned.csv"
    path.write_text("week;activity;volume\n2027-W10;hip;7,5\n2027-W11;bed;4\n", encoding="utf-8")
    assert read_pins(path) == (
        PinnedVolume("2027-W10", "hip", 7.5, f"{path} line 2"),
        PinnedVolume("2027-W11", "bed", 4.0, f"{path} line 3"),
    )
    path.write_text("week,activity,volume\n2027-W99,hip,1\n2027-W10,hip,many\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_pins(path)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith(f"{path} line 2: week: got '2027-W99'")
    assert lines[1] == f"{path} line 3: volume: got 'many', expected a number >= 0"
    path.write_text("week,group,volume\n", encoding="utf-8")
    with pytest.raises(InputError, match="the columns week, activity, volume"):
        read_pins(path)


def test_read_plan_options(tmp_path: Path) -> None:
    path = tmp_path / "options.yaml"
    path.write_text("breach_weight: 50\nwhole_hires: true\nextra_beds: 3\n", encoding="utf-8")
    options = read_plan_options(path)
    assert options.breach_weight == 50.0
    assert options.whole_hires is True
    assert options.extra_beds == 3
    assert options.weights.breach == 50.0
    path.write_text("breach: 50\nextra_beds: 2.5\nbacklog_weight: -1\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_plan_options(path)
    text = str(caught.value)
    assert f"{path}: breach: expected one of the options" in text
    assert f"{path}: extra_beds: got 2.5, expected a whole number >= 0" in text


def test_plan_document_is_json(tiny: Unit) -> None:
    plan = plan_unit(tiny, solve_options=ONE_THREAD)
    document = json.loads(json.dumps(plan.to_dict()))
    assert document["solver"]["status"] == "optimal"
    assert document["check"] == {"ok": True, "violations": []}
    assert len(document["by_week"]) == 2
    frame = plan.frame()
    assert list(frame.columns) == ["week", "kind", "id", "volume"]
    assert len(frame) == 2 * (2 + 1)


def test_group_guarantee_override() -> None:
    unit = tiny_unit(care_guarantee={"days": 90, "product_groups": {"hip": 200}})
    assert compile_plan(unit).problem.guarantee_weeks.tolist() == [28]


@pytest.mark.slow
def test_example_clinic_plan_is_sound() -> None:
    unit = load_unit(EXAMPLE)
    plan = plan_unit(unit, weeks=52, solve_options=SolveOptions(num_workers=1), checked=True)
    assert plan.stats.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)
    assert plan.stats.gap <= 1e-4
    assert plan.violations == ()
    kpis = plan.kpis()
    assert 0.5 < kpis["share_within_guarantee"] <= 1.0
    # everyone on the list at the start is treated within the year: few are left
    assert kpis["backlog_end"] < plan.compiled.problem.waiting.sum()


@settings(max_examples=15, deadline=None)
@given(
    need=st.lists(st.floats(0, 40, allow_nan=False), min_size=2, max_size=2),
    waiting=st.integers(0, 30),
    rate=st.sampled_from([0.25, 0.5, 1.0]),
    whole=st.booleans(),
)
def test_every_plan_passes_the_independent_check(
    need: list[float], waiting: int, rate: float, whole: bool
) -> None:
    unit = tiny_unit(
        care_need=[
            {"product_group": "hip", "week": week, "patients": patients}
            for week, patients in zip(("2027-W10", "2027-W11"), need, strict=True)
        ],
        waiting_list=[{"product_group": "hip", "waiting_since": "2027-01-04", "patients": waiting}],
        staff=[
            {"id": "anna", "competences": ["nurse"], "employment_rate": rate},
            {"id": "cilla", "competences": ["surgeon"]},
        ],
    )
    options = PlanOptions(whole_shifts=whole, whole_beds=whole, whole_hires=whole)
    plan = plan_unit(unit, options=options, solve_options=ONE_THREAD)
    assert plan.violations == ()
    kpis = plan.kpis()
    assert 0.0 <= kpis["share_within_guarantee"] <= 1.0 + 1e-9
    assert kpis["treated"] <= waiting + sum(need) + 1e-6
    assert (plan.within <= plan.production + 1e-6).all()
