"""``balans plan`` and ``balans whatif`` run as a user runs them: real processes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import run_balans as run
from conftest import tiny_unit

from engine.io import save_unit

pytestmark = pytest.mark.solver


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "tiny"
    save_unit(tiny_unit(), path)
    return path


@pytest.mark.parametrize("backend", ["highs", "cbc"])
def test_plan_writes_csv_and_json(folder: Path, tmp_path: Path, backend: str) -> None:
    out = tmp_path / "out"
    result = run("plan", folder, "--weeks", "2", "--out", out, "--backend", backend, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    text = result.stdout
    assert text.startswith("Tactical plan of tiny (Tiny clinic): 2027-W10 .. 2027-W11, 2 weeks")
    assert f"Solver: {backend} optimal" in text
    assert "Check: the plan stays within capacity plus the extra it buys." in text
    with (out / "plan.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0] == {"week": "2027-W10", "kind": "activity", "id": "op", "volume": "10.0"}
    assert {r["kind"] for r in rows} == {"activity", "product_group"}
    document = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert document["solver"]["backend"] == backend
    assert document["check"]["ok"] is True
    assert set(document["shortfall_shifts"]) == {"competence:nurse", "competence:surgeon"}


def test_plan_reads_pinned_csv_from_the_unit_folder(folder: Path, tmp_path: Path) -> None:
    (folder / "pinned.csv").write_text("week,activity,volume\n2027-W10,hip,7\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("plan", folder, "--out", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 pinned volumes" in result.stdout
    document = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    volumes = {
        (r["week"], r["id"]): r["volume"] for r in document["production"] if r["id"] == "hip"
    }
    assert volumes[("2027-W10", "hip")] == pytest.approx(7.0)


def test_contradicting_pins_are_explained_not_infeasible(folder: Path, tmp_path: Path) -> None:
    pinned = tmp_path / "agreed.csv"
    pinned.write_text("week,activity,volume\n2027-W11,hip,40\n", encoding="utf-8")
    options = tmp_path / "options.yaml"
    options.write_text("hires: 0\nextra_shift_share: 0\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run(
        "plan", folder, "--pinned", pinned, "--options", options, "--out", out, cwd=tmp_path
    )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    nurse = [line for line in lines if "competence:nurse" in line]
    # 40 hips take 240 nurse hours; 60 are there and 6 of overtime at most: 174 missing
    assert nurse == [
        f"balans: error: {pinned} line 2: week 2027-W11, competence:nurse: expected room for "
        "the pinned volumes: 174.0 hours (21.8 shifts) missing beyond the 60.0 available and "
        "6.0 of extra capacity at most"
    ]
    assert any("product group hip" in line and "patients missing" in line for line in lines)
    assert "infeasible" not in result.stderr.lower()
    assert not out.exists(), "nothing is written"


def test_bad_options_and_weeks_are_one_line_each(folder: Path, tmp_path: Path) -> None:
    options = tmp_path / "options.yaml"
    options.write_text("levelling: 2\n", encoding="utf-8")
    result = run("plan", folder, "--options", options, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"balans: error: {options}: levelling: expected one of")
    result = run("plan", folder, "--weeks", "60", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "balans: error: --weeks: got 60, expected a number of weeks from 1 to 2 (the calendar)\n"
    )


def test_whatif_compares_scenarios(folder: Path, tmp_path: Path) -> None:
    nurse = tmp_path / "nurse.yaml"
    nurse.write_text(
        "name: nurse\ndescription: one more nurse\nchanges:\n"
        "  - {type: staff, competence: nurse, fte: 1.0}\n",
        encoding="utf-8",
    )
    growth = tmp_path / "growth.yaml"
    growth.write_text(
        "name: growth\nchanges:\n  - {type: scale_care_need, factor: 1.5}\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    result = run("whatif", folder, nurse, growth, "--out", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("What-if for tiny: the base and 2 scenarios in")
    header = next(line for line in lines if line.split() == ["base", "nurse", "growth"])
    assert header
    assert any(line.startswith("nurse: one more nurse") for line in lines)
    assert "competence:nurse: used" in result.stdout
    document = json.loads((out / "whatif.json").read_text(encoding="utf-8"))
    assert [o["name"] for o in document["outcomes"]] == ["base", "nurse", "growth"]


def test_whatif_names_a_bad_scenario_file(folder: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nchanges:\n  - {type: staff, competence: porter, fte: 1}\n")
    result = run("whatif", folder, bad, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"balans: error: {bad}: changes[0].competence: got 'porter', expected a competence id "
        "of the unit\n"
    )


def test_plan_without_time_to_find_one_says_so(tmp_path: Path) -> None:
    # Whole shifts and beds on the example clinic cannot be planned in a millisecond.
    options = tmp_path / "options.yaml"
    options.write_text("whole_shifts: true\nwhole_beds: true\n", encoding="utf-8")
    clinic = Path(__file__).resolve().parents[2] / "examples" / "ortopedi"
    result = run(
        "plan", clinic, "--options", options, "--time-limit", "0.001", "--out", tmp_path / "o",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("balans: error: the solver stopped without a plan")
    assert "--time-limit" in result.stderr
    assert "Traceback" not in result.stderr
