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


def test_the_unit_yaml_of_a_folder_is_not_a_unit_alone(folder: Path, tiny: Unit) -> None:
    """Given the unit.yaml of a folder, the loader read it as a whole unit, without the staff
    and care need of the folder's CSV files, and found it valid with 0 staff."""
    with pytest.raises(InputError) as caught:
        load_unit(folder / "unit.yaml")
    assert str(caught.value).startswith(
        f"{folder / 'unit.yaml'}: expected the unit folder {folder} (its "
    )
    assert "staff.csv" in str(caught.value)
    assert load_unit(folder) == tiny


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


@pytest.mark.parametrize(
    ("written", "value"), [("7", "7"), ("7.00", "7.0"), ("16.00", "16.0"), ("'7:00'", "'7:00'")]
)
def test_clock_times_written_as_numbers_are_refused(folder: Path, written: str, value: str) -> None:
    """Regression: pydantic read a number as seconds, so ``start: 7`` became 00:00."""
    edit(folder / "unit.yaml", "start: 07:00", f"start: {written}")
    with pytest.raises(InputError) as caught:
        load_unit(folder)
    assert str(caught.value) == (
        f"{folder / 'unit.yaml'}: shift_types[0]{{id=D}}.start: got {value}, "
        "expected a time HH:MM in quotes ('07:00')"
    )


def test_opening_hours_written_as_a_number_is_an_input_error(folder: Path) -> None:
    """Regression: ``start: 7.30`` became an aware time and _ordered raised a TypeError."""
    edit(folder / "unit.yaml", "    start: 08:00", "    start: 7.30")
    with pytest.raises(InputError) as caught:
        load_unit(folder)
    assert str(caught.value) == (
        f"{folder / 'unit.yaml'}: rooms[0]{{id=or1}}.opening[0].start: got 7.3, "
        "expected a time HH:MM in quotes ('07:00')"
    )


def test_a_date_that_does_not_exist_names_its_line(folder: Path) -> None:
    edit(
        folder / "unit.yaml",
        "  target_occupancy: 0.8",
        "  target_occupancy: 0.8\n  bed_changes:\n  - start: 2027-03-08\n    end: 2027-02-31",
    )
    lines = (folder / "unit.yaml").read_text(encoding="utf-8").splitlines()
    line = lines.index("    end: 2027-02-31") + 1
    with pytest.raises(InputError) as caught:
        load_unit(folder)
    assert str(caught.value) == (
        f"{folder / 'unit.yaml'} line {line}: got '2027-02-31', expected a date YYYY-MM-DD"
    )


@pytest.mark.parametrize("cell", ["inf", "-inf", "nan", "Infinity", "1e999"])
def test_numbers_in_csv_must_be_finite(folder: Path, cell: str) -> None:
    edit(folder / "care_need.csv", "2027-W11,20.0", f"2027-W11,{cell}")
    with pytest.raises(InputError) as caught:
        load_unit(folder)
    assert str(caught.value) == (
        f"{folder / 'care_need.csv'} line 3: patients: got {cell!r}, expected a finite number >= 0"
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "utilisation: 0.75",
            "utilisation: 1e999",
            "room_types[0]{id=theatre}.utilisation: got inf, expected a finite number > 0 and <= 1",
        ),
        (
            "surgeon: 1.0",
            "surgeon: inf",
            "activity_types[0]{id=op}.team.surgeon: got 'inf', expected a finite number > 0",
        ),
        (
            "mean_process_time: 120.0",
            "mean_process_time: -1e400",
            "activity_types[0]{id=op}.mean_process_time: got -inf, "
            "expected a finite number > 0 and <= 1440",
        ),
    ],
)
def test_numbers_in_yaml_must_be_finite(folder: Path, old: str, new: str, message: str) -> None:
    edit(folder / "unit.yaml", old, new)
    with pytest.raises(InputError) as caught:
        load_unit(folder)
    assert str(caught.value) == f"{folder / 'unit.yaml'}: {message}"


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("absence.csv", " (did you mean absences.csv?)"),
        ("Absences.csv", " (did you mean absences.csv?)"),
        ("waitinglist.csv", " (did you mean waiting_list.csv?)"),
        ("unit.yml", " (did you mean unit.yaml?)"),
        ("notes.JSON", ""),
    ],
)
def test_an_unknown_input_file_is_refused_not_ignored(folder: Path, name: str, hint: str) -> None:
    """Regression: a misspelled absences.csv was ignored without a word, its absences lost."""
    (folder / name).write_text("staff_id,start,end\nbert,2027-03-08,2027-03-09\n", "utf-8")
    with pytest.raises(InputError) as caught:
        load_unit(folder)
    assert str(caught.value) == (
        f"{folder / name}: unknown file in the unit folder: expected one of absences.csv, "
        f"care_need.csv, pinned.csv, requests.csv, staff.csv, unit.yaml, waiting_list.csv{hint}"
    )


def test_every_unknown_input_file_is_listed(folder: Path) -> None:
    (folder / "waiting_list.csv").rename(folder / "waitinglist.csv")
    (folder / "absence.csv").write_text("staff_id,start,end\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_unit(folder)
    assert [p.source for p in caught.value.problems] == [
        str(folder / "absence.csv"),
        str(folder / "waitinglist.csv"),
    ]


def test_other_files_of_a_unit_folder_are_allowed(folder: Path, tiny: Unit) -> None:
    (folder / "README.md").write_text("# Tiny\n", encoding="utf-8")
    (folder / "notes.txt").write_text("notes\n", encoding="utf-8")
    (folder / ".~lock.staff.csv#").write_text("", encoding="utf-8")
    (folder / "._staff.csv").write_text("", encoding="utf-8")  # macOS metadata
    (folder / "old.csv").mkdir()
    (folder / "pinned.csv").write_text("week,activity,volume\n", encoding="utf-8")
    assert load_unit(folder) == tiny


def test_the_example_unit_folder_holds_only_known_files() -> None:
    load_unit(Path(__file__).resolve().parents[2] / "examples" / "ortopedi")
