"""Reading and writing units, and the errors bad input gets."""

from __future__ import annotations

from pathlib import Path

import pytest
from broken import BROKEN, edit
from conftest import tiny_unit

from engine.errors import InputError
from engine.io import load_unit, save_unit
from models.unit import Unit


@pytest.fixture
def folder(tmp_path: Path, tiny: Unit) -> Path:
    path = tmp_path / "tiny"
    save_unit(tiny, path)
    return path


def test_folder_round_trip(folder: Path, tiny: Unit) -> None:
    assert sorted(p.name for p in folder.iterdir()) == [
        "care_need.csv",
        "staff.csv",
        "unit.yaml",
        "waiting_list.csv",
    ]
    assert load_unit(folder) == tiny


def test_json_round_trip(tmp_path: Path, tiny: Unit) -> None:
    save_unit(tiny, tmp_path / "tiny.json")
    assert load_unit(tmp_path / "tiny.json") == tiny


def test_folder_and_json_are_the_same_unit(folder: Path, tmp_path: Path) -> None:
    unit = load_unit(folder)
    save_unit(unit, tmp_path / "unit.json")
    save_unit(load_unit(tmp_path / "unit.json"), tmp_path / "again")
    assert load_unit(tmp_path / "again") == unit


def test_absences_and_requests_round_trip(tmp_path: Path) -> None:
    unit = tiny_unit()
    document = unit.model_dump()
    document["staff"][0]["absences"] = [
        {"start": "2027-03-08", "end": "2027-03-12", "kind": "training", "fraction": 0.5}
    ]
    document["staff"][2]["requests"] = [
        {"date": "2027-03-09", "kind": "off", "weight": 3},
        {"date": "2027-03-10", "kind": "work", "shift": "D"},
    ]
    unit = Unit.model_validate(document)
    save_unit(unit, tmp_path / "u")
    assert (tmp_path / "u" / "absences.csv").exists()
    assert (tmp_path / "u" / "requests.csv").exists()
    assert load_unit(tmp_path / "u") == unit


def test_semicolon_csv_with_decimal_comma(folder: Path) -> None:
    (folder / "staff.csv").write_text(
        "id;competences;employment_rate\nanna;nurse;1\nbert;nurse;0,5\ncilla;surgeon|nurse;1\n",
        encoding="utf-8",
    )
    unit = load_unit(folder)
    assert [m.employment_rate for m in unit.staff] == [1.0, 0.5, 1.0]
    assert unit.staff[2].competences == ["surgeon", "nurse"]


def test_tables_may_live_in_unit_yaml(folder: Path, tiny: Unit, tmp_path: Path) -> None:
    save_unit(tiny, tmp_path / "one.json")
    (tmp_path / "whole").mkdir()
    (tmp_path / "whole" / "unit.yaml").write_text(
        (tmp_path / "one.json").read_text(encoding="utf-8"), encoding="utf-8"
    )  # JSON is YAML
    assert load_unit(tmp_path / "whole") == tiny


def test_clock_times_are_not_base_60_numbers(folder: Path) -> None:
    edit(folder / "unit.yaml", "end: '16:00'\n  paid_minutes", "end: 16:00\n  paid_minutes")
    assert load_unit(folder).shift_types[0].end.hour == 16


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_input_is_named_precisely(folder: Path, case: str) -> None:
    breaker, expected = BROKEN[case]
    breaker(folder)
    with pytest.raises(InputError) as caught:
        load_unit(folder)
    assert len(caught.value.problems) == 1, str(caught.value)
    line = str(caught.value)
    assert "\n" not in line
    for fragment in expected:
        assert fragment in line, f"{fragment!r} not in {line!r}"


def test_every_problem_is_listed_not_just_the_first(folder: Path) -> None:
    edit(folder / "staff.csv", "bert,,nurse,", "bert,,nurze,")
    edit(folder / "care_need.csv", "2027-W11", "2027-W30")
    with pytest.raises(InputError) as caught:
        load_unit(folder)
    assert len(caught.value.problems) == 2


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nowhere: expected a unit folder or a \.json file"):
        load_unit(tmp_path / "nowhere")


def test_malformed_json(tmp_path: Path) -> None:
    path = tmp_path / "unit.json"
    path.write_text('{"id": "x",\n "calendar": }', encoding="utf-8")
    with pytest.raises(InputError, match=r"unit.json line 2: expected valid JSON"):
        load_unit(path)


def test_json_errors_point_into_the_document(tmp_path: Path, tiny: Unit) -> None:
    path = tmp_path / "unit.json"
    save_unit(tiny, path)
    edit(path, '"target_occupancy": 0.8', '"target_occupancy": 7')
    with pytest.raises(
        InputError, match=r"unit.json: wards\[0\]\{id=ward\}.target_occupancy: got 7"
    ):
        load_unit(path)


def test_saving_again_leaves_no_stale_table(tmp_path: Path) -> None:
    document = tiny_unit().model_dump()
    document["staff"][0]["absences"] = [{"start": "2027-03-08", "end": "2027-03-09"}]
    save_unit(Unit.model_validate(document), tmp_path / "u")
    assert (tmp_path / "u" / "absences.csv").exists()
    save_unit(tiny_unit(), tmp_path / "u")
    assert not (tmp_path / "u" / "absences.csv").exists()
    assert load_unit(tmp_path / "u") == tiny_unit()


def test_staff_fields_beyond_the_csv_columns_are_kept(tmp_path: Path) -> None:
    """Regression: a staff member's own work rules were dropped by save_unit (staff.csv has no
    column for them); the staff list now stays in unit.yaml when that happens."""
    document = tiny_unit().model_dump()
    document["staff"][1]["work_rules"] = {"max_nights_per_week": 0}
    document["staff"][1]["absences"] = [{"start": "2027-03-08", "end": "2027-03-09"}]
    unit = Unit.model_validate(document)
    save_unit(unit, tmp_path / "u")
    assert not (tmp_path / "u" / "staff.csv").exists()
    assert (tmp_path / "u" / "absences.csv").exists()
    assert load_unit(tmp_path / "u") == unit
    save_unit(tiny_unit(), tmp_path / "u")  # and back: staff.csv again, no stale staff
    assert (tmp_path / "u" / "staff.csv").exists()
    assert load_unit(tmp_path / "u") == tiny_unit()
