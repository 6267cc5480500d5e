"""What-if: every kind of change on the tiny unit by hand, KPIs moving the expected way, and
the base and scenarios planned in parallel processes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import tiny_unit

from engine.balance import balance
from engine.errors import InputError
from engine.io import load_unit
from engine.need import mix_matrix, requirement_matrix
from engine.plan import plan_unit
from engine.scenarios import apply_scenario, load_scenario, run_whatif
from models.plan import PlanOptions
from models.scenario import Scenario
from models.unit import Unit
from solvers.common import SolveOptions

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "examples" / "scenarios").glob("*.yaml"))
NURSE, SURGEON, THEATRE, WARD = 0, 1, 2, 3
ONE_THREAD = SolveOptions(num_workers=1, gap_limit=1e-9)
WAITING_ONLY = PlanOptions(
    backlog_weight=1.0,
    breach_weight=0.0,
    levelling_weight=0.0,
    terminal_weight=0.0,
    overtime_share=0,
    extra_shift_share=0,
    hires=0,
    room_extension_share=0,
    extra_room_days=0,
    extra_beds=0,
)
"""The plan's objective is then the patient-weeks waiting, which only capacity limits."""


def scenario(*changes: dict[str, Any], name: str = "s") -> Scenario:
    return Scenario.model_validate({"name": name, "changes": list(changes)})


def changed(unit: Unit, *changes: dict[str, Any]) -> Unit:
    return apply_scenario(unit, scenario(*changes), "s.yaml")


def available(unit: Unit) -> np.ndarray[Any, Any]:
    return balance(unit).available


def test_scale_care_need_of_some_weeks(tiny: Unit) -> None:
    unit = changed(
        tiny,
        {
            "type": "scale_care_need",
            "factor": 2,
            "product_groups": ["hip"],
            "weeks": {"first": "2027-W11", "last": "2027-W11"},
        },
    )
    assert [n.patients for n in unit.care_need] == [10, 40]
    assert [n.patients for n in tiny.care_need] == [10, 20], "the base is left as it was"


def test_scale_activity(tiny: Unit) -> None:
    unit = changed(tiny, {"type": "scale_activity", "activity": "bed", "factor": 0.5})
    assert unit.product_groups[0].mix == {"op": 1.0, "bed": 1.0}


def test_substitute_activity(tiny: Unit) -> None:
    unit = changed(
        tiny, {"type": "substitute_activity", "activity": "bed", "by": "op", "share": 0.25}
    )
    np.testing.assert_allclose(mix_matrix(unit), [[1.5, 1.5]])


@pytest.mark.parametrize(("change", "minutes"), [({"minutes": 60}, 60.0), ({"factor": 2}, 240.0)])
def test_process_time(tiny: Unit, change: dict[str, float], minutes: float) -> None:
    unit = changed(tiny, {"type": "process_time", "activity": "op", **change})
    assert unit.activity_types[0].mean_process_time == minutes


def test_opening_hours_saturday_and_longer_days(tiny: Unit) -> None:
    # 5 days x 8 h x 0.75 = 30 theatre hours; a Saturday 08:00-12:00 adds 4 x 0.75
    saturday = changed(
        tiny,
        {"type": "opening_hours", "room_type": "theatre", "weekdays": ["sat"],
         "start": "08:00", "end": "12:00"},
    )  # fmt: skip
    assert available(saturday)[0, THEATRE] == pytest.approx(33.0)
    # open until 18:00 on Tuesday and Thursday: (3 x 8 + 2 x 10) x 0.75
    longer = changed(
        tiny,
        {"type": "opening_hours", "rooms": ["or1"], "weekdays": ["tue", "thu"],
         "start": "08:00", "end": "18:00"},
    )  # fmt: skip
    assert available(longer)[0, THEATRE] == pytest.approx(33.0)
    closed = changed(
        tiny, {"type": "opening_hours", "rooms": ["or1"], "weekdays": ["tue"], "closed": True}
    )
    assert available(closed)[0, THEATRE] == pytest.approx(24.0)


def test_add_staff_for_some_weeks(tiny: Unit) -> None:
    unit = changed(
        tiny,
        {"type": "staff", "competence": "nurse", "fte": 1.0,
         "weeks": {"first": "2027-W11", "last": "2027-W11"}},
    )  # fmt: skip
    np.testing.assert_allclose(available(unit)[:, NURSE], [60, 100])
    assert len(unit.staff) == 4


def test_remove_staff(tiny: Unit) -> None:
    # anna (1.0) and bert (0.5) are the nurses: removing 0.5 FTE takes a third of each
    unit = changed(tiny, {"type": "staff", "competence": "nurse", "fte": -0.5})
    np.testing.assert_allclose(available(unit)[:, NURSE], [40, 40])
    with pytest.raises(
        InputError, match=r"s\.yaml: changes\[0\]\.fte: got -3\.0, expected at most"
    ):
        changed(tiny, {"type": "staff", "competence": "nurse", "fte": -3})


def test_move_non_clinical_time(tiny: Unit) -> None:
    staff = [m.model_dump() for m in tiny.staff]
    staff[0]["absences"] = [{"start": "2027-03-09", "end": "2027-03-09", "kind": "training"}]
    unit = tiny_unit(staff=staff)
    np.testing.assert_allclose(available(unit)[:, NURSE], [52, 60])
    moved = changed(
        unit,
        {"type": "move_non_clinical", "from_weeks": {"first": "2027-W10", "last": "2027-W10"},
         "to_week": "2027-W11"},
    )  # fmt: skip
    np.testing.assert_allclose(available(moved)[:, NURSE], [60, 52])
    with pytest.raises(InputError, match=r"changes\[0\]\.to_week"):
        changed(
            unit,
            {"type": "move_non_clinical",
             "from_weeks": {"first": "2027-W10", "last": "2027-W10"}, "to_week": "2027-W12"},
        )  # fmt: skip


def test_target_occupancy(tiny: Unit) -> None:
    unit = changed(tiny, {"type": "target_occupancy", "occupancy": 0.5})
    resources = balance(unit).resources
    # a bed-day over 50 % occupancy takes two staffed bed-days
    assert requirement_matrix(unit, resources)[1, WARD] == pytest.approx(2.0)


def test_unknown_ids_are_named(tiny: Unit) -> None:
    with pytest.raises(InputError) as caught:
        changed(
            tiny,
            {"type": "scale_activity", "activity": "knee", "factor": 2},
            {"type": "staff", "competence": "porter", "fte": 1},
        )
    lines = str(caught.value).splitlines()
    assert lines == [
        "s.yaml: changes[0].activity: got 'knee', expected an activity type id of the unit",
        "s.yaml: changes[1].competence: got 'porter', expected a competence id of the unit",
    ]


def test_load_scenario(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: fewer\nchanges:\n  - type: scale_activity\n    activity: bed\n    factor: 0.8\n",
        encoding="utf-8",
    )
    assert load_scenario(path).changes[0].type == "scale_activity"
    path.write_text(
        "name: bad\nchanges:\n  - type: scale_activity\n    activity: bed\n    factor: -1\n"
        "  - type: teleport\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    text = str(caught.value)
    assert f"{path}: changes[0].scale_activity.factor: got -1" in text
    assert f"{path}: changes[1]" in text


def test_a_clock_time_written_as_a_number_is_named(tmp_path: Path) -> None:
    """Regression: ``start: 7.30`` became an aware time, and comparing it with ``end`` raised a
    TypeError out of the model's validator."""
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: early\nchanges:\n  - type: opening_hours\n    rooms: [or1]\n"
        "    weekdays: [sat]\n    start: 7.30\n    end: '14:00'\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert str(caught.value) == (
        f"{path}: changes[0].opening_hours.start: got 7.3, "
        "expected a time HH:MM in quotes ('07:00')"
    )


def test_a_scenario_file_is_read_as_the_unit_files_are(tmp_path: Path) -> None:
    """An impossible unquoted date names its line (it was a traceback out of the YAML reader),
    and an unquoted 07:30 is the time, not 450 (YAML 1.1's minutes and seconds)."""
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: closed\nchanges:\n  - type: close_room\n    room: or1\n"
        "    start: 2027-02-31\n    end: 2027-03-05\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert str(caught.value) == f"{path} line 5: got '2027-02-31', expected a date YYYY-MM-DD"
    path.write_text(
        "name: early\nchanges:\n  - type: opening_hours\n    rooms: [or1]\n"
        "    weekdays: [sat]\n    start: 07:30\n    end: '14:00'\n",
        encoding="utf-8",
    )
    assert str(load_scenario(path).changes[0].start) == "07:30:00"  # type: ignore[union-attr]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_example_scenarios_apply_to_the_clinic(path: Path, clinic: Unit) -> None:
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    unit = apply_scenario(clinic, scenario, str(path))
    assert unit != clinic


@pytest.fixture(scope="module")
def clinic() -> Unit:
    return load_unit(ROOT / "examples" / "ortopedi")


def total_waiting(unit: Unit) -> float:
    plan = plan_unit(unit, options=WAITING_ONLY, solve_options=ONE_THREAD)
    return float(plan.backlog.sum())


@pytest.mark.solver
@pytest.mark.parametrize("fte", [0.25, 1.0, 3.0])
def test_more_staff_never_increases_the_waiting_list(tiny: Unit, fte: float) -> None:
    base = total_waiting(tiny)
    more = total_waiting(changed(tiny, {"type": "staff", "competence": "nurse", "fte": fte}))
    assert more <= base + 1e-6
    fewer = total_waiting(changed(tiny, {"type": "staff", "competence": "nurse", "fte": -fte / 4}))
    assert fewer >= base - 1e-6
    if fte >= 1.0:
        assert more < base - 1.0, "the nurses are the bottleneck: a full-timer helps"


@pytest.mark.solver
@pytest.mark.parametrize("factor", [1.1, 1.5, 2.0])
def test_more_demand_never_lowers_the_waiting_list(tiny: Unit, factor: float) -> None:
    base = total_waiting(tiny)
    more = total_waiting(changed(tiny, {"type": "scale_care_need", "factor": factor}))
    assert more > base
    less = total_waiting(changed(tiny, {"type": "scale_care_need", "factor": 1 / factor}))
    assert less <= base + 1e-6


@pytest.mark.solver
def test_more_staff_never_costs_more_with_default_weights(tiny: Unit) -> None:
    base = plan_unit(tiny, solve_options=ONE_THREAD)
    more = plan_unit(
        changed(tiny, {"type": "staff", "competence": "nurse", "fte": 1.0}),
        solve_options=ONE_THREAD,
    )
    assert more.stats.objective <= base.stats.objective + 1e-6


@pytest.mark.solver
def test_whatif_in_parallel_processes(tiny: Unit) -> None:
    scenarios = [
        (scenario({"type": "staff", "competence": "nurse", "fte": 1.0}, name="nurse"), "a"),
        (scenario({"type": "scale_care_need", "factor": 1.5}, name="growth"), "b"),
    ]
    whatif = run_whatif(tiny, scenarios, options=WAITING_ONLY, workers=2)
    assert [o.name for o in whatif.outcomes] == ["base", "nurse", "growth"]
    table = whatif.kpi_table()
    assert list(table.columns) == ["base", "nurse", "growth"]
    assert table.at["backlog_mean", "nurse"] < table.at["backlog_mean", "base"]
    assert table.at["backlog_mean", "growth"] > table.at["backlog_mean", "base"]
    changes = whatif.biggest_changes(whatif.scenarios[0], top=2)
    assert changes["resources"]["resource"].iloc[0] == "competence:nurse"
    assert abs(changes["weeks"]["change"].iloc[0]) >= abs(changes["weeks"]["change"].iloc[1])
    sequential = run_whatif(tiny, scenarios, options=WAITING_ONLY, workers=1)
    assert sequential.kpi_table().equals(table)
    document = json.loads(json.dumps(whatif.to_dict()))
    assert document["outcomes"][1]["biggest_changes"]["resources"][0]["resource"] == (
        "competence:nurse"
    )


def test_whatif_refuses_repeated_names_and_bad_changes(tiny: Unit) -> None:
    same = scenario({"type": "scale_care_need", "factor": 2}, name="x")
    bad = scenario({"type": "process_time", "activity": "knee", "minutes": 5}, name="y")
    with pytest.raises(InputError) as caught:
        run_whatif(tiny, [(same, "one.yaml"), (same, "two.yaml"), (bad, "three.yaml")])
    lines = str(caught.value).splitlines()
    assert lines[0] == "two.yaml: name: got 'x', expected a name no other scenario has"
    assert lines[1].startswith("three.yaml: changes[0].activity: got 'knee'")
